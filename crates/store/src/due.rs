//! The screening due lists' read side ([`ScreeningDueQueries`]): for a page of residents, their
//! open enrolments (`ux_enrolment_open_condition`), their programme results newest first
//! (`ix_screening_resident`) and their latest 65+ check (`ix_elderly_check_resident`), each one
//! query over the page's ids.

use std::collections::HashMap;

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use time::Date;
use uuid::Uuid;
use yigong_domain::followup::Condition;
use yigong_domain::ids::ResidentId;
use yigong_domain::screening::{Programme, ScreeningHistory};
use yigong_ports::{ScreeningDueQueries, ScreeningFinding, StoreError};

use crate::Store;
use crate::convert::{corrupt, db_err};
use crate::entity::{elderly_check, enrolment, screening_result};

#[async_trait]
impl ScreeningDueQueries for Store {
    async fn screening_histories(
        &self,
        residents: &[ResidentId],
        on: Date,
    ) -> Result<HashMap<ResidentId, ScreeningHistory>, StoreError> {
        let db = self.connection();
        let ids: Vec<Uuid> = residents.iter().map(|r| r.as_uuid()).collect();
        let mut out: HashMap<ResidentId, ScreeningHistory> = HashMap::new();

        let open = enrolment::Entity::find()
            .filter(enrolment::Column::PatientId.is_in(ids.clone()))
            .filter(enrolment::Column::OpenCondition.is_not_null())
            .all(db)
            .await
            .map_err(db_err)?;
        for e in open {
            let h = out.entry(ResidentId::from_uuid(e.patient_id)).or_default();
            match e.open_condition.as_deref() {
                Some(c) if c == Condition::Hypertension.code() => h.hypertension_managed = true,
                Some(c) if c == Condition::Type2Diabetes.code() => h.diabetes_managed = true,
                _ => {}
            }
        }

        // Newest first per resident: the first of each programme is its latest.
        use screening_result::Column as S;
        let results = screening_result::Entity::find()
            .filter(S::ResidentId.is_in(ids.clone()))
            .filter(S::Opportunistic.eq(false))
            .filter(S::TakenOn.lte(on))
            .filter(S::Programme.is_in([
                Programme::BloodPressure.code(),
                Programme::FastingGlucose.code(),
            ]))
            .order_by_desc(S::TakenOn)
            .order_by_desc(S::RecordedAt)
            .all(db)
            .await
            .map_err(db_err)?;
        for r in results {
            let h = out.entry(ResidentId::from_uuid(r.resident_id)).or_default();
            let finding: ScreeningFinding = serde_json::from_value(r.body)
                .map_err(|e| corrupt("screening_result", e.to_string()))?;
            match finding {
                ScreeningFinding::BloodPressure { decision, .. } if h.last_bp.is_none() => {
                    h.last_bp = Some((r.taken_on, decision.outcome));
                }
                ScreeningFinding::Glucose { decision, .. } if h.last_glucose.is_none() => {
                    h.last_glucose = Some((r.taken_on, decision.outcome));
                }
                _ => {}
            }
        }

        let k = elderly_check::Entity;
        let query = Query::select()
            .expr_as(Expr::col(elderly_check::Column::ResidentId), "resident_id")
            .expr_as(
                Func::max(Expr::col(elderly_check::Column::CheckedOn)),
                "last_on",
            )
            .from(k)
            .and_where(Expr::col(elderly_check::Column::ResidentId).is_in(ids))
            .and_where(Expr::col(elderly_check::Column::CheckedOn).lte(on))
            .group_by_col(elderly_check::Column::ResidentId)
            .to_owned();
        for row in db.query_all(&query).await.map_err(db_err)? {
            let entity = "elderly_check";
            let id: Uuid = row
                .try_get("", "resident_id")
                .map_err(|e| corrupt(entity, e.to_string()))?;
            let last: Date = row
                .try_get("", "last_on")
                .map_err(|e| corrupt(entity, e.to_string()))?;
            out.entry(ResidentId::from_uuid(id)).or_default().last_check = Some(last);
        }
        Ok(out)
    }
}
