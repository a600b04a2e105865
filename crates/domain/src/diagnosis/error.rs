//! Why a remote-diagnosis command was refused; nothing changed.

use super::modality::{Grade, Modality};
use super::request::Status;
use crate::rule::{BrokenRule, RuleId};
use crate::text::TextError;

/// Why a command on a centre, a request or its report was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiagnosisError {
    /// Centres are departments of county-level institutions.
    #[error("a diagnosis centre belongs to a county-level institution")]
    CentreNotCounty,
    /// The centre's institution leads or belongs to no medical community.
    #[error("the centre's institution is in no medical community")]
    CentreWithoutCommunity,
    /// A centre reads at least one modality.
    #[error("a centre reads at least one modality")]
    NoModality,
    /// The centre does not read the modality.
    #[error("the centre does not read {0:?}")]
    ModalityNotServed(Modality),
    /// The requesting institution is not in the centre's community.
    #[error("the centre serves its own medical community's institutions")]
    OutsideCommunity,
    /// A required text is missing or too long.
    #[error("{field}: {error}")]
    Text {
        /// The field.
        field: &'static str,
        /// Why.
        error: TextError,
    },
    /// The command does not apply in the request's state.
    #[error("a {status:?} request cannot be {command}")]
    WrongState {
        /// The request's state.
        status: Status,
        /// What was attempted.
        command: &'static str,
    },
    /// Another reader holds the claim.
    #[error("another reader is reading this request")]
    ClaimedByAnother,
    /// The verifier read the preliminary report.
    #[error("a report is verified by a second reader")]
    SameReader,
    /// The verifier's grade is below the profile's.
    #[error("verifying needs a {required:?} or above; the reader is {grade:?}")]
    GradeTooLow {
        /// The reader's grade.
        grade: Grade,
        /// The profile's.
        required: Grade,
    },
    /// Only the requesting institution acknowledges.
    #[error("the requesting institution acknowledges its reports and critical values")]
    NotTheRequester,
    /// No critical value waits for acknowledgment.
    #[error("no critical value waits for acknowledgment")]
    NoCriticalValue,
    /// The profile recognises no test result of the modality (DX-RESULT).
    #[error("the profile recognises no {} report as a test result", .0.code())]
    NotAResult(Modality),
}

impl DiagnosisError {
    /// A text field checked by [`crate::text::required`].
    pub(crate) fn text(
        field: &'static str,
        raw: &str,
        max: usize,
    ) -> Result<String, DiagnosisError> {
        crate::text::required(raw, 1, max).map_err(|error| DiagnosisError::Text { field, error })
    }
}

impl BrokenRule for DiagnosisError {
    fn rule(&self) -> RuleId {
        match self {
            DiagnosisError::CentreNotCounty
            | DiagnosisError::CentreWithoutCommunity
            | DiagnosisError::NoModality
            | DiagnosisError::ModalityNotServed(_)
            | DiagnosisError::OutsideCommunity => RuleId::DiagnosisCentre,
            DiagnosisError::Text { .. } | DiagnosisError::WrongState { .. } => {
                RuleId::DiagnosisStates
            }
            DiagnosisError::ClaimedByAnother => RuleId::DiagnosisClaim,
            DiagnosisError::SameReader | DiagnosisError::GradeTooLow { .. } => {
                RuleId::DiagnosisVerify
            }
            DiagnosisError::NotTheRequester => RuleId::DiagnosisAcknowledge,
            DiagnosisError::NoCriticalValue => RuleId::DiagnosisCritical,
            DiagnosisError::NotAResult(_) => RuleId::DiagnosisResult,
        }
    }
}
