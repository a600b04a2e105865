//! Glucose at laboratory precision: `screening_result.glucose_tenths` becomes
//! `glucose_hundredths`, its stored values scaled by ten, so a fasting 6.99 is kept as 699 and
//! not rounded to a 7.0 that would cross the diabetes threshold. The JSON bodies need no
//! rewrite: a bare integer there still reads as tenths (`Glucose`'s serde).

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ScreeningResult {
    Table,
    GlucoseTenths,
    GlucoseHundredths,
}

/// Sets the glucose column (by its name after the migration) to `scaled`.
async fn rescale(manager: &SchemaManager<'_>, scaled: SimpleExpr) -> Result<(), DbErr> {
    manager
        .exec_stmt(
            Query::update()
                .table(ScreeningResult::Table)
                .value(ScreeningResult::GlucoseHundredths, scaled)
                .and_where(Expr::col(ScreeningResult::GlucoseHundredths).is_not_null())
                .to_owned(),
        )
        .await
}

/// Renames the glucose column.
async fn rename(
    manager: &SchemaManager<'_>,
    from: ScreeningResult,
    to: ScreeningResult,
) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(ScreeningResult::Table)
                .rename_column(from, to)
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ScreeningResult::{GlucoseHundredths, GlucoseTenths};
        rename(manager, GlucoseTenths, GlucoseHundredths).await?;
        rescale(manager, Expr::col(GlucoseHundredths).mul(10)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ScreeningResult::{GlucoseHundredths, GlucoseTenths};
        rescale(manager, Expr::col(GlucoseHundredths).div(10)).await?;
        rename(manager, GlucoseHundredths, GlucoseTenths).await
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database, Statement};
    use sea_orm_migration::MigratorTrait;

    use crate::migration::Migrator;

    #[tokio::test]
    async fn stored_tenths_become_hundredths_and_back() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        Migrator::up(&db, Some(20)).await.unwrap();
        // The referenced batch and resident are beside the point here.
        db.execute_unprepared("PRAGMA foreign_keys = OFF")
            .await
            .unwrap();
        for (id, glucose) in [("1", "69"), ("2", "NULL")] {
            db.execute_unprepared(&format!(
                "INSERT INTO screening_result (id, batch_id, resident_id, institution_id, \
                 programme, taken_on, sbp, dbp, glucose_tenths, flagged, body, recorded_at) \
                 VALUES ('{id}', 'b', 'r', 'i', 'fasting_glucose', '2026-03-01', NULL, NULL, \
                 {glucose}, false, '{{}}', '2026-03-01T00:00:00Z')"
            ))
            .await
            .unwrap();
        }
        let read = |column: &'static str| {
            let db = &db;
            async move {
                let sql = format!("SELECT {column} FROM screening_result ORDER BY id");
                db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.try_get_by_index::<Option<i32>>(0).unwrap())
                    .collect::<Vec<_>>()
            }
        };
        Migrator::up(&db, Some(1)).await.unwrap();
        assert_eq!(read("glucose_hundredths").await, [Some(690), None]);
        Migrator::down(&db, Some(1)).await.unwrap();
        assert_eq!(read("glucose_tenths").await, [Some(69), None]);
    }
}
