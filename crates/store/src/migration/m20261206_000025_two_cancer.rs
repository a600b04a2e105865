//! Two-cancer screening (两癌筛查): `cancer_exam`, one row per exam, read by
//! `ix_cancer_exam_resident` (a woman's exams by day; the grid's coverage); and `cancer_case`,
//! one row per case, `ux_cancer_case_open` keeping one open case per woman and cancer and
//! `ix_cancer_case_open_institution` the open-case worklist in (opened on, id) order.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum CancerExam {
    Table,
    Id,
    ResidentId,
    InstitutionId,
    Cancer,
    ExaminedOn,
    Abnormal,
    Opportunistic,
    Body,
    RecordedAt,
}

#[derive(DeriveIden)]
enum CancerCase {
    Table,
    Id,
    ResidentId,
    InstitutionId,
    Cancer,
    OpenCancer,
    OpenedOn,
    Body,
    Version,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use CancerCase as C;
        use CancerExam as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(E::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(E::ResidentId).uuid().not_null())
                    .col(ColumnDef::new(E::InstitutionId).uuid().not_null())
                    .col(ColumnDef::new(E::Cancer).string_len(16).not_null())
                    .col(ColumnDef::new(E::ExaminedOn).date().not_null())
                    .col(ColumnDef::new(E::Abnormal).boolean().not_null())
                    .col(ColumnDef::new(E::Opportunistic).boolean().not_null())
                    .col(ColumnDef::new(E::Body).json_binary().not_null())
                    .col(
                        ColumnDef::new(E::RecordedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_cancer_exam_resident")
                    .table(E::Table)
                    .col(E::ResidentId)
                    .col(E::ExaminedOn)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(C::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(C::ResidentId).uuid().not_null())
                    .col(ColumnDef::new(C::InstitutionId).uuid().not_null())
                    .col(ColumnDef::new(C::Cancer).string_len(16).not_null())
                    .col(ColumnDef::new(C::OpenCancer).string_len(16).null())
                    .col(ColumnDef::new(C::OpenedOn).date().not_null())
                    .col(ColumnDef::new(C::Body).json_binary().not_null())
                    .col(ColumnDef::new(C::Version).big_integer().not_null())
                    .col(
                        ColumnDef::new(C::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_cancer_case_open")
                    .table(C::Table)
                    .col(C::ResidentId)
                    .col(C::OpenCancer)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_cancer_case_open_institution")
                    .table(C::Table)
                    .col(C::InstitutionId)
                    .col(C::OpenedOn)
                    .col(C::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_cancer_case_resident")
                    .table(C::Table)
                    .col(C::ResidentId)
                    .col(C::OpenedOn)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CancerCase::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(CancerExam::Table).to_owned())
            .await
    }
}
