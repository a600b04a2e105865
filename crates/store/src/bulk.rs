//! The steps every bulk write shares, for each engine: the request claim, the events of new
//! aggregates and the audit entries, written next to a batch's rows in the batch's own
//! transaction.
//!
//! On PostgreSQL they run on a sqlx transaction (sea-orm's cannot `COPY`): arrays through
//! `UNNEST`, one statement per table however large the batch, so the server parses and plans
//! once. On SQLite, multi-row INSERTs through sea-orm in chunks under its variable limit.

use std::collections::HashMap;

use sea_orm::sqlx::{self, PgConnection};
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use time::OffsetDateTime;
use uuid::Uuid;
use yigong_ports::{AuditEntry, Constraint, NewEvent, RequestKey, StoreError};

use crate::convert::db_err;
use crate::entity::{audit_entry, outbox_event};

/// Rows per multi-row INSERT on SQLite: ten columns × 1000 stay under its 32766 variables.
const SQLITE_CHUNK: usize = 1000;

/// A driver error of the PostgreSQL path: a unique violation names its rule, as [`db_err`]
/// does for sea-orm's errors; anything else is `Unavailable`.
pub(crate) fn pg_err(e: sqlx::Error) -> StoreError {
    match e.as_database_error() {
        Some(d) if d.is_unique_violation() => StoreError::Duplicate {
            constraint: crate::convert::constraint_of(d.constraint().unwrap_or(d.message())),
        },
        _ => StoreError::Unavailable(e.to_string()),
    }
}

/// Per-aggregate sequences of events of new aggregates: 1, 2, … in batch order.
pub(crate) fn fresh_sequences(events: &[NewEvent]) -> Vec<i64> {
    let mut seen: HashMap<Uuid, i64> = HashMap::new();
    events
        .iter()
        .map(|e| {
            let n = seen.entry(e.aggregate_id).or_insert(0);
            *n += 1;
            *n
        })
        .collect()
}

/// Claims the request key stamped `now`. ON CONFLICT DO NOTHING keeps the transaction usable;
/// "no row inserted" is the duplicate.
pub(crate) async fn claim_postgres(
    tx: &mut PgConnection,
    key: &RequestKey,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let claimed = sqlx::query(
        "INSERT INTO request_key \
         (caller, command, request_id, fingerprint, resource_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(&key.caller)
    .bind(&key.command)
    .bind(&key.request_id)
    .bind(&key.fingerprint)
    .bind(key.resource_id)
    .bind(now)
    .execute(tx)
    .await
    .map_err(pg_err)?;
    if claimed.rows_affected() == 0 {
        return Err(StoreError::Duplicate {
            constraint: Constraint::RequestId,
        });
    }
    Ok(())
}

/// `COPY … FROM STDIN` of `data` (CSV as the statement says) inside `tx`.
pub(crate) async fn copy_postgres(
    tx: &mut PgConnection,
    statement: &str,
    data: Vec<u8>,
) -> Result<(), StoreError> {
    let mut copy = tx.copy_in_raw(statement).await.map_err(pg_err)?;
    copy.send(data).await.map_err(pg_err)?;
    copy.finish().await.map_err(pg_err)?;
    Ok(())
}

/// Events of new aggregates (sequences from 1), in one statement.
pub(crate) async fn events_postgres(
    tx: &mut PgConnection,
    events: &[NewEvent],
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let e = events;
    sqlx::query(
        "INSERT INTO outbox_event (event_id, community_id, aggregate_kind, aggregate_id, \
         aggregate_sequence, event_type, schema_version, payload, occurred_at) \
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::int8[], \
         $6::text[], $7::int4[], $8::jsonb[], $9::timestamptz[])",
    )
    .bind(e.iter().map(|e| e.event_id).collect::<Vec<_>>())
    .bind(
        e.iter()
            .map(|e| e.community.map(|c| c.as_uuid()))
            .collect::<Vec<_>>(),
    )
    .bind(
        e.iter()
            .map(|e| e.aggregate_kind.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(e.iter().map(|e| e.aggregate_id).collect::<Vec<_>>())
    .bind(fresh_sequences(e))
    .bind(e.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>())
    .bind(
        e.iter()
            .map(|e| i32::try_from(e.schema_version).unwrap_or(i32::MAX))
            .collect::<Vec<_>>(),
    )
    .bind(e.iter().map(|e| &e.payload).collect::<Vec<_>>())
    .bind(e.iter().map(|e| e.occurred_at).collect::<Vec<_>>())
    .execute(tx)
    .await
    .map_err(pg_err)?;
    Ok(())
}

/// Audit entries, in one statement.
pub(crate) async fn audits_postgres(
    tx: &mut PgConnection,
    entries: &[AuditEntry],
) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let a = entries;
    sqlx::query(
        "INSERT INTO audit_entry (actor_user, actor_role, actor_institution, action, resource, \
         patient_id, at, outcome, break_glass) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], \
         $6::uuid[], $7::timestamptz[], $8::text[], $9::text[])",
    )
    .bind(a.iter().map(|a| a.actor.user.as_str()).collect::<Vec<_>>())
    .bind(a.iter().map(|a| a.actor.role.as_str()).collect::<Vec<_>>())
    .bind(
        a.iter()
            .map(|a| a.actor.institution.as_uuid())
            .collect::<Vec<_>>(),
    )
    .bind(a.iter().map(|a| a.action.as_str()).collect::<Vec<_>>())
    .bind(a.iter().map(|a| a.resource.as_str()).collect::<Vec<_>>())
    .bind(
        a.iter()
            .map(|a| a.patient.map(|p| p.as_uuid()))
            .collect::<Vec<_>>(),
    )
    .bind(a.iter().map(|a| a.at).collect::<Vec<_>>())
    .bind(a.iter().map(|a| a.outcome.as_str()).collect::<Vec<_>>())
    .bind(
        a.iter()
            .map(|a| a.break_glass.as_deref())
            .collect::<Vec<_>>(),
    )
    .execute(tx)
    .await
    .map_err(pg_err)?;
    Ok(())
}

/// Events of new aggregates (sequences from 1), in chunks.
pub(crate) async fn events_portable<C: ConnectionTrait>(
    db: &C,
    events: &[NewEvent],
) -> Result<(), StoreError> {
    let sequences = fresh_sequences(events);
    for (chunk, seqs) in events
        .chunks(SQLITE_CHUNK)
        .zip(sequences.chunks(SQLITE_CHUNK))
    {
        let rows = chunk
            .iter()
            .zip(seqs)
            .map(|(e, seq)| outbox_event::ActiveModel {
                id: sea_orm::NotSet,
                sequence: Set(None),
                event_id: Set(e.event_id),
                community_id: Set(e.community.map(|c| c.as_uuid())),
                aggregate_kind: Set(e.aggregate_kind.clone()),
                aggregate_id: Set(e.aggregate_id),
                aggregate_sequence: Set(*seq),
                event_type: Set(e.event_type.clone()),
                schema_version: Set(i32::try_from(e.schema_version).unwrap_or(i32::MAX)),
                payload: Set(e.payload.clone()),
                occurred_at: Set(e.occurred_at),
                attempts: sea_orm::NotSet,
                next_attempt_at: sea_orm::NotSet,
                last_error: sea_orm::NotSet,
                dead_at: sea_orm::NotSet,
            });
        outbox_event::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

/// Audit entries, in chunks.
pub(crate) async fn audits_portable<C: ConnectionTrait>(
    db: &C,
    entries: &[AuditEntry],
) -> Result<(), StoreError> {
    for chunk in entries.chunks(SQLITE_CHUNK) {
        audit_entry::Entity::insert_many(chunk.iter().map(crate::audit::audit_row))
            .exec_without_returning(db)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}
