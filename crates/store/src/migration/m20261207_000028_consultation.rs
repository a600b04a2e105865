//! Remote consultation (远程会诊): `consultation`, one row per consultation, the aggregate in
//! `body` and beside it the columns its two lists are read by: what an institution asked
//! (`ix_consultation_requester`) and what it was asked (`ix_consultation_consultant`), latest
//! first, with `status` for the open ones.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Consultation {
    Table,
    Id,
    PatientId,
    RequesterInstitutionId,
    ConsultantInstitutionId,
    Status,
    RequestedAt,
    Body,
    Version,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Consultation as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(C::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(C::PatientId).uuid().not_null())
                    .col(ColumnDef::new(C::RequesterInstitutionId).uuid().not_null())
                    .col(ColumnDef::new(C::ConsultantInstitutionId).uuid().not_null())
                    .col(ColumnDef::new(C::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(C::RequestedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
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
        for (name, party) in [
            ("ix_consultation_requester", C::RequesterInstitutionId),
            ("ix_consultation_consultant", C::ConsultantInstitutionId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(C::Table)
                        .if_not_exists()
                        .col(party)
                        .col(C::RequestedAt)
                        .col(C::Id)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_consultation_patient")
                    .table(C::Table)
                    .if_not_exists()
                    .col(C::PatientId)
                    .col(C::RequestedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(Consultation::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
