//! `yigong.v1.ConsultationService` over `ConsultationService` (the use cases): translation
//! only.

use tonic::{Request, Response, Status};
use yigong_domain::consultation::{Attachment, AttachmentForm, Consultation};
use yigong_domain::diagnosis::DiagnosisRequest;
use yigong_domain::ids::{ConsultationId, InstitutionId, ResidentId};
use yigong_ports::Versioned;
use yigong_proto::v1 as pb;
use yigong_proto::v1::consultation_service_server::ConsultationService as Api;
use yigong_service::{
    ConsultationInput, ConsultationService, ConsultationStep, ConsultationView, Principal,
    ServiceError,
};

use crate::status::to_status;
use crate::wire::{
    etag, invalid, name, page_size, parse_etag, parse_name, parse_timestamp, principal, timestamp,
};

/// The remote-consultation RPCs.
pub struct ConsultationApi {
    service: ConsultationService,
}

impl ConsultationApi {
    /// Serves the use cases.
    pub fn new(service: ConsultationService) -> Self {
        Self { service }
    }

    async fn step(
        &self,
        who: &Principal,
        raw: &str,
        etag: &str,
        step: ConsultationStep,
    ) -> Result<Response<pb::Consultation>, Status> {
        let id = consultation_name(raw)?;
        let expected = parse_etag(etag)?;
        let done = self
            .service
            .step(who, id, expected, step)
            .await
            .map_err(status)?;
        Ok(Response::new(message(&done, &[])))
    }
}

fn status(e: ServiceError) -> Status {
    to_status(e, str::to_owned)
}

fn consultation_name(raw: &str) -> Result<ConsultationId, Status> {
    parse_name("name", "consultations", raw).map(ConsultationId::from_uuid)
}

fn attachment_form(a: pb::ConsultationAttachment, index: usize) -> Result<AttachmentForm, Status> {
    let diagnostic_report = if a.diagnostic_report.is_empty() {
        String::new()
    } else {
        parse_name(
            &format!("attachments[{index}].diagnostic_report"),
            "diagnosis-requests",
            &a.diagnostic_report,
        )?
        .to_string()
    };
    Ok(AttachmentForm {
        diagnostic_report,
        title: a.title,
        url: a.url,
        media_type: a.media_type,
    })
}

/// An attachment as sent; a report's content when `reports` holds its request.
fn attachment(a: &Attachment, reports: &[DiagnosisRequest]) -> pb::ConsultationAttachment {
    match a {
        Attachment::DiagnosticReport { request } => pb::ConsultationAttachment {
            diagnostic_report: name("diagnosis-requests", request),
            report: reports
                .iter()
                .find(|r| r.id() == *request)
                .and_then(crate::diagnosis::message::report),
            ..Default::default()
        },
        Attachment::Document {
            title,
            url,
            media_type,
        } => pb::ConsultationAttachment {
            title: title.clone(),
            url: url.clone(),
            media_type: media_type.clone(),
            ..Default::default()
        },
    }
}

/// A consultation as sent, with the content of the attached `reports` given.
fn message(v: &Versioned<Consultation>, reports: &[DiagnosisRequest]) -> pb::Consultation {
    let c = &v.value;
    let (specialist, scheduled_time) = c.scheduled().map_or((String::new(), None), |(s, at)| {
        (s.to_owned(), Some(timestamp(at)))
    });
    let closing = c
        .declined()
        .or(c.cancelled())
        .map(|x| pb::ConsultationClosing {
            by: x.by.clone(),
            reason: x.reason.clone(),
            close_time: Some(timestamp(x.at)),
        });
    pb::Consultation {
        name: name("consultations", c.id()),
        patient: name("residents", c.patient()),
        requester_institution: name("institutions", c.requester().institution),
        requester_clinician: c.requester().clinician.clone(),
        consultant: name("institutions", c.consultant()),
        department: c.department().as_str().to_owned(),
        question: c.question().to_owned(),
        attachments: c
            .attachments()
            .iter()
            .map(|a| attachment(a, reports))
            .collect(),
        proposed_time: Some(timestamp(c.proposed_at())),
        create_time: Some(timestamp(c.requested_at())),
        status: c.status().code().to_owned(),
        specialist,
        scheduled_time,
        answer: c.answered().map(|a| pb::ConsultationAnswer {
            specialist: a.specialist.clone(),
            opinion: a.opinion.clone(),
            answer_time: Some(timestamp(a.at)),
        }),
        closing,
        etag: etag(v.version),
    }
}

fn view(raw: i32) -> Result<ConsultationView, Status> {
    match pb::ConsultationView::try_from(raw) {
        Ok(pb::ConsultationView::Unspecified | pb::ConsultationView::Received) => {
            Ok(ConsultationView::Received)
        }
        Ok(pb::ConsultationView::Sent) => Ok(ConsultationView::Sent),
        Err(_) => Err(invalid("view", format!("unknown view {raw}"))),
    }
}

#[tonic::async_trait]
impl Api for ConsultationApi {
    async fn create_consultation(
        &self,
        request: Request<pb::CreateConsultationRequest>,
    ) -> Result<Response<pb::Consultation>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let input = ConsultationInput {
            patient: ResidentId::from_uuid(parse_name("patient", "residents", &r.patient)?),
            consultant: InstitutionId::from_uuid(parse_name(
                "consultant",
                "institutions",
                &r.consultant,
            )?),
            department: r.department,
            question: r.question,
            attachments: r
                .attachments
                .into_iter()
                .enumerate()
                .map(|(i, a)| attachment_form(a, i))
                .collect::<Result<_, _>>()?,
            proposed_at: parse_timestamp("proposed_time", r.proposed_time)?,
        };
        let asked = self
            .service
            .ask(&who, &r.request_id, input)
            .await
            .map_err(status)?;
        Ok(Response::new(message(&asked, &[])))
    }

    async fn schedule_consultation(
        &self,
        request: Request<pb::ScheduleConsultationRequest>,
    ) -> Result<Response<pb::Consultation>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let step = ConsultationStep::Schedule {
            specialist: (!r.specialist.is_empty()).then_some(r.specialist),
            at: parse_timestamp("scheduled_time", r.scheduled_time)?,
        };
        self.step(&who, &r.name, &r.etag, step).await
    }

    async fn answer_consultation(
        &self,
        request: Request<pb::AnswerConsultationRequest>,
    ) -> Result<Response<pb::Consultation>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let step = ConsultationStep::Answer(r.opinion);
        self.step(&who, &r.name, &r.etag, step).await
    }

    async fn decline_consultation(
        &self,
        request: Request<pb::DeclineConsultationRequest>,
    ) -> Result<Response<pb::Consultation>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let step = ConsultationStep::Decline(r.reason);
        self.step(&who, &r.name, &r.etag, step).await
    }

    async fn cancel_consultation(
        &self,
        request: Request<pb::CancelConsultationRequest>,
    ) -> Result<Response<pb::Consultation>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let step = ConsultationStep::Cancel(r.reason);
        self.step(&who, &r.name, &r.etag, step).await
    }

    async fn get_consultation(
        &self,
        request: Request<pb::GetConsultationRequest>,
    ) -> Result<Response<pb::Consultation>, Status> {
        let who = principal(&request)?;
        let id = consultation_name(&request.get_ref().name)?;
        let read = self.service.get(&who, id).await.map_err(status)?;
        Ok(Response::new(message(&read.consultation, &read.reports)))
    }

    async fn list_consultations(
        &self,
        request: Request<pb::ListConsultationsRequest>,
    ) -> Result<Response<pb::ListConsultationsResponse>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let view = view(r.view)?;
        let size = page_size(r.page_size)?;
        let token = (!r.page_token.is_empty()).then_some(r.page_token.as_str());
        let page = self
            .service
            .list(&who, view, r.open_only, size, token)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListConsultationsResponse {
            consultations: page.items.iter().map(|c| message(c, &[])).collect(),
            next_page_token: page.next.unwrap_or_default(),
        }))
    }
}
