//! A request's life: created by a clinician for a patient they see, then each transition by
//! the one who may make it — the requesting institution (acquire, cancel, acknowledge) or a
//! rostered reader of the centre (claim, release, report, verify, amend).

use yigong_domain::diagnosis::{
    AcquisitionForm, DiagnosisCentre, DiagnosisEvent, DiagnosisRequest, Modality, NewRequest,
    Priority, ReportForm, Requester,
};
use yigong_domain::event::DomainEvent;
use yigong_domain::ids::{DiagnosisCentreId, DiagnosisRequestId, ResidentId};
use yigong_ports::{Transaction, Versioned};

use super::DiagnosisService;
use crate::deps::{Claim, Request, abandon, audit_entry, claim};
use crate::{Principal, ServiceError};

const CREATE: &str = "diagnosis.create";

/// A request as the requesting clinician states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInput {
    /// The patient.
    pub patient: ResidentId,
    /// The centre asked.
    pub centre: DiagnosisCentreId,
    /// What is acquired.
    pub modality: Modality,
    /// The exam item.
    pub exam_item: String,
    /// Clinical information for the reader.
    pub clinical_info: String,
    /// How urgently.
    pub priority: Priority,
}

/// A transition of a stored request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// The study, file or specimen arrived (the requester or a reader records it).
    Acquire(AcquisitionForm),
    /// Cancelled before acquisition, with a reason (the requester).
    Cancel(String),
    /// A reader claims it.
    Claim,
    /// The holder gives it back.
    Release,
    /// The holder's preliminary report.
    Report(ReportForm),
    /// A second reader verifies.
    Verify,
    /// A reader of the verifying grade amends the verified report.
    Amend {
        /// The new version.
        report: ReportForm,
        /// Why.
        reason: String,
    },
    /// The requester read the report.
    Acknowledge,
    /// The requester acknowledges the critical value.
    AcknowledgeCritical,
}

impl Transition {
    /// The audited action.
    fn action(&self) -> &'static str {
        match self {
            Transition::Acquire(_) => "diagnosis.acquire",
            Transition::Cancel(_) => "diagnosis.cancel",
            Transition::Claim => "diagnosis.claim",
            Transition::Release => "diagnosis.release",
            Transition::Report(_) => "diagnosis.report",
            Transition::Verify => "diagnosis.verify",
            Transition::Amend { .. } => "diagnosis.amend",
            Transition::Acknowledge => "diagnosis.acknowledge",
            Transition::AcknowledgeCritical => "diagnosis.acknowledge_critical",
        }
    }
}

impl DiagnosisService {
    /// Asks a centre to read for a patient the caller sees. Idempotent on `request_id`.
    #[tracing::instrument(skip_all, fields(user = %who.user))]
    pub async fn create_request(
        &self,
        who: &Principal,
        request_id: &str,
        input: RequestInput,
    ) -> Result<Versioned<DiagnosisRequest>, ServiceError> {
        let patient = input.patient;
        self.deps
            .clinician_only(
                who,
                CREATE,
                format!("residents/{patient}"),
                patient,
                "ask for remote diagnosis",
            )
            .await?;
        let request = Request::new(&*self.deps.requests, who, request_id, CREATE, &input)?;
        let now = self.deps.clock.now();
        let id = DiagnosisRequestId::from_uuid(self.deps.ids.new_id());
        let tx = self.deps.uow.begin().await?;
        let (mut tx, record) = self.deps.patient_in(tx, who, patient, CREATE).await?;
        let Some(centre) = tx.load_centre(input.centre).await? else {
            abandon(tx).await;
            return Err(ServiceError::NotFound(format!(
                "diagnosis centre {}",
                input.centre
            )));
        };
        let created = DiagnosisRequest::create(
            NewRequest {
                id,
                patient,
                requester: Requester {
                    institution: who.institution,
                    clinician: who.user.clone(),
                },
                modality: input.modality,
                exam_item: input.exam_item,
                clinical_info: input.clinical_info,
                priority: input.priority,
            },
            &centre.value,
            &self.deps.network.current(),
            now,
        );
        let (created, events) = match created {
            Ok(done) => done,
            Err(e) => {
                abandon(tx).await;
                return Err(e.into());
            }
        };
        if let Claim::Retry = claim(&mut tx, &request, id.as_uuid()).await? {
            abandon(tx).await;
            let first = DiagnosisRequestId::from_uuid(self.deps.first_result(&request).await?);
            return self.diagnosis.get_request(first).await?.ok_or_else(|| {
                ServiceError::Unavailable("the created request was not found".to_owned())
            });
        }
        let version = tx.insert_request(&created).await?;
        let entry = audit_entry(
            who,
            CREATE,
            format!("diagnosis-requests/{id}"),
            patient,
            now,
        );
        self.deps
            .commit(
                tx,
                record.value.scope.community,
                events.into_iter().map(DomainEvent::from),
                entry,
            )
            .await?;
        Ok(Versioned {
            value: created,
            version,
        })
    }

    /// Makes `transition` on a request, as the one who may: `expected_version` is the client's
    /// etag, if any. A request whose patient the caller may not see answers as a missing one.
    #[tracing::instrument(skip_all, fields(user = %who.user, request = %id))]
    pub async fn transition(
        &self,
        who: &Principal,
        id: DiagnosisRequestId,
        expected_version: Option<i64>,
        transition: Transition,
    ) -> Result<Versioned<DiagnosisRequest>, ServiceError> {
        let action = transition.action();
        let resource = format!("diagnosis-requests/{id}");
        let now = self.deps.clock.now();
        let (mut tx, loaded, centre, community) = self.open(who, id, action).await?;
        if expected_version.is_some_and(|v| v != loaded.version) {
            return Err(ServiceError::Conflict(format!(
                "request {id} changed since version {}",
                loaded.version
            )));
        }
        let reader = who.reader_at(&centre);
        let requester = who.requests_for(&loaded.value);
        let r = loaded.value;
        let profile = &self.deps.profile;
        let changed = match (transition, reader) {
            (Transition::Acquire(form), reader) if requester || reader.is_some() => {
                match form.validate(r.modality()) {
                    Ok(acquisition) => r.acquire(acquisition, now),
                    Err(e) => {
                        abandon(tx).await;
                        return Err(ServiceError::invalid(e.field, e.reason));
                    }
                }
            }
            (Transition::Cancel(reason), _) if requester => r.cancel(&reason, now),
            (Transition::Acknowledge, _) if requester => {
                r.acknowledge(who.institution, &who.user, now)
            }
            (Transition::AcknowledgeCritical, _) if requester => {
                r.acknowledge_critical(who.institution, &who.user, now)
            }
            (Transition::Claim, Some(reader)) => r.claim(reader, now),
            (Transition::Release, Some(reader)) => r.release(&reader, now),
            (Transition::Report(form), Some(reader)) => r.report(&reader, form, now),
            (Transition::Verify, Some(reader)) => r.verify(reader, now, profile),
            (Transition::Amend { report, reason }, Some(reader)) => {
                r.amend(reader, report, &reason, now, profile)
            }
            (transition, _) => {
                let reason = match transition {
                    Transition::Acquire(_) => {
                        "only the requesting institution's clinicians or the centre's readers record an acquisition"
                    }
                    Transition::Cancel(_)
                    | Transition::Acknowledge
                    | Transition::AcknowledgeCritical => {
                        "only the requesting institution's clinicians do this"
                    }
                    _ => "only the centre's appointed readers read, report, verify and amend",
                };
                return Err(self
                    .deps
                    .forbidden(Some(tx), who, action, resource, r.patient(), reason)
                    .await);
            }
        };
        let (request, events) = match changed {
            Ok(done) => done,
            Err(e) => {
                abandon(tx).await;
                return Err(e.into());
            }
        };
        let version = if events.is_empty() {
            loaded.version
        } else {
            tx.update_request(&request, loaded.version, request.next_deadline(profile))
                .await?
        };
        let entry = audit_entry(who, action, resource, request.patient(), now);
        self.deps
            .commit(
                tx,
                community,
                events.into_iter().map(DomainEvent::from),
                entry,
            )
            .await?;
        Ok(Versioned {
            value: request,
            version,
        })
    }

    /// Runs the deadlines of one request that are due now (turnaround breach, critical-value
    /// escalation) in one transaction, and stores its next deadline. The deadline jobs call it
    /// for each request due; the demo county for the requests it lays out in the past.
    pub async fn run_deadlines_of(
        &self,
        id: DiagnosisRequestId,
    ) -> Result<Vec<DiagnosisEvent>, ServiceError> {
        let now = self.deps.clock.now();
        let mut tx = self.deps.uow.begin().await?;
        let Some(loaded) = tx.load_request(id).await? else {
            return Ok(Vec::new());
        };
        let profile = &self.deps.profile;
        let (request, events) = loaded.value.run_deadlines(now, profile)?;
        tx.update_request(&request, loaded.version, request.next_deadline(profile))
            .await?;
        let community = self
            .deps
            .network
            .current()
            .community_of(request.centre_institution())
            .map(|c| c.id());
        let outbox = self.deps.outbox(community, events.clone(), now)?;
        tx.append_events(&outbox).await?;
        tx.commit().await?;
        Ok(events)
    }

    /// Loads a request, its patient's visibility and its centre in a command's transaction.
    async fn open(
        &self,
        who: &Principal,
        id: DiagnosisRequestId,
        action: &str,
    ) -> Result<
        (
            Box<dyn Transaction>,
            Versioned<DiagnosisRequest>,
            DiagnosisCentre,
            Option<yigong_domain::ids::CommunityId>,
        ),
        ServiceError,
    > {
        let resource = format!("diagnosis-requests/{id}");
        let what = format!("diagnosis request {id}");
        let mut tx = self.deps.uow.begin().await?;
        let Some(loaded) = tx.load_request(id).await? else {
            return Err(self
                .deps
                .unseen_in(tx, who, action, resource, None, what)
                .await);
        };
        let patient = loaded.value.patient();
        let record = match tx.load_resident(patient).await? {
            Some(found)
                if self
                    .deps
                    .access()
                    .sees_patient(who, patient, &found.value.scope)
                    .await? =>
            {
                found
            }
            _ => {
                return Err(self
                    .deps
                    .unseen_in(tx, who, action, resource, patient, what)
                    .await);
            }
        };
        let Some(centre) = tx.load_centre(loaded.value.centre()).await? else {
            abandon(tx).await;
            return Err(ServiceError::Unavailable(format!(
                "the centre of request {id} is missing"
            )));
        };
        Ok((tx, loaded, centre.value, record.value.scope.community))
    }
}
