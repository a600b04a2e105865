//! The overdue worklist is paged straight from an index: each plan stores its worklist rank
//! (last-visit risk and referral origin in one number, see `WorklistPosition`), and
//! `ix_plan_worklist_page` orders a team's waiting plans by `(rank, due, id)`, the worklist's
//! own order. The first page of any team is then an index range of page-size rows however large
//! the county; the earlier `(team, state, due)` index had to hand over every overdue plan of
//! the team to be sorted by risk.
//!
//! Existing plans get their rank from their stored body.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;
use yigong_domain::followup::{FollowUpPlan as Plan, PlanRecord};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum FollowUpPlan {
    Table,
    Id,
    TeamId,
    State,
    Due,
    Body,
    WorklistRank,
}

/// Plans re-ranked per round trip while backfilling.
const BACKFILL_BATCH: u64 = 1000;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use FollowUpPlan as P;
        manager
            .alter_table(
                Table::alter()
                    .table(P::Table)
                    .add_column(
                        ColumnDef::new(P::WorklistRank)
                            .small_integer()
                            .not_null()
                            .default(7),
                    )
                    .to_owned(),
            )
            .await?;
        backfill(manager).await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_plan_worklist")
                    .table(P::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_plan_worklist_page")
                    .table(P::Table)
                    .col(P::TeamId)
                    .col(P::State)
                    .col(P::WorklistRank)
                    .col(P::Due)
                    .col(P::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }
}

/// Ranks every stored plan from its body, in id order, a batch at a time.
async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use FollowUpPlan as P;
    let db = manager.get_connection();
    let mut after: Option<sea_orm::prelude::Uuid> = None;
    loop {
        let mut select = Query::select();
        select
            .columns([P::Id, P::Body])
            .from(P::Table)
            .order_by(P::Id, Order::Asc)
            .limit(BACKFILL_BATCH);
        if let Some(id) = after {
            select.and_where(Expr::col(P::Id).gt(id));
        }
        let rows = db.query_all(&select).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = Some(last.try_get("", "id")?);
        for row in &rows {
            let id: sea_orm::prelude::Uuid = row.try_get("", "id")?;
            let body: serde_json::Value = row.try_get("", "body")?;
            let record: PlanRecord = serde_json::from_value(body)
                .map_err(|e| DbErr::Custom(format!("follow_up_plan {id}: {e}")))?;
            let rank = Plan::restore(record).worklist_position().rank;
            let update = Query::update()
                .table(P::Table)
                .value(P::WorklistRank, i16::from(rank))
                .and_where(Expr::col(P::Id).eq(id))
                .to_owned();
            db.execute(&update).await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database};
    use sea_orm_migration::MigratorTrait;
    use time::macros::date;
    use yigong_domain::followup::{Condition, PlanOrigin, PlanState, VisitClass};
    use yigong_domain::ids::{EnrolmentId, PlanId, ReferralId, ResidentId, TeamId};

    use super::*;
    use crate::migration::Migrator;

    fn plan(id: u128, last_class: Option<VisitClass>, origin: PlanOrigin) -> Plan {
        Plan::restore(PlanRecord {
            id: PlanId::from_u128(id),
            enrolment: EnrolmentId::from_u128(1),
            patient: ResidentId::from_u128(2),
            condition: Condition::Hypertension,
            team: TeamId::from_u128(3),
            due: date!(2026 - 03 - 01),
            origin,
            state: PlanState::Due,
            unreachable_attempts: 0,
            remind_on: None,
            last_class,
            last_visit_on: None,
        })
    }

    #[tokio::test]
    async fn plans_stored_before_the_migration_get_their_rank_from_their_body() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        Migrator::up(&db, Some(4)).await.unwrap();
        // The plans' enrolments are beside the point here.
        db.execute_unprepared("PRAGMA foreign_keys = OFF")
            .await
            .unwrap();
        let plans = [
            plan(1, Some(VisitClass::Unstable), PlanOrigin::Enrolment),
            plan(
                2,
                Some(VisitClass::Refer),
                PlanOrigin::UpwardReferral(ReferralId::from_u128(9)),
            ),
            plan(3, None, PlanOrigin::Enrolment),
        ];
        for p in &plans {
            let insert = Query::insert()
                .into_table(FollowUpPlan::Table)
                .columns([
                    Alias::new("id"),
                    Alias::new("enrolment_id"),
                    Alias::new("patient_id"),
                    Alias::new("team_id"),
                    Alias::new("state"),
                    Alias::new("due"),
                    Alias::new("body"),
                    Alias::new("version"),
                    Alias::new("updated_at"),
                ])
                .values_panic([
                    p.id().as_uuid().into(),
                    p.enrolment().as_uuid().into(),
                    p.patient().as_uuid().into(),
                    p.team().as_uuid().into(),
                    "due".into(),
                    p.due().into(),
                    serde_json::to_value(p.to_record()).unwrap().into(),
                    1i64.into(),
                    time::OffsetDateTime::UNIX_EPOCH.into(),
                ])
                .to_owned();
            db.execute(&insert).await.unwrap();
        }
        Migrator::up(&db, None).await.unwrap();
        let rows = db
            .query_all(
                Query::select()
                    .columns([FollowUpPlan::Id, FollowUpPlan::WorklistRank])
                    .from(FollowUpPlan::Table)
                    .order_by(FollowUpPlan::Id, Order::Asc),
            )
            .await
            .unwrap();
        let ranks: Vec<i16> = rows
            .iter()
            .map(|r| r.try_get("", "worklist_rank").unwrap())
            .collect();
        let expected: Vec<i16> = plans
            .iter()
            .map(|p| i16::from(p.worklist_position().rank))
            .collect();
        assert_eq!(ranks, expected);
        assert_eq!(
            expected,
            vec![1, 2, 7],
            "risk 3 routine, risk 2 referral, risk 0 routine"
        );
    }
}
