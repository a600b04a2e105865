//! Residents and chronic-disease follow-up: register a resident (one or a batch), read a
//! record, enrol a confirmed patient, record a visit or an outreach, close an enrolment, and
//! the team's overdue worklist.

use std::collections::{BTreeSet, HashMap};

use time::{Date, OffsetDateTime};
use yigong_domain::calendar;
use yigong_domain::followup::{
    Assessment, CloseReason, Condition, Confirmation, EnrolPatient, Enrolment, FollowUpPlan,
    OutreachOutcome, Visit, WorklistEntry, WorklistPosition, overdue_worklist,
};
use yigong_domain::identity::{
    CitizenId, DocumentKind, IdentityDocument, OtherDocument, Resident, Sex,
};
use yigong_domain::ids::{
    EnrolmentId, GridId, HouseholdId, InstitutionId, PlanId, ResidentId, TeamId, VisitId,
};
use yigong_ports::{
    AuditEntry, AuditOutcome, Page, PatientRecord, PatientScope, PlanInContext, Transaction,
    Versioned, VisitRecord,
};

use crate::deps::{Claim, audit_entry, batch_size, claim, derived_ids, page_limit, request_id};
use crate::error::happened;
use crate::screening::{MAX_BATCH_ROWS, RowError};
use crate::{Deps, Principal, Role, ServiceError};

const REGISTER: &str = "resident.register";
const IMPORT: &str = "resident.import";
const ENROL: &str = "follow_up.enrol";
const RECORD_VISIT: &str = "follow_up.record_visit";
const RECORD_OUTREACH: &str = "follow_up.record_outreach";
const CLOSE: &str = "follow_up.close_enrolment";

/// A resident's identity document as the client sends it; parsed here, so a bad number is an
/// `INVALID_ARGUMENT` naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentInput {
    /// A citizen identity number (GB 11643): birth date and sex come from it.
    CitizenId(String),
    /// Another document, with birth date and sex stated.
    Other {
        /// Its type.
        kind: DocumentKind,
        /// Its number.
        number: String,
        /// Birth date.
        birth_date: Date,
        /// Sex.
        sex: Sex,
    },
}

/// Registration of a resident's health record at the caller's institution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResident {
    /// The client's request id: a retry with the same id returns the first result.
    pub request_id: String,
    /// The identity document.
    pub document: DocumentInput,
    /// The household, if known; it must exist, and the record follows its grid.
    pub household: Option<HouseholdId>,
    /// The responsibility grid: taken from the household when one is given (a grid stated
    /// beside it must match); stated alone for a resident not yet placed in a household.
    pub grid: Option<GridId>,
    /// Since when the resident lives in the jurisdiction.
    pub resident_since: Date,
}

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
}

fn entry(
    who: &Principal,
    action: &str,
    resource: String,
    patient: ResidentId,
    at: OffsetDateTime,
) -> AuditEntry {
    audit_entry(who, action, resource, Some(patient), at)
}

fn parse_document(
    input: DocumentInput,
    id: ResidentId,
    household: Option<HouseholdId>,
    since: Date,
    today: Date,
) -> Result<Resident, ServiceError> {
    let invalid = |field: &'static str| {
        move |e: yigong_domain::identity::IdentityError| ServiceError::InvalidArgument {
            field,
            reason: e.to_string(),
        }
    };
    match input {
        DocumentInput::CitizenId(text) => {
            let citizen = CitizenId::parse(&text, today).map_err(invalid("citizen_id"))?;
            Resident::with_citizen_id(id, citizen, household, since)
                .map_err(invalid("resident_since"))
        }
        DocumentInput::Other {
            kind,
            number,
            birth_date,
            sex,
        } => {
            happened("birth_date", birth_date, today)?;
            let document = OtherDocument::new(kind, &number).map_err(invalid("document_number"))?;
            Resident::with_document(id, document, birth_date, sex, household, since)
                .map_err(invalid("resident_since"))
        }
    }
}

/// The grid of a resident's household: the household must exist, and a grid stated beside it
/// must be the household's.
async fn household_grid(
    tx: &mut Box<dyn Transaction>,
    household: HouseholdId,
    stated: Option<GridId>,
) -> Result<GridId, ServiceError> {
    let Some(found) = tx.load_households(&[household]).await?.into_iter().next() else {
        return Err(ServiceError::InvalidArgument {
            field: "household",
            reason: format!("household {household} does not exist"),
        });
    };
    match stated {
        Some(grid) if grid != found.grid => Err(ServiceError::InvalidArgument {
            field: "grid",
            reason: format!("household {household} belongs to grid {}", found.grid),
        }),
        _ => Ok(found.grid),
    }
}

/// One resident of a batch import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentRow {
    /// The identity document.
    pub document: DocumentInput,
    /// The household, if known (it must exist).
    pub household: Option<HouseholdId>,
    /// The grid, when no household is given (or matching the household's).
    pub grid: Option<GridId>,
    /// Since when the resident lives in the jurisdiction.
    pub resident_since: Date,
}

/// What became of a resident batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentImport {
    /// The residents registered, in row order (empty when `errors` is not).
    pub residents: Vec<ResidentId>,
    /// Every invalid row; non-empty means nothing was written.
    pub errors: Vec<RowError>,
}

/// Changes to a resident's record (AIP-134 partial update: `None` leaves a field alone).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResidentUpdate {
    /// Moves the resident to this household; the record follows its grid.
    pub household: Option<HouseholdId>,
    /// The day the resident moved out of the jurisdiction.
    pub moved_out_on: Option<Date>,
    /// The day the resident died.
    pub died_on: Option<Date>,
}

/// The resident registry use cases.
pub struct ResidentService {
    deps: Deps,
}

impl ResidentService {
    /// Builds the service over its ports.
    pub fn new(deps: Deps) -> Self {
        Self { deps }
    }

    /// Registers a resident's record at the caller's institution. Idempotent on `request_id`;
    /// a second record for the same identity document is `AlreadyExists`.
    #[tracing::instrument(skip_all, fields(user = %who.user, institution = %who.institution))]
    pub async fn register(
        &self,
        who: &Principal,
        cmd: NewResident,
    ) -> Result<Versioned<PatientRecord>, ServiceError> {
        if who.role != Role::Clinician {
            return Err(ServiceError::PermissionDenied(
                "only clinicians keep health records".to_owned(),
            ));
        }
        let request_id = request_id(&cmd.request_id)?;
        let now = self.deps.clock.now();
        let id = ResidentId::from_uuid(self.deps.ids.new_id());
        let resident = parse_document(
            cmd.document,
            id,
            cmd.household,
            cmd.resident_since,
            now.date(),
        )?;
        happened("resident_since", cmd.resident_since, now.date())?;
        let mut tx = self.deps.uow.begin().await?;
        if let Claim::Retry = claim(&mut tx, request_id, REGISTER, id.as_uuid()).await? {
            drop(tx);
            let first = ResidentId::from_uuid(self.deps.first_result(request_id, REGISTER).await?);
            return self.get(who, first).await;
        }
        let grid = match cmd.household {
            Some(household) => Some(household_grid(&mut tx, household, cmd.grid).await?),
            None => cmd.grid,
        };
        let record = PatientRecord {
            scope: PatientScope {
                community: who.community,
                institution: who.institution,
                grid,
            },
            resident,
        };
        let version = tx.insert_resident(&record).await?;
        let event = record.resident.registered();
        tx.append_events(&self.deps.outbox(who.community, [event], now)?)
            .await?;
        tx.append_audit(&entry(who, REGISTER, format!("residents/{id}"), id, now))
            .await?;
        tx.commit().await?;
        Ok(Versioned {
            value: record,
            version,
        })
    }

    /// Registers a batch of residents at the caller's institution: every row parsed and
    /// checked (document, dates, household and grid, a document registered before or twice in
    /// the batch), any invalid row rejects the batch with every row's error, a valid batch is
    /// one transaction of multi-row inserts with an audit entry per resident. Idempotent on
    /// `request_id`: a retry returns the same ids.
    #[tracing::instrument(skip_all, fields(user = %who.user, rows = rows.len()))]
    pub async fn import_residents(
        &self,
        who: &Principal,
        request_id_raw: &str,
        rows: Vec<ResidentRow>,
    ) -> Result<ResidentImport, ServiceError> {
        if who.role != Role::Clinician {
            return Err(ServiceError::PermissionDenied(
                "only clinicians keep health records".to_owned(),
            ));
        }
        let request_id = request_id(request_id_raw)?;
        batch_size(rows.len(), MAX_BATCH_ROWS)?;
        let now = self.deps.clock.now();
        let today = now.date();
        let base = self.deps.ids.new_id();
        let ids: Vec<ResidentId> = derived_ids(base, rows.len())
            .into_iter()
            .map(ResidentId::from_uuid)
            .collect();
        let mut tx = self.deps.uow.begin().await?;
        if let Claim::Retry = claim(&mut tx, request_id, IMPORT, base).await? {
            drop(tx);
            let first = self.deps.first_result(request_id, IMPORT).await?;
            return Ok(ResidentImport {
                residents: derived_ids(first, rows.len())
                    .into_iter()
                    .map(ResidentId::from_uuid)
                    .collect(),
                errors: Vec::new(),
            });
        }
        let wanted: Vec<HouseholdId> = rows
            .iter()
            .filter_map(|r| r.household)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let households: HashMap<HouseholdId, GridId> = tx
            .load_households(&wanted)
            .await?
            .into_iter()
            .map(|h| (h.id, h.grid))
            .collect();
        let mut errors = Vec::new();
        let mut parsed: Vec<(usize, PatientRecord)> = Vec::with_capacity(rows.len());
        let mut seen: HashMap<IdentityDocument, usize> = HashMap::new();
        for (row, (input, id)) in rows.into_iter().zip(&ids).enumerate() {
            let mut fail = |field: &'static str, reason: String| {
                errors.push(RowError { row, field, reason });
            };
            if let Err(e) = calendar::not_after(input.resident_since, today) {
                fail("resident_since", e.to_string());
                continue;
            }
            let grid = match (input.household, input.grid) {
                (Some(h), stated) => match households.get(&h) {
                    None => {
                        fail("household", format!("household {h} does not exist"));
                        continue;
                    }
                    Some(g) if stated.is_some_and(|s| s != *g) => {
                        fail("grid", format!("household {h} belongs to grid {g}"));
                        continue;
                    }
                    Some(g) => Some(*g),
                },
                (None, stated) => stated,
            };
            let resident = match parse_document(
                input.document,
                *id,
                input.household,
                input.resident_since,
                today,
            ) {
                Ok(r) => r,
                Err(ServiceError::InvalidArgument { field, reason }) => {
                    fail(field, reason);
                    continue;
                }
                Err(e) => return Err(e),
            };
            if let Some(first) = seen.insert(resident.document().clone(), row) {
                fail("document", format!("the same document as row {first}"));
                continue;
            }
            parsed.push((
                row,
                PatientRecord {
                    resident,
                    scope: PatientScope {
                        community: who.community,
                        institution: who.institution,
                        grid,
                    },
                },
            ));
        }
        let candidates: Vec<Resident> = parsed.iter().map(|(_, r)| r.resident.clone()).collect();
        for i in tx.registered_documents(&candidates).await? {
            errors.push(RowError {
                row: parsed[i].0,
                field: "document",
                reason: "a resident with this identity document is registered".to_owned(),
            });
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.row);
            // Dropped: the claim rolls back too, so the fixed batch can reuse the request id.
            drop(tx);
            return Ok(ResidentImport {
                residents: Vec::new(),
                errors,
            });
        }
        let records: Vec<PatientRecord> = parsed.into_iter().map(|(_, r)| r).collect();
        tx.insert_residents(&records).await?;
        tx.append_events(&self.deps.outbox(
            who.community,
            records.iter().map(|r| r.resident.registered()),
            now,
        )?)
        .await?;
        let audits: Vec<AuditEntry> = records
            .iter()
            .map(|r| {
                let id = r.resident.id();
                entry(who, IMPORT, format!("residents/{id}"), id, now)
            })
            .collect();
        tx.append_audits(&audits).await?;
        tx.commit().await?;
        Ok(ResidentImport {
            residents: ids,
            errors: Vec::new(),
        })
    }

    /// Reads a resident's record; the read is audited. Unseen records are `NotFound`.
    #[tracing::instrument(skip_all, fields(user = %who.user, resident = %id))]
    pub async fn get(
        &self,
        who: &Principal,
        id: ResidentId,
    ) -> Result<Versioned<PatientRecord>, ServiceError> {
        let found = self.deps.follow_ups.get_resident(id).await?;
        let record = match found {
            Some(r)
                if self
                    .deps
                    .sees_patient(who, r.value.resident.id(), &r.value.scope)
                    .await? =>
            {
                r
            }
            _ => return Err(ServiceError::NotFound(format!("resident {id}"))),
        };
        self.deps
            .audit
            .record(&entry(
                who,
                "resident.get",
                format!("residents/{id}"),
                id,
                self.deps.clock.now(),
            ))
            .await?;
        Ok(record)
    }

    /// Updates a record the caller may see: a new household (the record follows its grid), a
    /// move out of the jurisdiction, a death — each through the domain, with its event, in one
    /// transaction; `expected_version` is the client's etag (a stale one is `Conflict`).
    #[tracing::instrument(skip_all, fields(user = %who.user, resident = %id))]
    pub async fn update(
        &self,
        who: &Principal,
        id: ResidentId,
        change: ResidentUpdate,
        expected_version: Option<i64>,
    ) -> Result<Versioned<PatientRecord>, ServiceError> {
        if who.role != Role::Clinician {
            return Err(ServiceError::PermissionDenied(
                "only clinicians keep health records".to_owned(),
            ));
        }
        if change == ResidentUpdate::default() {
            return Err(ServiceError::InvalidArgument {
                field: "update_mask",
                reason: "names no field to change".to_owned(),
            });
        }
        let now = self.deps.clock.now();
        for (field, date) in [
            ("moved_out_on", change.moved_out_on),
            ("died_on", change.died_on),
        ] {
            if let Some(d) = date {
                happened(field, d, now.date())?;
            }
        }
        let mut tx = self.deps.uow.begin().await?;
        let loaded = match tx.load_resident(id).await? {
            Some(r)
                if self
                    .deps
                    .sees_patient(who, r.value.resident.id(), &r.value.scope)
                    .await? =>
            {
                r
            }
            _ => return Err(ServiceError::NotFound(format!("resident {id}"))),
        };
        if let Some(expected) = expected_version
            && expected != loaded.version
        {
            return Err(ServiceError::Conflict(format!(
                "resident {id} is at version {}, not {expected}",
                loaded.version
            )));
        }
        let PatientRecord {
            mut resident,
            mut scope,
        } = loaded.value;
        let mut events = Vec::new();
        if let Some(household) = change.household {
            scope.grid = Some(household_grid(&mut tx, household, None).await?);
            let (moved, e) = resident.move_household(household);
            resident = moved;
            events.extend(e);
        }
        let invalid = |field: &'static str| {
            move |e: yigong_domain::identity::IdentityError| ServiceError::InvalidArgument {
                field,
                reason: e.to_string(),
            }
        };
        if let Some(on) = change.moved_out_on {
            let (moved, e) = resident.move_out(on).map_err(invalid("moved_out_on"))?;
            resident = moved;
            events.extend(e);
        }
        if let Some(on) = change.died_on {
            let (dead, e) = resident.record_death(on).map_err(invalid("died_on"))?;
            resident = dead;
            events.extend(e);
        }
        let record = PatientRecord { resident, scope };
        let version = tx.update_resident(&record, loaded.version).await?;
        tx.append_events(&self.deps.outbox(record.scope.community, events, now)?)
            .await?;
        tx.append_audit(&entry(
            who,
            "resident.update",
            format!("residents/{id}"),
            id,
            now,
        ))
        .await?;
        tx.commit().await?;
        Ok(Versioned {
            value: record,
            version,
        })
    }

    /// An emergency ("break-glass") read of a record the caller may not normally see: allowed to
    /// clinicians of the patient's own community only (never across communities), with a stated
    /// reason of 10 to 500 characters. The grant is this one read — nothing standing is created,
    /// so nothing outlives the emergency — and the audit entry carries the reason, so reviewers
    /// find every such read. A refused attempt is audited too.
    #[tracing::instrument(skip_all, fields(user = %who.user, resident = %id))]
    pub async fn get_break_glass(
        &self,
        who: &Principal,
        id: ResidentId,
        reason: &str,
    ) -> Result<Versioned<PatientRecord>, ServiceError> {
        let reason = reason.trim();
        let length = reason.chars().count();
        if !(10..=500).contains(&length) {
            return Err(ServiceError::InvalidArgument {
                field: "break_glass_reason",
                reason: "state the emergency in 10 to 500 characters".to_owned(),
            });
        }
        let found = self.deps.follow_ups.get_resident(id).await?;
        let network = self.deps.network.current();
        let allowed = found.as_ref().is_some_and(|r| {
            who.role == Role::Clinician
                && (who.can_see_patient(&r.value.scope, &network)
                    || (who.community.is_some() && r.value.scope.community == who.community))
        });
        let mut audit = entry(
            who,
            "resident.get_break_glass",
            format!("residents/{id}"),
            id,
            self.deps.clock.now(),
        );
        audit.break_glass = Some(reason.to_owned());
        match found {
            Some(record) if allowed => {
                self.deps.audit.record(&audit).await?;
                Ok(record)
            }
            _ => {
                audit.outcome = AuditOutcome::Denied;
                self.deps.audit.record(&audit).await?;
                Err(ServiceError::NotFound(format!("resident {id}")))
            }
        }
    }
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

    /// Loads the patient for a command, refusing callers who may not see the record as not
    /// found.
    async fn patient(
        &self,
        tx: &mut Box<dyn Transaction>,
        who: &Principal,
        id: ResidentId,
    ) -> Result<PatientRecord, ServiceError> {
        match tx.load_resident(id).await? {
            Some(r)
                if self
                    .deps
                    .sees_patient(who, r.value.resident.id(), &r.value.scope)
                    .await? =>
            {
                Ok(r.value)
            }
            _ => Err(ServiceError::NotFound(format!("resident {id}"))),
        }
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
        self.deps
            .network
            .current()
            .institution(cmd.confirmed_by)
            .map_err(|e| ServiceError::InvalidArgument {
                field: "confirmed_by",
                reason: e.to_string(),
            })?;
        let mut tx = self.deps.uow.begin().await?;
        let patient = self.patient(&mut tx, who, cmd.patient).await?;
        let (enrolment, plan, events) = Enrolment::enrol(
            EnrolPatient {
                id: EnrolmentId::from_uuid(self.deps.ids.new_id()),
                patient: cmd.patient,
                confirmation: Confirmation {
                    condition: cmd.condition,
                    confirmed_by: cmd.confirmed_by,
                    confirmed_on: cmd.confirmed_on,
                },
                team,
                institution: who.institution,
                on: cmd.on,
                first_plan: PlanId::from_uuid(self.deps.ids.new_id()),
            },
            &self.deps.profile,
        )?;
        let enrolment_version = tx.insert_enrolment(&enrolment).await?;
        let plan_version = tx.insert_plan(&plan).await?;
        tx.append_events(&self.deps.outbox(patient.scope.community, events, now)?)
            .await?;
        tx.append_audit(&entry(
            who,
            ENROL,
            format!("enrolments/{}", enrolment.id()),
            cmd.patient,
            now,
        ))
        .await?;
        tx.commit().await?;
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
        let now = self.deps.clock.now();
        let mut tx = self.deps.uow.begin().await?;
        let context = match tx.load_plan(plan_id).await? {
            Some(c)
                if self
                    .deps
                    .sees_patient(who, c.patient.value.resident.id(), &c.patient.value.scope)
                    .await? =>
            {
                c
            }
            _ => return Err(ServiceError::NotFound(format!("follow-up plan {plan_id}"))),
        };
        let may_act = who.team == Some(context.plan.value.team())
            || who.institution == context.enrolment.value.institution();
        if !may_act {
            drop(tx);
            self.deps
                .audit_refusal(&AuditEntry {
                    outcome: AuditOutcome::Denied,
                    ..entry(
                        who,
                        action,
                        format!("plans/{plan_id}"),
                        context.plan.value.patient(),
                        now,
                    )
                })
                .await;
            return Err(ServiceError::PermissionDenied(
                "only the responsible team or institution records follow-ups".to_owned(),
            ));
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
        tx.append_events(
            &self
                .deps
                .outbox(context.patient.value.scope.community, events, now)?,
        )
        .await?;
        tx.append_audit(&entry(
            who,
            RECORD_OUTREACH,
            format!("plans/{plan_id}"),
            plan.patient(),
            now,
        ))
        .await?;
        tx.commit().await?;
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
        let not_found = || ServiceError::NotFound(format!("enrolment {id}"));
        let mut tx = self.deps.uow.begin().await?;
        let enrolment = tx.load_enrolment(id).await?.ok_or_else(not_found)?;
        let patient = enrolment.value.patient();
        let scope = match tx.load_resident(patient).await?.map(|r| r.value.scope) {
            Some(s) if self.deps.sees_patient(who, patient, &s).await? => s,
            _ => return Err(not_found()),
        };
        let may_act = who.team == Some(enrolment.value.team())
            || who.institution == enrolment.value.institution();
        if !may_act {
            drop(tx);
            self.deps
                .audit_refusal(&AuditEntry {
                    outcome: AuditOutcome::Denied,
                    ..entry(who, CLOSE, format!("enrolments/{id}"), patient, now)
                })
                .await;
            return Err(ServiceError::PermissionDenied(
                "only the responsible team or institution closes an enrolment".to_owned(),
            ));
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
        tx.append_events(&self.deps.outbox(scope.community, events, now)?)
            .await?;
        tx.append_audit(&entry(who, CLOSE, format!("enrolments/{id}"), patient, now))
            .await?;
        tx.commit().await?;
        Ok(Versioned {
            value: closed,
            version,
        })
    }

    /// Records a visit on a waiting plan: classifies it, marks the plan done and schedules the
    /// next one, in one transaction. `expected_version` is the client's etag of the plan.
    #[tracing::instrument(skip_all, fields(user = %who.user, plan = %plan_id))]
    pub async fn record_visit(
        &self,
        who: &Principal,
        plan_id: PlanId,
        visit: Visit,
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
        let recorded = plan.value.record_visit(
            visit_id,
            &visit,
            age,
            PlanId::from_uuid(self.deps.ids.new_id()),
            &self.deps.profile,
        )?;
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
        tx.append_events(
            &self
                .deps
                .outbox(patient.scope.community, recorded.events, now)?,
        )
        .await?;
        tx.append_audit(&entry(
            who,
            RECORD_VISIT,
            format!("plans/{plan_id}"),
            recorded.done.patient(),
            now,
        ))
        .await?;
        tx.commit().await?;
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
        })
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
