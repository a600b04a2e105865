//! Idempotency keys per caller, with a fingerprint of the request: `request_key` replaces
//! `idempotency_key`, whose (command, request_id) key was one namespace for every tenant (one
//! township's id blocked another's create and told it the id was in use) and which could not
//! tell a retry from a reused id with another body.
//!
//! Keys claimed before this migration are kept with an empty caller and fingerprint: no
//! request matches them (they belong to nobody), so they stay as a record only. Migrations run
//! before the service serves, so no retry is in flight across the change.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum RequestKey {
    Table,
    Caller,
    Command,
    RequestId,
    Fingerprint,
    ResourceId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKey {
    Table,
    Command,
    RequestId,
    ResourceId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RequestKey::Table)
                    .col(
                        ColumnDef::new(RequestKey::Caller)
                            .string_len(300)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RequestKey::Command)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RequestKey::RequestId)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RequestKey::Fingerprint)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(RequestKey::ResourceId).uuid().not_null())
                    .col(
                        ColumnDef::new(RequestKey::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(RequestKey::Caller)
                            .col(RequestKey::Command)
                            .col(RequestKey::RequestId),
                    )
                    .to_owned(),
            )
            .await?;
        let old = Query::select()
            .expr(Expr::val(""))
            .column(IdempotencyKey::Command)
            .column(IdempotencyKey::RequestId)
            .expr(Expr::val(""))
            .column(IdempotencyKey::ResourceId)
            .column(IdempotencyKey::CreatedAt)
            .from(IdempotencyKey::Table)
            .to_owned();
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(RequestKey::Table)
                    .columns([
                        RequestKey::Caller,
                        RequestKey::Command,
                        RequestKey::RequestId,
                        RequestKey::Fingerprint,
                        RequestKey::ResourceId,
                        RequestKey::CreatedAt,
                    ])
                    .select_from(old)
                    .map_err(|e| DbErr::Migration(e.to_string()))?
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(IdempotencyKey::Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKey::Table)
                    .col(
                        ColumnDef::new(IdempotencyKey::Command)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdempotencyKey::RequestId)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(ColumnDef::new(IdempotencyKey::ResourceId).uuid().not_null())
                    .col(
                        ColumnDef::new(IdempotencyKey::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKey::Command)
                            .col(IdempotencyKey::RequestId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(RequestKey::Table).to_owned())
            .await
    }
}
