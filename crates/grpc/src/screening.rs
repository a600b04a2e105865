//! `yigong.v1.ScreeningService` over `ScreeningService` (the use cases): translation only.

use tonic::{Request, Response, Status, Streaming};
use yigong_domain::ids::GridId;
use yigong_domain::ids::ResidentId;
use yigong_domain::screening::{BpOutcome, Programme};
use yigong_ports::{ScreeningFinding, ScreeningRecord};
use yigong_proto::v1 as pb;
use yigong_proto::v1::screening_service_server::ScreeningService as Api;
use yigong_service::{
    BodySize, DueEntry, MAX_BATCH_ROWS, RowError, RowReading, ScreeningDueService, ScreeningRow,
    ScreeningService, ServiceError,
};

use crate::status::to_status;
use crate::wire::{code, date, invalid, name, parse_code, parse_date, parse_name, principal};

/// The screening RPCs.
pub struct ScreeningApi {
    screenings: ScreeningService,
    due: ScreeningDueService,
}

impl ScreeningApi {
    /// Serves the use cases.
    pub fn new(screenings: ScreeningService, due: ScreeningDueService) -> Self {
        Self { screenings, due }
    }
}

/// The programmes with a due list (two-cancer screening is followed by its cases).
fn due_programme(raw: &str) -> Result<Programme, Status> {
    match Programme::from_code(raw) {
        Some(
            p @ (Programme::BloodPressure | Programme::FastingGlucose | Programme::ElderlyCheck),
        ) => Ok(p),
        _ => Err(invalid(
            "programme",
            format!(
                "{} is not blood_pressure, fasting_glucose or elderly_check",
                yigong_domain::text::excerpt(raw)
            ),
        )),
    }
}

fn due_to_wire(e: &DueEntry) -> pb::DueResident {
    pb::DueResident {
        resident: name("residents", e.resident),
        programme: e.due.programme.code().to_owned(),
        due_date: Some(date(e.due.due_on)),
        last_date: e.due.last.map(date),
        high_risk: e.due.high_risk,
        days_overdue: e.due.days_overdue,
        explanation: e.due.explanation.to_string(),
        patient_card: e.card.as_ref().map(crate::personal::card_to_wire),
    }
}

/// A row's use-case field as the RPCs spell it.
fn field(f: &'static str) -> String {
    match f {
        "sbp" => "row.reading.blood_pressure.systolic".to_owned(),
        "dbp" => "row.reading.blood_pressure.diastolic".to_owned(),
        "glucose" => "row.reading.glucose.mmol_per_l".to_owned(),
        "height" => "row.reading.blood_pressure.height_cm".to_owned(),
        "weight" => "row.reading.blood_pressure.weight_kg".to_owned(),
        "bmi" => "row.reading.blood_pressure.bmi".to_owned(),
        "waist" => "row.reading.blood_pressure.waist_cm".to_owned(),
        "on" => "row.screen_date".to_owned(),
        "resident" => "row.resident".to_owned(),
        other => other.to_owned(),
    }
}

fn status(e: ServiceError) -> Status {
    to_status(e, field)
}

/// A wire row as a use-case row; a malformed field is `(field, reason)`.
fn row(r: Option<pb::ScreeningRow>) -> Result<ScreeningRow, Status> {
    let r = r.ok_or_else(|| invalid("row", "required"))?;
    let resident = ResidentId::from_uuid(parse_name("row.resident", "residents", &r.resident)?);
    let on = parse_date("row.screen_date", r.screen_date)?;
    let reading = match r.reading.and_then(|x| x.reading) {
        Some(pb::screening_reading::Reading::BloodPressure(bp)) => {
            let mmhg = |f: &str, v: u32| {
                u16::try_from(v).map_err(|_| invalid(f, format!("{v} is out of range")))
            };
            let tenths =
                |f: &str, v: Option<f64>| v.map(|v| crate::followup::tenths(f, v)).transpose();
            RowReading::BloodPressure {
                sbp: mmhg("row.reading.blood_pressure.systolic", bp.systolic)?,
                dbp: mmhg("row.reading.blood_pressure.diastolic", bp.diastolic)?,
                body: BodySize {
                    height_tenths: tenths("row.reading.blood_pressure.height_cm", bp.height_cm)?,
                    weight_tenths: tenths("row.reading.blood_pressure.weight_kg", bp.weight_kg)?,
                    bmi_tenths: tenths("row.reading.blood_pressure.bmi", bp.bmi)?,
                    waist_cm: bp
                        .waist_cm
                        .map(|v| mmhg("row.reading.blood_pressure.waist_cm", v))
                        .transpose()?,
                },
                family_history: bp.family_history,
                high_salt_diet: bp.high_salt_diet,
                heavy_drinking: bp.heavy_drinking,
            }
        }
        Some(pb::screening_reading::Reading::Glucose(g)) => RowReading::Glucose {
            hundredths: crate::followup::hundredths(
                "row.reading.glucose.mmol_per_l",
                g.mmol_per_l,
            )?,
            kind: parse_code("row.reading.glucose.kind", &g.kind)?,
            symptoms: g.symptoms,
        },
        None => {
            return Err(invalid(
                "row.reading",
                "blood_pressure or glucose is required",
            ));
        }
    };
    Ok(ScreeningRow {
        resident,
        on,
        reading,
    })
}

/// A stored result on the wire.
pub(crate) fn to_wire(r: &ScreeningRecord) -> pb::ScreeningResult {
    let (outcome, next, explanation) = match &r.finding {
        ScreeningFinding::BloodPressure { decision, .. } => {
            let (outcome, next) = match decision.outcome {
                BpOutcome::Emergency => ("emergency", None),
                BpOutcome::RecheckRequired { .. } => ("recheck_required", None),
                BpOutcome::PreliminaryDiagnosis { follow_up_by } => {
                    ("preliminary_diagnosis", Some(follow_up_by))
                }
                BpOutcome::HighRisk { rescreen_on } => ("high_risk", Some(rescreen_on)),
                BpOutcome::Normal { rescreen_on } => ("normal", Some(rescreen_on)),
            };
            (outcome.to_owned(), next, decision.explanation.to_string())
        }
        ScreeningFinding::Glucose {
            decision,
            rescreen_on,
            ..
        } => (
            code(&decision.outcome),
            *rescreen_on,
            decision.explanation.to_string(),
        ),
    };
    pb::ScreeningResult {
        name: name("screenings", r.id),
        resident: name("residents", r.resident),
        institution: name("institutions", r.institution),
        screen_date: Some(date(r.on)),
        outcome,
        flagged: r.finding.is_flagged(),
        next_date: next.map(date),
        explanation,
        reading: Some(reading(&r.finding)),
        opportunistic: r.opportunistic,
    }
}

/// The recorded reading on the wire, as it was entered (the BMI the rule read).
fn reading(f: &ScreeningFinding) -> pb::ScreeningReading {
    let decimal = |tenths: u16| f64::from(tenths) / 10.0;
    let reading = match f {
        ScreeningFinding::BloodPressure { bp, risk, .. } => {
            pb::screening_reading::Reading::BloodPressure(pb::BloodPressureReading {
                systolic: u32::from(bp.sbp()),
                diastolic: u32::from(bp.dbp()),
                family_history: risk.family_history,
                high_salt_diet: risk.high_salt_diet,
                heavy_drinking: risk.heavy_drinking,
                height_cm: risk.height.map(|h| decimal(h.tenths())),
                weight_kg: risk.weight.map(|w| decimal(w.tenths())),
                bmi: risk.bmi.map(|b| decimal(b.tenths())),
                waist_cm: risk.waist.map(|w| u32::from(w.cm())),
            })
        }
        ScreeningFinding::Glucose {
            glucose,
            kind,
            symptoms,
            ..
        } => pb::screening_reading::Reading::Glucose(pb::GlucoseReading {
            mmol_per_l: f64::from(glucose.hundredths()) / 100.0,
            kind: code(kind),
            symptoms: *symptoms,
        }),
    };
    pb::ScreeningReading {
        reading: Some(reading),
    }
}

fn row_error(e: &RowError) -> pb::RowError {
    pb::RowError {
        row: u32::try_from(e.row).unwrap_or(u32::MAX),
        field: field(e.field),
        reason: e.reason.clone(),
    }
}

/// A wire-level row error (a field the use case never saw) in the response's form.
fn wire_row_error(row: usize, status: &Status) -> pb::RowError {
    use tonic_types::StatusExt;
    let field = status
        .get_details_bad_request()
        .and_then(|b| b.field_violations.into_iter().next())
        .map(|v| v.field)
        .unwrap_or_else(|| "row".to_owned());
    pb::RowError {
        row: u32::try_from(row).unwrap_or(u32::MAX),
        field,
        reason: status.message().to_owned(),
    }
}

#[tonic::async_trait]
impl Api for ScreeningApi {
    async fn record_screening_result(
        &self,
        request: Request<pb::RecordScreeningResultRequest>,
    ) -> Result<Response<pb::ScreeningResult>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let row = row(r.row)?;
        let record = self
            .screenings
            .record(&who, &r.request_id, row)
            .await
            .map_err(status)?;
        Ok(Response::new(to_wire(&record)))
    }

    async fn import_screening_results(
        &self,
        request: Request<Streaming<pb::ImportScreeningResultsRequest>>,
    ) -> Result<Response<pb::ImportScreeningResultsResponse>, Status> {
        let who = principal(&request)?;
        let mut stream = request.into_inner();
        let mut request_id = None;
        let mut rows = Vec::new();
        let mut errors = Vec::new();
        let mut n = 0usize;
        while let Some(message) = stream.message().await? {
            if request_id.is_none() {
                request_id = Some(message.request_id.clone());
            }
            if n == MAX_BATCH_ROWS {
                return Err(invalid(
                    "row",
                    format!("a batch holds at most {MAX_BATCH_ROWS} rows"),
                ));
            }
            match row(message.row) {
                Ok(r) => rows.push(r),
                Err(status) => errors.push(wire_row_error(n, &status)),
            }
            n += 1;
        }
        if n == 0 {
            return Err(invalid("row", "the stream held no rows"));
        }
        if !errors.is_empty() {
            return Ok(Response::new(pb::ImportScreeningResultsResponse {
                errors,
                ..Default::default()
            }));
        }
        let outcome = self
            .screenings
            .import_batch(&who, &request_id.unwrap_or_default(), &rows)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ImportScreeningResultsResponse {
            batch: if outcome.errors.is_empty() {
                name("screening-batches", outcome.batch)
            } else {
                String::new()
            },
            imported: u32::try_from(outcome.imported).unwrap_or(u32::MAX),
            flagged: u32::try_from(outcome.flagged).unwrap_or(u32::MAX),
            errors: outcome.errors.iter().map(row_error).collect(),
            results: outcome.records.iter().map(to_wire).collect(),
        }))
    }

    async fn list_due_residents(
        &self,
        request: Request<pb::ListDueResidentsRequest>,
    ) -> Result<Response<pb::ListDueResidentsResponse>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let grid = GridId::from_uuid(parse_name("grid", "grids", &r.grid)?);
        let programme = due_programme(&r.programme)?;
        let on =
            crate::wire::parse_optional_date("date", r.date)?.unwrap_or_else(|| self.due.today());
        let size = crate::wire::page_size(r.page_size)?;
        let token = (!r.page_token.is_empty()).then_some(r.page_token.as_str());
        let page = self
            .due
            .due(&who, grid, programme, on, size, token)
            .await
            .map_err(|e| to_status(e, str::to_owned))?;
        Ok(Response::new(pb::ListDueResidentsResponse {
            residents: page.items.iter().map(due_to_wire).collect(),
            next_page_token: page.next.unwrap_or_default(),
        }))
    }
}
