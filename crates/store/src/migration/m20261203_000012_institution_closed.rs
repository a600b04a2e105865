//! Closing an institution (`institution.closed_on`): it stays in the network with its history
//! and membership, and takes no new member, referral or sign-in from that day.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Institution {
    Table,
    ClosedOn,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Institution::Table)
                    .add_column(ColumnDef::new(Institution::ClosedOn).date().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Institution::Table)
                    .drop_column(Institution::ClosedOn)
                    .to_owned(),
            )
            .await
    }
}
