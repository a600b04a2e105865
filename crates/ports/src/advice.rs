//! Referral advice in storage: saved in the transaction of the visit, screening or referral
//! that changes it, and read as the team's, the institution's and the desk's open lists.

use async_trait::async_trait;
use yigong_domain::ids::{AdviceId, CommunityId, InstitutionId, ResidentId, TeamId};
use yigong_domain::referral::ReferralAdvice;

use crate::{Page, StoreError, Version, Versioned};

/// Advice inside a transaction.
#[async_trait]
pub trait AdviceRepository: Send {
    /// An advice with its version.
    async fn load_advice(
        &mut self,
        id: AdviceId,
    ) -> Result<Option<Versioned<ReferralAdvice>>, StoreError>;

    /// The patient's open advice, oldest first: what a referral of the patient closes.
    async fn open_advice_of(
        &mut self,
        patient: ResidentId,
    ) -> Result<Vec<Versioned<ReferralAdvice>>, StoreError>;

    /// Inserts an advice at version 1. MUST return `Duplicate { constraint: Constraint::Id }`
    /// on a taken id.
    async fn insert_advice(&mut self, advice: &ReferralAdvice) -> Result<Version, StoreError>;

    /// Updates an advice loaded at `expected`; `Conflict` when the stored version differs.
    async fn update_advice(
        &mut self,
        advice: &ReferralAdvice,
        expected: Version,
    ) -> Result<Version, StoreError>;
}

/// Whose open advice a list shows, each from its own index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdviceView {
    /// The team's (routine and emergency): its worklist of referrals to send.
    Team(TeamId),
    /// The advising institution's.
    Institution(InstitutionId),
    /// The community referral desk's: open emergencies without a referral.
    Desk(CommunityId),
}

/// Advice read outside a transaction.
#[async_trait]
pub trait AdviceQueries: Send + Sync {
    /// An advice with its version.
    async fn get_advice(
        &self,
        id: AdviceId,
    ) -> Result<Option<Versioned<ReferralAdvice>>, StoreError>;

    /// The open advice of `view`, oldest first, `limit` per page after `after` (an opaque page
    /// token; `NotFound` for one this list did not issue).
    async fn list_open_advice(
        &self,
        view: AdviceView,
        limit: u32,
        after: Option<String>,
    ) -> Result<Page<Versioned<ReferralAdvice>>, StoreError>;
}
