//! The append-only `audit_entry` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub actor_user: String,
    pub actor_role: String,
    pub actor_institution: Uuid,
    pub action: String,
    pub resource: String,
    pub patient_id: Option<Uuid>,
    pub at: TimeDateTimeWithTimeZone,
    pub outcome: String,
    pub break_glass: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
