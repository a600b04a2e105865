//! store.sqlite: create a referral on the embedded default (SQLite file, WAL, synchronous
//! NORMAL, foreign keys on), through the use case and the sea-orm store, next to the same
//! statements through rusqlite with cached prepared statements, each on its own database file
//! migrated by our migrations:
//! `BEGIN IMMEDIATE; SELECT community_id, institution_id, grid_id FROM resident (the patient's
//! record: the sender must see it); INSERT request_key … ON CONFLICT DO NOTHING;
//! INSERT referral; INSERT outbox_event (the create's events, sequences 1…n of a new
//! aggregate); INSERT audit_entry; COMMIT`.
//! Values are bound as sqlx stores them on SQLite (UUIDs as 16-byte blobs, JSON and times as
//! text), and the raw side runs the same domain code for the body and the events. Each create
//! names a registered patient of its own, seeded in each file before timing
//! ([`super::Patients`]).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, params};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;
use yigong_domain::ids::ResidentId;
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::Route;
use yigong_ports::{NewEvent, RandomIds, SystemClock};
use yigong_service::{Deps, ReferralService};
use yigong_store::Store;

use super::{
    COMMUNITY, COUNTY, Patients, TOWNSHIP, clinician, err, network, new_referral, pool_size,
    referral_request,
};
use crate::report::{Report, compare, time_busy};

/// Task counts of the case.
const TASKS: [usize; 2] = [1, 4];
const ROUNDS: u32 = 3;
/// Creates a second the pools are sized for, with a margin over what a 2-core machine runs:
/// our use case on SQLite, and rusqlite (WAL with synchronous NORMAL does not sync each commit).
const OURS_PER_S: u64 = 10_000;
const RAW_PER_S: u64 = 30_000;

/// A directory of the two database files, removed at the end.
struct Files(PathBuf);

impl Files {
    fn create() -> Result<Files, String> {
        let dir = std::env::temp_dir().join(format!("yigong-bench-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).map_err(err)?;
        Ok(Files(dir))
    }

    fn url(&self, name: &str) -> String {
        format!("sqlite://{}?mode=rwc", self.path(name).display())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.0) {
            eprintln!("could not remove {}: {e}", self.0.display());
        }
    }
}

struct Raw {
    db: Mutex<Connection>,
    route: Route,
    profile: RuleProfile,
}

pub(super) async fn run(report: &mut Report, seconds: Duration) -> Result<(), String> {
    let files = Files::create()?;
    let net = network()?;
    let profile = Arc::new(RuleProfile::bphs3());
    let ours = Store::connect(&files.url("ours.db")).await.map_err(err)?;
    ours.migrate().await.map_err(err)?;
    let busy = time_busy(u32::try_from(TASKS.len()).map_err(err)? * ROUNDS, seconds);
    let started = std::time::Instant::now();
    let our_patients = Patients::seed(&ours, "our", 0, pool_size(OURS_PER_S, busy)).await?;
    let service = Arc::new(ReferralService::new(Deps::on_store(
        Arc::new(ours),
        net.clone(),
        Arc::new(SystemClock),
        Arc::new(RandomIds),
        profile.clone(),
    )));
    let raw_patients = {
        // The baseline's schema and its patients are ours too: migrate, seed, close, reopen
        // with rusqlite.
        let store = Store::connect(&files.url("raw.db")).await.map_err(err)?;
        store.migrate().await.map_err(err)?;
        let raw_patients = Patients::seed(
            &store,
            "raw",
            our_patients.end(),
            pool_size(RAW_PER_S, busy),
        )
        .await?;
        store.connection().clone().close().await.map_err(err)?;
        raw_patients
    };
    println!(
        "sqlite patients seeded: {} ours + {} raw in {:.1}s (before timing)",
        our_patients.len(),
        raw_patients.len(),
        started.elapsed().as_secs_f64()
    );
    let raw = Arc::new(Raw {
        db: Mutex::new(open(&files.path("raw.db"))?),
        route: Route::in_network(&net, TOWNSHIP, COUNTY).map_err(err)?,
        profile: (*profile).clone(),
    });
    for tasks in TASKS {
        let (s, r) = (service.clone(), raw.clone());
        let (mine, theirs) = (our_patients.clone(), raw_patients.clone());
        let (ours, baseline) = compare(
            tasks,
            ROUNDS,
            seconds,
            move |_, _| {
                let (r, patient) = (r.clone(), theirs.take());
                async move { r.create(patient?) }
            },
            move |task, i| {
                let (s, patient) = (s.clone(), mine.take());
                async move {
                    s.create(
                        &clinician(TOWNSHIP, None),
                        referral_request(task, i, patient?)?,
                    )
                    .await
                    .map(drop)
                    .map_err(err)
                }
            },
        )
        .await;
        report.case(
            &format!("sqlite.referral_create tasks={tasks} (vs rusqlite)"),
            "/s",
            ours,
            baseline,
        );
    }
    Ok(())
}

/// The connection settings our store uses on SQLite.
fn open(path: &Path) -> Result<Connection, String> {
    let db = Connection::open(path).map_err(err)?;
    db.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
         PRAGMA busy_timeout = 10000;",
    )
    .map_err(err)?;
    Ok(db)
}

fn text(at: OffsetDateTime) -> Result<String, String> {
    at.format(&Rfc3339).map_err(err)
}

impl Raw {
    fn create(&self, patient: ResidentId) -> Result<(), String> {
        let now = OffsetDateTime::now_utc();
        let (referral, events) = new_referral(&self.route, &self.profile, patient, now)?;
        let events: Vec<NewEvent> = events
            .into_iter()
            .map(|e| NewEvent::new(Uuid::new_v4(), Some(COMMUNITY), &e.into(), now).map_err(err))
            .collect::<Result<_, _>>()?;
        let (id, patient) = (referral.id().as_uuid(), referral.patient().as_uuid());
        let mut db = self.db.lock().map_err(err)?;
        let tx = db
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        // Our create reads the patient's record first (the sender must see it): so does this.
        let (_community, institution, _grid) = tx
            .prepare_cached(
                "SELECT community_id, institution_id, grid_id FROM resident WHERE id = ?1",
            )
            .map_err(err)?
            .query_row(params![&patient.as_bytes()[..]], |row| {
                Ok((
                    row.get::<_, Option<Vec<u8>>>(0)?,
                    row.get::<_, Vec<u8>>(1)?,
                    row.get::<_, Option<Vec<u8>>>(2)?,
                ))
            })
            .map_err(|e| format!("raw create: resident {patient}: {e}"))?;
        if institution != TOWNSHIP.as_uuid().as_bytes() {
            return Err(format!(
                "raw create: resident {patient} is not the sender's"
            ));
        }
        tx.prepare_cached(
            "INSERT INTO request_key \
             (caller, command, request_id, fingerprint, resource_id, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        )
        .map_err(err)?
        .execute(params![
            super::RAW_CALLER,
            "referral.create",
            Uuid::new_v4().simple().to_string(),
            super::RAW_FINGERPRINT,
            &id.as_bytes()[..],
            text(now)?
        ])
        .map_err(err)?;
        tx.prepare_cached(
            "INSERT INTO referral (id, patient_id, from_institution, to_institution, \
             community_id, direction, urgency, state, open_direction, requested_at, respond_by, \
             escalated, body, version, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'upward', \
             'routine', 'requested', 'upward', ?6, ?7, 0, ?8, 1, ?9)",
        )
        .map_err(err)?
        .execute(params![
            &id.as_bytes()[..],
            &patient.as_bytes()[..],
            &TOWNSHIP.as_uuid().as_bytes()[..],
            &COUNTY.as_uuid().as_bytes()[..],
            &COMMUNITY.as_uuid().as_bytes()[..],
            text(referral.requested_at())?,
            referral.respond_by().map(text).transpose()?,
            serde_json::to_string(&referral).map_err(err)?,
            text(now)?,
        ])
        .map_err(err)?;
        let mut outbox = tx
            .prepare_cached(
                "INSERT INTO outbox_event (event_id, community_id, aggregate_kind, \
                 aggregate_id, aggregate_sequence, event_type, schema_version, payload, \
                 occurred_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8)",
            )
            .map_err(err)?;
        for (place, e) in (1i64..).zip(&events) {
            outbox
                .execute(params![
                    &e.event_id.as_bytes()[..],
                    &COMMUNITY.as_uuid().as_bytes()[..],
                    e.aggregate_kind,
                    &e.aggregate_id.as_bytes()[..],
                    place,
                    e.event_type,
                    e.payload.to_string(),
                    text(e.occurred_at)?,
                ])
                .map_err(err)?;
        }
        drop(outbox);
        tx.prepare_cached(
            "INSERT INTO audit_entry (actor_user, actor_role, actor_institution, action, \
             resource, patient_id, at, outcome, break_glass) VALUES ('bench', 'clinician', ?1, \
             'referral.create', ?2, ?3, ?4, 'success', NULL)",
        )
        .map_err(err)?
        .execute(params![
            &TOWNSHIP.as_uuid().as_bytes()[..],
            format!("referrals/{id}"),
            &patient.as_bytes()[..],
            text(now)?,
        ])
        .map_err(err)?;
        tx.commit().map_err(err)
    }
}
