//! Remote consultation ([`ConsultationRepository`], [`ConsultationQueries`]): one row per
//! consultation, the aggregate in `body` and beside it the columns its two lists are read by
//! (migration 000028).

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use time::OffsetDateTime;
use yigong_domain::consultation::{Consultation, Status};
use yigong_domain::ids::ConsultationId;
use yigong_ports::{
    ConsultationCursor, ConsultationParty, ConsultationQueries, ConsultationRepository, StoreError,
    Version, Versioned,
};

use crate::convert::{InsertRow, db_err, from_json, to_json, update_versioned};
use crate::entity::consultation;
use crate::{SeaTransaction, Store};

const TABLE: &str = "consultation";

fn row(
    c: &Consultation,
    version: Version,
    now: OffsetDateTime,
) -> Result<consultation::ActiveModel, StoreError> {
    Ok(consultation::ActiveModel {
        id: Set(c.id().as_uuid()),
        patient_id: Set(c.patient().as_uuid()),
        requester_institution_id: Set(c.requester().institution.as_uuid()),
        consultant_institution_id: Set(c.consultant().as_uuid()),
        status: Set(c.status().code().to_owned()),
        requested_at: Set(c.requested_at()),
        body: Set(to_json(TABLE, c)?),
        version: Set(version),
        updated_at: Set(now),
    })
}

fn from_row(m: consultation::Model) -> Result<Versioned<Consultation>, StoreError> {
    Ok(Versioned {
        value: from_json(TABLE, m.body)?,
        version: m.version,
    })
}

#[async_trait]
impl ConsultationRepository for SeaTransaction {
    async fn insert_consultation(&mut self, c: &Consultation) -> Result<Version, StoreError> {
        row(c, 1, self.now())?.insert_into(&self.tx).await?;
        Ok(1)
    }

    async fn load_consultation(
        &mut self,
        id: ConsultationId,
    ) -> Result<Option<Versioned<Consultation>>, StoreError> {
        consultation::Entity::find_by_id(id.as_uuid())
            .one(&self.tx)
            .await
            .map_err(db_err)?
            .map(from_row)
            .transpose()
    }

    async fn update_consultation(
        &mut self,
        c: &Consultation,
        expected: Version,
    ) -> Result<Version, StoreError> {
        let mut changed = row(c, expected + 1, self.now())?;
        changed.id = sea_orm::NotSet;
        update_versioned::<consultation::Entity>(
            &self.tx,
            changed,
            (consultation::Column::Id, c.id().as_uuid()),
            consultation::Column::Version,
            expected,
            TABLE,
        )
        .await
    }
}

#[async_trait]
impl ConsultationQueries for Store {
    async fn get_consultation(
        &self,
        id: ConsultationId,
    ) -> Result<Option<Versioned<Consultation>>, StoreError> {
        consultation::Entity::find_by_id(id.as_uuid())
            .one(self.connection())
            .await
            .map_err(db_err)?
            .map(from_row)
            .transpose()
    }

    async fn consultations(
        &self,
        party: ConsultationParty,
        open_only: bool,
        after: Option<ConsultationCursor>,
        limit: u64,
    ) -> Result<Vec<Versioned<Consultation>>, StoreError> {
        use consultation::Column as C;
        let mut query = consultation::Entity::find().filter(match party {
            ConsultationParty::Requester(i) => C::RequesterInstitutionId.eq(i.as_uuid()),
            ConsultationParty::Consultant(i) => C::ConsultantInstitutionId.eq(i.as_uuid()),
        });
        if open_only {
            let open = Status::ALL.iter().filter(|s| s.is_open()).map(|s| s.code());
            query = query.filter(C::Status.is_in(open));
        }
        if let Some((at, id)) = after {
            query = query.filter(
                Expr::col(C::RequestedAt)
                    .lt(at)
                    .or(Expr::col(C::RequestedAt)
                        .eq(at)
                        .and(Expr::col(C::Id).lt(id.as_uuid()))),
            );
        }
        query
            .order_by_desc(C::RequestedAt)
            .order_by_desc(C::Id)
            .limit(limit)
            .all(self.connection())
            .await
            .map_err(db_err)?
            .into_iter()
            .map(from_row)
            .collect()
    }
}
