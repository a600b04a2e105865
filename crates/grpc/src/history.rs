//! `yigong.v1.HistoryService`: a patient's enrolments, plans, visits and screening results.
//! Translation only; the history use cases check who sees the patient and audit each read.

use std::sync::Arc;

use tonic::{Request, Response, Status};
use yigong_domain::followup::{ContactMode, PlanStatus};
use yigong_domain::ids::{EnrolmentId, PlanId, ResidentId};
use yigong_ports::VisitRecord;
use yigong_proto::v1 as pb;
use yigong_proto::v1::history_service_server::HistoryService as HistoryApiTrait;
use yigong_service::{HistoryService, PatientSummary, ServiceError};

use crate::followup::{enrolment, plan};
use crate::screening::to_wire;
use crate::status::{same_name, to_status};
use crate::wire::{code, date, name, parse_name, principal};

fn status(e: ServiceError) -> Status {
    to_status(e, same_name)
}

/// The patient a list names (`parent`).
fn parent(raw: &str) -> Result<ResidentId, Status> {
    Ok(ResidentId::from_uuid(parse_name(
        "parent",
        "residents",
        raw,
    )?))
}

fn visit(v: &VisitRecord) -> pb::RecordedFollowUpVisit {
    let mode = match v.visit.mode() {
        ContactMode::Clinic => pb::ContactMode::Clinic,
        ContactMode::Home => pb::ContactMode::Home,
        ContactMode::Phone => pb::ContactMode::Phone,
    };
    pb::RecordedFollowUpVisit {
        name: name("visits", v.id),
        plan: name("plans", v.plan),
        patient: name("residents", v.patient),
        team: name("teams", v.team),
        visit_date: Some(date(v.visit.date())),
        mode: mode as i32,
        classification: code(&v.class),
    }
}

/// The history RPCs over the history use cases.
pub struct HistoryApi {
    history: Arc<HistoryService>,
}

impl HistoryApi {
    /// Serves `history`.
    pub fn new(history: Arc<HistoryService>) -> Self {
        Self { history }
    }
}

#[tonic::async_trait]
impl HistoryApiTrait for HistoryApi {
    async fn list_enrolments(
        &self,
        request: Request<pb::ListEnrolmentsRequest>,
    ) -> Result<Response<pb::ListEnrolmentsResponse>, Status> {
        let who = principal(&request)?;
        let patient = parent(&request.get_ref().parent)?;
        let found = self
            .history
            .enrolments(&who, patient)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListEnrolmentsResponse {
            enrolments: found.iter().map(enrolment).collect(),
        }))
    }

    async fn get_enrolment(
        &self,
        request: Request<pb::GetEnrolmentRequest>,
    ) -> Result<Response<pb::Enrolment>, Status> {
        let who = principal(&request)?;
        let id = EnrolmentId::from_uuid(parse_name("name", "enrolments", &request.get_ref().name)?);
        let found = self.history.enrolment(&who, id).await.map_err(status)?;
        Ok(Response::new(enrolment(&found)))
    }

    async fn list_follow_up_plans(
        &self,
        request: Request<pb::ListFollowUpPlansRequest>,
    ) -> Result<Response<pb::ListFollowUpPlansResponse>, Status> {
        let who = principal(&request)?;
        let patient = parent(&request.get_ref().parent)?;
        let found = self.history.plans(&who, patient).await.map_err(status)?;
        Ok(Response::new(pb::ListFollowUpPlansResponse {
            plans: found.iter().map(plan).collect(),
        }))
    }

    async fn get_follow_up_plan(
        &self,
        request: Request<pb::GetFollowUpPlanRequest>,
    ) -> Result<Response<pb::FollowUpPlan>, Status> {
        let who = principal(&request)?;
        let id = PlanId::from_uuid(parse_name("name", "plans", &request.get_ref().name)?);
        let found = self.history.plan(&who, id).await.map_err(status)?;
        Ok(Response::new(plan(&found)))
    }

    async fn list_follow_up_visits(
        &self,
        request: Request<pb::ListFollowUpVisitsRequest>,
    ) -> Result<Response<pb::ListFollowUpVisitsResponse>, Status> {
        let who = principal(&request)?;
        let patient = parent(&request.get_ref().parent)?;
        let found = self.history.visits(&who, patient).await.map_err(status)?;
        Ok(Response::new(pb::ListFollowUpVisitsResponse {
            visits: found.iter().map(visit).collect(),
        }))
    }

    async fn list_screening_results(
        &self,
        request: Request<pb::ListScreeningResultsRequest>,
    ) -> Result<Response<pb::ListScreeningResultsResponse>, Status> {
        let who = principal(&request)?;
        let patient = parent(&request.get_ref().parent)?;
        let found = self
            .history
            .screenings(&who, patient)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListScreeningResultsResponse {
            results: found.iter().map(to_wire).collect(),
        }))
    }

    async fn get_patient_summary(
        &self,
        request: Request<pb::GetPatientSummaryRequest>,
    ) -> Result<Response<pb::PatientSummary>, Status> {
        let who = principal(&request)?;
        let patient =
            ResidentId::from_uuid(parse_name("name", "residents", &request.get_ref().name)?);
        let s = self.history.summary(&who, patient).await.map_err(status)?;
        Ok(Response::new(summary(s, &self.history.recognitions())))
    }
}

fn summary(s: PatientSummary, judge: &yigong_service::Recognitions) -> pb::PatientSummary {
    pb::PatientSummary {
        as_of_date: Some(date(s.on)),
        resident: Some(crate::resident::to_wire(s.record)),
        key_populations: s
            .key_populations
            .iter()
            .map(|k| pb::KeyPopulation {
                kind: k.code().to_owned(),
                detail: k.detail().unwrap_or_default().to_owned(),
            })
            .collect(),
        enrolments: s.enrolments.iter().map(enrolment).collect(),
        open_plans: s
            .open_plans
            .iter()
            .map(|(p, status)| {
                let days = match status {
                    PlanStatus::Overdue { days } => Some(*days),
                    _ => None,
                };
                pb::OpenPlan {
                    plan: Some(plan(p)),
                    overdue: days.is_some(),
                    days_overdue: days.map_or(0, |d| i32::try_from(d).unwrap_or(i32::MAX)),
                }
            })
            .collect(),
        latest_visits: s.latest_visits.iter().map(visit).collect(),
        open_referrals: s
            .open_referrals
            .into_iter()
            .map(|r| crate::referral::to_wire(r, judge))
            .collect(),
        contract: s.contract.map(crate::team::contract),
    }
}
