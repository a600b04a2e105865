//! Chronic-disease follow-up: enrol a confirmed patient, record a visit or an outreach, close
//! an enrolment, and the team's overdue worklist.

use time::Date;
use yigong_domain::followup::{
    Assessment, CloseReason, Condition, Confirmation, EnrolPatient, Enrolment, FollowUpError,
    FollowUpPlan, OutreachOutcome, Visit, WorklistEntry, WorklistPosition, overdue_worklist,
};
use yigong_domain::ids::{
    AdviceId, EnrolmentId, InstitutionId, PlanId, ResidentId, TeamId, VisitId,
};
use yigong_domain::referral::{AdviceSource, NewAdvice, Referral, ReferralAdvice};
use yigong_ports::{
    AuditEntry, AuditOutcome, Page, PlanInContext, Transaction, Versioned, VisitRecord,
};

use crate::deps::{abandon, audit_entry, page_limit};
use crate::error::happened;
use crate::referral::{GreenChannel, advice};
use crate::{Deps, Principal, ServiceError};

/// A visit the domain refused for one of its fields names that field; other refusals are the
/// rule they broke.
fn visit_error(visit: &Visit, e: FollowUpError) -> ServiceError {
    match e {
        FollowUpError::VisitBeforeLatest { .. } => ServiceError::invalid("visit.date", e),
        FollowUpError::SignOfAnotherCondition { .. } => ServiceError::invalid(
            match visit {
                Visit::Diabetes(_) => "visit.diabetes.danger_signs",
                _ => "visit.hypertension.danger_signs",
            },
            e,
        ),
        e => e.into(),
    }
}

const ENROL: &str = "follow_up.enrol";
const RECORD_VISIT: &str = "follow_up.record_visit";
const RECORD_OUTREACH: &str = "follow_up.record_outreach";
const CLOSE: &str = "follow_up.close_enrolment";

/// Enrolment of a confirmed patient into the caller's team's management.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewEnrolment {
    /// The patient.
    pub patient: ResidentId,
    /// The confirmed condition.
    pub condition: Condition,
    /// The institution that confirmed the diagnosis.
    pub confirmed_by: InstitutionId,
    /// The date of confirmation.
    pub confirmed_on: Date,
    /// The enrolment date.
    pub on: Date,
}

/// A recorded visit: the plan it completed, the next plan, and the classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedVisit {
    /// The visit's id.
    pub visit: VisitId,
    /// The plan, now done.
    pub done: Versioned<FollowUpPlan>,
    /// The next plan, at the assessed date.
    pub next: Versioned<FollowUpPlan>,
    /// Why: class, next date, referral need and the rules applied.
    pub assessment: Assessment,
    /// The emergency referral the visit sent through the green channel, if it named one.
    pub referral: Option<Versioned<Referral>>,
    /// The advice it left instead, when it called for a referral it did not send: an
    /// emergency on the desk's list, a routine one on the team's.
    pub advice: Option<Versioned<ReferralAdvice>>,
}

/// The chronic-disease follow-up use cases.
pub struct FollowUpService {
    deps: Deps,
}

impl FollowUpService {
    /// Builds the service over its ports.
    pub fn new(deps: Deps) -> Self {
        Self { deps }
    }

    /// Today by the service's clock: the worklist's day when a client names none.
    pub fn today(&self) -> Date {
        self.deps.clock.now().date()
    }

    fn team_of(who: &Principal) -> Result<TeamId, ServiceError> {
        who.team.ok_or_else(|| {
            ServiceError::PermissionDenied("only a family doctor team manages patients".to_owned())
        })
    }

    /// Enrols a confirmed patient into the caller's team and schedules the first follow-up.
    /// A second open enrolment for the same condition is `AlreadyExists`.
    #[tracing::instrument(skip_all, fields(user = %who.user, patient = %cmd.patient))]
    pub async fn enrol(
        &self,
        who: &Principal,
        cmd: NewEnrolment,
    ) -> Result<(Versioned<Enrolment>, Versioned<FollowUpPlan>), ServiceError> {
        let team = Self::team_of(who)?;
        let now = self.deps.clock.now();
        happened("on", cmd.on, now.date())?;
        let level = self
            .deps
            .network
            .current()
            .institution(cmd.confirmed_by)
            .map_err(|e| ServiceError::invalid("confirmed_by", e))?
            .kind
            .level();
        let tx = self.deps.uow.begin().await?;
        let (mut tx, patient) = self.deps.patient_in(tx, who, cmd.patient, ENROL).await?;
        let patient = patient.value;
        let (enrolment, plan, events) = Enrolment::enrol(
            EnrolPatient {
                id: EnrolmentId::from_uuid(self.deps.ids.new_id()),
                patient: cmd.patient,
                confirmation: Confirmation {
                    condition: cmd.condition,
                    confirmed_by: cmd.confirmed_by,
                    level,
                    confirmed_on: cmd.confirmed_on,
                },
                team,
                institution: who.institution,
                on: cmd.on,
                first_plan: PlanId::from_uuid(self.deps.ids.new_id()),
            },
            &self.deps.profile,
        )
        .map_err(|e| match e {
            FollowUpError::ConfirmedBelowLevel { .. } => ServiceError::invalid("confirmed_by", e),
            e => e.into(),
        })?;
        let enrolment_version = match tx.insert_enrolment(&enrolment).await {
            Ok(v) => v,
            Err(e) => {
                abandon(tx).await;
                return Err(self.naming_open(&enrolment, e.into()).await);
            }
        };
        let plan_version = tx.insert_plan(&plan).await?;
        self.deps
            .commit(
                tx,
                patient.scope.community,
                events,
                audit_entry(
                    who,
                    ENROL,
                    format!("enrolments/{}", enrolment.id()),
                    cmd.patient,
                    now,
                ),
            )
            .await?;
        Ok((
            Versioned {
                value: enrolment,
                version: enrolment_version,
            },
            Versioned {
                value: plan,
                version: plan_version,
            },
        ))
    }

    /// A refused enrolment of a patient already enrolled for the condition names the open
    /// enrolment (the caller sees the patient: it was checked before the insert).
    async fn naming_open(&self, enrolment: &Enrolment, error: ServiceError) -> ServiceError {
        let ServiceError::AlreadyExists { message, .. } = error else {
            return error;
        };
        let existing = match self
            .deps
            .follow_ups
            .enrolments_of(enrolment.patient())
            .await
        {
            Ok(found) => found
                .into_iter()
                .find(|e| {
                    e.value.condition() == enrolment.condition() && e.value.closed().is_none()
                })
                .map(|e| format!("enrolments/{}", e.value.id())),
            Err(_) => None,
        };
        ServiceError::AlreadyExists { message, existing }
    }

    /// Opens a transaction and loads a plan for a command on it: unseen plans are `NotFound`;
    /// a caller who sees the patient but is neither the responsible team nor the managing
    /// institution is refused (after the transaction is dropped) and the refusal audited; a
    /// stale etag is `Conflict`.
    async fn plan_for(
        &self,
        who: &Principal,
        plan_id: PlanId,
        action: &str,
        expected_version: Option<i64>,
    ) -> Result<(Box<dyn Transaction>, PlanInContext), ServiceError> {
        let mut tx = self.deps.uow.begin().await?;
        let resource = format!("plans/{plan_id}");
        let context = match tx.load_plan(plan_id).await? {
            Some(c)
                if self
                    .deps
                    .access()
                    .sees_patient(who, c.patient.value.resident.id(), &c.patient.value.scope)
                    .await? =>
            {
                c
            }
            found => {
                let patient = found.map(|c| c.plan.value.patient());
                let what = format!("follow-up plan {plan_id}");
                return Err(self
                    .deps
                    .unseen_in(tx, who, action, resource, patient, what)
                    .await);
            }
        };
        let may_act = who.team == Some(context.plan.value.team())
            || who.institution == context.enrolment.value.institution();
        if !may_act {
            let patient = context.plan.value.patient();
            let reason = "only the responsible team or institution records follow-ups";
            return Err(self
                .deps
                .forbidden(Some(tx), who, action, resource, patient, reason)
                .await);
        }
        if expected_version.is_some_and(|v| v != context.plan.version) {
            return Err(ServiceError::Conflict(format!(
                "plan {plan_id} changed since version {}",
                context.plan.version
            )));
        }
        Ok((tx, context))
    }

    /// Records an outreach attempt on an overdue plan: reached (off the worklist until
    /// `remind_on`), unreachable (lost to follow-up after the profile's attempts), or refused,
    /// moved away, died (the plan closes).
    #[tracing::instrument(skip_all, fields(user = %who.user, plan = %plan_id))]
    pub async fn record_outreach(
        &self,
        who: &Principal,
        plan_id: PlanId,
        on: Date,
        outcome: OutreachOutcome,
        expected_version: Option<i64>,
    ) -> Result<Versioned<FollowUpPlan>, ServiceError> {
        let now = self.deps.clock.now();
        happened("on", on, now.date())?;
        let (mut tx, context) = self
            .plan_for(who, plan_id, RECORD_OUTREACH, expected_version)
            .await?;
        let (plan, events) = context
            .plan
            .value
            .record_outreach(on, outcome, &self.deps.profile)?;
        let version = tx.update_plan(&plan, context.plan.version).await?;
        self.deps
            .commit(
                tx,
                context.patient.value.scope.community,
                events,
                audit_entry(
                    who,
                    RECORD_OUTREACH,
                    format!("plans/{plan_id}"),
                    plan.patient(),
                    now,
                ),
            )
            .await?;
        Ok(Versioned {
            value: plan,
            version,
        })
    }

    /// Closes an enrolment (death, moving out, refusal, cancellation) and every plan of it
    /// still waiting, in one transaction: the patient leaves the team's worklist, and a new
    /// enrolment for the condition becomes possible. `expected_version` is the enrolment's etag.
    #[tracing::instrument(skip_all, fields(user = %who.user, enrolment = %id))]
    pub async fn close_enrolment(
        &self,
        who: &Principal,
        id: EnrolmentId,
        on: Date,
        reason: CloseReason,
        expected_version: Option<i64>,
    ) -> Result<Versioned<Enrolment>, ServiceError> {
        let now = self.deps.clock.now();
        happened("on", on, now.date())?;
        let mut tx = self.deps.uow.begin().await?;
        let resource = format!("enrolments/{id}");
        let what = format!("enrolment {id}");
        let Some(enrolment) = tx.load_enrolment(id).await? else {
            return Err(self
                .deps
                .unseen_in(tx, who, CLOSE, resource, None, what)
                .await);
        };
        let patient = enrolment.value.patient();
        let scope = match tx.load_resident(patient).await?.map(|r| r.value.scope) {
            Some(s) if self.deps.access().sees_patient(who, patient, &s).await? => s,
            _ => {
                return Err(self
                    .deps
                    .unseen_in(tx, who, CLOSE, resource, patient, what)
                    .await);
            }
        };
        let may_act = who.team == Some(enrolment.value.team())
            || who.institution == enrolment.value.institution();
        if !may_act {
            let reason = "only the responsible team or institution closes an enrolment";
            return Err(self
                .deps
                .forbidden(Some(tx), who, CLOSE, resource, patient, reason)
                .await);
        }
        if expected_version.is_some_and(|v| v != enrolment.version) {
            return Err(ServiceError::Conflict(format!(
                "enrolment {id} changed since version {}",
                enrolment.version
            )));
        }
        let (closed, mut events) = enrolment.value.close(on, reason)?;
        let version = tx.update_enrolment(&closed, enrolment.version).await?;
        for plan in tx.waiting_plans_of(id).await? {
            let (done, more) = plan.value.close(on, reason)?;
            tx.update_plan(&done, plan.version).await?;
            events.extend(more);
        }
        self.deps
            .commit(
                tx,
                scope.community,
                events,
                audit_entry(who, CLOSE, resource, patient, now),
            )
            .await?;
        Ok(Versioned {
            value: closed,
            version,
        })
    }

    /// Records a visit on a waiting plan: classifies it, marks the plan done and schedules the
    /// next one, in one transaction; with `green`, a visit classed emergency also sends its
    /// emergency referral in that transaction (a visit of any other class naming one is
    /// refused, naming `emergency_referral`); a visit calling for a referral it does not send
    /// leaves a [`ReferralAdvice`] in the same transaction. `expected_version` is the client's
    /// etag of the plan.
    #[tracing::instrument(skip_all, fields(user = %who.user, plan = %plan_id))]
    pub async fn record_visit(
        &self,
        who: &Principal,
        plan_id: PlanId,
        visit: Visit,
        green: Option<GreenChannel>,
        expected_version: Option<i64>,
    ) -> Result<RecordedVisit, ServiceError> {
        let now = self.deps.clock.now();
        happened("visit.date", visit.date(), now.date())?;
        let (mut tx, context) = self
            .plan_for(who, plan_id, RECORD_VISIT, expected_version)
            .await?;
        let PlanInContext {
            plan,
            enrolment,
            patient,
        } = context;
        let patient = patient.value;
        enrolment
            .value
            .admits_visit_on(visit.date())
            .map_err(|e| ServiceError::invalid("visit.date", e))?;
        let visit_id = VisitId::from_uuid(self.deps.ids.new_id());
        let age = patient.resident.age_on(visit.date());
        let recorded = plan
            .value
            .record_visit(
                visit_id,
                &visit,
                age,
                PlanId::from_uuid(self.deps.ids.new_id()),
                &self.deps.profile,
            )
            .map_err(|e| visit_error(&visit, e))?;
        let green = match green {
            None => None,
            Some(g) => Some(crate::referral::green_channel(
                &self.deps,
                who,
                &recorded.assessment,
                g,
            )?),
        };
        let done_version = tx.update_plan(&recorded.done, plan.version).await?;
        let next_version = tx.insert_plan(&recorded.next).await?;
        tx.insert_visit(&VisitRecord {
            id: visit_id,
            plan: plan_id,
            patient: recorded.done.patient(),
            team: recorded.done.team(),
            visit,
            class: recorded.assessment.class,
        })
        .await?;
        let referral = match green {
            None => None,
            Some(send) => Some(
                send.in_tx(&self.deps, &mut tx, who, patient.resident.id(), now)
                    .await?,
            ),
        };
        // A referral the visit calls for and did not send is left as advice: no danger sign
        // is dropped.
        let advice = match recorded.assessment.referral {
            Some(need) if referral.is_none() => Some(
                advice::advise_in(
                    &self.deps,
                    &mut tx,
                    NewAdvice {
                        id: AdviceId::from_uuid(self.deps.ids.new_id()),
                        patient: patient.resident.id(),
                        community: patient.scope.community,
                        institution: who.institution,
                        team: Some(recorded.done.team()),
                        urgency: need.urgency,
                        reason: need.reason,
                        source: AdviceSource::Visit(visit_id),
                        at: now,
                    },
                )
                .await?,
            ),
            _ => None,
        };
        self.deps
            .commit(
                tx,
                patient.scope.community,
                recorded.events,
                audit_entry(
                    who,
                    RECORD_VISIT,
                    format!("plans/{plan_id}"),
                    recorded.done.patient(),
                    now,
                ),
            )
            .await?;
        Ok(RecordedVisit {
            visit: visit_id,
            done: Versioned {
                value: recorded.done,
                version: done_version,
            },
            next: Versioned {
                value: recorded.next,
                version: next_version,
            },
            assessment: recorded.assessment,
            referral,
            advice,
        })
    }

    /// The cards of a list's patients the caller may see ([`crate::card`]): display name,
    /// phone for those who call them, grid and area.
    pub async fn patient_cards(
        &self,
        who: &Principal,
        patients: &[ResidentId],
    ) -> Result<std::collections::HashMap<ResidentId, crate::PatientCard>, ServiceError> {
        self.deps.patient_cards(who, patients).await
    }

    /// A page of the caller's team's overdue worklist on `on`, riskiest first (AIP-158 paging:
    /// `page_size` 0 means the default, `page_token` is the previous page's `next`). Candidates
    /// come a page at a time from the `(team, state, rank, due, id)` index; overdue is derived
    /// here from the due dates and the profile's grace days, never stored. Each page is audited
    /// as one read.
    #[tracing::instrument(skip_all, fields(user = %who.user))]
    pub async fn overdue_worklist(
        &self,
        who: &Principal,
        on: Date,
        page_size: u32,
        page_token: Option<&str>,
    ) -> Result<Page<WorklistEntry>, ServiceError> {
        let team = Self::team_of(who)?;
        let after = page_token.map(parse_worklist_token).transpose()?;
        let limit = page_limit(page_size);
        let due_before = FollowUpPlan::overdue_if_due_before(on, &self.deps.profile)
            .ok_or_else(|| ServiceError::invalid("on", "out of range"))?;
        let mut plans = self
            .deps
            .follow_ups
            .worklist_page(team, due_before, on, after, limit + 1)
            .await?;
        // One more than the page tells whether another follows; the token is the position of
        // the page's last candidate, so a candidate the domain leaves out never shifts a page.
        let more = plans.len() > limit as usize;
        plans.truncate(limit as usize);
        let next = more
            .then(|| plans.last().map(|p| worklist_token(p.worklist_position())))
            .flatten();
        let items = overdue_worklist(&plans, team, on, &self.deps.profile)
            .into_iter()
            .filter(|e| after.is_none_or(|a| e.position() > a))
            .collect();
        self.deps
            .audit
            .record(&AuditEntry {
                actor: who.actor(),
                action: "follow_up.worklist".to_owned(),
                resource: format!("teams/{team}/worklist"),
                patient: None,
                at: self.deps.clock.now(),
                outcome: AuditOutcome::Success,
                break_glass: None,
            })
            .await?;
        Ok(Page { items, next })
    }
}

/// A worklist page token: the position of the previous page's last line, `rank.due.plan`.
/// Opaque to clients; parsed strictly, so a token that was not ours is `INVALID_ARGUMENT`.
fn worklist_token(p: WorklistPosition) -> String {
    format!("{}.{}.{}", p.rank, p.due, p.plan.as_uuid().simple())
}

fn parse_worklist_token(token: &str) -> Result<WorklistPosition, ServiceError> {
    let bad = || ServiceError::InvalidArgument {
        field: "page_token",
        reason: "not a token this worklist issued".to_owned(),
    };
    let mut parts = token.split('.');
    let (Some(rank), Some(due), Some(plan), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let rank: u8 = rank.parse().map_err(|_| bad())?;
    let due = Date::parse(
        due,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| bad())?;
    let plan = uuid::Uuid::try_parse(plan).map_err(|_| bad())?;
    if rank > WorklistPosition::LOWEST_RANK {
        return Err(bad());
    }
    Ok(WorklistPosition {
        rank,
        due,
        plan: PlanId::from_uuid(plan),
    })
}
