//! The grids a batch of changes touched, resolved through the residents' grid column
//! (`ix_resident_grid`'s table) from the ids the domain named (`touched_by`): one query per
//! kind of id and chunk, each through a primary key (a screening batch's rows through
//! `ix_screening_batch`).

use std::collections::BTreeSet;

use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait};
use uuid::Uuid;
use yigong_domain::ids::GridId;
use yigong_domain::indicator::Touched;
use yigong_ports::StoreError;

use crate::Store;
use crate::convert::{corrupt, db_err};
use crate::entity::{cancer_case, contract, enrolment, follow_up_plan, resident, screening_result};

/// Ids per `IN` list: far below SQLite's and PostgreSQL's bind limits.
const CHUNK: usize = 500;

/// The residents' grids, joined from `table`'s resident column, for the rows whose id is in
/// `ids`.
fn grids_of_rows<T: EntityTrait, C: ColumnTrait>(
    table: T,
    id: C,
    resident_column: C,
    ids: &[Uuid],
) -> SelectStatement {
    let r = resident::Entity;
    Query::select()
        .distinct()
        .column((r, resident::Column::GridId))
        .from(table)
        .inner_join(
            r,
            Expr::col((r, resident::Column::Id)).equals((table, resident_column)),
        )
        .and_where(Expr::col((table, id)).is_in(ids.iter().copied()))
        .and_where(Expr::col((r, resident::Column::GridId)).is_not_null())
        .to_owned()
}

/// [`grids_of_rows`] for `ids`, a query per chunk.
fn of_rows<T: EntityTrait + Copy, C: ColumnTrait + Copy>(
    ids: &[Uuid],
    table: T,
    id: C,
    resident_column: C,
) -> Vec<SelectStatement> {
    ids.chunks(CHUNK)
        .map(|chunk| grids_of_rows(table, id, resident_column, chunk))
        .collect()
}

impl Store {
    pub(super) async fn resolve_touched(
        &self,
        touched: &[Touched],
    ) -> Result<BTreeSet<GridId>, StoreError> {
        let mut grids = BTreeSet::new();
        let (mut residents, mut contracts, mut cases, mut enrolments, mut plans) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut batches = Vec::new();
        for t in touched {
            match *t {
                Touched::Nothing | Touched::Everything => {}
                Touched::Grid(g) => {
                    grids.insert(g);
                }
                Touched::Resident(id) => residents.push(id.as_uuid()),
                Touched::Contract(id) => contracts.push(id.as_uuid()),
                Touched::CancerCase(id) => cases.push(id.as_uuid()),
                Touched::Enrolment(id) => enrolments.push(id.as_uuid()),
                Touched::Plan(id) => plans.push(id.as_uuid()),
                Touched::ScreeningBatch(id) => batches.push(id),
            }
        }
        let r = resident::Entity;
        for ids in [
            &mut residents,
            &mut contracts,
            &mut cases,
            &mut enrolments,
            &mut plans,
            &mut batches,
        ] {
            ids.sort_unstable();
            ids.dedup();
        }
        let mut queries = Vec::new();
        for chunk in residents.chunks(CHUNK) {
            queries.push(
                Query::select()
                    .distinct()
                    .column(resident::Column::GridId)
                    .from(r)
                    .and_where(Expr::col(resident::Column::Id).is_in(chunk.iter().copied()))
                    .and_where(Expr::col(resident::Column::GridId).is_not_null())
                    .to_owned(),
            );
        }
        use screening_result as b;
        use {cancer_case as k, contract as c, enrolment as e, follow_up_plan as p};
        queries.extend(of_rows(
            &contracts,
            c::Entity,
            c::Column::Id,
            c::Column::ResidentId,
        ));
        queries.extend(of_rows(
            &cases,
            k::Entity,
            k::Column::Id,
            k::Column::ResidentId,
        ));
        queries.extend(of_rows(
            &enrolments,
            e::Entity,
            e::Column::Id,
            e::Column::PatientId,
        ));
        queries.extend(of_rows(
            &plans,
            p::Entity,
            p::Column::Id,
            p::Column::PatientId,
        ));
        queries.extend(of_rows(
            &batches,
            b::Entity,
            b::Column::BatchId,
            b::Column::ResidentId,
        ));
        for query in &queries {
            for row in self.connection().query_all(query).await.map_err(db_err)? {
                let grid: Uuid = row
                    .try_get("", "grid_id")
                    .map_err(|e| corrupt("resident", e.to_string()))?;
                grids.insert(GridId::from_uuid(grid));
            }
        }
        Ok(grids)
    }
}
