//! store.write and store.read (`../shared/benchmarks.md`): Yigong's use cases over the sea-orm
//! store on PostgreSQL, next to the minimal raw-SQL transaction (sqlx) a hand-written service
//! would run for the same operation, in the same run, on a fresh schema.
//!
//! The raw baselines run the same domain code (bodies, events) and these statements:
//! - create + accept: `BEGIN; SELECT community_id, institution_id, grid_id FROM resident
//!   (the patient's record: the sender must see it); INSERT request_key … ON CONFLICT DO
//!   NOTHING; SELECT … FROM referral_advice (the patient's open advice, which an upward
//!   referral closes); SELECT … FROM enrolment (the sender's plans its 14-day follow-up moves);
//!   INSERT referral; INSERT outbox_event (2 rows, sequences 1 and 2 of a new aggregate);
//!   INSERT audit_entry; COMMIT` then `BEGIN; SELECT body, version FROM referral;
//!   UPDATE referral … WHERE version; INSERT outbox_event (sequence by subquery);
//!   INSERT audit_entry; COMMIT`. On a reserved slot, see [`reserved`].
//! - record follow-up (the resident opened with the store's data key): `BEGIN; SELECT plan,
//!   enrolment institution and resident in one join;
//!   UPDATE follow_up_plan … WHERE version; INSERT follow_up_plan; INSERT follow_up_visit;
//!   INSERT outbox_event (2 rows, sequences by subquery); INSERT audit_entry; COMMIT`.
//! - get referral: `SELECT body, version FROM referral WHERE id = $1`, then `INSERT audit_entry`
//!   (reads of patient data are audited, so a compliant hand-written read writes too).
//! - worklist page: see [`worklist`]; store.sqlite (SQLite vs rusqlite): see [`sqlite`];
//!   diagnosis.worklist (a reader worklist page, 16 readers racing to claim): see [`diagnosis`];
//!   store.search (by document, by phone, the summary, registration): see [`search`].
//! - bulk: 100k screening results imported through the use case in batches of 5,000 (each row
//!   validated and assessed by the domain against the resident's stored history), next to
//!   `COPY … FROM STDIN (FORMAT csv)` of the same rows into a twin of `screening_result` (same
//!   columns and indexes, no foreign key), so neither side's rows swell the other's table.
//!
//! A referral names a patient its sender sees, so our create first reads the patient's record
//! (`SELECT … FROM resident WHERE id = $1`, outside the transaction) and the raw create does the
//! same read first in its transaction. Each create names a registered patient of its own
//! ([`Patients`], seeded before anything is timed): one open referral per patient and direction
//! is a unique index, and what the benches create stays open.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::sqlx::{self, PgPool, Row, postgres::PgPoolOptions};
use time::OffsetDateTime;
use uuid::Uuid;
use yigong_domain::identity::{DocumentKind, Resident, Sex};
use yigong_domain::ids::{CommunityId, InstitutionId, PlanId, ReferralId, ResidentId, TeamId};
use yigong_domain::network::{Institution, InstitutionKind, Network};
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::{
    Appointment, CreateReferral, Direction, ReasonCode, Referral, ReferralEvent, Route, SlotKind,
    Urgency,
};
use yigong_ports::{NewEvent, PatientRecord, PatientScope, RandomIds, SystemClock, UnitOfWork};
use yigong_service::{Deps, NewReferral, Principal, ReferralService, Role};
use yigong_store::Store;
use yigong_store::seal::{DataKeys, Suite};

use crate::report::{Report, compare, time_busy};

mod bulk;
pub(crate) mod diagnosis;
mod followup;
pub(crate) mod grpc;
mod indicators;
mod reserved;
mod search;
mod slip;
mod sqlite;
mod worklist;

const COUNTY: InstitutionId = InstitutionId::from_u128(1);
const TOWNSHIP: InstitutionId = InstitutionId::from_u128(10);
const COMMUNITY: CommunityId = CommunityId::from_u128(500);
const TEAM: TeamId = TeamId::from_u128(77);
const TASKS: [usize; 3] = [1, 8, 32];
/// The raw baselines' idempotency key: scoped to a caller, with a request fingerprint (a
/// SHA-256 in hex), as the service stores it.
const RAW_CALLER: &str = "00000000-0000-0000-0000-00000000000a/bench";
const RAW_FINGERPRINT: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn network() -> Result<Network, String> {
    let mut n = Network::new();
    for (id, kind) in [
        (COUNTY, InstitutionKind::CountyGeneralHospital),
        (TOWNSHIP, InstitutionKind::TownshipHealthCenter),
    ] {
        n.add_institution(Institution {
            id,
            name: format!("{kind:?}"),
            kind,
        })
        .map_err(|e| e.to_string())?;
    }
    n.found_community(COMMUNITY, "bench", COUNTY)
        .map_err(|e| e.to_string())?;
    n.join(COMMUNITY, TOWNSHIP).map_err(|e| e.to_string())?;
    Ok(n)
}

fn clinician(institution: InstitutionId, team: Option<TeamId>) -> Principal {
    Principal {
        user: "bench".into(),
        role: Role::Clinician,
        institution,
        community: Some(COMMUNITY),
        team,
    }
}

pub(crate) fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Creates a second a PostgreSQL pool is sized for: well above what PostgreSQL commits on a
/// 2-core machine (2.7k–3.3k tx/s at 64 clients; a create + accept is two commits). Seeding
/// runs at about 70k patients a second, so the margin is cheap.
pub(crate) const PG_CREATES_PER_S: u64 = 8_000;

/// The first resident number of the patient pools, clear of the worklist's county
/// (1,000,000,000 + n) and of the random ids of the other cases.
const PATIENT_BASE: u128 = 7_000_000_000;

/// Patients seeded per transaction.
const SEED_CHUNK: usize = 10_000;

/// A pool of registered patients, held by TOWNSHIP in COMMUNITY, each handed out once: a create
/// names a patient its sender sees, and with no open referral yet (a unique index). Resident
/// numbers `first..first + len` (ids and document numbers follow from them), so pools with
/// disjoint numbers give our side and the raw baseline their own patients.
pub(crate) struct Patients {
    side: &'static str,
    first: usize,
    len: usize,
    next: AtomicUsize,
}

impl Patients {
    /// Registers residents `first..first + len` on `uow` (the store's multi-row insert, in
    /// transactions of [`SEED_CHUNK`]), before anything is timed.
    pub(crate) async fn seed(
        uow: &dyn UnitOfWork,
        side: &'static str,
        first: usize,
        len: usize,
    ) -> Result<Arc<Patients>, String> {
        let mut at = first;
        while at < first + len {
            let to = (at + SEED_CHUNK).min(first + len);
            let records = (at..to)
                .map(patient_record)
                .collect::<Result<Vec<_>, _>>()?;
            let mut tx = uow.begin().await.map_err(err)?;
            tx.insert_residents(&records).await.map_err(err)?;
            tx.commit().await.map_err(err)?;
            at = to;
        }
        Ok(Arc::new(Patients {
            side,
            first,
            len,
            next: AtomicUsize::new(0),
        }))
    }

    /// How many patients the pool holds.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The resident numbers after this pool's, for a pool of the other side.
    pub(crate) fn end(&self) -> usize {
        self.first + self.len
    }

    /// The next patient no create has named yet.
    pub(crate) fn take(&self) -> Result<ResidentId, String> {
        let k = self.next.fetch_add(1, Ordering::Relaxed);
        if k < self.len {
            Ok(patient_id(self.first + k))
        } else {
            Err(format!(
                "the {} patient pool is exhausted ({} patients): this run created referrals \
                 faster than its pool was sized for; raise the creates-per-second bound it was \
                 sized with",
                self.side, self.len
            ))
        }
    }
}

/// How many patients a side needs to create for `busy` (warm-ups included) at `rate` a second,
/// with a margin.
pub(crate) fn pool_size(rate: u64, busy: Duration) -> usize {
    usize::try_from(u128::from(rate) * busy.as_millis() / 1000)
        .unwrap_or(usize::MAX)
        .saturating_add(1_000)
}

fn patient_id(n: usize) -> ResidentId {
    ResidentId::from_u128(PATIENT_BASE + n as u128)
}

/// Resident number `n` of the patient pools: a passport holder of TOWNSHIP in COMMUNITY.
fn patient_record(n: usize) -> Result<PatientRecord, String> {
    passport_holder(n, patient_id(n), &format!("B{n:08}"))
}

/// A passport holder `id` of TOWNSHIP in COMMUNITY, born and of a sex that follow from `n`.
fn passport_holder(n: usize, id: ResidentId, passport: &str) -> Result<PatientRecord, String> {
    holder_in(n, id, passport, None)
}

/// As [`passport_holder`], living in `household`.
fn holder_in(
    n: usize,
    id: ResidentId,
    passport: &str,
    household: Option<yigong_domain::ids::HouseholdId>,
) -> Result<PatientRecord, String> {
    let document = yigong_domain::identity::OtherDocument::new(DocumentKind::Passport, passport)
        .map_err(err)?;
    let resident = Resident::with_document(
        id,
        document,
        time::macros::date!(1950 - 01 - 01)
            .replace_year(1950 + i32::try_from(n % 40).map_err(err)?)
            .map_err(err)?,
        if n.is_multiple_of(2) {
            Sex::Female
        } else {
            Sex::Male
        },
        household,
        time::macros::date!(2000 - 01 - 01),
    )
    .map_err(err)?;
    Ok(PatientRecord {
        resident,
        scope: PatientScope {
            community: Some(COMMUNITY),
            institution: TOWNSHIP,
            grid: None,
        },
    })
}

/// Seeds our side's and the raw baseline's pools (disjoint resident numbers) and says how
/// long it took, before anything is timed.
pub(crate) async fn seed_pools(
    uow: &dyn UnitOfWork,
    what: &str,
    ours: usize,
    raw: usize,
) -> Result<(Arc<Patients>, Arc<Patients>), String> {
    let started = std::time::Instant::now();
    let our_pool = Patients::seed(uow, "our", 0, ours).await?;
    let raw_pool = Patients::seed(uow, "raw", our_pool.end(), raw).await?;
    println!(
        "{what} patients seeded: {ours} ours + {raw} raw in {:.1}s (before timing)",
        started.elapsed().as_secs_f64()
    );
    Ok((our_pool, raw_pool))
}

/// A fresh schema on the benchmark's PostgreSQL, dropped at the end.
pub(crate) struct Schema {
    admin: PgPool,
    name: String,
    pub(crate) url: String,
}

impl Schema {
    pub(crate) async fn create() -> Result<Schema, String> {
        let admin_url = std::env::var("YIGONG_BENCH_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(&admin_url)
            .await
            .map_err(|e| format!("PostgreSQL at {admin_url} (set YIGONG_BENCH_POSTGRES): {e}"))?;
        let name = format!("bench_{}", Uuid::new_v4().simple());
        // The name is ours (a UUID in hex), never input.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .execute(&admin)
            .await
            .map_err(err)?;
        let sep = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{sep}options=-c%20search_path%3D{name}");
        Ok(Schema { admin, name, url })
    }

    pub(crate) async fn drop(self) {
        if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA {} CASCADE",
            self.name
        )))
        .execute(&self.admin)
        .await
        {
            eprintln!("could not drop schema {}: {e}", self.name);
        }
    }
}

struct Bench {
    deps: Deps,
    raw: PgPool,
    /// The store's data keys: the raw follow-up opens the sealed resident as the store does.
    keys: DataKeys,
    profile: Arc<RuleProfile>,
    route: Route,
}

pub(crate) async fn run(args: &[String]) -> Result<(), String> {
    let usage = || {
        "usage: yigong-bench store [--seconds N] [--only write|read|worklist|bulk|search|sqlite|diagnosis|indicators]"
            .to_owned()
    };
    let (mut seconds, mut only) = (3u64, None);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match (flag.as_str(), it.next()) {
            ("--seconds", Some(n)) => seconds = n.parse().map_err(|_| usage())?,
            ("--only", Some(part))
                if [
                    "write",
                    "read",
                    "worklist",
                    "bulk",
                    "search",
                    "sqlite",
                    "diagnosis",
                    "indicators",
                ]
                .contains(&part.as_str()) =>
            {
                only = Some(part.clone());
            }
            _ => return Err(usage()),
        }
    }
    let seconds = Duration::from_secs(seconds);
    let mut report = if only.as_deref() == Some("sqlite") {
        Report::new("store")
    } else {
        let schema = Schema::create().await?;
        let result = run_in(&schema, seconds, only.as_deref()).await;
        schema.drop().await;
        result?
    };
    if only.as_deref().is_none_or(|o| o == "sqlite") {
        sqlite::run(&mut report, seconds).await?;
    }
    let path = report.write().map_err(err)?;
    println!("wrote {}", path.display());
    Ok(())
}

async fn run_in(schema: &Schema, seconds: Duration, only: Option<&str>) -> Result<Report, String> {
    let wanted = |part: &str| only.is_none_or(|o| o == part);
    let (bench, store) = Bench::open(schema).await?;
    let rounds = 3;
    let mut report = Report::new("store");

    // Each side creates for `rounds` rounds at each concurrency; the read case alone makes its
    // own referrals on our side.
    let writes = if wanted("write") { TASKS.len() } else { 0 };
    let busy = time_busy(u32::try_from(writes).map_err(err)? * rounds, seconds);
    let (our_patients, raw_patients) = seed_pools(
        &*bench.deps.uow,
        "store",
        pool_size(PG_CREATES_PER_S, busy) + if wanted("read") { READ_SEED } else { 0 },
        pool_size(PG_CREATES_PER_S, busy),
    )
    .await?;
    for tasks in TASKS.into_iter().filter(|_| wanted("write")) {
        let (b, raw) = (bench.clone(), raw_patients.clone());
        let (o, patients) = (bench.clone(), our_patients.clone());
        let (ours, baseline) = compare(
            tasks,
            rounds,
            seconds,
            move |_, _| {
                let (b, patient) = (b.clone(), raw.take());
                async move { b.raw_create_accept(patient?).await }
            },
            move |task, i| {
                let (o, patient) = (o.clone(), patients.take());
                async move { o.create_accept(task, i, patient?).await }
            },
        )
        .await;
        report.case(
            &format!("write.referral_create_accept tasks={tasks}"),
            "/s",
            ours,
            baseline,
        );
    }

    let max = TASKS.iter().copied().max().unwrap_or(1);
    let chains = if wanted("write") { max } else { 0 };
    let ours_chains = Arc::new(bench.enrol_chains(chains, 0).await?);
    let raw_chains = Arc::new(bench.enrol_chains(chains, chains).await?);
    for tasks in TASKS.into_iter().filter(|_| wanted("write")) {
        let (b, raw) = (bench.clone(), raw_chains.clone());
        let (o, chains) = (bench.clone(), ours_chains.clone());
        let (ours, baseline) = compare(
            tasks,
            rounds,
            seconds,
            move |task, _| {
                let (b, raw) = (b.clone(), raw.clone());
                async move { b.raw_record_visit(&raw[task]).await }
            },
            move |task, _| {
                let (o, chains) = (o.clone(), chains.clone());
                async move { o.record_visit(&chains[task]).await }
            },
        )
        .await;
        report.case(
            &format!("write.record_follow_up tasks={tasks}"),
            "/s",
            ours,
            baseline,
        );
    }

    if wanted("read") {
        bench.seed_referrals(READ_SEED, &our_patients).await?;
    }
    let ids = Arc::new(bench.some_referrals(READ_SEED).await?);
    for tasks in [1, 32].into_iter().filter(|_| wanted("read")) {
        let (b, raw_ids) = (bench.clone(), ids.clone());
        let (o, our_ids) = (bench.clone(), ids.clone());
        let (ours, baseline) = compare(
            tasks,
            rounds,
            seconds,
            move |task, i| {
                let (b, ids) = (b.clone(), raw_ids.clone());
                async move { b.raw_get(pick(&ids, task, i)).await }
            },
            move |task, i| {
                let (o, ids) = (o.clone(), our_ids.clone());
                async move { o.get(pick(&ids, task, i)).await }
            },
        )
        .await;
        report.case(
            &format!("read.get_referral_audited tasks={tasks}"),
            "/s",
            ours,
            baseline,
        );
    }
    if wanted("bulk") {
        bench.bulk(&mut report).await?;
    }
    if wanted("search") {
        bench.search(&mut report, seconds).await?;
    }
    if wanted("diagnosis") {
        bench.diagnosis(&store, &mut report, seconds).await?;
    }
    // Last: seeding a 1M-resident county's plans would leave the database busier for whatever
    // ran after it.
    let worklist = wanted("read") || wanted("worklist");
    if worklist {
        bench.worklist(&mut report, seconds).await?;
    }
    // After the worklist case, whose managed patients' plans it reuses.
    if wanted("indicators") {
        bench.indicators(&store, &mut report, worklist).await?;
    }
    Ok(report)
}

/// Referrals the read case reads from.
const READ_SEED: usize = 1000;

fn pick(ids: &[ReferralId], task: usize, i: u64) -> ReferralId {
    let n = ids.len().max(1);
    ids[(task * 7919 + usize::try_from(i).unwrap_or(0)) % n]
}

/// A patient's current follow-up plan: each visit completes it and moves to the next.
type Chain = Mutex<PlanId>;

impl Bench {
    /// The store (migrated) and a raw pool on `schema`, with the bench network in memory.
    async fn open(schema: &Schema) -> Result<(Arc<Bench>, Arc<Store>), String> {
        let key = DataKeys::generate("bench");
        let keys = || DataKeys::parse(Suite::Aes256Gcm, [key.as_str()]).map_err(err);
        let store = Store::connect(&schema.url)
            .await
            .map_err(err)?
            .with_keys(keys()?);
        store.migrate().await.map_err(err)?;
        let store = Arc::new(store);
        let raw = PgPoolOptions::new()
            .max_connections(32)
            .connect(&schema.url)
            .await
            .map_err(err)?;
        let network = Arc::new(network()?);
        let profile = Arc::new(RuleProfile::bphs3());
        let route = Route::in_network(&network, TOWNSHIP, COUNTY).map_err(err)?;
        let bench = Arc::new(Bench {
            deps: Deps::on_store(
                store.clone(),
                (*network).clone(),
                Arc::new(SystemClock),
                Arc::new(RandomIds),
                profile.clone(),
            ),
            raw,
            keys: keys()?,
            profile,
            route,
        });
        Ok((bench, store))
    }

    fn tomorrow() -> Appointment {
        Appointment {
            at: OffsetDateTime::now_utc() + time::Duration::days(1),
            slot: SlotKind::General,
        }
    }

    fn referrals(&self) -> ReferralService {
        ReferralService::new(self.deps.clone())
    }

    async fn create_accept(&self, task: usize, i: u64, patient: ResidentId) -> Result<(), String> {
        let svc = self.referrals();
        let created = svc
            .create(
                &clinician(TOWNSHIP, None),
                referral_request(task, i, patient)?,
            )
            .await
            .map_err(err)?;
        svc.accept(
            &clinician(COUNTY, None),
            created.value.id(),
            Self::tomorrow(),
            slip::receiving()?,
            None,
            Some(created.version),
        )
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn get(&self, id: ReferralId) -> Result<(), String> {
        self.referrals()
            .get(&clinician(COUNTY, None), id)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn raw_get(&self, id: ReferralId) -> Result<(), String> {
        let row = sqlx::query("SELECT body, version FROM referral WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_one(&self.raw)
            .await
            .map_err(err)?;
        let body: serde_json::Value = row.try_get(0).map_err(err)?;
        let referral: Referral = serde_json::from_value(body).map_err(err)?;
        // Reads of patient data are audited: the audit row commits on its own.
        sqlx::query(
            "INSERT INTO audit_entry (actor_user, actor_role, actor_institution, action, resource, \
             patient_id, at, outcome, break_glass) VALUES ('bench', 'clinician', $1, \
             'referral.get', $2, $3, $4, 'success', NULL)",
        )
        .bind(COUNTY.as_uuid())
        .bind(format!("referrals/{}", referral.id()))
        .bind(referral.patient().as_uuid())
        .bind(OffsetDateTime::now_utc())
        .execute(&self.raw)
        .await
        .map_err(err)?;
        Ok(())
    }

    /// Referrals for the read case (the write case leaves plenty; alone, the read case makes
    /// its own).
    async fn seed_referrals(&self, n: usize, patients: &Patients) -> Result<(), String> {
        let have = self.some_referrals(n).await?.len();
        for i in have..n {
            self.create_accept(0, u64::try_from(i).map_err(err)?, patients.take()?)
                .await?;
        }
        Ok(())
    }

    async fn some_referrals(&self, n: usize) -> Result<Vec<ReferralId>, String> {
        let rows = sqlx::query("SELECT id FROM referral LIMIT $1")
            .bind(i64::try_from(n).map_err(err)?)
            .fetch_all(&self.raw)
            .await
            .map_err(err)?;
        rows.iter()
            .map(|r| {
                r.try_get::<Uuid, _>(0)
                    .map(ReferralId::from_uuid)
                    .map_err(err)
            })
            .collect()
    }

    fn outbox(
        &self,
        events: Vec<ReferralEvent>,
        now: OffsetDateTime,
    ) -> Result<Vec<NewEvent>, String> {
        events
            .into_iter()
            .map(|e| NewEvent::new(Uuid::new_v4(), Some(COMMUNITY), &e.into(), now).map_err(err))
            .collect()
    }

    async fn raw_create_accept(&self, patient: ResidentId) -> Result<(), String> {
        let id = self.raw_create(patient).await?;
        self.raw_accept(id).await
    }

    /// The raw create transaction; returns the new referral's id.
    async fn raw_create(&self, patient: ResidentId) -> Result<ReferralId, String> {
        let now = OffsetDateTime::now_utc();
        let (referral, events) = new_referral(&self.route, &self.profile, patient, now)?;
        let events = self.outbox(events, now)?;
        let mut tx = self.raw.begin().await.map_err(err)?;
        // Our create reads the patient's record first (the sender must see it): so does this.
        let row =
            sqlx::query("SELECT community_id, institution_id, grid_id FROM resident WHERE id = $1")
                .bind(patient.as_uuid())
                .fetch_optional(&mut *tx)
                .await
                .map_err(err)?
                .ok_or_else(|| format!("raw create: no resident {patient}"))?;
        let _community: Option<Uuid> = row.try_get(0).map_err(err)?;
        let institution: Uuid = row.try_get(1).map_err(err)?;
        let _grid: Option<Uuid> = row.try_get(2).map_err(err)?;
        if institution != TOWNSHIP.as_uuid() {
            return Err(format!(
                "raw create: resident {patient} is not the sender's"
            ));
        }
        // Our upward create closes the patient's open referral advice and moves the sender's
        // waiting follow-up plans (the 14-day follow-up): it reads both, and so does this
        // (the bench's patients have neither).
        for read in [
            "SELECT body, version FROM referral_advice WHERE patient_id = $1 AND open \
             ORDER BY advised_at, id",
            "SELECT body, version FROM enrolment WHERE patient_id = $1 \
             AND open_condition IS NOT NULL ORDER BY enrolled_on",
        ] {
            let rows = sqlx::query(read)
                .bind(patient.as_uuid())
                .fetch_all(&mut *tx)
                .await
                .map_err(err)?;
            if !rows.is_empty() {
                return Err(format!(
                    "raw create: resident {patient} has advice or plans"
                ));
            }
        }
        sqlx::query(
            "INSERT INTO request_key \
             (caller, command, request_id, fingerprint, resource_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(RAW_CALLER)
        .bind("referral.create")
        .bind(Uuid::new_v4().simple().to_string())
        .bind(RAW_FINGERPRINT)
        .bind(referral.id().as_uuid())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        sqlx::query(
            "INSERT INTO referral (id, patient_id, from_institution, to_institution, community_id, \
             direction, urgency, state, open_direction, requested_at, respond_by, escalated, body, \
             version, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'upward', 'routine', 'requested', 'upward', $6, $7, false, \
             $8, 1, $9)",
        )
        .bind(referral.id().as_uuid())
        .bind(referral.patient().as_uuid())
        .bind(TOWNSHIP.as_uuid())
        .bind(COUNTY.as_uuid())
        .bind(COMMUNITY.as_uuid())
        .bind(referral.requested_at())
        .bind(referral.respond_by())
        .bind(serde_json::to_value(&referral).map_err(err)?)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        raw_events(&mut tx, &events, Sequence::FreshAggregate).await?;
        raw_audit(
            &mut tx,
            "referral.create",
            referral.patient().as_uuid(),
            now,
        )
        .await?;
        tx.commit().await.map_err(err)?;
        Ok(referral.id())
    }

    /// The raw accept transaction.
    async fn raw_accept(&self, id: ReferralId) -> Result<(), String> {
        let mut tx = self.raw.begin().await.map_err(err)?;
        let row = sqlx::query("SELECT body, version FROM referral WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
        let body: serde_json::Value = row.try_get(0).map_err(err)?;
        let version: i64 = row.try_get(1).map_err(err)?;
        let loaded: Referral = serde_json::from_value(body).map_err(err)?;
        let now = OffsetDateTime::now_utc();
        let (accepted, events) = loaded
            .accept(
                Self::tomorrow(),
                slip::receiving()?,
                None,
                now,
                &self.profile,
            )
            .map_err(err)?;
        raw_accepted(&mut tx, &accepted, version, now).await?;
        raw_events(&mut tx, &self.outbox(events, now)?, Sequence::StoredMaximum).await?;
        raw_audit(
            &mut tx,
            "referral.accept",
            accepted.patient().as_uuid(),
            now,
        )
        .await?;
        tx.commit().await.map_err(err)
    }
}

/// What our side asks for: a routine upward referral of `patient` (registered, with no open
/// referral yet), a fresh request id.
fn referral_request(task: usize, i: u64, patient: ResidentId) -> Result<NewReferral, String> {
    Ok(NewReferral {
        request_id: format!("{}-{task}-{i}", Uuid::new_v4().simple()),
        patient,
        to: COUNTY,
        direction: Direction::Upward,
        urgency: Urgency::Routine,
        reasons: vec![ReasonCode::HtnTargetNotReached],
        slip: slip::slip()?,
        results: slip::results(OffsetDateTime::now_utc().date(), TOWNSHIP),
    })
}

/// What a raw baseline runs of the domain for a create: a routine upward referral of
/// `patient` (registered, with no open referral yet), with its events.
fn new_referral(
    route: &Route,
    profile: &RuleProfile,
    patient: ResidentId,
    now: OffsetDateTime,
) -> Result<(Referral, Vec<ReferralEvent>), String> {
    Referral::create(
        CreateReferral {
            id: ReferralId::from_uuid(Uuid::new_v4()),
            patient,
            direction: Direction::Upward,
            urgency: Urgency::Routine,
            reasons: vec![ReasonCode::HtnTargetNotReached],
            slip: slip::slip()?,
            attachments: slip::attached(now.date(), TOWNSHIP, profile)?,
        },
        route,
        &[],
        now,
        profile,
    )
    .map_err(err)
}

/// How a hand-written service numbers an event within its aggregate.
#[derive(Clone, Copy)]
enum Sequence {
    /// New aggregates: 1, 2, … in order within each (an aggregate's events are consecutive).
    FreshAggregate,
    /// An existing one: the stored maximum + 1, by subquery (one event per aggregate).
    StoredMaximum,
}

/// The accepted referral's row, by optimistic version, as the store's accept writes it.
async fn raw_accepted(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    accepted: &Referral,
    version: i64,
    now: OffsetDateTime,
) -> Result<(), String> {
    let done = sqlx::query(
        "UPDATE referral SET state = 'accepted', arrive_by = $1, body = $2, \
         version = version + 1, updated_at = $3 WHERE id = $4 AND version = $5",
    )
    .bind(accepted.arrive_by())
    .bind(serde_json::to_value(accepted).map_err(err)?)
    .bind(now)
    .bind(accepted.id().as_uuid())
    .bind(version)
    .execute(&mut **tx)
    .await
    .map_err(err)?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err("raw accept lost a race".to_owned())
    }
}

/// The outbox rows in one multi-row INSERT.
async fn raw_events(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    events: &[NewEvent],
    sequence: Sequence,
) -> Result<(), String> {
    let mut insert = sqlx::QueryBuilder::new(
        "INSERT INTO outbox_event (event_id, community_id, aggregate_kind, aggregate_id, \
         aggregate_sequence, event_type, schema_version, payload, occurred_at) ",
    );
    let (mut fresh, mut of) = (0i64, None);
    insert.push_values(events, |mut row, e| {
        row.push_bind(e.event_id)
            .push_bind(COMMUNITY.as_uuid())
            .push_bind(&e.aggregate_kind)
            .push_bind(e.aggregate_id);
        match sequence {
            Sequence::FreshAggregate => {
                if of != Some(e.aggregate_id) {
                    (fresh, of) = (0, Some(e.aggregate_id));
                }
                fresh += 1;
                row.push_bind(fresh);
            }
            Sequence::StoredMaximum => {
                row.push(
                    "(SELECT COALESCE(MAX(aggregate_sequence), 0) + 1 FROM outbox_event \
                     WHERE aggregate_id = ",
                )
                .push_bind_unseparated(e.aggregate_id)
                .push_unseparated(")");
            }
        }
        row.push_bind(&e.event_type)
            .push_bind(1i32)
            .push_bind(&e.payload)
            .push_bind(e.occurred_at);
    });
    insert.build().execute(&mut **tx).await.map_err(err)?;
    Ok(())
}

async fn raw_audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    action: &str,
    patient: Uuid,
    at: OffsetDateTime,
) -> Result<(), String> {
    sqlx::query(
        "INSERT INTO audit_entry (actor_user, actor_role, actor_institution, action, resource, \
         patient_id, at, outcome, break_glass) VALUES ('bench', 'clinician', $1, $2, $3, $4, $5, \
         'success', NULL)",
    )
    .bind(COUNTY.as_uuid())
    .bind(action)
    .bind(format!("residents/{patient}"))
    .bind(patient)
    .bind(at)
    .execute(&mut **tx)
    .await
    .map_err(err)?;
    Ok(())
}
