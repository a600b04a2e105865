//! A patient's follow-up plans in one indexed read (`ix_plan_patient`: patient, due), for the
//! patient's history; the worklist keeps its own index.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum FollowUpPlan {
    Table,
    PatientId,
    Due,
}

const INDEX: &str = "ix_plan_patient";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(FollowUpPlan::Table)
                    .col(FollowUpPlan::PatientId)
                    .col(FollowUpPlan::Due)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(FollowUpPlan::Table)
                    .to_owned(),
            )
            .await
    }
}
