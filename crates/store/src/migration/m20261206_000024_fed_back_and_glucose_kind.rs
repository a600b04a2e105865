//! Two facts the rates and due lists count by, until now only inside the JSON bodies:
//! `elderly_check.fed_back_on` (the day the results were fed back with guidance; elderly
//! management counts a check from that day, ELD-GUIDED) and `screening_result.glucose_kind`
//! (`fasting`, `random`, `two_hour`; only a fasting reading is the glucose programme's
//! screening). Both are filled from the stored bodies, a page of rows at a time, in the
//! backend-neutral way every migration here is written.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm::{ConnectionTrait, FromQueryResult};
use sea_orm_migration::prelude::*;
use uuid::Uuid;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ElderlyCheck {
    Table,
    Id,
    Guided,
    Body,
    FedBackOn,
}

#[derive(DeriveIden, Clone, Copy)]
enum ScreeningResult {
    Table,
    Id,
    Programme,
    Body,
    GlucoseKind,
}

/// Rows read per page while filling the new columns.
const PAGE: u64 = 1_000;

#[derive(FromQueryResult)]
struct Row {
    id: Uuid,
    body: serde_json::Value,
}

/// Pages through the rows `filter` selects in id order and sets `column` to what `value`
/// reads from each body (rows it reads nothing from are left NULL).
async fn fill<T: Iden + Copy + 'static>(
    manager: &SchemaManager<'_>,
    table: T,
    (id, body, column): (T, T, T),
    filter: SimpleExpr,
    value: impl Fn(&serde_json::Value) -> Result<Option<Value>, DbErr>,
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let mut after: Option<Uuid> = None;
    loop {
        let mut page = Query::select();
        page.columns([id, body])
            .from(table)
            .and_where(filter.clone())
            .order_by(id, Order::Asc)
            .limit(PAGE);
        if let Some(last) = after {
            page.and_where(Expr::col(id).gt(last));
        }
        let rows = Row::find_by_statement(backend.build(&page)).all(db).await?;
        for row in &rows {
            if let Some(v) = value(&row.body)? {
                manager
                    .exec_stmt(
                        Query::update()
                            .table(table)
                            .value(column, v)
                            .and_where(Expr::col(id).eq(row.id))
                            .to_owned(),
                    )
                    .await?;
            }
        }
        match rows.last() {
            Some(last) if rows.len() as u64 == PAGE => after = Some(last.id),
            _ => return Ok(()),
        }
    }
}

fn unreadable(what: &str, e: impl std::fmt::Display) -> DbErr {
    DbErr::Migration(format!("{what}: {e}"))
}

async fn add_column(
    manager: &SchemaManager<'_>,
    table: impl Iden + 'static,
    column: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(column.to_owned())
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ElderlyCheck as K;
        use ScreeningResult as S;
        add_column(
            manager,
            K::Table,
            ColumnDef::new(K::FedBackOn).date().null().to_owned(),
        )
        .await?;
        fill(
            manager,
            K::Table,
            (K::Id, K::Body, K::FedBackOn),
            Expr::col(K::Guided).eq(true),
            |body| {
                let fed = body.pointer("/check/fed_back_on").cloned();
                fed.filter(|v| !v.is_null())
                    .map(|v| {
                        serde_json::from_value::<time::Date>(v)
                            .map(Value::from)
                            .map_err(|e| unreadable("elderly_check.body", e))
                    })
                    .transpose()
            },
        )
        .await?;

        add_column(
            manager,
            S::Table,
            ColumnDef::new(S::GlucoseKind)
                .string_len(16)
                .null()
                .to_owned(),
        )
        .await?;
        fill(
            manager,
            S::Table,
            (S::Id, S::Body, S::GlucoseKind),
            Expr::col(S::Programme).eq("fasting_glucose"),
            |body| match body.get("kind").and_then(serde_json::Value::as_str) {
                Some(kind @ ("fasting" | "random" | "two_hour")) => Ok(Some(kind.into())),
                other => Err(unreadable(
                    "screening_result.body.kind",
                    format!("{:.16}", other.unwrap_or("missing")),
                )),
            },
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ScreeningResult::Table)
                    .drop_column(ScreeningResult::GlucoseKind)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ElderlyCheck::Table)
                    .drop_column(ElderlyCheck::FedBackOn)
                    .to_owned(),
            )
            .await
    }
}
