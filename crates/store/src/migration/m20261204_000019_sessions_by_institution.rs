//! An institution's experts' sessions wherever held (`ix_session_institution`: institution,
//! day, id), for the counts per expert and township.

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
    SessionDate,
}

const INDEX: &str = "ix_session_institution";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(SpecialistSession::Table)
                    .col(SpecialistSession::InstitutionId)
                    .col(SpecialistSession::SessionDate)
                    .col(SpecialistSession::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(SpecialistSession::Table)
                    .to_owned(),
            )
            .await
    }
}
