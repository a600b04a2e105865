//! Screening results: the columns indicators and episode rules read, plus the finding as JSON.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ScreeningResult {
    Table,
    Id,
    BatchId,
    ResidentId,
    InstitutionId,
    Programme,
    TakenOn,
    Sbp,
    Dbp,
    GlucoseTenths,
    Flagged,
    Body,
    RecordedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ScreeningResult as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(S::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(S::BatchId).uuid().not_null())
                    .col(ColumnDef::new(S::ResidentId).uuid().not_null())
                    .col(ColumnDef::new(S::InstitutionId).uuid().not_null())
                    .col(ColumnDef::new(S::Programme).string_len(24).not_null())
                    .col(ColumnDef::new(S::TakenOn).date().not_null())
                    .col(ColumnDef::new(S::Sbp).integer().null())
                    .col(ColumnDef::new(S::Dbp).integer().null())
                    .col(ColumnDef::new(S::GlucoseTenths).integer().null())
                    .col(ColumnDef::new(S::Flagged).boolean().not_null())
                    .col(ColumnDef::new(S::Body).json_binary().not_null())
                    .col(
                        ColumnDef::new(S::RecordedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        for index in [
            // A resident's readings of a programme by date: the episode rules and the history.
            Index::create()
                .name("ix_screening_resident")
                .table(S::Table)
                .col(S::ResidentId)
                .col(S::Programme)
                .col(S::TakenOn)
                .if_not_exists()
                .to_owned(),
            Index::create()
                .name("ix_screening_batch")
                .table(S::Table)
                .col(S::BatchId)
                .if_not_exists()
                .to_owned(),
        ] {
            manager.create_index(index).await?;
        }
        Ok(())
    }
}
