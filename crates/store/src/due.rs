//! The screening due lists' read side ([`ScreeningDueQueries`]): for a page of residents, their
//! enrolments begun by the day (`ux_enrolment_open_condition`), their latest programme result
//! of each programme (`ix_screening_resident`, one row per resident and programme by
//! `ROW_NUMBER`) and their latest 65+ check (`ix_elderly_check_resident`), each one query over
//! the page's ids.

use std::collections::HashMap;

use async_trait::async_trait;
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, Order, OverStatement, Query, WindowStatement,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use time::Date;
use uuid::Uuid;
use yigong_domain::followup::{Condition, Enrolment};
use yigong_domain::ids::ResidentId;
use yigong_domain::screening::{GlucoseKind, Programme, ScreeningHistory};
use yigong_ports::{ScreeningDueQueries, ScreeningFinding, StoreError};

use crate::Store;
use crate::convert::{corrupt, db_err, from_json};
use crate::entity::{elderly_check, enrolment, screening_result};

fn get<T: sea_orm::TryGetable>(
    row: &sea_orm::QueryResult,
    column: &str,
    entity: &'static str,
) -> Result<T, StoreError> {
    row.try_get("", column)
        .map_err(|e| corrupt(entity, e.to_string()))
}

#[async_trait]
impl ScreeningDueQueries for Store {
    async fn screening_histories(
        &self,
        residents: &[ResidentId],
        on: Date,
    ) -> Result<HashMap<ResidentId, ScreeningHistory>, StoreError> {
        let mut out: HashMap<ResidentId, ScreeningHistory> = HashMap::new();
        if residents.is_empty() {
            return Ok(out);
        }
        let db = self.connection();
        let ids: Vec<Uuid> = residents.iter().map(|r| r.as_uuid()).collect();

        // Managed on the day, as the domain judges it: a past day is not read from today's
        // open enrolments.
        let enrolments = enrolment::Entity::find()
            .filter(enrolment::Column::PatientId.is_in(ids.clone()))
            .filter(enrolment::Column::EnrolledOn.lte(on))
            .all(db)
            .await
            .map_err(db_err)?;
        for row in enrolments {
            let e: Enrolment = from_json("enrolment", row.body)?;
            if !e.is_managed_on(on) {
                continue;
            }
            let h = out.entry(e.patient()).or_default();
            match e.condition() {
                Condition::Hypertension => h.hypertension_managed = true,
                Condition::Type2Diabetes => h.diabetes_managed = true,
                Condition::SevereMentalDisorder(_) => {}
            }
        }

        // Each resident's latest programme result of each programme: blood pressure, and
        // fasting glucose (a random or two-hour reading is not the glucose programme's).
        use screening_result::Column as S;
        let window = WindowStatement::new()
            .partition_by(S::ResidentId)
            .partition_by(S::Programme)
            .order_by(S::TakenOn, Order::Desc)
            .order_by(S::RecordedAt, Order::Desc)
            .take();
        let ranked = Query::select()
            .columns([S::ResidentId, S::TakenOn, S::Body])
            .expr_window_as(Expr::cust("ROW_NUMBER()"), window, "rank")
            .from(screening_result::Entity)
            .and_where(Expr::col(S::ResidentId).is_in(ids.clone()))
            .and_where(Expr::col(S::Opportunistic).eq(false))
            .and_where(Expr::col(S::TakenOn).lte(on))
            .cond_where(
                Expr::col(S::Programme)
                    .eq(Programme::BloodPressure.code())
                    .or(Expr::col(S::Programme)
                        .eq(Programme::FastingGlucose.code())
                        .and(Expr::col(S::GlucoseKind).eq(GlucoseKind::Fasting.code()))),
            )
            .to_owned();
        let latest = Query::select()
            .columns([S::ResidentId, S::TakenOn, S::Body])
            .from_subquery(ranked, Alias::new("ranked"))
            .and_where(Expr::col(Alias::new("rank")).eq(1))
            .to_owned();
        for row in db.query_all(&latest).await.map_err(db_err)? {
            let entity = "screening_result";
            let resident = ResidentId::from_uuid(get::<Uuid>(&row, "resident_id", entity)?);
            let taken_on: Date = get(&row, "taken_on", entity)?;
            let finding: ScreeningFinding =
                from_json(entity, get::<serde_json::Value>(&row, "body", entity)?)?;
            let h = out.entry(resident).or_default();
            match finding {
                ScreeningFinding::BloodPressure { decision, .. } => {
                    h.last_bp = Some((taken_on, decision.outcome));
                }
                ScreeningFinding::Glucose { decision, .. } => {
                    h.last_glucose = Some((taken_on, decision.outcome));
                }
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
            let id: Uuid = get(&row, "resident_id", entity)?;
            let last: Date = get(&row, "last_on", entity)?;
            out.entry(ResidentId::from_uuid(id)).or_default().last_check = Some(last);
        }
        Ok(out)
    }
}
