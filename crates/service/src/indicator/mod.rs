//! Grid indicators: each grid's tally on a date (households, permanent residents and records,
//! dynamic records, contract and key-population coverage, follow-ups due and overdue, managed
//! patients and their control), and an area's total as the sum of its grids' counts, so an
//! aggregate rate is never an average of rates.
//!
//! The store gathers one grid's facts at a time (memory stays that of the largest grid, however
//! large the county); the domain judges every fact (`grid_tally`). Each grid's tally is kept
//! in [`cache`] until a change touches the grid, so a county's report gathers only the grids
//! that changed since it was last asked. A closed period's figures are those kept in
//! [`snapshot`] at its close, until it is re-opened.

mod cache;
mod snapshot;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use time::{Date, Duration, Month};
use yigong_domain::followup::{VisitSummary, YearOfCare};
use yigong_domain::grid::{AreaKind, AreaNode, Grid, GridTally};
use yigong_domain::ids::{
    AreaNodeId, CommunityId, EnrolmentId, GridId, InstitutionId, ResidentId, TeamId,
};
use yigong_domain::indicator::{
    CheckFact, Period, PeriodKind, ResidentFacts, annual_check_done, grid_tally,
    renewal_rate_of_year,
};
use yigong_ports::{AuditEntry, AuditOutcome, ChangeFeed, GridFacts, Versioned};

use cache::TallyCache;
pub use snapshot::{MAX_TREND, Reopened, TrendPoint};

use crate::{Deps, Principal, ServiceError};

/// One grid's line in a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridLine {
    /// The grid.
    pub grid: GridId,
    /// Its name.
    pub name: String,
    /// The team serving it on the date, if any.
    pub team: Option<TeamId>,
    /// Its counts; rates come from [`GridTally`]'s methods.
    pub tally: GridTally,
}

/// Indicators on a date: each active grid of an area's subtree (or of an institution's teams)
/// and their sum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorReport {
    /// What the report covers, as a resource name: `areas/{id}` or `institutions/{id}`.
    pub scope: String,
    /// The date the figures are counted to.
    pub on: Date,
    /// The period asked for, if any.
    pub period: Option<Period>,
    /// The sum of the grids' counts.
    pub total: GridTally,
    /// Each grid, in name order.
    pub grids: Vec<GridLine>,
    /// For a closed period, when its kept figures were last computed (the latest grid's):
    /// they do not change until the period is re-opened. `None` for figures counted afresh.
    pub kept_at: Option<time::OffsetDateTime>,
}

/// Indicator use cases. Clones share one cache of tallies.
#[derive(Clone)]
pub struct IndicatorService {
    deps: Deps,
    feed: Arc<dyn ChangeFeed>,
    cache: Arc<TallyCache>,
}

impl IndicatorService {
    /// Wraps the ports; `feed` is what keeps the cached tallies current.
    pub fn new(deps: Deps, feed: Arc<dyn ChangeFeed>) -> Self {
        Self {
            deps,
            feed,
            cache: Arc::default(),
        }
    }

    /// The profile the rates are read by.
    pub fn profile(&self) -> &yigong_domain::profile::RuleProfile {
        &self.deps.profile
    }

    /// Today by the service's clock: the report's day when a client names none.
    pub fn today(&self) -> Date {
        self.deps.clock.now().date()
    }

    /// The indicators of every active grid under `area` on `on` (or at the close of the
    /// `period` containing it), with their total. Figures are counts over patients, never
    /// patients: any authenticated caller of the county may read them. Computing them reads
    /// patient records, so the report is audited as one read.
    #[tracing::instrument(skip_all, fields(user = %who.user, area = %area))]
    pub async fn area_report(
        &self,
        who: &Principal,
        area: AreaNodeId,
        on: Date,
        period: Option<PeriodKind>,
    ) -> Result<IndicatorReport, ServiceError> {
        let grids = self.deps.directory.grids_within(area).await?;
        let scope = format!("areas/{area}");
        self.report(who, "indicator.area_report", scope, grids, on, period)
            .await
    }

    /// The indicators of every grid the teams based at `institution` serve on `on`, with their
    /// total: a township health center's figures. Audited as one read, like an area's.
    #[tracing::instrument(skip_all, fields(user = %who.user, %institution))]
    pub async fn institution_report(
        &self,
        who: &Principal,
        institution: InstitutionId,
        on: Date,
        period: Option<PeriodKind>,
    ) -> Result<IndicatorReport, ServiceError> {
        let action = "indicator.institution_report";
        let scope = format!("institutions/{institution}");
        let known = self.deps.network.current().institution(institution).is_ok();
        if !known {
            return Err(self.unknown(who, action, &scope).await?);
        }
        let grids = self.grids_served_by(&[institution]).await?;
        self.report(who, action, scope, grids, on, period).await
    }

    /// The indicators of every grid served by the teams of a medical community's member
    /// institutions (医共体) on `on`, with their total. Audited as one read, like an area's.
    #[tracing::instrument(skip_all, fields(user = %who.user, %community))]
    pub async fn community_report(
        &self,
        who: &Principal,
        community: CommunityId,
        on: Date,
        period: Option<PeriodKind>,
    ) -> Result<IndicatorReport, ServiceError> {
        let action = "indicator.community_report";
        let scope = format!("communities/{community}");
        let members: Option<Vec<InstitutionId>> = self
            .deps
            .network
            .current()
            .community(community)
            .ok()
            .map(|c| c.members().iter().copied().collect());
        let Some(members) = members else {
            return Err(self.unknown(who, action, &scope).await?);
        };
        let grids = self.grids_served_by(&members).await?;
        self.report(who, action, scope, grids, on, period).await
    }

    /// The grids the teams based at `institutions` currently serve.
    async fn grids_served_by(
        &self,
        institutions: &[InstitutionId],
    ) -> Result<Vec<Versioned<Grid>>, ServiceError> {
        let mut grids = Vec::new();
        for institution in institutions {
            for team in self.deps.directory.teams_of(*institution).await? {
                grids.extend(self.deps.directory.grids_of_team(team.value.id()).await?);
            }
        }
        Ok(grids)
    }

    /// A report of an institution or community the network does not hold: `NOT_FOUND`, and
    /// the refused read audited like a read.
    async fn unknown(
        &self,
        who: &Principal,
        action: &str,
        scope: &str,
    ) -> Result<ServiceError, ServiceError> {
        self.deps
            .audit
            .record(&self.audit_entry(who, action, scope, AuditOutcome::Failed))
            .await?;
        Ok(ServiceError::NotFound(scope.to_owned()))
    }

    fn audit_entry(
        &self,
        who: &Principal,
        action: &str,
        scope: &str,
        outcome: AuditOutcome,
    ) -> AuditEntry {
        AuditEntry {
            actor: who.actor(),
            action: action.to_owned(),
            resource: format!("{scope}/indicators"),
            patient: None,
            at: self.deps.clock.now(),
            outcome,
            break_glass: None,
        }
    }

    /// Tallies `grids` one at a time (memory bounded by the largest grid), each from the cache
    /// unless a change touched it since (or as kept, for a closed period), and audits the read.
    async fn report(
        &self,
        who: &Principal,
        action: &str,
        scope: String,
        mut grids: Vec<Versioned<Grid>>,
        on: Date,
        period: Option<PeriodKind>,
    ) -> Result<IndicatorReport, ServiceError> {
        let period = period.map(|kind| Period::containing(kind, on));
        // One line a grid however many teams name it, then in name order.
        grids.sort_by_key(|g| g.value.id());
        grids.dedup_by_key(|g| g.value.id());
        grids.sort_by(|a, b| a.value.name().cmp(b.value.name()));
        let ids: Vec<GridId> = grids.iter().map(|g| g.value.id()).collect();
        let (on, tallies, kept_at) = self.tallies_of(period, on, &ids).await?;
        let mut total = GridTally::default();
        let mut lines = Vec::with_capacity(grids.len());
        for (g, tally) in grids.into_iter().zip(tallies) {
            total += tally;
            lines.push(GridLine {
                grid: g.value.id(),
                name: g.value.name().to_owned(),
                team: g.value.team_on(on),
                tally,
            });
        }
        self.deps
            .audit
            .record(&self.audit_entry(who, action, &scope, AuditOutcome::Success))
            .await?;
        Ok(IndicatorReport {
            scope,
            on,
            period,
            total,
            grids: lines,
            kept_at,
        })
    }

    /// The county's own area, where a county-wide overview starts: the root of kind county,
    /// else the first root by name; `None` before any area is registered.
    pub async fn county_area(&self) -> Result<Option<AreaNode>, ServiceError> {
        let roots = self.deps.directory.areas_under(None).await?;
        Ok(roots
            .iter()
            .find(|a| a.kind == AreaKind::County)
            .or(roots.first())
            .cloned())
    }

    /// The parts of `report` (an area's): each area directly under `area` with the sum of the
    /// report's lines of the grids in its subtree, by name; and the grids the parts hold (the
    /// rest lie in `area` itself).
    pub async fn parts_of(
        &self,
        area: AreaNodeId,
        report: &IndicatorReport,
    ) -> Result<(Vec<(AreaNode, GridTally)>, BTreeSet<GridId>), ServiceError> {
        let mut parts = Vec::new();
        let mut held = BTreeSet::new();
        for child in self.deps.directory.areas_under(Some(area)).await? {
            let grids: BTreeSet<GridId> = self
                .deps
                .directory
                .grids_within(child.id)
                .await?
                .iter()
                .map(|g| g.value.id())
                .collect();
            let mut tally = GridTally::default();
            for line in report.grids.iter().filter(|g| grids.contains(&g.grid)) {
                tally += line.tally;
            }
            held.extend(grids);
            parts.push((child, tally));
        }
        Ok((parts, held))
    }

    /// The report's grids summed per team serving them on its day (follow-ups due and
    /// overdue per family doctor team, §6's worklists), by team name; grids no team serves
    /// are one line with no team.
    pub async fn teams_of(
        &self,
        report: &IndicatorReport,
    ) -> Result<Vec<(Option<TeamId>, String, GridTally)>, ServiceError> {
        let mut per_team: BTreeMap<Option<TeamId>, GridTally> = BTreeMap::new();
        for line in &report.grids {
            *per_team.entry(line.team).or_default() += line.tally;
        }
        let mut lines = Vec::with_capacity(per_team.len());
        for (team, tally) in per_team {
            let name = match team {
                Some(id) => match self.deps.directory.get_team(id).await? {
                    Some(t) => t.value.name().to_owned(),
                    None => id.to_string(),
                },
                None => String::new(),
            };
            lines.push((team, name, tally));
        }
        lines.sort_by(|a, b| (a.0.is_none(), &a.1).cmp(&(b.0.is_none(), &b.1)));
        Ok(lines)
    }

    /// One grid's tally on `on`: the cached one, or the domain's from its facts, then cached
    /// at `at` (what `catch_up` returned before the facts were read).
    async fn grid_tally(
        &self,
        at: i64,
        grid: GridId,
        on: Date,
        since: Date,
    ) -> Result<GridTally, ServiceError> {
        if let Some(tally) = self.cache.get(on, grid) {
            return Ok(tally);
        }
        let facts = self.deps.indicators.grid_facts(grid, on, since).await?;
        let tally = self.tally(facts, on);
        self.cache.put(at, on, grid, tally);
        Ok(tally)
    }

    /// Tallies every active grid of the county on `on` into the cache, so that the day's
    /// first report reads only what changed since; how many grids it holds. Shows no figure
    /// to anyone, so nothing is audited.
    pub async fn warm(&self, on: Date) -> Result<usize, ServiceError> {
        let since = self.since(on)?;
        let at = self
            .cache
            .catch_up(&*self.feed, &*self.deps.indicators)
            .await?;
        let grids = self.county_grids().await?;
        for &grid in &grids {
            self.grid_tally(at, grid, on, since).await?;
        }
        Ok(grids.len())
    }

    /// Every active grid of the county, by id.
    async fn county_grids(&self) -> Result<Vec<GridId>, ServiceError> {
        let mut grids = Vec::new();
        for root in self.deps.directory.areas_under(None).await? {
            grids.extend(
                self.deps
                    .directory
                    .grids_within(root.id)
                    .await?
                    .iter()
                    .map(|g| g.value.id()),
            );
        }
        grids.sort_unstable();
        grids.dedup();
        Ok(grids)
    }

    /// Keeps today's tallies warm until `shutdown` resolves: at once, then every `every` and
    /// just after each midnight (UTC, the day figures are counted by), when the new day's are
    /// all to be tallied; once a day, after the day's, the closed periods trends read are kept
    /// ([`IndicatorService::keep_closed_ready`]).
    pub async fn keep_warm(self, every: std::time::Duration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut kept_ready: Option<Date> = None;
        loop {
            let today = self.today();
            tokio::select! {
                () = &mut shutdown => break,
                warmed = self.warm(today) => match warmed {
                    Ok(grids) => tracing::debug!(grids, %today, "indicator tallies warm"),
                    Err(error) => tracing::warn!(%error, "warming the indicator tallies failed"),
                },
            }
            if kept_ready != Some(today) {
                tokio::select! {
                    () = &mut shutdown => break,
                    kept = self.keep_closed_ready(today) => match kept {
                        Ok(periods) => {
                            kept_ready = Some(today);
                            tracing::debug!(periods, %today, "closed periods kept");
                        }
                        Err(error) => tracing::warn!(%error, "keeping the closed periods failed"),
                    },
                }
            }
            let now = self.deps.clock.now();
            let midnight = today.next_day().map_or(now, |d| d.midnight().assume_utc());
            let until_midnight = (midnight - now + Duration::seconds(5))
                .try_into()
                .unwrap_or(every);
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(every.min(until_midnight)) => {}
            }
        }
    }

    /// The first day whose visits count: the start of the calendar year or of the
    /// dynamic-record window, whichever is earlier.
    fn since(&self, on: Date) -> Result<Date, ServiceError> {
        let out_of_range = || ServiceError::InvalidArgument {
            field: "on",
            reason: "out of range".to_owned(),
        };
        let year_start =
            Date::from_calendar_date(on.year(), Month::January, 1).map_err(|_| out_of_range())?;
        let window = i64::from(self.deps.profile.records.dynamic_window_days);
        let window_start = on
            .checked_sub(Duration::days(window))
            .ok_or_else(out_of_range)?;
        Ok(year_start.min(window_start))
    }

    /// Turns one grid's stored facts into the domain's per-resident facts and tallies them.
    fn tally(&self, facts: GridFacts, on: Date) -> GridTally {
        let mut visits: HashMap<EnrolmentId, Vec<VisitSummary>> = HashMap::new();
        let mut last_service: HashMap<ResidentId, Date> =
            facts.last_screenings.iter().copied().collect();
        let patient_of: HashMap<EnrolmentId, ResidentId> = facts
            .enrolments
            .iter()
            .map(|e| (e.id(), e.patient()))
            .collect();
        for (enrolment, visit) in facts.visits {
            if let Some(patient) = patient_of.get(&enrolment) {
                let last = last_service.entry(*patient).or_insert(visit.date);
                *last = (*last).max(visit.date);
            }
            visits.entry(enrolment).or_default().push(visit);
        }
        let mut checks: HashMap<ResidentId, Vec<CheckFact>> = HashMap::new();
        for (resident, check) in facts.checks {
            checks.entry(resident).or_default().push(check);
        }
        let screened: HashSet<ResidentId> = facts.bp_screened.into_iter().collect();
        let mut cancer_exams: HashMap<ResidentId, Vec<_>> = HashMap::new();
        for (resident, cancer, on) in facts.cancer_exams {
            cancer_exams.entry(resident).or_default().push((cancer, on));
        }
        let mut managed: BTreeMap<ResidentId, Vec<_>> = BTreeMap::new();
        // Enrolments as they stood on the date: a past period is not read from today's.
        for e in facts.enrolments.iter().filter(|e| e.is_managed_on(on)) {
            let year = YearOfCare::from_visits(
                visits.get(&e.id()).map_or(&[][..], Vec::as_slice),
                on.year(),
                annual_check_done(
                    e.condition(),
                    checks.get(&e.patient()).map_or(&[][..], Vec::as_slice),
                    on,
                ),
            );
            managed
                .entry(e.patient())
                .or_default()
                .push((e.condition(), year));
        }
        let residents: Vec<ResidentFacts> = facts
            .residents
            .into_iter()
            .map(|resident| {
                let id = resident.id();
                ResidentFacts {
                    contracted: facts
                        .contracts
                        .iter()
                        .any(|c| c.resident() == id && c.is_active_on(on)),
                    last_service: last_service.get(&id).copied(),
                    managed: managed.remove(&id).unwrap_or_default(),
                    checks: checks.remove(&id).unwrap_or_default(),
                    bp_screened: screened.contains(&id),
                    cancer_exams: cancer_exams.remove(&id).unwrap_or_default(),
                    resident,
                }
            })
            .collect();
        let mut tally = grid_tally(
            facts.households,
            &residents,
            &facts.waiting,
            on,
            &self.deps.profile,
        );
        let renewal = renewal_rate_of_year(&facts.contracts, on);
        tally.assessed.contracts_ended = renewal.denominator;
        tally.assessed.contracts_renewed = renewal.numerator;
        tally
    }
}
