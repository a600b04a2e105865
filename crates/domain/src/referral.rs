//! Two-way referral (双向转诊): the referral slip and its state machine.
//!
//! ```text
//!   (approval required)        accept              arrive            complete
//! AwaitingApproval ─approve─▶ Requested ──────▶ Accepted ──────▶ Arrived ──────▶ Completed
//!        │                     │   │                               ▲
//!        └─reject/cancel──┐    │   └──── arrive (emergency: green channel) ──┘
//!                         ▼    ▼
//!                   Rejected / Cancelled          any open state ─external evidence─▶ Closed
//! ```
//!
//! Every transition is a method that consumes the referral and returns the new one with its
//! events; an illegal transition returns [`ReferralError::IllegalTransition`] and, since the
//! old value was moved in only on success paths through the caller's clone-free API, nothing
//! changes. Deadlines (response, escalation) and follow-ups (14 days after an upward referral,
//! 14 days after a completed downward one) are computed here from `now` and the profile.

use crate::vocabulary::codes;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use crate::calendar;
use crate::ids::{CommunityId, InstitutionId, ReferralId, ResidentId};
use crate::network::{Institution, Level, MedicalCommunity, Network, NetworkError};
use crate::profile::RuleProfile;
use crate::rule::{BrokenRule, Explanation, RuleId, RuleSet};

/// A test code for mutual recognition (`a-z`, `0-9`, `_`; 1–40 characters), e.g. `hba1c`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TestCode(String);

/// A test code with characters outside `a-z`, `0-9`, `_`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a test code (1-40 characters of a-z, 0-9, '_')")]
pub struct TestCodeError(pub String);

impl TestCode {
    /// Parses a test code.
    pub fn parse(text: &str) -> Result<Self, TestCodeError> {
        if (1..=40).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            Ok(Self(text.to_owned()))
        } else {
            Err(TestCodeError(text.to_owned()))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TestCode {
    type Error = TestCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<TestCode> for String {
    fn from(c: TestCode) -> String {
        c.0
    }
}

/// Upward (to a higher level) or downward (to a lower one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// 上转.
    Upward,
    /// 下转.
    Downward,
}

codes!(Direction {
    Upward => "upward",
    Downward => "downward",
});

/// Emergency (green channel) or routine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// 绿色通道: the patient may arrive before acceptance.
    Emergency,
    /// Waits for acceptance within the response deadline.
    Routine,
}

codes!(Urgency {
    Emergency => "emergency",
    Routine => "routine",
});

macro_rules! reasons {
    ($($variant:ident = $code:literal, $dir:ident, $doc:literal;)+) => {
        /// Coded referral reasons (section 7), each tied to a direction.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum ReasonCode {
            $(#[doc = $doc] $variant,)+
        }

        impl ReasonCode {
            /// Every reason.
            pub const ALL: &'static [ReasonCode] = &[$(ReasonCode::$variant),+];

            /// The stable code, e.g. `htn.onset_under_30`.
            pub const fn code(self) -> &'static str {
                match self { $(ReasonCode::$variant => $code,)+ }
            }

            /// The direction the reason belongs to; `None` for either.
            pub const fn direction(self) -> Option<Direction> {
                match self { $(ReasonCode::$variant => reasons!(@dir $dir),)+ }
            }

            /// Looks a reason up by its code.
            pub fn from_code(code: &str) -> Option<ReasonCode> {
                match code { $($code => Some(ReasonCode::$variant),)+ _ => None }
            }
        }
    };
    (@dir up) => { Some(Direction::Upward) };
    (@dir down) => { Some(Direction::Downward) };
    (@dir either) => { None };
}

reasons! {
    DangerSign = "followup.danger_sign", up, "a danger sign at a follow-up visit or screening (BPHS-3)";
    ComplicationWorse = "followup.complication_worse", up, "a new or worse complication (BPHS-3)";
    HtnTargetNotReached = "htn.target_not_reached", up, "BP uncontrolled at two consecutive visits, or not at target after 2-3 months of regular treatment (County-2022)";
    HtnAdverseReaction = "htn.adverse_reaction", up, "an adverse drug reaction hard to manage (TC-2015)";
    HtnOnsetUnder30 = "htn.onset_under_30", up, "hypertension with onset before 30 years (County-2022)";
    HtnPregnancy = "htn.pregnancy", up, "hypertension in pregnancy or lactation (TC-2015)";
    HtnArmDifference = "htn.arm_difference", up, "BP difference between arms above 20 mmHg (County-2022)";
    HtnSuspectedSecondary = "htn.suspected_secondary", up, "suspected secondary hypertension (TC-2015)";
    HtnConfirmation = "htn.confirmation", up, "preliminary diagnosis at screening, for confirmation (BPHS-3)";
    DmTypeUnclear = "dm.type_unclear", up, "diabetes of unclear type (TC-2015)";
    DmAgeUnder25 = "dm.age_under_25", up, "diabetes diagnosed before 25 (TC-2015)";
    DmPregnancy = "dm.pregnancy", up, "diabetes in pregnancy or lactation (TC-2015)";
    DmAcuteComplication = "dm.acute_complication", up, "an acute complication (ketoacidosis, hyperosmolar state) (TC-2015)";
    DmRecurrentHypoglycaemia = "dm.recurrent_hypoglycaemia", up, "recurrent hypoglycaemia (TC-2015)";
    DmTargetNotReached = "dm.target_not_reached", up, "glucose uncontrolled at two consecutive visits, or targets missed after 3-6 months (TC-2015)";
    DmAdverseReaction = "dm.adverse_reaction", up, "an adverse drug reaction hard to manage (TC-2015)";
    DmComplicationWorkup = "dm.complication_workup", up, "work-up of chronic complications (TC-2015)";
    DmInsulinStart = "dm.insulin_start", up, "starting insulin (TC-2015)";
    DmConfirmation = "dm.confirmation", up, "suspected diabetes at screening, for confirmation (BPHS-3)";
    MentalDisorderUnstable = "smd.unstable", up, "a severe mental disorder patient is unstable (BPHS-3)";
    BeyondCapability = "generic.beyond_capability", up, "beyond the institution's capability";
    BeyondRegisteredScope = "generic.beyond_scope", up, "beyond the institution's registered scope of practice";
    TestsNeeded = "generic.tests_needed", up, "tests the institution cannot do";
    DiagnosisAndPlanSet = "down.diagnosis_and_plan_set", down, "diagnosis and treatment plan set (TC-2015)";
    ConditionStable = "down.condition_stable", down, "condition stable (TC-2015)";
    ComplicationsStable = "down.complications_stable", down, "complications stable (TC-2015)";
    Rehabilitation = "down.rehabilitation", down, "rehabilitation near home (TC-2015)";
    LongTermCare = "down.long_term_care", down, "long-term care (TC-2015)";
    PatientRequest = "generic.patient_request", either, "the patient asks";
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for ReasonCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for ReasonCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        ReasonCode::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown referral reason `{code}`")))
    }
}

/// Where a referral goes: both ends with what the direction rules need to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The sender.
    pub from: Institution,
    /// The sender's community, if in the network.
    pub from_community: Option<MedicalCommunity>,
    /// The receiver.
    pub to: Institution,
    /// The receiver's community, if in the network.
    pub to_community: Option<MedicalCommunity>,
}

impl Route {
    /// Looks both ends up in the network.
    pub fn in_network(
        network: &Network,
        from: InstitutionId,
        to: InstitutionId,
    ) -> Result<Route, NetworkError> {
        Ok(Route {
            from: network.institution(from)?.clone(),
            from_community: network.community_of(from).cloned(),
            to: network.institution(to)?.clone(),
            to_community: network.community_of(to).cloned(),
        })
    }

    /// The direction the levels give, if they differ.
    pub fn direction(&self) -> Option<Direction> {
        match self.to.level().cmp(&self.from.level()) {
            std::cmp::Ordering::Greater => Some(Direction::Upward),
            std::cmp::Ordering::Less => Some(Direction::Downward),
            std::cmp::Ordering::Equal => None,
        }
    }

    /// The community whose referral desk oversees the referral.
    pub fn community(&self) -> Option<CommunityId> {
        self.from_community
            .as_ref()
            .or(self.to_community.as_ref())
            .map(MedicalCommunity::id)
    }
}

/// A test result attached to a referral (mutual recognition).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedResult {
    /// The test.
    pub test: TestCode,
    /// When the sample was taken or the exam done.
    pub taken_on: Date,
    /// The institution that produced it.
    pub by: InstitutionId,
}

impl AttachedResult {
    /// Whether the receiver recognises it on `on`: taken no later than `on` and within the
    /// profile's validity for its test. A test the profile does not list is never recognised.
    pub fn is_recognised_on(&self, on: Date, profile: &RuleProfile) -> bool {
        profile
            .referral
            .result_validity_days
            .get(self.test.as_str())
            .is_some_and(|days| {
                self.taken_on <= on && calendar::days_between(self.taken_on, on) <= i64::from(*days)
            })
    }
}

/// The kind of capacity an acceptance books.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotKind {
    /// A specialist slot reserved for referrals.
    Reserved,
    /// An ordinary outpatient slot.
    General,
    /// An inpatient bed.
    Bed,
}

/// A specialist clinic's reserved slots for one day: the lead hospital reserves a share of its
/// slots for referrals and releases them to the primary institutions ahead of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotQuota {
    /// The clinic day.
    pub slot_date: Date,
    /// All slots that day.
    pub total: u32,
    /// Slots reserved for referrals.
    pub reserved: u32,
    /// Reserved slots already booked.
    pub booked: u32,
    /// When the reserved slots were released to referrals.
    pub released_on: Date,
}

impl SlotQuota {
    /// Checks the reservation plan: at least the profile's share reserved, released at least
    /// the profile's days ahead.
    pub fn check_plan(&self, profile: &RuleProfile) -> Result<(), ReferralError> {
        let r = &profile.referral;
        if u64::from(self.reserved) * 100
            < u64::from(self.total) * u64::from(r.reserved_slot_percent)
            || self.reserved > self.total
        {
            return Err(ReferralError::ReservedShareTooLow {
                reserved: self.reserved,
                total: self.total,
                percent: r.reserved_slot_percent,
            });
        }
        if calendar::days_between(self.released_on, self.slot_date)
            < i64::from(r.reserved_release_days_ahead)
        {
            return Err(ReferralError::ReleasedTooLate {
                days_ahead: r.reserved_release_days_ahead,
            });
        }
        Ok(())
    }

    /// Reserved slots still free.
    pub fn remaining(&self) -> u32 {
        self.reserved.saturating_sub(self.booked)
    }

    /// Books one reserved slot.
    pub fn book(self) -> Result<SlotQuota, ReferralError> {
        if self.remaining() == 0 {
            return Err(ReferralError::QuotaExhausted);
        }
        Ok(SlotQuota {
            booked: self.booked + 1,
            ..self
        })
    }
}

/// An appointment or bed offered on acceptance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    /// When the patient is expected.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// What it books.
    pub slot: SlotKind,
}

/// The receiver's report back on completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DischargeSummary {
    summary: String,
    rehabilitation_guidance: String,
}

impl DischargeSummary {
    /// Both parts are required (section 7: discharge summary and rehabilitation guidance).
    pub fn new(summary: &str, rehabilitation_guidance: &str) -> Result<Self, ReferralError> {
        if summary.trim().is_empty() {
            return Err(ReferralError::Missing("discharge summary"));
        }
        if rehabilitation_guidance.trim().is_empty() {
            return Err(ReferralError::Missing("rehabilitation guidance"));
        }
        Ok(Self {
            summary: summary.trim().to_owned(),
            rehabilitation_guidance: rehabilitation_guidance.trim().to_owned(),
        })
    }

    /// The summary.
    pub fn summary(&self) -> &str {
        &self.summary
    }

    /// The guidance.
    pub fn rehabilitation_guidance(&self) -> &str {
        &self.rehabilitation_guidance
    }
}

/// External evidence that closes an open referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExternalEvidence {
    /// The patient died.
    PatientDied,
    /// The patient was admitted elsewhere.
    AdmittedElsewhere,
}

/// The state of a referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReferralState {
    /// Waiting for the community referral desk.
    AwaitingApproval,
    /// Sent; waiting for the receiver.
    Requested,
    /// Accepted with an appointment or bed.
    Accepted {
        /// The appointment.
        appointment: Appointment,
    },
    /// Rejected, with a reason.
    Rejected {
        /// Why.
        reason: String,
    },
    /// Cancelled by the sender.
    Cancelled {
        /// Why.
        reason: String,
    },
    /// The patient arrived.
    Arrived {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Completed with the receiver's report.
    Completed {
        /// The report.
        summary: DischargeSummary,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Closed on external evidence.
    Closed {
        /// The evidence.
        evidence: ExternalEvidence,
    },
}

/// The states' names, for errors and state-machine tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateName {
    /// See [`ReferralState::AwaitingApproval`].
    AwaitingApproval,
    /// See [`ReferralState::Requested`].
    Requested,
    /// See [`ReferralState::Accepted`].
    Accepted,
    /// See [`ReferralState::Rejected`].
    Rejected,
    /// See [`ReferralState::Cancelled`].
    Cancelled,
    /// See [`ReferralState::Arrived`].
    Arrived,
    /// See [`ReferralState::Completed`].
    Completed,
    /// See [`ReferralState::Closed`].
    Closed,
}

codes!(StateName {
    AwaitingApproval => "awaiting_approval",
    Requested => "requested",
    Accepted => "accepted",
    Rejected => "rejected",
    Cancelled => "cancelled",
    Arrived => "arrived",
    Completed => "completed",
    Closed => "closed",
});

impl ReferralState {
    /// The state's name.
    pub fn name(&self) -> StateName {
        match self {
            ReferralState::AwaitingApproval => StateName::AwaitingApproval,
            ReferralState::Requested => StateName::Requested,
            ReferralState::Accepted { .. } => StateName::Accepted,
            ReferralState::Rejected { .. } => StateName::Rejected,
            ReferralState::Cancelled { .. } => StateName::Cancelled,
            ReferralState::Arrived { .. } => StateName::Arrived,
            ReferralState::Completed { .. } => StateName::Completed,
            ReferralState::Closed { .. } => StateName::Closed,
        }
    }
}

impl StateName {
    /// Whether a referral in this state is still open (counts toward one open per direction).
    pub const fn is_open(self) -> bool {
        matches!(
            self,
            StateName::AwaitingApproval
                | StateName::Requested
                | StateName::Accepted
                | StateName::Arrived
        )
    }

    /// Whether the patient has yet to reach the receiver: waiting for the desk's approval, the
    /// receiver's answer, or the patient's arrival. What an inbox lists when no state is named.
    pub const fn awaits_receiver(self) -> bool {
        matches!(
            self,
            StateName::AwaitingApproval | StateName::Requested | StateName::Accepted
        )
    }

    /// Whether the receiver may read the patient's record: from the moment the referral is
    /// sent to it (after any approval) until the care it asked for ends: completion,
    /// rejection, cancellation or closure ends it.
    pub const fn grants_receiver_access(self) -> bool {
        matches!(
            self,
            StateName::Requested | StateName::Accepted | StateName::Arrived
        )
    }

    /// The states where `set` holds, in declaration order (for a storage filter or a
    /// wire default).
    pub fn matching(set: fn(StateName) -> bool) -> Vec<StateName> {
        Self::ALL.iter().copied().filter(|s| set(*s)).collect()
    }
}

/// Commands, named for errors and state-machine tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Approve by the referral desk.
    Approve,
    /// Accept by the receiver.
    Accept,
    /// Reject.
    Reject,
    /// Cancel by the sender.
    Cancel,
    /// Record arrival.
    Arrive,
    /// Complete.
    Complete,
    /// Escalate past the response deadline.
    Escalate,
    /// Close on external evidence.
    Close,
}

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
    /// An unknown institution.
    #[error(transparent)]
    Network(#[from] NetworkError),
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
            ReferralError::Network(e) => e.rule(),
        }
    }
}

/// What a new referral asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateReferral {
    /// The new referral's id.
    pub id: ReferralId,
    /// The patient.
    pub patient: ResidentId,
    /// The declared direction, checked against the levels.
    pub direction: Direction,
    /// Urgency.
    pub urgency: Urgency,
    /// Coded reasons, at least one.
    pub reasons: Vec<ReasonCode>,
    /// Attached test results.
    pub attachments: Vec<AttachedResult>,
}

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
    /// Closed on external evidence.
    ReferralClosed {
        /// The referral.
        referral: ReferralId,
        /// Why.
        evidence: ExternalEvidence,
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

/// A referral slip (转诊单).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    id: ReferralId,
    patient: ResidentId,
    from: InstitutionId,
    to: InstitutionId,
    community: Option<CommunityId>,
    direction: Direction,
    urgency: Urgency,
    reasons: Vec<ReasonCode>,
    attachments: Vec<AttachedResult>,
    state: ReferralState,
    #[serde(with = "time::serde::rfc3339")]
    requested_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    respond_by: Option<OffsetDateTime>,
    escalated: bool,
    explanation: Explanation,
}

impl Referral {
    /// Creates a referral: the direction must match the levels, upward referrals stay in the
    /// community (beyond the county they leave from the lead hospital), reasons fit the
    /// direction, and the patient has no open referral that way (`open` lists the directions
    /// of the patient's open referrals). Upward referrals also make the sender's 14-day
    /// follow-up due.
    pub fn create(
        cmd: CreateReferral,
        route: &Route,
        open: &[Direction],
        now: OffsetDateTime,
        profile: &RuleProfile,
    ) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        let (from_level, to_level) = (route.from.level(), route.to.level());
        let actual = route
            .direction()
            .ok_or(ReferralError::SameLevel(from_level))?;
        if actual != cmd.direction {
            return Err(ReferralError::DirectionMismatch {
                declared: cmd.direction,
                from: from_level,
                to: to_level,
            });
        }
        let mut rules = RuleSet::of(RuleId::ReferralDirection);
        if actual == Direction::Upward {
            if to_level > Level::County {
                let is_lead = route
                    .from_community
                    .as_ref()
                    .is_some_and(|c| c.lead() == route.from.id);
                if !is_lead {
                    return Err(ReferralError::NotFromLeadHospital);
                }
            } else {
                let same = matches!(
                    (&route.from_community, &route.to_community),
                    (Some(a), Some(b)) if a.id() == b.id()
                );
                if !same {
                    return Err(ReferralError::OutsideCommunity);
                }
            }
            rules.insert(RuleId::ReferralInNetwork);
        }
        if cmd.urgency == Urgency::Emergency && actual == Direction::Downward {
            return Err(ReferralError::EmergencyDownward);
        }
        if cmd.reasons.is_empty() {
            return Err(ReferralError::NoReason);
        }
        for reason in &cmd.reasons {
            if let Some(expected) = reason.direction()
                && expected != actual
            {
                return Err(ReferralError::ReasonDirection {
                    reason: *reason,
                    expected,
                });
            }
        }
        if open.contains(&actual) {
            return Err(ReferralError::OpenReferralExists(actual));
        }
        rules.insert(RuleId::ReferralOneOpenPerDirection);
        let awaiting = profile.referral.approval_required
            && cmd.urgency == Urgency::Routine
            && actual == Direction::Upward;
        let (state, respond_by) = if awaiting {
            rules.insert(RuleId::ReferralApproval);
            (ReferralState::AwaitingApproval, None)
        } else {
            (
                ReferralState::Requested,
                response_deadline(cmd.urgency, now, profile),
            )
        };
        match cmd.urgency {
            Urgency::Emergency => rules.insert(RuleId::ReferralGreenChannel),
            Urgency::Routine if !awaiting => rules.insert(RuleId::ReferralResponseDeadline),
            Urgency::Routine => {}
        }
        let mut reasons = cmd.reasons;
        reasons.sort_unstable();
        reasons.dedup();
        let referral = Referral {
            id: cmd.id,
            patient: cmd.patient,
            from: route.from.id,
            to: route.to.id,
            community: route.community(),
            direction: actual,
            urgency: cmd.urgency,
            reasons,
            attachments: cmd.attachments,
            state,
            requested_at: now,
            respond_by,
            escalated: false,
            explanation: Explanation::new(profile.stamp(), RuleSet::EMPTY),
        };
        let mut events = vec![ReferralEvent::ReferralRequested {
            referral: referral.id,
            patient: referral.patient,
            from: referral.from,
            to: referral.to,
            direction: actual,
            urgency: referral.urgency,
            awaiting_approval: awaiting,
            respond_by,
        }];
        if actual == Direction::Upward {
            rules.insert(RuleId::ReferralSenderFollowUp);
            events.push(ReferralEvent::SenderFollowUpDue {
                referral: referral.id,
                patient: referral.patient,
                institution: referral.from,
                due: calendar::add_days(now.date(), profile.referral.sender_follow_up_days),
            });
        }
        let referral = Referral {
            explanation: Explanation::new(profile.stamp(), rules),
            ..referral
        };
        Ok((referral, events))
    }

    fn illegal(&self, command: Command) -> ReferralError {
        ReferralError::IllegalTransition {
            command,
            state: self.state.name(),
        }
    }

    /// The community referral desk approves a routine upward referral; the answer deadline
    /// starts now.
    pub fn approve(
        self,
        now: OffsetDateTime,
        profile: &RuleProfile,
    ) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        if self.state != ReferralState::AwaitingApproval {
            return Err(self.illegal(Command::Approve));
        }
        let respond_by = response_deadline(self.urgency, now, profile);
        let event = ReferralEvent::ReferralApproved {
            referral: self.id,
            respond_by,
        };
        Ok((
            Referral {
                state: ReferralState::Requested,
                respond_by,
                ..self
            },
            vec![event],
        ))
    }

    /// The receiver accepts with an appointment. A reserved slot needs the day's quota with a
    /// valid reservation plan and a free slot; the caller books it with [`SlotQuota::book`] in
    /// the same transaction.
    pub fn accept(
        self,
        appointment: Appointment,
        quota: Option<&SlotQuota>,
        now: OffsetDateTime,
        profile: &RuleProfile,
    ) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        if self.state != ReferralState::Requested {
            return Err(self.illegal(Command::Accept));
        }
        if appointment.at < now {
            return Err(ReferralError::AppointmentInPast);
        }
        if appointment.slot == SlotKind::Reserved {
            let quota = quota
                .filter(|q| q.slot_date == appointment.at.date())
                .ok_or(ReferralError::QuotaMissing)?;
            quota.check_plan(profile)?;
            if quota.remaining() == 0 {
                return Err(ReferralError::QuotaExhausted);
            }
        }
        let event = ReferralEvent::ReferralAccepted {
            referral: self.id,
            appointment,
        };
        Ok((
            Referral {
                state: ReferralState::Accepted { appointment },
                ..self
            },
            vec![event],
        ))
    }

    /// The receiver (or, before approval, the referral desk) rejects, with a reason.
    pub fn reject(self, reason: &str) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        if !matches!(
            self.state,
            ReferralState::Requested | ReferralState::AwaitingApproval
        ) {
            return Err(self.illegal(Command::Reject));
        }
        let reason = required(reason, "a rejection reason")?;
        let event = ReferralEvent::ReferralRejected {
            referral: self.id,
            reason: reason.clone(),
        };
        Ok((
            Referral {
                state: ReferralState::Rejected { reason },
                ..self
            },
            vec![event],
        ))
    }

    /// The sender cancels a request that was not yet accepted.
    pub fn cancel(self, reason: &str) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        if !matches!(
            self.state,
            ReferralState::Requested | ReferralState::AwaitingApproval
        ) {
            return Err(self.illegal(Command::Cancel));
        }
        let reason = required(reason, "a cancellation reason")?;
        let event = ReferralEvent::ReferralCancelled {
            referral: self.id,
            reason: reason.clone(),
        };
        Ok((
            Referral {
                state: ReferralState::Cancelled { reason },
                ..self
            },
            vec![event],
        ))
    }

    /// The patient arrives: after acceptance, or directly for an emergency (green channel).
    pub fn arrive(
        self,
        now: OffsetDateTime,
    ) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        let green_channel = match self.state {
            ReferralState::Accepted { .. } => false,
            ReferralState::Requested if self.urgency == Urgency::Emergency => true,
            _ => return Err(self.illegal(Command::Arrive)),
        };
        let event = ReferralEvent::PatientArrived {
            referral: self.id,
            at: now,
            green_channel,
        };
        Ok((
            Referral {
                state: ReferralState::Arrived { at: now },
                ..self
            },
            vec![event],
        ))
    }

    /// The receiver completes the referral with its report. A completed downward referral makes
    /// a follow-up due at the receiving primary institution within the profile's days.
    pub fn complete(
        self,
        summary: DischargeSummary,
        now: OffsetDateTime,
        profile: &RuleProfile,
    ) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        if !matches!(self.state, ReferralState::Arrived { .. }) {
            return Err(self.illegal(Command::Complete));
        }
        let mut events = vec![ReferralEvent::ReferralCompleted {
            referral: self.id,
            at: now,
        }];
        if self.direction == Direction::Downward {
            events.push(ReferralEvent::DownwardFollowUpDue {
                referral: self.id,
                patient: self.patient,
                institution: self.to,
                due: calendar::add_days(now.date(), profile.referral.downward_follow_up_days),
            });
        }
        let mut explanation = self.explanation;
        if self.direction == Direction::Downward {
            explanation.rules.insert(RuleId::ReferralDownwardFollowUp);
        }
        Ok((
            Referral {
                state: ReferralState::Completed { summary, at: now },
                explanation,
                ..self
            },
            events,
        ))
    }

    /// Escalates a routine request past its answer deadline to the community's referral desk;
    /// at most once.
    pub fn escalate(
        self,
        now: OffsetDateTime,
    ) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        if self.state != ReferralState::Requested {
            return Err(self.illegal(Command::Escalate));
        }
        let Some(deadline) = self.respond_by else {
            return Err(self.illegal(Command::Escalate));
        };
        if self.escalated {
            return Err(ReferralError::AlreadyEscalated);
        }
        if now < deadline {
            return Err(ReferralError::DeadlineNotPassed { deadline });
        }
        let event = ReferralEvent::ReferralEscalated {
            referral: self.id,
            community: self.community,
            at: now,
        };
        Ok((
            Referral {
                escalated: true,
                ..self
            },
            vec![event],
        ))
    }

    /// Closes an open referral on external evidence (the patient died or was admitted elsewhere).
    pub fn close_on_evidence(
        self,
        evidence: ExternalEvidence,
    ) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        if !self.state.name().is_open() {
            return Err(self.illegal(Command::Close));
        }
        let event = ReferralEvent::ReferralClosed {
            referral: self.id,
            evidence,
        };
        let mut explanation = self.explanation;
        explanation.rules.insert(RuleId::ReferralExternalClose);
        Ok((
            Referral {
                state: ReferralState::Closed { evidence },
                explanation,
                ..self
            },
            vec![event],
        ))
    }

    /// Whether the answer deadline has passed without escalation yet (for the deadline job).
    pub fn is_due_for_escalation(&self, now: OffsetDateTime) -> bool {
        self.state == ReferralState::Requested
            && !self.escalated
            && self.respond_by.is_some_and(|d| now >= d)
    }

    /// The attached results and whether each is recognised on `on`.
    pub fn recognised_results(
        &self,
        on: Date,
        profile: &RuleProfile,
    ) -> Vec<(&AttachedResult, bool)> {
        self.attachments
            .iter()
            .map(|a| (a, a.is_recognised_on(on, profile)))
            .collect()
    }

    /// Its id.
    pub fn id(&self) -> ReferralId {
        self.id
    }

    /// The patient.
    pub fn patient(&self) -> ResidentId {
        self.patient
    }

    /// Sender.
    pub fn from(&self) -> InstitutionId {
        self.from
    }

    /// Receiver.
    pub fn to(&self) -> InstitutionId {
        self.to
    }

    /// The overseeing community.
    pub fn community(&self) -> Option<CommunityId> {
        self.community
    }

    /// Direction.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// Urgency.
    pub fn urgency(&self) -> Urgency {
        self.urgency
    }

    /// Reasons, sorted, without duplicates.
    pub fn reasons(&self) -> &[ReasonCode] {
        &self.reasons
    }

    /// Attached results.
    pub fn attachments(&self) -> &[AttachedResult] {
        &self.attachments
    }

    /// State.
    pub fn state(&self) -> &ReferralState {
        &self.state
    }

    /// When it was created.
    pub fn requested_at(&self) -> OffsetDateTime {
        self.requested_at
    }

    /// Answer deadline.
    pub fn respond_by(&self) -> Option<OffsetDateTime> {
        self.respond_by
    }

    /// Whether it was escalated.
    pub fn escalated(&self) -> bool {
        self.escalated
    }

    /// Why it was created as it was (rules and profile).
    pub fn explanation(&self) -> Explanation {
        self.explanation
    }
}

fn response_deadline(
    urgency: Urgency,
    now: OffsetDateTime,
    profile: &RuleProfile,
) -> Option<OffsetDateTime> {
    match urgency {
        Urgency::Emergency => None,
        Urgency::Routine => {
            now.checked_add(Duration::hours(i64::from(profile.referral.response_hours)))
        }
    }
}

fn required(text: &str, what: &'static str) -> Result<String, ReferralError> {
    let text = text.trim();
    if text.is_empty() {
        Err(ReferralError::Missing(what))
    } else {
        Ok(text.to_owned())
    }
}
