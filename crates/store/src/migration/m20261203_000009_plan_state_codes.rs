//! One spelling per vocabulary: a plan lost to follow-up was stored as `lost` while the domain
//! and the wire spell it `lost_to_follow_up`. The column now holds the domain's code
//! (`PlanState::code`); stored rows are rewritten. The plan's JSON body already spelled it so.
//! The code is longer than the 16 characters the column allowed: PostgreSQL widens it to 32
//! (SQLite does not enforce declared lengths and cannot alter a column).

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum FollowUpPlan {
    Table,
    State,
}

async fn rename(manager: &SchemaManager<'_>, from: &str, to: &str) -> Result<(), DbErr> {
    manager
        .exec_stmt(
            Query::update()
                .table(FollowUpPlan::Table)
                .value(FollowUpPlan::State, to)
                .and_where(Expr::col(FollowUpPlan::State).eq(from))
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .alter_table(
                    Table::alter()
                        .table(FollowUpPlan::Table)
                        .modify_column(ColumnDef::new(FollowUpPlan::State).string_len(32))
                        .to_owned(),
                )
                .await?;
        }
        rename(manager, "lost", "lost_to_follow_up").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rename(manager, "lost_to_follow_up", "lost").await
    }
}
