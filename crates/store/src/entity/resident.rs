//! The `resident` table: where each record is held (for authorization) plus the resident,
//! sealed (`seal`), as a JSON document.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "resident")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Option<Uuid>,
    pub institution_id: Uuid,
    pub household_id: Option<Uuid>,
    pub grid_id: Option<Uuid>,
    /// The blind index of the identity document (a keyed hash, see `seal`).
    pub document_key: String,
    /// The data key that sealed `body` and keyed `document_key`; `None` before sealing.
    pub key_id: Option<String>,
    pub body: Json,
    pub version: i64,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
