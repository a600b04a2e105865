//! The `referral` table: indexed columns plus the aggregate as a JSON document.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "referral")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub from_institution: Uuid,
    pub to_institution: Uuid,
    pub community_id: Option<Uuid>,
    pub direction: String,
    pub urgency: String,
    pub state: String,
    pub open_direction: Option<String>,
    pub requested_at: TimeDateTimeWithTimeZone,
    pub respond_by: Option<TimeDateTimeWithTimeZone>,
    pub escalated: bool,
    pub arrive_by: Option<TimeDateTimeWithTimeZone>,
    pub body: Json,
    pub version: i64,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
