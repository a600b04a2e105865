//! Closed periods (IND-SNAPSHOT): once a month, quarter or year has closed, its figures are
//! the tallies kept when it was first counted after the close, so a late fact (a visit entered
//! next month, dated in this one) does not change a report already given; re-opening the
//! period counts it afresh from the facts as they now stand, each fact in the period it is
//! dated in. The first instance to keep a grid's snapshot wins; every instance then shows
//! that one.
//!
//! Trends read the closed periods from their snapshots and the running one from the cache.

use std::collections::HashMap;

use time::{Date, OffsetDateTime};
use yigong_domain::grid::GridTally;
use yigong_domain::ids::{AreaNodeId, GridId};
use yigong_domain::indicator::{Period, PeriodKind};
use yigong_ports::{AuditOutcome, PeriodSnapshot, StoreError};

use super::IndicatorService;
use crate::{Principal, ServiceError};

/// The closed periods kept ready for trends and reports: a year of months, four quarters
/// and the last year.
const KEPT_READY: [(PeriodKind, usize); 3] = [
    (PeriodKind::Month, 12),
    (PeriodKind::Quarter, 4),
    (PeriodKind::Year, 1),
];

/// The longest trend, in periods.
pub const MAX_TREND: usize = 60;

/// One point of a trend: an area's total over one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendPoint {
    /// The period.
    pub period: Period,
    /// The day its figures are counted to: its last day once closed, today while running.
    pub on: Date,
    /// The sum of the area's grids' counts.
    pub total: GridTally,
    /// For a closed period, when its kept figures were last computed; `None` while running.
    pub kept_at: Option<OffsetDateTime>,
}

/// A re-opened period: what was counted afresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reopened {
    /// The period.
    pub period: Period,
    /// The grids whose figures were replaced.
    pub grids: usize,
    /// When they were computed.
    pub computed_at: OffsetDateTime,
}

impl IndicatorService {
    /// Each of `grids`' tally of the closed `period`, as kept: the snapshots kept, and for
    /// grids without one, a tally of the facts as they stand now, kept unless another
    /// instance kept its own first (then that one is shown).
    pub(super) async fn kept(
        &self,
        period: &Period,
        grids: &[GridId],
    ) -> Result<HashMap<GridId, PeriodSnapshot>, ServiceError> {
        let mut kept = by_grid(self.deps.snapshots.snapshots(period, grids).await?);
        let missing: Vec<GridId> = grids
            .iter()
            .filter(|g| !kept.contains_key(g))
            .copied()
            .collect();
        if missing.is_empty() {
            return Ok(kept);
        }
        let fresh = self.count_afresh(period, &missing).await?;
        self.deps
            .snapshots
            .keep_snapshots(period, &fresh, false)
            .await?;
        let stored = by_grid(self.deps.snapshots.snapshots(period, &missing).await?);
        for s in fresh {
            kept.insert(s.grid, stored.get(&s.grid).copied().unwrap_or(s));
        }
        Ok(kept)
    }

    /// The domain's tally of each of `grids` at `period`'s close from the facts as they stand
    /// now (the cache's where it holds a current one; a snapshot never fills the cache, whose
    /// few days are today's).
    async fn count_afresh(
        &self,
        period: &Period,
        grids: &[GridId],
    ) -> Result<Vec<PeriodSnapshot>, ServiceError> {
        let on = period.last;
        let since = self.since(on)?;
        self.cache
            .catch_up(&*self.feed, &*self.deps.indicators)
            .await?;
        let computed_at = self.deps.clock.now();
        let mut fresh = Vec::with_capacity(grids.len());
        for &grid in grids {
            let tally = match self.cache.get(on, grid) {
                Some(tally) => tally,
                None => self.tally(self.deps.indicators.grid_facts(grid, on, since).await?, on),
            };
            fresh.push(PeriodSnapshot {
                grid,
                tally,
                computed_at,
            });
        }
        Ok(fresh)
    }

    /// Keeps the closed periods trends read ([`KEPT_READY`]) for every grid of the county,
    /// computing only those not kept yet; how many periods were looked at. Shows no figure,
    /// so nothing is audited.
    pub async fn keep_closed_ready(&self, today: Date) -> Result<usize, ServiceError> {
        let grids = self.county_grids().await?;
        let mut periods = 0;
        for (kind, n) in KEPT_READY {
            for period in Period::closed_before(kind, today, n) {
                self.kept(&period, &grids).await?;
                periods += 1;
            }
        }
        Ok(periods)
    }

    /// Re-opens the closed period of `kind` containing `day`: every grid of the county is
    /// counted afresh at its close from the facts as they now stand (late data counted in the
    /// period they are dated in), replacing what was kept. County-wide figures are the county
    /// operators' to restate (and the county's set-up's); audited as a write.
    #[tracing::instrument(skip_all, fields(user = %who.user, ?kind, %day))]
    pub async fn reopen_period(
        &self,
        who: &Principal,
        kind: PeriodKind,
        day: Date,
    ) -> Result<Reopened, ServiceError> {
        let action = "indicator.reopen_period";
        let period = Period::containing(kind, day);
        let scope = format!("periods/{}-{}", kind.code(), period.first);
        let network = self.deps.network.current();
        if !(who.is_county_operator(&network) || who.is_county_setup(&network)) {
            let reason = "only county operators re-open a period's figures";
            return Err(self
                .deps
                .forbidden(
                    None,
                    who,
                    action,
                    format!("{scope}/indicators"),
                    None,
                    reason,
                )
                .await);
        }
        if !period.is_closed(self.today()) {
            return Err(ServiceError::InvalidArgument {
                field: "date",
                reason: format!(
                    "the {} from {} has not closed: its figures are counted afresh until it does",
                    kind.code(),
                    period.first
                ),
            });
        }
        let grids = self.county_grids().await?;
        let fresh = self.count_afresh(&period, &grids).await?;
        self.deps
            .snapshots
            .keep_snapshots(&period, &fresh, true)
            .await?;
        self.deps
            .audit
            .record(&self.audit_entry(who, action, &scope, AuditOutcome::Success))
            .await?;
        let computed_at = fresh
            .first()
            .map_or_else(|| self.deps.clock.now(), |s| s.computed_at);
        Ok(Reopened {
            period,
            grids: fresh.len(),
            computed_at,
        })
    }

    /// The totals of every active grid under `area` over the last `n` periods of `kind`,
    /// oldest first, ending with the running one: closed periods as kept, the running one
    /// counted to today. Audited as one read, like a report.
    #[tracing::instrument(skip_all, fields(user = %who.user, %area, ?kind, n))]
    pub async fn area_trend(
        &self,
        who: &Principal,
        area: AreaNodeId,
        kind: PeriodKind,
        n: usize,
    ) -> Result<Vec<TrendPoint>, ServiceError> {
        if !(1..=MAX_TREND).contains(&n) {
            return Err(ServiceError::InvalidArgument {
                field: "periods",
                reason: format!("{n} is not between 1 and {MAX_TREND}"),
            });
        }
        let mut grids: Vec<GridId> = self
            .deps
            .directory
            .grids_within(area)
            .await?
            .iter()
            .map(|g| g.value.id())
            .collect();
        grids.sort_unstable();
        grids.dedup();
        let today = self.today();
        let mut points = Vec::with_capacity(n);
        for period in Period::up_to(kind, today, n) {
            let (on, tallies, kept_at) = self.tallies_of(Some(period), today, &grids).await?;
            let mut total = GridTally::default();
            for tally in tallies {
                total += tally;
            }
            points.push(TrendPoint {
                period,
                on,
                total,
                kept_at,
            });
        }
        self.deps
            .audit
            .record(&self.audit_entry(
                who,
                "indicator.area_trend",
                &format!("areas/{area}"),
                AuditOutcome::Success,
            ))
            .await?;
        Ok(points)
    }

    /// The day counted to and each of `grids`' tally on `on`, or over `period` when one is
    /// given: a closed period's as kept (with when the latest was computed), a running one's
    /// to today; in the order of `grids`.
    pub(super) async fn tallies_of(
        &self,
        period: Option<Period>,
        on: Date,
        grids: &[GridId],
    ) -> Result<(Date, Vec<GridTally>, Option<OffsetDateTime>), ServiceError> {
        let today = self.today();
        let on = match period {
            None => on,
            Some(p) => p.as_of(today).ok_or(ServiceError::InvalidArgument {
                field: "on",
                reason: format!("the {} from {} has not begun", p.kind.code(), p.first),
            })?,
        };
        if let Some(p) = period.filter(|p| p.is_closed(today)) {
            let kept = self.kept(&p, grids).await?;
            let kept_at = kept.values().map(|s| s.computed_at).max();
            let mut tallies = Vec::with_capacity(grids.len());
            for grid in grids {
                // `kept` holds every grid asked for; a hole would be a store fault.
                let s = kept.get(grid).ok_or_else(|| {
                    ServiceError::from(StoreError::Corrupt {
                        entity: "indicator_snapshot",
                        detail: format!("no snapshot of grid {grid}"),
                    })
                })?;
                tallies.push(s.tally);
            }
            return Ok((on, tallies, kept_at));
        }
        let since = self.since(on)?;
        let at = self
            .cache
            .catch_up(&*self.feed, &*self.deps.indicators)
            .await?;
        let mut tallies = Vec::with_capacity(grids.len());
        for &grid in grids {
            tallies.push(self.grid_tally(at, grid, on, since).await?);
        }
        Ok((on, tallies, None))
    }
}

fn by_grid(snapshots: Vec<PeriodSnapshot>) -> HashMap<GridId, PeriodSnapshot> {
    snapshots.into_iter().map(|s| (s.grid, s)).collect()
}
