//! The streams' loops: a list read page by page as the stream reaches it, and a watch that
//! follows the outbox after a cursor. Adapters give them the use case to call; the use cases
//! decide what the caller sees.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures_util::Stream;
use tonic::Status;
use yigong_ports::Page;
use yigong_service::ServiceError;

use crate::status::to_status;

/// How often an idle watch looks for new changes.
const WATCH_POLL: Duration = Duration::from_millis(500);
/// Changes read per look.
pub(crate) const WATCH_BATCH: u32 = 500;

/// Reads what changed after a cursor: the items and the next cursor.
pub(crate) type Fetch<T> = Box<
    dyn Fn(i64) -> Pin<Box<dyn Future<Output = Result<(Vec<T>, i64), ServiceError>> + Send>>
        + Send
        + Sync,
>;

/// A watch's state: what is read but not yet sent, and where to read next.
struct Watch<T> {
    fetch: Fetch<T>,
    cursor: i64,
    buffered: VecDeque<T>,
    failed: bool,
}

/// The watches' one loop: send what is buffered (through `send`), then read after the cursor,
/// sleeping `WATCH_POLL` when nothing changed; the first error (reading or sending) ends the
/// stream after it is sent.
pub(crate) fn watch_stream<T, U, S>(
    fetch: Fetch<T>,
    cursor: i64,
    buffered: VecDeque<T>,
    send: S,
) -> Pin<Box<dyn Stream<Item = Result<U, Status>> + Send>>
where
    T: Send + 'static,
    U: Send + 'static,
    S: Fn(T) -> Result<U, Status> + Clone + Send + Sync + 'static,
{
    let watch = Watch {
        fetch,
        cursor,
        buffered,
        failed: false,
    };
    Box::pin(futures_util::stream::unfold(watch, move |mut w| {
        let send = send.clone();
        async move {
            loop {
                if let Some(item) = w.buffered.pop_front() {
                    let sent = send(item);
                    w.failed |= sent.is_err();
                    return Some((sent, w));
                }
                if w.failed {
                    return None;
                }
                match (w.fetch)(w.cursor).await {
                    Ok((items, next)) => {
                        let idle = next == w.cursor;
                        w.cursor = next;
                        w.buffered.extend(items);
                        if idle {
                            tokio::time::sleep(WATCH_POLL).await;
                        }
                    }
                    Err(e) => {
                        w.failed = true;
                        return Some((Err(status(e)), w));
                    }
                }
            }
        }
    }))
}

/// Reads the page after a token (`None`: the first).
pub(crate) type FetchPage<T> = Box<
    dyn Fn(Option<String>) -> Pin<Box<dyn Future<Output = Result<Page<T>, ServiceError>> + Send>>
        + Send
        + Sync,
>;

/// A paged list as one stream: `first` (read before the call answers, so a refusal is the
/// call's status), then each next page as the stream reaches it; the first error ends it.
pub(crate) fn pages_stream<T, U, S>(
    first: Page<T>,
    fetch: FetchPage<T>,
    send: S,
) -> Pin<Box<dyn Stream<Item = Result<U, Status>> + Send>>
where
    T: Send + 'static,
    U: Send + 'static,
    S: Fn(T) -> Result<U, Status> + Clone + Send + Sync + 'static,
{
    let state = (VecDeque::from(first.items), first.next, fetch, false);
    Box::pin(futures_util::stream::unfold(
        state,
        move |(mut buffered, mut next, fetch, mut failed)| {
            let send = send.clone();
            async move {
                loop {
                    if failed {
                        return None;
                    }
                    if let Some(item) = buffered.pop_front() {
                        let sent = send(item);
                        failed = sent.is_err();
                        return Some((sent, (buffered, next, fetch, failed)));
                    }
                    let token = next.take()?;
                    match fetch(Some(token)).await {
                        Ok(page) => {
                            buffered.extend(page.items);
                            next = page.next;
                        }
                        Err(e) => return Some((Err(status(e)), (buffered, None, fetch, true))),
                    }
                }
            }
        },
    ))
}

/// A use case's error as the stream's status (field names as the service gives them).
pub(crate) fn status(e: ServiceError) -> Status {
    to_status(e, str::to_owned)
}
