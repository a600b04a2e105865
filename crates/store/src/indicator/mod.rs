//! The indicator read side: one grid's facts, each list one indexed query from the grid's
//! residents (`ix_resident_grid`) to their contracts (`ix_contract_resident`), enrolments
//! (`ux_enrolment_open_condition`), the enrolments' waiting plans (`ix_plan_enrolment`), the
//! year's visits (`ix_visit_patient`), the latest screening and the year's programme
//! screenings (`ix_screening_resident`), the year's 65+ checks (`ix_elderly_check_resident`)
//! and each woman's latest two-cancer exam per cancer (`ix_cancer_exam_resident`).

mod snapshot;
mod touched;

use std::collections::BTreeSet;

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryResult,
};
use serde::de::DeserializeOwned;
use time::{Date, Month};
use uuid::Uuid;
use yigong_domain::followup::{FollowUpPlan, PlanRecord, VisitClass, VisitSummary};
use yigong_domain::ids::{EnrolmentId, GridId, ResidentId};
use yigong_domain::indicator::{CheckFact, Touched};
use yigong_domain::screening::Cancer;
use yigong_ports::{GridFacts, IndicatorQueries, StoreError};

use crate::Store;
use crate::convert::{corrupt, db_err, from_json};
use crate::entity::{
    cancer_exam, contract, elderly_check, enrolment, follow_up_plan, follow_up_visit, household,
    resident, screening_result,
};
use crate::followup::WAITING;

/// A select from `table` joined to the grid's residents on `resident_column`.
fn of_grid_residents<T: EntityTrait, C: ColumnTrait>(
    table: T,
    resident_column: C,
    grid: GridId,
) -> SelectStatement {
    let r = resident::Entity;
    Query::select()
        .from(table)
        .inner_join(
            r,
            Expr::col((r, resident::Column::Id)).equals((table, resident_column)),
        )
        .and_where(Expr::col((r, resident::Column::GridId)).eq(grid.as_uuid()))
        .to_owned()
}

fn get<T: sea_orm::TryGetable>(
    row: &QueryResult,
    column: &str,
    entity: &'static str,
) -> Result<T, StoreError> {
    row.try_get("", column)
        .map_err(|e| corrupt(entity, e.to_string()))
}

impl Store {
    async fn bodies<T: DeserializeOwned>(
        &self,
        query: &SelectStatement,
        entity: &'static str,
    ) -> Result<Vec<T>, StoreError> {
        self.connection()
            .query_all(query)
            .await
            .map_err(db_err)?
            .iter()
            .map(|row| from_json(entity, get::<serde_json::Value>(row, "body", entity)?))
            .collect()
    }
}

#[async_trait]
impl IndicatorQueries for Store {
    async fn grid_facts(
        &self,
        grid: GridId,
        on: Date,
        since: Date,
    ) -> Result<GridFacts, StoreError> {
        let db = self.connection();
        let year_start = Date::from_calendar_date(on.year(), Month::January, 1)
            .map_err(|e| corrupt("date", e.to_string()))?;
        let households = household::Entity::find()
            .filter(household::Column::GridId.eq(grid.as_uuid()))
            .count(db)
            .await
            .map_err(db_err)?;
        let residents = self
            .bodies::<serde_json::Value>(
                &Query::select()
                    .column(resident::Column::Body)
                    .from(resident::Entity)
                    .and_where(Expr::col(resident::Column::GridId).eq(grid.as_uuid()))
                    .to_owned(),
                "resident",
            )
            .await?
            .into_iter()
            .map(|body| crate::followup::open_resident(self.keys(), body))
            .collect::<Result<Vec<_>, _>>()?;

        let c = contract::Entity;
        let contracts = self
            .bodies(
                &of_grid_residents(c, contract::Column::ResidentId, grid)
                    .column((c, contract::Column::Body))
                    .and_where(Expr::col((c, contract::Column::StartOn)).lte(on))
                    // `end_on` is exclusive: a contract ending on 1 January ran in the year before.
                    .and_where(Expr::col((c, contract::Column::EndOn)).gt(year_start))
                    .to_owned(),
                "contract",
            )
            .await?;

        let e = enrolment::Entity;
        let open = |q: &mut SelectStatement| {
            q.and_where(Expr::col((e, enrolment::Column::OpenCondition)).is_not_null());
        };
        // Every enrolment begun by the date, closed ones too: whether it was open on the date
        // (a past period's) is the domain's call (`Enrolment::is_managed_on`).
        let query = of_grid_residents(e, enrolment::Column::PatientId, grid)
            .column((e, enrolment::Column::Body))
            .and_where(Expr::col((e, enrolment::Column::EnrolledOn)).lte(on))
            .to_owned();
        let enrolments = self.bodies(&query, "enrolment").await?;

        let p = follow_up_plan::Entity;
        let mut query = of_grid_residents(e, enrolment::Column::PatientId, grid);
        query
            .column((p, follow_up_plan::Column::Body))
            .inner_join(
                p,
                Expr::col((p, follow_up_plan::Column::EnrolmentId))
                    .equals((e, enrolment::Column::Id)),
            )
            .and_where(Expr::col((p, follow_up_plan::Column::State)).eq(WAITING));
        open(&mut query);
        let waiting = self
            .bodies::<PlanRecord>(&query, "follow_up_plan")
            .await?
            .into_iter()
            .map(FollowUpPlan::restore)
            .collect();

        let v = follow_up_visit::Entity;
        let query = of_grid_residents(v, follow_up_visit::Column::PatientId, grid)
            .expr_as(
                Expr::col((p, follow_up_plan::Column::EnrolmentId)),
                "enrolment_id",
            )
            .expr_as(
                Expr::col((v, follow_up_visit::Column::VisitedOn)),
                "visited_on",
            )
            .expr_as(
                Expr::col((v, follow_up_visit::Column::FaceToFace)),
                "face_to_face",
            )
            .expr_as(Expr::col((v, follow_up_visit::Column::Class)), "class")
            .inner_join(
                p,
                Expr::col((p, follow_up_plan::Column::Id))
                    .equals((v, follow_up_visit::Column::PlanId)),
            )
            .and_where(Expr::col((v, follow_up_visit::Column::VisitedOn)).gte(since))
            .and_where(Expr::col((v, follow_up_visit::Column::VisitedOn)).lte(on))
            .to_owned();
        let visits = db
            .query_all(&query)
            .await
            .map_err(db_err)?
            .iter()
            .map(|row| {
                let entity = "follow_up_visit";
                let class: String = get(row, "class", entity)?;
                let class: VisitClass = from_json(entity, serde_json::Value::String(class))?;
                Ok((
                    EnrolmentId::from_uuid(get::<Uuid>(row, "enrolment_id", entity)?),
                    VisitSummary {
                        date: get(row, "visited_on", entity)?,
                        face_to_face: get(row, "face_to_face", entity)?,
                        class,
                    },
                ))
            })
            .collect::<Result<_, StoreError>>()?;

        let s = screening_result::Entity;
        let query = of_grid_residents(s, screening_result::Column::ResidentId, grid)
            .expr_as(
                Expr::col((s, screening_result::Column::ResidentId)),
                "resident_id",
            )
            .expr_as(
                Func::max(Expr::col((s, screening_result::Column::TakenOn))),
                "last_on",
            )
            .and_where(Expr::col((s, screening_result::Column::TakenOn)).lte(on))
            .group_by_col((s, screening_result::Column::ResidentId))
            .to_owned();
        let last_screenings = db
            .query_all(&query)
            .await
            .map_err(db_err)?
            .iter()
            .map(|row| {
                let entity = "screening_result";
                Ok((
                    ResidentId::from_uuid(get::<Uuid>(row, "resident_id", entity)?),
                    get::<Date>(row, "last_on", entity)?,
                ))
            })
            .collect::<Result<_, StoreError>>()?;

        let query = of_grid_residents(s, screening_result::Column::ResidentId, grid)
            .distinct()
            .expr_as(
                Expr::col((s, screening_result::Column::ResidentId)),
                "resident_id",
            )
            .and_where(Expr::col((s, screening_result::Column::Programme)).eq("blood_pressure"))
            .and_where(Expr::col((s, screening_result::Column::Opportunistic)).eq(false))
            .and_where(Expr::col((s, screening_result::Column::TakenOn)).gte(year_start))
            .and_where(Expr::col((s, screening_result::Column::TakenOn)).lte(on))
            .to_owned();
        let bp_screened = db
            .query_all(&query)
            .await
            .map_err(db_err)?
            .iter()
            .map(|row| {
                get::<Uuid>(row, "resident_id", "screening_result").map(ResidentId::from_uuid)
            })
            .collect::<Result<_, StoreError>>()?;

        let k = elderly_check::Entity;
        let query = of_grid_residents(k, elderly_check::Column::ResidentId, grid)
            .expr_as(
                Expr::col((k, elderly_check::Column::ResidentId)),
                "resident_id",
            )
            .expr_as(
                Expr::col((k, elderly_check::Column::CheckedOn)),
                "checked_on",
            )
            .expr_as(
                Expr::col((k, elderly_check::Column::FedBackOn)),
                "fed_back_on",
            )
            .and_where(Expr::col((k, elderly_check::Column::CheckedOn)).gte(year_start))
            .and_where(Expr::col((k, elderly_check::Column::CheckedOn)).lte(on))
            .to_owned();
        let checks = db
            .query_all(&query)
            .await
            .map_err(db_err)?
            .iter()
            .map(|row| {
                let entity = "elderly_check";
                Ok((
                    ResidentId::from_uuid(get::<Uuid>(row, "resident_id", entity)?),
                    CheckFact {
                        on: get(row, "checked_on", entity)?,
                        guided_on: get(row, "fed_back_on", entity)?,
                    },
                ))
            })
            .collect::<Result<_, StoreError>>()?;

        let e = cancer_exam::Entity;
        let query = of_grid_residents(e, cancer_exam::Column::ResidentId, grid)
            .expr_as(
                Expr::col((e, cancer_exam::Column::ResidentId)),
                "resident_id",
            )
            .expr_as(Expr::col((e, cancer_exam::Column::Cancer)), "cancer")
            .expr_as(
                Func::max(Expr::col((e, cancer_exam::Column::ExaminedOn))),
                "last_on",
            )
            .and_where(Expr::col((e, cancer_exam::Column::Opportunistic)).eq(false))
            .and_where(Expr::col((e, cancer_exam::Column::ExaminedOn)).lte(on))
            .group_by_col((e, cancer_exam::Column::ResidentId))
            .group_by_col((e, cancer_exam::Column::Cancer))
            .to_owned();
        let cancer_exams = db
            .query_all(&query)
            .await
            .map_err(db_err)?
            .iter()
            .map(|row| {
                let entity = "cancer_exam";
                let code: String = get(row, "cancer", entity)?;
                let cancer = Cancer::from_code(&code)
                    .ok_or_else(|| corrupt(entity, format!("unknown cancer {code:?}")))?;
                Ok((
                    ResidentId::from_uuid(get::<Uuid>(row, "resident_id", entity)?),
                    cancer,
                    get::<Date>(row, "last_on", entity)?,
                ))
            })
            .collect::<Result<_, StoreError>>()?;

        Ok(GridFacts {
            cancer_exams,
            households,
            residents,
            contracts,
            enrolments,
            visits,
            last_screenings,
            bp_screened,
            checks,
            waiting,
        })
    }

    async fn grids_touched(&self, touched: &[Touched]) -> Result<BTreeSet<GridId>, StoreError> {
        self.resolve_touched(touched).await
    }
}
