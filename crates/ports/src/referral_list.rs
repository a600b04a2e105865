//! What a referral list asks the store for: whose referrals (the access policy decides which
//! party a caller may name) and the filters a desk narrows them by.

use time::OffsetDateTime;
use yigong_domain::ids::{CommunityId, InstitutionId, ResidentId};
use yigong_domain::referral::{Direction, Referral, StateName};

/// Whose referrals a list reads, each served by its own index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralParty {
    /// Addressed to the institution: its inbox.
    ReceivedBy(InstitutionId),
    /// Sent by the institution: its sent list.
    SentBy(InstitutionId),
    /// Of the community: its referral desk's view.
    Community(CommunityId),
}

impl ReferralParty {
    /// Whether `r` is one of this party's referrals (a watch's test on a changed referral).
    pub fn includes(&self, r: &Referral) -> bool {
        match *self {
            ReferralParty::ReceivedBy(i) => r.to() == i,
            ReferralParty::SentBy(i) => r.from() == i,
            ReferralParty::Community(c) => r.community() == Some(c),
        }
    }
}

/// A referral list's question: the party's referrals in `states`, narrowed by direction,
/// patient and the request's time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralFilter {
    /// Whose referrals.
    pub party: ReferralParty,
    /// Only these states (never empty: the service puts in the view's default).
    pub states: Vec<StateName>,
    /// Only this direction.
    pub direction: Option<Direction>,
    /// Only this patient's.
    pub patient: Option<ResidentId>,
    /// Requested at or after.
    pub requested_from: Option<OffsetDateTime>,
    /// Requested before.
    pub requested_before: Option<OffsetDateTime>,
}

impl ReferralFilter {
    /// Every referral of `party` in `states`.
    pub fn of(party: ReferralParty, states: Vec<StateName>) -> Self {
        Self {
            party,
            states,
            direction: None,
            patient: None,
            requested_from: None,
            requested_before: None,
        }
    }

    /// Whether `r` answers the question: what the store's query selects, for a reader holding
    /// the referral (a watch, a test comparing the store with it).
    pub fn matches(&self, r: &Referral) -> bool {
        self.party.includes(r)
            && self.states.contains(&r.state().name())
            && self.direction.is_none_or(|d| d == r.direction())
            && self.patient.is_none_or(|p| p == r.patient())
            && self.requested_from.is_none_or(|t| r.requested_at() >= t)
            && self.requested_before.is_none_or(|t| r.requested_at() < t)
    }
}
