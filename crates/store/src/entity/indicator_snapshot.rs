//! The `indicator_snapshot` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "indicator_snapshot")]
pub struct Model {
    /// `month`, `quarter` or `year`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub period_kind: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub period_first: TimeDate,
    #[sea_orm(primary_key, auto_increment = false)]
    pub grid_id: Uuid,
    /// The grid's tally (`GridTally`).
    pub tally: Json,
    pub computed_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
