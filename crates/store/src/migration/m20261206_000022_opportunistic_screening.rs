//! Opportunistic readings (机会性筛查): `screening_result.opportunistic` marks a reading of
//! someone outside the programme's ages, kept and assessed but left out of the programme's
//! counts. Rows stored before it were all taken inside the programmes' ages or not judged, so
//! they default to counted.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ScreeningResult {
    Table,
    Opportunistic,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ScreeningResult::Table)
                    .add_column(
                        ColumnDef::new(ScreeningResult::Opportunistic)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ScreeningResult::Table)
                    .drop_column(ScreeningResult::Opportunistic)
                    .to_owned(),
            )
            .await
    }
}
