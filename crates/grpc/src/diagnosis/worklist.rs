//! The readers' worklist as a stream and as a watch: the paged list read page by page, then
//! (for the watch) each of the centre's requests as the outbox says it changed.

use std::sync::Arc;

use futures_util::StreamExt;
use tonic::Status;
use yigong_domain::diagnosis::{DiagnosisRequest, Modality};
use yigong_domain::ids::DiagnosisCentreId;
use yigong_ports::Versioned;
use yigong_proto::v1 as pb;
use yigong_service::{ChangeService, DiagnosisService, Principal};

use super::{message, status};
use crate::watch::{Fetch, FetchPage, WATCH_BATCH, pages_stream, watch_stream};

/// Requests read per page of a streamed worklist.
const STREAM_PAGE: u32 = 500;

/// A streamed worklist or its watch.
pub(super) type WorklistStream = std::pin::Pin<
    Box<dyn futures_util::Stream<Item = Result<pb::DiagnosisRequest, Status>> + Send>,
>;

/// Which worklist, for whom.
#[derive(Clone)]
pub(super) struct Worklist {
    pub(super) service: Arc<DiagnosisService>,
    pub(super) who: Principal,
    pub(super) centre: DiagnosisCentreId,
    pub(super) modality: Option<Modality>,
}

impl Worklist {
    /// The whole worklist, its first page read now so a caller who is not the centre's reader
    /// is refused as the call's status.
    pub(super) async fn stream(self) -> Result<WorklistStream, Status> {
        let first = self
            .service
            .worklist(&self.who, self.centre, self.modality, STREAM_PAGE, None)
            .await
            .map_err(status)?;
        let send = self.sender();
        let fetch: FetchPage<Versioned<DiagnosisRequest>> = Box::new(move |token| {
            let list = self.clone();
            Box::pin(async move {
                list.service
                    .worklist(
                        &list.who,
                        list.centre,
                        list.modality,
                        STREAM_PAGE,
                        token.as_deref(),
                    )
                    .await
            })
        });
        Ok(pages_stream(first, fetch, send))
    }

    /// The worklist, then what of the centre changes. The cursor is taken before the first
    /// page is read, so nothing that changes while the list streams is missed (it may come
    /// twice: delivery is at least once).
    pub(super) async fn watch(self, changes: Arc<ChangeService>) -> Result<WorklistStream, Status> {
        let cursor = changes.latest().await.map_err(status)?;
        let listed = self.clone().stream().await?;
        let send = self.sender();
        let fetch: Fetch<Versioned<DiagnosisRequest>> = Box::new(move |after| {
            let (list, changes) = (self.clone(), changes.clone());
            Box::pin(async move {
                let batch = changes
                    .worklist_changes(
                        &list.who,
                        &list.service,
                        list.centre,
                        list.modality,
                        after,
                        WATCH_BATCH,
                    )
                    .await?;
                Ok((batch.requests, batch.next))
            })
        });
        let followed = watch_stream(fetch, cursor, Default::default(), send);
        Ok(Box::pin(listed.chain(followed)))
    }

    fn sender(
        &self,
    ) -> impl Fn(Versioned<DiagnosisRequest>) -> Result<pb::DiagnosisRequest, Status>
    + Clone
    + Send
    + Sync
    + 'static {
        let service = self.service.clone();
        move |v| Ok(message::request(&v, service.profile()))
    }
}
