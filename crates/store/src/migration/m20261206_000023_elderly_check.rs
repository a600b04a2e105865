//! 65+ annual health checks (`elderly_check`): the check and its findings as a JSON document,
//! and the columns it is read and counted by (`ix_elderly_check_resident`: a resident's checks
//! by day; `checked_on` and `guided` for the elderly management rate).

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ElderlyCheck {
    Table,
    Id,
    ResidentId,
    InstitutionId,
    CheckedOn,
    Guided,
    Body,
    RecordedAt,
}

const INDEX: &str = "ix_elderly_check_resident";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ElderlyCheck as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(C::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(C::ResidentId).uuid().not_null())
                    .col(ColumnDef::new(C::InstitutionId).uuid().not_null())
                    .col(ColumnDef::new(C::CheckedOn).date().not_null())
                    .col(ColumnDef::new(C::Guided).boolean().not_null())
                    .col(ColumnDef::new(C::Body).json_binary().not_null())
                    .col(
                        ColumnDef::new(C::RecordedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(C::Table)
                    .col(C::ResidentId)
                    .col(C::CheckedOn)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ElderlyCheck::Table).to_owned())
            .await
    }
}
