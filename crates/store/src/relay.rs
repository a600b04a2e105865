//! The relay's side of the outbox ([`RelayOutbox`]): the lease with the relay's progress (the
//! publication watermark `published_through`), the events due for publication in sequence
//! order, and the bookkeeping of refusals, held-back events and dead letters.
//!
//! A round of the relay costs one small write in the common case: moving the watermark. Events
//! with a delivery of their own to track carry it in `next_attempt_at` (index
//! `ix_outbox_retrying`, migration 000008); see [`Progress`].

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use time::OffsetDateTime;
use uuid::Uuid;
use yigong_ports::{DeadLetter, PendingEvent, Progress, RelayOutbox, StoreError};

use crate::Store;
use crate::convert::{corrupt, db_err};
use crate::entity::outbox_event::{self, Column as C};
use crate::queries::stored_event;

#[derive(sea_orm::DeriveIden)]
enum RelayLease {
    Table,
    Name,
    Holder,
    ExpiresAt,
    PublishedThrough,
}

/// Refusal messages are kept short: they are for an operator's listing, not a log.
const MAX_ERROR_CHARS: usize = 1000;

/// A few thousand ids a statement stay under every driver's parameter limit.
const IDS_PER_STATEMENT: usize = 5000;

#[async_trait]
impl RelayOutbox for Store {
    async fn acquire_lease(
        &self,
        name: &str,
        holder: Uuid,
        now: OffsetDateTime,
        ttl: time::Duration,
    ) -> Result<bool, StoreError> {
        // One statement: insert the lease, or take it over when it is ours or has run out.
        // Two instances racing both reach the row's lock; the second sees the first's renewed
        // expiry and changes nothing.
        let statement = Query::insert()
            .into_table(RelayLease::Table)
            .columns([RelayLease::Name, RelayLease::Holder, RelayLease::ExpiresAt])
            .values_panic([
                Expr::val(name.to_owned()),
                Expr::val(holder),
                Expr::val(now + ttl),
            ])
            .on_conflict(
                OnConflict::column(RelayLease::Name)
                    .update_columns([RelayLease::Holder, RelayLease::ExpiresAt])
                    .action_and_where(
                        Expr::col((RelayLease::Table, RelayLease::Holder))
                            .eq(holder)
                            .or(Expr::col((RelayLease::Table, RelayLease::ExpiresAt)).lt(now)),
                    )
                    .to_owned(),
            )
            .to_owned();
        let result = self
            .connection()
            .execute(&statement)
            .await
            .map_err(db_err)?;
        Ok(result.rows_affected() == 1)
    }

    async fn release_lease(&self, name: &str, holder: Uuid) -> Result<(), StoreError> {
        // Expire rather than delete: the row keeps the relay's progress.
        let statement = Query::update()
            .table(RelayLease::Table)
            .value(RelayLease::ExpiresAt, OffsetDateTime::UNIX_EPOCH)
            .and_where(Expr::col(RelayLease::Name).eq(name.to_owned()))
            .and_where(Expr::col(RelayLease::Holder).eq(holder))
            .to_owned();
        self.connection()
            .execute(&statement)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn pending(
        &self,
        name: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<PendingEvent>, StoreError> {
        let limit = limit.clamp(1, 10_000);
        let through = self.published_through(name).await?;
        let mut rows = outbox_event::Entity::find()
            .filter(C::Sequence.lte(through))
            .filter(C::NextAttemptAt.is_not_null())
            .filter(C::DeadAt.is_null())
            .order_by_asc(C::Sequence)
            .limit(u64::from(limit))
            .all(self.connection())
            .await
            .map_err(db_err)?;
        // Positioned rows first: while the relay works through a backlog that read fills the
        // batch, and positioning (a locked write) is only needed once it runs short.
        let from = Ord::max(through, after);
        let mut fresh = self.positioned_after(from, limit).await?;
        if fresh.len() < limit as usize {
            self.assign_sequence().await?;
            let after = fresh.last().and_then(|m| m.sequence).unwrap_or(from);
            let more = limit - u32::try_from(fresh.len()).unwrap_or(limit);
            fresh.extend(self.positioned_after(after, more).await?);
        }
        // Dead letters sit at or below the watermark (a refusal and the watermark passing it
        // are recorded together); this only guards against one placed otherwise by hand.
        fresh.retain(|m| m.dead_at.is_none());
        rows.extend(fresh);
        rows.into_iter()
            .map(|m| {
                let attempts = attempts(m.attempts)?;
                let next_attempt_at = m.next_attempt_at;
                Ok(PendingEvent {
                    stored: stored_event(m)?,
                    attempts,
                    next_attempt_at,
                })
            })
            .collect()
    }

    async fn record(
        &self,
        name: &str,
        holder: Uuid,
        progress: &Progress,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let advance = advance(name, holder, progress.through, now);
        if progress.retried.is_empty() && progress.held.is_empty() && progress.refusal.is_none() {
            // The common round: one statement.
            let moved = self.connection().execute(&advance).await.map_err(db_err)?;
            return Ok(moved.rows_affected() == 1);
        }
        let tx = self.begin_write().await?;
        let held_lease = Query::select()
            .column(RelayLease::PublishedThrough)
            .from(RelayLease::Table)
            .and_where(lease_held(name, holder, now))
            .to_owned();
        let Some(row) = tx.query_one(&held_lease).await.map_err(db_err)? else {
            tx.rollback().await.map_err(db_err)?;
            return Ok(false);
        };
        let watermark: i64 = row.try_get("", "published_through").map_err(db_err)?;
        for chunk in progress.retried.chunks(IDS_PER_STATEMENT) {
            outbox_event::Entity::update_many()
                .col_expr(C::NextAttemptAt, Expr::val(None::<OffsetDateTime>))
                .filter(C::Sequence.is_in(chunk.iter().copied()))
                .filter(C::DeadAt.is_null())
                .exec(&tx)
                .await
                .map_err(db_err)?;
        }
        for chunk in progress.held.chunks(IDS_PER_STATEMENT) {
            outbox_event::Entity::update_many()
                .col_expr(C::NextAttemptAt, Expr::val(now))
                .filter(C::Sequence.is_in(chunk.iter().copied()))
                .filter(C::Sequence.gt(watermark))
                .filter(C::NextAttemptAt.is_null())
                .filter(C::DeadAt.is_null())
                .exec(&tx)
                .await
                .map_err(db_err)?;
        }
        if let Some(refusal) = &progress.refusal {
            let error: String = refusal.error.chars().take(MAX_ERROR_CHARS).collect();
            // Publication is final: an event the watermark passed without state of its own
            // is published, and a late refusal of it changes nothing.
            outbox_event::Entity::update_many()
                .col_expr(C::Attempts, Expr::col(C::Attempts).add(1))
                .col_expr(C::LastError, Expr::val(error))
                .col_expr(C::NextAttemptAt, Expr::val(refusal.retry_at))
                .col_expr(C::DeadAt, Expr::val(refusal.dead_at))
                .filter(C::Sequence.eq(refusal.sequence))
                .filter(C::DeadAt.is_null())
                .filter(C::Sequence.gt(watermark).or(C::NextAttemptAt.is_not_null()))
                .exec(&tx)
                .await
                .map_err(db_err)?;
        }
        tx.execute(&advance).await.map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn dead_letters(&self, after: i64, limit: u32) -> Result<Vec<DeadLetter>, StoreError> {
        let rows = outbox_event::Entity::find()
            .filter(C::DeadAt.is_not_null())
            .filter(C::Sequence.gt(after))
            .order_by_asc(C::Sequence)
            .limit(u64::from(limit.clamp(1, 10_000)))
            .all(self.connection())
            .await
            .map_err(db_err)?;
        rows.into_iter()
            .map(|m| {
                let attempts = attempts(m.attempts)?;
                let last_error = m.last_error.clone().unwrap_or_default();
                let dead_at = m
                    .dead_at
                    .ok_or_else(|| corrupt("outbox_event", "dead letter without a date".into()))?;
                Ok(DeadLetter {
                    stored: stored_event(m)?,
                    attempts,
                    last_error,
                    dead_at,
                })
            })
            .collect()
    }

    async fn replay(&self, sequences: &[i64], now: OffsetDateTime) -> Result<u64, StoreError> {
        // Due at once, with state of its own: the relay retries it even below the watermark.
        let reset = || {
            outbox_event::Entity::update_many()
                .col_expr(C::Attempts, Expr::val(0))
                .col_expr(C::NextAttemptAt, Expr::val(now))
                .col_expr(C::DeadAt, Expr::val(None::<OffsetDateTime>))
                .filter(C::DeadAt.is_not_null())
        };
        if sequences.is_empty() {
            return Ok(reset()
                .exec(self.connection())
                .await
                .map_err(db_err)?
                .rows_affected);
        }
        let mut replayed = 0;
        for chunk in sequences.chunks(IDS_PER_STATEMENT) {
            replayed += reset()
                .filter(C::Sequence.is_in(chunk.iter().copied()))
                .exec(self.connection())
                .await
                .map_err(db_err)?
                .rows_affected;
        }
        Ok(replayed)
    }
}

impl Store {
    /// How far the relay under lease `name` has published (0 before its first round).
    async fn published_through(&self, name: &str) -> Result<i64, StoreError> {
        let statement = Query::select()
            .column(RelayLease::PublishedThrough)
            .from(RelayLease::Table)
            .and_where(Expr::col(RelayLease::Name).eq(name.to_owned()))
            .to_owned();
        match self
            .connection()
            .query_one(&statement)
            .await
            .map_err(db_err)?
        {
            Some(row) => row.try_get("", "published_through").map_err(db_err),
            None => Ok(0),
        }
    }

    /// Rows positioned after `after`, in sequence order: a plain range of the sequence index
    /// that stops after `limit` rows. (A filter on another column here lets PostgreSQL, before
    /// the table has statistics, guess the range small and sort all of it instead: 80 ms
    /// rather than 0.3 ms a batch over 100,000 rows.)
    async fn positioned_after(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<outbox_event::Model>, StoreError> {
        outbox_event::Entity::find()
            .filter(C::Sequence.gt(after))
            .order_by_asc(C::Sequence)
            .limit(u64::from(limit))
            .all(self.connection())
            .await
            .map_err(db_err)
    }
}

/// The lease `name` is `holder`'s and still running at `now`.
fn lease_held(name: &str, holder: Uuid, now: OffsetDateTime) -> sea_orm::sea_query::SimpleExpr {
    Expr::col(RelayLease::Name)
        .eq(name.to_owned())
        .and(Expr::col(RelayLease::Holder).eq(holder))
        .and(Expr::col(RelayLease::ExpiresAt).gt(now))
}

/// Moves the watermark forward to `through` (never back), under the lease only.
fn advance(
    name: &str,
    holder: Uuid,
    through: i64,
    now: OffsetDateTime,
) -> sea_orm::sea_query::UpdateStatement {
    Query::update()
        .table(RelayLease::Table)
        .value(
            RelayLease::PublishedThrough,
            Expr::case(
                Expr::col(RelayLease::PublishedThrough).lt(through),
                Expr::val(through),
            )
            .finally(Expr::col(RelayLease::PublishedThrough)),
        )
        .and_where(lease_held(name, holder, now))
        .to_owned()
}

fn attempts(stored: i32) -> Result<u32, StoreError> {
    u32::try_from(stored).map_err(|_| corrupt("outbox_event", format!("attempts {stored}")))
}
