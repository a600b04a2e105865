//! `yigong.v1.ReferralService` over `ReferralService` (the use cases): translation only.

use tonic::{Request, Response, Status};
use yigong_domain::ids::{CommunityId, DiagnosisRequestId, InstitutionId, ReferralId, ResidentId};
use yigong_domain::referral::{
    Appointment, Diagnosis, Direction, DischargeSummary, ExternalEvidence, ReasonCode, Receiving,
    Referral, ReferralError, ReferralState, SlipError, SlotKind, StateName, Urgency,
};
use yigong_ports::{ReferralParty, Versioned};
use yigong_proto::v1 as pb;
use yigong_proto::v1::referral_service_server::ReferralService as Api;
use yigong_service::{
    NewReferral, Principal, Recognitions, ReferralListing, ReferralService, ReferralView,
    ResultInput, ServiceError,
};

use crate::personal::card_to_wire;
use crate::status::to_status;
use crate::wire::{
    code, date, etag, invalid, name, page_size, parse_date, parse_etag, parse_name,
    parse_optional_date, parse_optional_name, parse_timestamp, principal, timestamp,
};

/// The referral RPCs.
pub struct ReferralApi {
    referrals: ReferralService,
}

impl ReferralApi {
    /// Serves the use cases.
    pub fn new(referrals: ReferralService) -> Self {
        Self { referrals }
    }
}

/// Use-case field names as the referral RPCs spell them.
fn field(f: &'static str) -> String {
    match f {
        "to" => "to_institution".to_owned(),
        other => other.to_owned(),
    }
}

fn status(e: ServiceError) -> Status {
    to_status(e, field)
}

fn referral_id(name: &str) -> Result<ReferralId, Status> {
    parse_name("name", "referrals", name).map(ReferralId::from_uuid)
}

fn direction(d: i32) -> Result<Direction, Status> {
    match pb::Direction::try_from(d) {
        Ok(pb::Direction::Upward) => Ok(Direction::Upward),
        Ok(pb::Direction::Downward) => Ok(Direction::Downward),
        _ => Err(invalid("direction", "UPWARD or DOWNWARD")),
    }
}

/// A list's view; unspecified is the inbox (what every client before views asked for).
pub(crate) fn referral_view(v: i32) -> Result<ReferralView, Status> {
    match pb::ReferralView::try_from(v) {
        Ok(pb::ReferralView::Unspecified | pb::ReferralView::Inbox) => Ok(ReferralView::Inbox),
        Ok(pb::ReferralView::Sent) => Ok(ReferralView::Sent),
        Ok(pb::ReferralView::Community) => Ok(ReferralView::Community),
        Err(_) => Err(invalid("view", "INBOX, SENT or COMMUNITY")),
    }
}

fn urgency(u: i32) -> Result<Urgency, Status> {
    match pb::Urgency::try_from(u) {
        Ok(pb::Urgency::Routine) => Ok(Urgency::Routine),
        Ok(pb::Urgency::Emergency) => Ok(Urgency::Emergency),
        _ => Err(invalid("urgency", "ROUTINE or EMERGENCY")),
    }
}

fn slot(s: i32) -> Result<SlotKind, Status> {
    match pb::SlotKind::try_from(s) {
        Ok(pb::SlotKind::Reserved) => Ok(SlotKind::Reserved),
        Ok(pb::SlotKind::General) => Ok(SlotKind::General),
        Ok(pb::SlotKind::Bed) => Ok(SlotKind::Bed),
        _ => Err(invalid("appointment.slot", "RESERVED, GENERAL or BED")),
    }
}

fn state_name(s: i32) -> Result<StateName, Status> {
    Ok(match pb::State::try_from(s) {
        Ok(pb::State::AwaitingApproval) => StateName::AwaitingApproval,
        Ok(pb::State::Requested) => StateName::Requested,
        Ok(pb::State::Accepted) => StateName::Accepted,
        Ok(pb::State::Rejected) => StateName::Rejected,
        Ok(pb::State::Cancelled) => StateName::Cancelled,
        Ok(pb::State::Arrived) => StateName::Arrived,
        Ok(pb::State::Completed) => StateName::Completed,
        Ok(pb::State::Closed) => StateName::Closed,
        _ => return Err(invalid("states", "a named state")),
    })
}

fn wire_state(s: StateName) -> pb::State {
    match s {
        StateName::AwaitingApproval => pb::State::AwaitingApproval,
        StateName::Requested => pb::State::Requested,
        StateName::Accepted => pb::State::Accepted,
        StateName::Rejected => pb::State::Rejected,
        StateName::Cancelled => pb::State::Cancelled,
        StateName::Arrived => pb::State::Arrived,
        StateName::Completed => pb::State::Completed,
        StateName::Closed => pb::State::Closed,
    }
}

/// A slip part refused by the domain, named by its wire path under `under` (the message it
/// sits in: `slip`, `emergency_referral.slip`, `slip.preliminary_diagnosis`, `receiver`).
fn slip_invalid(under: &str, e: SlipError) -> Status {
    let leaf = e.field.strip_prefix("diagnosis.").unwrap_or(e.field);
    let field = if leaf.starts_with(&format!("{under}.")) {
        leaf.to_owned()
    } else {
        format!("{under}.{leaf}")
    };
    invalid(&field, e.reason)
}

/// A diagnosis from the wire; `under` is its wire path for errors.
fn diagnosis(under: &str, d: Option<pb::Diagnosis>) -> Result<Diagnosis, Status> {
    let d = d.ok_or_else(|| invalid(under, "required"))?;
    Diagnosis::new(&d.code, &d.text).map_err(|e| slip_invalid(under, e))
}

/// A slip from the wire; `under` is its wire path for errors (`slip`,
/// `emergency_referral.slip`).
pub(crate) fn slip(
    under: &str,
    s: Option<pb::Slip>,
) -> Result<yigong_domain::referral::Slip, Status> {
    let s = s.ok_or_else(|| invalid(under, "required"))?;
    let dx = diagnosis(
        &format!("{under}.preliminary_diagnosis"),
        s.preliminary_diagnosis,
    )?;
    yigong_domain::referral::Slip::new(dx, &s.chief_complaint, &s.history, &s.requested_department)
        .map_err(|e| slip_invalid(under, e))
}

/// A test result from the wire; `at` is its wire path (`results[2]`, `result`).
fn result_input(at: &str, r: pb::TestResult) -> Result<ResultInput, Status> {
    Ok(ResultInput {
        test: r.test,
        taken_on: parse_date(&format!("{at}.taken_date"), r.taken_date)?,
        by: InstitutionId::from_uuid(parse_name(
            &format!("{at}.issuing_institution"),
            "institutions",
            &r.issuing_institution,
        )?),
        value: r.value,
        report: r.report_reference,
    })
}

fn wire_diagnosis(d: &Diagnosis) -> pb::Diagnosis {
    pb::Diagnosis {
        code: d.code().as_str().to_owned(),
        text: d.text().to_owned(),
    }
}

fn wire_slip(s: &yigong_domain::referral::Slip) -> pb::Slip {
    pb::Slip {
        preliminary_diagnosis: Some(wire_diagnosis(s.diagnosis())),
        chief_complaint: s.chief_complaint().to_owned(),
        history: s.history().unwrap_or_default().to_owned(),
        requested_department: s
            .department()
            .map(|d| d.as_str().to_owned())
            .unwrap_or_default(),
    }
}

fn wire_results(r: &Referral, judge: &Recognitions) -> Vec<pb::AttachedResult> {
    r.attachments()
        .iter()
        .zip(judge.judge(r))
        .map(|(a, j)| pb::AttachedResult {
            result: Some(pb::TestResult {
                test: a.test.as_str().to_owned(),
                taken_date: Some(date(a.taken_on)),
                issuing_institution: name("institutions", a.by),
                value: a.value.clone().unwrap_or_default(),
                report_reference: a.report.clone().unwrap_or_default(),
            }),
            recognition: if j.recognised {
                pb::Recognition::Recognised
            } else {
                pb::Recognition::Repeat
            } as i32,
            valid_until: j.valid_until.map(date),
            judged_date: Some(date(j.judged_on)),
            rule: j.rule.code().to_owned(),
        })
        .collect()
}

fn wire_figures(f: yigong_domain::indicator::ReferralFigures) -> pb::ReferralFigures {
    pb::ReferralFigures {
        upward: f.upward,
        downward: f.downward,
        answered: f.answered,
        answered_in_time: f.answered_in_time,
        median_answer_minutes: f.median_answer_minutes,
        escalated: f.escalated,
        rejected: f.rejected.into_iter().collect(),
        completed: f.completed,
        reported_back: f.reported_back,
        results_recognised: f.results_recognised,
        results_repeated: f.results_repeated,
        follow_ups_due: f.follow_ups_due,
        follow_ups_done: f.follow_ups_done,
        follow_ups_unplanned: f.follow_ups_unplanned,
    }
}

/// A referral as the wire shows it, its results judged by `judge`.
pub(crate) fn to_wire(v: Versioned<Referral>, judge: &Recognitions) -> pb::Referral {
    let r = &v.value;
    let report = match r.state() {
        ReferralState::Completed { summary, at } => Some(pb::Report {
            discharge_diagnosis: summary.diagnosis().map(wire_diagnosis),
            summary: summary.summary().to_owned(),
            rehabilitation_guidance: summary.rehabilitation_guidance().to_owned(),
            complete_time: Some(timestamp(*at)),
        }),
        _ => None,
    };
    let (appointment, closing_reason) = match r.state() {
        ReferralState::Accepted { appointment } => (
            Some(pb::Appointment {
                time: Some(timestamp(appointment.at)),
                slot: match appointment.slot {
                    SlotKind::Reserved => pb::SlotKind::Reserved,
                    SlotKind::General => pb::SlotKind::General,
                    SlotKind::Bed => pb::SlotKind::Bed,
                } as i32,
            }),
            String::new(),
        ),
        ReferralState::Rejected { reason } | ReferralState::Cancelled { reason } => {
            (None, reason.clone())
        }
        ReferralState::Closed { evidence } => (None, code(evidence)),
        _ => (None, String::new()),
    };
    pb::Referral {
        name: name("referrals", r.id()),
        patient: name("residents", r.patient()),
        from_institution: name("institutions", r.from()),
        to_institution: name("institutions", r.to()),
        direction: match r.direction() {
            Direction::Upward => pb::Direction::Upward,
            Direction::Downward => pb::Direction::Downward,
        } as i32,
        urgency: match r.urgency() {
            Urgency::Routine => pb::Urgency::Routine,
            Urgency::Emergency => pb::Urgency::Emergency,
        } as i32,
        reasons: r.reasons().iter().map(|c| c.code().to_owned()).collect(),
        state: wire_state(r.state().name()) as i32,
        request_time: Some(timestamp(r.requested_at())),
        respond_by_time: r.respond_by().map(timestamp),
        escalated: r.escalated(),
        appointment,
        closing_reason,
        etag: etag(v.version),
        patient_card: None,
        slip: r.slip().map(wire_slip),
        receiver: r.receiving().map(|g| pb::Receiver {
            department: g.department().as_str().to_owned(),
            doctor: g.doctor().unwrap_or_default().to_owned(),
        }),
        report,
        results: wire_results(r, judge),
        arrive_by_time: r.arrive_by().map(timestamp),
        arrival_missed: r.arrival_missed(),
        session: r.session().map(|s| name("sessions", s)).unwrap_or_default(),
        answer_time: r.answered_at().map(timestamp),
        sender_follow_up: r.sender_follow_up().map(|f| pb::SenderFollowUp {
            due_date: Some(date(f.due)),
            plans: f.plans.iter().map(|p| name("plans", p)).collect(),
        }),
        arrive_time: r.arrived_at().map(timestamp),
    }
}

/// A transition request: which referral, at which version.
trait Targeted {
    fn name(&self) -> &str;
    fn etag(&self) -> &str;
}

macro_rules! targeted {
    ($($request:ty),+) => {$(
        impl Targeted for $request {
            fn name(&self) -> &str {
                &self.name
            }
            fn etag(&self) -> &str {
                &self.etag
            }
        }
    )+};
}

targeted!(
    pb::ApproveReferralRequest,
    pb::AcceptReferralRequest,
    pb::RejectReferralRequest,
    pb::CancelReferralRequest,
    pb::ArriveReferralRequest,
    pb::CompleteReferralRequest,
    pb::AttachResultRequest,
    pb::CloseReferralRequest
);

/// The caller, the referral, the version it expects, and the rest of the request.
fn target<T: Targeted>(
    request: Request<T>,
) -> Result<(Principal, ReferralId, Option<i64>, T), Status> {
    let who = principal(&request)?;
    let r = request.into_inner();
    let id = referral_id(r.name())?;
    let expected = parse_etag(r.etag())?;
    Ok((who, id, expected, r))
}

impl ReferralApi {
    fn reply(
        &self,
        result: Result<Versioned<Referral>, ServiceError>,
    ) -> Result<Response<pb::Referral>, Status> {
        let judge = self.referrals.recognitions();
        result
            .map(|v| Response::new(to_wire(v, &judge)))
            .map_err(status)
    }
}

#[tonic::async_trait]
impl Api for ReferralApi {
    async fn create_referral(
        &self,
        request: Request<pb::CreateReferralRequest>,
    ) -> Result<Response<pb::Referral>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let reasons = r
            .reasons
            .iter()
            .enumerate()
            .map(|(i, code)| {
                ReasonCode::from_code(code).ok_or_else(|| {
                    invalid(
                        &format!("reasons[{i}]"),
                        format!("unknown reason {}", yigong_domain::text::excerpt(code)),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let cmd = NewReferral {
            request_id: r.request_id,
            patient: ResidentId::from_uuid(parse_name("patient", "residents", &r.patient)?),
            to: InstitutionId::from_uuid(parse_name(
                "to_institution",
                "institutions",
                &r.to_institution,
            )?),
            direction: direction(r.direction)?,
            urgency: urgency(r.urgency)?,
            reasons,
            slip: slip("slip", r.slip)?,
            results: r
                .results
                .into_iter()
                .enumerate()
                .map(|(i, t)| result_input(&format!("results[{i}]"), t))
                .collect::<Result<_, _>>()?,
        };
        self.reply(self.referrals.create(&who, cmd).await)
    }

    async fn get_referral(
        &self,
        request: Request<pb::GetReferralRequest>,
    ) -> Result<Response<pb::Referral>, Status> {
        let who = principal(&request)?;
        let id = referral_id(&request.get_ref().name)?;
        self.reply(self.referrals.get(&who, id).await)
    }

    async fn list_referrals(
        &self,
        request: Request<pb::ListReferralsRequest>,
    ) -> Result<Response<pb::ListReferralsResponse>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let listing = ReferralListing {
            view: referral_view(r.view)?,
            states: r
                .states
                .iter()
                .map(|s| state_name(*s))
                .collect::<Result<Vec<_>, _>>()?,
            direction: match r.direction {
                0 => None,
                d => Some(direction(d)?),
            },
            patient: parse_optional_name("patient", "residents", &r.patient)?
                .map(ResidentId::from_uuid),
            requested_from: parse_optional_date("requested_from", r.requested_from)?,
            requested_to: parse_optional_date("requested_to", r.requested_to)?,
        };
        let page_size = page_size(r.page_size)?;
        let token = (!r.page_token.is_empty()).then_some(r.page_token);
        let page = self
            .referrals
            .list(&who, &listing, page_size, token)
            .await
            .map_err(|e| match e {
                // The store does not know the token it was handed: the client's mistake.
                ServiceError::NotFound(_) => invalid("page_token", "not a token this list issued"),
                other => status(other),
            })?;
        let patients: Vec<_> = page.items.iter().map(|r| r.value.patient()).collect();
        let judge = self.referrals.recognitions();
        let cards = self
            .referrals
            .patient_cards(&who, &patients)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListReferralsResponse {
            referrals: page
                .items
                .into_iter()
                .map(|r| {
                    let card = cards.get(&r.value.patient()).map(card_to_wire);
                    pb::Referral {
                        patient_card: card,
                        ..to_wire(r, &judge)
                    }
                })
                .collect(),
            next_page_token: page.next.unwrap_or_default(),
        }))
    }

    async fn approve_referral(
        &self,
        request: Request<pb::ApproveReferralRequest>,
    ) -> Result<Response<pb::Referral>, Status> {
        let (who, id, expected, _) = target(request)?;
        self.reply(self.referrals.approve(&who, id, expected).await)
    }

    async fn accept_referral(
        &self,
        request: Request<pb::AcceptReferralRequest>,
    ) -> Result<Response<pb::Referral>, Status> {
        let (who, id, expected, r) = target(request)?;
        let a = r
            .appointment
            .ok_or_else(|| invalid("appointment", "required"))?;
        let appointment = Appointment {
            at: parse_timestamp("appointment.time", a.time)?,
            slot: slot(a.slot)?,
        };
        let g = r.receiver.ok_or_else(|| invalid("receiver", "required"))?;
        let receiving =
            Receiving::new(&g.department, &g.doctor).map_err(|e| slip_invalid("receiver", e))?;
        let session = parse_optional_name("session", "sessions", &r.session)?
            .map(yigong_domain::ids::SessionId::from_uuid);
        self.reply(
            self.referrals
                .accept(&who, id, appointment, receiving, session, expected)
                .await,
        )
    }

    async fn reject_referral(
        &self,
        request: Request<pb::RejectReferralRequest>,
    ) -> Result<Response<pb::Referral>, Status> {
        let (who, id, expected, r) = target(request)?;
        self.reply(self.referrals.reject(&who, id, &r.reason, expected).await)
    }

    async fn cancel_referral(
        &self,
        request: Request<pb::CancelReferralRequest>,
    ) -> Result<Response<pb::Referral>, Status> {
        let (who, id, expected, r) = target(request)?;
        self.reply(self.referrals.cancel(&who, id, &r.reason, expected).await)
    }

    async fn arrive_referral(
        &self,
        request: Request<pb::ArriveReferralRequest>,
    ) -> Result<Response<pb::Referral>, Status> {
        let (who, id, expected, _) = target(request)?;
        self.reply(self.referrals.arrive(&who, id, expected).await)
    }

    async fn complete_referral(
        &self,
        request: Request<pb::CompleteReferralRequest>,
    ) -> Result<Response<pb::Referral>, Status> {
        let (who, id, expected, r) = target(request)?;
        let dx = diagnosis("discharge_diagnosis", r.discharge_diagnosis)?;
        let summary =
            DischargeSummary::new(dx, &r.summary, &r.rehabilitation_guidance).map_err(|e| {
                let field = match e {
                    ReferralError::Missing("rehabilitation guidance") => "rehabilitation_guidance",
                    _ => "summary",
                };
                invalid(field, e.to_string())
            })?;
        self.reply(self.referrals.complete(&who, id, summary, expected).await)
    }

    async fn close_referral(
        &self,
        request: Request<pb::CloseReferralRequest>,
    ) -> Result<Response<pb::Referral>, Status> {
        let (who, id, expected, r) = target(request)?;
        let evidence = match pb::ClosingEvidence::try_from(r.evidence) {
            Ok(pb::ClosingEvidence::PatientDied) => ExternalEvidence::PatientDied,
            Ok(pb::ClosingEvidence::AdmittedElsewhere) => ExternalEvidence::AdmittedElsewhere,
            _ => return Err(invalid("evidence", "PATIENT_DIED or ADMITTED_ELSEWHERE")),
        };
        self.reply(self.referrals.close(&who, id, evidence, expected).await)
    }

    async fn get_referral_figures(
        &self,
        request: Request<pb::GetReferralFiguresRequest>,
    ) -> Result<Response<pb::ReferralFiguresReport>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let from = parse_date("from_date", r.from_date)?;
        let to = parse_date("to_date", r.to_date)?;
        let figures = |party| self.referrals.figures(&who, party, from, to);
        let report = if r.scope.starts_with("communities/") {
            let community = parse_name("scope", "communities", &r.scope)?;
            pb::ReferralFiguresReport {
                all: Some(wire_figures(
                    figures(ReferralParty::Community(CommunityId::from_uuid(community)))
                        .await
                        .map_err(status)?,
                )),
                ..Default::default()
            }
        } else {
            let institution =
                InstitutionId::from_uuid(parse_name("scope", "institutions", &r.scope)?);
            pb::ReferralFiguresReport {
                sent: Some(wire_figures(
                    figures(ReferralParty::SentBy(institution))
                        .await
                        .map_err(status)?,
                )),
                received: Some(wire_figures(
                    figures(ReferralParty::ReceivedBy(institution))
                        .await
                        .map_err(status)?,
                )),
                all: None,
            }
        };
        Ok(Response::new(report))
    }

    async fn attach_result(
        &self,
        request: Request<pb::AttachResultRequest>,
    ) -> Result<Response<pb::Referral>, Status> {
        let (who, id, expected, r) = target(request)?;
        if !r.diagnostic_report.is_empty() {
            if r.result.is_some() {
                return Err(invalid(
                    "diagnostic_report",
                    "give a result or a diagnostic report, not both",
                ));
            }
            let report = parse_name(
                "diagnostic_report",
                "diagnosis-requests",
                &r.diagnostic_report,
            )
            .map(DiagnosisRequestId::from_uuid)?;
            return self.reply(
                self.referrals
                    .attach_report(&who, id, report, "diagnostic_report", expected)
                    .await,
            );
        }
        let result = result_input(
            "result",
            r.result
                .ok_or_else(|| invalid("result", "required (or a diagnostic_report)"))?,
        )?;
        self.reply(self.referrals.attach(&who, id, result, expected).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One spelling per vocabulary: every state, direction and urgency of the domain has its
    /// wire value and comes back from it unchanged.
    #[test]
    fn every_referral_code_round_trips_through_the_wire() {
        for &s in StateName::ALL {
            assert_eq!(state_name(wire_state(s) as i32).unwrap(), s);
        }
        for &d in Direction::ALL {
            let wire = match d {
                Direction::Upward => pb::Direction::Upward,
                Direction::Downward => pb::Direction::Downward,
            };
            assert_eq!(direction(wire as i32).unwrap(), d);
        }
        for &u in Urgency::ALL {
            let wire = match u {
                Urgency::Routine => pb::Urgency::Routine,
                Urgency::Emergency => pb::Urgency::Emergency,
            };
            assert_eq!(urgency(wire as i32).unwrap(), u);
        }
        assert!(state_name(0).is_err(), "the unspecified state is no state");
    }
}
