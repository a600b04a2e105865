//! Remote diagnosis ([`DiagnosisRepository`], [`DiagnosisQueries`]): centres and requests, one
//! row each, the aggregate in `body` and beside it the columns its lists are read by
//! (migration 000026). The worklist's order is the domain's (`Priority::rank`, then the
//! longest waiting); the store only keeps it in columns.

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, prelude::Uuid};
use time::OffsetDateTime;
use yigong_domain::diagnosis::{DiagnosisCentre, DiagnosisRequest, Modality};
use yigong_domain::ids::{CommunityId, DiagnosisCentreId, DiagnosisRequestId, InstitutionId};
use yigong_ports::{
    DiagnosisQueries, DiagnosisRepository, RequestedCursor, StoreError, Version, Versioned,
    WorklistCursor,
};

use crate::convert::{InsertRow, db_err, from_json, to_json, update_versioned};
use crate::entity::{diagnosis_centre, diagnosis_request};
use crate::{SeaTransaction, Store};

fn centre_row(
    c: &DiagnosisCentre,
    version: Version,
    now: OffsetDateTime,
) -> Result<diagnosis_centre::ActiveModel, StoreError> {
    Ok(diagnosis_centre::ActiveModel {
        id: Set(c.id().as_uuid()),
        institution_id: Set(c.institution().as_uuid()),
        community_id: Set(c.community().as_uuid()),
        name: Set(c.name().to_owned()),
        body: Set(to_json("diagnosis_centre", c)?),
        version: Set(version),
        updated_at: Set(now),
    })
}

fn centre_from(m: diagnosis_centre::Model) -> Result<Versioned<DiagnosisCentre>, StoreError> {
    Ok(Versioned {
        value: from_json("diagnosis_centre", m.body)?,
        version: m.version,
    })
}

fn request_row(
    r: &DiagnosisRequest,
    version: Version,
    next_deadline: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<diagnosis_request::ActiveModel, StoreError> {
    Ok(diagnosis_request::ActiveModel {
        id: Set(r.id().as_uuid()),
        centre_id: Set(r.centre().as_uuid()),
        patient_id: Set(r.patient().as_uuid()),
        requester_institution_id: Set(r.requester().institution.as_uuid()),
        modality: Set(r.modality().code().to_owned()),
        status: Set(r.status().code().to_owned()),
        worklist_rank: Set(r
            .status()
            .awaits_reader()
            .then(|| i16::from(r.priority().rank()))),
        acquired_at: Set(r.acquisition().map(|(_, at)| *at)),
        requested_at: Set(r.requested_at()),
        next_deadline_at: Set(next_deadline),
        body: Set(to_json("diagnosis_request", r)?),
        version: Set(version),
        updated_at: Set(now),
    })
}

fn request_from(m: diagnosis_request::Model) -> Result<Versioned<DiagnosisRequest>, StoreError> {
    Ok(Versioned {
        value: from_json("diagnosis_request", m.body)?,
        version: m.version,
    })
}

fn requests_from(
    rows: Vec<diagnosis_request::Model>,
) -> Result<Vec<Versioned<DiagnosisRequest>>, StoreError> {
    rows.into_iter().map(request_from).collect()
}

#[async_trait]
impl DiagnosisRepository for SeaTransaction {
    async fn insert_centre(&mut self, c: &DiagnosisCentre) -> Result<Version, StoreError> {
        centre_row(c, 1, self.now())?.insert_into(&self.tx).await?;
        Ok(1)
    }

    async fn load_centre(
        &mut self,
        id: DiagnosisCentreId,
    ) -> Result<Option<Versioned<DiagnosisCentre>>, StoreError> {
        diagnosis_centre::Entity::find_by_id(id.as_uuid())
            .one(&self.tx)
            .await
            .map_err(db_err)?
            .map(centre_from)
            .transpose()
    }

    async fn update_centre(
        &mut self,
        c: &DiagnosisCentre,
        expected: Version,
    ) -> Result<Version, StoreError> {
        let mut row = centre_row(c, expected + 1, self.now())?;
        row.id = sea_orm::NotSet;
        update_versioned::<diagnosis_centre::Entity>(
            &self.tx,
            row,
            (diagnosis_centre::Column::Id, c.id().as_uuid()),
            diagnosis_centre::Column::Version,
            expected,
            "diagnosis_centre",
        )
        .await
    }

    async fn insert_request(&mut self, r: &DiagnosisRequest) -> Result<Version, StoreError> {
        request_row(r, 1, None, self.now())?
            .insert_into(&self.tx)
            .await?;
        Ok(1)
    }

    async fn load_request(
        &mut self,
        id: DiagnosisRequestId,
    ) -> Result<Option<Versioned<DiagnosisRequest>>, StoreError> {
        diagnosis_request::Entity::find_by_id(id.as_uuid())
            .one(&self.tx)
            .await
            .map_err(db_err)?
            .map(request_from)
            .transpose()
    }

    async fn update_request(
        &mut self,
        r: &DiagnosisRequest,
        expected: Version,
        next_deadline: Option<OffsetDateTime>,
    ) -> Result<Version, StoreError> {
        let mut row = request_row(r, expected + 1, next_deadline, self.now())?;
        row.id = sea_orm::NotSet;
        update_versioned::<diagnosis_request::Entity>(
            &self.tx,
            row,
            (diagnosis_request::Column::Id, r.id().as_uuid()),
            diagnosis_request::Column::Version,
            expected,
            "diagnosis_request",
        )
        .await
    }
}

#[async_trait]
impl DiagnosisQueries for Store {
    async fn get_centre(
        &self,
        id: DiagnosisCentreId,
    ) -> Result<Option<Versioned<DiagnosisCentre>>, StoreError> {
        diagnosis_centre::Entity::find_by_id(id.as_uuid())
            .one(self.connection())
            .await
            .map_err(db_err)?
            .map(centre_from)
            .transpose()
    }

    async fn centres_of(
        &self,
        community: CommunityId,
    ) -> Result<Vec<Versioned<DiagnosisCentre>>, StoreError> {
        use diagnosis_centre::Column as C;
        diagnosis_centre::Entity::find()
            .filter(C::CommunityId.eq(community.as_uuid()))
            .order_by_asc(C::Name)
            .order_by_asc(C::Id)
            .all(self.connection())
            .await
            .map_err(db_err)?
            .into_iter()
            .map(centre_from)
            .collect()
    }

    async fn get_request(
        &self,
        id: DiagnosisRequestId,
    ) -> Result<Option<Versioned<DiagnosisRequest>>, StoreError> {
        diagnosis_request::Entity::find_by_id(id.as_uuid())
            .one(self.connection())
            .await
            .map_err(db_err)?
            .map(request_from)
            .transpose()
    }

    async fn worklist(
        &self,
        centre: DiagnosisCentreId,
        modality: Option<Modality>,
        after: Option<WorklistCursor>,
        limit: u64,
    ) -> Result<Vec<Versioned<DiagnosisRequest>>, StoreError> {
        use diagnosis_request::Column as C;
        let mut query = diagnosis_request::Entity::find()
            .filter(C::CentreId.eq(centre.as_uuid()))
            .filter(C::WorklistRank.is_not_null());
        if let Some(m) = modality {
            query = query.filter(C::Modality.eq(m.code()));
        }
        if let Some(c) = after {
            let rank = i16::from(c.rank);
            let id: Uuid = c.request.as_uuid();
            query = query.filter(
                Expr::col(C::WorklistRank)
                    .gt(rank)
                    .or(Expr::col(C::WorklistRank).eq(rank).and(
                        Expr::col(C::AcquiredAt)
                            .gt(c.acquired_at)
                            .or(Expr::col(C::AcquiredAt)
                                .eq(c.acquired_at)
                                .and(Expr::col(C::Id).gt(id))),
                    )),
            );
        }
        // Only what the page is made of: the columns the order and filter use stay in the
        // index, and a line's body and version are all a reader is sent.
        let rows: Vec<(serde_json::Value, Version)> = query
            .select_only()
            .column(C::Body)
            .column(C::Version)
            .order_by_asc(C::WorklistRank)
            .order_by_asc(C::AcquiredAt)
            .order_by_asc(C::Id)
            .limit(limit)
            .into_tuple()
            .all(self.connection())
            .await
            .map_err(db_err)?;
        rows.into_iter()
            .map(|(body, version)| {
                Ok(Versioned {
                    value: from_json("diagnosis_request", body)?,
                    version,
                })
            })
            .collect()
    }

    async fn requested_by(
        &self,
        institution: InstitutionId,
        after: Option<RequestedCursor>,
        limit: u64,
    ) -> Result<Vec<Versioned<DiagnosisRequest>>, StoreError> {
        use diagnosis_request::Column as C;
        let mut query = diagnosis_request::Entity::find()
            .filter(C::RequesterInstitutionId.eq(institution.as_uuid()));
        if let Some((at, id)) = after {
            query = query.filter(
                Expr::col(C::RequestedAt)
                    .lt(at)
                    .or(Expr::col(C::RequestedAt)
                        .eq(at)
                        .and(Expr::col(C::Id).lt(id.as_uuid()))),
            );
        }
        let rows = query
            .order_by_desc(C::RequestedAt)
            .order_by_desc(C::Id)
            .limit(limit)
            .all(self.connection())
            .await
            .map_err(db_err)?;
        requests_from(rows)
    }

    async fn requests_of_centre(
        &self,
        centre: DiagnosisCentreId,
        from: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<DiagnosisRequest>, StoreError> {
        use diagnosis_request::Column as C;
        let rows = diagnosis_request::Entity::find()
            .filter(C::CentreId.eq(centre.as_uuid()))
            .filter(C::RequestedAt.gte(from))
            .filter(C::RequestedAt.lt(until))
            .order_by_asc(C::RequestedAt)
            .order_by_asc(C::Id)
            .all(self.connection())
            .await
            .map_err(db_err)?;
        Ok(requests_from(rows)?.into_iter().map(|v| v.value).collect())
    }

    async fn deadlines_due(
        &self,
        now: OffsetDateTime,
        limit: u64,
    ) -> Result<Vec<DiagnosisRequestId>, StoreError> {
        use diagnosis_request::Column as C;
        let ids: Vec<Uuid> = diagnosis_request::Entity::find()
            .select_only()
            .column(C::Id)
            .filter(C::NextDeadlineAt.lte(now))
            .order_by_asc(C::NextDeadlineAt)
            .order_by_asc(C::Id)
            .limit(limit)
            .into_tuple()
            .all(self.connection())
            .await
            .map_err(db_err)?;
        Ok(ids.into_iter().map(DiagnosisRequestId::from_uuid).collect())
    }
}
