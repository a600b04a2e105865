//! diagnosis.worklist (`../shared/benchmarks.md`): a centre's reader worklist, first page, with
//! 100k open requests in the county and again after growing it to 1M; and 16 readers racing to
//! claim the same request, each race with exactly one winner. Each next to raw SQL of the same
//! page and the same claim transaction, in the same run, on PostgreSQL.
//!
//! The county (COPY, deterministic by request number) has three centres at the county
//! hospital: imaging (half the open requests), ECG (three in ten, the measured worklist) and
//! laboratory (one in five); 5% emergency, 20% urgent, the rest routine; acquired over the
//! last three days, one in ten already claimed; and one cancelled request for every two open,
//! off the worklists. A page served by an index range costs the same at both sizes; a scan
//! would not.
//!
//! - The raw page: `SELECT body FROM diagnosis_centre WHERE id = $1` (the roster: only its
//!   readers read the worklist), `SELECT body FROM diagnosis_request WHERE centre_id = $1 AND
//!   worklist_rank IS NOT NULL ORDER BY worklist_rank, acquired_at, id LIMIT 51`, each body
//!   decoded, then `INSERT audit_entry`.
//! - The raw claim: `BEGIN; SELECT body, version FROM diagnosis_request; SELECT
//!   institution_id, community_id, grid_id FROM resident` (the reader must see the patient);
//!   `SELECT body FROM diagnosis_centre` (the roster); the domain's claim; `UPDATE
//!   diagnosis_request … WHERE id AND version`; `INSERT outbox_event` (sequence by subquery);
//!   `INSERT audit_entry; COMMIT`. A claim whose update finds another version, or whose request
//!   the domain finds claimed, lost the race.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sea_orm::sqlx::{self, Row, postgres::PgPoolCopyExt};
use time::{Duration, OffsetDateTime};
use yigong_domain::diagnosis::{
    AcquisitionForm, DiagnosisCentre, DiagnosisError, DiagnosisRequest, Grade, Modality,
    NewRequest, Priority, Requester,
};
use yigong_domain::ids::{DiagnosisCentreId, DiagnosisRequestId, ResidentId};
use yigong_ports::NewEvent;
use yigong_service::{DiagnosisService, Principal, Role, ServiceError, Transition};
use yigong_store::Store;

use super::{Bench, COMMUNITY, COUNTY, Patients, Sequence, TOWNSHIP, err, raw_audit, raw_events};
use crate::report::{Report, compare, time_busy};

/// The county's centres: imaging, ECG (measured), laboratory.
const IMAGING: DiagnosisCentreId = DiagnosisCentreId::from_u128(61);
const ECG: DiagnosisCentreId = DiagnosisCentreId::from_u128(62);
const LAB: DiagnosisCentreId = DiagnosisCentreId::from_u128(63);
/// Readers racing to claim.
pub(crate) const READERS: usize = 16;
const PAGE: u32 = 50;
/// Requests seeded per `COPY` round (bounds the bench's memory).
const CHUNK: usize = 50_000;
/// Request numbers of the claim pools, clear of the county's.
const CLAIM_BASE: usize = 100_000_000;
/// Races a second a side can run at most, to size the claim pools (a race is 16 transactions
/// on one row, about 5 ms on a 2-core machine).
const RACES_PER_S: u64 = 1_000;

/// The worklist's readers, and their centres.
pub(crate) struct County {
    centres: [DiagnosisCentre; 3],
}

fn reader_name(k: usize) -> String {
    format!("reader-{k:02}")
}

/// A reader of the county's centres, as their token names them.
pub(crate) fn reader(k: usize) -> Principal {
    Principal {
        user: reader_name(k),
        role: Role::Clinician,
        institution: COUNTY,
        community: Some(COMMUNITY),
        team: None,
    }
}

/// Request number `n` of the county: its centre, modality and priority.
fn shape(n: usize) -> (usize, Modality, Priority) {
    let seed = n.wrapping_mul(2_654_435_761) >> 5;
    let (centre, modality) = match seed % 10 {
        0..=4 => (
            0,
            [
                Modality::Dr,
                Modality::Ct,
                Modality::Mr,
                Modality::Ultrasound,
            ][(seed >> 4) % 4],
        ),
        5..=7 => (1, Modality::Ecg),
        _ => (2, Modality::Laboratory),
    };
    let priority = match (seed >> 8) % 20 {
        0 => Priority::Emergency,
        1..=4 => Priority::Urgent,
        _ => Priority::Routine,
    };
    (centre, modality, priority)
}

fn acquisition(r: &DiagnosisRequest, n: usize) -> AcquisitionForm {
    match r.modality() {
        Modality::Ecg => AcquisitionForm {
            ecg_file_id: format!("ECG-{n}"),
            ..AcquisitionForm::default()
        },
        Modality::Laboratory | Modality::Pathology => AcquisitionForm {
            specimen_id: format!("S{n}"),
            ..AcquisitionForm::default()
        },
        _ => AcquisitionForm {
            study_instance_uid: format!("1.2.156.600.{}", n + 1),
            accession_number: format!("A{n}"),
            ..AcquisitionForm::default()
        },
    }
}

impl County {
    /// The three centres with their readers, stored through the unit of work.
    pub(super) async fn open(bench: &Bench) -> Result<County, String> {
        let network = super::network()?;
        let centre = |id, name: &str, modalities: &[Modality]| -> Result<DiagnosisCentre, String> {
            let mut c =
                DiagnosisCentre::new(id, COUNTY, name, modalities.iter().copied(), &network)
                    .map_err(err)?;
            for k in 0..READERS {
                c = c.appoint(&reader_name(k), Grade::Attending).map_err(err)?.0;
            }
            Ok(c)
        };
        let county = County {
            centres: [
                centre(
                    IMAGING,
                    "医学影像中心",
                    &[
                        Modality::Dr,
                        Modality::Ct,
                        Modality::Mr,
                        Modality::Ultrasound,
                    ],
                )?,
                centre(ECG, "心电诊断中心", &[Modality::Ecg])?,
                centre(LAB, "医学检验中心", &[Modality::Laboratory])?,
            ],
        };
        let mut tx = bench.deps.uow.begin().await.map_err(err)?;
        for c in &county.centres {
            tx.insert_centre(c).await.map_err(err)?;
        }
        tx.commit().await.map_err(err)?;
        Ok(county)
    }

    /// Request `n` as the domain makes it: open (acquired, one in ten claimed) when `open`,
    /// else cancelled before acquisition; for `patient`, acquired `ago` before `now`.
    fn request(
        &self,
        n: usize,
        patient: ResidentId,
        open: bool,
        ago: Duration,
        now: OffsetDateTime,
    ) -> Result<DiagnosisRequest, String> {
        let network = super::network()?;
        let (c, modality, priority) = if n >= CLAIM_BASE {
            (1, Modality::Ecg, Priority::Routine)
        } else {
            shape(n)
        };
        let centre = &self.centres[c];
        let at = now - ago;
        let (r, _) = DiagnosisRequest::create(
            NewRequest {
                id: DiagnosisRequestId::from_u128(5_000_000_000 + n as u128),
                patient,
                requester: Requester {
                    institution: TOWNSHIP,
                    clinician: "dr-wang".into(),
                },
                modality,
                exam_item: "检查".into(),
                clinical_info: "胸闷待查，既往高血压".into(),
                priority,
            },
            centre,
            &network,
            at - Duration::minutes(20),
        )
        .map_err(err)?;
        if !open {
            return Ok(r.cancel("患者未到", at).map_err(err)?.0);
        }
        let form = acquisition(&r, n);
        let acquired = form.validate(r.modality()).map_err(err)?;
        let (r, _) = r.acquire(acquired, at).map_err(err)?;
        if n < CLAIM_BASE && n % 10 == 3 {
            let holder = centre
                .reader(&reader_name(n % READERS))
                .ok_or("no reader")?;
            return Ok(r.claim(holder, at + Duration::minutes(1)).map_err(err)?.0);
        }
        Ok(r)
    }

    /// Seeds requests `from..to` of the county (and half as many cancelled ones), by `COPY`.
    pub(super) async fn seed(&self, bench: &Bench, from: usize, to: usize) -> Result<(), String> {
        let mut at = from;
        while at < to {
            let end = (at + CHUNK).min(to);
            let now = OffsetDateTime::now_utc();
            let mut rows = Vec::with_capacity((end - at) * 3 / 2);
            for n in at..end {
                let patient = ResidentId::from_u128(1_000_000_000 + n as u128);
                let ago = Duration::seconds(((n * 7919) % 259_200) as i64);
                rows.push(self.request(n, patient, true, ago, now)?);
                if n % 2 == 0 {
                    let closed = 200_000_000 + n;
                    rows.push(self.request(closed, patient, false, ago, now)?);
                }
            }
            copy(bench, &rows, now).await?;
            at = end;
        }
        Ok(())
    }

    /// `len` acquired ECGs waiting at the ECG centre for a race each, of registered patients.
    pub(super) async fn claim_pool(
        &self,
        bench: &Bench,
        side: &'static str,
        first: usize,
        len: usize,
    ) -> Result<Arc<Races>, String> {
        let patients = Patients::seed(&*bench.deps.uow, side, first, len).await?;
        let now = OffsetDateTime::now_utc();
        let mut rows = Vec::with_capacity(len);
        for k in 0..len {
            let patient = patients.take()?;
            rows.push(self.request(
                CLAIM_BASE + first + k,
                patient,
                true,
                Duration::minutes(5),
                now,
            )?);
        }
        for chunk in rows.chunks(CHUNK) {
            copy(bench, chunk, now).await?;
        }
        Ok(Arc::new(Races {
            side,
            ids: rows.iter().map(DiagnosisRequest::id).collect(),
            next: AtomicUsize::new(0),
        }))
    }
}

/// `rows` into `diagnosis_request`, the columns as the store writes them.
async fn copy(bench: &Bench, rows: &[DiagnosisRequest], now: OffsetDateTime) -> Result<(), String> {
    let mut data = String::new();
    let csv = |v: &serde_json::Value| v.to_string().replace('"', "\"\"");
    for r in rows {
        let (acquired, rank) = match r.acquisition() {
            Some((_, at)) if r.status().awaits_reader() => {
                (at.to_string(), r.priority().rank().to_string())
            }
            Some((_, at)) => (at.to_string(), String::new()),
            None => (String::new(), String::new()),
        };
        let deadline = r
            .next_deadline(&bench.profile)
            .map(|d| d.to_string())
            .unwrap_or_default();
        writeln!(
            data,
            "{},{},{},{},{},{},{rank},{acquired},{},{deadline},\"{}\",1,{now}",
            r.id(),
            r.centre(),
            r.patient(),
            r.requester().institution,
            r.modality().code(),
            r.status().code(),
            r.requested_at(),
            csv(&serde_json::to_value(r).map_err(err)?),
        )
        .map_err(err)?;
    }
    let mut sink = bench
        .raw
        .copy_in_raw(
            "COPY diagnosis_request (id, centre_id, patient_id, requester_institution_id, \
             modality, status, worklist_rank, acquired_at, requested_at, next_deadline_at, body, \
             version, updated_at) FROM STDIN (FORMAT csv)",
        )
        .await
        .map_err(err)?;
    sink.send(data.into_bytes()).await.map_err(err)?;
    sink.finish().await.map_err(err)?;
    Ok(())
}

/// Acquired requests, each raced for once.
pub(crate) struct Races {
    side: &'static str,
    ids: Vec<DiagnosisRequestId>,
    next: AtomicUsize,
}

impl Races {
    /// The request the next race is for.
    pub(crate) fn take(&self) -> Result<DiagnosisRequestId, String> {
        let k = self.next.fetch_add(1, Ordering::Relaxed);
        self.ids.get(k).copied().ok_or_else(|| {
            format!(
                "the {} claim pool is exhausted ({}): size it for more races a second",
                self.side,
                self.ids.len()
            )
        })
    }

    /// How many a side needs for `busy` at [`RACES_PER_S`], with a margin.
    pub(crate) fn size(busy: std::time::Duration) -> usize {
        super::pool_size(RACES_PER_S, busy)
    }
}

/// One race's outcome: exactly one of the readers won.
pub(crate) fn one_winner(won: usize, id: DiagnosisRequestId) -> Result<(), String> {
    if won == 1 {
        Ok(())
    } else {
        Err(format!("{won} readers won the race for {id}"))
    }
}

/// Whether a refused claim lost the race (another reader's claim landed first) rather than
/// failed.
pub(crate) fn lost(e: &ServiceError) -> bool {
    matches!(e, ServiceError::Conflict(_) | ServiceError::Rule { .. })
}

/// The raw page.
const RAW_PAGE: &str = "SELECT body FROM diagnosis_request WHERE centre_id = $1 \
     AND worklist_rank IS NOT NULL ORDER BY worklist_rank, acquired_at, id LIMIT $2";

impl Bench {
    pub(super) async fn diagnosis(
        self: &Arc<Self>,
        store: &Arc<Store>,
        report: &mut Report,
        seconds: std::time::Duration,
    ) -> Result<(), String> {
        let county = Arc::new(County::open(self).await?);
        let service = Arc::new(DiagnosisService::new(self.deps.clone(), store.clone()));
        let mut seeded = 0;
        for open in [100_000, 1_000_000] {
            let started = std::time::Instant::now();
            county.seed(self, seeded, open).await?;
            seeded = open;
            sqlx::query("VACUUM (ANALYZE) diagnosis_request")
                .execute(&self.raw)
                .await
                .map_err(err)?;
            println!(
                "store diagnosis open={}k seeded in {:.1}s (before timing)",
                open / 1000,
                started.elapsed().as_secs_f64()
            );
            self.explain_diagnosis_page(open).await?;
            for tasks in [1, 32] {
                let (b, s) = (self.clone(), service.clone());
                let (ours, baseline) = compare(
                    tasks,
                    3,
                    seconds,
                    move |_, _| {
                        let b = b.clone();
                        async move { b.raw_diagnosis_page().await }
                    },
                    move |task, _| {
                        let s = s.clone();
                        async move { diagnosis_page(&s, task).await }
                    },
                )
                .await;
                report.case(
                    &format!(
                        "diagnosis.worklist_page open={}k tasks={tasks}",
                        open / 1000
                    ),
                    "/s",
                    ours,
                    baseline,
                );
            }
            if open == 100_000 {
                self.claims(&county, &service, report, seconds).await?;
            }
        }
        Ok(())
    }

    /// 16 readers race for each request; a race is one operation.
    async fn claims(
        self: &Arc<Self>,
        county: &County,
        service: &Arc<DiagnosisService>,
        report: &mut Report,
        seconds: std::time::Duration,
    ) -> Result<(), String> {
        let len = Races::size(time_busy(3, seconds));
        let ours = county.claim_pool(self, "our", 8_000_000, len).await?;
        let raw = county.claim_pool(self, "raw", 8_000_000 + len, len).await?;
        let (b, s) = (self.clone(), service.clone());
        let (our, baseline) = compare(
            1,
            3,
            seconds,
            move |_, _| {
                let (b, raw) = (b.clone(), raw.clone());
                async move { b.raw_race(raw.take()?).await }
            },
            move |_, _| {
                let (s, ours) = (s.clone(), ours.clone());
                async move { race(&s, ours.take()?).await }
            },
        )
        .await;
        report.case(
            &format!("diagnosis.claim_race readers={READERS}"),
            "races/s",
            our,
            baseline,
        );
        // Exactly one claim event per request raced, on both sides.
        let doubled: i64 = sqlx::query(
            "SELECT COUNT(*) FROM (SELECT aggregate_id FROM outbox_event \
             WHERE event_type = 'diagnosis.reading_claimed' GROUP BY aggregate_id \
             HAVING COUNT(*) > 1) AS twice",
        )
        .fetch_one(&self.raw)
        .await
        .map_err(err)?
        .try_get(0)
        .map_err(err)?;
        if doubled > 0 {
            return Err(format!("{doubled} requests were claimed twice"));
        }
        Ok(())
    }

    async fn explain_diagnosis_page(&self, open: usize) -> Result<(), String> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "EXPLAIN (ANALYZE, BUFFERS) {RAW_PAGE}"
        )))
        .bind(ECG.as_uuid())
        .bind(i64::from(PAGE) + 1)
        .fetch_all(&self.raw)
        .await
        .map_err(err)?;
        println!(
            "store diagnosis.worklist_page open={}k plan: {}",
            open / 1000,
            super::worklist::plan_summary(&rows)?
        );
        Ok(())
    }

    pub(super) async fn raw_diagnosis_page(&self) -> Result<(), String> {
        let centre: serde_json::Value =
            sqlx::query("SELECT body FROM diagnosis_centre WHERE id = $1")
                .bind(ECG.as_uuid())
                .fetch_one(&self.raw)
                .await
                .map_err(err)?
                .try_get(0)
                .map_err(err)?;
        let centre: DiagnosisCentre = serde_json::from_value(centre).map_err(err)?;
        if centre.reader(&reader_name(0)).is_none() {
            return Err("the reader is not on the roster".to_owned());
        }
        let rows = sqlx::query(RAW_PAGE)
            .bind(ECG.as_uuid())
            .bind(i64::from(PAGE) + 1)
            .fetch_all(&self.raw)
            .await
            .map_err(err)?;
        for row in &rows {
            let body: serde_json::Value = row.try_get(0).map_err(err)?;
            let _: DiagnosisRequest = serde_json::from_value(body).map_err(err)?;
        }
        sqlx::query(
            "INSERT INTO audit_entry (actor_user, actor_role, actor_institution, action, resource, \
             patient_id, at, outcome, break_glass) VALUES ($1, 'clinician', $2, \
             'diagnosis.worklist', $3, NULL, $4, 'success', NULL)",
        )
        .bind(reader_name(0))
        .bind(COUNTY.as_uuid())
        .bind(format!("diagnosis-centres/{ECG}/worklist"))
        .bind(OffsetDateTime::now_utc())
        .execute(&self.raw)
        .await
        .map_err(err)?;
        Ok(())
    }

    /// 16 raw claims of `id` at once; exactly one wins.
    pub(super) async fn raw_race(self: &Arc<Self>, id: DiagnosisRequestId) -> Result<(), String> {
        let attempts = (0..READERS).map(|k| {
            let b = self.clone();
            tokio::spawn(async move { b.raw_claim(id, k).await })
        });
        let mut won = 0;
        for a in attempts.collect::<Vec<_>>() {
            won += usize::from(a.await.map_err(err)??);
        }
        one_winner(won, id)
    }

    /// The raw claim transaction of reader `k`: whether it won.
    async fn raw_claim(&self, id: DiagnosisRequestId, k: usize) -> Result<bool, String> {
        let mut tx = self.raw.begin().await.map_err(err)?;
        let row = sqlx::query("SELECT body, version FROM diagnosis_request WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
        let body: serde_json::Value = row.try_get(0).map_err(err)?;
        let version: i64 = row.try_get(1).map_err(err)?;
        let loaded: DiagnosisRequest = serde_json::from_value(body).map_err(err)?;
        let scope =
            sqlx::query("SELECT institution_id, community_id, grid_id FROM resident WHERE id = $1")
                .bind(loaded.patient().as_uuid())
                .fetch_one(&mut *tx)
                .await
                .map_err(err)?;
        let community: Option<uuid::Uuid> = scope.try_get(1).map_err(err)?;
        if community != Some(COMMUNITY.as_uuid()) {
            return Err("the reader does not see the patient".to_owned());
        }
        let centre: serde_json::Value =
            sqlx::query("SELECT body FROM diagnosis_centre WHERE id = $1")
                .bind(loaded.centre().as_uuid())
                .fetch_one(&mut *tx)
                .await
                .map_err(err)?
                .try_get(0)
                .map_err(err)?;
        let centre: DiagnosisCentre = serde_json::from_value(centre).map_err(err)?;
        let holder = centre.reader(&reader_name(k)).ok_or("not on the roster")?;
        let now = OffsetDateTime::now_utc();
        let (claimed, events) = match loaded.claim(holder, now) {
            Ok(done) => done,
            Err(DiagnosisError::WrongState { .. } | DiagnosisError::ClaimedByAnother) => {
                return Ok(false);
            }
            Err(e) => return Err(e.to_string()),
        };
        let updated = sqlx::query(
            "UPDATE diagnosis_request SET status = $1, worklist_rank = $2, body = $3, \
             version = $4, next_deadline_at = $5, updated_at = $6 WHERE id = $7 AND version = $8",
        )
        .bind(claimed.status().code())
        .bind(i16::from(claimed.priority().rank()))
        .bind(serde_json::to_value(&claimed).map_err(err)?)
        .bind(version + 1)
        .bind(claimed.next_deadline(&self.profile))
        .bind(now)
        .bind(id.as_uuid())
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        if updated.rows_affected() == 0 {
            tx.rollback().await.map_err(err)?;
            return Ok(false);
        }
        let outbox: Vec<NewEvent> = events
            .into_iter()
            .map(|e| {
                NewEvent::new(uuid::Uuid::new_v4(), Some(COMMUNITY), &e.into(), now).map_err(err)
            })
            .collect::<Result<_, _>>()?;
        raw_events(&mut tx, &outbox, Sequence::StoredMaximum).await?;
        raw_audit(&mut tx, "diagnosis.claim", claimed.patient().as_uuid(), now).await?;
        tx.commit().await.map_err(err)?;
        Ok(true)
    }
}

/// Our first page of the ECG worklist, read by reader `task`.
pub(crate) async fn diagnosis_page(s: &DiagnosisService, task: usize) -> Result<(), String> {
    let page = s
        .worklist(&reader(task % READERS), ECG, None, PAGE, None)
        .await
        .map_err(err)?;
    if page.items.len() != PAGE as usize || page.next.is_none() {
        return Err(format!(
            "a full first page expected, got {}",
            page.items.len()
        ));
    }
    Ok(())
}

/// 16 of our claims of `id` at once, through the use case; exactly one wins.
async fn race(s: &Arc<DiagnosisService>, id: DiagnosisRequestId) -> Result<(), String> {
    let attempts = (0..READERS).map(|k| {
        let s = s.clone();
        tokio::spawn(async move {
            match s.transition(&reader(k), id, None, Transition::Claim).await {
                Ok(_) => Ok(true),
                Err(e) if lost(&e) => Ok(false),
                Err(e) => Err(e.to_string()),
            }
        })
    });
    let mut won = 0;
    for a in attempts.collect::<Vec<_>>() {
        won += usize::from(a.await.map_err(err)??);
    }
    one_winner(won, id)
}

/// The ECG centre, for the gRPC bench's requests.
pub(crate) fn ecg_centre() -> DiagnosisCentreId {
    ECG
}
