//! Translation between domain values and rows, and from driver errors to `StoreError`.

use sea_orm::{DbErr, SqlErr};
use yigong_domain::referral::{Direction, Referral, StateName, Urgency};
use yigong_ports::StoreError;

/// Maps a driver error: unique violations become `Duplicate` with the rule they enforce; every
/// other failure is `Unavailable` with the driver's message (which never holds patient data:
/// values are bound parameters).
pub(crate) fn db_err(e: DbErr) -> StoreError {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(message)) => StoreError::Duplicate {
            constraint: constraint_of(&message),
        },
        _ => StoreError::Unavailable(e.to_string()),
    }
}

/// Which uniqueness rule a violation message names. PostgreSQL names the index; SQLite lists
/// the columns.
fn constraint_of(message: &str) -> &'static str {
    if message.contains("ux_referral_open_direction") || message.contains("referral.open_direction")
    {
        "open_referral"
    } else if message.contains("ux_resident_document") || message.contains("resident.document_key")
    {
        "resident_document"
    } else if message.contains("ux_enrolment_open_condition")
        || message.contains("enrolment.open_condition")
    {
        "open_enrolment"
    } else if message.contains("idempotency_key") {
        "request_id"
    } else if message.contains("ux_outbox_aggregate_sequence")
        || message.contains("outbox_event.aggregate_sequence")
    {
        "aggregate_sequence"
    } else if message.contains("event_id") {
        "event_id"
    } else {
        "id"
    }
}

pub(crate) fn direction_str(d: Direction) -> &'static str {
    match d {
        Direction::Upward => "upward",
        Direction::Downward => "downward",
    }
}

pub(crate) fn direction_from(s: &str) -> Result<Direction, StoreError> {
    match s {
        "upward" => Ok(Direction::Upward),
        "downward" => Ok(Direction::Downward),
        other => Err(corrupt("referral", format!("direction `{other}`"))),
    }
}

pub(crate) fn urgency_str(u: Urgency) -> &'static str {
    match u {
        Urgency::Emergency => "emergency",
        Urgency::Routine => "routine",
    }
}

pub(crate) fn state_str(s: StateName) -> &'static str {
    match s {
        StateName::AwaitingApproval => "awaiting_approval",
        StateName::Requested => "requested",
        StateName::Accepted => "accepted",
        StateName::Rejected => "rejected",
        StateName::Cancelled => "cancelled",
        StateName::Arrived => "arrived",
        StateName::Completed => "completed",
        StateName::Closed => "closed",
    }
}

pub(crate) fn referral_body(r: &Referral) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(r).map_err(|e| corrupt("referral", e.to_string()))
}

pub(crate) fn referral_from_body(body: serde_json::Value) -> Result<Referral, StoreError> {
    serde_json::from_value(body).map_err(|e| corrupt("referral", e.to_string()))
}

pub(crate) fn corrupt(entity: &'static str, detail: String) -> StoreError {
    StoreError::Corrupt { entity, detail }
}
