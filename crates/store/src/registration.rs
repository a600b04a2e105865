//! Registering residents in bulk ([`ResidentImports`]): one transaction per batch with the
//! request claim, the records and their search terms, an event and an audit entry each.
//!
//! On PostgreSQL the records and terms go in by `COPY`, sealed and keyed a slice at a time
//! while the server takes in the slice before: sealing is the client's work, inserting and
//! indexing the server's, and on two cores they overlap instead of taking turns. Events and
//! audit entries go through `UNNEST` ([`crate::bulk`]). On SQLite, multi-row INSERTs.

use std::io::Write as _;

use async_trait::async_trait;
use sea_orm::DbBackend;
use yigong_ports::{PatientRecord, ResidentBatch, ResidentImports, StoreError};

use crate::Store;
use crate::bulk::{self, pg_err};
use crate::convert::corrupt;
use crate::followup::{document_index, insert_resident_rows, seal_resident};
use crate::search::term_key;

/// Records sealed and sent per piece of the `COPY` stream: small enough that the server starts
/// on the first piece at once, large enough that each write is worth its system call.
const PIECE: usize = 250;

const COPY_RESIDENTS: &str = "COPY resident (id, community_id, institution_id, household_id, \
     grid_id, document_key, key_id, body, version, updated_at) FROM STDIN (FORMAT csv)";
const COPY_TERMS: &str = "COPY resident_term (term_key, resident_id) FROM STDIN (FORMAT csv)";

/// `value` as a quoted CSV field (its quotes doubled): safe whatever it holds.
fn quoted(out: &mut Vec<u8>, value: &str) {
    out.push(b'"');
    for piece in value.split('"').enumerate() {
        if piece.0 > 0 {
            out.extend_from_slice(b"\"\"");
        }
        out.extend_from_slice(piece.1.as_bytes());
    }
    out.push(b'"');
}

/// `records` as CSV rows of `resident` (sealed, document keyed) into `rows`, and their search
/// terms as rows of `resident_term` into `terms`.
fn copy_rows(
    store: &Store,
    records: &[PatientRecord],
    now: &str,
    rows: &mut Vec<u8>,
    terms: &mut Vec<u8>,
) -> Result<(), StoreError> {
    let bad = |e: std::io::Error| corrupt("resident", e.to_string());
    let keys = store.keys();
    let optional = |v: Option<uuid::Uuid>| v.map(|v| v.to_string()).unwrap_or_default();
    for record in records {
        let r = &record.resident;
        let id = r.id().as_uuid();
        write!(
            rows,
            "{id},{},{},{},{},{},",
            optional(record.scope.community.map(|c| c.as_uuid())),
            record.scope.institution,
            optional(r.household().map(|h| h.as_uuid())),
            optional(record.scope.grid.map(|g| g.as_uuid())),
            document_index(keys, r.document())?,
        )
        .map_err(bad)?;
        quoted(rows, keys.current_id());
        rows.push(b',');
        quoted(rows, &seal_resident(keys, r)?.to_string());
        writeln!(rows, ",1,{now}").map_err(bad)?;
        for term in r.personal().search_terms() {
            writeln!(terms, "{},{id}", term_key(keys, &term)).map_err(bad)?;
        }
    }
    Ok(())
}

impl Store {
    async fn register_postgres(&self, batch: &ResidentBatch) -> Result<(), StoreError> {
        let pool = self.connection().get_postgres_connection_pool();
        let at = self.now();
        let now = at
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| corrupt("resident", e.to_string()))?;
        let mut tx = pool.begin().await.map_err(pg_err)?;
        if let Some(key) = &batch.request {
            bulk::claim_postgres(&mut tx, key, at).await?;
        }
        let mut copy = tx.copy_in_raw(COPY_RESIDENTS).await.map_err(pg_err)?;
        let mut terms = Vec::new();
        for piece in batch.records.chunks(PIECE) {
            let mut rows = Vec::with_capacity(piece.len() * 1024);
            copy_rows(self, piece, &now, &mut rows, &mut terms)?;
            copy.send(rows).await.map_err(pg_err)?;
        }
        copy.finish().await.map_err(pg_err)?;
        bulk::copy_postgres(&mut tx, COPY_TERMS, terms).await?;
        bulk::events_postgres(&mut tx, &batch.events).await?;
        bulk::audits_postgres(&mut tx, &batch.audits).await?;
        tx.commit().await.map_err(pg_err)
    }

    async fn register_portable(&self, batch: &ResidentBatch) -> Result<(), StoreError> {
        let now = self.now();
        let tx = self.begin_write().await?;
        if let Some(key) = &batch.request {
            crate::tx::claim_key(&tx, key, now).await?;
        }
        insert_resident_rows(&tx, self.keys(), &batch.records, now).await?;
        bulk::events_portable(&tx, &batch.events).await?;
        bulk::audits_portable(&tx, &batch.audits).await?;
        tx.commit().await.map_err(crate::convert::db_err)
    }
}

#[async_trait]
impl ResidentImports for Store {
    async fn import_residents(&self, batch: &ResidentBatch) -> Result<(), StoreError> {
        match self.backend() {
            DbBackend::Postgres => self.register_postgres(batch).await,
            _ => self.register_portable(batch).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn a_quoted_field_doubles_its_quotes_and_keeps_commas_and_line_breaks() {
        let mut out = Vec::new();
        quoted(&mut out, "a\"b,c\nd\"");
        assert_eq!(out, b"\"a\"\"b,c\nd\"\"\"");
        let mut empty = Vec::new();
        quoted(&mut empty, "");
        assert_eq!(empty, b"\"\"");
    }
}
