//! The repositories inside one database transaction.

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, Set,
};
use time::OffsetDateTime;
use uuid::Uuid;
use yigong_domain::ids::{ReferralId, ResidentId};
use yigong_domain::referral::{Direction, Referral};
use yigong_ports::{
    AuditEntry, AuditWriter, IdempotencyKeys, NewEvent, OutboxWriter, ReferralRepository,
    RequestKey, StoreError, Transaction, Version, Versioned,
};

use crate::convert::{
    db_err, direction_from, direction_str, referral_body, referral_from_body, state_str,
    urgency_str,
};
use crate::entity::{idempotency_key, outbox_event, referral};

/// One database transaction with every repository. Dropped without [`Transaction::commit`], it
/// rolls back (sea-orm's `DatabaseTransaction` does so on drop).
pub struct SeaTransaction {
    pub(crate) tx: DatabaseTransaction,
}

impl SeaTransaction {
    pub(crate) fn new(tx: DatabaseTransaction) -> Self {
        Self { tx }
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
        direction: Set(direction_str(r.direction()).to_owned()),
        urgency: Set(urgency_str(r.urgency()).to_owned()),
        state: Set(state_str(state).to_owned()),
        open_direction: Set(state
            .is_open()
            .then(|| direction_str(r.direction()).to_owned())),
        requested_at: Set(r.requested_at()),
        respond_by: Set(r.respond_by()),
        escalated: Set(r.escalated()),
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
        let row = referral::Entity::find_by_id(id.as_uuid())
            .one(&self.tx)
            .await
            .map_err(db_err)?;
        row.map(|m| {
            Ok(Versioned {
                value: referral_from_body(m.body)?,
                version: m.version,
            })
        })
        .transpose()
    }

    async fn open_referral_directions(
        &mut self,
        patient: ResidentId,
    ) -> Result<Vec<Direction>, StoreError> {
        let rows: Vec<Option<String>> = referral::Entity::find()
            .select_only()
            .column(referral::Column::OpenDirection)
            .filter(referral::Column::PatientId.eq(patient.as_uuid()))
            .filter(referral::Column::OpenDirection.is_not_null())
            .into_tuple()
            .all(&self.tx)
            .await
            .map_err(db_err)?;
        rows.into_iter()
            .flatten()
            .map(|d| direction_from(&d))
            .collect()
    }

    async fn insert_referral(&mut self, r: &Referral) -> Result<Version, StoreError> {
        referral_row(r, 1, OffsetDateTime::now_utc())?
            .insert(&self.tx)
            .await
            .map_err(db_err)?;
        Ok(1)
    }

    async fn update_referral(
        &mut self,
        r: &Referral,
        expected: Version,
    ) -> Result<Version, StoreError> {
        let next = expected + 1;
        let mut row = referral_row(r, next, OffsetDateTime::now_utc())?;
        row.id = sea_orm::NotSet;
        let result = referral::Entity::update_many()
            .set(row)
            .filter(referral::Column::Id.eq(r.id().as_uuid()))
            .filter(referral::Column::Version.eq(expected))
            .exec(&self.tx)
            .await
            .map_err(db_err)?;
        if result.rows_affected == 1 {
            Ok(next)
        } else {
            Err(StoreError::Conflict {
                entity: "referral",
                id: r.id().to_string(),
                expected,
            })
        }
    }
}

#[async_trait]
impl OutboxWriter for SeaTransaction {
    async fn append_events(&mut self, events: &[NewEvent]) -> Result<(), StoreError> {
        let mut next_by_aggregate: Vec<(Uuid, i64)> = Vec::new();
        let mut rows = Vec::with_capacity(events.len());
        for e in events {
            let next = match next_by_aggregate
                .iter_mut()
                .find(|(a, _)| *a == e.aggregate_id)
            {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    let max: Option<Option<i64>> = outbox_event::Entity::find()
                        .select_only()
                        .expr(Func::max(Expr::col(
                            outbox_event::Column::AggregateSequence,
                        )))
                        .filter(outbox_event::Column::AggregateId.eq(e.aggregate_id))
                        .into_tuple()
                        .one(&self.tx)
                        .await
                        .map_err(db_err)?;
                    let n = max.flatten().unwrap_or(0) + 1;
                    next_by_aggregate.push((e.aggregate_id, n));
                    n
                }
            };
            rows.push(outbox_event::ActiveModel {
                id: sea_orm::NotSet,
                sequence: Set(None),
                event_id: Set(e.event_id),
                community_id: Set(e.community.map(|c| c.as_uuid())),
                aggregate_kind: Set(e.aggregate_kind.clone()),
                aggregate_id: Set(e.aggregate_id),
                aggregate_sequence: Set(next),
                event_type: Set(e.event_type.clone()),
                schema_version: Set(i32::try_from(e.schema_version).unwrap_or(i32::MAX)),
                payload: Set(e.payload.clone()),
                occurred_at: Set(e.occurred_at),
                published_at: Set(None),
            });
        }
        if !rows.is_empty() {
            outbox_event::Entity::insert_many(rows)
                .exec_without_returning(&self.tx)
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }
}

#[async_trait]
impl AuditWriter for SeaTransaction {
    async fn append_audit(&mut self, entry: &AuditEntry) -> Result<(), StoreError> {
        crate::queries::audit_row(entry)
            .insert(&self.tx)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

#[async_trait]
impl IdempotencyKeys for SeaTransaction {
    async fn claim_request(&mut self, key: &RequestKey) -> Result<(), StoreError> {
        // On PostgreSQL a failed statement aborts the transaction: ON CONFLICT DO NOTHING keeps
        // it usable, and "no row inserted" is the duplicate.
        let inserted = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
            command: Set(key.command.clone()),
            request_id: Set(key.request_id.clone()),
            resource_id: Set(key.resource_id),
            created_at: Set(OffsetDateTime::now_utc()),
        })
        .on_conflict_do_nothing()
        .exec_without_returning(&self.tx)
        .await
        .map_err(db_err)?;
        match inserted {
            sea_orm::TryInsertResult::Inserted(n) if n > 0 => Ok(()),
            _ => Err(StoreError::Duplicate {
                constraint: "request_id",
            }),
        }
    }
}

#[async_trait]
impl Transaction for SeaTransaction {
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().await.map_err(db_err)
    }
}
