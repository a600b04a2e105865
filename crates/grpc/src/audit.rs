//! `yigong.v1.AuditService` over `AuditService` (the use case): translation only.

use tonic::{Request, Response, Status};
use yigong_domain::ids::ResidentId;
use yigong_ports::{AuditOutcome, LoggedEntry};
use yigong_proto::v1 as pb;
use yigong_proto::v1::audit_service_server::AuditService as Api;
use yigong_service::{AuditQuery, AuditService};

use crate::status::{renamed, to_status};
use crate::wire::{
    invalid, name, page_size, parse_optional_name, parse_timestamp, principal, timestamp,
};

/// The audit review RPC.
pub struct AuditApi {
    audit: AuditService,
}

impl AuditApi {
    /// Serves the use case.
    pub fn new(audit: AuditService) -> Self {
        Self { audit }
    }
}

/// The wire's outcome of a stored one, and back (unspecified: any outcome).
fn outcome_to_wire(o: AuditOutcome) -> pb::AuditOutcome {
    match o {
        AuditOutcome::Success => pb::AuditOutcome::Success,
        AuditOutcome::Denied => pb::AuditOutcome::Denied,
        AuditOutcome::Failed => pb::AuditOutcome::Failed,
    }
}

fn outcome_filter(value: i32) -> Result<Option<AuditOutcome>, Status> {
    match pb::AuditOutcome::try_from(value) {
        Ok(pb::AuditOutcome::Unspecified) => Ok(None),
        Ok(pb::AuditOutcome::Success) => Ok(Some(AuditOutcome::Success)),
        Ok(pb::AuditOutcome::Denied) => Ok(Some(AuditOutcome::Denied)),
        Ok(pb::AuditOutcome::Failed) => Ok(Some(AuditOutcome::Failed)),
        Err(_) => Err(invalid("outcome", format!("unknown outcome {value}"))),
    }
}

fn entry(e: LoggedEntry) -> pb::AuditEntry {
    let LoggedEntry { sequence, entry } = e;
    pb::AuditEntry {
        sequence,
        user: entry.actor.user,
        role: entry.actor.role,
        institution: name("institutions", entry.actor.institution),
        action: entry.action,
        resource: entry.resource,
        patient: entry
            .patient
            .map(|p| name("residents", p))
            .unwrap_or_default(),
        time: Some(timestamp(entry.at)),
        outcome: outcome_to_wire(entry.outcome) as i32,
        break_glass_reason: entry.break_glass.unwrap_or_default(),
    }
}

#[tonic::async_trait]
impl Api for AuditApi {
    async fn list_audit_entries(
        &self,
        request: Request<pb::ListAuditEntriesRequest>,
    ) -> Result<Response<pb::ListAuditEntriesResponse>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let after = match r.page_token.as_str() {
            "" => None,
            token => Some(
                token
                    .parse::<i64>()
                    .map_err(|_| invalid("page_token", "not a page token this API issued"))?,
            ),
        };
        let query = AuditQuery {
            user: Some(r.user.trim().to_owned()).filter(|u| !u.is_empty()),
            patient: parse_optional_name("patient", "residents", &r.patient)?
                .map(ResidentId::from_uuid),
            outcome: outcome_filter(r.outcome)?,
            since: r
                .start_time
                .map(|t| parse_timestamp("start_time", Some(t)))
                .transpose()?,
            until: r
                .end_time
                .map(|t| parse_timestamp("end_time", Some(t)))
                .transpose()?,
            page_size: page_size(r.page_size)?,
            after,
        };
        let page = self
            .audit
            .list(&who, query)
            .await
            .map_err(|e| to_status(e, renamed(&[])))?;
        Ok(Response::new(pb::ListAuditEntriesResponse {
            entries: page.entries.into_iter().map(entry).collect(),
            next_page_token: page.next.map(|n| n.to_string()).unwrap_or_default(),
        }))
    }
}
