//! The `cancer_exam` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cancer_exam")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub resident_id: Uuid,
    pub institution_id: Uuid,
    /// `cervical` or `breast`.
    pub cancer: String,
    pub examined_on: TimeDate,
    pub abnormal: bool,
    /// Outside the programme's ages: kept, not counted.
    pub opportunistic: bool,
    /// The exam (`CancerExamRecord`).
    pub body: Json,
    pub recorded_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
