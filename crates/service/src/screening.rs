//! Screening results: the batch import (CSV files, the gRPC client stream).
//!
//! A batch is validated row by row by the domain before anything is written; any invalid row
//! rejects the whole batch with every row's errors, so an import never leaves half a batch
//! behind and a corrected file can simply be sent again. Valid batches are written atomically
//! by the store's bulk path.

use std::collections::{HashMap, HashSet};

use time::Date;
use uuid::Uuid;
use yigong_domain::ids::{AdviceId, ResidentId, ScreeningId};
use yigong_domain::measure::{
    BloodPressure, Bmi, Glucose, Height, MeasureError, Waist, Weight, body_mass_index,
};
use yigong_domain::referral::{AdviceSource, NewAdvice, ReasonCode, ReferralAdvice, Urgency};
use yigong_domain::rule::RuleId;
use yigong_domain::screening::{
    Arrival, BpReading, GlucoseKind, RiskFactors, ScreeningEvent, assess_blood_pressure_as_of,
    assess_glucose, check_reading_date, glucose_rescreen_on,
};
use yigong_ports::{
    AuditEntry, AuditOutcome, Constraint, ScreeningBatch, ScreeningFinding, ScreeningRecord,
    StoreError,
};

use crate::deps::Request;
use crate::{Deps, Principal, ServiceError};

/// The most rows one batch may carry.
pub const MAX_BATCH_ROWS: usize = 10_000;

const IMPORT: &str = "screening.import";

/// One row of an import, as the client sent it (ranges not yet checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreeningRow {
    /// The resident screened.
    pub resident: ResidentId,
    /// The date of the reading.
    pub on: Date,
    /// The reading.
    pub reading: RowReading,
}

/// A row's reading, with the facts its programme's rules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowReading {
    /// Blood pressure in mmHg, with the body size and risk factors asked at the screening.
    BloodPressure {
        /// Systolic.
        sbp: u16,
        /// Diastolic.
        dbp: u16,
        /// Body size as measured, each unset when not measured.
        body: BodySize,
        /// Family history of hypertension.
        family_history: bool,
        /// Long-term high-salt diet.
        high_salt_diet: bool,
        /// Long-term heavy drinking.
        heavy_drinking: bool,
    },
    /// Glucose in hundredths of mmol/L (laboratory precision).
    Glucose {
        /// The value, hundredths of mmol/L.
        hundredths: u32,
        /// Which glucose.
        kind: GlucoseKind,
        /// Typical symptoms present.
        symptoms: bool,
    },
}

/// Height, weight, BMI and waist as the client sent them (ranges not yet checked). The BMI
/// may be given, or follow from height and weight (then a given one must agree).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BodySize {
    /// Height, tenths of cm.
    pub height_tenths: Option<u16>,
    /// Weight, tenths of kg.
    pub weight_tenths: Option<u16>,
    /// BMI, tenths of kg/m².
    pub bmi_tenths: Option<u16>,
    /// Waist, cm.
    pub waist_cm: Option<u16>,
}

impl BodySize {
    /// The risk factors of the body size (the rest unset); the error names the field.
    fn check(self) -> Result<RiskFactors, MeasureError> {
        let height = self.height_tenths.map(Height::from_tenths).transpose()?;
        let weight = self.weight_tenths.map(Weight::from_tenths).transpose()?;
        let given = self.bmi_tenths.map(Bmi::from_tenths).transpose()?;
        Ok(RiskFactors {
            height,
            weight,
            bmi: body_mass_index(given, height, weight)?,
            waist: self.waist_cm.map(Waist::from_cm).transpose()?,
            ..RiskFactors::default()
        })
    }
}

/// Why one row was refused: its place in the batch and the field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Index of the row in the batch, from 0.
    pub row: usize,
    /// The field at fault.
    pub field: &'static str,
    /// What is wrong.
    pub reason: String,
}

/// What became of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOutcome {
    /// The batch id (on every stored row and in the audit entry).
    pub batch: Uuid,
    /// Rows written: all of the batch, or none when `errors` is not empty.
    pub imported: usize,
    /// Rows that flag a suspected case.
    pub flagged: usize,
    /// Every invalid row; non-empty means nothing was written.
    pub errors: Vec<RowError>,
    /// The findings, in row order (empty when nothing was written).
    pub records: Vec<ScreeningRecord>,
}

/// The screening use cases.
pub struct ScreeningService {
    deps: Deps,
}

fn measure_field(e: &MeasureError) -> &'static str {
    match e {
        MeasureError::SystolicOutOfRange(_) => "sbp",
        MeasureError::DiastolicOutOfRange(_) | MeasureError::DiastolicNotBelowSystolic { .. } => {
            "dbp"
        }
        MeasureError::HeightOutOfRange(_) => "height",
        MeasureError::WeightOutOfRange(_) => "weight",
        MeasureError::BmiOutOfRange(_) | MeasureError::BmiDisagrees { .. } => "bmi",
        MeasureError::WaistOutOfRange(_) => "waist",
        _ => "glucose",
    }
}

impl ScreeningService {
    /// Builds the service over its ports.
    pub fn new(deps: Deps) -> Self {
        Self { deps }
    }

    /// Records one screening result: a batch of one, so a single reading is judged exactly as
    /// an imported one (against the resident's stored readings up to its date). A bad row is
    /// `InvalidArgument` naming its field; a resident the caller may not see is `NotFound`.
    #[tracing::instrument(skip_all, fields(user = %who.user, resident = %row.resident))]
    pub async fn record(
        &self,
        who: &Principal,
        request_id: &str,
        row: ScreeningRow,
    ) -> Result<ScreeningRecord, ServiceError> {
        let mut outcome = self
            .import(who, request_id, std::slice::from_ref(&row), Arrival::Single)
            .await?;
        if let Some(error) = outcome.errors.pop() {
            return Err(ServiceError::InvalidArgument {
                field: error.field,
                reason: error.reason,
            });
        }
        outcome.records.pop().ok_or_else(|| {
            ServiceError::Unavailable("the recorded result was not returned".to_owned())
        })
    }

    /// Validates and imports one batch of results screened by the caller's institution.
    /// Idempotent on `request_id`: a retry of a written batch writes nothing and returns the
    /// first batch's results (a refused batch claims nothing, so its fix may reuse the id).
    #[tracing::instrument(skip_all, fields(user = %who.user, rows = rows.len()))]
    pub async fn import_batch(
        &self,
        who: &Principal,
        request_id: &str,
        rows: &[ScreeningRow],
    ) -> Result<BatchOutcome, ServiceError> {
        self.import(who, request_id, rows, Arrival::Batch).await
    }

    /// Validates and writes rows that arrived as `arrival` says (it decides their events).
    async fn import(
        &self,
        who: &Principal,
        request_id_raw: &str,
        rows: &[ScreeningRow],
        arrival: Arrival,
    ) -> Result<BatchOutcome, ServiceError> {
        let patient = match arrival {
            Arrival::Single => rows.first().map(|r| r.resident),
            Arrival::Batch => None,
        };
        self.deps
            .clinician_only(
                who,
                IMPORT,
                "screenings".to_owned(),
                patient,
                "record screening results",
            )
            .await?;
        let request = Request::new(
            &*self.deps.requests,
            who,
            request_id_raw,
            IMPORT,
            &(rows, arrival),
        )?;
        if rows.is_empty() || rows.len() > MAX_BATCH_ROWS {
            return Err(ServiceError::InvalidArgument {
                field: "rows",
                reason: format!("a batch has 1 to {MAX_BATCH_ROWS} rows"),
            });
        }
        let now = self.deps.clock.now();
        let batch = self.deps.ids.new_id();
        let mut ids: Vec<ResidentId> = rows.iter().map(|r| r.resident).collect();
        ids.sort_unstable();
        ids.dedup();
        // Both reads at once (two connections): the records decide who may be screened here,
        // and the history of anyone the caller may not see is dropped unread.
        let (records, stored) = tokio::try_join!(
            self.deps.screenings.residents(&ids),
            self.deps.screenings.bp_history(&ids),
        )?;
        // Whom the caller may screen: the same decision as every read of a record.
        let residents = self.deps.access().visible(who, records).await?;
        // Each resident the caller may not see (or that does not exist) is a refusal, audited
        // once however many rows name it; its rows fail as not found.
        let unseen: HashSet<ResidentId> = rows
            .iter()
            .map(|r| r.resident)
            .filter(|id| !residents.contains_key(id))
            .collect();
        // A single result naming such a resident is refused as a read of the record would be.
        for id in unseen {
            let resource = format!("residents/{id}");
            let refused = self
                .deps
                .unseen(who, IMPORT, resource, id, format!("resident {id}"))
                .await;
            if arrival == Arrival::Single {
                return Err(refused);
            }
        }
        let mut history: HashMap<ResidentId, Vec<BpReading>> = HashMap::new();
        for (resident, reading) in stored {
            if residents.contains_key(&resident) {
                history.entry(resident).or_default().push(reading);
            }
        }

        let profile = &self.deps.profile;
        let mut errors = Vec::new();
        let mut records = Vec::with_capacity(rows.len());
        let mut events = Vec::new();
        let mut advice = Vec::new();
        // Rows in date order per resident, so each reading's episode holds the earlier ones.
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by_key(|&i| (rows[i].on, i));
        let mut findings: Vec<Option<ScreeningRecord>> = vec![None; rows.len()];
        for i in order {
            let row = rows[i];
            let fail = |field: &'static str, reason: String| RowError {
                row: i,
                field,
                reason,
            };
            let Some(patient) = residents.get(&row.resident) else {
                errors.push(fail(
                    "resident",
                    format!("resident {} not found", row.resident),
                ));
                continue;
            };
            let resident = &patient.resident;
            if let Err(e) = check_reading_date(row.on, resident.birth_date(), now.date()) {
                errors.push(fail("on", e.to_string()));
                continue;
            }
            let mut finding = match row.reading {
                RowReading::BloodPressure {
                    sbp,
                    dbp,
                    body,
                    family_history,
                    high_salt_diet,
                    heavy_drinking,
                } => {
                    let bp = match BloodPressure::new(sbp, dbp) {
                        Ok(bp) => bp,
                        Err(e) => {
                            errors.push(fail(measure_field(&e), e.to_string()));
                            continue;
                        }
                    };
                    let risk = match body.check() {
                        Ok(size) => RiskFactors {
                            family_history,
                            high_salt_diet,
                            heavy_drinking,
                            ..size
                        },
                        Err(e) => {
                            errors.push(fail(measure_field(&e), e.to_string()));
                            continue;
                        }
                    };
                    let episode = history.entry(row.resident).or_default();
                    episode.push(BpReading { date: row.on, bp });
                    let Some(decision) = assess_blood_pressure_as_of(
                        row.on,
                        episode,
                        resident.age_on(row.on),
                        resident.sex(),
                        &risk,
                        profile,
                    ) else {
                        errors.push(fail("sbp", "no reading to assess".to_owned()));
                        continue;
                    };
                    ScreeningFinding::BloodPressure { bp, risk, decision }
                }
                RowReading::Glucose {
                    hundredths,
                    kind,
                    symptoms,
                } => {
                    let glucose = match Glucose::from_hundredths(hundredths) {
                        Ok(g) => g,
                        Err(e) => {
                            errors.push(fail("glucose", e.to_string()));
                            continue;
                        }
                    };
                    let decision = assess_glucose(glucose, kind, symptoms, profile);
                    ScreeningFinding::Glucose {
                        glucose,
                        kind,
                        symptoms,
                        rescreen_on: glucose_rescreen_on(decision.outcome, row.on, profile),
                        decision,
                    }
                }
            };
            let covered =
                finding
                    .programme()
                    .covers(resident.age_on(row.on), resident.sex(), profile);
            if !covered {
                finding.explain_also(RuleId::ScreenOpportunistic);
            }
            findings[i] = Some(ScreeningRecord {
                id: ScreeningId::from_uuid(self.deps.ids.new_id()),
                batch,
                resident: row.resident,
                institution: who.institution,
                on: row.on,
                opportunistic: !covered,
                finding,
            });
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.row);
            return Ok(BatchOutcome {
                batch,
                imported: 0,
                flagged: 0,
                errors,
                records: Vec::new(),
            });
        }
        for record in findings.into_iter().flatten() {
            let emitted = match &record.finding {
                ScreeningFinding::BloodPressure { decision, .. } => ScreeningEvent::recorded(
                    record.id,
                    record.resident,
                    record.on,
                    decision,
                    arrival,
                ),
                ScreeningFinding::Glucose { decision, .. } => ScreeningEvent::recorded(
                    record.id,
                    record.resident,
                    record.on,
                    decision,
                    arrival,
                ),
            };
            let community = residents
                .get(&record.resident)
                .and_then(|p| p.scope.community);
            events.extend(self.deps.outbox(community, emitted, now)?);
            // An emergency at screening sends no referral from the import: it lands on the
            // community desk's list as advice, so no danger sign is dropped.
            if record.finding.is_emergency() {
                let (given, emitted) = ReferralAdvice::advise(
                    NewAdvice {
                        id: AdviceId::from_uuid(self.deps.ids.new_id()),
                        patient: record.resident,
                        community,
                        institution: record.institution,
                        team: None,
                        urgency: Urgency::Emergency,
                        reason: ReasonCode::DangerSign,
                        source: AdviceSource::Screening(record.id),
                        at: now,
                    },
                    profile,
                );
                events.extend(self.deps.outbox(community, emitted, now)?);
                advice.push(given);
            }
            records.push(record);
        }
        if arrival == Arrival::Batch && !records.is_empty() {
            let rows = u32::try_from(records.len()).unwrap_or(u32::MAX);
            let imported = ScreeningEvent::BatchImported { batch, rows };
            events.extend(self.deps.outbox(None, [imported], now)?);
        }
        let flagged = records.iter().filter(|r| r.finding.is_flagged()).count();
        let written = self
            .deps
            .screenings
            .import_screenings(&ScreeningBatch {
                records: records.clone(),
                advice,
                events,
                audit: AuditEntry {
                    actor: who.actor(),
                    action: IMPORT.to_owned(),
                    resource: format!("screening-batches/{batch}"),
                    patient: None,
                    at: now,
                    outcome: AuditOutcome::Success,
                    break_glass: None,
                },
                request: Some(request.key(batch)),
            })
            .await;
        if let Err(StoreError::Duplicate {
            constraint: Constraint::RequestId,
        }) = written
        {
            let first = self.deps.first_result(&request).await?;
            let records = self.deps.screenings.batch_records(first).await?;
            return Ok(BatchOutcome {
                batch: first,
                imported: records.len(),
                flagged: records.iter().filter(|r| r.finding.is_flagged()).count(),
                errors: Vec::new(),
                records,
            });
        }
        written?;
        Ok(BatchOutcome {
            batch,
            imported: records.len(),
            flagged,
            errors,
            records,
        })
    }
}
