//! The `diagnosis_request` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "diagnosis_request")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub centre_id: Uuid,
    pub patient_id: Uuid,
    pub requester_institution_id: Uuid,
    pub modality: String,
    pub status: String,
    /// The priority's rank (0 emergency) while the request waits for a reader, NULL otherwise.
    pub worklist_rank: Option<i16>,
    pub acquired_at: Option<TimeDateTimeWithTimeZone>,
    pub requested_at: TimeDateTimeWithTimeZone,
    /// The next turnaround or critical-value deadline; NULL when none is left.
    pub next_deadline_at: Option<TimeDateTimeWithTimeZone>,
    /// The request (`DiagnosisRequest`).
    pub body: Json,
    pub version: i64,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
