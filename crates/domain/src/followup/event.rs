//! The changes to follow-up, for the outbox.

use serde::{Deserialize, Serialize};
use time::Date;

use super::classify::{ReferralNeed, VisitClass};
use super::overdue::OutreachOutcome;
use super::plan::PlanOrigin;
use super::vocabulary::{CloseReason, Condition};
use crate::ids::{EnrolmentId, PlanId, ResidentId, TeamId, VisitId};
use crate::rule::Explanation;

/// A change to follow-up, for the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FollowUpEvent {
    /// A confirmed patient was enrolled.
    PatientEnrolled {
        /// The enrolment.
        enrolment: EnrolmentId,
        /// The patient.
        patient: ResidentId,
        /// The condition.
        condition: Condition,
        /// The team.
        team: TeamId,
        /// Date.
        on: Date,
    },
    /// An enrolment was closed.
    EnrolmentClosed {
        /// The enrolment.
        enrolment: EnrolmentId,
        /// Date.
        on: Date,
        /// Why.
        reason: CloseReason,
    },
    /// A plan was scheduled.
    PlanScheduled {
        /// The plan.
        plan: PlanId,
        /// Its enrolment.
        enrolment: EnrolmentId,
        /// Due date.
        due: Date,
        /// Why.
        origin: PlanOrigin,
    },
    /// A visit completed a plan.
    VisitRecorded {
        /// The plan.
        plan: PlanId,
        /// The visit.
        visit: VisitId,
        /// The patient.
        patient: ResidentId,
        /// Visit date.
        on: Date,
        /// Whether it was face to face.
        face_to_face: bool,
        /// The class.
        class: VisitClass,
        /// Why.
        explanation: Explanation,
    },
    /// A visit calls for a referral (danger sign, two consecutive, unstable...).
    ReferralRecommended {
        /// The plan whose visit called for it.
        plan: PlanId,
        /// The patient.
        patient: ResidentId,
        /// What kind.
        need: ReferralNeed,
    },
    /// An outreach attempt on an overdue plan.
    OutreachRecorded {
        /// The plan.
        plan: PlanId,
        /// Date.
        on: Date,
        /// Outcome.
        outcome: OutreachOutcome,
    },
    /// A plan was recorded missed.
    PlanMissed {
        /// The plan.
        plan: PlanId,
        /// Date.
        on: Date,
    },
    /// A patient was lost to follow-up.
    PatientLost {
        /// The plan.
        plan: PlanId,
        /// The patient.
        patient: ResidentId,
        /// Date.
        on: Date,
    },
    /// A plan was closed.
    PlanClosed {
        /// The plan.
        plan: PlanId,
        /// Date.
        on: Date,
        /// Why.
        reason: CloseReason,
    },
    /// A waiting plan reached its due date (the deadline job announces it once): the team's
    /// day-list, including the 14-day follow-ups after a referral (`origin`).
    PlanFellDue {
        /// The plan.
        plan: PlanId,
        /// Its enrolment.
        enrolment: EnrolmentId,
        /// The patient.
        patient: ResidentId,
        /// The responsible team.
        team: TeamId,
        /// Due date.
        due: Date,
        /// Why the plan exists.
        origin: PlanOrigin,
    },
    /// A waiting plan became overdue (past due + grace; announced once).
    PlanOverdue {
        /// The plan.
        plan: PlanId,
        /// Its enrolment.
        enrolment: EnrolmentId,
        /// The patient.
        patient: ResidentId,
        /// The responsible team.
        team: TeamId,
        /// Due date.
        due: Date,
        /// The first overdue day.
        since: Date,
    },
}
