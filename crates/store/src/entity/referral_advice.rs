//! The `referral_advice` table: the columns the lists and the deadline job read by, plus the
//! advice as a JSON document.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "referral_advice")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub institution_id: Uuid,
    pub team_id: Option<Uuid>,
    pub community_id: Option<Uuid>,
    pub urgency: String,
    pub open: bool,
    pub advised_at: TimeDateTimeWithTimeZone,
    /// Set while an emergency is open and not escalated: the deadline job's candidates.
    pub escalate_at: Option<TimeDateTimeWithTimeZone>,
    pub body: Json,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
