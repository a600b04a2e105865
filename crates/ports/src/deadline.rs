//! Deadlines that fire once: what the deadline jobs look for, and the claim that makes each
//! announcement happen at most once however many instances run the jobs.
//!
//! A deadline is identified by its kind and subject (a referral, plan or contract): a plan's due
//! date and a contract's end never change (the next visit or a renewal makes a new one), and a
//! referral escalates once. The claim is a row keyed by both, inserted in the transaction that
//! appends the announcement: two instances racing for one deadline both try, and the loser's
//! insert changes nothing, so it appends nothing.

use async_trait::async_trait;
use time::{Date, OffsetDateTime};
use uuid::Uuid;
use yigong_domain::contract::Contract;
use yigong_domain::followup::FollowUpPlan;
use yigong_domain::ids::{AdviceId, ReferralId};

use crate::StoreError;

/// Which deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeadlineKind {
    /// A routine referral unanswered past its deadline: escalated to the referral desk.
    ReferralEscalation,
    /// An accepted patient not arrived by the arrival deadline: the referral desk is told.
    ArrivalMissed,
    /// A waiting follow-up plan reached its due date.
    PlanDue,
    /// A waiting follow-up plan became overdue.
    PlanOverdue,
    /// A current contract's renewal window opened.
    ContractExpiring,
    /// An emergency advice had no referral by its deadline: escalated to the referral desk.
    AdviceEscalation,
}

impl DeadlineKind {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            DeadlineKind::ReferralEscalation => "referral_escalation",
            DeadlineKind::ArrivalMissed => "referral_arrival_missed",
            DeadlineKind::PlanDue => "plan_due",
            DeadlineKind::PlanOverdue => "plan_overdue",
            DeadlineKind::ContractExpiring => "contract_expiring",
            DeadlineKind::AdviceEscalation => "advice_escalation",
        }
    }
}

/// What the deadline jobs look for: candidates not yet announced, oldest first, a batch at a
/// time. The domain decides whether each is really due; these reads only narrow the search.
#[async_trait]
pub trait DeadlineQueries: Send + Sync {
    /// Referrals still `requested`, not escalated, whose answer deadline is at or before `now`.
    async fn referrals_past_deadline(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<ReferralId>, StoreError>;

    /// Referrals still `accepted` whose arrival deadline is at or before `now`, with no
    /// [`DeadlineKind::ArrivalMissed`] claimed, earliest deadline first.
    async fn referrals_past_arrival(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<ReferralId>, StoreError>;

    /// Open emergency advice not yet escalated whose deadline is at or before `now`, earliest
    /// deadline first.
    async fn advice_past_escalation(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<AdviceId>, StoreError>;

    /// Waiting plans due on or before `due_by` with no `kind` deadline claimed.
    async fn waiting_plans_unannounced(
        &self,
        kind: DeadlineKind,
        due_by: Date,
        limit: u32,
    ) -> Result<Vec<FollowUpPlan>, StoreError>;

    /// Current contracts ending after `after` and on or before `ends_by`, with no
    /// [`DeadlineKind::ContractExpiring`] claimed.
    async fn current_contracts_unannounced(
        &self,
        after: Date,
        ends_by: Date,
        limit: u32,
    ) -> Result<Vec<Contract>, StoreError>;
}

/// The once-only claim, inside the transaction that announces the deadline.
#[async_trait]
pub trait DeadlineClaims: Send {
    /// Claims `kind` for `subject`: `true` the first time, `false` if it was claimed before
    /// (by this instance or another). MUST NOT fail the transaction on a repeat.
    async fn claim_deadline(
        &mut self,
        kind: DeadlineKind,
        subject: Uuid,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError>;
}
