//! Referral use cases: create, attach results, approve, accept, reject, cancel, arrive,
//! complete, close on evidence, get; the lists in [`list`]; the advice a visit or screening
//! leaves when it sends no referral in [`advice`].

pub(crate) mod advice;
mod attach;
mod figures;
mod list;

pub use crate::access::{AdviceList, ReferralView};
pub use advice::AdviceService;
pub use figures::ReferralFlow;
pub use list::ReferralListing;

use std::sync::Arc;

use time::{Date, OffsetDateTime};
use yigong_domain::followup::{Assessment, ReferralNeed};
use yigong_domain::ids::{InstitutionId, PlanId, ReferralId, ResidentId, SessionId};
use yigong_domain::referral::{
    Appointment, AttachedResult, CreateReferral, Direction, DischargeSummary, ExternalEvidence,
    ReasonCode, Receiving, Referral, ReferralError, ReferralEvent, Route, Slip, SlotKind,
    StateName, Urgency,
};
use yigong_ports::{AuditEntry, AuditOutcome, Constraint, StoreError, Transaction, Versioned};

use crate::access::{ACCEPT, APPROVE, ARRIVE, CANCEL, CLOSE, COMPLETE, Guard, REJECT};
use crate::deps::{Claim, Request, abandon, audit_entry, claim};
use crate::{Deps, Principal, ServiceError};

const CREATE: &str = "referral.create";

/// What a new referral asks for; the sender is the caller's institution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReferral {
    /// The client's request id: a retry with the same id returns the first result.
    pub request_id: String,
    /// The patient.
    pub patient: ResidentId,
    /// The receiving institution.
    pub to: InstitutionId,
    /// Declared direction (checked against levels).
    pub direction: Direction,
    /// Urgency.
    pub urgency: Urgency,
    /// Coded reasons.
    pub reasons: Vec<ReasonCode>,
    /// The slip's clinical part.
    pub slip: Slip,
    /// Test results to attach.
    pub results: Vec<ResultInput>,
}

/// A test result as a sender gives it; the service checks it against the profile's catalogue,
/// the network and today ([`AttachedResult::new`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultInput {
    /// The test code.
    pub test: String,
    /// When it was taken.
    pub taken_on: Date,
    /// The issuing institution.
    pub by: InstitutionId,
    /// The value as reported, or empty.
    pub value: String,
    /// A report reference, or empty.
    pub report: String,
}

/// The referral use cases.
pub struct ReferralService {
    deps: Deps,
}

impl ReferralService {
    /// Builds the service over its ports.
    pub fn new(deps: Deps) -> Self {
        Self { deps }
    }

    /// The judge of attached results, for showing a referral.
    pub fn recognitions(&self) -> crate::Recognitions {
        crate::Recognitions::of(&self.deps)
    }

    fn audit(
        &self,
        who: &Principal,
        action: &str,
        r: &Referral,
        at: OffsetDateTime,
        outcome: AuditOutcome,
    ) -> AuditEntry {
        AuditEntry {
            outcome,
            ..audit_entry(
                who,
                action,
                format!("referrals/{}", r.id()),
                r.patient(),
                at,
            )
        }
    }

    /// Saves state, events and audit in the transaction and commits; any failure drops the
    /// transaction, so nothing is written.
    async fn finish(
        &self,
        mut tx: Box<dyn Transaction>,
        who: &Principal,
        action: &str,
        change: (Referral, Option<i64>, Vec<ReferralEvent>),
        now: OffsetDateTime,
    ) -> Result<Versioned<Referral>, ServiceError> {
        let (referral, expected, events) = change;
        let version = match expected {
            None => insert(&mut tx, &referral).await?,
            Some(v) => tx.update_referral(&referral, v).await?,
        };
        self.deps
            .commit(
                tx,
                referral.community(),
                events,
                self.audit(who, action, &referral, now, AuditOutcome::Success),
            )
            .await?;
        Ok(Versioned {
            value: referral,
            version,
        })
    }

    /// The results as the domain takes them, or the first bad one named by its position in
    /// `list` (`index` is `None` for a single result).
    fn results(
        &self,
        inputs: Vec<ResultInput>,
        today: Date,
    ) -> Result<Vec<AttachedResult>, ServiceError> {
        inputs
            .into_iter()
            .enumerate()
            .map(|(i, r)| self.result("results", Some(i), r, today))
            .collect()
    }

    /// One result input checked: `list[index].field` names what is wrong.
    fn result(
        &self,
        list: &'static str,
        index: Option<usize>,
        r: ResultInput,
        today: Date,
    ) -> Result<AttachedResult, ServiceError> {
        let bad = |field, reason: String| ServiceError::InvalidElement {
            list,
            index,
            field,
            reason,
        };
        // The issuer must be an institution the county knows: recognition is between its
        // institutions.
        if self.deps.network.current().institution(r.by).is_err() {
            return Err(bad(
                "issuing_institution",
                format!("institution {} is not in the network", r.by),
            ));
        }
        AttachedResult::new(
            &r.test,
            r.taken_on,
            r.by,
            &r.value,
            &r.report,
            today,
            &self.deps.profile,
        )
        .map_err(|e| bad(e.field, e.reason))
    }

    /// Creates a referral from the caller's institution. Idempotent on `request_id`.
    #[tracing::instrument(skip_all, fields(user = %who.user, institution = %who.institution))]
    pub async fn create(
        &self,
        who: &Principal,
        cmd: NewReferral,
    ) -> Result<Versioned<Referral>, ServiceError> {
        self.deps
            .clinician_only(
                who,
                CREATE,
                "referrals".to_owned(),
                cmd.patient,
                "refer patients",
            )
            .await?;
        let request = Request::new(&*self.deps.requests, who, &cmd.request_id, CREATE, &cmd)?;
        let route = Route::in_network(&self.deps.network.current(), who.institution, cmd.to)
            .map_err(|e| ServiceError::InvalidArgument {
                field: "to",
                reason: e.to_string(),
            })?;
        let now = self.deps.clock.now();
        let attachments = self.results(cmd.results, now.date())?;
        let id = ReferralId::from_uuid(self.deps.ids.new_id());
        // Only the patient's own carers (whoever may see the record) refer: a referral is how
        // a receiver's access begins, so it must not be a way around the patient's scope. The
        // record is read in the command's transaction, before anything is written.
        let tx = self.deps.uow.begin().await?;
        let (mut tx, _) = self.deps.patient_in(tx, who, cmd.patient, CREATE).await?;
        if let Claim::Retry = claim(&mut tx, &request, id.as_uuid()).await? {
            abandon(tx).await;
            return self.first_result(who, &request).await;
        }
        let (referral, events) = open(
            &self.deps,
            &mut tx,
            CreateReferral {
                id,
                patient: cmd.patient,
                direction: cmd.direction,
                urgency: cmd.urgency,
                reasons: cmd.reasons,
                slip: cmd.slip,
                attachments,
            },
            &route,
            now,
        )
        .await?;
        self.finish(tx, who, CREATE, (referral, None, events), now)
            .await
    }

    async fn first_result(
        &self,
        who: &Principal,
        request: &Request,
    ) -> Result<Versioned<Referral>, ServiceError> {
        let first = self.deps.first_result(request).await?;
        let found = self
            .deps
            .referrals
            .get_referral(ReferralId::from_uuid(first))
            .await?;
        match found {
            Some(v) if who.can_see_referral(&v.value) => Ok(v),
            _ => Err(ServiceError::NotFound(
                "the referral this request created".to_owned(),
            )),
        }
    }

    /// Loads a referral for a command, refusing callers who may not see it as not found.
    async fn load(
        &self,
        mut tx: Box<dyn Transaction>,
        who: &Principal,
        id: ReferralId,
        action: &str,
    ) -> Result<(Box<dyn Transaction>, Versioned<Referral>), ServiceError> {
        match tx.load_referral(id).await? {
            Some(v) if who.can_see_referral(&v.value) => Ok((tx, v)),
            // Unseen or absent alike (NOT_FOUND says nothing of which), and audited as the
            // read is: a command on a referral is checked as its read.
            found => Err(self
                .deps
                .unseen_in(
                    tx,
                    who,
                    action,
                    format!("referrals/{id}"),
                    found.map(|v| v.value.patient()),
                    format!("referral {id}"),
                )
                .await),
        }
    }

    /// Opens a transition on a stored referral: load, check who may do it (a refusal is
    /// audited), check the client's etag. Returns the open transaction, the loaded referral and
    /// the command's `now`.
    async fn open(
        &self,
        who: &Principal,
        id: ReferralId,
        guard: &Guard,
        expected_version: Option<i64>,
    ) -> Result<(Box<dyn Transaction>, Versioned<Referral>, OffsetDateTime), ServiceError> {
        let now = self.deps.clock.now();
        let tx = self.deps.uow.begin().await?;
        let (tx, loaded) = self.load(tx, who, id, guard.action).await?;
        if !(guard.allowed)(who, &loaded.value) {
            abandon(tx).await;
            self.deny(who, guard.action, &loaded.value, now).await;
            return Err(ServiceError::PermissionDenied(guard.denied.to_owned()));
        }
        if expected_version.is_some_and(|v| v != loaded.version) {
            return Err(ServiceError::Conflict(format!(
                "referral {id} changed since version {}",
                loaded.version
            )));
        }
        Ok((tx, loaded, now))
    }

    /// Runs one transition on a stored referral: `open`, apply the domain transition, `finish`.
    async fn transition(
        &self,
        who: &Principal,
        id: ReferralId,
        guard: Guard,
        expected_version: Option<i64>,
        apply: impl FnOnce(
            Referral,
            OffsetDateTime,
        ) -> Result<(Referral, Vec<ReferralEvent>), ReferralError>
        + Send,
    ) -> Result<Versioned<Referral>, ServiceError> {
        let (tx, loaded, now) = self.open(who, id, &guard, expected_version).await?;
        let (referral, events) = apply(loaded.value, now)?;
        self.finish(
            tx,
            who,
            guard.action,
            (referral, Some(loaded.version), events),
            now,
        )
        .await
    }

    /// The receiver accepts with an appointment and the department (and doctor) taking the
    /// patient; with `session`, the appointment books a slot of that specialist session (a
    /// reserved one for `SlotKind::Reserved`, which needs a session) in the same transaction:
    /// of two acceptances racing for the last slot one lands, the other is a `Conflict`.
    /// `expected_version` is the client's etag, if any.
    #[tracing::instrument(skip_all, fields(user = %who.user, referral = %id))]
    pub async fn accept(
        &self,
        who: &Principal,
        id: ReferralId,
        appointment: Appointment,
        receiving: Receiving,
        session: Option<SessionId>,
        expected_version: Option<i64>,
    ) -> Result<Versioned<Referral>, ServiceError> {
        let profile = Arc::clone(&self.deps.profile);
        let Some(session) = session else {
            if appointment.slot == SlotKind::Reserved {
                return Err(ServiceError::InvalidArgument {
                    field: "session",
                    reason: "a reserved slot is booked in a specialist session: name it".to_owned(),
                });
            }
            return self
                .transition(who, id, ACCEPT, expected_version, move |r, now| {
                    r.accept(appointment, receiving, None, now, &profile)
                })
                .await;
        };
        let (mut tx, loaded, now) = self.open(who, id, &ACCEPT, expected_version).await?;
        let bad = |field, reason: &str| ServiceError::InvalidArgument {
            field,
            reason: reason.to_owned(),
        };
        let slots = match tx.load_session(session).await? {
            Some(s) if s.value.held_at() == loaded.value.to() => s,
            _ => {
                return Err(bad(
                    "session",
                    "no session of the receiving institution by that name",
                ));
            }
        };
        if slots.value.date() != appointment.at.date() {
            return Err(bad("appointment.time", "not on the session's day"));
        }
        let own = crate::schedule::of_community(
            &self.deps.network.current(),
            &slots.value,
            loaded.value.community(),
        );
        let quota = slots.value.quota();
        let (referral, events) =
            loaded
                .value
                .accept(appointment, receiving, Some(&quota), now, &profile)?;
        let (booked, booking) = slots
            .value
            .book(referral.id(), appointment.slot, own, now.date(), &profile)
            .map_err(crate::schedule::schedule_error)?;
        tx.update_session(&booked, slots.version).await?;
        tx.append_events(&self.deps.outbox(referral.community(), booking, now)?)
            .await?;
        let referral = referral.booked_in(session);
        self.finish(
            tx,
            who,
            ACCEPT.action,
            (referral, Some(loaded.version), events),
            now,
        )
        .await
    }

    /// Closes an open referral on evidence that the care it asked for will not happen: the
    /// patient died or was admitted elsewhere. The sender, the receiver (or its hospital
    /// system) or the community's desk reports it.
    #[tracing::instrument(skip_all, fields(user = %who.user, referral = %id))]
    pub async fn close(
        &self,
        who: &Principal,
        id: ReferralId,
        evidence: ExternalEvidence,
        expected_version: Option<i64>,
    ) -> Result<Versioned<Referral>, ServiceError> {
        let (mut tx, loaded, now) = self.open(who, id, &CLOSE, expected_version).await?;
        release_slot(&self.deps, &mut tx, &loaded.value, now).await?;
        let (referral, events) = loaded.value.close_on_evidence(evidence)?;
        self.finish(
            tx,
            who,
            CLOSE.action,
            (referral, Some(loaded.version), events),
            now,
        )
        .await
    }

    /// The sender cancels a request not yet accepted.
    #[tracing::instrument(skip_all, fields(user = %who.user, referral = %id))]
    pub async fn cancel(
        &self,
        who: &Principal,
        id: ReferralId,
        reason: &str,
        expected_version: Option<i64>,
    ) -> Result<Versioned<Referral>, ServiceError> {
        self.transition(who, id, CANCEL, expected_version, |r, _| r.cancel(reason))
            .await
    }

    /// The community's referral desk approves a routine upward request; its answer deadline
    /// starts now.
    #[tracing::instrument(skip_all, fields(user = %who.user, referral = %id))]
    pub async fn approve(
        &self,
        who: &Principal,
        id: ReferralId,
        expected_version: Option<i64>,
    ) -> Result<Versioned<Referral>, ServiceError> {
        let profile = Arc::clone(&self.deps.profile);
        self.transition(who, id, APPROVE, expected_version, move |r, now| {
            r.approve(now, &profile)
        })
        .await
    }

    /// The receiver (or the desk, before approval) rejects with a reason.
    #[tracing::instrument(skip_all, fields(user = %who.user, referral = %id))]
    pub async fn reject(
        &self,
        who: &Principal,
        id: ReferralId,
        reason: &str,
        expected_version: Option<i64>,
    ) -> Result<Versioned<Referral>, ServiceError> {
        self.transition(who, id, REJECT, expected_version, |r, now| {
            r.reject(reason, now)
        })
        .await
    }

    /// The receiver records the patient's arrival (an emergency may arrive before acceptance).
    #[tracing::instrument(skip_all, fields(user = %who.user, referral = %id))]
    pub async fn arrive(
        &self,
        who: &Principal,
        id: ReferralId,
        expected_version: Option<i64>,
    ) -> Result<Versioned<Referral>, ServiceError> {
        self.transition(who, id, ARRIVE, expected_version, |r, now| r.arrive(now))
            .await
    }

    /// The receiver completes with its discharge summary and rehabilitation guidance. A
    /// completed downward referral also schedules, in the same transaction, the receiving
    /// institution's follow-up of each of the patient's open enrolments held there, due within
    /// the profile's days (§7); without such an enrolment the `DownwardFollowUpDue` event tells
    /// the institution to enrol the patient.
    #[tracing::instrument(skip_all, fields(user = %who.user, referral = %id))]
    pub async fn complete(
        &self,
        who: &Principal,
        id: ReferralId,
        summary: DischargeSummary,
        expected_version: Option<i64>,
    ) -> Result<Versioned<Referral>, ServiceError> {
        let (mut tx, loaded, now) = self.open(who, id, &COMPLETE, expected_version).await?;
        let (referral, events) = loaded.value.complete(summary, now, &self.deps.profile)?;
        if referral.direction() == Direction::Downward {
            for enrolment in tx.open_enrolments(referral.patient()).await? {
                let enrolment = enrolment.value;
                if enrolment.institution() != referral.to() {
                    continue;
                }
                let (plan, scheduled) = enrolment.schedule_after_downward_referral(
                    &referral,
                    PlanId::from_uuid(self.deps.ids.new_id()),
                    &self.deps.profile,
                )?;
                tx.insert_plan(&plan).await?;
                tx.append_events(&self.deps.outbox(referral.community(), scheduled, now)?)
                    .await?;
            }
        }
        self.finish(
            tx,
            who,
            COMPLETE.action,
            (referral, Some(loaded.version), events),
            now,
        )
        .await
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

    /// Reads a referral; the read is audited.
    #[tracing::instrument(skip_all, fields(user = %who.user, referral = %id))]
    pub async fn get(
        &self,
        who: &Principal,
        id: ReferralId,
    ) -> Result<Versioned<Referral>, ServiceError> {
        let found = self.deps.referrals.get_referral(id).await?;
        let patient = found.as_ref().map(|v| v.value.patient());
        let Some(v) = found.filter(|v| who.can_see_referral(&v.value)) else {
            return Err(self
                .deps
                .unseen(
                    who,
                    "referral.get",
                    format!("referrals/{id}"),
                    patient,
                    format!("referral {id}"),
                )
                .await);
        };
        let entry = self.audit(
            who,
            "referral.get",
            &v.value,
            self.deps.clock.now(),
            AuditOutcome::Success,
        );
        self.deps.audit.record(&entry).await?;
        Ok(v)
    }

    async fn deny(&self, who: &Principal, action: &str, r: &Referral, now: OffsetDateTime) {
        let entry = self.audit(who, action, r, now, AuditOutcome::Denied);
        self.deps.audit_refusal(&entry).await;
    }
}

/// A recorded death closes the patient's open referrals in the transaction that records it
/// (`REF-EXTERNAL-CLOSE`): no receiver keeps a slot or a deadline for a patient who will not
/// come. Each closure is an event and an audit entry of its own.
pub(crate) async fn close_on_death(
    deps: &Deps,
    tx: &mut Box<dyn Transaction>,
    who: &Principal,
    patient: ResidentId,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    for open in deps.referrals.open_referrals_of(patient).await? {
        // Read again in the transaction: what the read side listed may have moved on.
        let Some(loaded) = tx.load_referral(open.value.id()).await? else {
            continue;
        };
        if !loaded.value.state().name().is_open() {
            continue;
        }
        release_slot(deps, tx, &loaded.value, now).await?;
        let (closed, events) = loaded
            .value
            .close_on_evidence(ExternalEvidence::PatientDied)?;
        tx.update_referral(&closed, loaded.version).await?;
        tx.append_events(&deps.outbox(closed.community(), events, now)?)
            .await?;
        tx.append_audit(&audit_entry(
            who,
            CLOSE.action,
            format!("referrals/{}", closed.id()),
            patient,
            now,
        ))
        .await?;
    }
    Ok(())
}

/// A new referral as the domain creates it, in the command's transaction (`tx`): for an
/// upward one, the waiting plans of the patient's enrolments held by the sender are brought
/// forward to the sender's follow-up day (§6) and named on it. Nothing of the referral itself
/// is written yet ([`insert`]).
pub(crate) async fn open(
    deps: &Deps,
    tx: &mut Box<dyn Transaction>,
    cmd: CreateReferral,
    route: &Route,
    now: OffsetDateTime,
) -> Result<(Referral, Vec<ReferralEvent>), ServiceError> {
    // The patient's other open referrals are checked by the store's unique index at insert
    // (mapped to the same rule), not read first: race-free, and one round trip less.
    let (referral, events) = Referral::create(cmd, route, &[], now, &deps.profile)?;
    advice::close_by_referral(deps, tx, &referral, now).await?;
    if referral.sender_follow_up().is_none() {
        return Ok((referral, events));
    }
    let mut plans = Vec::new();
    for enrolment in tx.open_enrolments(referral.patient()).await? {
        if enrolment.value.institution() != referral.from() {
            continue;
        }
        for plan in tx.waiting_plans_of(enrolment.value.id()).await? {
            let moved = plan
                .value
                .for_upward_referral(referral.id(), now.date(), &deps.profile);
            tx.update_plan(&moved, plan.version).await?;
            plans.push(moved.id());
        }
    }
    Ok((referral.followed_up_by(plans), events))
}

/// Inserts a new referral. The store's unique index is the domain's one-open-per-direction
/// rule, enforced race-free at insert; its refusal is the domain's error.
pub(crate) async fn insert(
    tx: &mut Box<dyn Transaction>,
    referral: &Referral,
) -> Result<i64, ServiceError> {
    tx.insert_referral(referral).await.map_err(|e| match e {
        StoreError::Duplicate {
            constraint: Constraint::OpenReferral,
        } => ReferralError::OpenReferralExists(referral.direction()).into(),
        e => ServiceError::from(e),
    })
}

/// Where a visit's emergency referral goes, and its slip: a visit classed emergency that
/// names them sends the referral in its own transaction (the green channel, 绿色通道), so no
/// danger sign waits for a second command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GreenChannel {
    /// The receiving institution.
    pub to: InstitutionId,
    /// The slip.
    pub slip: Slip,
}

/// A visit's emergency referral, checked before the visit writes anything: the route and the
/// reason the domain's assessment gives ([`Assessment::green_channel`]).
pub(crate) struct GreenReferral {
    route: Route,
    need: ReferralNeed,
    slip: Slip,
}

/// Checks a visit's green channel: the visit must be classed emergency, and the receiver
/// must be an institution the caller's institution may refer to.
pub(crate) fn green_channel(
    deps: &Deps,
    who: &Principal,
    assessment: &Assessment,
    green: GreenChannel,
) -> Result<GreenReferral, ServiceError> {
    let Some(need) = assessment.green_channel() else {
        return Err(ServiceError::InvalidArgument {
            field: "emergency_referral",
            reason: format!(
                "the visit is classed {}, not an emergency: send a routine referral with \
                 CreateReferral",
                assessment.class.code()
            ),
        });
    };
    let route =
        Route::in_network(&deps.network.current(), who.institution, green.to).map_err(|e| {
            ServiceError::InvalidArgument {
                field: "emergency_referral.to_institution",
                reason: e.to_string(),
            }
        })?;
    Ok(GreenReferral {
        route,
        need,
        slip: green.slip,
    })
}

impl GreenReferral {
    /// Sends the referral in the visit's transaction: upward, emergency, for the assessed
    /// reason; its event and audit entry land with the visit or not at all.
    pub(crate) async fn in_tx(
        self,
        deps: &Deps,
        tx: &mut Box<dyn Transaction>,
        who: &Principal,
        patient: ResidentId,
        now: OffsetDateTime,
    ) -> Result<Versioned<Referral>, ServiceError> {
        let cmd = CreateReferral {
            id: ReferralId::from_uuid(deps.ids.new_id()),
            patient,
            direction: Direction::Upward,
            urgency: self.need.urgency,
            reasons: vec![self.need.reason],
            slip: self.slip,
            attachments: Vec::new(),
        };
        let (referral, events) = open(deps, tx, cmd, &self.route, now).await?;
        let version = insert(tx, &referral).await?;
        tx.append_events(&deps.outbox(referral.community(), events, now)?)
            .await?;
        tx.append_audit(&audit_entry(
            who,
            CREATE,
            format!("referrals/{}", referral.id()),
            patient,
            now,
        ))
        .await?;
        Ok(Versioned {
            value: referral,
            version,
        })
    }
}

/// An accepted referral that closes gives back the session slot it booked, in the closing
/// transaction.
async fn release_slot(
    deps: &Deps,
    tx: &mut Box<dyn Transaction>,
    referral: &Referral,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    let Some(session) = referral.session() else {
        return Ok(());
    };
    if referral.state().name() != StateName::Accepted {
        return Ok(());
    }
    let Some(slots) = tx.load_session(session).await? else {
        return Ok(());
    };
    let (released, events) = slots.value.release(referral.id());
    if events.is_empty() {
        return Ok(());
    }
    tx.update_session(&released, slots.version).await?;
    tx.append_events(&deps.outbox(referral.community(), events, now)?)
        .await?;
    Ok(())
}
