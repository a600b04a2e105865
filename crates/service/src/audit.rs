//! Reviewing the audit log (MLPS 2.0 level 3 security audit): an operator reads who did what
//! to whose data, and every refusal, within their scope ([`Principal::audit_scope`]); the read
//! is itself audited, and a refused read too.

use time::OffsetDateTime;
use yigong_domain::ids::ResidentId;
use yigong_ports::{AuditFilter, AuditOutcome, LoggedEntry};

use crate::deps::{audit_entry, page_limit};
use crate::{Deps, Principal, ServiceError};

const LIST: &str = "audit.list";
const RESOURCE: &str = "audit-entries";

/// What to review: each set filter narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// The actor's user id.
    pub user: Option<String>,
    /// Whose data.
    pub patient: Option<ResidentId>,
    /// How it ended.
    pub outcome: Option<AuditOutcome>,
    /// At or after.
    pub since: Option<OffsetDateTime>,
    /// Before.
    pub until: Option<OffsetDateTime>,
    /// Page size (0: the default).
    pub page_size: u32,
    /// Continue after this position (the previous page's `next`).
    pub after: Option<i64>,
}

/// One page of the log, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPage {
    /// The entries.
    pub entries: Vec<LoggedEntry>,
    /// The position to continue after, when more entries match.
    pub next: Option<i64>,
}

/// The audit review use case.
#[derive(Clone)]
pub struct AuditService {
    deps: Deps,
}

impl AuditService {
    /// Builds the service over its ports.
    pub fn new(deps: Deps) -> Self {
        Self { deps }
    }

    /// Entries matching `query` within the caller's scope; the review is audited.
    #[tracing::instrument(skip_all, fields(user = %who.user))]
    pub async fn list(
        &self,
        who: &Principal,
        query: AuditQuery,
    ) -> Result<AuditPage, ServiceError> {
        let Some(institutions) = who.audit_scope(&self.deps.network.current()) else {
            let reason = "only operators review the audit log";
            return Err(self
                .deps
                .forbidden(None, who, LIST, RESOURCE.to_owned(), query.patient, reason)
                .await);
        };
        if let (Some(since), Some(until)) = (query.since, query.until)
            && since >= until
        {
            return Err(ServiceError::InvalidArgument {
                field: "end_time",
                reason: "must be after start_time".to_owned(),
            });
        }
        let filter = AuditFilter {
            user: query.user,
            patient: query.patient,
            outcome: query.outcome,
            since: query.since,
            until: query.until,
            institutions: Some(institutions),
        };
        let limit = page_limit(query.page_size);
        let mut entries = self
            .deps
            .audit
            .entries(&filter, query.after, limit + 1)
            .await?;
        let next = if entries.len() > limit as usize {
            entries.truncate(limit as usize);
            entries.last().map(|e| e.sequence)
        } else {
            None
        };
        let read = audit_entry(
            who,
            LIST,
            RESOURCE.to_owned(),
            filter.patient,
            self.deps.clock.now(),
        );
        self.deps.audit.record(&read).await?;
        Ok(AuditPage { entries, next })
    }
}
