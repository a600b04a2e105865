//! store.bulk: 100k screening results imported through the use case (each row validated by the
//! domain) next to COPY of the same rows; and 100k residents with their personal information
//! imported through the resident use case (checked, sealed, document and terms keyed, each
//! registration an event and an audit row) next to COPY of the same sealed rows and terms into
//! twin tables, the sealing and hashing done by the baseline too.

use super::*;

/// Rows of the bulk case, and the size of each import batch.
const BULK_ROWS: usize = 100_000;
const BULK_BATCH: usize = 5_000;
/// Five readings a resident on average, as a campaign's rechecks give.
const BULK_RESIDENTS: usize = 20_000;
/// Where the resident import's generated records start: their phones stay clear of those of
/// `store.search`, which runs later in the same schema and expects one resident per phone.
const PHONES_FROM: usize = 500_000_000;

impl Bench {
    /// Registers the residents the bulk rows refer to, in one transaction.
    async fn bulk_residents(&self) -> Result<Vec<ResidentId>, String> {
        let mut tx = self.deps.uow.begin().await.map_err(err)?;
        let mut ids = Vec::with_capacity(BULK_RESIDENTS);
        for k in 0..BULK_RESIDENTS {
            let id = ResidentId::from_uuid(Uuid::new_v4());
            let document = yigong_domain::identity::OtherDocument::new(
                DocumentKind::Passport,
                &format!("BK{k:08}"),
            )
            .map_err(err)?;
            let resident = Resident::with_document(
                id,
                document,
                time::macros::date!(1950 - 01 - 01)
                    .replace_year(1950 + i32::try_from(k % 40).map_err(err)?)
                    .map_err(err)?,
                if k % 2 == 0 { Sex::Female } else { Sex::Male },
                None,
                time::macros::date!(2000 - 01 - 01),
            )
            .map_err(err)?;
            tx.insert_resident(&PatientRecord {
                resident,
                scope: PatientScope {
                    community: Some(COMMUNITY),
                    institution: TOWNSHIP,
                    grid: None,
                },
            })
            .await
            .map_err(err)?;
            ids.push(id);
        }
        tx.commit().await.map_err(err)?;
        Ok(ids)
    }

    /// Deterministic rows: three in four blood pressure, the rest fasting glucose, over the
    /// past year, some elevated.
    fn bulk_rows(residents: &[ResidentId], round: usize) -> Vec<yigong_service::ScreeningRow> {
        use yigong_domain::screening::GlucoseKind;
        use yigong_service::{RowReading, ScreeningRow};
        let today = OffsetDateTime::now_utc().date();
        (0..BULK_ROWS)
            .map(|k| {
                let seed = k.wrapping_mul(2_654_435_761).wrapping_add(round);
                let on = today - time::Duration::days(i64::try_from(seed % 365).unwrap_or(0));
                let reading = if k % 4 == 3 {
                    RowReading::Glucose {
                        hundredths: 450 + u32::try_from(seed % 600).unwrap_or(0),
                        kind: GlucoseKind::Fasting,
                        symptoms: false,
                    }
                } else {
                    let sbp = 105 + u16::try_from(seed % 70).unwrap_or(0);
                    RowReading::BloodPressure {
                        sbp,
                        dbp: 60 + u16::try_from(seed % 40).unwrap_or(0).min(sbp - 70),
                        body: yigong_service::BodySize::default(),
                        family_history: seed % 7 == 0,
                        high_salt_diet: seed % 5 == 0,
                        heavy_drinking: false,
                    }
                };
                ScreeningRow {
                    resident: residents[k % residents.len()],
                    on,
                    reading,
                }
            })
            .collect()
    }

    /// The same rows as CSV for `COPY`, with fresh ids (the originals are stored already).
    fn copy_csv(records: &[yigong_ports::ScreeningRecord]) -> Result<Vec<u8>, String> {
        use std::fmt::Write as _;
        use yigong_ports::ScreeningFinding;
        let now = OffsetDateTime::now_utc();
        let mut out = String::with_capacity(records.len() * 400);
        for r in records {
            let (programme, sbp, dbp, glucose) = match r.finding {
                ScreeningFinding::BloodPressure { bp, .. } => (
                    "blood_pressure",
                    bp.sbp().to_string(),
                    bp.dbp().to_string(),
                    String::new(),
                ),
                ScreeningFinding::Glucose { glucose, .. } => (
                    "fasting_glucose",
                    String::new(),
                    String::new(),
                    glucose.hundredths().to_string(),
                ),
            };
            let body = serde_json::to_string(&r.finding).map_err(err)?;
            writeln!(
                out,
                "{},{},{},{},{programme},{},{sbp},{dbp},{glucose},{},{},\"{}\",{now}",
                Uuid::new_v4(),
                r.batch,
                r.resident,
                r.institution,
                r.on,
                r.finding.is_flagged(),
                r.opportunistic,
                body.replace('"', "\"\""),
            )
            .map_err(err)?;
        }
        Ok(out.into_bytes())
    }

    /// The resident import case: [`BULK_ROWS`] residents in batches of [`BULK_BATCH`].
    async fn bulk_resident_import(&self, report: &mut Report) -> Result<(), String> {
        use sea_orm::sqlx::postgres::PgPoolCopyExt;
        use std::fmt::Write as _;
        use std::time::Instant;
        use yigong_service::{DocumentInput, ResidentRow, ResidentService};
        use yigong_store::seal::RESIDENT_BODY;
        for twin in [
            "CREATE TABLE resident_copy (LIKE resident INCLUDING ALL)",
            "CREATE TABLE resident_term_copy (LIKE resident_term INCLUDING ALL)",
        ] {
            sqlx::query(twin).execute(&self.raw).await.map_err(err)?;
        }
        let service = ResidentService::new(self.deps.clone());
        let who = clinician(TOWNSHIP, Some(TEAM));
        let number = |n: usize| format!("BI{n:08}");
        let started = Instant::now();
        let mut ids = Vec::with_capacity(BULK_ROWS);
        let mut batch_latencies = Vec::new();
        for from in (0..BULK_ROWS).step_by(BULK_BATCH) {
            let rows = (from..(from + BULK_BATCH).min(BULK_ROWS))
                .map(|n| {
                    let r = super::search::record(
                        PHONES_FROM + n,
                        ResidentId::from_u128(0),
                        &number(n),
                    )?;
                    Ok(ResidentRow {
                        document: DocumentInput::Other {
                            kind: DocumentKind::Passport,
                            number: number(n),
                            birth_date: r.resident.birth_date(),
                            sex: r.resident.sex(),
                        },
                        household: None,
                        grid: None,
                        resident_since: r.resident.resident_since(),
                        personal: r.resident.personal().clone(),
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            let t0 = Instant::now();
            let outcome = service
                .import_residents(&who, &Uuid::new_v4().to_string(), rows)
                .await
                .map_err(err)?;
            if let Some(e) = outcome.errors.first() {
                return Err(format!("resident row {} {}: {}", e.row, e.field, e.reason));
            }
            batch_latencies.push(t0.elapsed());
            ids.extend(outcome.residents);
        }
        let ours = started.elapsed();

        // The baseline: the same residents sealed and keyed here, then COPY of both tables.
        let started = Instant::now();
        let now = OffsetDateTime::now_utc();
        let (mut residents, mut terms) = (String::new(), String::new());
        for (n, id) in ids.iter().enumerate() {
            let r = super::search::record(PHONES_FROM + n, *id, &number(n))?.resident;
            let plain = serde_json::to_vec(&r).map_err(err)?;
            let body =
                serde_json::to_string(&self.keys.seal(RESIDENT_BODY, &plain)).map_err(err)?;
            let document = self
                .keys
                .blind_index("resident.document", &format!("passport:{}", number(n)));
            writeln!(
                residents,
                "{id},{COMMUNITY},{TOWNSHIP},,,{document},{},\"{}\",1,{now}",
                self.keys.current_id(),
                body.replace('"', "\"\""),
            )
            .map_err(err)?;
            for t in r.personal().search_terms() {
                writeln!(
                    terms,
                    "{},{id}",
                    self.keys.blind_index(t.context(), t.value())
                )
                .map_err(err)?;
            }
        }
        for (statement, data) in [
            (
                "COPY resident_copy (id, community_id, institution_id, household_id, grid_id, \
                 document_key, key_id, body, version, updated_at) FROM STDIN (FORMAT csv)",
                residents,
            ),
            (
                "COPY resident_term_copy (term_key, resident_id) FROM STDIN (FORMAT csv)",
                terms,
            ),
        ] {
            let mut sink = self.raw.copy_in_raw(statement).await.map_err(err)?;
            sink.send(data.into_bytes()).await.map_err(err)?;
            sink.finish().await.map_err(err)?;
        }
        let copy = started.elapsed();
        report_bulk(
            report,
            &format!(
                "bulk.resident_import rows={BULK_ROWS} batch={BULK_BATCH} (p50/p99 per batch)"
            ),
            1,
            (ours, batch_latencies),
            copy,
        );
        Ok(())
    }

    pub(super) async fn bulk(&self, report: &mut Report) -> Result<(), String> {
        use sea_orm::sqlx::postgres::PgPoolCopyExt;
        use std::time::Instant;
        use yigong_service::ScreeningService;
        let residents = self.bulk_residents().await?;
        // COPY writes to a twin table: each side's rows land beside only its own, so neither
        // side's table (nor its residents' reading history) grows with the other's rows.
        sqlx::query("CREATE TABLE screening_copy (LIKE screening_result INCLUDING ALL)")
            .execute(&self.raw)
            .await
            .map_err(err)?;
        let service = ScreeningService::new(self.deps.clone());
        let who = clinician(TOWNSHIP, Some(TEAM));
        let (mut ours, mut copy) = (Duration::ZERO, Duration::ZERO);
        let mut batch_latencies = Vec::new();
        let rounds = 2;
        for round in 0..rounds {
            let rows = Self::bulk_rows(&residents, round);
            let started = Instant::now();
            let mut records = Vec::with_capacity(BULK_ROWS);
            for batch in rows.chunks(BULK_BATCH) {
                let t0 = Instant::now();
                let request = Uuid::new_v4().to_string();
                let outcome = service
                    .import_batch(&who, &request, batch)
                    .await
                    .map_err(err)?;
                if let Some(e) = outcome.errors.first() {
                    return Err(format!("bulk row {} {}: {}", e.row, e.field, e.reason));
                }
                batch_latencies.push(t0.elapsed());
                records.extend(outcome.records);
            }
            ours += started.elapsed();

            let started = Instant::now();
            let csv = Self::copy_csv(&records)?;
            let mut sink = self
                .raw
                .copy_in_raw(
                    "COPY screening_copy (id, batch_id, resident_id, institution_id, programme, \
                     taken_on, sbp, dbp, glucose_hundredths, flagged, opportunistic, body, recorded_at) \
                     FROM STDIN (FORMAT csv)",
                )
                .await
                .map_err(err)?;
            sink.send(csv).await.map_err(err)?;
            sink.finish().await.map_err(err)?;
            copy += started.elapsed();
        }
        report_bulk(
            report,
            &format!(
                "bulk.screening_import rows={BULK_ROWS} batch={BULK_BATCH} (p50/p99 per batch)"
            ),
            u32::try_from(rounds).unwrap_or(1),
            (ours, batch_latencies),
            copy,
        );
        self.bulk_resident_import(report).await
    }
}

/// A bulk case's line: `rounds` of [`BULK_ROWS`] imported in `ours` (each batch's latency
/// given), next to COPY taking `copy` in all (a round's time stands for its p50 and p99).
fn report_bulk(
    report: &mut Report,
    case: &str,
    rounds: u32,
    (ours, mut batch_latencies): (Duration, Vec<Duration>),
    copy: Duration,
) {
    batch_latencies.sort_unstable();
    let at = |per_mille: usize| {
        batch_latencies
            .get(
                (batch_latencies.len() * per_mille / 1000)
                    .min(batch_latencies.len().saturating_sub(1)),
            )
            .copied()
            .unwrap_or_default()
    };
    let rows = (BULK_ROWS as f64) * f64::from(rounds);
    let per_round = copy / rounds.max(1);
    report.case(
        case,
        " rows/s",
        crate::report::Measured {
            rate: rows / ours.as_secs_f64(),
            p50: at(500),
            p99: at(990),
            cpu_per_op: None,
        },
        crate::report::Measured {
            rate: rows / copy.as_secs_f64(),
            p50: per_round,
            p99: per_round,
            cpu_per_op: None,
        },
    );
}
