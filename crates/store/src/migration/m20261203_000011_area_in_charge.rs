//! The institution in charge of an area (`area_node.institution_id`): the township or
//! community health centre whose operators administer the area's grids and households.
//! Set on a root and copied to every node below, so "whose is this grid" is one row read.
//!
//! Areas created before keep `NULL`: administered county-wide, by county operators, until an
//! operator re-homes them (nothing can be inferred safely from the rows).

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum AreaNode {
    Table,
    InstitutionId,
}

const INDEX: &str = "ix_area_node_institution";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AreaNode::Table)
                    .add_column(ColumnDef::new(AreaNode::InstitutionId).uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(AreaNode::Table)
                    .col(AreaNode::InstitutionId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(AreaNode::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AreaNode::Table)
                    .drop_column(AreaNode::InstitutionId)
                    .to_owned(),
            )
            .await
    }
}
