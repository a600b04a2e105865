//! The `follow_up_visit` table: recorded visits, for history and the yearly indicators.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "follow_up_visit")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub patient_id: Uuid,
    pub team_id: Uuid,
    pub visited_on: TimeDate,
    pub face_to_face: bool,
    pub class: String,
    pub body: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
