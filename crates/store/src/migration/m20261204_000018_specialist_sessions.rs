//! Specialist sessions (`specialist_session`): the session as a JSON document with its
//! bookings, and the columns the schedule is read by (`ix_session_held_at`: where it is held,
//! its day, id). Two bookings racing for the last slot are told apart by the row version.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum SpecialistSession {
    Table,
    Id,
    InstitutionId,
    HeldAt,
    SessionDate,
    Body,
    Version,
}

const INDEX: &str = "ix_session_held_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SpecialistSession::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(SpecialistSession::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(SpecialistSession::InstitutionId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(SpecialistSession::HeldAt).uuid().not_null())
                    .col(
                        ColumnDef::new(SpecialistSession::SessionDate)
                            .date()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SpecialistSession::Body)
                            .json_binary()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SpecialistSession::Version)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(SpecialistSession::Table)
                    .col(SpecialistSession::HeldAt)
                    .col(SpecialistSession::SessionDate)
                    .col(SpecialistSession::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SpecialistSession::Table).to_owned())
            .await
    }
}
