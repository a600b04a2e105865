//! Grid tallies kept in memory and kept current from the change feed (IND-CURRENT), so a
//! county's report reads the store only for the grids that changed since it was last asked.
//!
//! What is cached is the domain's own tally of a grid on a day, never a count the store keeps:
//! the domain stays the one judge. The cache stands at a feed position: every tally in it
//! reflects every event up to there. Catching up reads the events since, asks the domain which
//! grids each may have changed (`touched_by`) and drops those; a tally is put back only when
//! it was computed from facts read after the position the cache then stands at. Dropping and
//! advancing the position happen under one lock, so a tally computed before a change can never
//! be put back after the change was applied. Nothing is written on the write path; a restart
//! starts empty.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use time::Date;
use yigong_domain::grid::GridTally;
use yigong_domain::ids::GridId;
use yigong_domain::indicator::{Touched, touched_by};
use yigong_ports::{ChangeFeed, IndicatorQueries, StoreError};

/// Days kept: today, and the period ends a dashboard compares it with.
const DAYS: usize = 8;

/// Events behind beyond which emptying the cache is cheaper than reading them.
const MAX_GAP: i64 = 20_000;

/// Events read per page of the feed.
const PAGE: u32 = 1_000;

/// The cache; shared by every clone of the service.
#[derive(Debug, Default)]
pub(crate) struct TallyCache {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The feed position every cached tally reflects.
    position: i64,
    /// Tallies by day and grid.
    days: BTreeMap<Date, HashMap<GridId, GridTally>>,
}

impl TallyCache {
    /// Applies the changes committed since the cache's position and returns the position it
    /// now stands at: facts read after this call may be put back at it.
    pub(crate) async fn catch_up(
        &self,
        feed: &dyn ChangeFeed,
        indicators: &dyn IndicatorQueries,
    ) -> Result<i64, StoreError> {
        let latest = feed.latest_sequence().await?;
        let (from, empty) = {
            let state = self.lock();
            (state.position, state.days.is_empty())
        };
        if latest <= from {
            return Ok(latest);
        }
        if empty {
            // Nothing to drop: a new cache starts where the feed is.
            let mut state = self.lock();
            if state.days.is_empty() {
                state.position = state.position.max(latest);
                return Ok(latest);
            }
        }
        let stale = if latest - from > MAX_GAP {
            None
        } else {
            stale_grids(feed, indicators, from, latest).await?
        };
        let mut state = self.lock();
        match stale {
            None => state.days.clear(),
            Some(grids) => {
                for day in state.days.values_mut() {
                    day.retain(|g, _| !grids.contains(g));
                }
            }
        }
        state.position = state.position.max(latest);
        Ok(latest)
    }

    /// The tally of `grid` on `on`, if cached.
    pub(crate) fn get(&self, on: Date, grid: GridId) -> Option<GridTally> {
        self.lock().days.get(&on)?.get(&grid).copied()
    }

    /// Keeps a tally computed from facts read after `catch_up` returned `at`; refused when the
    /// cache has since moved past `at` (a change may have been applied that the facts miss).
    pub(crate) fn put(&self, at: i64, on: Date, grid: GridId, tally: GridTally) {
        let mut state = self.lock();
        if at < state.position {
            return;
        }
        state.days.entry(on).or_default().insert(grid, tally);
        while state.days.len() > DAYS {
            // The day furthest from the one just asked for goes first.
            let furthest = state
                .days
                .keys()
                .copied()
                .max_by_key(|d| (*d - on).abs())
                .unwrap_or(on);
            state.days.remove(&furthest);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain maps behind, still consistent.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The grids the events in `(from, latest]` may have changed; `None` for every grid.
async fn stale_grids(
    feed: &dyn ChangeFeed,
    indicators: &dyn IndicatorQueries,
    from: i64,
    latest: i64,
) -> Result<Option<BTreeSet<GridId>>, StoreError> {
    let mut touched = Vec::new();
    let mut cursor = from;
    while cursor < latest {
        let page = feed.changes_since(cursor, PAGE).await?;
        let Some(last) = page.last() else { break };
        cursor = last.sequence;
        for stored in page.iter().filter(|s| s.sequence <= latest) {
            // An event this build cannot read may have changed anything.
            let t = stored
                .event
                .decode()
                .map_or(Touched::Everything, |e| touched_by(&e));
            match t {
                Touched::Everything => return Ok(None),
                Touched::Nothing => {}
                t => touched.push(t),
            }
        }
    }
    touched.sort_unstable();
    touched.dedup();
    indicators.grids_touched(&touched).await.map(Some)
}
