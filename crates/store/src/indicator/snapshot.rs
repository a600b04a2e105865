//! Closed periods' tallies (IND-SNAPSHOT): one `indicator_snapshot` row per period and grid,
//! read by primary key. Keeping is one write transaction however many grids, so a re-opened
//! period is replaced whole or not at all.

use async_trait::async_trait;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use yigong_domain::ids::GridId;
use yigong_domain::indicator::Period;
use yigong_ports::{IndicatorSnapshots, PeriodSnapshot, StoreError};

use crate::Store;
use crate::convert::{db_err, from_json, to_json};
use crate::entity::indicator_snapshot::{self as snapshot, Column};

const ENTITY: &str = "indicator_snapshot";

/// Grids per statement: five columns a row stay under SQLite's 32766 variables.
const CHUNK: usize = 1000;

#[async_trait]
impl IndicatorSnapshots for Store {
    async fn snapshots(
        &self,
        period: &Period,
        grids: &[GridId],
    ) -> Result<Vec<PeriodSnapshot>, StoreError> {
        let mut kept = Vec::with_capacity(grids.len());
        for chunk in grids.chunks(CHUNK) {
            let rows = snapshot::Entity::find()
                .filter(Column::PeriodKind.eq(period.kind.code()))
                .filter(Column::PeriodFirst.eq(period.first))
                .filter(Column::GridId.is_in(chunk.iter().map(|g| g.as_uuid())))
                .all(self.connection())
                .await
                .map_err(db_err)?;
            for row in rows {
                kept.push(PeriodSnapshot {
                    grid: GridId::from_uuid(row.grid_id),
                    tally: from_json(ENTITY, row.tally)?,
                    computed_at: row.computed_at,
                });
            }
        }
        Ok(kept)
    }

    async fn keep_snapshots(
        &self,
        period: &Period,
        snapshots: &[PeriodSnapshot],
        replace: bool,
    ) -> Result<(), StoreError> {
        let key = [Column::PeriodKind, Column::PeriodFirst, Column::GridId];
        let conflict = if replace {
            OnConflict::columns(key)
                .update_columns([Column::Tally, Column::ComputedAt])
                .to_owned()
        } else {
            // The first kept stands: a second instance's insert is a no-op, not an error.
            OnConflict::columns(key).do_nothing().to_owned()
        };
        let tx = self.begin_write().await?;
        for chunk in snapshots.chunks(CHUNK) {
            let rows = chunk
                .iter()
                .map(|s| {
                    Ok(snapshot::ActiveModel {
                        period_kind: Set(period.kind.code().to_owned()),
                        period_first: Set(period.first),
                        grid_id: Set(s.grid.as_uuid()),
                        tally: Set(to_json(ENTITY, &s.tally)?),
                        computed_at: Set(s.computed_at),
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            snapshot::Entity::insert_many(rows)
                .on_conflict(conflict.clone())
                .exec_without_returning(&tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }
}
