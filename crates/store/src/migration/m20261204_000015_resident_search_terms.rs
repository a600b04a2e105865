//! Finding residents by phone and by the beginning of a name without either in clear:
//! `resident_term` holds the keyed hash of each term a record answers to
//! (`personal::SearchTerm`, under the data key's index subkey), one row per term and resident.
//! The rosters of a grid and a household page by resident id, so both get an index that ends in
//! it. The hashes need the key, which a migration does not have: every row is marked unsealed
//! (`key_id` NULL) so that `Store::reseal` writes its terms at the next start.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ResidentTerm {
    Table,
    TermKey,
    ResidentId,
}

#[derive(DeriveIden)]
enum Resident {
    Table,
    Id,
    GridId,
    HouseholdId,
    KeyId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ResidentTerm::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(ResidentTerm::TermKey)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ResidentTerm::ResidentId).uuid().not_null())
                    // A lookup is one range of the key: the residents answering to a term, in
                    // id order, so a page continues after the last id.
                    .primary_key(
                        Index::create()
                            .col(ResidentTerm::TermKey)
                            .col(ResidentTerm::ResidentId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ResidentTerm::Table, ResidentTerm::ResidentId)
                            .to(Resident::Table, Resident::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // A record's terms are replaced when it changes.
        manager
            .create_index(
                Index::create()
                    .name("ix_resident_term_resident")
                    .table(ResidentTerm::Table)
                    .col(ResidentTerm::ResidentId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_resident_grid_roster", Resident::GridId),
            ("ix_resident_household_roster", Resident::HouseholdId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Resident::Table)
                        .col(col)
                        .col(Resident::Id)
                        .if_not_exists()
                        .to_owned(),
                )
                .await?;
        }
        // Each record's terms are written by the next reseal, which needs the key.
        manager
            .exec_stmt(
                Query::update()
                    .table(Resident::Table)
                    .value(Resident::KeyId, Option::<String>::None)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["ix_resident_household_roster", "ix_resident_grid_roster"] {
            manager
                .drop_index(Index::drop().name(name).table(Resident::Table).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table(ResidentTerm::Table).to_owned())
            .await
    }
}
