//! The `consultation` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "consultation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub requester_institution_id: Uuid,
    pub consultant_institution_id: Uuid,
    /// `requested`, `scheduled`, `answered`, `declined`, `cancelled`.
    pub status: String,
    pub requested_at: TimeDateTimeWithTimeZone,
    /// The consultation (`Consultation`).
    pub body: Json,
    pub version: i64,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
