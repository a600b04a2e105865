//! Two-cancer exams and cases ([`CancerRepository`], [`CancerQueries`]): one row each, the
//! record in `body`, the columns they are found and counted by beside it (migration 000025).

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use time::OffsetDateTime;
use yigong_domain::ids::{CancerCaseId, CancerExamId, InstitutionId, ResidentId};
use yigong_ports::{
    CancerCaseRecord, CancerExamRecord, CancerQueries, CancerRepository, CaseCursor, StoreError,
    Version, Versioned,
};

use crate::convert::{InsertRow, db_err, from_json, to_json, update_versioned};
use crate::entity::{cancer_case, cancer_exam};
use crate::{SeaTransaction, Store};

fn case_row(
    r: &CancerCaseRecord,
    version: Version,
    now: OffsetDateTime,
) -> Result<cancer_case::ActiveModel, StoreError> {
    let cancer = r.case.cancer().code();
    Ok(cancer_case::ActiveModel {
        id: Set(r.case.id().as_uuid()),
        resident_id: Set(r.case.resident().as_uuid()),
        institution_id: Set(r.institution.as_uuid()),
        cancer: Set(cancer.to_owned()),
        open_cancer: Set(r.case.is_open().then(|| cancer.to_owned())),
        opened_on: Set(r.case.opened_on()),
        body: Set(to_json("cancer_case", r)?),
        version: Set(version),
        updated_at: Set(now),
    })
}

fn case_from(m: cancer_case::Model) -> Result<Versioned<CancerCaseRecord>, StoreError> {
    Ok(Versioned {
        value: from_json("cancer_case", m.body)?,
        version: m.version,
    })
}

#[async_trait]
impl CancerRepository for SeaTransaction {
    async fn insert_cancer_exam(&mut self, r: &CancerExamRecord) -> Result<(), StoreError> {
        cancer_exam::ActiveModel {
            id: Set(r.id.as_uuid()),
            resident_id: Set(r.resident.as_uuid()),
            institution_id: Set(r.institution.as_uuid()),
            cancer: Set(r.exam.cancer().code().to_owned()),
            examined_on: Set(r.exam.on),
            abnormal: Set(r.exam.abnormal),
            opportunistic: Set(r.exam.opportunistic),
            body: Set(to_json("cancer_exam", r)?),
            recorded_at: Set(r.recorded_at),
        }
        .insert_into(&self.tx)
        .await
    }

    async fn insert_cancer_case(&mut self, r: &CancerCaseRecord) -> Result<Version, StoreError> {
        case_row(r, 1, self.now())?.insert_into(&self.tx).await?;
        Ok(1)
    }

    async fn load_cancer_case(
        &mut self,
        id: CancerCaseId,
    ) -> Result<Option<Versioned<CancerCaseRecord>>, StoreError> {
        cancer_case::Entity::find_by_id(id.as_uuid())
            .one(&self.tx)
            .await
            .map_err(db_err)?
            .map(case_from)
            .transpose()
    }

    async fn update_cancer_case(
        &mut self,
        r: &CancerCaseRecord,
        expected: Version,
    ) -> Result<Version, StoreError> {
        let mut row = case_row(r, expected + 1, self.now())?;
        row.id = sea_orm::NotSet;
        update_versioned::<cancer_case::Entity>(
            &self.tx,
            row,
            (cancer_case::Column::Id, r.case.id().as_uuid()),
            cancer_case::Column::Version,
            expected,
            "cancer_case",
        )
        .await
    }
}

#[async_trait]
impl CancerQueries for Store {
    async fn get_cancer_exam(
        &self,
        id: CancerExamId,
    ) -> Result<Option<CancerExamRecord>, StoreError> {
        cancer_exam::Entity::find_by_id(id.as_uuid())
            .one(self.connection())
            .await
            .map_err(db_err)?
            .map(|m| from_json("cancer_exam", m.body))
            .transpose()
    }

    async fn get_cancer_case(
        &self,
        id: CancerCaseId,
    ) -> Result<Option<Versioned<CancerCaseRecord>>, StoreError> {
        cancer_case::Entity::find_by_id(id.as_uuid())
            .one(self.connection())
            .await
            .map_err(db_err)?
            .map(case_from)
            .transpose()
    }

    async fn cancer_exams_of(
        &self,
        resident: ResidentId,
    ) -> Result<Vec<CancerExamRecord>, StoreError> {
        use cancer_exam::Column as C;
        cancer_exam::Entity::find()
            .filter(C::ResidentId.eq(resident.as_uuid()))
            .order_by_desc(C::ExaminedOn)
            .order_by_desc(C::RecordedAt)
            .all(self.connection())
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|m| from_json("cancer_exam", m.body))
            .collect()
    }

    async fn cancer_cases_of(
        &self,
        resident: ResidentId,
    ) -> Result<Vec<Versioned<CancerCaseRecord>>, StoreError> {
        use cancer_case::Column as C;
        cancer_case::Entity::find()
            .filter(C::ResidentId.eq(resident.as_uuid()))
            .order_by_desc(C::OpenedOn)
            .order_by_desc(C::Id)
            .all(self.connection())
            .await
            .map_err(db_err)?
            .into_iter()
            .map(case_from)
            .collect()
    }

    async fn open_cancer_cases(
        &self,
        institution: InstitutionId,
        after: Option<CaseCursor>,
        limit: u64,
    ) -> Result<Vec<Versioned<CancerCaseRecord>>, StoreError> {
        use cancer_case::Column as C;
        let mut query = cancer_case::Entity::find()
            .filter(C::InstitutionId.eq(institution.as_uuid()))
            .filter(C::OpenCancer.is_not_null());
        if let Some((on, id)) = after {
            query = query.filter(
                Expr::col(C::OpenedOn).gt(on).or(Expr::col(C::OpenedOn)
                    .eq(on)
                    .and(Expr::col(C::Id).gt(id.as_uuid()))),
            );
        }
        query
            .order_by_asc(C::OpenedOn)
            .order_by_asc(C::Id)
            .limit(limit)
            .all(self.connection())
            .await
            .map_err(db_err)?
            .into_iter()
            .map(case_from)
            .collect()
    }
}
