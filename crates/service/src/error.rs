//! The use cases' error: what went wrong, in terms a client can act on.

use time::Date;
use yigong_domain::calendar;
use yigong_domain::consultation::ConsultationError;
use yigong_domain::contract::ContractError;
use yigong_domain::diagnosis::DiagnosisError;
use yigong_domain::followup::FollowUpError;
use yigong_domain::grid::GridError;
use yigong_domain::network::NetworkError;
use yigong_domain::referral::{AdviceError, ReferralError};
use yigong_domain::rule::{BrokenRule, RuleId};
use yigong_domain::screening::CaseError;
use yigong_ports::{Constraint, StoreError};

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
    /// Bad input in one element of a list (`index`) or of a nested message (no index):
    /// `{list}[{index}].{field}` or `{list}.{field}` names it.
    #[error("invalid {}: {reason}", element_path(list, *index, field))]
    InvalidElement {
        /// The list or message.
        list: &'static str,
        /// The element's position, for a list.
        index: Option<usize>,
        /// The field inside the element.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Bad input deep in a form: `path` names the field from the request's root as the domain
    /// spells it (e.g. `check.tests[1].values[0].value`).
    #[error("invalid {path}: {reason}")]
    InvalidPath {
        /// The field's path.
        path: String,
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
    /// The resource exists already (the same identity document, an open enrolment);
    /// `existing` names it (`residents/{uuid}`) when the caller may see it, so a client can go
    /// on with it.
    #[error("already exists: {message}")]
    AlreadyExists {
        /// What exists.
        message: String,
        /// The existing resource's name, for a caller who may see it.
        existing: Option<String>,
    },
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

impl ServiceError {
    /// Bad input in `field`, for the reason the domain gives.
    pub fn invalid(field: &'static str, reason: impl std::fmt::Display) -> Self {
        ServiceError::InvalidArgument {
            field,
            reason: reason.to_string(),
        }
    }
}

/// `{list}[{index}].{field}`, or `{list}.{field}` without an index, with `list` as given: the
/// adapter renames the list to its wire name.
pub fn element_path(list: &str, index: Option<usize>, field: &str) -> String {
    match index {
        Some(i) => format!("{list}[{i}].{field}"),
        None => format!("{list}.{field}"),
    }
}

/// `on` as the date of something that has happened (the domain's [`calendar::not_after`]),
/// or bad input in `field`.
pub(crate) fn happened(field: &'static str, on: Date, today: Date) -> Result<Date, ServiceError> {
    calendar::not_after(on, today).map_err(|e| ServiceError::invalid(field, e))
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
    AdviceError,
    FollowUpError,
    NetworkError,
    GridError,
    ContractError,
    CaseError
);

/// A remote-diagnosis refusal: bad text names its field; a broken rule is the rule.
impl From<DiagnosisError> for ServiceError {
    fn from(e: DiagnosisError) -> Self {
        match e {
            DiagnosisError::Text { field, error } => ServiceError::invalid(field, error),
            other => ServiceError::Rule {
                rule: other.rule(),
                message: other.to_string(),
            },
        }
    }
}

/// A remote-consultation refusal: bad input names its field (an attachment's by its
/// position); a broken rule of the parties or the state is the rule.
impl From<ConsultationError> for ServiceError {
    fn from(e: ConsultationError) -> Self {
        match e {
            ConsultationError::DuplicateAttachment { index } => ServiceError::InvalidPath {
                path: format!("attachments[{index}]"),
                reason: e.to_string(),
            },
            ConsultationError::Text { .. }
            | ConsultationError::InThePast { .. }
            | ConsultationError::TooFarAhead { .. }
            | ConsultationError::TooManyAttachments { .. }
            | ConsultationError::InvalidAttachment { .. } => ServiceError::InvalidArgument {
                field: e.field().unwrap_or_default(),
                reason: e.to_string(),
            },
            other => ServiceError::Rule {
                rule: other.rule(),
                message: other.to_string(),
            },
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { .. } => ServiceError::Conflict(e.to_string()),
            StoreError::NotFound { entity, id } => ServiceError::NotFound(format!("{entity} {id}")),
            StoreError::Duplicate {
                constraint: Constraint::ResidentDocument,
            } => ServiceError::AlreadyExists {
                message: "a resident with this identity document is registered".to_owned(),
                existing: None,
            },
            StoreError::Duplicate {
                constraint: Constraint::OpenEnrolment,
            } => ServiceError::AlreadyExists {
                message: "the patient is already enrolled for this condition".to_owned(),
                existing: None,
            },
            StoreError::Duplicate {
                constraint: Constraint::OpenCancerCase,
            } => ServiceError::AlreadyExists {
                message: "the woman has an open case of this cancer".to_owned(),
                existing: None,
            },
            StoreError::Duplicate { .. }
            | StoreError::Corrupt { .. }
            | StoreError::Unavailable(_) => ServiceError::Unavailable(e.to_string()),
        }
    }
}
