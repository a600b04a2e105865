//! Why a follow-up command was refused.

use time::Date;

use super::vocabulary::{Condition, DangerSign};
use crate::network::Level;
use crate::rule::{BrokenRule, RuleId};

/// Why a follow-up command was refused; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FollowUpError {
    /// The visit's kind does not fit the plan's condition.
    #[error("a {visit} visit cannot complete a {condition:?} plan")]
    VisitDoesNotFit {
        /// The visit kind.
        visit: &'static str,
        /// The plan's condition.
        condition: Condition,
    },
    /// The plan is done, missed, lost or closed.
    #[error("the plan is {0}, not due")]
    NotDue(&'static str),
    /// Outreach is recorded only on an overdue plan.
    #[error("outreach is recorded on an overdue plan; this one is due until {overdue_from}")]
    NotOverdue {
        /// First day the plan is overdue.
        overdue_from: Date,
    },
    /// A plan is recorded missed only after the profile's window.
    #[error("a plan is recorded missed from {missed_from}")]
    NotYetMissed {
        /// First day it may be recorded missed.
        missed_from: Date,
    },
    /// A remind-on date before the outreach.
    #[error("the remind-on date {remind_on} lies before the outreach on {on}")]
    RemindBeforeOutreach {
        /// Outreach date.
        on: Date,
        /// Remind-on date.
        remind_on: Date,
    },
    /// A visit dated before enrolment.
    #[error("the visit on {visit} lies before the enrolment on {enrolled}")]
    VisitBeforeEnrolment {
        /// Visit date.
        visit: Date,
        /// Enrolment date.
        enrolled: Date,
    },
    /// A danger sign of another condition's list (a diabetes sign on a hypertension visit):
    /// refused, not ignored, so a sign the clinician saw is never silently dropped.
    #[error("{} is not a danger sign of a {visit} visit", sign.code())]
    SignOfAnotherCondition {
        /// The sign.
        sign: DangerSign,
        /// The visit kind.
        visit: &'static str,
    },
    /// A visit dated before the latest visit recorded on the enrolment: the classes and the
    /// next due date follow the visits in date order, so one entered late would misplace both.
    #[error("the visit on {visit} lies before the latest recorded visit on {latest}")]
    VisitBeforeLatest {
        /// Visit date.
        visit: Date,
        /// The latest recorded visit's date.
        latest: Date,
    },
    /// The diagnosis was confirmed below the profile's confirming level.
    #[error(
        "a diagnosis is confirmed at {} level or above, not at {} level",
        required.code(),
        level.code()
    )]
    ConfirmedBelowLevel {
        /// The confirming institution's level.
        level: Level,
        /// The profile's confirming level.
        required: Level,
    },
    /// The enrolment is closed.
    #[error("the enrolment is closed")]
    EnrolmentClosed,
    /// Only a completed downward referral schedules the receiver's follow-up.
    #[error("the referral is not a completed downward referral")]
    NotACompletedDownwardReferral,
    /// The referral is another patient's.
    #[error("the referral is for another patient")]
    NotThisPatient,
}

impl BrokenRule for FollowUpError {
    fn rule(&self) -> RuleId {
        match self {
            FollowUpError::VisitDoesNotFit { .. }
            | FollowUpError::VisitBeforeEnrolment { .. }
            | FollowUpError::EnrolmentClosed => RuleId::FollowUpEnrolment,
            FollowUpError::NotDue(_) => RuleId::FollowUpRoutine,
            FollowUpError::SignOfAnotherCondition {
                visit: "diabetes", ..
            } => RuleId::DmDangerSymptom,
            FollowUpError::SignOfAnotherCondition { .. } => RuleId::HtnDangerSymptom,
            FollowUpError::VisitBeforeLatest { .. } => RuleId::FollowUpVisitOrder,
            FollowUpError::ConfirmedBelowLevel { .. } => RuleId::FollowUpConfirmingLevel,
            FollowUpError::NotOverdue { .. } | FollowUpError::RemindBeforeOutreach { .. } => {
                RuleId::FollowUpOverdue
            }
            FollowUpError::NotYetMissed { .. } => RuleId::FollowUpMissed,
            FollowUpError::NotACompletedDownwardReferral | FollowUpError::NotThisPatient => {
                RuleId::ReferralDownwardFollowUp
            }
        }
    }
}
