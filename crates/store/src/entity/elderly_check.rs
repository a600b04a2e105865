//! The `elderly_check` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "elderly_check")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub resident_id: Uuid,
    pub institution_id: Uuid,
    pub checked_on: TimeDate,
    pub guided: bool,
    /// The day the results were fed back with guidance (migration 000024).
    pub fed_back_on: Option<TimeDate>,
    /// The check and its assessment (`ElderlyCheckRecord` without the columns above).
    pub body: Json,
    pub recorded_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
