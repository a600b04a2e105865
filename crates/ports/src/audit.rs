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
    /// Stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Success => "success",
            AuditOutcome::Denied => "denied",
            AuditOutcome::Failed => "failed",
        }
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

/// Audit entries written outside a command's transaction: reads, and refused attempts.
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends one entry. MUST be durable when it returns `Ok`.
    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError>;
}
