//! The day an accepted referral's patient should have arrived by (`referral.arrive_by`: the
//! appointment plus the profile's grace days), and `ix_referral_arrival (state, arrive_by)` for
//! the deadline job that escalates a missed arrival to the community's desk. Rows accepted
//! before it have none and are not escalated.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Referral {
    Table,
    State,
    ArriveBy,
}

const INDEX: &str = "ix_referral_arrival";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Referral::Table)
                    .add_column(
                        ColumnDef::new(Referral::ArriveBy)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Referral::Table)
                    .col(Referral::State)
                    .col(Referral::ArriveBy)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Referral::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Referral::Table)
                    .drop_column(Referral::ArriveBy)
                    .to_owned(),
            )
            .await
    }
}
