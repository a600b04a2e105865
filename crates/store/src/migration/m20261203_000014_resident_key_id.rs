//! Residents are sealed (`seal`): `resident.key_id` names the data key that sealed a body and
//! keyed its document index. Rows written before have none; `Store::reseal` seals them.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Resident {
    Table,
    KeyId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Resident::Table)
                    .add_column(ColumnDef::new(Resident::KeyId).string_len(32).null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Resident::Table)
                    .drop_column(Resident::KeyId)
                    .to_owned(),
            )
            .await
    }
}
