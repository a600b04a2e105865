//! Finding residents without their phones or names in clear: `resident_term` keeps the keyed
//! hash of each term a record answers to ([`Resident`]'s `personal().search_terms()`), written
//! with the record and replaced when it changes; a lookup is one index range, in resident id
//! order so that pages continue after the last id.

use sea_orm::sea_query::{Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use yigong_domain::identity::Resident;
use yigong_domain::ids::ResidentId;
use yigong_domain::personal::SearchTerm;
use yigong_ports::{PatientRecord, ResidentLookup, StoreError, Versioned};

use crate::convert::db_err;
use crate::entity::{resident, resident_term};
use crate::followup::record_from;
use crate::seal::DataKeys;

/// Two columns a row: 5,000 rows a statement stay under every driver's limit.
const CHUNK: usize = 5000;

/// The blind index of a term: its kind is the hash's context, so a phone never matches a name.
pub(crate) fn term_key(keys: &DataKeys, term: &SearchTerm) -> String {
    keys.blind_index(term.context(), term.value())
}

/// Writes the terms of `residents`; with `replace`, first drops those they had.
pub(crate) async fn write_terms<C: ConnectionTrait>(
    db: &C,
    keys: &DataKeys,
    residents: impl IntoIterator<Item = &Resident>,
    replace: bool,
) -> Result<(), StoreError> {
    let mut ids = Vec::new();
    let mut rows = Vec::new();
    for r in residents {
        let id = r.id().as_uuid();
        ids.push(id);
        rows.extend(
            r.personal()
                .search_terms()
                .iter()
                .map(|t| resident_term::ActiveModel {
                    term_key: Set(term_key(keys, t)),
                    resident_id: Set(id),
                }),
        );
    }
    if replace {
        for chunk in ids.chunks(CHUNK) {
            resident_term::Entity::delete_many()
                .filter(resident_term::Column::ResidentId.is_in(chunk.iter().copied()))
                .exec(db)
                .await
                .map_err(db_err)?;
        }
    }
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(CHUNK));
        resident_term::Entity::insert_many(std::mem::replace(&mut rows, rest))
            .exec_without_returning(db)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

/// At most `limit` records of `lookup` after `after`, in id order.
pub(crate) async fn find_residents<C: ConnectionTrait>(
    db: &C,
    keys: &DataKeys,
    lookup: &ResidentLookup,
    after: Option<ResidentId>,
    limit: u32,
) -> Result<Vec<Versioned<PatientRecord>>, StoreError> {
    let after = after.map(|a| a.as_uuid());
    let query = match lookup {
        ResidentLookup::Term(term) => {
            // One statement: the term's range of the primary key gives the page's ids (the
            // subquery's own order and limit), the records follow by theirs.
            let mut ids = Query::select()
                .column(resident_term::Column::ResidentId)
                .from(resident_term::Entity)
                .and_where(resident_term::Column::TermKey.eq(term_key(keys, term)))
                .order_by(resident_term::Column::ResidentId, Order::Asc)
                .limit(u64::from(limit))
                .to_owned();
            if let Some(a) = after {
                ids.and_where(resident_term::Column::ResidentId.gt(a));
            }
            resident::Entity::find().filter(resident::Column::Id.in_subquery(ids))
        }
        ResidentLookup::Grid(g) => {
            let q = resident::Entity::find().filter(resident::Column::GridId.eq(g.as_uuid()));
            match after {
                Some(a) => q.filter(resident::Column::Id.gt(a)),
                None => q,
            }
            .limit(u64::from(limit))
        }
        ResidentLookup::Household(h) => {
            let q = resident::Entity::find().filter(resident::Column::HouseholdId.eq(h.as_uuid()));
            match after {
                Some(a) => q.filter(resident::Column::Id.gt(a)),
                None => q,
            }
            .limit(u64::from(limit))
        }
    };
    query
        .order_by_asc(resident::Column::Id)
        .all(db)
        .await
        .map_err(db_err)?
        .into_iter()
        .map(|m| record_from(keys, m))
        .collect()
}
