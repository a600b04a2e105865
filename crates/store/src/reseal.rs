//! Rewriting what an older key (or none) sealed under the current data key, with its document
//! index and search terms: after a key rotation, and once for a database written before
//! residents were sealed or their terms were kept (migration 000015).

use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use yigong_ports::StoreError;

use crate::Store;
use crate::convert::db_err;
use crate::entity::resident;
use crate::followup::{document_index, open_resident, seal_resident};
use crate::search::write_terms;

/// Rows rewritten per transaction: small enough to keep each one short.
const BATCH: u64 = 500;

impl Store {
    /// Seals under the current key every resident that another key, or none, sealed, with its
    /// document index recomputed; the version (and so the etag) is kept, since the record did
    /// not change. Returns how many were rewritten. Idempotent, and cheap when nothing is due:
    /// the service runs it at start, before it serves.
    ///
    /// A body sealed by a key that is no longer configured is an error naming that key id:
    /// keep an old key listed until this has run.
    pub async fn reseal(&self) -> Result<u64, StoreError> {
        let current = self.keys().current_id().to_owned();
        let mut rewritten = 0;
        loop {
            let tx = self.begin_write().await?;
            let due = resident::Entity::find()
                .filter(
                    Condition::any()
                        .add(resident::Column::KeyId.is_null())
                        .add(resident::Column::KeyId.ne(current.as_str())),
                )
                .limit(BATCH)
                .all(&tx)
                .await
                .map_err(db_err)?;
            if due.is_empty() {
                return Ok(rewritten);
            }
            let mut resealed = Vec::with_capacity(due.len());
            for m in due {
                let r = open_resident(self.keys(), m.body)?;
                resident::Entity::update_many()
                    .col_expr(
                        resident::Column::Body,
                        Expr::value(seal_resident(self.keys(), &r)?),
                    )
                    .col_expr(
                        resident::Column::DocumentKey,
                        Expr::value(document_index(self.keys(), r.document())?),
                    )
                    .col_expr(resident::Column::KeyId, Expr::value(current.clone()))
                    .filter(resident::Column::Id.eq(m.id))
                    .exec(&tx)
                    .await
                    .map_err(db_err)?;
                resealed.push(r);
                rewritten += 1;
            }
            write_terms(&tx, self.keys(), &resealed, true).await?;
            tx.commit().await.map_err(db_err)?;
        }
    }
}
