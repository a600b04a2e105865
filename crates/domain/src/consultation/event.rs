//! What happened to a remote consultation: one event per transition, for the outbox. Events
//! carry ids, user ids and times; never the question, the opinion or a reason, which stay in
//! the consultation.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{ConsultationId, InstitutionId, ResidentId};

/// A change to a consultation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConsultationEvent {
    /// A clinician asked a county institution for an opinion.
    ConsultationRequested {
        /// The consultation.
        consultation: ConsultationId,
        /// The patient.
        patient: ResidentId,
        /// The requesting institution.
        requester_institution: InstitutionId,
        /// The county institution asked.
        consultant: InstitutionId,
        /// The time the requester proposed.
        #[serde(with = "time::serde::rfc3339")]
        proposed_at: OffsetDateTime,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A specialist was scheduled (or rescheduled).
    ConsultationScheduled {
        /// The consultation.
        consultation: ConsultationId,
        /// The specialist's user id.
        specialist: String,
        /// The agreed time.
        #[serde(with = "time::serde::rfc3339")]
        scheduled_for: OffsetDateTime,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The specialist answered in writing.
    ConsultationAnswered {
        /// The consultation.
        consultation: ConsultationId,
        /// The specialist's user id.
        specialist: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The county declined.
    ConsultationDeclined {
        /// The consultation.
        consultation: ConsultationId,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The requester cancelled before the answer.
    ConsultationCancelled {
        /// The consultation.
        consultation: ConsultationId,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl ConsultationEvent {
    /// The aggregate it is about: the consultation.
    pub fn aggregate(&self) -> uuid::Uuid {
        match self {
            ConsultationEvent::ConsultationRequested { consultation, .. }
            | ConsultationEvent::ConsultationScheduled { consultation, .. }
            | ConsultationEvent::ConsultationAnswered { consultation, .. }
            | ConsultationEvent::ConsultationDeclined { consultation, .. }
            | ConsultationEvent::ConsultationCancelled { consultation, .. } => {
                consultation.as_uuid()
            }
        }
    }
}
