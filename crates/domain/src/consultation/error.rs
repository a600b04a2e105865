//! Why a remote-consultation command was refused; nothing changed.

use super::consultation::Status;
use crate::rule::{BrokenRule, RuleId};
use crate::text::TextError;

/// Why a consultation command was refused. Fields are named as the wire names them
/// ([`ConsultationError::field`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsultationError {
    /// The consultant is not an open county-level institution.
    #[error("the consultant is an open county-level institution")]
    ConsultantNotCounty,
    /// The consultant's medical community does not hold the requesting institution.
    #[error("the consultant serves its own medical community's institutions")]
    OutsideCommunity,
    /// The requesting institution asked itself.
    #[error("an institution does not consult itself")]
    SameInstitution,
    /// A time lies before the moment the command was given.
    #[error("{field}: lies in the past")]
    InThePast {
        /// `proposed_time` or `scheduled_time`.
        field: &'static str,
    },
    /// A time lies more than [`super::MAX_DAYS_AHEAD`] days after the moment the command was
    /// given.
    #[error("{field}: more than {max} days ahead", max = super::MAX_DAYS_AHEAD)]
    TooFarAhead {
        /// `proposed_time` or `scheduled_time`.
        field: &'static str,
    },
    /// More attachments than [`super::MAX_ATTACHMENTS`].
    #[error("at most {max} attachments; {count} given", max = super::MAX_ATTACHMENTS)]
    TooManyAttachments {
        /// How many were given.
        count: usize,
    },
    /// An attachment repeats an earlier one (the same report, or the same URL).
    #[error("attachment {index} repeats an earlier one")]
    DuplicateAttachment {
        /// Its position, from 0.
        index: usize,
    },
    /// An attachment's identifier, URL or media type breaks its grammar.
    #[error("{field}: {reason}")]
    InvalidAttachment {
        /// `attachments.diagnostic_report`, `attachments.url` or `attachments.media_type`.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// A required text is missing or too long.
    #[error("{field}: {error}")]
    Text {
        /// The field.
        field: &'static str,
        /// Why.
        error: TextError,
    },
    /// The command does not apply in the consultation's state.
    #[error("the consultation is {}: it cannot be {command}", .status.code())]
    WrongState {
        /// The consultation's state.
        status: Status,
        /// What was attempted.
        command: &'static str,
    },
    /// Another specialist than the one scheduled tried to answer.
    #[error("the scheduled specialist answers this consultation")]
    NotTheSpecialist,
}

impl ConsultationError {
    /// A text field checked by [`crate::text::required`].
    pub(crate) fn text(
        field: &'static str,
        raw: &str,
        max: usize,
    ) -> Result<String, ConsultationError> {
        crate::text::required(raw, 1, max).map_err(|error| ConsultationError::Text { field, error })
    }

    /// The input field at fault, as the wire names it; `None` when the command, not a field,
    /// is refused (its state, who answers).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ConsultationError::ConsultantNotCounty
            | ConsultationError::OutsideCommunity
            | ConsultationError::SameInstitution => Some("consultant"),
            ConsultationError::TooManyAttachments { .. }
            | ConsultationError::DuplicateAttachment { .. } => Some("attachments"),
            ConsultationError::InThePast { field }
            | ConsultationError::TooFarAhead { field }
            | ConsultationError::InvalidAttachment { field, .. }
            | ConsultationError::Text { field, .. } => Some(field),
            ConsultationError::WrongState { .. } | ConsultationError::NotTheSpecialist => None,
        }
    }
}

impl BrokenRule for ConsultationError {
    fn rule(&self) -> RuleId {
        match self {
            ConsultationError::ConsultantNotCounty
            | ConsultationError::OutsideCommunity
            | ConsultationError::SameInstitution => RuleId::ConsultationParties,
            ConsultationError::InThePast { .. } | ConsultationError::TooFarAhead { .. } => {
                RuleId::ConsultationTime
            }
            ConsultationError::TooManyAttachments { .. }
            | ConsultationError::DuplicateAttachment { .. }
            | ConsultationError::InvalidAttachment { .. } => RuleId::ConsultationAttach,
            ConsultationError::Text { field, .. } if field.starts_with("attachments.") => {
                RuleId::ConsultationAttach
            }
            ConsultationError::Text { .. } | ConsultationError::WrongState { .. } => {
                RuleId::ConsultationStates
            }
            ConsultationError::NotTheSpecialist => RuleId::ConsultationAnswer,
        }
    }
}
