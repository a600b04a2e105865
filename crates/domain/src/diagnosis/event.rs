//! What happened to a remote-diagnosis request: one event per transition, for the outbox.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::modality::{Modality, Priority};
use crate::ids::{DiagnosisCentreId, DiagnosisRequestId, InstitutionId, ResidentId};
use crate::profile::terms::Grade;
use crate::vocabulary::codes;

/// Who an unacknowledged critical value escalates to, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationLevel {
    /// The centre's duty desk (值班).
    DutyDesk,
    /// The medical community's referral desk.
    CommunityDesk,
}

codes!(EscalationLevel {
    DutyDesk => "duty_desk",
    CommunityDesk => "community_desk",
});

/// A change to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DiagnosisEvent {
    /// A centre opened at a county institution.
    CentreOpened {
        /// The centre.
        centre: DiagnosisCentreId,
        /// Its institution.
        institution: InstitutionId,
        /// What it reads.
        modalities: Vec<Modality>,
    },
    /// A reader was appointed to a centre (or regraded).
    ReaderAppointed {
        /// The centre.
        centre: DiagnosisCentreId,
        /// The reader's user id.
        reader: String,
        /// Their grade.
        grade: Grade,
    },
    /// A clinician asked a centre to read.
    DiagnosisRequested {
        /// The request.
        request: DiagnosisRequestId,
        /// The patient.
        patient: ResidentId,
        /// The centre.
        centre: DiagnosisCentreId,
        /// What is read.
        modality: Modality,
        /// How urgently.
        priority: Priority,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The study, file or specimen arrived.
    StudyAcquired {
        /// The request.
        request: DiagnosisRequestId,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A reader claimed it.
    ReadingClaimed {
        /// The request.
        request: DiagnosisRequestId,
        /// The reader.
        reader: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The reader gave it back.
    ReadingReleased {
        /// The request.
        request: DiagnosisRequestId,
        /// The reader.
        reader: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The preliminary report was written.
    PreliminaryReported {
        /// The request.
        request: DiagnosisRequestId,
        /// Its author.
        reader: String,
        /// Positive (abnormal) or not.
        positive: bool,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A second reader verified it.
    ReportVerified {
        /// The request.
        request: DiagnosisRequestId,
        /// The verifier.
        verifier: String,
        /// The report's version (1).
        version: u16,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The verified report was amended.
    ReportAmended {
        /// The request.
        request: DiagnosisRequestId,
        /// The new version.
        version: u16,
        /// Why.
        reason: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The requester read the report.
    ReportAcknowledged {
        /// The request.
        request: DiagnosisRequestId,
        /// The clinician.
        by: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Cancelled before acquisition.
    DiagnosisCancelled {
        /// The request.
        request: DiagnosisRequestId,
        /// Why.
        reason: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A reader flagged a critical value.
    CriticalValueFlagged {
        /// The request.
        request: DiagnosisRequestId,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The requester acknowledged the critical value.
    CriticalValueAcknowledged {
        /// The request.
        request: DiagnosisRequestId,
        /// The clinician.
        by: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// An unacknowledged critical value escalated.
    CriticalValueEscalated {
        /// The request.
        request: DiagnosisRequestId,
        /// To whom.
        level: EscalationLevel,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The report was not verified within its priority's target.
    TurnaroundBreached {
        /// The request.
        request: DiagnosisRequestId,
        /// The centre whose duty desk is told.
        centre: DiagnosisCentreId,
        /// The priority.
        priority: Priority,
        /// When it was due.
        #[serde(with = "time::serde::rfc3339")]
        due: OffsetDateTime,
        /// When the breach was found.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl DiagnosisEvent {
    /// The aggregate it is about: the centre, or the request.
    pub fn aggregate(&self) -> uuid::Uuid {
        match self {
            DiagnosisEvent::CentreOpened { centre, .. }
            | DiagnosisEvent::ReaderAppointed { centre, .. } => centre.as_uuid(),
            DiagnosisEvent::DiagnosisRequested { request, .. }
            | DiagnosisEvent::StudyAcquired { request, .. }
            | DiagnosisEvent::ReadingClaimed { request, .. }
            | DiagnosisEvent::ReadingReleased { request, .. }
            | DiagnosisEvent::PreliminaryReported { request, .. }
            | DiagnosisEvent::ReportVerified { request, .. }
            | DiagnosisEvent::ReportAmended { request, .. }
            | DiagnosisEvent::ReportAcknowledged { request, .. }
            | DiagnosisEvent::DiagnosisCancelled { request, .. }
            | DiagnosisEvent::CriticalValueFlagged { request, .. }
            | DiagnosisEvent::CriticalValueAcknowledged { request, .. }
            | DiagnosisEvent::CriticalValueEscalated { request, .. }
            | DiagnosisEvent::TurnaroundBreached { request, .. } => request.as_uuid(),
        }
    }
}
