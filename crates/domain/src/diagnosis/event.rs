//! What happened to a remote-diagnosis request: one event per transition, for the outbox.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::modality::{Modality, Priority};
use crate::ids::{DiagnosisCentreId, DiagnosisRequestId, ResidentId};
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
    /// A clinician asked a centre to read.
    Requested {
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
        at: OffsetDateTime,
    },
    /// The study, file or specimen arrived.
    Acquired {
        /// The request.
        request: DiagnosisRequestId,
        /// When.
        at: OffsetDateTime,
    },
    /// A reader claimed it.
    Claimed {
        /// The request.
        request: DiagnosisRequestId,
        /// The reader.
        reader: String,
        /// When.
        at: OffsetDateTime,
    },
    /// The reader gave it back.
    Released {
        /// The request.
        request: DiagnosisRequestId,
        /// The reader.
        reader: String,
        /// When.
        at: OffsetDateTime,
    },
    /// The preliminary report was written.
    Reported {
        /// The request.
        request: DiagnosisRequestId,
        /// Its author.
        reader: String,
        /// Positive (abnormal) or not.
        positive: bool,
        /// When.
        at: OffsetDateTime,
    },
    /// A second reader verified it.
    Verified {
        /// The request.
        request: DiagnosisRequestId,
        /// The verifier.
        verifier: String,
        /// The report's version (1).
        version: u16,
        /// When.
        at: OffsetDateTime,
    },
    /// The verified report was amended.
    Amended {
        /// The request.
        request: DiagnosisRequestId,
        /// The new version.
        version: u16,
        /// Why.
        reason: String,
        /// When.
        at: OffsetDateTime,
    },
    /// The requester read the report.
    Acknowledged {
        /// The request.
        request: DiagnosisRequestId,
        /// The clinician.
        by: String,
        /// When.
        at: OffsetDateTime,
    },
    /// Cancelled before acquisition.
    Cancelled {
        /// The request.
        request: DiagnosisRequestId,
        /// Why.
        reason: String,
        /// When.
        at: OffsetDateTime,
    },
    /// A reader flagged a critical value.
    CriticalFlagged {
        /// The request.
        request: DiagnosisRequestId,
        /// When.
        at: OffsetDateTime,
    },
    /// The requester acknowledged the critical value.
    CriticalAcknowledged {
        /// The request.
        request: DiagnosisRequestId,
        /// The clinician.
        by: String,
        /// When.
        at: OffsetDateTime,
    },
    /// An unacknowledged critical value escalated.
    CriticalEscalated {
        /// The request.
        request: DiagnosisRequestId,
        /// To whom.
        level: EscalationLevel,
        /// When.
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
        due: OffsetDateTime,
        /// When the breach was found.
        at: OffsetDateTime,
    },
}

impl DiagnosisEvent {
    /// The request it is about.
    pub fn request(&self) -> DiagnosisRequestId {
        match self {
            DiagnosisEvent::Requested { request, .. }
            | DiagnosisEvent::Acquired { request, .. }
            | DiagnosisEvent::Claimed { request, .. }
            | DiagnosisEvent::Released { request, .. }
            | DiagnosisEvent::Reported { request, .. }
            | DiagnosisEvent::Verified { request, .. }
            | DiagnosisEvent::Amended { request, .. }
            | DiagnosisEvent::Acknowledged { request, .. }
            | DiagnosisEvent::Cancelled { request, .. }
            | DiagnosisEvent::CriticalFlagged { request, .. }
            | DiagnosisEvent::CriticalAcknowledged { request, .. }
            | DiagnosisEvent::CriticalEscalated { request, .. }
            | DiagnosisEvent::TurnaroundBreached { request, .. } => *request,
        }
    }
}
