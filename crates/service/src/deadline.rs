//! The deadline jobs: announce each deadline once, whichever instance gets there first, and
//! catch up after downtime.
//!
//! - **Referral escalation**: a routine request unanswered past its deadline is escalated to the
//!   community's referral desk (`referral.referral_escalated`): the referral is updated at its
//!   loaded version, so of two instances racing, one wins and the other's conflict changes
//!   nothing.
//! - **Missed arrivals**: an accepted patient not arrived by the appointment plus the profile's
//!   grace days is told to the same desk (`referral.arrival_missed`), once.
//! - **Emergencies left without a referral**: an emergency advice (a visit or screening
//!   classed emergency that named no receiver) still open past the profile's minutes is
//!   escalated to the same desk (`advice.advice_escalated`), once.
//! - **Plans falling due** (`follow_up.plan_fell_due`, the 14-day post-referral follow-ups
//!   included, told apart by their origin) and **becoming overdue** (`follow_up.plan_overdue`).
//! - **Contracts expiring**: a current contract's renewal window opened
//!   (`contract.contract_expiring`).
//!
//! Each announcement claims its deadline ([`DeadlineClaims`]) in the transaction that appends
//! the event: a second claim inserts nothing and appends nothing. The jobs look for every
//! deadline that has passed and is unclaimed, oldest first, so a job that was down announces
//! what it missed when it comes back.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use time::OffsetDateTime;
use yigong_domain::event::DomainEvent;
use yigong_domain::followup::FollowUpPlan;
use yigong_domain::ids::{AdviceId, CommunityId, ReferralId, TeamId};
use yigong_domain::referral::{Referral, ReferralError, ReferralEvent};
use yigong_ports::{
    Actor, AuditEntry, AuditOutcome, DeadlineKind, DeadlineQueries, DiagnosisQueries,
};

use crate::{Deps, DiagnosisService, ServiceError};

/// Deadlines looked at per query; the jobs page until none is left.
const BATCH: u32 = 200;

/// Who the jobs act as in the audit log.
const SYSTEM_USER: &str = "system:deadlines";

/// How many announcements one pass made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fired {
    /// Referrals escalated.
    pub escalated: usize,
    /// Accepted referrals whose patient missed the arrival deadline.
    pub missed_arrivals: usize,
    /// Emergency advice escalated for want of a referral.
    pub unreferred_emergencies: usize,
    /// Plans announced due.
    pub due: usize,
    /// Plans announced overdue.
    pub overdue: usize,
    /// Contracts announced expiring.
    pub expiring: usize,
    /// Remote-diagnosis deadlines run: turnaround breaches and critical-value escalations.
    pub diagnosis: usize,
}

/// A referral deadline the jobs announce: its claim, its audited action, and the domain's test
/// and transition.
struct ReferralDeadline {
    kind: DeadlineKind,
    action: &'static str,
    is_due: fn(&Referral, OffsetDateTime) -> bool,
    apply: Transition,
}

/// A referral transition at a time: the new referral and its events.
type Transition =
    fn(Referral, OffsetDateTime) -> Result<(Referral, Vec<ReferralEvent>), ReferralError>;

const ESCALATION: ReferralDeadline = ReferralDeadline {
    kind: DeadlineKind::ReferralEscalation,
    action: "referral.escalate",
    is_due: Referral::is_due_for_escalation,
    apply: Referral::escalate,
};

const ARRIVAL: ReferralDeadline = ReferralDeadline {
    kind: DeadlineKind::ArrivalMissed,
    action: "referral.arrival_missed",
    is_due: Referral::is_due_for_missed_arrival,
    apply: Referral::miss_arrival,
};

/// The deadline jobs of one instance.
pub struct DeadlineJobs {
    deps: Deps,
    queries: Arc<dyn DeadlineQueries>,
    diagnosis: Arc<dyn DiagnosisQueries>,
}

impl DeadlineJobs {
    /// Jobs over `deps` (clock, profile, network, unit of work) and the candidates' queries.
    pub fn new<S: DeadlineQueries + DiagnosisQueries + 'static>(deps: Deps, store: Arc<S>) -> Self {
        Self {
            deps,
            queries: store.clone(),
            diagnosis: store,
        }
    }

    /// One pass over every kind of deadline, up to now.
    pub async fn run_once(&self) -> Result<Fired, ServiceError> {
        let now = self.deps.clock.now();
        Ok(Fired {
            escalated: self.referrals(&ESCALATION, now).await?,
            missed_arrivals: self.referrals(&ARRIVAL, now).await?,
            unreferred_emergencies: self.advice(now).await?,
            due: self.plans(DeadlineKind::PlanDue, now).await?,
            overdue: self.plans(DeadlineKind::PlanOverdue, now).await?,
            expiring: self.contracts(now).await?,
            diagnosis: self.diagnosis_deadlines(now).await?,
        })
    }

    /// Remote-diagnosis requests whose turnaround or critical-value deadline has passed, a
    /// batch at a time: each runs in its own transaction at the version it was read at, so of
    /// two instances one lands (the other's `Conflict` is skipped) and nothing fires twice.
    async fn diagnosis_deadlines(&self, now: OffsetDateTime) -> Result<usize, ServiceError> {
        let service = DiagnosisService::new(self.deps.clone(), self.diagnosis.clone());
        let mut fired = 0;
        loop {
            let due = self.diagnosis.deadlines_due(now, u64::from(BATCH)).await?;
            let mut progressed = false;
            for id in &due {
                match service.run_deadlines_of(*id).await {
                    Ok(events) => {
                        fired += events.len();
                        progressed = true;
                    }
                    Err(ServiceError::Conflict(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            if due.len() < BATCH as usize || !progressed {
                return Ok(fired);
            }
        }
    }

    /// Announces every referral deadline of `d` passed by `now`; how many were announced.
    async fn referrals(
        &self,
        d: &ReferralDeadline,
        now: OffsetDateTime,
    ) -> Result<usize, ServiceError> {
        let mut fired = 0;
        // A candidate that is announced, or that another instance announced first (a
        // conflict), leaves the candidates; the pass pages on while that happens and stops at
        // a page that changed nothing, so it always ends.
        loop {
            let ids = match d.kind {
                DeadlineKind::ArrivalMissed => {
                    self.queries.referrals_past_arrival(now, BATCH).await?
                }
                _ => self.queries.referrals_past_deadline(now, BATCH).await?,
            };
            let (n, progressed) = fire_page(&ids, |id| self.referral_one(d, id, now)).await?;
            fired += n;
            if ids.len() < BATCH as usize || !progressed {
                return Ok(fired);
            }
        }
    }

    async fn referral_one(
        &self,
        d: &ReferralDeadline,
        id: ReferralId,
        now: OffsetDateTime,
    ) -> Result<bool, ServiceError> {
        let mut tx = self.deps.uow.begin().await?;
        let Some(loaded) = tx.load_referral(id).await? else {
            return Ok(false);
        };
        if !(d.is_due)(&loaded.value, now) {
            return Ok(false);
        }
        if !tx.claim_deadline(d.kind, id.as_uuid(), now).await? {
            return Ok(false);
        }
        let (referral, events) = (d.apply)(loaded.value, now)?;
        tx.update_referral(&referral, loaded.version).await?;
        let entry = AuditEntry {
            actor: self.system_actor(&referral),
            action: d.action.to_owned(),
            resource: format!("referrals/{}", referral.id()),
            patient: Some(referral.patient()),
            at: now,
            outcome: AuditOutcome::Success,
            break_glass: None,
        };
        self.deps
            .commit(tx, referral.community(), events, entry)
            .await?;
        Ok(true)
    }

    fn system_actor(&self, referral: &Referral) -> Actor {
        Actor {
            user: SYSTEM_USER.to_owned(),
            role: "system".to_owned(),
            institution: referral.to(),
        }
    }

    /// Escalates every emergency advice past its deadline; how many were escalated. Pages as
    /// [`DeadlineJobs::referrals`] does.
    async fn advice(&self, now: OffsetDateTime) -> Result<usize, ServiceError> {
        let mut fired = 0;
        loop {
            let ids = self.queries.advice_past_escalation(now, BATCH).await?;
            let (n, progressed) = fire_page(&ids, |id| self.advice_one(id, now)).await?;
            fired += n;
            if ids.len() < BATCH as usize || !progressed {
                return Ok(fired);
            }
        }
    }

    async fn advice_one(&self, id: AdviceId, now: OffsetDateTime) -> Result<bool, ServiceError> {
        let mut tx = self.deps.uow.begin().await?;
        let Some(loaded) = tx.load_advice(id).await? else {
            return Ok(false);
        };
        if !loaded.value.is_due_for_escalation(now) {
            return Ok(false);
        }
        if !tx
            .claim_deadline(DeadlineKind::AdviceEscalation, id.as_uuid(), now)
            .await?
        {
            return Ok(false);
        }
        let (advice, events) = loaded.value.escalate(now)?;
        tx.update_advice(&advice, loaded.version).await?;
        let entry = AuditEntry {
            actor: Actor {
                user: SYSTEM_USER.to_owned(),
                role: "system".to_owned(),
                institution: advice.institution(),
            },
            action: "advice.escalate".to_owned(),
            resource: format!("advice/{}", advice.id()),
            patient: Some(advice.patient()),
            at: now,
            outcome: AuditOutcome::Success,
            break_glass: None,
        };
        self.deps
            .commit(tx, advice.community(), events, entry)
            .await?;
        Ok(true)
    }

    async fn plans(&self, kind: DeadlineKind, now: OffsetDateTime) -> Result<usize, ServiceError> {
        let today = now.date();
        let profile = self.deps.profile.clone();
        // Plans due on or before this day qualify: today, or (overdue) the day before the
        // domain's overdue cutoff.
        let due_by = match kind {
            DeadlineKind::PlanOverdue => FollowUpPlan::overdue_if_due_before(today, &profile)
                .and_then(time::Date::previous_day)
                .unwrap_or(time::Date::MIN),
            _ => today,
        };
        let mut communities = Communities::default();
        let mut fired = 0;
        loop {
            let plans = self
                .queries
                .waiting_plans_unannounced(kind, due_by, BATCH)
                .await?;
            for plan in &plans {
                let notice = match kind {
                    DeadlineKind::PlanOverdue => plan.overdue_notice(today, &profile),
                    _ => plan.due_notice(today),
                };
                let community = communities.of_team(&self.deps, plan.team()).await?;
                // A candidate the domain does not announce is claimed all the same, so it is not
                // looked at again.
                if self
                    .announce(kind, plan.id().as_uuid(), community, notice, now)
                    .await?
                {
                    fired += 1;
                }
            }
            if plans.len() < BATCH as usize {
                return Ok(fired);
            }
        }
    }

    async fn contracts(&self, now: OffsetDateTime) -> Result<usize, ServiceError> {
        let today = now.date();
        let profile = self.deps.profile.clone();
        let ends_by = today
            .checked_add(time::Duration::days(i64::from(
                profile.contract.renewal_window_days,
            )))
            .unwrap_or(time::Date::MAX);
        let mut communities = Communities::default();
        let mut fired = 0;
        loop {
            let contracts = self
                .queries
                .current_contracts_unannounced(today, ends_by, BATCH)
                .await?;
            for contract in &contracts {
                let notice = contract.expiry_notice(today, &profile);
                let community = communities.of_team(&self.deps, contract.team()).await?;
                if self
                    .announce(
                        DeadlineKind::ContractExpiring,
                        contract.id().as_uuid(),
                        community,
                        notice,
                        now,
                    )
                    .await?
                {
                    fired += 1;
                }
            }
            if contracts.len() < BATCH as usize {
                return Ok(fired);
            }
        }
    }

    /// Claims the deadline and appends its event in one transaction; `true` if this call
    /// announced it.
    async fn announce(
        &self,
        kind: DeadlineKind,
        subject: uuid::Uuid,
        community: Option<CommunityId>,
        notice: Option<impl Into<DomainEvent>>,
        now: OffsetDateTime,
    ) -> Result<bool, ServiceError> {
        let mut tx = self.deps.uow.begin().await?;
        if !tx.claim_deadline(kind, subject, now).await? {
            return Ok(false);
        }
        let announced = notice.is_some();
        tx.append_events(&self.deps.outbox(community, notice, now)?)
            .await?;
        tx.commit().await?;
        Ok(announced)
    }
}

/// Fires each candidate of a page with `one`: how many it announced, and whether the page
/// changed anything (an announcement, or a conflict meaning another instance announced first).
async fn fire_page<I: Copy, F, Fut>(ids: &[I], one: F) -> Result<(usize, bool), ServiceError>
where
    F: Fn(I) -> Fut,
    Fut: Future<Output = Result<bool, ServiceError>>,
{
    let (mut fired, mut progressed) = (0, false);
    for id in ids {
        match one(*id).await {
            Ok(true) => {
                fired += 1;
                progressed = true;
            }
            Ok(false) => {}
            Err(ServiceError::Conflict(_)) => progressed = true,
            Err(error) => return Err(error),
        }
    }
    Ok((fired, progressed))
}

/// Teams' communities, looked up once a pass.
#[derive(Default)]
struct Communities(HashMap<TeamId, Option<CommunityId>>);

impl Communities {
    async fn of_team(
        &mut self,
        deps: &Deps,
        team: TeamId,
    ) -> Result<Option<CommunityId>, ServiceError> {
        if let Some(known) = self.0.get(&team) {
            return Ok(*known);
        }
        let institution = deps
            .directory
            .get_team(team)
            .await?
            .map(|t| t.value.institution());
        let community =
            institution.and_then(|i| deps.network.current().community_of(i).map(|c| c.id()));
        self.0.insert(team, community);
        Ok(community)
    }
}
