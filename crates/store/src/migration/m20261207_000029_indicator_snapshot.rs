//! Closed periods' figures (IND-SNAPSHOT): `indicator_snapshot`, one grid's tally of one
//! month, quarter or year as it stood when first counted after the close (or last re-opened),
//! keyed by the period and the grid so that a report reads a period's grids by primary key
//! and two instances taking the same snapshot keep one.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum IndicatorSnapshot {
    Table,
    PeriodKind,
    PeriodFirst,
    GridId,
    Tally,
    ComputedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use IndicatorSnapshot as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(S::PeriodKind).string_len(8).not_null())
                    .col(ColumnDef::new(S::PeriodFirst).date().not_null())
                    .col(ColumnDef::new(S::GridId).uuid().not_null())
                    .col(ColumnDef::new(S::Tally).json_binary().not_null())
                    .col(
                        ColumnDef::new(S::ComputedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(S::PeriodKind)
                            .col(S::PeriodFirst)
                            .col(S::GridId),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(IndicatorSnapshot::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
