//! The use cases' error: what went wrong, in terms a client can act on.

use yigong_domain::contract::ContractError;
use yigong_domain::followup::FollowUpError;
use yigong_domain::grid::GridError;
use yigong_domain::network::NetworkError;
use yigong_domain::referral::ReferralError;
use yigong_domain::rule::{BrokenRule, RuleId};
use yigong_ports::StoreError;

/// Why a use case failed. Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    /// Bad input; `field` names the field at fault.
    #[error("invalid {field}: {reason}")]
    InvalidArgument {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A business rule refused the command.
    #[error("{rule}: {message}")]
    Rule {
        /// The rule broken.
        rule: RuleId,
        /// The domain's message.
        message: String,
    },
    /// Not found, or not visible to the caller (we do not reveal which).
    #[error("{0} not found")]
    NotFound(String),
    /// The resource exists already (the same identity document, an open enrolment).
    #[error("already exists: {0}")]
    AlreadyExists(String),
    /// The caller may not do this.
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    /// Someone changed the resource concurrently; reload and retry.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Storage failed; the command may be retried.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

/// A domain refusal: the rule it broke and the domain's message.
macro_rules! rule_errors {
    ($($error:ty),+) => {$(
        impl From<$error> for ServiceError {
            fn from(e: $error) -> Self {
                ServiceError::Rule {
                    rule: e.rule(),
                    message: e.to_string(),
                }
            }
        }
    )+};
}

rule_errors!(
    ReferralError,
    FollowUpError,
    NetworkError,
    GridError,
    ContractError
);

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { .. } => ServiceError::Conflict(e.to_string()),
            StoreError::NotFound { entity, id } => ServiceError::NotFound(format!("{entity} {id}")),
            StoreError::Duplicate {
                constraint: "open_referral",
            } => ServiceError::Rule {
                rule: RuleId::ReferralOneOpenPerDirection,
                message: "the patient already has an open referral in this direction".to_owned(),
            },
            StoreError::Duplicate {
                constraint: "resident_document",
            } => ServiceError::AlreadyExists(
                "a resident with this identity document is registered".to_owned(),
            ),
            StoreError::Duplicate {
                constraint: "open_enrolment",
            } => ServiceError::AlreadyExists(
                "the patient is already enrolled for this condition".to_owned(),
            ),
            StoreError::Duplicate { .. }
            | StoreError::Corrupt { .. }
            | StoreError::Unavailable(_) => ServiceError::Unavailable(e.to_string()),
        }
    }
}
