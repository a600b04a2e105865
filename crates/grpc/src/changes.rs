//! `yigong.v1.ChangeFeedService` over `ChangeService` (and `ReferralService` for the inbox
//! watch's first snapshot): translation and the watches' polling loops only. `WatchEvents`
//! sends the same `yigong.v1.Event` messages as NATS (`yigong_bus::event_message`).

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::Stream;
use tonic::{Request, Response, Status};
use yigong_domain::referral::Referral;
use yigong_ports::{StoredEvent, Versioned};
use yigong_proto::v1 as pb;
use yigong_proto::v1::change_feed_service_server::ChangeFeedService as Api;
use yigong_service::{ChangeService, ReferralListing, ReferralService};

use crate::referral::{referral_view, to_wire};
use crate::watch::status;
use crate::watch::{Fetch, WATCH_BATCH, watch_stream};
use crate::wire::{invalid, page_size, principal, timestamp};

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

/// An event as the watch sends it; a row this version cannot encode ends the stream with
/// `DATA_LOSS` naming its sequence, and the client resumes after it.
fn event_to_wire(e: StoredEvent) -> Result<pb::Event, Status> {
    yigong_bus::event_message(&e)
        .map_err(|err| Status::data_loss(format!("event at sequence {}: {err}", e.sequence)))
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
        let (changes, caller) = (self.changes.clone(), who);
        let fetch: Fetch<StoredEvent> = Box::new(move |cursor| {
            let (changes, caller) = (changes.clone(), caller.clone());
            Box::pin(async move {
                let page = changes.watch(&caller, cursor, WATCH_BATCH).await?;
                Ok((page.events, page.next))
            })
        });
        Ok(Response::new(watch_stream(
            fetch,
            first.next,
            first.events.into(),
            event_to_wire,
        )))
    }

    type WatchReferralInboxStream = InboxStream;

    async fn watch_referral_inbox(
        &self,
        request: Request<pb::WatchReferralInboxRequest>,
    ) -> Result<Response<Self::WatchReferralInboxStream>, Status> {
        let who = principal(&request)?;
        let view = referral_view(request.get_ref().view)?;
        // A view that is not the caller's is refused (and audited) before the stream opens.
        self.referrals.party(&who, view).await.map_err(status)?;
        // The cursor is taken before the snapshot, so nothing that changes while the snapshot
        // is read is missed (it may come twice: delivery is at least once).
        let cursor = self.changes.latest().await.map_err(status)?;
        let listing = ReferralListing::of(view);
        let mut buffered = VecDeque::new();
        let mut token = None;
        loop {
            let page = self
                .referrals
                .list(&who, &listing, 500, token)
                .await
                .map_err(status)?;
            buffered.extend(page.items);
            match page.next {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        let changes = self.changes.clone();
        let judge = self.changes.recognitions();
        let fetch: Fetch<Versioned<Referral>> = Box::new(move |cursor| {
            let (changes, caller) = (changes.clone(), who.clone());
            Box::pin(async move {
                let batch = changes
                    .referral_changes(&caller, view, cursor, WATCH_BATCH)
                    .await?;
                Ok((batch.referrals, batch.next))
            })
        });
        Ok(Response::new(watch_stream(
            fetch,
            cursor,
            buffered,
            move |r| Ok(to_wire(r, &judge)),
        )))
    }
}
