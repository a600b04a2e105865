//! Counts per grid, summed up the area tree: the figures every grid rate is derived from.

use std::collections::BTreeMap;
use std::ops::AddAssign;

use serde::{Deserialize, Serialize};

use super::AssessedCounts;
use super::{AreaTree, GridMap};
use crate::ids::{AreaNodeId, GridId};
use crate::measure::Percentage;

/// Counts kept per grid and summed up the area tree; every rate is derived from them, so an
/// aggregate rate is never an average of rates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridTally {
    /// Households.
    pub households: u64,
    /// Permanent residents.
    pub permanent_residents: u64,
    /// Permanent residents with a health record.
    pub records: u64,
    /// Records with a service in the dynamic window.
    pub dynamic_records: u64,
    /// Permanent residents with an active contract.
    pub contracted: u64,
    /// Permanent residents in a key population.
    pub key_population: u64,
    /// Key-population residents with an active contract.
    pub key_population_contracted: u64,
    /// Follow-up plans due (not done) as of the date.
    pub follow_ups_due: u64,
    /// Of those, overdue.
    pub follow_ups_overdue: u64,
    /// Managed patients.
    pub managed: u64,
    /// Managed patients whose latest visit of the year was on target.
    pub controlled: u64,
    /// The counts of the assessed rates.
    pub assessed: AssessedCounts,
}

impl AddAssign for GridTally {
    fn add_assign(&mut self, o: Self) {
        self.households += o.households;
        self.permanent_residents += o.permanent_residents;
        self.records += o.records;
        self.dynamic_records += o.dynamic_records;
        self.contracted += o.contracted;
        self.key_population += o.key_population;
        self.key_population_contracted += o.key_population_contracted;
        self.follow_ups_due += o.follow_ups_due;
        self.follow_ups_overdue += o.follow_ups_overdue;
        self.managed += o.managed;
        self.controlled += o.controlled;
        self.assessed += o.assessed;
    }
}

impl GridTally {
    /// Record coverage: records / permanent residents.
    pub fn record_coverage(&self) -> Option<Percentage> {
        Percentage::of(self.records, self.permanent_residents)
    }

    /// Dynamic-record rate: dynamic records / records.
    pub fn dynamic_record_rate(&self) -> Option<Percentage> {
        Percentage::of(self.dynamic_records, self.records)
    }

    /// Contract coverage: contracted / permanent residents.
    pub fn contract_coverage(&self) -> Option<Percentage> {
        Percentage::of(self.contracted, self.permanent_residents)
    }

    /// Key-population contract coverage.
    pub fn key_population_coverage(&self) -> Option<Percentage> {
        Percentage::of(self.key_population_contracted, self.key_population)
    }

    /// Control rate: controlled / managed.
    pub fn control_rate(&self) -> Option<Percentage> {
        Percentage::of(self.controlled, self.managed)
    }
}

/// Sums each grid's tally into its area node and every node above it.
pub fn aggregate_up(
    tree: &AreaTree,
    grids: &GridMap,
    per_grid: &BTreeMap<GridId, GridTally>,
) -> BTreeMap<AreaNodeId, GridTally> {
    let mut totals: BTreeMap<AreaNodeId, GridTally> = BTreeMap::new();
    for (grid_id, tally) in per_grid {
        let Ok(grid) = grids.grid(*grid_id) else {
            continue;
        };
        for node in tree.ancestors_and_self(grid.area) {
            *totals.entry(node).or_default() += *tally;
        }
    }
    totals
}
