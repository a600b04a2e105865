//! `yigong.v1.FollowUpService` over `FollowUpService` (the use cases): translation only.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::Stream;
use tonic::{Request, Response, Status};
use yigong_domain::followup::{
    AdverseReaction, Complication, Condition, DangerSign, DiabetesVisit, FollowUpPlan,
    HypertensionVisit, MentalDisorderVisit, OutreachCodeError, OutreachOutcome, Visit,
    WorklistEntry,
};
use yigong_domain::ids::{EnrolmentId, InstitutionId, PlanId, ResidentId};
use yigong_domain::measure::{BloodPressure, Glucose, HeartRate, MeasureError, Temperature};
use yigong_ports::Versioned;
use yigong_proto::v1 as pb;
use yigong_proto::v1::follow_up_service_server::FollowUpService as Api;
use yigong_service::{FollowUpService, GreenChannel, NewEnrolment, Principal, ServiceError};

use crate::personal::card_to_wire;
use crate::status::to_status;
use crate::wire::{
    code, date, etag, invalid, name, page_size, parse_code, parse_date, parse_etag, parse_name,
    parse_optional_date, principal,
};

/// The follow-up RPCs.
pub struct FollowUpApi {
    follow_ups: Arc<FollowUpService>,
}

impl FollowUpApi {
    /// Serves the use cases.
    pub fn new(follow_ups: FollowUpService) -> Self {
        Self {
            follow_ups: Arc::new(follow_ups),
        }
    }
}

/// Use-case field names as the follow-up RPCs spell them.
fn field(f: &'static str) -> String {
    match f {
        "on" => "enrol_date".to_owned(),
        "visit.date" => "visit.visit_date".to_owned(),
        other => other.to_owned(),
    }
}

fn status(e: ServiceError) -> Status {
    to_status(e, field)
}

fn condition(c: i32, mental_diagnosis: &str) -> Result<Condition, Status> {
    match pb::Condition::try_from(c) {
        Ok(pb::Condition::Hypertension) => Ok(Condition::Hypertension),
        Ok(pb::Condition::Type2Diabetes) => Ok(Condition::Type2Diabetes),
        Ok(pb::Condition::SevereMentalDisorder) => Ok(Condition::SevereMentalDisorder(parse_code(
            "mental_diagnosis",
            mental_diagnosis,
        )?)),
        _ => Err(invalid(
            "condition",
            "HYPERTENSION, TYPE2_DIABETES or SEVERE_MENTAL_DISORDER",
        )),
    }
}

fn wire_condition(c: Condition) -> pb::Condition {
    match c {
        Condition::Hypertension => pb::Condition::Hypertension,
        Condition::Type2Diabetes => pb::Condition::Type2Diabetes,
        Condition::SevereMentalDisorder(_) => pb::Condition::SevereMentalDisorder,
    }
}

/// An enrolment on the wire, with its etag.
pub(crate) fn enrolment(v: &Versioned<yigong_domain::followup::Enrolment>) -> pb::Enrolment {
    let e = &v.value;
    pb::Enrolment {
        name: name("enrolments", e.id()),
        patient: name("residents", e.patient()),
        team: name("teams", e.team()),
        condition: wire_condition(e.condition()) as i32,
        enrol_date: Some(date(e.enrolled_on())),
        close_date: e.closed().map(|(on, _)| date(on)),
        close_reason: e.closed().map(|(_, why)| code(&why)).unwrap_or_default(),
        etag: etag(v.version),
    }
}

/// A plan on the wire, with its etag.
pub(crate) fn plan(v: &Versioned<FollowUpPlan>) -> pb::FollowUpPlan {
    let p = &v.value;
    pb::FollowUpPlan {
        name: name("plans", p.id()),
        patient: name("residents", p.patient()),
        team: name("teams", p.team()),
        condition: wire_condition(p.condition()) as i32,
        due_date: Some(date(p.due())),
        state: p.state().code().to_owned(),
        origin: p.origin().code().to_owned(),
        etag: etag(v.version),
    }
}

/// The wire lines of a worklist page, each with its patient's card.
async fn lines(
    service: &FollowUpService,
    who: &Principal,
    entries: &[WorklistEntry],
) -> Result<VecDeque<pb::WorklistEntry>, ServiceError> {
    let patients: Vec<_> = entries.iter().map(|e| e.patient).collect();
    let cards = service.patient_cards(who, &patients).await?;
    Ok(entries
        .iter()
        .map(|e| entry(e, cards.get(&e.patient).map(card_to_wire)))
        .collect())
}

fn entry(e: &WorklistEntry, patient_card: Option<pb::PatientCard>) -> pb::WorklistEntry {
    pb::WorklistEntry {
        plan: name("plans", e.plan),
        patient: name("residents", e.patient),
        condition: wire_condition(e.condition) as i32,
        due_date: Some(date(e.due)),
        days_overdue: e.days_overdue,
        risk: u32::from(e.risk),
        origin: e.origin.code().to_owned(),
        patient_card,
    }
}

/// A small wire number as the domain's `u16`; larger is out of every plausible range.
fn small(field: &str, v: u32) -> Result<u16, Status> {
    u16::try_from(v).map_err(|_| invalid(field, format!("{v} is out of range")))
}

/// °C with at most one decimal, as tenths (so 39.0 stays exactly 390).
pub(crate) fn tenths(field: &str, v: f64) -> Result<u16, Status> {
    let scaled = fixed(field, v, 10.0, "one decimal")?;
    u16::try_from(scaled).map_err(|_| invalid(field, format!("{v} is out of range")))
}

/// mmol/L of glucose with at most two decimals (laboratory precision), as hundredths (so
/// 6.99 stays exactly 699, below the 7.0 threshold).
pub(crate) fn hundredths(field: &str, v: f64) -> Result<u32, Status> {
    fixed(field, v, 100.0, "two decimals")
}

/// A wire double as an exact integer of `scale` units; a value with more decimals than the
/// scale holds is refused rather than rounded (the nearest double to 6.95 is within 1e-6 of
/// it, so exact inputs pass).
fn fixed(field: &str, v: f64, scale: f64, decimals: &str) -> Result<u32, Status> {
    let scaled = v * scale;
    let rounded = scaled.round();
    if !v.is_finite()
        || (scaled - rounded).abs() > 1e-6
        || !(0.0..=f64::from(u32::MAX)).contains(&rounded)
    {
        return Err(invalid(
            field,
            format!("{v} is not a value with at most {decimals}"),
        ));
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "range checked above"
    )]
    Ok(rounded as u32)
}

fn measure(field: &str) -> impl Fn(MeasureError) -> Status + '_ {
    move |e| invalid(field, e.to_string())
}

fn bp(prefix: &str, systolic: u32, diastolic: u32) -> Result<BloodPressure, Status> {
    let sbp = small(&format!("{prefix}.systolic"), systolic)?;
    let dbp = small(&format!("{prefix}.diastolic"), diastolic)?;
    BloodPressure::new(sbp, dbp).map_err(|e| {
        let which = match e {
            MeasureError::SystolicOutOfRange(_) => "systolic",
            _ => "diastolic",
        };
        invalid(&format!("{prefix}.{which}"), e.to_string())
    })
}

fn heart_rate(field: &str, v: u32) -> Result<Option<HeartRate>, Status> {
    if v == 0 {
        return Ok(None);
    }
    HeartRate::new(small(field, v)?)
        .map(Some)
        .map_err(measure(field))
}

fn signs(prefix: &str, codes: &[String]) -> Result<yigong_domain::followup::DangerSigns, Status> {
    codes
        .iter()
        .enumerate()
        .map(|(i, c)| parse_code::<DangerSign>(&format!("{prefix}.danger_signs[{i}]"), c))
        .collect()
}

fn or_default<T: serde::de::DeserializeOwned + Default>(field: &str, c: &str) -> Result<T, Status> {
    if c.is_empty() {
        Ok(T::default())
    } else {
        parse_code(field, c)
    }
}

fn visit(v: Option<pb::FollowUpVisit>) -> Result<Visit, Status> {
    let v = v.ok_or_else(|| invalid("visit", "required"))?;
    let on = parse_date("visit.visit_date", v.visit_date)?;
    let mode = match pb::ContactMode::try_from(v.mode) {
        Ok(pb::ContactMode::Clinic) => yigong_domain::followup::ContactMode::Clinic,
        Ok(pb::ContactMode::Home) => yigong_domain::followup::ContactMode::Home,
        Ok(pb::ContactMode::Phone) => yigong_domain::followup::ContactMode::Phone,
        _ => return Err(invalid("visit.mode", "CLINIC, HOME or PHONE")),
    };
    match v.kind {
        Some(pb::follow_up_visit::Kind::Hypertension(h)) => {
            let p = "visit.hypertension";
            Ok(Visit::Hypertension(HypertensionVisit {
                date: on,
                mode,
                bp: bp(p, h.systolic, h.diastolic)?,
                heart_rate: heart_rate(&format!("{p}.heart_rate"), h.heart_rate)?,
                signs: signs(p, &h.danger_signs)?,
                adverse_reaction: or_default::<AdverseReaction>(
                    &format!("{p}.adverse_reaction"),
                    &h.adverse_reaction,
                )?,
                complication: or_default::<Complication>(
                    &format!("{p}.complication"),
                    &h.complication,
                )?,
            }))
        }
        Some(pb::follow_up_visit::Kind::Diabetes(d)) => {
            let p = "visit.diabetes";
            let glucose = |f: &str, v: f64| {
                let field = format!("{p}.{f}");
                Glucose::from_hundredths(hundredths(&field, v)?)
                    .map_err(|e| invalid(&field, e.to_string()))
            };
            let measured_bp = match (d.systolic, d.diastolic) {
                (0, 0) => None,
                (s, dia) => Some(bp(p, s, dia)?),
            };
            let temperature = if d.temperature == 0.0 {
                None
            } else {
                let field = format!("{p}.temperature");
                Some(
                    Temperature::from_tenths(tenths(&field, d.temperature)?)
                        .map_err(|e| invalid(&field, e.to_string()))?,
                )
            };
            Ok(Visit::Diabetes(DiabetesVisit {
                date: on,
                mode,
                fasting_glucose: glucose("fasting_glucose", d.fasting_glucose)?,
                random_glucose: if d.random_glucose == 0.0 {
                    None
                } else {
                    Some(glucose("random_glucose", d.random_glucose)?)
                },
                bp: measured_bp,
                heart_rate: heart_rate(&format!("{p}.heart_rate"), d.heart_rate)?,
                temperature,
                signs: signs(p, &d.danger_signs)?,
                adverse_reaction: or_default::<AdverseReaction>(
                    &format!("{p}.adverse_reaction"),
                    &d.adverse_reaction,
                )?,
                complication: or_default::<Complication>(
                    &format!("{p}.complication"),
                    &d.complication,
                )?,
            }))
        }
        Some(pb::follow_up_visit::Kind::MentalDisorder(m)) => {
            let p = "visit.mental_disorder";
            let level = u8::try_from(m.dangerousness).unwrap_or(u8::MAX);
            Ok(Visit::MentalDisorder(MentalDisorderVisit {
                date: on,
                mode,
                dangerousness: level.try_into().map_err(
                    |e: yigong_domain::followup::DangerousnessError| {
                        invalid(&format!("{p}.dangerousness"), e.to_string())
                    },
                )?,
                symptoms: parse_code(&format!("{p}.symptoms"), &m.symptoms)?,
                insight: parse_code(&format!("{p}.insight"), &m.insight)?,
                social_function: parse_code(&format!("{p}.social_function"), &m.social_function)?,
                serious_adverse_reaction: m.serious_adverse_reaction,
                serious_physical_illness: m.serious_physical_illness,
            }))
        }
        None => Err(invalid(
            "visit.kind",
            "one of hypertension, diabetes or mental_disorder",
        )),
    }
}

/// The streamed worklist: pages read on demand, so a slow client holds one page, not the list.
type WorklistStream = Pin<Box<dyn Stream<Item = Result<pb::WorklistEntry, Status>> + Send>>;

struct Cursor {
    service: Arc<FollowUpService>,
    who: Principal,
    on: time::Date,
    buffered: VecDeque<pb::WorklistEntry>,
    next: Option<String>,
    done: bool,
}

/// Page size of the streamed worklist's server-side reads.
const STREAM_PAGE: u32 = 200;

#[tonic::async_trait]
impl Api for FollowUpApi {
    async fn enrol_patient(
        &self,
        request: Request<pb::EnrolPatientRequest>,
    ) -> Result<Response<pb::EnrolPatientResponse>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let cmd = NewEnrolment {
            patient: ResidentId::from_uuid(parse_name("patient", "residents", &r.patient)?),
            condition: condition(r.condition, &r.mental_diagnosis)?,
            confirmed_by: InstitutionId::from_uuid(parse_name(
                "confirmed_by",
                "institutions",
                &r.confirmed_by,
            )?),
            confirmed_on: parse_date("confirm_date", r.confirm_date)?,
            on: parse_date("enrol_date", r.enrol_date)?,
        };
        let (enrolment, first) = self.follow_ups.enrol(&who, cmd).await.map_err(status)?;
        Ok(Response::new(pb::EnrolPatientResponse {
            enrolment: name("enrolments", enrolment.value.id()),
            plan: Some(plan(&first)),
        }))
    }

    async fn record_follow_up_visit(
        &self,
        request: Request<pb::RecordFollowUpVisitRequest>,
    ) -> Result<Response<pb::RecordFollowUpVisitResponse>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let plan_id = PlanId::from_uuid(parse_name("plan", "plans", &r.plan)?);
        let visit = visit(r.visit)?;
        let expected = parse_etag(&r.etag)?;
        let green = r
            .emergency_referral
            .map(|g| {
                Ok::<_, Status>(GreenChannel {
                    to: InstitutionId::from_uuid(parse_name(
                        "emergency_referral.to_institution",
                        "institutions",
                        &g.to_institution,
                    )?),
                    slip: crate::referral::slip("emergency_referral.slip", g.slip)?,
                })
            })
            .transpose()?;
        let recorded = self
            .follow_ups
            .record_visit(&who, plan_id, visit, green, expected)
            .await
            .map_err(status)?;
        let a = &recorded.assessment;
        Ok(Response::new(pb::RecordFollowUpVisitResponse {
            visit: name("visits", recorded.visit),
            classification: code(&a.class),
            done: Some(plan(&recorded.done)),
            next: Some(plan(&recorded.next)),
            referral_urgency: a.referral.map(|n| code(&n.urgency)).unwrap_or_default(),
            referral_reason: a
                .referral
                .map(|n| n.reason.code().to_owned())
                .unwrap_or_default(),
            explanation: a.explanation.to_string(),
            referral: recorded
                .referral
                .map(|r| name("referrals", r.value.id()))
                .unwrap_or_default(),
            advice: recorded
                .advice
                .map(|a| name("advice", a.value.id()))
                .unwrap_or_default(),
        }))
    }

    async fn record_outreach(
        &self,
        request: Request<pb::RecordOutreachRequest>,
    ) -> Result<Response<pb::FollowUpPlan>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let plan_id = PlanId::from_uuid(parse_name("plan", "plans", &r.plan)?);
        let on = parse_date("outreach_date", r.outreach_date)?;
        let remind_on = r
            .remind_date
            .map(|d| parse_date("remind_date", Some(d)))
            .transpose()?;
        let outcome = OutreachOutcome::from_code(&r.outcome, remind_on).map_err(|e| match e {
            OutreachCodeError::Unknown => invalid("outcome", e.to_string()),
            OutreachCodeError::RemindOnMissing => invalid("remind_date", e.to_string()),
        })?;
        let updated = self
            .follow_ups
            .record_outreach(&who, plan_id, on, outcome, parse_etag(&r.etag)?)
            .await
            .map_err(|e| {
                to_status(e, |f| match f {
                    "on" => "outreach_date".to_owned(),
                    other => other.to_owned(),
                })
            })?;
        Ok(Response::new(plan(&updated)))
    }

    async fn close_enrolment(
        &self,
        request: Request<pb::CloseEnrolmentRequest>,
    ) -> Result<Response<pb::Enrolment>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let id = EnrolmentId::from_uuid(parse_name("enrolment", "enrolments", &r.enrolment)?);
        let closed = self
            .follow_ups
            .close_enrolment(
                &who,
                id,
                parse_date("close_date", r.close_date)?,
                parse_code("reason", &r.reason)?,
                parse_etag(&r.etag)?,
            )
            .await
            .map_err(|e| {
                to_status(e, |f| match f {
                    "on" => "close_date".to_owned(),
                    other => other.to_owned(),
                })
            })?;
        Ok(Response::new(enrolment(&closed)))
    }

    async fn list_overdue_worklist(
        &self,
        request: Request<pb::ListOverdueWorklistRequest>,
    ) -> Result<Response<pb::ListOverdueWorklistResponse>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let on = parse_optional_date("date", r.date)?.unwrap_or_else(|| self.follow_ups.today());
        let size = page_size(r.page_size)?;
        let token = (!r.page_token.is_empty()).then_some(r.page_token.as_str());
        let page = self
            .follow_ups
            .overdue_worklist(&who, on, size, token)
            .await
            .map_err(status)?;
        let entries = lines(&self.follow_ups, &who, &page.items)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListOverdueWorklistResponse {
            entries: entries.into(),
            next_page_token: page.next.unwrap_or_default(),
        }))
    }

    type StreamOverdueWorklistStream = WorklistStream;

    async fn stream_overdue_worklist(
        &self,
        request: Request<pb::StreamOverdueWorklistRequest>,
    ) -> Result<Response<Self::StreamOverdueWorklistStream>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let on = parse_optional_date("date", r.date)?.unwrap_or_else(|| self.follow_ups.today());
        // The first page is read before answering, so a caller without a team gets its error
        // as the call's status rather than mid-stream.
        let first = self
            .follow_ups
            .overdue_worklist(&who, on, STREAM_PAGE, None)
            .await
            .map_err(status)?;
        let buffered = lines(&self.follow_ups, &who, &first.items)
            .await
            .map_err(status)?;
        let cursor = Cursor {
            service: self.follow_ups.clone(),
            who,
            on,
            done: first.next.is_none(),
            next: first.next,
            buffered,
        };
        let stream = futures_util::stream::unfold(cursor, |mut c| async move {
            loop {
                if let Some(e) = c.buffered.pop_front() {
                    return Some((Ok(e), c));
                }
                if c.done {
                    return None;
                }
                match c
                    .service
                    .overdue_worklist(&c.who, c.on, STREAM_PAGE, c.next.as_deref())
                    .await
                {
                    Ok(page) => match lines(&c.service, &c.who, &page.items).await {
                        Ok(buffered) => {
                            c.done = page.next.is_none();
                            c.next = page.next;
                            c.buffered = buffered;
                        }
                        Err(e) => {
                            c.done = true;
                            return Some((Err(status(e)), c));
                        }
                    },
                    Err(e) => {
                        c.done = true;
                        return Some((Err(status(e)), c));
                    }
                }
            }
        });
        Ok(Response::new(Box::pin(stream)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One spelling per vocabulary: every condition comes back from its wire value, and every
    /// outreach code the domain defines is accepted and names its own outcome.
    #[test]
    fn every_follow_up_code_round_trips_through_the_wire() {
        for c in [
            Condition::Hypertension,
            Condition::Type2Diabetes,
            Condition::SevereMentalDisorder(
                yigong_domain::followup::MentalDiagnosis::Schizophrenia,
            ),
        ] {
            assert_eq!(
                condition(wire_condition(c) as i32, "schizophrenia").unwrap(),
                c
            );
        }
        let remind = Some(time::macros::date!(2026 - 03 - 01));
        for code in OutreachOutcome::CODES {
            let outcome = OutreachOutcome::from_code(code, remind).unwrap();
            assert_eq!(outcome.code(), *code);
        }
        assert_eq!(
            OutreachOutcome::from_code("reached", None),
            Err(OutreachCodeError::RemindOnMissing)
        );
    }

    #[test]
    fn decimals_become_exact_tenths_and_anything_else_is_refused() {
        assert_eq!(tenths("g", 7.0).unwrap(), 70);
        assert_eq!(tenths("g", 6.1).unwrap(), 61);
        assert_eq!(tenths("g", 16.7).unwrap(), 167);
        for bad in [6.95, -1.0, f64::NAN, f64::INFINITY, 1e9] {
            let status = tenths("g", bad).unwrap_err();
            assert_eq!(status.code(), tonic::Code::InvalidArgument, "{bad}");
        }
    }

    #[test]
    fn glucose_keeps_two_decimals_exactly() {
        assert_eq!(hundredths("g", 6.99).unwrap(), 699);
        assert_eq!(hundredths("g", 6.95).unwrap(), 695);
        assert_eq!(hundredths("g", 16.7).unwrap(), 1670);
        assert_eq!(hundredths("g", 11.1).unwrap(), 1110);
        for bad in [6.955, -1.0, f64::NAN, f64::NEG_INFINITY, 1e12] {
            let status = hundredths("g", bad).unwrap_err();
            assert_eq!(status.code(), tonic::Code::InvalidArgument, "{bad}");
        }
    }
}
