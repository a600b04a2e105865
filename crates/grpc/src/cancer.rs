//! `yigong.v1.TwoCancerService` over `TwoCancerService` (the use cases): translation only.

use tonic::{Request, Response, Status};
use yigong_domain::ids::{CancerCaseId, ResidentId};
use yigong_domain::screening::{ExamForm, PathwayStep};
use yigong_ports::{CancerCaseRecord, CancerExamRecord, Versioned};
use yigong_proto::v1 as pb;
use yigong_proto::v1::two_cancer_service_server::TwoCancerService as Api;
use yigong_service::{ServiceError, StepForm, TwoCancerService};

use crate::personal::card_to_wire;
use crate::status::to_status;
use crate::wire::{
    code, date, etag, name, page_size, parse_code, parse_date, parse_etag, parse_name, principal,
};

/// The two-cancer RPCs.
pub struct TwoCancerApi {
    cancers: TwoCancerService,
}

impl TwoCancerApi {
    /// Serves the use cases.
    pub fn new(cancers: TwoCancerService) -> Self {
        Self { cancers }
    }
}

fn status(e: ServiceError) -> Status {
    to_status(e, str::to_owned)
}

fn exam_to_wire(r: &CancerExamRecord) -> pb::TwoCancerExam {
    pb::TwoCancerExam {
        name: name("two-cancer-exams", r.id),
        resident: name("residents", r.resident),
        institution: name("institutions", r.institution),
        cancer: r.exam.cancer().code().to_owned(),
        step: r.exam.step.code().to_owned(),
        abnormal: r.exam.abnormal,
        exam_date: Some(date(r.exam.on)),
        opportunistic: r.exam.opportunistic,
        case: r.case.map(|c| name("cancer-cases", c)).unwrap_or_default(),
    }
}

fn case_to_wire(v: &Versioned<CancerCaseRecord>) -> pb::CancerCase {
    let c = &v.value.case;
    pb::CancerCase {
        name: name("cancer-cases", c.id()),
        resident: name("residents", c.resident()),
        institution: name("institutions", v.value.institution),
        exam: name("two-cancer-exams", v.value.exam),
        cancer: c.cancer().code().to_owned(),
        opened_date: Some(date(c.opened_on())),
        steps: c
            .steps()
            .iter()
            .map(|(step, abnormal, on)| pb::CaseStep {
                step: step.code().to_owned(),
                abnormal: *abnormal,
                date: Some(date(*on)),
            })
            .collect(),
        next_step: c
            .expected_step()
            .map(|s| s.code().to_owned())
            .unwrap_or_default(),
        open: c.is_open(),
        result: c.closed().map(|(r, _)| code(&r)).unwrap_or_default(),
        closed_date: c.closed().map(|(_, on)| date(on)),
        etag: etag(v.version),
    }
}

fn case_name(field: &str, raw: &str) -> Result<CancerCaseId, Status> {
    parse_name(field, "cancer-cases", raw).map(CancerCaseId::from_uuid)
}

fn resident(field: &str, raw: &str) -> Result<ResidentId, Status> {
    parse_name(field, "residents", raw).map(ResidentId::from_uuid)
}

#[tonic::async_trait]
impl Api for TwoCancerApi {
    async fn record_two_cancer_exam(
        &self,
        request: Request<pb::RecordTwoCancerExamRequest>,
    ) -> Result<Response<pb::TwoCancerExam>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let woman = resident("resident", &r.resident)?;
        let form = ExamForm {
            step: parse_code::<PathwayStep>("step", &r.step)?,
            abnormal: r.abnormal,
            on: parse_date("exam_date", r.exam_date)?,
        };
        let record = self
            .cancers
            .record_exam(&who, &r.request_id, woman, form)
            .await
            .map_err(status)?;
        Ok(Response::new(exam_to_wire(&record)))
    }

    async fn list_two_cancer_exams(
        &self,
        request: Request<pb::ListTwoCancerExamsRequest>,
    ) -> Result<Response<pb::ListTwoCancerExamsResponse>, Status> {
        let who = principal(&request)?;
        let woman = resident("parent", &request.get_ref().parent)?;
        let exams = self.cancers.exams_of(&who, woman).await.map_err(status)?;
        Ok(Response::new(pb::ListTwoCancerExamsResponse {
            exams: exams.iter().map(exam_to_wire).collect(),
        }))
    }

    async fn record_case_step(
        &self,
        request: Request<pb::RecordCaseStepRequest>,
    ) -> Result<Response<pb::CancerCase>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let id = case_name("name", &r.name)?;
        let form = StepForm {
            step: parse_code("step", &r.step)?,
            abnormal: r.abnormal,
            on: parse_date("step_date", r.step_date)?,
        };
        let expected = parse_etag(&r.etag)?;
        let case = self
            .cancers
            .record_step(&who, id, expected, form)
            .await
            .map_err(status)?;
        Ok(Response::new(case_to_wire(&case)))
    }

    async fn close_cancer_case(
        &self,
        request: Request<pb::CloseCancerCaseRequest>,
    ) -> Result<Response<pb::CancerCase>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let id = case_name("name", &r.name)?;
        let result = parse_code("result", &r.result)?;
        let on = parse_date("close_date", r.close_date)?;
        let expected = parse_etag(&r.etag)?;
        let case = self
            .cancers
            .close_case(&who, id, expected, result, on)
            .await
            .map_err(status)?;
        Ok(Response::new(case_to_wire(&case)))
    }

    async fn get_cancer_case(
        &self,
        request: Request<pb::GetCancerCaseRequest>,
    ) -> Result<Response<pb::CancerCase>, Status> {
        let who = principal(&request)?;
        let id = case_name("name", &request.get_ref().name)?;
        let case = self.cancers.get_case(&who, id).await.map_err(status)?;
        Ok(Response::new(case_to_wire(&case)))
    }

    async fn list_cancer_cases(
        &self,
        request: Request<pb::ListCancerCasesRequest>,
    ) -> Result<Response<pb::ListCancerCasesResponse>, Status> {
        let who = principal(&request)?;
        let woman = resident("parent", &request.get_ref().parent)?;
        let cases = self.cancers.cases_of(&who, woman).await.map_err(status)?;
        Ok(Response::new(pb::ListCancerCasesResponse {
            cases: cases.iter().map(case_to_wire).collect(),
        }))
    }

    async fn list_open_cancer_cases(
        &self,
        request: Request<pb::ListOpenCancerCasesRequest>,
    ) -> Result<Response<pb::ListOpenCancerCasesResponse>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let size = page_size(r.page_size)?;
        let token = (!r.page_token.is_empty()).then_some(r.page_token.as_str());
        let page = self
            .cancers
            .open_cases(&who, size, token)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListOpenCancerCasesResponse {
            cases: page
                .items
                .iter()
                .map(|line| pb::OpenCancerCase {
                    case: Some(case_to_wire(&line.case)),
                    patient_card: Some(card_to_wire(&line.card)),
                })
                .collect(),
            next_page_token: page.next.unwrap_or_default(),
        }))
    }
}
