//! A centre's requests by the time they were made: the figures read one centre's period
//! (`ix_diagnosis_centre_requested`), not the whole table.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum DiagnosisRequest {
    Table,
    CentreId,
    RequestedAt,
}

const INDEX: &str = "ix_diagnosis_centre_requested";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name(INDEX)
                    .table(DiagnosisRequest::Table)
                    .col(DiagnosisRequest::CentreId)
                    .col(DiagnosisRequest::RequestedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .if_exists()
                    .name(INDEX)
                    .table(DiagnosisRequest::Table)
                    .to_owned(),
            )
            .await
    }
}
