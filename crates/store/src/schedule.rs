//! Specialist sessions ([`SessionRepository`], [`SessionQueries`]): one row each, the session
//! with its bookings in `body`, read by `ix_session_held_at` and `ix_session_institution`.

use async_trait::async_trait;
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use time::Date;
use uuid::Uuid;
use yigong_domain::ids::SessionId;
use yigong_domain::schedule::SpecialistSession;
use yigong_ports::{
    Page, SessionPlace, SessionQueries, SessionRepository, StoreError, Version, Versioned,
};

use crate::convert::{InsertRow, corrupt, db_err, update_versioned};
use crate::entity::specialist_session as session;
use crate::{SeaTransaction, Store};

fn row(s: &SpecialistSession, version: Version) -> Result<session::ActiveModel, StoreError> {
    Ok(session::ActiveModel {
        id: Set(s.id().as_uuid()),
        institution_id: Set(s.institution().as_uuid()),
        held_at: Set(s.held_at().as_uuid()),
        session_date: Set(s.date()),
        body: Set(serde_json::to_value(s).map_err(|e| corrupt("session", e.to_string()))?),
        version: Set(version),
    })
}

fn versioned(m: session::Model) -> Result<Versioned<SpecialistSession>, StoreError> {
    Ok(Versioned {
        value: serde_json::from_value(m.body).map_err(|e| corrupt("session", e.to_string()))?,
        version: m.version,
    })
}

/// Page tokens are `<julian day>:<uuid>` of the last session: keyset paging on the index.
fn page_token(s: &SpecialistSession) -> String {
    format!("{}:{}", s.date().to_julian_day(), s.id())
}

fn parse_token(token: &str) -> Result<(Date, Uuid), StoreError> {
    let bad = || StoreError::NotFound {
        entity: "page",
        id: token.to_owned(),
    };
    let (day, id) = token.split_once(':').ok_or_else(bad)?;
    let day = Date::from_julian_day(day.parse().map_err(|_| bad())?).map_err(|_| bad())?;
    Ok((day, Uuid::parse_str(id).map_err(|_| bad())?))
}

#[async_trait]
impl SessionRepository for SeaTransaction {
    async fn load_session(
        &mut self,
        id: SessionId,
    ) -> Result<Option<Versioned<SpecialistSession>>, StoreError> {
        session::Entity::find_by_id(id.as_uuid())
            .one(&self.tx)
            .await
            .map_err(db_err)?
            .map(versioned)
            .transpose()
    }

    async fn insert_session(&mut self, s: &SpecialistSession) -> Result<Version, StoreError> {
        row(s, 1)?.insert_into(&self.tx).await?;
        Ok(1)
    }

    async fn update_session(
        &mut self,
        s: &SpecialistSession,
        expected: Version,
    ) -> Result<Version, StoreError> {
        let mut r = row(s, expected + 1)?;
        r.id = sea_orm::NotSet;
        update_versioned::<session::Entity>(
            &self.tx,
            r,
            (session::Column::Id, s.id().as_uuid()),
            session::Column::Version,
            expected,
            "session",
        )
        .await
    }
}

#[async_trait]
impl SessionQueries for Store {
    async fn get_session(
        &self,
        id: SessionId,
    ) -> Result<Option<Versioned<SpecialistSession>>, StoreError> {
        session::Entity::find_by_id(id.as_uuid())
            .one(self.connection())
            .await
            .map_err(db_err)?
            .map(versioned)
            .transpose()
    }

    async fn list_sessions(
        &self,
        place: SessionPlace,
        from: Date,
        to: Date,
        limit: u32,
        after: Option<String>,
    ) -> Result<Page<Versioned<SpecialistSession>>, StoreError> {
        use session::Column as S;
        let mut query = session::Entity::find()
            .filter(match place {
                SessionPlace::HeldAt(i) => S::HeldAt.eq(i.as_uuid()),
                SessionPlace::Of(i) => S::InstitutionId.eq(i.as_uuid()),
            })
            .filter(S::SessionDate.gte(from))
            .filter(S::SessionDate.lte(to));
        if let Some(token) = after {
            let (day, id) = parse_token(&token)?;
            query = query.filter(
                Condition::any().add(S::SessionDate.gt(day)).add(
                    Condition::all()
                        .add(S::SessionDate.eq(day))
                        .add(S::Id.gt(id)),
                ),
            );
        }
        let limit = limit.clamp(1, 1000);
        let rows = query
            .order_by_asc(S::SessionDate)
            .order_by_asc(S::Id)
            .limit(u64::from(limit) + 1)
            .all(self.connection())
            .await
            .map_err(db_err)?;
        let more = rows.len() > limit as usize;
        let items: Vec<_> = rows
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
}
