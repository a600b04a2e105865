//! The grid indicators' storage: what one grid's tally is computed from, as stored (the store
//! gathers; the domain, `yigong_domain::indicator::grid_tally`, judges), and the tallies kept
//! of closed periods (IND-SNAPSHOT).

use std::collections::BTreeSet;

use async_trait::async_trait;
use time::{Date, OffsetDateTime};
use yigong_domain::contract::Contract;
use yigong_domain::followup::{Enrolment, FollowUpPlan, VisitSummary};
use yigong_domain::grid::GridTally;
use yigong_domain::identity::Resident;
use yigong_domain::ids::{EnrolmentId, GridId, ResidentId};
use yigong_domain::indicator::{CheckFact, Period, Touched};
use yigong_domain::screening::Cancer;

use crate::StoreError;

/// One grid's stored facts on a date. Every list is about the grid's residents (those whose
/// record names the grid), each read through an index from the grid's residents.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GridFacts {
    /// Households of the grid.
    pub households: u64,
    /// The residents.
    pub residents: Vec<Resident>,
    /// Their contracts started on or before the date and ending in its year or later: those
    /// that may be in force on it, and those that ran to their end in the year (the renewal
    /// rate's); whether each is in force, ended or renewed is the domain's call.
    pub contracts: Vec<Contract>,
    /// Their enrolments begun on or before the date, closed ones included (which were open on
    /// the date is the domain's call).
    pub enrolments: Vec<Enrolment>,
    /// Visits of those residents from `since` up to the date, with their enrolment.
    pub visits: Vec<(EnrolmentId, VisitSummary)>,
    /// Each resident's latest screening on or before the date.
    pub last_screenings: Vec<(ResidentId, Date)>,
    /// Residents the blood-pressure programme screened in the year up to the date (readings
    /// kept as opportunistic excluded).
    pub bp_screened: Vec<ResidentId>,
    /// Their 65+ checks in the year up to the date.
    pub checks: Vec<(ResidentId, CheckFact)>,
    /// Each woman's latest two-cancer exam of each cancer on or before the date (the
    /// programme's: opportunistic exams excluded); whether it lies in the cycle is the
    /// domain's call.
    pub cancer_exams: Vec<(ResidentId, Cancer, Date)>,
    /// Plans of those enrolments still waiting for a visit.
    pub waiting: Vec<FollowUpPlan>,
}

/// Indicator queries (no transaction).
#[async_trait]
pub trait IndicatorQueries: Send + Sync {
    /// The facts of one grid on `on`, with visits from `since` (the caller covers both the
    /// calendar year and the dynamic-record window).
    async fn grid_facts(
        &self,
        grid: GridId,
        on: Date,
        since: Date,
    ) -> Result<GridFacts, StoreError>;

    /// The grids the `touched` name, as stored now: a resident's grid, the grid of the
    /// resident a contract, case, enrolment or plan is about, a grid itself. Ids the store
    /// does not hold, residents outside any grid, `Nothing` and `Everything` add none.
    async fn grids_touched(&self, touched: &[Touched]) -> Result<BTreeSet<GridId>, StoreError>;
}

/// One grid's tally of a closed period as kept: the domain's tally at the period's close,
/// computed from the facts as they stood at `computed_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodSnapshot {
    /// The grid.
    pub grid: GridId,
    /// Its counts.
    pub tally: GridTally,
    /// When they were computed: the first report after the close, or the last re-opening.
    pub computed_at: OffsetDateTime,
}

/// The tallies kept of closed periods, one per period and grid (IND-SNAPSHOT).
#[async_trait]
pub trait IndicatorSnapshots: Send + Sync {
    /// The snapshots of `period` kept for any of `grids`, in no particular order.
    async fn snapshots(
        &self,
        period: &Period,
        grids: &[GridId],
    ) -> Result<Vec<PeriodSnapshot>, StoreError>;

    /// Keeps `snapshots` of `period`. Without `replace`, only those of grids with none yet:
    /// the first kept stands, however many instances take one at once. With it (a re-opened
    /// period), each replaces the one kept.
    async fn keep_snapshots(
        &self,
        period: &Period,
        snapshots: &[PeriodSnapshot],
        replace: bool,
    ) -> Result<(), StoreError>;
}
