//! `yigong.v1.DiagnosisService` over `DiagnosisService` (the use cases): translation only.

mod figures;
pub(crate) mod message;
mod worklist;

use std::sync::Arc;

use tonic::{Request, Response, Status};
use yigong_domain::diagnosis::{AcquisitionForm, Grade, Modality, ReportForm};
use yigong_domain::ids::{DiagnosisCentreId, DiagnosisRequestId, InstitutionId, ResidentId};
use yigong_ports::{Page, Versioned};
use yigong_proto::v1 as pb;
use yigong_proto::v1::diagnosis_service_server::DiagnosisService as Api;
use yigong_service::{
    ChangeService, DiagnosisService, Principal, RequestInput, ServiceError, Transition,
};

use crate::status::{renamed, to_status};
use crate::wire::{invalid, page_size, parse_code, parse_date, parse_etag, parse_name, principal};

/// The remote-diagnosis RPCs.
pub struct DiagnosisApi {
    service: Arc<DiagnosisService>,
    changes: Arc<ChangeService>,
}

impl DiagnosisApi {
    /// Serves the use cases; the change feed tells the worklist watch what changed.
    pub fn new(service: DiagnosisService, changes: ChangeService) -> Self {
        Self {
            service: Arc::new(service),
            changes: Arc::new(changes),
        }
    }

    /// The worklist a stream or a watch asks for, its names parsed.
    fn worklist(
        &self,
        who: Principal,
        centre: &str,
        modality: &str,
    ) -> Result<worklist::Worklist, Status> {
        Ok(worklist::Worklist {
            service: self.service.clone(),
            who,
            centre: centre_name("centre", centre)?,
            modality: optional_modality(modality)?,
        })
    }

    fn request(
        &self,
        v: &Versioned<yigong_domain::diagnosis::DiagnosisRequest>,
    ) -> pb::DiagnosisRequest {
        message::request(v, self.service.profile())
    }

    fn page(
        &self,
        page: Page<Versioned<yigong_domain::diagnosis::DiagnosisRequest>>,
    ) -> (Vec<pb::DiagnosisRequest>, String) {
        (
            page.items.iter().map(|v| self.request(v)).collect(),
            page.next.unwrap_or_default(),
        )
    }

    async fn transition(
        &self,
        who: &Principal,
        name: &str,
        etag: &str,
        transition: Transition,
    ) -> Result<Response<pb::DiagnosisRequest>, Status> {
        let id = request_name(name)?;
        let expected = parse_etag(etag)?;
        let done = self
            .service
            .transition(who, id, expected, transition)
            .await
            .map_err(status)?;
        Ok(Response::new(self.request(&done)))
    }
}

/// Domain field names as the requests spell them.
const FIELDS: &[(&str, &str)] = &[
    ("name", "display_name"),
    ("findings", "report.findings"),
    ("impression", "report.impression"),
    ("critical", "report.critical_finding"),
];

fn status(e: ServiceError) -> Status {
    to_status(e, renamed(FIELDS))
}

fn request_name(raw: &str) -> Result<DiagnosisRequestId, Status> {
    parse_name("name", "diagnosis-requests", raw).map(DiagnosisRequestId::from_uuid)
}

/// One modality, or every one when empty.
fn optional_modality(raw: &str) -> Result<Option<Modality>, Status> {
    (!raw.is_empty())
        .then(|| parse_code::<Modality>("modality", raw))
        .transpose()
}

fn centre_name(field: &str, raw: &str) -> Result<DiagnosisCentreId, Status> {
    parse_name(field, "diagnosis-centres", raw).map(DiagnosisCentreId::from_uuid)
}

fn report(r: Option<pb::ReportContent>) -> Result<ReportForm, Status> {
    let r = r.ok_or_else(|| invalid("report", "required"))?;
    Ok(ReportForm {
        findings: r.findings,
        impression: r.impression,
        positive: r.positive,
        critical: (!r.critical_finding.trim().is_empty()).then_some(r.critical_finding),
    })
}

#[tonic::async_trait]
impl Api for DiagnosisApi {
    async fn open_diagnosis_centre(
        &self,
        request: Request<pb::OpenDiagnosisCentreRequest>,
    ) -> Result<Response<pb::DiagnosisCentre>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let institution =
            InstitutionId::from_uuid(parse_name("institution", "institutions", &r.institution)?);
        let mut modalities = Vec::with_capacity(r.modalities.len());
        for (i, m) in r.modalities.iter().enumerate() {
            modalities.push(parse_code::<Modality>(&format!("modalities[{i}]"), m)?);
        }
        let centre = self
            .service
            .open_centre(&who, institution, &r.display_name, modalities)
            .await
            .map_err(status)?;
        Ok(Response::new(message::centre(&centre)))
    }

    async fn appoint_reader(
        &self,
        request: Request<pb::AppointReaderRequest>,
    ) -> Result<Response<pb::DiagnosisCentre>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let centre = centre_name("centre", &r.centre)?;
        let grade: Grade = parse_code("grade", &r.grade)?;
        let appointed = self
            .service
            .appoint_reader(&who, centre, &r.user, grade)
            .await
            .map_err(status)?;
        Ok(Response::new(message::centre(&appointed)))
    }

    async fn list_diagnosis_centres(
        &self,
        request: Request<pb::ListDiagnosisCentresRequest>,
    ) -> Result<Response<pb::ListDiagnosisCentresResponse>, Status> {
        let who = principal(&request)?;
        let centres = self.service.centres(&who).await.map_err(status)?;
        Ok(Response::new(pb::ListDiagnosisCentresResponse {
            centres: centres.iter().map(message::centre).collect(),
        }))
    }

    async fn create_diagnosis_request(
        &self,
        request: Request<pb::CreateDiagnosisRequestRequest>,
    ) -> Result<Response<pb::DiagnosisRequest>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let input = RequestInput {
            patient: ResidentId::from_uuid(parse_name("patient", "residents", &r.patient)?),
            centre: centre_name("centre", &r.centre)?,
            modality: parse_code("modality", &r.modality)?,
            exam_item: r.exam_item,
            clinical_info: r.clinical_info,
            priority: parse_code("priority", &r.priority)?,
        };
        let created = self
            .service
            .create_request(&who, &r.request_id, input)
            .await
            .map_err(status)?;
        Ok(Response::new(self.request(&created)))
    }

    async fn acquire_study(
        &self,
        request: Request<pb::AcquireStudyRequest>,
    ) -> Result<Response<pb::DiagnosisRequest>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let form = AcquisitionForm {
            study_instance_uid: r.study_instance_uid,
            accession_number: r.accession_number,
            ecg_file_id: r.ecg_file_id,
            specimen_id: r.specimen_id,
        };
        self.transition(&who, &r.name, &r.etag, Transition::Acquire(form))
            .await
    }

    async fn cancel_diagnosis_request(
        &self,
        request: Request<pb::CancelDiagnosisRequestRequest>,
    ) -> Result<Response<pb::DiagnosisRequest>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        self.transition(&who, &r.name, &r.etag, Transition::Cancel(r.reason))
            .await
    }

    async fn claim_diagnosis_request(
        &self,
        request: Request<pb::ClaimDiagnosisRequestRequest>,
    ) -> Result<Response<pb::DiagnosisRequest>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        self.transition(&who, &r.name, &r.etag, Transition::Claim)
            .await
    }

    async fn release_diagnosis_request(
        &self,
        request: Request<pb::ReleaseDiagnosisRequestRequest>,
    ) -> Result<Response<pb::DiagnosisRequest>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        self.transition(&who, &r.name, &r.etag, Transition::Release)
            .await
    }

    async fn report_diagnosis(
        &self,
        request: Request<pb::ReportDiagnosisRequest>,
    ) -> Result<Response<pb::DiagnosisRequest>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let form = report(r.report)?;
        self.transition(&who, &r.name, &r.etag, Transition::Report(form))
            .await
    }

    async fn verify_diagnostic_report(
        &self,
        request: Request<pb::VerifyDiagnosticReportRequest>,
    ) -> Result<Response<pb::DiagnosisRequest>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        self.transition(&who, &r.name, &r.etag, Transition::Verify)
            .await
    }

    async fn amend_diagnostic_report(
        &self,
        request: Request<pb::AmendDiagnosticReportRequest>,
    ) -> Result<Response<pb::DiagnosisRequest>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let form = report(r.report)?;
        let amend = Transition::Amend {
            report: form,
            reason: r.reason,
        };
        self.transition(&who, &r.name, &r.etag, amend).await
    }

    async fn acknowledge_diagnostic_report(
        &self,
        request: Request<pb::AcknowledgeDiagnosticReportRequest>,
    ) -> Result<Response<pb::DiagnosisRequest>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        self.transition(&who, &r.name, &r.etag, Transition::Acknowledge)
            .await
    }

    async fn acknowledge_critical_value(
        &self,
        request: Request<pb::AcknowledgeCriticalValueRequest>,
    ) -> Result<Response<pb::DiagnosisRequest>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        self.transition(&who, &r.name, &r.etag, Transition::AcknowledgeCritical)
            .await
    }

    async fn get_diagnosis_request(
        &self,
        request: Request<pb::GetDiagnosisRequestRequest>,
    ) -> Result<Response<pb::DiagnosisRequest>, Status> {
        let who = principal(&request)?;
        let id = request_name(&request.get_ref().name)?;
        let found = self.service.get_request(&who, id).await.map_err(status)?;
        Ok(Response::new(self.request(&found)))
    }

    async fn get_diagnostic_report(
        &self,
        request: Request<pb::GetDiagnosticReportRequest>,
    ) -> Result<Response<pb::DiagnosticReport>, Status> {
        let who = principal(&request)?;
        let id = request_name(&request.get_ref().name)?;
        let found = self.service.get_request(&who, id).await.map_err(status)?;
        message::report(&found.value)
            .map(Response::new)
            .ok_or_else(|| Status::not_found(format!("no report of diagnosis request {id} yet")))
    }

    async fn list_reader_worklist(
        &self,
        request: Request<pb::ListReaderWorklistRequest>,
    ) -> Result<Response<pb::ListReaderWorklistResponse>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let centre = centre_name("centre", &r.centre)?;
        let modality = optional_modality(&r.modality)?;
        let size = page_size(r.page_size)?;
        let token = (!r.page_token.is_empty()).then_some(r.page_token.as_str());
        let page = self
            .service
            .worklist(&who, centre, modality, size, token)
            .await
            .map_err(status)?;
        let (requests, next_page_token) = self.page(page);
        Ok(Response::new(pb::ListReaderWorklistResponse {
            requests,
            next_page_token,
        }))
    }

    type StreamReaderWorklistStream = worklist::WorklistStream;

    async fn stream_reader_worklist(
        &self,
        request: Request<pb::StreamReaderWorklistRequest>,
    ) -> Result<Response<Self::StreamReaderWorklistStream>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let list = self.worklist(who, &r.centre, &r.modality)?;
        Ok(Response::new(list.stream().await?))
    }

    type WatchReaderWorklistStream = worklist::WorklistStream;

    async fn watch_reader_worklist(
        &self,
        request: Request<pb::WatchReaderWorklistRequest>,
    ) -> Result<Response<Self::WatchReaderWorklistStream>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let list = self.worklist(who, &r.centre, &r.modality)?;
        Ok(Response::new(list.watch(self.changes.clone()).await?))
    }

    async fn list_requested_diagnoses(
        &self,
        request: Request<pb::ListRequestedDiagnosesRequest>,
    ) -> Result<Response<pb::ListRequestedDiagnosesResponse>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let size = page_size(r.page_size)?;
        let token = (!r.page_token.is_empty()).then_some(r.page_token.as_str());
        let page = self
            .service
            .requested(&who, size, token)
            .await
            .map_err(status)?;
        let (requests, next_page_token) = self.page(page);
        Ok(Response::new(pb::ListRequestedDiagnosesResponse {
            requests,
            next_page_token,
        }))
    }

    async fn get_diagnosis_figures(
        &self,
        request: Request<pb::GetDiagnosisFiguresRequest>,
    ) -> Result<Response<pb::DiagnosisFiguresReport>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let centre = centre_name("centre", &r.centre)?;
        let from = parse_date("from_date", r.from_date)?;
        let to = parse_date("to_date", r.to_date)?;
        let interval = figures::interval(&r.interval)?;
        let report = self
            .service
            .figures(&who, centre, from, to, interval)
            .await
            .map_err(status)?;
        Ok(Response::new(figures::report(&report)))
    }
}
