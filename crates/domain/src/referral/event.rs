//! The changes to a referral, for the outbox.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::recognition::TestCode;
use super::route::{Direction, Urgency};
use super::slot::Appointment;
use super::state::ExternalEvidence;
use crate::ids::{CommunityId, InstitutionId, ReferralId, ResidentId};

/// A change to a referral, for the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReferralEvent {
    /// A referral was created and sent (or queued for approval).
    ReferralRequested {
        /// The referral.
        referral: ReferralId,
        /// The patient.
        patient: ResidentId,
        /// Sender.
        from: InstitutionId,
        /// Receiver.
        to: InstitutionId,
        /// Direction.
        direction: Direction,
        /// Urgency.
        urgency: Urgency,
        /// Whether it waits for the referral desk.
        awaiting_approval: bool,
        /// Answer deadline, for routine requests sent to the receiver.
        #[serde(with = "time::serde::rfc3339::option")]
        respond_by: Option<OffsetDateTime>,
    },
    /// The referral desk approved.
    ReferralApproved {
        /// The referral.
        referral: ReferralId,
        /// New answer deadline.
        #[serde(with = "time::serde::rfc3339::option")]
        respond_by: Option<OffsetDateTime>,
    },
    /// The receiver accepted.
    ReferralAccepted {
        /// The referral.
        referral: ReferralId,
        /// The appointment.
        appointment: Appointment,
    },
    /// Rejected.
    ReferralRejected {
        /// The referral.
        referral: ReferralId,
        /// Why.
        reason: String,
    },
    /// Cancelled by the sender.
    ReferralCancelled {
        /// The referral.
        referral: ReferralId,
        /// Why.
        reason: String,
    },
    /// The patient arrived.
    PatientArrived {
        /// The referral.
        referral: ReferralId,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
        /// Arrived through the green channel, before acceptance.
        green_channel: bool,
    },
    /// Completed.
    ReferralCompleted {
        /// The referral.
        referral: ReferralId,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Past the response deadline: escalated to the community's referral desk.
    ReferralEscalated {
        /// The referral.
        referral: ReferralId,
        /// The community whose desk takes over.
        community: Option<CommunityId>,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// An accepted patient had not arrived by the appointment plus the profile's days:
    /// escalated to the community's referral desk.
    ArrivalMissed {
        /// The referral.
        referral: ReferralId,
        /// The community whose desk follows it up.
        community: Option<CommunityId>,
        /// The appointment missed.
        #[serde(with = "time::serde::rfc3339")]
        appointment: OffsetDateTime,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Closed on external evidence.
    ReferralClosed {
        /// The referral.
        referral: ReferralId,
        /// Why.
        evidence: ExternalEvidence,
    },
    /// A test result was attached, for the receiver to recognise or repeat.
    ResultAttached {
        /// The referral.
        referral: ReferralId,
        /// The test.
        test: TestCode,
        /// When it was taken.
        taken_on: Date,
    },
    /// The sender must follow the patient up (every upward referral).
    SenderFollowUpDue {
        /// The referral.
        referral: ReferralId,
        /// The patient.
        patient: ResidentId,
        /// The sending institution.
        institution: InstitutionId,
        /// Due date.
        due: Date,
    },
    /// The receiving primary institution must follow up (completed downward referral).
    DownwardFollowUpDue {
        /// The referral.
        referral: ReferralId,
        /// The patient.
        patient: ResidentId,
        /// The receiving institution.
        institution: InstitutionId,
        /// Due date.
        due: Date,
    },
}
