//! The `resident_term` table: the keyed hash of each term a resident answers to (a phone, a
//! beginning of the name; `personal::SearchTerm`), so a search is an equality lookup and the
//! table shows no phone or name.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "resident_term")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub term_key: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub resident_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
