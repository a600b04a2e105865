//! Translation between domain values and rows, and from driver errors to `StoreError`.

use async_trait::async_trait;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, RuntimeErr,
    SqlErr,
};
use uuid::Uuid;
use yigong_domain::referral::Referral;
use yigong_ports::Version;
use yigong_ports::{Constraint, StoreError};

/// Maps a driver error: unique violations become `Duplicate` with the rule they enforce; every
/// other failure is `Unavailable` with the driver's message (which never holds patient data:
/// values are bound parameters).
pub(crate) fn db_err(e: DbErr) -> StoreError {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(message)) => StoreError::Duplicate {
            constraint: constraint_of(&message),
        },
        _ => StoreError::Unavailable(describe(&e)),
    }
}

/// A driver error as an operator reads it: for an error the database returned, its message
/// and SQLSTATE, without the server's source location (PostgreSQL's `at line 948` is a line
/// of its own C sources, of no use to whoever reads ours).
fn describe(e: &DbErr) -> String {
    let sqlx = match e {
        DbErr::Conn(RuntimeErr::SqlxError(x))
        | DbErr::Exec(RuntimeErr::SqlxError(x))
        | DbErr::Query(RuntimeErr::SqlxError(x)) => x,
        other => return other.to_string(),
    };
    match sqlx.as_database_error() {
        Some(db) => match db.code() {
            Some(code) => format!("the database refused: {} (SQLSTATE {code})", db.message()),
            None => format!("the database refused: {}", db.message()),
        },
        None => sqlx.to_string(),
    }
}

/// Which uniqueness rule a violation message names. PostgreSQL names the index; SQLite lists
/// the columns.
pub(crate) fn constraint_of(message: &str) -> Constraint {
    if message.contains("ux_referral_open_direction") || message.contains("referral.open_direction")
    {
        Constraint::OpenReferral
    } else if message.contains("ux_resident_document") || message.contains("resident.document_key")
    {
        Constraint::ResidentDocument
    } else if message.contains("ux_enrolment_open_condition")
        || message.contains("enrolment.open_condition")
    {
        Constraint::OpenEnrolment
    } else if message.contains("ux_cancer_case_open") || message.contains("cancer_case.open_cancer")
    {
        Constraint::OpenCancerCase
    } else if message.contains("request_key") {
        Constraint::RequestId
    } else if message.contains("ux_outbox_aggregate_sequence")
        || message.contains("outbox_event.aggregate_sequence")
    {
        Constraint::AggregateSequence
    } else if message.contains("event_id") {
        Constraint::EventId
    } else {
        Constraint::Id
    }
}

pub(crate) fn referral_body(r: &Referral) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(r).map_err(|e| corrupt("referral", e.to_string()))
}

pub(crate) fn referral_from_body(body: serde_json::Value) -> Result<Referral, StoreError> {
    serde_json::from_value(body).map_err(|e| corrupt("referral", e.to_string()))
}

/// A value as its stored JSON document.
pub(crate) fn to_json<T: serde::Serialize>(
    entity: &'static str,
    value: &T,
) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(value).map_err(|e| corrupt(entity, e.to_string()))
}

/// A stored JSON document back as a value; a document that no longer parses is corruption.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    entity: &'static str,
    body: serde_json::Value,
) -> Result<T, StoreError> {
    serde_json::from_value(body).map_err(|e| corrupt(entity, e.to_string()))
}

/// A value from its stored JSON document read as text (`CAST(body AS TEXT)`, see [`body_text`]):
/// parsing straight from text skips the JSON tree a driver builds for a `jsonb` column, which
/// costs more than the parse itself on hot reads.
pub(crate) fn from_text<T: serde::de::DeserializeOwned>(
    entity: &'static str,
    body: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|e| corrupt(entity, e.to_string()))
}

/// `CAST(<column> AS TEXT)`: a JSON body as its text on both engines (SQLite stores it as text).
pub(crate) fn body_text(
    column: impl sea_orm::sea_query::IntoColumnRef,
) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::ExprTrait as _;
    sea_orm::sea_query::Expr::col(column).cast_as("text")
}

/// A unit enum's serde name (`snake_case`), the form kinds are stored in.
pub(crate) fn enum_name<T: serde::Serialize>(
    entity: &'static str,
    value: &T,
) -> Result<String, StoreError> {
    match to_json(entity, value)? {
        serde_json::Value::String(s) => Ok(s),
        other => Err(corrupt(entity, format!("{other} is not a unit variant"))),
    }
}

/// A stored kind name back as its enum.
pub(crate) fn enum_from<T: serde::de::DeserializeOwned>(
    entity: &'static str,
    name: String,
) -> Result<T, StoreError> {
    from_json(entity, serde_json::Value::String(name))
}

pub(crate) fn corrupt(entity: &'static str, detail: String) -> StoreError {
    StoreError::Corrupt { entity, detail }
}

/// Inserts a row without reading it back: `ActiveModel::insert` returns the stored model
/// (`RETURNING *`, then decoding the JSON body again), which a repository never needs.
#[async_trait]
pub(crate) trait InsertRow: ActiveModelTrait + Send + Sized {
    async fn insert_into<C: ConnectionTrait>(self, db: &C) -> Result<(), StoreError> {
        <Self::Entity as EntityTrait>::insert(self)
            .exec_without_returning(db)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

impl<A: ActiveModelTrait + Send + Sized> InsertRow for A {}

/// Optimistic update: `UPDATE … SET <row> WHERE id = ? AND version = expected`. The row carries
/// the next version; zero rows affected means someone else wrote first: `Conflict`.
pub(crate) async fn update_versioned<E: EntityTrait>(
    db: &impl ConnectionTrait,
    row: E::ActiveModel,
    (id_column, id): (E::Column, Uuid),
    version_column: E::Column,
    expected: Version,
    entity: &'static str,
) -> Result<Version, StoreError>
where
    E::ActiveModel: Send,
{
    let result = E::update_many()
        .set(row)
        .filter(id_column.eq(id))
        .filter(version_column.eq(expected))
        .exec(db)
        .await
        .map_err(db_err)?;
    if result.rows_affected == 1 {
        Ok(expected + 1)
    } else {
        Err(StoreError::Conflict {
            entity,
            id: id.to_string(),
            expected,
        })
    }
}
