//! The repositories inside one database transaction.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, EntityTrait, Set};
use time::OffsetDateTime;
use uuid::Uuid;
use yigong_domain::ids::ReferralId;
use yigong_domain::referral::Referral;
use yigong_ports::{
    AuditEntry, AuditWriter, Clock, Constraint, IdempotencyKeys, NewEvent, OutboxWriter,
    ReferralRepository, RequestKey, StoreError, Transaction, Version, Versioned,
};

use crate::convert::{InsertRow, corrupt, db_err, referral_body, update_versioned};
use crate::entity::{outbox_event, referral, request_key};
use crate::seal::DataKeys;

/// One database transaction with every repository. [`Transaction::rollback`] awaits the
/// rollback; dropped instead, sea-orm queues one that runs when the connection returns to the
/// pool. It stamps rows by its store's clock.
pub struct SeaTransaction {
    pub(crate) tx: DatabaseTransaction,
    clock: Arc<dyn Clock>,
    pub(crate) keys: Arc<DataKeys>,
}

impl SeaTransaction {
    pub(crate) fn new(tx: DatabaseTransaction, clock: Arc<dyn Clock>, keys: Arc<DataKeys>) -> Self {
        Self { tx, clock, keys }
    }

    /// Now, by the store's clock: read once per operation, so the rows one call writes share it.
    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }
}

fn referral_row(
    r: &Referral,
    version: Version,
    now: OffsetDateTime,
) -> Result<referral::ActiveModel, StoreError> {
    let state = r.state().name();
    Ok(referral::ActiveModel {
        id: Set(r.id().as_uuid()),
        patient_id: Set(r.patient().as_uuid()),
        from_institution: Set(r.from().as_uuid()),
        to_institution: Set(r.to().as_uuid()),
        community_id: Set(r.community().map(|c| c.as_uuid())),
        direction: Set(r.direction().code().to_owned()),
        urgency: Set(r.urgency().code().to_owned()),
        state: Set(state.code().to_owned()),
        open_direction: Set(state.is_open().then(|| r.direction().code().to_owned())),
        requested_at: Set(r.requested_at()),
        respond_by: Set(r.respond_by()),
        escalated: Set(r.escalated()),
        arrive_by: Set(r.arrive_by()),
        body: Set(referral_body(r)?),
        version: Set(version),
        updated_at: Set(now),
    })
}

#[async_trait]
impl ReferralRepository for SeaTransaction {
    async fn load_referral(
        &mut self,
        id: ReferralId,
    ) -> Result<Option<Versioned<Referral>>, StoreError> {
        crate::queries::referral_by_id(&self.tx, id).await
    }

    async fn insert_referral(&mut self, r: &Referral) -> Result<Version, StoreError> {
        referral_row(r, 1, self.now())?
            .insert_into(&self.tx)
            .await?;
        Ok(1)
    }

    async fn update_referral(
        &mut self,
        r: &Referral,
        expected: Version,
    ) -> Result<Version, StoreError> {
        let mut row = referral_row(r, expected + 1, self.now())?;
        row.id = sea_orm::NotSet;
        update_versioned::<referral::Entity>(
            &self.tx,
            row,
            (referral::Column::Id, r.id().as_uuid()),
            referral::Column::Version,
            expected,
            "referral",
        )
        .await
    }
}

#[async_trait]
impl OutboxWriter for SeaTransaction {
    /// One statement per 500 events: each row's per-aggregate sequence is the aggregate's
    /// stored maximum (a subquery on the unique `(aggregate_id, aggregate_sequence)` index) plus
    /// its place among this batch's events of the same aggregate. Writers of one aggregate are
    /// serialized by its row version, so the maximum cannot move under us; if it did, the unique
    /// index would refuse the insert rather than number two events alike.
    async fn append_events(&mut self, events: &[NewEvent]) -> Result<(), StoreError> {
        // Ten parameters a row: 500 rows a statement stay under SQLite's and PostgreSQL's
        // limits. Each chunk's subqueries see the rows earlier chunks inserted in this
        // transaction, so places are counted per chunk.
        for chunk in events.chunks(500) {
            self.append_chunk(chunk).await?;
        }
        Ok(())
    }
}

impl SeaTransaction {
    async fn append_chunk(&mut self, events: &[NewEvent]) -> Result<(), StoreError> {
        use outbox_event::Column as C;
        let mut insert = Query::insert();
        insert.into_table(outbox_event::Entity).columns([
            C::EventId,
            C::CommunityId,
            C::AggregateKind,
            C::AggregateId,
            C::AggregateSequence,
            C::EventType,
            C::SchemaVersion,
            C::Payload,
            C::OccurredAt,
        ]);
        let mut seen: HashMap<Uuid, i64> = HashMap::new();
        for e in events {
            let place = {
                let n = seen.entry(e.aggregate_id).or_insert(0);
                *n += 1;
                *n
            };
            let next = Query::select()
                .expr(
                    Expr::from(Func::coalesce([
                        Expr::from(Func::max(Expr::col(C::AggregateSequence))),
                        Expr::val(0i64),
                    ]))
                    .add(place),
                )
                .from(outbox_event::Entity)
                .and_where(Expr::col(C::AggregateId).eq(e.aggregate_id))
                .to_owned();
            insert
                .values([
                    Expr::val(e.event_id),
                    Expr::val(e.community.map(|c| c.as_uuid())),
                    Expr::val(e.aggregate_kind.clone()),
                    Expr::val(e.aggregate_id),
                    Expr::SubQuery(None, Box::new(next.into())),
                    Expr::val(e.event_type.clone()),
                    Expr::val(i32::try_from(e.schema_version).unwrap_or(i32::MAX)),
                    Expr::val(e.payload.clone()),
                    Expr::val(e.occurred_at),
                ])
                .map_err(|err| corrupt("outbox_event", err.to_string()))?;
        }
        self.tx.execute(&insert).await.map_err(db_err)?;
        Ok(())
    }
}

#[async_trait]
impl AuditWriter for SeaTransaction {
    async fn append_audit(&mut self, entry: &AuditEntry) -> Result<(), StoreError> {
        crate::audit::audit_row(entry).insert_into(&self.tx).await?;
        Ok(())
    }

    async fn append_audits(&mut self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        crate::bulk::audits_portable(&self.tx, entries).await
    }
}

#[async_trait]
impl IdempotencyKeys for SeaTransaction {
    async fn claim_request(&mut self, key: &RequestKey) -> Result<(), StoreError> {
        claim_key(&self.tx, key, self.now()).await
    }
}

/// Inserts a request key. On PostgreSQL a failed statement aborts the transaction: ON CONFLICT
/// DO NOTHING keeps it usable, and "no row inserted" is the duplicate. The key is stamped `now`.
pub(crate) async fn claim_key(
    db: &impl ConnectionTrait,
    key: &RequestKey,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let inserted = request_key::Entity::insert(request_key::ActiveModel {
        caller: Set(key.caller.clone()),
        command: Set(key.command.clone()),
        request_id: Set(key.request_id.clone()),
        fingerprint: Set(key.fingerprint.clone()),
        resource_id: Set(key.resource_id),
        created_at: Set(now),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(db)
    .await
    .map_err(db_err)?;
    match inserted {
        sea_orm::TryInsertResult::Inserted(n) if n > 0 => Ok(()),
        _ => Err(StoreError::Duplicate {
            constraint: Constraint::RequestId,
        }),
    }
}

#[async_trait]
impl Transaction for SeaTransaction {
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().await.map_err(db_err)
    }

    async fn rollback(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.rollback().await.map_err(db_err)
    }
}
