//! Why a referral command was refused.

use time::OffsetDateTime;

use super::reason::ReasonCode;
use super::route::Direction;
use super::state::{Command, StateName};
use crate::network::{Level, NetworkError};
use crate::rule::{BrokenRule, RuleId};

/// Why a referral command was refused; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferralError {
    /// The declared direction does not match the levels (V17).
    #[error("direction does not match levels: {from:?} to {to:?} is not {declared:?}")]
    DirectionMismatch {
        /// Declared.
        declared: Direction,
        /// Sender's level.
        from: Level,
        /// Receiver's level.
        to: Level,
    },
    /// Both ends at one level.
    #[error("a referral goes between levels; both ends are at {0:?} level")]
    SameLevel(Level),
    /// Upward inside the county must stay in the sender's community.
    #[error("an upward referral stays inside the sender's medical community")]
    OutsideCommunity,
    /// Beyond the county, only the lead hospital refers out.
    #[error("referrals to city or province hospitals leave from the community's lead hospital")]
    NotFromLeadHospital,
    /// A downward emergency makes no sense.
    #[error("only upward referrals use the emergency green channel")]
    EmergencyDownward,
    /// No reason given.
    #[error("a referral needs at least one coded reason")]
    NoReason,
    /// A reason of the other direction.
    #[error("reason `{reason}` belongs to {expected:?} referrals")]
    ReasonDirection {
        /// The reason.
        reason: ReasonCode,
        /// The direction it belongs to.
        expected: Direction,
    },
    /// The patient already has an open referral this direction.
    #[error("the patient already has an open {0:?} referral")]
    OpenReferralExists(Direction),
    /// The command is not allowed in the current state (V18).
    #[error("illegal transition: cannot {command:?} a referral that is {state:?}")]
    IllegalTransition {
        /// The command.
        command: Command,
        /// The current state.
        state: StateName,
    },
    /// A required text is missing.
    #[error("{0} is required")]
    Missing(&'static str),
    /// Escalation before the deadline.
    #[error("the response deadline {deadline} has not passed")]
    DeadlineNotPassed {
        /// The deadline.
        deadline: OffsetDateTime,
    },
    /// Already escalated.
    #[error("the referral was already escalated")]
    AlreadyEscalated,
    /// A reserved slot without a quota, or the quota is for another day.
    #[error("a reserved slot needs the day's quota")]
    QuotaMissing,
    /// No reserved slot left.
    #[error("no reserved referral slot is left that day")]
    QuotaExhausted,
    /// Reserved share below the profile's.
    #[error("{reserved} of {total} slots reserved is below {percent}%")]
    ReservedShareTooLow {
        /// Reserved.
        reserved: u32,
        /// Total.
        total: u32,
        /// Profile percent.
        percent: u8,
    },
    /// Released too late.
    #[error("reserved slots must be released at least {days_ahead} days ahead")]
    ReleasedTooLate {
        /// Profile days.
        days_ahead: u16,
    },
    /// An appointment in the past.
    #[error("the appointment lies before the acceptance")]
    AppointmentInPast,
    /// More results than a referral carries.
    #[error("a referral carries at most {max} results")]
    TooManyResults {
        /// The most.
        max: usize,
    },
    /// The same result (test, day, issuer) attached twice.
    #[error("the {test} result of that day and institution is already attached")]
    ResultAttachedTwice {
        /// The test.
        test: String,
    },
    /// An unknown institution.
    #[error(transparent)]
    Network(#[from] NetworkError),
}

impl ReferralError {
    /// Text the referral requires (`what`): trimmed, with at least one visible character
    /// ([`crate::text`]), or [`ReferralError::Missing`].
    pub(crate) fn required(text: &str, what: &'static str) -> Result<String, Self> {
        crate::text::nonblank(text)
            .map(str::to_owned)
            .ok_or(ReferralError::Missing(what))
    }
}

impl BrokenRule for ReferralError {
    fn rule(&self) -> RuleId {
        match self {
            ReferralError::DirectionMismatch { .. } | ReferralError::SameLevel(_) => {
                RuleId::ReferralDirection
            }
            ReferralError::OutsideCommunity | ReferralError::NotFromLeadHospital => {
                RuleId::ReferralInNetwork
            }
            ReferralError::EmergencyDownward => RuleId::ReferralGreenChannel,
            ReferralError::NoReason | ReferralError::ReasonDirection { .. } => {
                RuleId::ReferralReasonDirection
            }
            ReferralError::OpenReferralExists(_) => RuleId::ReferralOneOpenPerDirection,
            ReferralError::IllegalTransition { .. }
            | ReferralError::Missing(_)
            | ReferralError::AppointmentInPast => RuleId::ReferralStateMachine,
            ReferralError::DeadlineNotPassed { .. } | ReferralError::AlreadyEscalated => {
                RuleId::ReferralResponseDeadline
            }
            ReferralError::QuotaMissing
            | ReferralError::QuotaExhausted
            | ReferralError::ReservedShareTooLow { .. }
            | ReferralError::ReleasedTooLate { .. } => RuleId::ReferralReservedSlots,
            ReferralError::TooManyResults { .. } | ReferralError::ResultAttachedTwice { .. } => {
                RuleId::ReferralMutualRecognition
            }
            ReferralError::Network(e) => e.rule(),
        }
    }
}
