//! The `cancer_case` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cancer_case")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub resident_id: Uuid,
    pub institution_id: Uuid,
    pub cancer: String,
    /// The cancer while the case is open, NULL once closed: one open case per woman and
    /// cancer (`ux_cancer_case_open`).
    pub open_cancer: Option<String>,
    pub opened_on: TimeDate,
    /// The case (`CancerCaseRecord`).
    pub body: Json,
    pub version: i64,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
