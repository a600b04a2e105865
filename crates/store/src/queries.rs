//! Read-side queries, the change feed and the out-of-transaction audit log.

use async_trait::async_trait;
use sea_orm::sea_query::Condition;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement,
};
use time::OffsetDateTime;
use uuid::Uuid;
use yigong_domain::ids::{CommunityId, InstitutionId, ReferralId, ResidentId};
use yigong_domain::referral::{Referral, StateName};
use yigong_ports::{
    ChangeFeed, NewEvent, Page, ReferralFilter, ReferralParty, ReferralQueries, RequestKey,
    RequestLog, StoreError, StoredEvent, Versioned,
};

use crate::Store;
use crate::convert::{corrupt, db_err, referral_from_body};
use crate::entity::{outbox_event, referral, request_key};

/// Page tokens are `<unix nanos>:<uuid>` of the last item: keyset pagination on a list's
/// `(time, id)` index (the inbox's, the advice lists').
pub(crate) fn time_token(at: OffsetDateTime, id: impl std::fmt::Display) -> String {
    format!("{}:{id}", at.unix_timestamp_nanos())
}

fn page_token(r: &Referral) -> String {
    time_token(r.requested_at(), r.id())
}

/// The `(time, id)` of a [`time_token`]; `NotFound` (naming a short prefix) for anything else.
pub(crate) fn parse_token(token: &str) -> Result<(OffsetDateTime, Uuid), StoreError> {
    let bad = || StoreError::NotFound {
        entity: "page",
        id: token.chars().take(64).collect(),
    };
    let (nanos, id) = token.split_once(':').ok_or_else(bad)?;
    let nanos: i128 = nanos.parse().map_err(|_| bad())?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| bad())?;
    let id = Uuid::parse_str(id).map_err(|_| bad())?;
    Ok((at, id))
}

/// A referral and its version by id, its body read as text (see `from_text`).
pub(crate) async fn referral_by_id(
    db: &impl sea_orm::ConnectionTrait,
    id: ReferralId,
) -> Result<Option<Versioned<Referral>>, StoreError> {
    use sea_orm::{EntityTrait as _, QuerySelect as _};
    let row: Option<(String, i64)> = referral::Entity::find_by_id(id.as_uuid())
        .select_only()
        .expr_as(crate::convert::body_text(referral::Column::Body), "body")
        .column(referral::Column::Version)
        .into_tuple()
        .one(db)
        .await
        .map_err(db_err)?;
    row.map(|(body, version)| {
        Ok(Versioned {
            value: crate::convert::from_text("referral", &body)?,
            version,
        })
    })
    .transpose()
}

/// The column a list's party is read from, each with its index (`ix_referral_inbox`,
/// `ix_referral_sent`, `ix_referral_community`).
fn party(party: ReferralParty) -> Condition {
    let column = match party {
        ReferralParty::ReceivedBy(i) => referral::Column::ToInstitution.eq(i.as_uuid()),
        ReferralParty::SentBy(i) => referral::Column::FromInstitution.eq(i.as_uuid()),
        ReferralParty::Community(c) => referral::Column::CommunityId.eq(c.as_uuid()),
    };
    Condition::all().add(column)
}

fn versioned(m: referral::Model) -> Result<Versioned<Referral>, StoreError> {
    Ok(Versioned {
        value: referral_from_body(m.body)?,
        version: m.version,
    })
}

#[async_trait]
impl ReferralQueries for Store {
    async fn referred_to(
        &self,
        patient: ResidentId,
        institution: InstitutionId,
    ) -> Result<bool, StoreError> {
        let in_care = StateName::matching(StateName::grants_receiver_access);
        let found = referral::Entity::find()
            .select_only()
            .column(referral::Column::Id)
            .filter(referral::Column::PatientId.eq(patient.as_uuid()))
            .filter(referral::Column::ToInstitution.eq(institution.as_uuid()))
            .filter(referral::Column::State.is_in(in_care.iter().map(|s| s.code())))
            .into_tuple::<Uuid>()
            .one(&self.db)
            .await
            .map_err(db_err)?;
        Ok(found.is_some())
    }

    async fn get_referral(
        &self,
        id: ReferralId,
    ) -> Result<Option<Versioned<Referral>>, StoreError> {
        referral_by_id(self.connection(), id).await
    }

    async fn list_referrals(
        &self,
        filter: &ReferralFilter,
        limit: u32,
        after: Option<String>,
    ) -> Result<Page<Versioned<Referral>>, StoreError> {
        let mut query = referral::Entity::find()
            .filter(party(filter.party))
            .filter(referral::Column::State.is_in(filter.states.iter().map(|s| s.code())));
        if let Some(d) = filter.direction {
            query = query.filter(referral::Column::Direction.eq(d.code()));
        }
        if let Some(p) = filter.patient {
            query = query.filter(referral::Column::PatientId.eq(p.as_uuid()));
        }
        if let Some(t) = filter.requested_from {
            query = query.filter(referral::Column::RequestedAt.gte(t));
        }
        if let Some(t) = filter.requested_before {
            query = query.filter(referral::Column::RequestedAt.lt(t));
        }
        if let Some(token) = after {
            let (at, id) = parse_token(&token)?;
            query = query.filter(
                Condition::any()
                    .add(referral::Column::RequestedAt.gt(at))
                    .add(
                        Condition::all()
                            .add(referral::Column::RequestedAt.eq(at))
                            .add(referral::Column::Id.gt(id)),
                    ),
            );
        }
        let limit = limit.clamp(1, 1000);
        let rows = query
            .order_by_asc(referral::Column::RequestedAt)
            .order_by_asc(referral::Column::Id)
            .limit(u64::from(limit) + 1)
            .all(self.connection())
            .await
            .map_err(db_err)?;
        let more = rows.len() > limit as usize;
        let items: Vec<Versioned<Referral>> = rows
            .into_iter()
            .take(limit as usize)
            .map(versioned)
            .collect::<Result<_, _>>()?;
        let next = if more {
            items.last().map(|v| page_token(&v.value))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    async fn open_referrals_of(
        &self,
        patient: ResidentId,
    ) -> Result<Vec<Versioned<Referral>>, StoreError> {
        referral::Entity::find()
            .filter(referral::Column::PatientId.eq(patient.as_uuid()))
            .filter(referral::Column::OpenDirection.is_not_null())
            .order_by_asc(referral::Column::RequestedAt)
            .all(self.connection())
            .await
            .map_err(db_err)?
            .into_iter()
            .map(versioned)
            .collect()
    }
}

#[async_trait]
impl RequestLog for Store {
    fn fingerprint(&self, digest: &[u8]) -> String {
        self.keys().keyed_hash("request.fingerprint", digest)
    }

    async fn request_outcome(
        &self,
        caller: &str,
        command: &str,
        request_id: &str,
    ) -> Result<Option<RequestKey>, StoreError> {
        let id = (caller.to_owned(), command.to_owned(), request_id.to_owned());
        Ok(request_key::Entity::find_by_id(id)
            .one(self.connection())
            .await
            .map_err(db_err)?
            .map(|m| RequestKey {
                caller: m.caller,
                command: m.command,
                request_id: m.request_id,
                fingerprint: m.fingerprint,
                resource_id: m.resource_id,
            }))
    }
}

impl Store {
    /// Gives committed events their change-feed positions, in the order this call sees them
    /// committed. Positions are assigned under a lock by one caller at a time, so a transaction
    /// that commits later always gets a later position: a reader at cursor N never misses an
    /// event that committed after it read (a plain auto-increment would, as ids are taken at
    /// insert time, not commit time).
    pub(crate) async fn assign_sequence(&self) -> Result<(), StoreError> {
        let tx = self.begin_write().await?;
        let backend = tx.get_database_backend();
        if backend == DbBackend::Postgres {
            tx.execute_raw(Statement::from_string(
                backend,
                "SELECT pg_advisory_xact_lock(720100001)",
            ))
            .await
            .map_err(db_err)?;
        }
        tx.execute_raw(Statement::from_string(
            backend,
            "UPDATE outbox_event SET sequence = b.base + s.rn \
             FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM outbox_event WHERE sequence IS NULL) AS s, \
                  (SELECT COALESCE(MAX(sequence), 0) AS base FROM outbox_event) AS b \
             WHERE outbox_event.id = s.id",
        ))
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }
}

#[async_trait]
impl ChangeFeed for Store {
    async fn latest_sequence(&self) -> Result<i64, StoreError> {
        self.assign_sequence().await?;
        let backend = self.connection().get_database_backend();
        let row = self
            .connection()
            .query_one_raw(Statement::from_string(
                backend,
                "SELECT COALESCE(MAX(sequence), 0) AS latest FROM outbox_event",
            ))
            .await
            .map_err(db_err)?;
        row.map_or(Ok(0), |r| r.try_get::<i64>("", "latest").map_err(db_err))
    }

    async fn changes_since(&self, cursor: i64, limit: u32) -> Result<Vec<StoredEvent>, StoreError> {
        self.assign_sequence().await?;
        let rows = outbox_event::Entity::find()
            .filter(outbox_event::Column::Sequence.gt(cursor))
            .order_by_asc(outbox_event::Column::Sequence)
            .limit(u64::from(limit.clamp(1, 10_000)))
            .all(self.connection())
            .await
            .map_err(db_err)?;
        rows.into_iter().map(stored_event).collect()
    }
}

/// An outbox row as the ports see it.
pub(crate) fn stored_event(m: outbox_event::Model) -> Result<StoredEvent, StoreError> {
    let sequence = m
        .sequence
        .ok_or_else(|| corrupt("outbox_event", "unpositioned row".to_owned()))?;
    Ok(StoredEvent {
        sequence,
        aggregate_sequence: m.aggregate_sequence,
        event: NewEvent {
            event_id: m.event_id,
            community: m.community_id.map(CommunityId::from_uuid),
            aggregate_kind: m.aggregate_kind,
            aggregate_id: m.aggregate_id,
            event_type: m.event_type,
            schema_version: u32::try_from(m.schema_version).unwrap_or(0),
            payload: m.payload,
            occurred_at: m.occurred_at,
        },
    })
}
