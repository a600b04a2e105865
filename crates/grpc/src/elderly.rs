//! `yigong.v1.ElderlyCheckService` over `ElderlyCheckService` (the use cases): translation only.

use tonic::{Request, Response, Status};
use yigong_domain::elderly::{
    Analyte, AnalyteInput, CheckForm, ExamSite, Guidance, HealthCheck, TestInput,
};
use yigong_domain::ids::ResidentId;
use yigong_ports::ElderlyCheckRecord;
use yigong_proto::v1 as pb;
use yigong_proto::v1::elderly_check_service_server::ElderlyCheckService as Api;
use yigong_service::{ElderlyCheckService, ServiceError};

use crate::followup::{hundredths, tenths};
use crate::status::to_status;
use crate::wire::{code, date, invalid, name, parse_code, parse_date, parse_name, principal};

/// The 65+ check RPCs.
pub struct ElderlyCheckApi {
    checks: ElderlyCheckService,
}

impl ElderlyCheckApi {
    /// Serves the use cases.
    pub fn new(checks: ElderlyCheckService) -> Self {
        Self { checks }
    }
}

fn status(e: ServiceError) -> Status {
    to_status(e, str::to_owned)
}

fn small(field: &str, v: u32) -> Result<u16, Status> {
    u16::try_from(v).map_err(|_| invalid(field, format!("{v} is out of range")))
}

fn score(field: &str, v: u32) -> Result<u8, Status> {
    u8::try_from(v).map_err(|_| invalid(field, format!("{v} is not one of the item's scores")))
}

/// The wire form as the domain's form (codes and decimals parsed; ranges left to the domain).
fn form(f: Option<pb::ElderlyCheckForm>) -> Result<CheckForm, Status> {
    let f = f.ok_or_else(|| invalid("check", "required"))?;
    let care = f.self_care.unwrap_or_default();
    let vision = match (f.vision_left, f.vision_right) {
        (Some(l), Some(r)) => Some((
            tenths("check.vision_left", l)?,
            tenths("check.vision_right", r)?,
        )),
        (None, None) => None,
        (None, Some(_)) => return Err(invalid("check.vision_left", "both eyes or neither")),
        (Some(_), None) => return Err(invalid("check.vision_right", "both eyes or neither")),
    };
    let mut abnormal_sites = Vec::with_capacity(f.abnormal_sites.len());
    for (i, s) in f.abnormal_sites.into_iter().enumerate() {
        let site: ExamSite = parse_code(&format!("check.abnormal_sites[{i}].site"), &s.site)?;
        abnormal_sites.push((site, s.note));
    }
    let mut tests = Vec::with_capacity(f.tests.len());
    for (i, t) in f.tests.into_iter().enumerate() {
        let mut values = Vec::with_capacity(t.values.len());
        for (j, v) in t.values.iter().enumerate() {
            let at = format!("check.tests[{i}].values[{j}]");
            let analyte: Analyte = parse_code(&format!("{at}.analyte"), &v.analyte)?;
            values.push(AnalyteInput {
                analyte,
                hundredths: hundredths(&format!("{at}.value"), v.value)?,
            });
        }
        tests.push(TestInput {
            test: parse_code(&format!("check.tests[{i}].test"), &t.test)?,
            values,
            abnormal: t.abnormal,
            note: t.note,
        });
    }
    let mut guidance = Vec::with_capacity(f.guidance.len());
    for (i, g) in f.guidance.iter().enumerate() {
        let given: Guidance = parse_code(&format!("check.guidance[{i}]"), g)?;
        guidance.push(given);
    }
    Ok(CheckForm {
        on: parse_date("check.check_date", f.check_date)?,
        self_care: [
            score("check.self_care.eating", care.eating)?,
            score("check.self_care.grooming", care.grooming)?,
            score("check.self_care.dressing", care.dressing)?,
            score("check.self_care.toileting", care.toileting)?,
            score("check.self_care.mobility", care.mobility)?,
        ],
        self_rated_health: parse_code("check.self_rated_health", &f.self_rated_health)?,
        cognition_positive: f.cognition_positive,
        emotion_positive: f.emotion_positive,
        smoking: parse_code("check.smoking", &f.smoking)?,
        drinking: parse_code("check.drinking", &f.drinking)?,
        exercise: parse_code("check.exercise", &f.exercise)?,
        temperature_tenths: f
            .temperature
            .map(|t| tenths("check.temperature", t))
            .transpose()?,
        pulse: f.pulse.map(|p| small("check.pulse", p)).transpose()?,
        respiration: f
            .respiration
            .map(|r| small("check.respiration", r))
            .transpose()?,
        sbp: small("check.systolic", f.systolic)?,
        dbp: small("check.diastolic", f.diastolic)?,
        height_tenths: f
            .height_cm
            .map(|h| tenths("check.height_cm", h))
            .transpose()?,
        weight_tenths: f
            .weight_kg
            .map(|w| tenths("check.weight_kg", w))
            .transpose()?,
        waist_cm: f.waist_cm.map(|w| small("check.waist_cm", w)).transpose()?,
        abnormal_sites,
        vision_tenths: vision,
        hearing: parse_code("check.hearing", &f.hearing)?,
        motor_function: parse_code("check.motor_function", &f.motor_function)?,
        tests,
        guidance,
        fed_back_on: f
            .fed_back_date
            .map(|d| parse_date("check.fed_back_date", Some(d)))
            .transpose()?,
    })
}

/// The stored check as the wire form.
fn form_to_wire(c: &HealthCheck) -> pb::ElderlyCheckForm {
    let [eating, grooming, dressing, toileting, mobility] = <[u8; 5]>::from(c.self_care);
    let decimal = |t: u16| f64::from(t) / 10.0;
    pb::ElderlyCheckForm {
        check_date: Some(date(c.on)),
        self_care: Some(pb::SelfCare {
            eating: eating.into(),
            grooming: grooming.into(),
            dressing: dressing.into(),
            toileting: toileting.into(),
            mobility: mobility.into(),
        }),
        self_rated_health: code(&c.self_rated_health),
        cognition_positive: c.cognition_positive,
        emotion_positive: c.emotion_positive,
        smoking: code(&c.smoking),
        drinking: code(&c.drinking),
        exercise: code(&c.exercise),
        temperature: c.temperature.map(|t| decimal(t.tenths())),
        pulse: c.pulse.map(|p| p.per_minute().into()),
        respiration: c.respiration.map(u32::from),
        systolic: c.bp.sbp().into(),
        diastolic: c.bp.dbp().into(),
        height_cm: c.height.map(|h| decimal(h.tenths())),
        weight_kg: c.weight.map(|w| decimal(w.tenths())),
        waist_cm: c.waist.map(|w| w.cm().into()),
        abnormal_sites: c
            .abnormal_sites
            .iter()
            .map(|(site, note)| pb::AbnormalSite {
                site: site.code().to_owned(),
                note: note.clone(),
            })
            .collect(),
        vision_left: c.vision_tenths.map(|(l, _)| decimal(l)),
        vision_right: c.vision_tenths.map(|(_, r)| decimal(r)),
        hearing: code(&c.hearing),
        motor_function: code(&c.motor_function),
        tests: c
            .tests
            .iter()
            .map(|(test, r)| pb::AuxiliaryTestResult {
                test: test.code().to_owned(),
                values: r
                    .values
                    .iter()
                    .map(|(a, v)| pb::AnalyteValue {
                        analyte: a.code().to_owned(),
                        value: f64::from(*v) / 100.0,
                    })
                    .collect(),
                abnormal: r.abnormal,
                note: r.note.clone().unwrap_or_default(),
            })
            .collect(),
        guidance: c.guidance.iter().map(|g| g.code().to_owned()).collect(),
        fed_back_date: c.fed_back_on.map(date),
    }
}

fn to_wire(r: &ElderlyCheckRecord) -> pb::ElderlyCheck {
    let a = &r.assessment;
    pb::ElderlyCheck {
        name: name("elderly-checks", r.id),
        resident: name("residents", r.resident),
        institution: name("institutions", r.institution),
        check: Some(form_to_wire(&r.check)),
        self_care_total: a.self_care_total.into(),
        dependence: a.dependence.code().to_owned(),
        bmi: r.check.bmi.map(|b| f64::from(b.tenths()) / 10.0),
        findings: a
            .findings
            .iter()
            .map(|f| pb::CheckFinding {
                finding: f.code().to_owned(),
                detail: f.detail().to_owned(),
                action: f.action().code().to_owned(),
            })
            .collect(),
        annual_check_of: a
            .annual_check_of
            .iter()
            .map(|c| c.code().to_owned())
            .collect(),
        guided: a.guided,
        explanation: a.explanation.to_string(),
        advice: r.advice.map(|a| name("advice", a)).unwrap_or_default(),
    }
}

#[tonic::async_trait]
impl Api for ElderlyCheckApi {
    async fn record_elderly_check(
        &self,
        request: Request<pb::RecordElderlyCheckRequest>,
    ) -> Result<Response<pb::ElderlyCheck>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let resident = ResidentId::from_uuid(parse_name("resident", "residents", &r.resident)?);
        let form = form(r.check)?;
        let record = self
            .checks
            .record(&who, &r.request_id, resident, form)
            .await
            .map_err(status)?;
        Ok(Response::new(to_wire(&record)))
    }

    async fn list_elderly_checks(
        &self,
        request: Request<pb::ListElderlyChecksRequest>,
    ) -> Result<Response<pb::ListElderlyChecksResponse>, Status> {
        let who = principal(&request)?;
        let parent = ResidentId::from_uuid(parse_name(
            "parent",
            "residents",
            &request.get_ref().parent,
        )?);
        let checks = self.checks.checks_of(&who, parent).await.map_err(status)?;
        Ok(Response::new(pb::ListElderlyChecksResponse {
            checks: checks.iter().map(to_wire).collect(),
        }))
    }
}
