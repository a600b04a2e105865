//! `yigong.v1.ChangeFeedService` over `ChangeService` (and `ReferralService` for the inbox
//! watch's first snapshot): translation and the watches' polling loops only. `WatchEvents`
//! sends the same `yigong.v1.Event` messages as NATS (`yigong_bus::event_message`).

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::Stream;
use tonic::{Request, Response, Status};
use yigong_domain::referral::{Referral, StateName};
use yigong_ports::{StoredEvent, Versioned};
use yigong_proto::v1 as pb;
use yigong_proto::v1::change_feed_service_server::ChangeFeedService as Api;
use yigong_service::{ChangeService, Principal, ReferralService, ServiceError};

use crate::referral::to_wire;
use crate::status::to_status;
use crate::wire::{invalid, page_size, principal, timestamp};

/// How often an idle watch looks for new changes.
const WATCH_POLL: Duration = Duration::from_millis(500);
/// Changes read per look.
const WATCH_BATCH: u32 = 500;

/// The change feed RPCs.
pub struct ChangeFeedApi {
    changes: Arc<ChangeService>,
    referrals: Arc<ReferralService>,
}

impl ChangeFeedApi {
    /// Serves the use cases.
    pub fn new(changes: ChangeService, referrals: ReferralService) -> Self {
        Self {
            changes: Arc::new(changes),
            referrals: Arc::new(referrals),
        }
    }
}

type InboxStream = Pin<Box<dyn Stream<Item = Result<pb::Referral, Status>> + Send>>;
type EventStream = Pin<Box<dyn Stream<Item = Result<pb::Event, Status>> + Send>>;

struct EventWatch {
    changes: Arc<ChangeService>,
    who: Principal,
    cursor: i64,
    buffered: VecDeque<StoredEvent>,
    failed: bool,
}

struct Watch {
    changes: Arc<ChangeService>,
    who: Principal,
    cursor: i64,
    buffered: VecDeque<Versioned<Referral>>,
    failed: bool,
}

fn status(e: ServiceError) -> Status {
    to_status(e, str::to_owned)
}

#[tonic::async_trait]
impl Api for ChangeFeedApi {
    async fn list_changes(
        &self,
        request: Request<pb::ListChangesRequest>,
    ) -> Result<Response<pb::ListChangesResponse>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let size = page_size(r.page_size)?;
        let after = if r.page_token.is_empty() {
            0
        } else {
            r.page_token
                .parse::<i64>()
                .map_err(|_| invalid("page_token", "not a token this list issued"))?
        };
        let page = self
            .changes
            .changes(&who, after, size)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListChangesResponse {
            changes: page
                .events
                .into_iter()
                .map(|e| pb::Change {
                    sequence: e.sequence,
                    event_id: e.event.event_id.to_string(),
                    aggregate_kind: e.event.aggregate_kind,
                    aggregate_id: e.event.aggregate_id.to_string(),
                    aggregate_sequence: e.aggregate_sequence,
                    event_type: e.event.event_type,
                    schema_version: e.event.schema_version,
                    occur_time: Some(timestamp(e.event.occurred_at)),
                    payload_json: e.event.payload.to_string(),
                })
                .collect(),
            next_page_token: page.next.to_string(),
        }))
    }

    type WatchEventsStream = EventStream;

    async fn watch_events(
        &self,
        request: Request<pb::WatchEventsRequest>,
    ) -> Result<Response<Self::WatchEventsStream>, Status> {
        let who = principal(&request)?;
        let after = request.into_inner().after_sequence;
        // The first read happens here, so a bad cursor or a caller without access is refused
        // before the stream opens.
        let first = self
            .changes
            .watch(&who, after, WATCH_BATCH)
            .await
            .map_err(status)?;
        let watch = EventWatch {
            changes: self.changes.clone(),
            who,
            cursor: first.next,
            buffered: first.events.into(),
            failed: false,
        };
        let stream = futures_util::stream::unfold(watch, |mut w| async move {
            loop {
                if let Some(e) = w.buffered.pop_front() {
                    let sent = yigong_bus::event_message(&e).map_err(|err| {
                        // A row this version cannot encode: the client resumes after it.
                        Status::data_loss(format!("event at sequence {}: {err}", e.sequence))
                    });
                    w.failed |= sent.is_err();
                    return Some((sent, w));
                }
                if w.failed {
                    return None;
                }
                match w.changes.watch(&w.who, w.cursor, WATCH_BATCH).await {
                    Ok(page) => {
                        let idle = page.next == w.cursor;
                        w.cursor = page.next;
                        w.buffered.extend(page.events);
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
        });
        Ok(Response::new(Box::pin(stream)))
    }

    type WatchReferralInboxStream = InboxStream;

    async fn watch_referral_inbox(
        &self,
        request: Request<pb::WatchReferralInboxRequest>,
    ) -> Result<Response<Self::WatchReferralInboxStream>, Status> {
        let who = principal(&request)?;
        // The cursor is taken before the snapshot, so nothing that changes while the snapshot
        // is read is missed (it may come twice: delivery is at least once).
        let cursor = self.changes.latest().await.map_err(status)?;
        let open = [
            StateName::AwaitingApproval,
            StateName::Requested,
            StateName::Accepted,
        ];
        let mut buffered = VecDeque::new();
        let mut token = None;
        loop {
            let page = self
                .referrals
                .inbox(&who, &open, 500, token)
                .await
                .map_err(status)?;
            buffered.extend(page.items);
            match page.next {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        let watch = Watch {
            changes: self.changes.clone(),
            who,
            cursor,
            buffered,
            failed: false,
        };
        let stream = futures_util::stream::unfold(watch, |mut w| async move {
            loop {
                if let Some(r) = w.buffered.pop_front() {
                    return Some((Ok(to_wire(r)), w));
                }
                if w.failed {
                    return None;
                }
                match w.changes.inbox_changes(&w.who, w.cursor, WATCH_BATCH).await {
                    Ok(batch) => {
                        let idle = batch.next == w.cursor;
                        w.cursor = batch.next;
                        w.buffered.extend(batch.referrals);
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
        });
        Ok(Response::new(Box::pin(stream)))
    }
}
