//! Screening results: bulk reads before validation and the batch write path.
//!
//! One batch is one transaction. On PostgreSQL the rows go in as arrays through `UNNEST` (one
//! statement for the results, one for the events, bound by sqlx on the pool sea-orm wraps): far
//! closer to `COPY` than multi-row INSERT, and still a plain statement in a transaction. On
//! SQLite, multi-row INSERTs in chunks under the variable limit.

use async_trait::async_trait;
use sea_orm::sqlx;
use sea_orm::{ColumnTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use time::{Date, OffsetDateTime};
use uuid::Uuid;
use yigong_domain::ids::{InstitutionId, ResidentId, ScreeningId};
use yigong_domain::measure::BloodPressure;
use yigong_domain::screening::{BpReading, Programme};
use yigong_ports::{
    PatientRecord, ScreeningBatch, ScreeningFinding, ScreeningRecord, ScreeningStore, StoreError,
};

use crate::Store;
use crate::bulk::{self, pg_err};
use crate::convert::{corrupt, db_err};
use crate::entity::{resident, screening_result};

/// Rows per multi-row INSERT on SQLite: 14 columns × 1000 stays under its 32766 variables.
const SQLITE_CHUNK: usize = 1000;

/// The columns of a result row, shared by both write paths.
struct Columns {
    programme: &'static str,
    sbp: Option<i32>,
    dbp: Option<i32>,
    glucose: Option<i32>,
    glucose_kind: Option<&'static str>,
    flagged: bool,
}

/// The records as `COPY … (FORMAT csv)` data. Every field is a UUID, a date, a number, a
/// boolean, a fixed programme name or the JSON body; only the body needs quoting (its quotes
/// doubled), and serde_json escapes line breaks inside strings, so a row is one line.
fn copy_rows(records: &[ScreeningRecord], now: OffsetDateTime) -> Result<Vec<u8>, StoreError> {
    use std::io::Write as _;
    let bad = |e: std::io::Error| corrupt("screening_result", e.to_string());
    let now = now
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| corrupt("screening_result", e.to_string()))?;
    let mut out = Vec::with_capacity(records.len() * 512);
    let number = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in records {
        let c = columns(r)?;
        let body = serde_json::to_string(&r.finding)
            .map_err(|e| corrupt("screening_result", e.to_string()))?;
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},\"{}\",{now}",
            r.id,
            r.batch,
            r.resident,
            r.institution,
            c.programme,
            r.on,
            number(c.sbp),
            number(c.dbp),
            number(c.glucose),
            c.glucose_kind.unwrap_or_default(),
            c.flagged,
            r.opportunistic,
            body.replace('"', "\"\""),
        )
        .map_err(bad)?;
    }
    Ok(out)
}

fn columns(r: &ScreeningRecord) -> Result<Columns, StoreError> {
    let (sbp, dbp, glucose, glucose_kind) = match r.finding {
        ScreeningFinding::BloodPressure { bp, .. } => (
            Some(i32::from(bp.sbp())),
            Some(i32::from(bp.dbp())),
            None,
            None,
        ),
        ScreeningFinding::Glucose { glucose, kind, .. } => (
            None,
            None,
            Some(i32::from(glucose.hundredths())),
            Some(kind.code()),
        ),
    };
    Ok(Columns {
        programme: r.finding.programme().code(),
        sbp,
        dbp,
        glucose,
        glucose_kind,
        flagged: r.finding.is_flagged(),
    })
}

fn bp_reading(
    resident: Uuid,
    date: Date,
    sbp: Option<i32>,
    dbp: Option<i32>,
) -> Result<(ResidentId, BpReading), StoreError> {
    let bad = || corrupt("screening_result", format!("reading of {resident}"));
    let value = |v: Option<i32>| v.and_then(|v| u16::try_from(v).ok()).ok_or_else(bad);
    let bp = BloodPressure::new(value(sbp)?, value(dbp)?).map_err(|_| bad())?;
    Ok((ResidentId::from_uuid(resident), BpReading { date, bp }))
}

fn uuids(ids: &[ResidentId]) -> Vec<Uuid> {
    ids.iter().map(|r| r.as_uuid()).collect()
}

impl Store {
    /// One statement with the ids as an array, however many there are (a long `IN (…)` list is
    /// parsed and planned anew for every batch), joined rather than filtered with `= ANY`, which
    /// the planner may turn into a scan testing every row against the whole array.
    async fn residents_postgres(
        &self,
        ids: &[ResidentId],
    ) -> Result<Vec<PatientRecord>, StoreError> {
        use sea_orm::sqlx::Row;
        use yigong_domain::ids::{CommunityId, GridId};
        use yigong_ports::PatientScope;
        let pool = self.connection().get_postgres_connection_pool();
        // The body as text: sealed, it is a small JSON object around the ciphertext.
        let rows = sqlx::query(
            "SELECT r.community_id, r.institution_id, r.grid_id, r.body::text \
             FROM UNNEST($1::uuid[]) AS q(id) JOIN resident r ON r.id = q.id",
        )
        .bind(uuids(ids))
        .fetch_all(pool)
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let get = |e: sqlx::Error| corrupt("resident", e.to_string());
        rows.into_iter()
            .map(|row| {
                let community: Option<Uuid> = row.try_get(0).map_err(get)?;
                let institution: Uuid = row.try_get(1).map_err(get)?;
                let grid: Option<Uuid> = row.try_get(2).map_err(get)?;
                let body: &str = row.try_get(3).map_err(get)?;
                Ok(PatientRecord {
                    resident: crate::followup::open_resident(
                        self.keys(),
                        serde_json::from_str(body)
                            .map_err(|e| corrupt("resident", e.to_string()))?,
                    )?,
                    scope: PatientScope {
                        community: community.map(CommunityId::from_uuid),
                        institution: InstitutionId::from_uuid(institution),
                        grid: grid.map(GridId::from_uuid),
                    },
                })
            })
            .collect()
    }

    async fn bp_history_postgres(
        &self,
        residents: &[ResidentId],
    ) -> Result<Vec<(ResidentId, BpReading)>, StoreError> {
        let pool = self.connection().get_postgres_connection_pool();
        let rows: Vec<(Uuid, Date, Option<i32>, Option<i32>)> = sqlx::query_as(
            "SELECT s.resident_id, s.taken_on, s.sbp, s.dbp \
             FROM UNNEST($1::uuid[]) AS q(id) JOIN screening_result s ON s.resident_id = q.id \
             WHERE s.programme = 'blood_pressure' ORDER BY s.taken_on",
        )
        .bind(uuids(residents))
        .fetch_all(pool)
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        rows.into_iter()
            .map(|(resident, date, sbp, dbp)| bp_reading(resident, date, sbp, dbp))
            .collect()
    }

    async fn import_postgres(&self, batch: &ScreeningBatch) -> Result<(), StoreError> {
        let pool = self.connection().get_postgres_connection_pool();
        let now = self.now();
        let rows = copy_rows(&batch.records, now)?;
        let mut tx = pool.begin().await.map_err(pg_err)?;
        if let Some(key) = &batch.request {
            bulk::claim_postgres(&mut tx, key, now).await?;
        }
        // COPY inside the batch's transaction: the rows commit or vanish with the claim, the
        // events and the audit entry, at the engine's own bulk speed.
        bulk::copy_postgres(
            &mut tx,
            "COPY screening_result (id, batch_id, resident_id, institution_id, programme, \
             taken_on, sbp, dbp, glucose_hundredths, glucose_kind, flagged, opportunistic, body, \
             recorded_at) \
             FROM STDIN (FORMAT csv)",
            rows,
        )
        .await?;
        crate::advice::insert_postgres(&mut tx, &batch.advice).await?;
        bulk::events_postgres(&mut tx, &batch.events).await?;
        bulk::audits_postgres(&mut tx, std::slice::from_ref(&batch.audit)).await?;
        tx.commit().await.map_err(pg_err)
    }

    async fn import_portable(&self, batch: &ScreeningBatch) -> Result<(), StoreError> {
        let now = self.now();
        let tx = self.begin_write().await?;
        if let Some(key) = &batch.request {
            crate::tx::claim_key(&tx, key, now).await?;
        }
        for chunk in batch.records.chunks(SQLITE_CHUNK) {
            let rows = chunk
                .iter()
                .map(|r| {
                    let c = columns(r)?;
                    Ok(screening_result::ActiveModel {
                        id: Set(r.id.as_uuid()),
                        batch_id: Set(r.batch),
                        resident_id: Set(r.resident.as_uuid()),
                        institution_id: Set(r.institution.as_uuid()),
                        programme: Set(c.programme.to_owned()),
                        taken_on: Set(r.on),
                        sbp: Set(c.sbp),
                        dbp: Set(c.dbp),
                        glucose_hundredths: Set(c.glucose),
                        glucose_kind: Set(c.glucose_kind.map(str::to_owned)),
                        flagged: Set(c.flagged),
                        opportunistic: Set(r.opportunistic),
                        body: Set(serde_json::to_value(r.finding)
                            .map_err(|e| corrupt("screening_result", e.to_string()))?),
                        recorded_at: Set(now),
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            screening_result::Entity::insert_many(rows)
                .exec_without_returning(&tx)
                .await
                .map_err(db_err)?;
        }
        crate::advice::insert_portable(&tx, &batch.advice).await?;
        bulk::events_portable(&tx, &batch.events).await?;
        bulk::audits_portable(&tx, std::slice::from_ref(&batch.audit)).await?;
        tx.commit().await.map_err(db_err)
    }
}

#[async_trait]
impl ScreeningStore for Store {
    async fn residents(&self, ids: &[ResidentId]) -> Result<Vec<PatientRecord>, StoreError> {
        if self.backend() == DbBackend::Postgres {
            return self.residents_postgres(ids).await;
        }
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(SQLITE_CHUNK) {
            let rows = resident::Entity::find()
                .filter(resident::Column::Id.is_in(chunk.iter().map(|r| r.as_uuid())))
                .all(self.connection())
                .await
                .map_err(db_err)?;
            for m in rows {
                out.push(crate::followup::record_from(self.keys(), m)?.value);
            }
        }
        Ok(out)
    }

    async fn bp_history(
        &self,
        residents: &[ResidentId],
    ) -> Result<Vec<(ResidentId, BpReading)>, StoreError> {
        if self.backend() == DbBackend::Postgres {
            return self.bp_history_postgres(residents).await;
        }
        use screening_result::Column as C;
        let mut out = Vec::new();
        for chunk in residents.chunks(SQLITE_CHUNK) {
            let rows: Vec<(Uuid, Date, Option<i32>, Option<i32>)> =
                screening_result::Entity::find()
                    .select_only()
                    .columns([C::ResidentId, C::TakenOn, C::Sbp, C::Dbp])
                    .filter(C::ResidentId.is_in(chunk.iter().map(|r| r.as_uuid())))
                    .filter(C::Programme.eq(Programme::BloodPressure.code()))
                    .order_by_asc(C::TakenOn)
                    .into_tuple()
                    .all(self.connection())
                    .await
                    .map_err(db_err)?;
            for (resident, date, sbp, dbp) in rows {
                out.push(bp_reading(resident, date, sbp, dbp)?);
            }
        }
        Ok(out)
    }

    async fn import_screenings(&self, batch: &ScreeningBatch) -> Result<(), StoreError> {
        if batch.records.is_empty() && batch.events.is_empty() && batch.request.is_none() {
            return Ok(());
        }
        match self.backend() {
            DbBackend::Postgres => self.import_postgres(batch).await,
            _ => self.import_portable(batch).await,
        }
    }

    async fn batch_records(&self, batch: Uuid) -> Result<Vec<ScreeningRecord>, StoreError> {
        use screening_result::Column as C;
        screening_result::Entity::find()
            .filter(C::BatchId.eq(batch))
            .order_by_asc(C::ResidentId)
            .order_by_asc(C::TakenOn)
            .all(self.connection())
            .await
            .map_err(db_err)?
            .into_iter()
            .map(record_of)
            .collect()
    }

    async fn screenings_of(
        &self,
        resident: ResidentId,
    ) -> Result<Vec<ScreeningRecord>, StoreError> {
        use screening_result::Column as C;
        screening_result::Entity::find()
            .filter(C::ResidentId.eq(resident.as_uuid()))
            .order_by_asc(C::TakenOn)
            .order_by_asc(C::RecordedAt)
            .all(self.connection())
            .await
            .map_err(db_err)?
            .into_iter()
            .map(record_of)
            .collect()
    }
}

fn record_of(m: screening_result::Model) -> Result<ScreeningRecord, StoreError> {
    Ok(ScreeningRecord {
        id: ScreeningId::from_uuid(m.id),
        batch: m.batch_id,
        resident: ResidentId::from_uuid(m.resident_id),
        institution: InstitutionId::from_uuid(m.institution_id),
        on: m.taken_on,
        opportunistic: m.opportunistic,
        finding: serde_json::from_value(m.body)
            .map_err(|e| corrupt("screening_result", e.to_string()))?,
    })
}
