//! The network (institutions, communities), the area tree with its closure table, grids,
//! households, family doctor teams and contracts.
//!
//! Rules the database holds: one community per institution (a single `community_id` column set
//! by a conditional update), one grid per household (a single non-null `grid_id`), one lead per
//! community (a unique index). Subtree lookups go through `area_closure` (every ancestor–
//! descendant pair, the tree being at most five levels deep), so "the grids of a township" is
//! an index range, never a recursive scan.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Institution {
    Table,
    Id,
    Name,
    Kind,
    CommunityId,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Community {
    Table,
    Id,
    Name,
    LeadId,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AreaNode {
    Table,
    Id,
    Name,
    Kind,
    ParentId,
}

#[derive(DeriveIden)]
enum AreaClosure {
    Table,
    AncestorId,
    DescendantId,
    Depth,
}

#[derive(DeriveIden)]
enum Grid {
    Table,
    Id,
    Name,
    AreaId,
    TeamId,
    RetiredOn,
    Body,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Household {
    Table,
    Id,
    GridId,
    Address,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Team {
    Table,
    Id,
    InstitutionId,
    Name,
    Body,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Contract {
    Table,
    Id,
    ResidentId,
    TeamId,
    StartOn,
    EndOn,
    Status,
    Body,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Resident {
    Table,
    HouseholdId,
}

fn uuid(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).uuid().not_null().to_owned()
}

fn text(col: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).not_null().to_owned()
}

fn timestamp(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn version(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn json(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).json_binary().not_null().to_owned()
}

fn index(name: &str, table: impl IntoIden, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table).if_not_exists();
    for c in cols {
        i.col(c);
    }
    i
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Institution::Table)
                    .if_not_exists()
                    .col(uuid(Institution::Id).primary_key())
                    .col(text(Institution::Name, 200))
                    .col(text(Institution::Kind, 40))
                    .col(ColumnDef::new(Institution::CommunityId).uuid().null())
                    .col(version(Institution::Version))
                    .col(timestamp(Institution::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Community::Table)
                    .if_not_exists()
                    .col(uuid(Community::Id).primary_key())
                    .col(text(Community::Name, 200))
                    .col(uuid(Community::LeadId))
                    .col(timestamp(Community::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Community::Table, Community::LeadId)
                            .to(Institution::Table, Institution::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AreaNode::Table)
                    .if_not_exists()
                    .col(uuid(AreaNode::Id).primary_key())
                    .col(text(AreaNode::Name, 200))
                    .col(text(AreaNode::Kind, 24))
                    .col(ColumnDef::new(AreaNode::ParentId).uuid().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(AreaNode::Table, AreaNode::ParentId)
                            .to(AreaNode::Table, AreaNode::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AreaClosure::Table)
                    .if_not_exists()
                    .col(uuid(AreaClosure::AncestorId))
                    .col(uuid(AreaClosure::DescendantId))
                    .col(
                        ColumnDef::new(AreaClosure::Depth)
                            .small_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(AreaClosure::AncestorId)
                            .col(AreaClosure::DescendantId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AreaClosure::Table, AreaClosure::AncestorId)
                            .to(AreaNode::Table, AreaNode::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AreaClosure::Table, AreaClosure::DescendantId)
                            .to(AreaNode::Table, AreaNode::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Grid::Table)
                    .if_not_exists()
                    .col(uuid(Grid::Id).primary_key())
                    .col(text(Grid::Name, 200))
                    .col(uuid(Grid::AreaId))
                    // The team of the open assignment, NULL when none: "the grids a team
                    // serves" is an index lookup; the history stays in the body.
                    .col(ColumnDef::new(Grid::TeamId).uuid().null())
                    .col(ColumnDef::new(Grid::RetiredOn).date().null())
                    .col(json(Grid::Body))
                    .col(version(Grid::Version))
                    .col(timestamp(Grid::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Grid::Table, Grid::AreaId)
                            .to(AreaNode::Table, AreaNode::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Household::Table)
                    .if_not_exists()
                    .col(uuid(Household::Id).primary_key())
                    .col(uuid(Household::GridId))
                    .col(text(Household::Address, 400))
                    .col(timestamp(Household::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Household::Table, Household::GridId)
                            .to(Grid::Table, Grid::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Team::Table)
                    .if_not_exists()
                    .col(uuid(Team::Id).primary_key())
                    .col(uuid(Team::InstitutionId))
                    .col(text(Team::Name, 200))
                    .col(json(Team::Body))
                    .col(version(Team::Version))
                    .col(timestamp(Team::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Contract::Table)
                    .if_not_exists()
                    .col(uuid(Contract::Id).primary_key())
                    .col(uuid(Contract::ResidentId))
                    .col(uuid(Contract::TeamId))
                    .col(ColumnDef::new(Contract::StartOn).date().not_null())
                    .col(ColumnDef::new(Contract::EndOn).date().not_null())
                    .col(text(Contract::Status, 16))
                    .col(json(Contract::Body))
                    .col(version(Contract::Version))
                    .col(timestamp(Contract::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Contract::Table, Contract::TeamId)
                            .to(Team::Table, Team::Id),
                    )
                    .to_owned(),
            )
            .await?;

        for statement in [
            index(
                "ix_institution_community",
                Institution::Table,
                vec![Institution::CommunityId.into_iden()],
            )
            .to_owned(),
            index(
                "ux_community_lead",
                Community::Table,
                vec![Community::LeadId.into_iden()],
            )
            .unique()
            .to_owned(),
            index(
                "ix_area_parent",
                AreaNode::Table,
                vec![AreaNode::ParentId.into_iden()],
            )
            .to_owned(),
            // area_path: the ancestors of a node.
            index(
                "ix_area_closure_descendant",
                AreaClosure::Table,
                vec![AreaClosure::DescendantId.into_iden()],
            )
            .to_owned(),
            index("ix_grid_area", Grid::Table, vec![Grid::AreaId.into_iden()]).to_owned(),
            index("ix_grid_team", Grid::Table, vec![Grid::TeamId.into_iden()]).to_owned(),
            index(
                "ix_household_grid",
                Household::Table,
                vec![Household::GridId.into_iden()],
            )
            .to_owned(),
            index(
                "ix_team_institution",
                Team::Table,
                vec![Team::InstitutionId.into_iden()],
            )
            .to_owned(),
            index(
                "ix_contract_resident",
                Contract::Table,
                vec![
                    Contract::ResidentId.into_iden(),
                    Contract::StartOn.into_iden(),
                ],
            )
            .to_owned(),
            index(
                "ix_contract_team",
                Contract::Table,
                vec![Contract::TeamId.into_iden(), Contract::Status.into_iden()],
            )
            .to_owned(),
            // Moving households moves their residents' records with them.
            index(
                "ix_resident_household",
                Resident::Table,
                vec![Resident::HouseholdId.into_iden()],
            )
            .to_owned(),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }
}
