//! Referral advice ([`AdviceRepository`], [`AdviceQueries`]): one row each, the advice in
//! `body`, read by the patient, team, institution, desk and escalation indexes.

use async_trait::async_trait;
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use sea_orm::{Select, Set};
use time::OffsetDateTime;
use uuid::Uuid;
use yigong_domain::ids::{AdviceId, ResidentId};
use yigong_domain::referral::{ReferralAdvice, Urgency};
use yigong_ports::{
    AdviceQueries, AdviceRepository, AdviceView, Page, StoreError, Version, Versioned,
};

use sea_orm::sqlx::{self, PgConnection};

use crate::bulk::pg_err;
use crate::convert::{InsertRow, corrupt, db_err, update_versioned};
use crate::entity::referral_advice as advice;
use crate::queries::{parse_token, time_token};
use crate::{SeaTransaction, Store};

use advice::Column as A;

/// The escalation deadline while one waits on it: the deadline job's index holds only those.
fn waiting_deadline(a: &ReferralAdvice) -> Option<OffsetDateTime> {
    a.escalate_at().filter(|_| a.is_open() && !a.escalated())
}

fn row(a: &ReferralAdvice, version: Version) -> Result<advice::ActiveModel, StoreError> {
    Ok(advice::ActiveModel {
        id: Set(a.id().as_uuid()),
        patient_id: Set(a.patient().as_uuid()),
        institution_id: Set(a.institution().as_uuid()),
        team_id: Set(a.team().map(|t| t.as_uuid())),
        community_id: Set(a.community().map(|c| c.as_uuid())),
        urgency: Set(a.urgency().code().to_owned()),
        open: Set(a.is_open()),
        advised_at: Set(a.advised_at()),
        escalate_at: Set(waiting_deadline(a)),
        body: Set(serde_json::to_value(a).map_err(|e| corrupt("advice", e.to_string()))?),
        version: Set(version),
    })
}

fn versioned(m: advice::Model) -> Result<Versioned<ReferralAdvice>, StoreError> {
    Ok(Versioned {
        value: serde_json::from_value(m.body).map_err(|e| corrupt("advice", e.to_string()))?,
        version: m.version,
    })
}

async fn all(
    query: Select<advice::Entity>,
    db: &impl ConnectionTrait,
) -> Result<Vec<Versioned<ReferralAdvice>>, StoreError> {
    query
        .all(db)
        .await
        .map_err(db_err)?
        .into_iter()
        .map(versioned)
        .collect()
}

/// Rows per multi-row INSERT on SQLite: eleven columns × 1000 stay under its 32766 variables.
const SQLITE_CHUNK: usize = 1000;

/// New advice in bulk, at version 1, in a batch's sea-orm transaction (a screening batch's
/// emergencies).
pub(crate) async fn insert_portable(
    tx: &impl ConnectionTrait,
    given: &[ReferralAdvice],
) -> Result<(), StoreError> {
    for chunk in given.chunks(SQLITE_CHUNK) {
        let rows = chunk
            .iter()
            .map(|a| row(a, 1))
            .collect::<Result<Vec<_>, StoreError>>()?;
        advice::Entity::insert_many(rows)
            .exec_without_returning(tx)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

/// New advice in bulk, at version 1, in a batch's sqlx transaction on PostgreSQL: arrays
/// through `UNNEST`, one statement.
pub(crate) async fn insert_postgres(
    tx: &mut PgConnection,
    given: &[ReferralAdvice],
) -> Result<(), StoreError> {
    if given.is_empty() {
        return Ok(());
    }
    let bodies = given
        .iter()
        .map(|a| serde_json::to_value(a).map_err(|e| corrupt("advice", e.to_string())))
        .collect::<Result<Vec<_>, StoreError>>()?;
    let uuids = |f: fn(&ReferralAdvice) -> Uuid| given.iter().map(f).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO referral_advice (id, patient_id, institution_id, team_id, community_id, \
         urgency, \"open\", advised_at, escalate_at, body, version) \
         SELECT *, 1 FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], \
         $6::text[], $7::bool[], $8::timestamptz[], $9::timestamptz[], $10::jsonb[])",
    )
    .bind(uuids(|a| a.id().as_uuid()))
    .bind(uuids(|a| a.patient().as_uuid()))
    .bind(uuids(|a| a.institution().as_uuid()))
    .bind(
        given
            .iter()
            .map(|a| a.team().map(|t| t.as_uuid()))
            .collect::<Vec<_>>(),
    )
    .bind(
        given
            .iter()
            .map(|a| a.community().map(|c| c.as_uuid()))
            .collect::<Vec<_>>(),
    )
    .bind(given.iter().map(|a| a.urgency().code()).collect::<Vec<_>>())
    .bind(
        given
            .iter()
            .map(ReferralAdvice::is_open)
            .collect::<Vec<_>>(),
    )
    .bind(
        given
            .iter()
            .map(ReferralAdvice::advised_at)
            .collect::<Vec<_>>(),
    )
    .bind(given.iter().map(waiting_deadline).collect::<Vec<_>>())
    .bind(bodies)
    .execute(tx)
    .await
    .map_err(pg_err)?;
    Ok(())
}

#[async_trait]
impl AdviceRepository for SeaTransaction {
    async fn load_advice(
        &mut self,
        id: AdviceId,
    ) -> Result<Option<Versioned<ReferralAdvice>>, StoreError> {
        advice::Entity::find_by_id(id.as_uuid())
            .one(&self.tx)
            .await
            .map_err(db_err)?
            .map(versioned)
            .transpose()
    }

    async fn open_advice_of(
        &mut self,
        patient: ResidentId,
    ) -> Result<Vec<Versioned<ReferralAdvice>>, StoreError> {
        let query = advice::Entity::find()
            .filter(A::PatientId.eq(patient.as_uuid()))
            .filter(A::Open.eq(true))
            .order_by_asc(A::AdvisedAt)
            .order_by_asc(A::Id);
        all(query, &self.tx).await
    }

    async fn insert_advice(&mut self, a: &ReferralAdvice) -> Result<Version, StoreError> {
        row(a, 1)?.insert_into(&self.tx).await?;
        Ok(1)
    }

    async fn update_advice(
        &mut self,
        a: &ReferralAdvice,
        expected: Version,
    ) -> Result<Version, StoreError> {
        let mut r = row(a, expected + 1)?;
        r.id = sea_orm::NotSet;
        update_versioned::<advice::Entity>(
            &self.tx,
            r,
            (A::Id, a.id().as_uuid()),
            A::Version,
            expected,
            "advice",
        )
        .await
    }
}

#[async_trait]
impl AdviceQueries for Store {
    async fn get_advice(
        &self,
        id: AdviceId,
    ) -> Result<Option<Versioned<ReferralAdvice>>, StoreError> {
        advice::Entity::find_by_id(id.as_uuid())
            .one(self.connection())
            .await
            .map_err(db_err)?
            .map(versioned)
            .transpose()
    }

    async fn list_open_advice(
        &self,
        view: AdviceView,
        limit: u32,
        after: Option<String>,
    ) -> Result<Page<Versioned<ReferralAdvice>>, StoreError> {
        let mut query = match view {
            AdviceView::Team(t) => advice::Entity::find().filter(A::TeamId.eq(t.as_uuid())),
            AdviceView::Institution(i) => {
                advice::Entity::find().filter(A::InstitutionId.eq(i.as_uuid()))
            }
            AdviceView::Desk(c) => advice::Entity::find()
                .filter(A::CommunityId.eq(c.as_uuid()))
                .filter(A::Urgency.eq(Urgency::Emergency.code())),
        }
        .filter(A::Open.eq(true));
        if let Some(token) = after {
            let (at, id) = parse_token(&token)?;
            query = query.filter(
                Condition::any()
                    .add(A::AdvisedAt.gt(at))
                    .add(Condition::all().add(A::AdvisedAt.eq(at)).add(A::Id.gt(id))),
            );
        }
        let limit = limit.clamp(1, 1000);
        let query = query
            .order_by_asc(A::AdvisedAt)
            .order_by_asc(A::Id)
            .limit(u64::from(limit) + 1);
        let mut items = all(query, self.connection()).await?;
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next = if more {
            items
                .last()
                .map(|v| time_token(v.value.advised_at(), v.value.id()))
        } else {
            None
        };
        Ok(Page { items, next })
    }
}

/// Open emergency advice not yet escalated, deadline at or before `now`, earliest first: the
/// escalation column is set only while one waits, so its index holds just the candidates.
pub(crate) async fn past_escalation(
    db: &impl ConnectionTrait,
    now: OffsetDateTime,
    limit: u32,
) -> Result<Vec<AdviceId>, StoreError> {
    let ids: Vec<Uuid> = advice::Entity::find()
        .select_only()
        .column(A::Id)
        .filter(A::EscalateAt.lte(now))
        .order_by_asc(A::EscalateAt)
        .order_by_asc(A::Id)
        .limit(u64::from(limit))
        .into_tuple()
        .all(db)
        .await
        .map_err(db_err)?;
    Ok(ids.into_iter().map(AdviceId::from_uuid).collect())
}
