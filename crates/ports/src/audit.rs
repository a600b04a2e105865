//! Audit entries: who read or changed which patient's data, when, and with what outcome.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use yigong_domain::ids::{InstitutionId, ResidentId};

use crate::StoreError;

/// The authenticated caller, as the audit log records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// User id from the token.
    pub user: String,
    /// Role name.
    pub role: String,
    /// The caller's institution.
    pub institution: InstitutionId,
}

/// How the audited operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    /// Done.
    Success,
    /// Refused by authorization.
    Denied,
    /// Refused by a business rule or failed.
    Failed,
}

impl AuditOutcome {
    /// Every outcome.
    pub const ALL: [AuditOutcome; 3] = [
        AuditOutcome::Success,
        AuditOutcome::Denied,
        AuditOutcome::Failed,
    ];

    /// Stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Success => "success",
            AuditOutcome::Denied => "denied",
            AuditOutcome::Failed => "failed",
        }
    }

    /// The outcome a stored name spells.
    pub fn from_name(name: &str) -> Option<AuditOutcome> {
        Self::ALL.into_iter().find(|o| o.as_str() == name)
    }
}

/// One append-only audit entry. Never holds an identity number: patients are ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Who.
    pub actor: Actor,
    /// What, e.g. `referral.accept`, `referral.get`.
    pub action: String,
    /// Which resource, e.g. `referrals/<uuid>`.
    pub resource: String,
    /// Whose data, if a patient's.
    pub patient: Option<ResidentId>,
    /// When.
    pub at: OffsetDateTime,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// A break-glass read's stated reason.
    pub break_glass: Option<String>,
}

/// Which audit entries to read: each filter set narrows, and `institutions` (when given) keeps
/// only entries whose actor belongs to one of them (the reader's scope).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
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
    /// Only actors of these institutions.
    pub institutions: Option<Vec<InstitutionId>>,
}

/// An audit entry with its position in the log (ascending, the order entries were written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEntry {
    /// Position in the log.
    pub sequence: i64,
    /// The entry.
    pub entry: AuditEntry,
}

/// Audit entries written outside a command's transaction (reads, and refused attempts), and
/// the log read back for its reviewers.
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends one entry. MUST be durable when it returns `Ok`.
    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError>;

    /// Appends `entries` in order, all or none (one statement: a search returning a page of
    /// patients logs a read of each). MUST be durable when it returns `Ok`.
    async fn record_all(&self, entries: &[AuditEntry]) -> Result<(), StoreError>;

    /// At most `limit` entries matching `filter` after position `after`, oldest first.
    async fn entries(
        &self,
        filter: &AuditFilter,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<LoggedEntry>, StoreError>;
}
