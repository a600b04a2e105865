//! Two-cancer screening (两癌筛查): the exams, and the cases an abnormal exam opens.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use yigong_domain::ids::{CancerCaseId, CancerExamId, InstitutionId, ResidentId};
use yigong_domain::screening::{CancerCase, CancerExam};

use crate::{StoreError, Version, Versioned};

/// A recorded exam.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancerExamRecord {
    /// Its id.
    pub id: CancerExamId,
    /// The woman screened.
    pub resident: ResidentId,
    /// The institution that screened her.
    pub institution: InstitutionId,
    /// The exam.
    pub exam: CancerExam,
    /// The case an abnormal exam opened.
    pub case: Option<CancerCaseId>,
    /// When it was recorded.
    pub recorded_at: OffsetDateTime,
}

/// A case as kept: the domain's case and the institution that follows it up (the one whose
/// exam opened it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancerCaseRecord {
    /// The case.
    pub case: CancerCase,
    /// The institution following it.
    pub institution: InstitutionId,
    /// The exam that opened it.
    pub exam: CancerExamId,
}

/// Where an open-case worklist page starts: after this case in (opened on, id) order.
pub type CaseCursor = (Date, CancerCaseId);

/// Exams and cases inside a transaction.
#[async_trait]
pub trait CancerRepository: Send {
    /// Inserts an exam. MUST return `Duplicate { constraint: Constraint::Id }` on a taken id.
    async fn insert_cancer_exam(&mut self, exam: &CancerExamRecord) -> Result<(), StoreError>;

    /// Inserts a case at version 1. MUST return `Duplicate { constraint:
    /// Constraint::OpenCancerCase }` when the woman already has an open case of that cancer.
    async fn insert_cancer_case(&mut self, case: &CancerCaseRecord) -> Result<Version, StoreError>;

    /// A case, read in the transaction (its version guards the update).
    async fn load_cancer_case(
        &mut self,
        id: CancerCaseId,
    ) -> Result<Option<Versioned<CancerCaseRecord>>, StoreError>;

    /// Updates a case loaded at `expected`; `Conflict` when the stored version differs.
    async fn update_cancer_case(
        &mut self,
        case: &CancerCaseRecord,
        expected: Version,
    ) -> Result<Version, StoreError>;
}

/// Reads of exams and cases (no transaction).
#[async_trait]
pub trait CancerQueries: Send + Sync {
    /// An exam.
    async fn get_cancer_exam(
        &self,
        id: CancerExamId,
    ) -> Result<Option<CancerExamRecord>, StoreError>;

    /// A case.
    async fn get_cancer_case(
        &self,
        id: CancerCaseId,
    ) -> Result<Option<Versioned<CancerCaseRecord>>, StoreError>;

    /// A woman's exams, latest first.
    async fn cancer_exams_of(
        &self,
        resident: ResidentId,
    ) -> Result<Vec<CancerExamRecord>, StoreError>;

    /// A woman's cases, latest opened first.
    async fn cancer_cases_of(
        &self,
        resident: ResidentId,
    ) -> Result<Vec<Versioned<CancerCaseRecord>>, StoreError>;

    /// The open cases an institution follows, oldest opened first, after `after`, at most
    /// `limit`.
    async fn open_cancer_cases(
        &self,
        institution: InstitutionId,
        after: Option<CaseCursor>,
        limit: u64,
    ) -> Result<Vec<Versioned<CancerCaseRecord>>, StoreError>;
}
