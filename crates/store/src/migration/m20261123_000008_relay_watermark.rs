//! Publication by watermark: `relay_lease.published_through` says how far the relay has
//! published, instead of a `published_at` written on every outbox row (a write per event that
//! rewrote every index of the row). Only events with a delivery of their own to track —
//! refused, held back behind a refused event, replayed — carry state, in `next_attempt_at`,
//! found by the small partial index `ix_outbox_retrying`.
//!
//! Upgrading keeps every guarantee: the watermark starts at the highest published sequence,
//! and each unpublished event below it is given state of its own (due at once), so nothing
//! published is sent again and nothing unpublished is skipped.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum OutboxEvent {
    Table,
    Sequence,
    PublishedAt,
    NextAttemptAt,
    DeadAt,
}

#[derive(DeriveIden)]
enum RelayLease {
    Table,
    Name,
    Holder,
    ExpiresAt,
    PublishedThrough,
}

/// The relay's lease (`yigong_service::RELAY_LEASE`), whose progress the upgrade carries over.
const RELAY_LEASE: &str = "outbox-relay";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use OutboxEvent as O;
        manager
            .alter_table(
                Table::alter()
                    .table(RelayLease::Table)
                    .add_column(
                        ColumnDef::new(RelayLease::PublishedThrough)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;

        // Carry the per-row progress over to the watermark.
        let db = manager.get_connection();
        let highest = Query::select()
            .expr_as(
                Expr::col(O::Sequence).max().if_null(0i64),
                Alias::new("highest"),
            )
            .from(O::Table)
            .and_where(Expr::col(O::PublishedAt).is_not_null())
            .to_owned();
        let through: i64 = match db.query_one(&highest).await? {
            Some(row) => row.try_get("", "highest")?,
            None => 0,
        };
        if through > 0 {
            // Due at once: any instant in the past will do, so the migration reads no clock.
            let due = time::OffsetDateTime::UNIX_EPOCH;
            db.execute(
                &Query::update()
                    .table(O::Table)
                    .value(O::NextAttemptAt, due)
                    .and_where(Expr::col(O::Sequence).lte(through))
                    .and_where(Expr::col(O::PublishedAt).is_null())
                    .and_where(Expr::col(O::DeadAt).is_null())
                    .and_where(Expr::col(O::NextAttemptAt).is_null())
                    .to_owned(),
            )
            .await?;
            db.execute(
                &Query::insert()
                    .into_table(RelayLease::Table)
                    .columns([
                        RelayLease::Name,
                        RelayLease::Holder,
                        RelayLease::ExpiresAt,
                        RelayLease::PublishedThrough,
                    ])
                    .values_panic([
                        RELAY_LEASE.into(),
                        uuid::Uuid::nil().into(),
                        time::OffsetDateTime::UNIX_EPOCH.into(),
                        through.into(),
                    ])
                    .on_conflict(
                        OnConflict::column(RelayLease::Name)
                            .update_column(RelayLease::PublishedThrough)
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        }

        manager
            .drop_index(
                Index::drop()
                    .name("ix_outbox_unpublished")
                    .table(O::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(O::Table)
                    .drop_column(O::PublishedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_retrying")
                    .table(O::Table)
                    .col(O::Sequence)
                    .and_where(Expr::col(O::NextAttemptAt).is_not_null())
                    .and_where(Expr::col(O::DeadAt).is_null())
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }
}
