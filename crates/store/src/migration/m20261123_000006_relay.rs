//! The relay's bookkeeping: delivery attempts and dead letters on each outbox row, a partial
//! index over what is still to publish (and one over what is not yet positioned) (the relay's one query stays an index range however
//! long the outbox grows), and the `relay_lease` table that lets one instance relay at a time.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum OutboxEvent {
    Table,
    Id,
    Sequence,
    PublishedAt,
    Attempts,
    NextAttemptAt,
    LastError,
    DeadAt,
}

#[derive(DeriveIden)]
enum RelayLease {
    Table,
    Name,
    Holder,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use OutboxEvent as O;
        // SQLite alters one column a statement.
        for column in [
            ColumnDef::new(O::Attempts)
                .integer()
                .not_null()
                .default(0)
                .to_owned(),
            ColumnDef::new(O::NextAttemptAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(O::LastError).text().null().to_owned(),
            ColumnDef::new(O::DeadAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(Table::alter().table(O::Table).add_column(column).to_owned())
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_unpublished")
                    .table(O::Table)
                    .col(O::Sequence)
                    .and_where(Expr::col(O::PublishedAt).is_null())
                    .and_where(Expr::col(O::DeadAt).is_null())
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // Rows committed but not yet positioned (`Store::assign_sequence` runs before every
        // read of the feed and every relay step): without it each call scans the outbox.
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_unpositioned")
                    .table(O::Table)
                    .col(O::Id)
                    .and_where(Expr::col(O::Sequence).is_null())
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_dead")
                    .table(O::Table)
                    .col(O::Sequence)
                    .and_where(Expr::col(O::DeadAt).is_not_null())
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RelayLease::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(RelayLease::Name)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(RelayLease::Holder).uuid().not_null())
                    .col(
                        ColumnDef::new(RelayLease::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }
}
