//! The resident registry (居民健康档案): register a resident (one or a batch), read a record
//! (or break the glass for one), and change where a resident lives, a move out or a death.

use std::collections::{BTreeSet, HashMap};

use time::Date;
use uuid::Uuid;
use yigong_domain::calendar;
use yigong_domain::identity::{
    CitizenId, DocumentKind, IdentityDocument, OtherDocument, Resident, Sex,
};
use yigong_domain::ids::{GridId, HouseholdId, ResidentId};
use yigong_domain::personal::{FormError, PersonalField, PersonalInfo};
use yigong_ports::{
    AuditEntry, AuditOutcome, Constraint, PatientRecord, PatientScope, ResidentBatch, StoreError,
    Transaction, Versioned,
};

use crate::deps::{
    Claim, Request, abandon, audit_entry, batch_size, claim, derived_ids, required_text,
};
use crate::error::happened;
use crate::screening::{MAX_BATCH_ROWS, RowError};
use crate::{Deps, Principal, ServiceError};

const REGISTER: &str = "resident.register";
const IMPORT: &str = "resident.import";
const UPDATE: &str = "resident.update";

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
    /// The personal information form, as far as it is known (empty for none).
    pub personal: PersonalInfo,
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
    /// The personal information form, as far as it is known (empty for none).
    pub personal: PersonalInfo,
}

/// What became of a resident batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentImport {
    /// The residents registered, in row order (empty when `errors` is not).
    pub residents: Vec<ResidentId>,
    /// Every invalid row; non-empty means nothing was written.
    pub errors: Vec<RowError>,
}

impl ResidentImport {
    /// A retry's answer: the `n` ids the first run derived from its claimed `base`.
    fn of_first_run(base: Uuid, n: usize) -> Self {
        ResidentImport {
            residents: derived_ids(base, n)
                .into_iter()
                .map(ResidentId::from_uuid)
                .collect(),
            errors: Vec::new(),
        }
    }
}

/// Changes to a resident's record (AIP-134 partial update: `None` leaves a field alone).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResidentUpdate {
    /// Moves the resident to this household; the record follows its grid.
    pub household: Option<HouseholdId>,
    /// The day the resident moved out of the jurisdiction.
    pub moved_out_on: Option<Date>,
    /// The day the resident died.
    pub died_on: Option<Date>,
    /// Fields of the personal information form, with their new values (a named field absent
    /// from the form is cleared).
    pub personal: Option<(PersonalInfo, BTreeSet<PersonalField>)>,
}

/// A form the domain refused, as `INVALID_ARGUMENT` naming its field under `personal.`.
fn invalid_form(e: FormError) -> ServiceError {
    ServiceError::InvalidArgument {
        field: match e.field {
            "past_history.diseases" => "personal.past_history.diseases",
            "past_history.operations" => "personal.past_history.operations",
            "past_history.injuries" => "personal.past_history.injuries",
            _ => "personal.past_history.transfusions",
        },
        reason: e.to_string(),
    }
}

/// The resident registry use cases.
pub struct ResidentService {
    pub(crate) deps: Deps,
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
        self.deps
            .clinician_only(
                who,
                REGISTER,
                "residents".to_owned(),
                None,
                "keep health records",
            )
            .await?;
        let request = Request::new(&*self.deps.requests, who, &cmd.request_id, REGISTER, &cmd)?;
        let now = self.deps.clock.now();
        let id = ResidentId::from_uuid(self.deps.ids.new_id());
        let resident = parse_document(
            cmd.document,
            id,
            cmd.household,
            cmd.resident_since,
            now.date(),
        )?
        .with_personal(cmd.personal, now.date())
        .map_err(invalid_form)?;
        happened("resident_since", cmd.resident_since, now.date())?;
        let mut tx = self.deps.uow.begin().await?;
        if let Claim::Retry = claim(&mut tx, &request, id.as_uuid()).await? {
            abandon(tx).await;
            let first = ResidentId::from_uuid(self.deps.first_result(&request).await?);
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
        let version = match tx.insert_resident(&record).await {
            Ok(v) => v,
            Err(e) => {
                abandon(tx).await;
                return Err(self.naming_existing(who, &record.resident, e.into()).await);
            }
        };
        let event = record.resident.registered();
        self.deps
            .commit(
                tx,
                who.community,
                [event],
                audit_entry(who, REGISTER, format!("residents/{id}"), id, now),
            )
            .await?;
        Ok(Versioned {
            value: record,
            version,
        })
    }

    /// `error`, and when it says the document is registered, the record holding it named for
    /// a caller who may see that record (`ResourceInfo` on the wire); for anyone else the
    /// answer stays as bare as it was.
    async fn naming_existing(
        &self,
        who: &Principal,
        resident: &Resident,
        error: ServiceError,
    ) -> ServiceError {
        let ServiceError::AlreadyExists { message, .. } = error else {
            return error;
        };
        let existing = match self
            .deps
            .follow_ups
            .find_by_document(resident.document())
            .await
        {
            Ok(Some(found)) => {
                let id = found.value.resident.id();
                match self
                    .deps
                    .access()
                    .sees_patient(who, id, &found.value.scope)
                    .await
                {
                    Ok(true) => Some(format!("residents/{id}")),
                    _ => None,
                }
            }
            _ => None,
        };
        ServiceError::AlreadyExists { message, existing }
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
        self.deps
            .clinician_only(
                who,
                IMPORT,
                "residents".to_owned(),
                None,
                "keep health records",
            )
            .await?;
        let request = Request::new(&*self.deps.requests, who, request_id_raw, IMPORT, &rows)?;
        batch_size(rows.len(), MAX_BATCH_ROWS)?;
        let now = self.deps.clock.now();
        let today = now.date();
        let base = self.deps.ids.new_id();
        let ids: Vec<ResidentId> = derived_ids(base, rows.len())
            .into_iter()
            .map(ResidentId::from_uuid)
            .collect();
        // A retry of a written batch gets the first one's ids before any row is checked: its
        // documents are registered now, by that first batch.
        if let Some(first) = self.deps.earlier_result(&request).await? {
            return Ok(ResidentImport::of_first_run(first, rows.len()));
        }
        // The reads that validation needs; the write is a transaction of its own (the bulk
        // path), whose unique index refuses a document registered in between.
        let mut tx = self.deps.uow.begin().await?;
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
            )
            .and_then(|r| r.with_personal(input.personal, today).map_err(invalid_form))
            {
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
        abandon(tx).await;
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.row);
            // Nothing claimed: the fixed batch can reuse the request id.
            return Ok(ResidentImport {
                residents: Vec::new(),
                errors,
            });
        }
        let records: Vec<PatientRecord> = parsed.into_iter().map(|(_, r)| r).collect();
        let events = self.deps.outbox(
            who.community,
            records.iter().map(|r| r.resident.registered()),
            now,
        )?;
        let audits: Vec<AuditEntry> = records
            .iter()
            .map(|r| {
                let id = r.resident.id();
                audit_entry(who, IMPORT, format!("residents/{id}"), id, now)
            })
            .collect();
        let rows = records.len();
        let written = self
            .deps
            .registry
            .import_residents(&ResidentBatch {
                records,
                events,
                audits,
                request: Some(request.key(base)),
            })
            .await;
        if let Err(StoreError::Duplicate {
            constraint: Constraint::RequestId,
        }) = written
        {
            let first = self.deps.first_result(&request).await?;
            return Ok(ResidentImport::of_first_run(first, rows));
        }
        written?;
        Ok(ResidentImport {
            residents: ids,
            errors: Vec::new(),
        })
    }

    /// Reads a resident's record; the read is audited. Unseen records are `NotFound`, and the
    /// refusal is audited too.
    #[tracing::instrument(skip_all, fields(user = %who.user, resident = %id))]
    pub async fn get(
        &self,
        who: &Principal,
        id: ResidentId,
    ) -> Result<Versioned<PatientRecord>, ServiceError> {
        let record = self.deps.visible_patient(who, id, "resident.get").await?;
        self.deps
            .audit
            .record(&audit_entry(
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
    /// move out of the jurisdiction, a death (which also closes the patient's open referrals)
    /// — each through the domain, with its event, in one transaction; `expected_version` is the client's etag (a stale one is `Conflict`).
    #[tracing::instrument(skip_all, fields(user = %who.user, resident = %id))]
    pub async fn update(
        &self,
        who: &Principal,
        id: ResidentId,
        change: ResidentUpdate,
        expected_version: Option<i64>,
    ) -> Result<Versioned<PatientRecord>, ServiceError> {
        self.deps
            .clinician_only(
                who,
                UPDATE,
                format!("residents/{id}"),
                id,
                "keep health records",
            )
            .await?;
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
        let tx = self.deps.uow.begin().await?;
        let (mut tx, loaded) = self.deps.patient_in(tx, who, id, UPDATE).await?;
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
            crate::referral::close_on_death(&self.deps, &mut tx, who, id, now).await?;
        }
        if let Some((form, fields)) = change.personal {
            let (filled, e) = resident
                .update_personal(form, &fields, now.date())
                .map_err(invalid_form)?;
            resident = filled;
            events.extend(e);
        }
        let record = PatientRecord { resident, scope };
        let version = tx.update_resident(&record, loaded.version).await?;
        self.deps
            .commit(
                tx,
                record.scope.community,
                events,
                audit_entry(who, UPDATE, format!("residents/{id}"), id, now),
            )
            .await?;
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
        let reason = required_text("break_glass_reason", reason, 10, 500)?;
        let found = self.deps.follow_ups.get_resident(id).await?;
        let network = self.deps.network.current();
        let allowed = found
            .as_ref()
            .is_some_and(|r| who.may_break_glass(&r.value.scope, &network));
        let mut audit = audit_entry(
            who,
            "resident.get_break_glass",
            format!("residents/{id}"),
            id,
            self.deps.clock.now(),
        );
        audit.break_glass = Some(reason);
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
