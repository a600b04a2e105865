//! The deadline jobs' reads ([`DeadlineQueries`]) and once-only claims ([`DeadlineClaims`]).

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use time::{Date, OffsetDateTime};
use uuid::Uuid;
use yigong_domain::contract::Contract;
use yigong_domain::followup::FollowUpPlan;
use yigong_domain::ids::{AdviceId, ReferralId};
use yigong_domain::referral::StateName;
use yigong_ports::{DeadlineClaims, DeadlineKind, DeadlineQueries, StoreError};

use crate::convert::db_err;
use crate::entity::{contract, follow_up_plan, referral};
use crate::{SeaTransaction, Store};

#[derive(sea_orm::DeriveIden)]
enum DeadlineFired {
    Table,
    Kind,
    SubjectId,
    FiredAt,
}

/// `SELECT 1 FROM deadline_fired WHERE kind = $kind AND subject_id = <subject>`.
fn claimed(kind: DeadlineKind, subject: impl sea_orm::sea_query::IntoColumnRef) -> SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from(DeadlineFired::Table)
        .and_where(Expr::col((DeadlineFired::Table, DeadlineFired::Kind)).eq(kind.as_str()))
        .and_where(Expr::col((DeadlineFired::Table, DeadlineFired::SubjectId)).equals(subject))
        .to_owned()
}

#[async_trait]
impl DeadlineQueries for Store {
    async fn referrals_past_deadline(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<ReferralId>, StoreError> {
        let ids: Vec<Uuid> = referral::Entity::find()
            .select_only()
            .column(referral::Column::Id)
            .filter(referral::Column::State.eq(StateName::Requested.code()))
            .filter(referral::Column::Escalated.eq(false))
            .filter(referral::Column::RespondBy.lte(now))
            .order_by_asc(referral::Column::RespondBy)
            .limit(u64::from(limit))
            .into_tuple()
            .all(self.connection())
            .await
            .map_err(db_err)?;
        Ok(ids.into_iter().map(ReferralId::from_uuid).collect())
    }

    async fn referrals_past_arrival(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<ReferralId>, StoreError> {
        use referral::Column as R;
        let ids: Vec<Uuid> = referral::Entity::find()
            .select_only()
            .column(R::Id)
            .filter(R::State.eq(StateName::Accepted.code()))
            .filter(R::ArriveBy.lte(now))
            .filter(
                Expr::exists(claimed(
                    DeadlineKind::ArrivalMissed,
                    (referral::Entity, R::Id),
                ))
                .not(),
            )
            .order_by_asc(R::ArriveBy)
            .order_by_asc(R::Id)
            .limit(u64::from(limit))
            .into_tuple()
            .all(self.connection())
            .await
            .map_err(db_err)?;
        Ok(ids.into_iter().map(ReferralId::from_uuid).collect())
    }

    async fn advice_past_escalation(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<AdviceId>, StoreError> {
        crate::advice::past_escalation(self.connection(), now, limit).await
    }

    async fn waiting_plans_unannounced(
        &self,
        kind: DeadlineKind,
        due_by: Date,
        limit: u32,
    ) -> Result<Vec<FollowUpPlan>, StoreError> {
        use follow_up_plan::Column as P;
        follow_up_plan::Entity::find()
            .filter(P::State.eq(crate::followup::WAITING))
            .filter(P::Due.lte(due_by))
            .filter(Expr::exists(claimed(kind, (follow_up_plan::Entity, P::Id))).not())
            .order_by_asc(P::Due)
            .order_by_asc(P::Id)
            .limit(u64::from(limit))
            .all(self.connection())
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|m| crate::followup::plan_from(m).map(|v| v.value))
            .collect()
    }

    async fn current_contracts_unannounced(
        &self,
        after: Date,
        ends_by: Date,
        limit: u32,
    ) -> Result<Vec<Contract>, StoreError> {
        use contract::Column as C;
        contract::Entity::find()
            .filter(C::Status.eq(yigong_domain::contract::ContractStatus::Current.code()))
            .filter(C::EndOn.gt(after))
            .filter(C::EndOn.lte(ends_by))
            .filter(
                Expr::exists(claimed(
                    DeadlineKind::ContractExpiring,
                    (contract::Entity, C::Id),
                ))
                .not(),
            )
            .order_by_asc(C::EndOn)
            .order_by_asc(C::Id)
            .limit(u64::from(limit))
            .all(self.connection())
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|m| crate::network::contract_from(m).map(|v| v.value))
            .collect()
    }
}

#[async_trait]
impl DeadlineClaims for SeaTransaction {
    async fn claim_deadline(
        &mut self,
        kind: DeadlineKind,
        subject: Uuid,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        // ON CONFLICT DO NOTHING: a repeat inserts nothing and leaves the transaction usable
        // (a failed statement would abort it on PostgreSQL).
        let insert = Query::insert()
            .into_table(DeadlineFired::Table)
            .columns([
                DeadlineFired::Kind,
                DeadlineFired::SubjectId,
                DeadlineFired::FiredAt,
            ])
            .values_panic([Expr::val(kind.as_str()), Expr::val(subject), Expr::val(at)])
            .on_conflict(
                OnConflict::columns([DeadlineFired::Kind, DeadlineFired::SubjectId])
                    .do_nothing()
                    .to_owned(),
            )
            .to_owned();
        let result = self.tx.execute(&insert).await.map_err(db_err)?;
        Ok(result.rows_affected() == 1)
    }
}
