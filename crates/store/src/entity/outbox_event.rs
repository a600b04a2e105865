//! The `outbox_event` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub sequence: Option<i64>,
    pub event_id: Uuid,
    pub community_id: Option<Uuid>,
    pub aggregate_kind: String,
    pub aggregate_id: Uuid,
    pub aggregate_sequence: i64,
    pub event_type: String,
    pub schema_version: i32,
    pub payload: Json,
    pub occurred_at: TimeDateTimeWithTimeZone,
    pub attempts: i32,
    pub next_attempt_at: Option<TimeDateTimeWithTimeZone>,
    pub last_error: Option<String>,
    pub dead_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
