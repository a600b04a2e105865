//! A consultation's life: asked by a clinician for a patient they see, then scheduled,
//! answered or declined by a clinician of the institution asked, or cancelled by the
//! requesting institution.

use time::OffsetDateTime;
use yigong_domain::consultation::{
    Attachment, AttachmentForm, Consultation, NewConsultation, Requester,
};
use yigong_domain::ids::{ConsultationId, InstitutionId, ResidentId};
use yigong_domain::referral::Department;
use yigong_ports::{Transaction, Versioned};

use super::ConsultationService;
use crate::deps::{Claim, Request, abandon, audit_entry, claim};
use crate::{Principal, ServiceError};

const ASK: &str = "consultation.create";

/// A consultation as the requesting clinician states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsultationInput {
    /// The patient.
    pub patient: ResidentId,
    /// The county institution asked.
    pub consultant: InstitutionId,
    /// The specialty asked for, e.g. 心内科.
    pub department: String,
    /// What the requester wants to know.
    pub question: String,
    /// What comes with it, as received.
    pub attachments: Vec<AttachmentForm>,
    /// When the requester proposes to talk.
    pub proposed_at: OffsetDateTime,
}

/// A transition of a stored consultation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsultationStep {
    /// The county schedules a specialist (the caller when `None`) for a time.
    Schedule {
        /// The specialist's user id.
        specialist: Option<String>,
        /// The agreed time.
        at: OffsetDateTime,
    },
    /// The caller, a specialist of the institution asked, answers in writing.
    Answer(String),
    /// The county declines, with a reason.
    Decline(String),
    /// The requesting institution cancels, with a reason.
    Cancel(String),
}

impl ConsultationStep {
    /// The audited action.
    fn action(&self) -> &'static str {
        match self {
            ConsultationStep::Schedule { .. } => "consultation.schedule",
            ConsultationStep::Answer(_) => "consultation.answer",
            ConsultationStep::Decline(_) => "consultation.decline",
            ConsultationStep::Cancel(_) => "consultation.cancel",
        }
    }
}

impl ConsultationService {
    /// Asks a county institution for an opinion on a patient the caller sees. An attached
    /// report must be of the same patient and asked for by the caller's institution.
    /// Idempotent on `request_id`.
    #[tracing::instrument(skip_all, fields(user = %who.user))]
    pub async fn ask(
        &self,
        who: &Principal,
        request_id: &str,
        input: ConsultationInput,
    ) -> Result<Versioned<Consultation>, ServiceError> {
        let patient = input.patient;
        self.deps
            .clinician_only(
                who,
                ASK,
                format!("residents/{patient}"),
                patient,
                "ask for a consultation",
            )
            .await?;
        let request = Request::new(&*self.deps.requests, who, request_id, ASK, &input)?;
        // A retry gets what the first request made before anything is checked again: by now
        // its proposed time may have passed.
        if let Some(first) = self.deps.earlier_result(&request).await? {
            return self.first(first).await;
        }
        let department = Department::new("department", &input.department)
            .map_err(|e| ServiceError::invalid("department", e))?;
        let attachments = attachments(&input.attachments)?;
        let now = self.deps.clock.now();
        let id = ConsultationId::from_uuid(self.deps.ids.new_id());
        let tx = self.deps.uow.begin().await?;
        let (mut tx, _) = self.deps.patient_in(tx, who, patient, ASK).await?;
        let asked = Consultation::ask(
            NewConsultation {
                id,
                patient,
                requester: Requester {
                    institution: who.institution,
                    clinician: who.user.clone(),
                },
                consultant: input.consultant,
                department,
                question: input.question,
                attachments,
                proposed_at: input.proposed_at,
            },
            &self.deps.network.current(),
            now,
        );
        let (asked, events) = match asked {
            Ok(done) => done,
            Err(e) => {
                abandon(tx).await;
                return Err(e.into());
            }
        };
        // The domain has bounded the attachments; each report must be the patient's, asked
        // for by the caller's institution.
        for (index, a) in asked.attachments().iter().enumerate() {
            if let Attachment::DiagnosticReport { request } = a {
                let ours = tx
                    .load_request(*request)
                    .await?
                    .is_some_and(|r| r.value.patient() == patient && who.requests_for(&r.value));
                if !ours {
                    abandon(tx).await;
                    return Err(ServiceError::InvalidElement {
                        list: "attachments",
                        index: Some(index),
                        field: "diagnostic_report",
                        reason:
                            "not a request of this patient that the caller's institution asked for"
                                .to_owned(),
                    });
                }
            }
        }
        if let Claim::Retry = claim(&mut tx, &request, id.as_uuid()).await? {
            abandon(tx).await;
            return self.first(self.deps.first_result(&request).await?).await;
        }
        let version = tx.insert_consultation(&asked).await?;
        let entry = audit_entry(who, ASK, format!("consultations/{id}"), patient, now);
        self.deps
            .commit(tx, self.community_of(&asked), events, entry)
            .await?;
        Ok(Versioned {
            value: asked,
            version,
        })
    }

    /// Makes `step` on a consultation, as the one who may: `expected_version` is the client's
    /// etag, if any. A consultation the caller is no party to answers as a missing one.
    #[tracing::instrument(skip_all, fields(user = %who.user, consultation = %id))]
    pub async fn step(
        &self,
        who: &Principal,
        id: ConsultationId,
        expected_version: Option<i64>,
        step: ConsultationStep,
    ) -> Result<Versioned<Consultation>, ServiceError> {
        let action = step.action();
        let resource = format!("consultations/{id}");
        let now = self.deps.clock.now();
        let (tx, loaded) = self.open(who, id, action).await?;
        if expected_version.is_some_and(|v| v != loaded.version) {
            abandon(tx).await;
            return Err(ServiceError::Conflict(format!(
                "consultation {id} changed since version {}",
                loaded.version
            )));
        }
        let c = loaded.value;
        let patient = c.patient();
        let (asks, consulted) = (who.asks_consultation(&c), who.consulted_on(&c));
        let changed = match step {
            ConsultationStep::Schedule { specialist, at } if consulted => {
                c.schedule(specialist.unwrap_or_else(|| who.user.clone()), at, now)
            }
            ConsultationStep::Answer(opinion) if consulted => {
                c.answer(who.user.clone(), opinion, now)
            }
            ConsultationStep::Decline(reason) if consulted => {
                c.decline(who.user.clone(), reason, now)
            }
            ConsultationStep::Cancel(reason) if asks => c.cancel(who.user.clone(), reason, now),
            step => {
                let reason = match step {
                    ConsultationStep::Cancel(_) => {
                        "only the requesting institution's clinicians cancel a consultation"
                    }
                    _ => "only the institution asked schedules, answers or declines",
                };
                return Err(self
                    .deps
                    .forbidden(Some(tx), who, action, resource, patient, reason)
                    .await);
            }
        };
        let (changed, events) = match changed {
            Ok(done) => done,
            Err(e) => {
                abandon(tx).await;
                return Err(e.into());
            }
        };
        let mut tx = tx;
        let version = if events.is_empty() {
            loaded.version
        } else {
            tx.update_consultation(&changed, loaded.version).await?
        };
        let entry = audit_entry(who, action, resource, patient, now);
        self.deps
            .commit(tx, self.community_of(&changed), events, entry)
            .await?;
        Ok(Versioned {
            value: changed,
            version,
        })
    }

    /// What a retried ask made the first time.
    async fn first(&self, id: uuid::Uuid) -> Result<Versioned<Consultation>, ServiceError> {
        self.consultations
            .get_consultation(ConsultationId::from_uuid(id))
            .await?
            .ok_or_else(|| {
                ServiceError::Unavailable("the asked consultation was not found".to_owned())
            })
    }

    /// The community a consultation's events belong to: the consultant's, which holds the
    /// requester too (CONSULT-PARTIES), so one consultation's events stay in one feed.
    fn community_of(&self, c: &Consultation) -> Option<yigong_domain::ids::CommunityId> {
        self.deps
            .network
            .current()
            .community_of(c.consultant())
            .map(|m| m.id())
    }

    /// Loads a consultation in a command's transaction, for one of its parties: the
    /// institution asked, or the requesting institution's clinicians who see the patient.
    async fn open(
        &self,
        who: &Principal,
        id: ConsultationId,
        action: &str,
    ) -> Result<(Box<dyn Transaction>, Versioned<Consultation>), ServiceError> {
        let resource = format!("consultations/{id}");
        let what = format!("consultation {id}");
        let mut tx = self.deps.uow.begin().await?;
        let Some(loaded) = tx.load_consultation(id).await? else {
            return Err(self
                .deps
                .unseen_in(tx, who, action, resource, None, what)
                .await);
        };
        let patient = loaded.value.patient();
        if who.consulted_on(&loaded.value) {
            return Ok((tx, loaded));
        }
        let sees = match tx.load_resident(patient).await? {
            Some(found) => {
                self.deps
                    .access()
                    .sees_patient(who, patient, &found.value.scope)
                    .await?
            }
            None => false,
        };
        if !(sees && who.asks_consultation(&loaded.value)) {
            return Err(self
                .deps
                .unseen_in(tx, who, action, resource, patient, what)
                .await);
        }
        Ok((tx, loaded))
    }
}

/// Each form checked by its grammar, its errors naming `attachments[i].field`.
fn attachments(forms: &[AttachmentForm]) -> Result<Vec<Attachment>, ServiceError> {
    forms
        .iter()
        .enumerate()
        .map(|(index, form)| {
            form.validate().map_err(|e| {
                let field = e
                    .field()
                    .map_or("", |f| f.strip_prefix("attachments.").unwrap_or(f));
                ServiceError::InvalidElement {
                    list: "attachments",
                    index: Some(index),
                    field,
                    reason: e.to_string(),
                }
            })
        })
        .collect()
}
