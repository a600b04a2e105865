//! 65+ annual health checks ([`ElderlyCheckRepository`], [`ElderlyCheckQueries`]): one row
//! each, the whole record in `body`, read by `ix_elderly_check_resident`.

use async_trait::async_trait;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use yigong_domain::ids::{ElderlyCheckId, ResidentId};
use yigong_ports::{ElderlyCheckQueries, ElderlyCheckRecord, ElderlyCheckRepository, StoreError};

use crate::convert::{InsertRow, corrupt, db_err};
use crate::entity::elderly_check as check;
use crate::{SeaTransaction, Store};

fn record(m: check::Model) -> Result<ElderlyCheckRecord, StoreError> {
    serde_json::from_value(m.body).map_err(|e| corrupt("elderly_check", e.to_string()))
}

#[async_trait]
impl ElderlyCheckRepository for SeaTransaction {
    async fn insert_elderly_check(&mut self, r: &ElderlyCheckRecord) -> Result<(), StoreError> {
        check::ActiveModel {
            id: Set(r.id.as_uuid()),
            resident_id: Set(r.resident.as_uuid()),
            institution_id: Set(r.institution.as_uuid()),
            checked_on: Set(r.check.on),
            guided: Set(r.assessment.guided),
            fed_back_on: Set(r.assessment.guided.then_some(r.check.fed_back_on).flatten()),
            body: Set(
                serde_json::to_value(r).map_err(|e| corrupt("elderly_check", e.to_string()))?
            ),
            recorded_at: Set(r.recorded_at),
        }
        .insert_into(&self.tx)
        .await
    }
}

#[async_trait]
impl ElderlyCheckQueries for Store {
    async fn get_elderly_check(
        &self,
        id: ElderlyCheckId,
    ) -> Result<Option<ElderlyCheckRecord>, StoreError> {
        check::Entity::find_by_id(id.as_uuid())
            .one(self.connection())
            .await
            .map_err(db_err)?
            .map(record)
            .transpose()
    }

    async fn elderly_checks_of(
        &self,
        resident: ResidentId,
    ) -> Result<Vec<ElderlyCheckRecord>, StoreError> {
        use check::Column as C;
        check::Entity::find()
            .filter(C::ResidentId.eq(resident.as_uuid()))
            .order_by_desc(C::CheckedOn)
            .order_by_desc(C::RecordedAt)
            .all(self.connection())
            .await
            .map_err(db_err)?
            .into_iter()
            .map(record)
            .collect()
    }
}
