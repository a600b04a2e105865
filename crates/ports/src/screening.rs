//! Screening results, written in batches (the bulk import path).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;
use yigong_domain::ids::{InstitutionId, ResidentId, ScreeningId};
use yigong_domain::measure::{BloodPressure, Glucose};
use yigong_domain::referral::ReferralAdvice;
use yigong_domain::rule::RuleId;
use yigong_domain::screening::{
    BpOutcome, BpReading, Decision, GlucoseKind, GlucoseOutcome, Programme, RiskFactors,
    ScreeningHistory,
};

use crate::{AuditEntry, NewEvent, PatientRecord, RequestKey, StoreError};

/// What was measured and what the domain decided from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "programme", rename_all = "snake_case")]
pub enum ScreeningFinding {
    /// A blood-pressure screening reading.
    BloodPressure {
        /// The reading.
        bp: BloodPressure,
        /// Risk factors stated with it.
        risk: RiskFactors,
        /// The decision over the episode this reading ends.
        decision: Decision<BpOutcome>,
    },
    /// A glucose screening reading.
    Glucose {
        /// The reading.
        glucose: Glucose,
        /// Which glucose.
        kind: GlucoseKind,
        /// Whether typical symptoms were present.
        symptoms: bool,
        /// The decision.
        decision: Decision<GlucoseOutcome>,
        /// When to test again ([`glucose_rescreen_on`](yigong_domain::screening::glucose_rescreen_on));
        /// unset for a suspected case or an emergency, and on results stored before it.
        #[serde(default)]
        rescreen_on: Option<Date>,
    },
}

impl ScreeningFinding {
    /// The programme the finding belongs to.
    pub const fn programme(&self) -> Programme {
        match self {
            ScreeningFinding::BloodPressure { .. } => Programme::BloodPressure,
            ScreeningFinding::Glucose { .. } => Programme::FastingGlucose,
        }
    }

    /// Adds a rule to the decision's explanation (the opportunistic reading's rule, decided
    /// by the domain's [`Programme::covers`]).
    pub fn explain_also(&mut self, rule: RuleId) {
        match self {
            ScreeningFinding::BloodPressure { decision, .. } => {
                decision.explanation.rules.insert(rule);
            }
            ScreeningFinding::Glucose { decision, .. } => {
                decision.explanation.rules.insert(rule);
            }
        }
    }

    /// Whether the finding is an emergency (a danger sign at screening), by the domain's rule.
    pub const fn is_emergency(&self) -> bool {
        let case = match self {
            ScreeningFinding::BloodPressure { decision, .. } => decision.outcome.suspected_case(),
            ScreeningFinding::Glucose { decision, .. } => decision.outcome.suspected_case(),
        };
        matches!(case, Some(c) if c.emergency)
    }

    /// Whether the finding flags a suspected case (or an emergency), by the domain's rule.
    pub const fn is_flagged(&self) -> bool {
        match self {
            ScreeningFinding::BloodPressure { decision, .. } => {
                decision.outcome.suspected_case().is_some()
            }
            ScreeningFinding::Glucose { decision, .. } => {
                decision.outcome.suspected_case().is_some()
            }
        }
    }
}

/// One recorded screening result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningRecord {
    /// Its id.
    pub id: ScreeningId,
    /// The import batch it came with.
    pub batch: Uuid,
    /// The resident screened.
    pub resident: ResidentId,
    /// The screening institution.
    pub institution: InstitutionId,
    /// The date of the reading.
    pub on: Date,
    /// Whether the resident was outside the programme's ages that day (机会性筛查): the
    /// reading is assessed but not counted in the programme.
    pub opportunistic: bool,
    /// The reading and the decision.
    pub finding: ScreeningFinding,
}

/// One batch of an import, written atomically: all of it or nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreeningBatch {
    /// The results.
    pub records: Vec<ScreeningRecord>,
    /// The emergency advice the emergencies leave (no danger sign dropped), new aggregates.
    pub advice: Vec<ReferralAdvice>,
    /// Their events (flagged cases, advice given).
    pub events: Vec<NewEvent>,
    /// The batch's audit entry.
    pub audit: AuditEntry,
    /// The client's request id, claimed in the batch's transaction: a retried batch writes
    /// nothing and the store answers `Duplicate { constraint: Constraint::RequestId }`.
    pub request: Option<RequestKey>,
}

/// Screening storage for imports: reads in bulk before validation, then one write per batch.
#[async_trait]
pub trait ScreeningStore: Send + Sync {
    /// Resident records by id; ids without a record are absent from the result.
    async fn residents(&self, ids: &[ResidentId]) -> Result<Vec<PatientRecord>, StoreError>;

    /// The stored blood-pressure readings of these residents, for the episode rules.
    async fn bp_history(
        &self,
        residents: &[ResidentId],
    ) -> Result<Vec<(ResidentId, BpReading)>, StoreError>;

    /// Writes the batch's results, events and audit entry in one transaction, by the bulk path
    /// (multi-row INSERT on SQLite, arrays through `UNNEST` on PostgreSQL). Events are of new
    /// aggregates (fresh screening ids), so their sequences start at 1.
    async fn import_screenings(&self, batch: &ScreeningBatch) -> Result<(), StoreError>;

    /// The results of one batch (what a retried import request gets back), in row order.
    async fn batch_records(&self, batch: Uuid) -> Result<Vec<ScreeningRecord>, StoreError>;

    /// A resident's recorded results, oldest first.
    async fn screenings_of(&self, resident: ResidentId)
    -> Result<Vec<ScreeningRecord>, StoreError>;
}

/// What the due lists are read from (no transaction).
#[async_trait]
pub trait ScreeningDueQueries: Send + Sync {
    /// The screening histories of `residents` on `on`: open hypertension and diabetes
    /// enrolments, the latest programme blood-pressure and glucose results and the latest 65+
    /// check on or before the day. A resident with none has no entry.
    async fn screening_histories(
        &self,
        residents: &[ResidentId],
        on: Date,
    ) -> Result<std::collections::HashMap<ResidentId, ScreeningHistory>, StoreError>;
}
