//! The `follow_up_plan` table: the worklist's columns plus the plan as a JSON document.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "follow_up_plan")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub enrolment_id: Uuid,
    pub patient_id: Uuid,
    pub team_id: Uuid,
    pub state: String,
    pub due: TimeDate,
    pub remind_on: Option<TimeDate>,
    /// The plan's worklist rank (`WorklistPosition::rank`), indexed for paging.
    pub worklist_rank: i16,
    pub body: Json,
    pub version: i64,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
