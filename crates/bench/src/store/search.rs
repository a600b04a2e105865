//! store.search (`../shared/benchmarks.md`): finding a resident in a county of 100k and then
//! 1M sealed residents, by identity number (the keyed blind index) and by phone (the keyed
//! terms), and opening the patient summary; next to the same lookups on plain indexed columns
//! in raw SQL (a twin table `resident_plain` holding the document and phone in clear and the
//! record unsealed, plus the audit row a compliant read writes). And registering a resident
//! with its personal information (sealed, document and terms keyed) next to the raw
//! transaction doing the same encryption and hashing by hand.
//!
//! Both sides' residents are seeded before anything is timed: ours through the store's
//! multi-row insert (sealing and terms included), the twin by `COPY`.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sea_orm::sqlx::{self, Row, postgres::PgPoolCopyExt};
use time::OffsetDateTime;
use uuid::Uuid;
use yigong_domain::identity::{DocumentKind, Resident};
use yigong_domain::ids::ResidentId;
use yigong_domain::personal::{PersonName, PersonalInfo, Phone, ResidentQuery};
use yigong_ports::{NewEvent, PatientRecord};
use yigong_service::{DocumentInput, HistoryService, NewResident, ResidentService};
use yigong_store::seal::RESIDENT_BODY;

use super::{
    Bench, COMMUNITY, RAW_CALLER, RAW_FINGERPRINT, SEED_CHUNK, Sequence, TOWNSHIP, clinician, err,
    passport_holder, raw_audit, raw_events,
};
use crate::report::{Report, compare};

/// Resident numbers of the searched county, clear of every other case's.
const BASE: u128 = 9_000_000_000;
/// Residents seeded per `COPY` of the twin table.
const COPY_CHUNK: usize = 50_000;

const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
];
const GIVEN: [&str; 12] = [
    "秀英", "桂兰", "建国", "志强", "丽", "伟", "芳", "军", "敏", "静", "强", "磊",
];

fn resident_id(n: usize) -> ResidentId {
    ResidentId::from_u128(BASE + n as u128)
}

fn passport(n: usize) -> String {
    format!("S{n:08}")
}

fn phone(n: usize) -> String {
    format!("13{n:09}")
}

/// Resident `n` of the searched county: a passport holder of TOWNSHIP with a name and a phone.
pub(super) fn record(n: usize, id: ResidentId, document: &str) -> Result<PatientRecord, String> {
    let name = format!("{}{}", SURNAMES[n % 12], GIVEN[(n / 12) % 12]);
    let mut record = passport_holder(n, id, document)?;
    record.resident = record
        .resident
        .with_personal(
            PersonalInfo {
                name: Some(PersonName::parse(&name).map_err(err)?),
                phone: Some(Phone::parse(&phone(n % 1_000_000_000)).map_err(err)?),
                ..PersonalInfo::default()
            },
            OffsetDateTime::now_utc().date(),
        )
        .map_err(err)?;
    Ok(record)
}

/// A number in `0..len` for operation `i` of `task`, spread over the county.
fn spread(task: usize, i: u64, len: usize) -> usize {
    let i = usize::try_from(i).unwrap_or(0);
    (task.wrapping_mul(1_000_003) + i.wrapping_mul(7919)) % len.max(1)
}

/// What a read case looks up.
#[derive(Debug, Clone, Copy)]
enum Lookup {
    Document,
    Phone,
    Summary,
}

impl Lookup {
    fn name(self) -> &'static str {
        match self {
            Lookup::Document => "by_document",
            Lookup::Phone => "by_phone",
            Lookup::Summary => "summary",
        }
    }
}

impl Bench {
    /// Our side of a read case, for resident `n`.
    async fn read(&self, lookup: Lookup, n: usize) -> Result<(), String> {
        match lookup {
            Lookup::Document => self.by_document(n).await,
            Lookup::Phone => self.by_phone(n).await,
            Lookup::Summary => self.summary(n).await,
        }
    }

    /// The raw side of a read case, for resident `n`.
    async fn raw_read(&self, lookup: Lookup, n: usize) -> Result<(), String> {
        match lookup {
            Lookup::Document => self.raw_by_document(n).await,
            Lookup::Phone => self.raw_by_phone(n).await,
            Lookup::Summary => self.raw_summary(n).await,
        }
    }

    pub(super) async fn search(
        self: &Arc<Self>,
        report: &mut Report,
        seconds: std::time::Duration,
    ) -> Result<(), String> {
        sqlx::query(
            "CREATE TABLE resident_plain (id uuid PRIMARY KEY, document text NOT NULL UNIQUE, \
             phone text NOT NULL, body jsonb NOT NULL)",
        )
        .execute(&self.raw)
        .await
        .map_err(err)?;
        sqlx::query("CREATE INDEX ix_resident_plain_phone ON resident_plain (phone, id)")
            .execute(&self.raw)
            .await
            .map_err(err)?;
        let mut seeded = 0;
        for size in [100_000, 1_000_000] {
            let started = std::time::Instant::now();
            self.seed_searched(seeded, size).await?;
            seeded = size;
            for table in ["resident", "resident_term", "resident_plain"] {
                sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM (ANALYZE) {table}")))
                    .execute(&self.raw)
                    .await
                    .map_err(err)?;
            }
            println!(
                "store search: {}k residents on each side in {:.1}s (before timing)",
                size / 1000,
                started.elapsed().as_secs_f64()
            );
            for lookup in [Lookup::Document, Lookup::Phone, Lookup::Summary] {
                let (b, o) = (Arc::clone(self), Arc::clone(self));
                let (ours, baseline) = compare(
                    1,
                    3,
                    seconds,
                    move |task, i| {
                        let b = b.clone();
                        async move { b.raw_read(lookup, spread(task, i, size)).await }
                    },
                    move |task, i| {
                        let o = o.clone();
                        async move { o.read(lookup, spread(task, i, size)).await }
                    },
                )
                .await;
                let case = format!("search.{} residents={}k", lookup.name(), size / 1000);
                report.case(&case, "/s", ours, baseline);
            }
        }
        let (ours_next, raw_next) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        for tasks in [1, 8] {
            let (b, raw) = (Arc::clone(self), raw_next.clone());
            let (o, next) = (Arc::clone(self), ours_next.clone());
            let (ours, baseline) = compare(
                tasks,
                3,
                seconds,
                move |_, _| {
                    let (b, n) = (b.clone(), raw.fetch_add(1, Ordering::Relaxed));
                    async move { b.raw_register(n).await }
                },
                move |_, _| {
                    let (o, n) = (o.clone(), next.fetch_add(1, Ordering::Relaxed));
                    async move { o.register(n).await }
                },
            )
            .await;
            report.case(
                &format!("search.register tasks={tasks}"),
                "/s",
                ours,
                baseline,
            );
        }
        Ok(())
    }

    /// Residents `from..to` on both sides: ours through the store, the twin by `COPY`.
    async fn seed_searched(&self, from: usize, to: usize) -> Result<(), String> {
        let mut at = from;
        while at < to {
            let end = (at + SEED_CHUNK).min(to);
            let records = (at..end)
                .map(|n| record(n, resident_id(n), &passport(n)))
                .collect::<Result<Vec<_>, _>>()?;
            let mut tx = self.deps.uow.begin().await.map_err(err)?;
            tx.insert_residents(&records).await.map_err(err)?;
            tx.commit().await.map_err(err)?;
            at = end;
        }
        let mut at = from;
        while at < to {
            let end = (at + COPY_CHUNK).min(to);
            let mut data = String::new();
            for n in at..end {
                let r = record(n, resident_id(n), &passport(n))?;
                let body = serde_json::to_string(&r.resident).map_err(err)?;
                writeln!(
                    data,
                    "{},{},{},\"{}\"",
                    resident_id(n),
                    passport(n),
                    phone(n),
                    body.replace('"', "\"\"")
                )
                .map_err(err)?;
            }
            let mut sink = self
                .raw
                .copy_in_raw(
                    "COPY resident_plain (id, document, phone, body) FROM STDIN (FORMAT csv)",
                )
                .await
                .map_err(err)?;
            sink.send(data.into_bytes()).await.map_err(err)?;
            sink.finish().await.map_err(err)?;
            at = end;
        }
        Ok(())
    }

    async fn by_document(&self, n: usize) -> Result<(), String> {
        let found = ResidentService::new(self.deps.clone())
            .search_by_document(
                &clinician(TOWNSHIP, None),
                DocumentKind::Passport,
                &passport(n),
            )
            .await
            .map_err(err)?;
        one(found.len(), "by document")
    }

    async fn raw_by_document(&self, n: usize) -> Result<(), String> {
        self.raw_lookup(
            "SELECT id, body FROM resident_plain WHERE document = $1",
            &passport(n),
        )
        .await
    }

    async fn by_phone(&self, n: usize) -> Result<(), String> {
        let query = ResidentQuery::Phone(Phone::parse(&phone(n)).map_err(err)?);
        let page = ResidentService::new(self.deps.clone())
            .search(&clinician(TOWNSHIP, None), &query, 0, None)
            .await
            .map_err(err)?;
        one(page.items.len(), "by phone")
    }

    async fn raw_by_phone(&self, n: usize) -> Result<(), String> {
        self.raw_lookup(
            "SELECT id, body FROM resident_plain WHERE phone = $1 ORDER BY id LIMIT 50",
            &phone(n),
        )
        .await
    }

    /// A lookup on a plain column: the rows decoded, the read of each audited.
    async fn raw_lookup(&self, statement: &'static str, value: &str) -> Result<(), String> {
        let rows = sqlx::query(statement)
            .bind(value)
            .fetch_all(&self.raw)
            .await
            .map_err(err)?;
        one(rows.len(), "raw lookup")?;
        for row in &rows {
            let id: Uuid = row.try_get(0).map_err(err)?;
            let body: serde_json::Value = row.try_get(1).map_err(err)?;
            let _: Resident = serde_json::from_value(body).map_err(err)?;
            self.raw_read_audit("resident.search", id).await?;
        }
        Ok(())
    }

    /// A read's audit row, in a statement of its own (as our store writes it).
    async fn raw_read_audit(&self, action: &str, patient: Uuid) -> Result<(), String> {
        sqlx::query(
            "INSERT INTO audit_entry (actor_user, actor_role, actor_institution, action, \
             resource, patient_id, at, outcome, break_glass) VALUES ('bench', 'clinician', $1, \
             $2, $3, $4, $5, 'success', NULL)",
        )
        .bind(TOWNSHIP.as_uuid())
        .bind(action)
        .bind(format!("residents/{patient}"))
        .bind(patient)
        .bind(OffsetDateTime::now_utc())
        .execute(&self.raw)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn summary(&self, n: usize) -> Result<(), String> {
        HistoryService::new(self.deps.clone())
            .summary(&clinician(TOWNSHIP, None), resident_id(n))
            .await
            .map_err(err)?;
        Ok(())
    }

    /// The summary's reads in raw SQL: the record, then the patient's enrolments, plans,
    /// visits, open referrals and contracts by their patient indexes, then the audit row.
    async fn raw_summary(&self, n: usize) -> Result<(), String> {
        let id = resident_id(n).as_uuid();
        let row = sqlx::query("SELECT body FROM resident_plain WHERE id = $1")
            .bind(id)
            .fetch_one(&self.raw)
            .await
            .map_err(err)?;
        let body: serde_json::Value = row.try_get(0).map_err(err)?;
        let _: Resident = serde_json::from_value(body).map_err(err)?;
        // The five history reads at once, as our summary issues them.
        let read = |statement: &'static str| sqlx::query(statement).bind(id).fetch_all(&self.raw);
        tokio::try_join!(
            read("SELECT body, version FROM enrolment WHERE patient_id = $1"),
            read(
                "SELECT body, version FROM follow_up_plan WHERE patient_id = $1 ORDER BY due DESC"
            ),
            read(
                "SELECT id, plan_id FROM follow_up_visit WHERE patient_id = $1 \
                 ORDER BY visited_on DESC"
            ),
            read(
                "SELECT body, version FROM referral WHERE patient_id = $1 \
                 AND open_direction IS NOT NULL"
            ),
            read("SELECT body, version FROM contract WHERE resident_id = $1"),
        )
        .map_err(err)?;
        self.raw_read_audit("history.summary", id).await
    }

    async fn register(&self, n: usize) -> Result<(), String> {
        let number = format!("RO{n:08}");
        let r = record(n, resident_id(0), &number)?;
        ResidentService::new(self.deps.clone())
            .register(
                &clinician(TOWNSHIP, None),
                NewResident {
                    request_id: Uuid::new_v4().to_string(),
                    document: DocumentInput::Other {
                        kind: DocumentKind::Passport,
                        number,
                        birth_date: r.resident.birth_date(),
                        sex: r.resident.sex(),
                    },
                    household: None,
                    grid: None,
                    resident_since: r.resident.resident_since(),
                    personal: r.resident.personal().clone(),
                },
            )
            .await
            .map_err(err)?;
        Ok(())
    }

    /// The raw registration: the same sealing and keyed hashes, then the rows our store writes
    /// (request key, resident, its terms, the event, the audit row) in one transaction.
    async fn raw_register(&self, n: usize) -> Result<(), String> {
        let id = ResidentId::from_uuid(Uuid::new_v4());
        let number = format!("RR{n:08}");
        let r = record(n, id, &number)?.resident;
        let now = OffsetDateTime::now_utc();
        let plain = serde_json::to_vec(&r).map_err(err)?;
        let body = serde_json::to_value(self.keys.seal(RESIDENT_BODY, &plain)).map_err(err)?;
        let document_key = self
            .keys
            .blind_index("resident.document", &format!("passport:{number}"));
        let terms: Vec<String> = r
            .personal()
            .search_terms()
            .iter()
            .map(|t| self.keys.blind_index(t.context(), t.value()))
            .collect();
        let event = NewEvent::new(Uuid::new_v4(), Some(COMMUNITY), &r.registered().into(), now)
            .map_err(err)?;
        let mut tx = self.raw.begin().await.map_err(err)?;
        sqlx::query(
            "INSERT INTO request_key \
             (caller, command, request_id, fingerprint, resource_id, created_at) \
             VALUES ($1, 'resident.register', $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(RAW_CALLER)
        .bind(Uuid::new_v4().simple().to_string())
        .bind(RAW_FINGERPRINT)
        .bind(id.as_uuid())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        sqlx::query(
            "INSERT INTO resident (id, community_id, institution_id, household_id, grid_id, \
             document_key, key_id, body, version, updated_at) \
             VALUES ($1, $2, $3, NULL, NULL, $4, $5, $6, 1, $7)",
        )
        .bind(id.as_uuid())
        .bind(COMMUNITY.as_uuid())
        .bind(TOWNSHIP.as_uuid())
        .bind(document_key)
        .bind(self.keys.current_id())
        .bind(body)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        let mut insert =
            sqlx::QueryBuilder::new("INSERT INTO resident_term (term_key, resident_id) ");
        insert.push_values(&terms, |mut row, t| {
            row.push_bind(t).push_bind(id.as_uuid());
        });
        insert.build().execute(&mut *tx).await.map_err(err)?;
        raw_events(&mut tx, &[event], Sequence::FreshAggregate).await?;
        raw_audit(&mut tx, "resident.register", id.as_uuid(), now).await?;
        tx.commit().await.map_err(err)
    }
}

fn one(found: usize, what: &str) -> Result<(), String> {
    if found == 1 {
        Ok(())
    } else {
        Err(format!("{what}: one resident expected, {found} found"))
    }
}
