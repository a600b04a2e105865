//! Deadline jobs: `deadline_fired` records each announced deadline once (its primary key is
//! the once-only guarantee across instances), and indexes let the jobs find candidates without
//! scanning: waiting plans by due date, current contracts by end (requested referrals by
//! answer deadline use 000001's `ix_referral_deadline`).

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum DeadlineFired {
    Table,
    Kind,
    SubjectId,
    FiredAt,
}

#[derive(DeriveIden)]
enum FollowUpPlan {
    Table,
    State,
    Due,
}

#[derive(DeriveIden)]
enum Contract {
    Table,
    Status,
    EndOn,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DeadlineFired::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(DeadlineFired::Kind)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(DeadlineFired::SubjectId).uuid().not_null())
                    .col(
                        ColumnDef::new(DeadlineFired::FiredAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(DeadlineFired::Kind)
                            .col(DeadlineFired::SubjectId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_plan_state_due")
                    .table(FollowUpPlan::Table)
                    .col(FollowUpPlan::State)
                    .col(FollowUpPlan::Due)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_contract_status_end")
                    .table(Contract::Table)
                    .col(Contract::Status)
                    .col(Contract::EndOn)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }
}
