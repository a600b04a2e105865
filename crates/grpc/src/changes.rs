//! `yigong.v1.ChangeFeedService` over `ChangeService`: translation only.

use tonic::{Request, Response, Status};
use yigong_proto::v1 as pb;
use yigong_proto::v1::change_feed_service_server::ChangeFeedService as Api;
use yigong_service::{ChangeService, ServiceError};

use crate::status::to_status;
use crate::wire::{invalid, principal, timestamp};

/// The change feed RPC.
pub struct ChangeFeedApi {
    changes: ChangeService,
}

impl ChangeFeedApi {
    /// Serves the use case.
    pub fn new(changes: ChangeService) -> Self {
        Self { changes }
    }
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
        let size =
            u32::try_from(r.page_size).map_err(|_| invalid("page_size", "must not be negative"))?;
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
}
