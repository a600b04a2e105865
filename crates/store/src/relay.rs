//! The relay's side of the outbox ([`RelayOutbox`]): the lease, the unpublished events in
//! sequence order, and the bookkeeping of publication, refusals and dead letters.

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use time::OffsetDateTime;
use uuid::Uuid;
use yigong_ports::{DeadLetter, PendingEvent, RelayOutbox, StoreError};

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
}

/// Refusal messages are kept short: they are for an operator's listing, not a log.
const MAX_ERROR_CHARS: usize = 1000;

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
        let statement = Query::delete()
            .from_table(RelayLease::Table)
            .and_where(Expr::col(RelayLease::Name).eq(name.to_owned()))
            .and_where(Expr::col(RelayLease::Holder).eq(holder))
            .to_owned();
        self.connection()
            .execute(&statement)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn pending(&self, limit: u32) -> Result<Vec<PendingEvent>, StoreError> {
        // Positioned rows first: while the relay works through a backlog that read fills the
        // batch, and positioning (a locked write) is only needed once it runs short.
        let limit = limit.clamp(1, 10_000);
        let mut rows = self.unpublished(0, limit).await?;
        if rows.len() < limit as usize {
            self.assign_sequence().await?;
            let after = rows.last().and_then(|m| m.sequence).unwrap_or(0);
            let more = limit - u32::try_from(rows.len()).unwrap_or(limit);
            rows.extend(self.unpublished(after, more).await?);
        }
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

    async fn mark_published(
        &self,
        sequences: &[i64],
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        // A few thousand ids a statement stay under every driver's parameter limit.
        for chunk in sequences.chunks(5000) {
            outbox_event::Entity::update_many()
                .col_expr(C::PublishedAt, Expr::val(at))
                .col_expr(C::NextAttemptAt, Expr::val(None::<OffsetDateTime>))
                .filter(C::Sequence.is_in(chunk.iter().copied()))
                .filter(C::PublishedAt.is_null())
                .exec(self.connection())
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }

    async fn record_failure(
        &self,
        sequence: i64,
        error: &str,
        retry_at: OffsetDateTime,
        dead_at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError> {
        let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
        outbox_event::Entity::update_many()
            .col_expr(C::Attempts, Expr::col(C::Attempts).add(1))
            .col_expr(C::LastError, Expr::val(error))
            .col_expr(C::NextAttemptAt, Expr::val(retry_at))
            .col_expr(C::DeadAt, Expr::val(dead_at))
            .filter(C::Sequence.eq(sequence))
            .filter(C::PublishedAt.is_null())
            .exec(self.connection())
            .await
            .map_err(db_err)?;
        Ok(())
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

    async fn replay(&self, sequences: &[i64]) -> Result<u64, StoreError> {
        let reset = || {
            outbox_event::Entity::update_many()
                .col_expr(C::Attempts, Expr::val(0))
                .col_expr(C::NextAttemptAt, Expr::val(None::<OffsetDateTime>))
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
        for chunk in sequences.chunks(5000) {
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
    /// Live unpublished rows positioned after `after`, in sequence order.
    async fn unpublished(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<outbox_event::Model>, StoreError> {
        outbox_event::Entity::find()
            .filter(C::PublishedAt.is_null())
            .filter(C::DeadAt.is_null())
            .filter(C::Sequence.gt(after))
            .order_by_asc(C::Sequence)
            .limit(u64::from(limit))
            .all(self.connection())
            .await
            .map_err(db_err)
    }
}

fn attempts(stored: i32) -> Result<u32, StoreError> {
    u32::try_from(stored).map_err(|_| corrupt("outbox_event", format!("attempts {stored}")))
}
