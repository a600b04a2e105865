//! 65+ annual health checks in storage: written in the recording command's transaction, read
//! per resident for the history.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use yigong_domain::elderly::{CheckAssessment, HealthCheck};
use yigong_domain::ids::{AdviceId, ElderlyCheckId, InstitutionId, ResidentId};

use crate::StoreError;

/// One recorded check: the form as validated and what the domain found in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElderlyCheckRecord {
    /// Its id.
    pub id: ElderlyCheckId,
    /// The resident checked.
    pub resident: ResidentId,
    /// The institution that checked.
    pub institution: InstitutionId,
    /// The check.
    pub check: HealthCheck,
    /// The findings, as decided when it was recorded.
    pub assessment: CheckAssessment,
    /// When it was recorded.
    pub recorded_at: OffsetDateTime,
    /// The advice an emergency finding left on the community desk's list.
    #[serde(default)]
    pub advice: Option<AdviceId>,
}

/// Checks inside a transaction.
#[async_trait]
pub trait ElderlyCheckRepository: Send {
    /// Inserts a check. MUST return `Duplicate { constraint: Constraint::Id }` on a taken id.
    async fn insert_elderly_check(&mut self, record: &ElderlyCheckRecord)
    -> Result<(), StoreError>;
}

/// Checks read outside a transaction.
#[async_trait]
pub trait ElderlyCheckQueries: Send + Sync {
    /// One check.
    async fn get_elderly_check(
        &self,
        id: ElderlyCheckId,
    ) -> Result<Option<ElderlyCheckRecord>, StoreError>;

    /// A resident's checks, latest first.
    async fn elderly_checks_of(
        &self,
        resident: ResidentId,
    ) -> Result<Vec<ElderlyCheckRecord>, StoreError>;
}
