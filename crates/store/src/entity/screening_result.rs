//! The `screening_result` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "screening_result")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub batch_id: Uuid,
    pub resident_id: Uuid,
    pub institution_id: Uuid,
    pub programme: String,
    pub taken_on: TimeDate,
    pub sbp: Option<i32>,
    pub dbp: Option<i32>,
    /// Hundredths of mmol/L (migration 000021; tenths before).
    pub glucose_hundredths: Option<i32>,
    pub flagged: bool,
    /// Outside the programme's ages: assessed, not counted (migration 000022).
    pub opportunistic: bool,
    /// `fasting`, `random` or `two_hour` for a glucose reading (migration 000024).
    pub glucose_kind: Option<String>,
    pub body: Json,
    pub recorded_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
