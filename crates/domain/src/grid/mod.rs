//! Grid management (网格化健康管理): the area tree, responsibility grids, the team serving each
//! grid over time, and household membership.
//!
//! [`GridMap`] owns the household → grid map, so "a household belongs to exactly one grid" holds
//! by construction. Reassign, split and merge validate everything first and then apply, so
//! they either change nothing or move every household to exactly one new grid; each returns
//! the events of the change.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::Date;

use crate::ids::{AreaNodeId, GridId, HouseholdId, TeamId};
use crate::network::InstitutionKind;
use crate::rule::{BrokenRule, RuleId};

mod area;
mod assessed;
mod tally;

pub use area::{AreaKind, AreaNode, AreaTree, may_be_in_charge, team_may_serve};
pub use assessed::{AssessedCounts, ConditionCounts};
pub use tally::{GridTally, aggregate_up};

/// Why a grid operation was refused; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GridError {
    /// The area node is unknown.
    #[error("area node {0} does not exist")]
    UnknownArea(AreaNodeId),
    /// A node's kind does not fit under its parent's kind.
    #[error("a {child:?} cannot hang under a {parent:?}")]
    AreaShape {
        /// The child's kind.
        child: AreaKind,
        /// The parent's kind, if any.
        parent: Option<AreaKind>,
    },
    /// The grid is unknown or retired.
    #[error("grid {0} does not exist or was retired")]
    UnknownGrid(GridId),
    /// The id is taken.
    #[error("{0} already exists")]
    Duplicate(String),
    /// The household is in no grid.
    #[error("household {0} belongs to no grid")]
    UnknownHousehold(HouseholdId),
    /// The household already belongs to a grid.
    #[error("household {household} already belongs to grid {grid}")]
    HouseholdInAnotherGrid {
        /// The household.
        household: HouseholdId,
        /// Its grid.
        grid: GridId,
    },
    /// A split's parts do not cover the grid's households exactly once.
    #[error("the split parts must cover every household of the grid exactly once: {0}")]
    NotAPartition(String),
    /// Split needs at least two parts, merge at least two grids.
    #[error("{0} needs at least two grids")]
    TooFewGrids(&'static str),
    /// A team assignment must start after the current one started.
    #[error("an assignment from {from} must start after the current one ({current_from})")]
    AssignmentOrder {
        /// The new start.
        from: Date,
        /// The current assignment's start.
        current_from: Date,
    },
    /// There is no current team to end.
    #[error("grid {0} has no team assigned")]
    NoTeam(GridId),
    /// Only a township-level institution is in charge of an area.
    #[error(
        "a {0:?} cannot be in charge of an area; only a township or community health centre can"
    )]
    NotInCharge(InstitutionKind),
    /// A grid is served by a team of the community of the institution in charge of its area.
    #[error("the team belongs to another medical community than the grid's area")]
    TeamOutsideCommunity,
    /// A node below a township or subdistrict is in its charge; the county is in none.
    #[error(
        "area node {node} is in the charge of its township's or subdistrict's institution \
         (the county, of none)"
    )]
    InChargeDiffers {
        /// The node refused.
        node: AreaNodeId,
    },
}

impl BrokenRule for GridError {
    fn rule(&self) -> RuleId {
        match self {
            GridError::UnknownArea(_) | GridError::AreaShape { .. } => RuleId::GridAreaShape,
            GridError::HouseholdInAnotherGrid { .. } | GridError::UnknownHousehold(_) => {
                RuleId::GridOneGridPerHousehold
            }
            GridError::AssignmentOrder { .. } | GridError::NoTeam(_) => RuleId::GridOneTeam,
            GridError::NotInCharge(_)
            | GridError::InChargeDiffers { .. }
            | GridError::TeamOutsideCommunity => RuleId::GridResponsible,
            GridError::UnknownGrid(_)
            | GridError::Duplicate(_)
            | GridError::NotAPartition(_)
            | GridError::TooFewGrids(_) => RuleId::GridNoOrphan,
        }
    }
}

/// One team's responsibility for a grid over a period (`until` exclusive, open if `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamAssignment {
    /// The team.
    pub team: TeamId,
    /// First day of responsibility.
    pub from: Date,
    /// First day no longer responsible.
    pub until: Option<Date>,
}

/// A responsibility grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grid {
    id: GridId,
    name: String,
    area: AreaNodeId,
    assignments: Vec<TeamAssignment>,
    retired_on: Option<Date>,
}

impl Grid {
    /// Its id.
    pub fn id(&self) -> GridId {
        self.id
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The area node it covers.
    pub fn area(&self) -> AreaNodeId {
        self.area
    }

    /// The assignment history, oldest first.
    pub fn assignments(&self) -> &[TeamAssignment] {
        &self.assignments
    }

    /// The team responsible on `date`, if any.
    pub fn team_on(&self, date: Date) -> Option<TeamId> {
        self.assignments
            .iter()
            .rev()
            .find(|a| a.from <= date && a.until.is_none_or(|u| date < u))
            .map(|a| a.team)
    }

    /// When the grid was retired by a split or merge.
    pub fn retired_on(&self) -> Option<Date> {
        self.retired_on
    }
}

/// A change to the grids, for the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GridEvent {
    /// A node was added to the area tree.
    AreaNodeAdded {
        /// The node.
        node: AreaNodeId,
        /// Its level.
        kind: AreaKind,
        /// Its parent.
        parent: Option<AreaNodeId>,
    },
    /// A grid was created.
    GridCreated {
        /// The grid.
        grid: GridId,
        /// Its area node.
        area: AreaNodeId,
    },
    /// A household joined a grid.
    HouseholdAssigned {
        /// The household.
        household: HouseholdId,
        /// Its grid.
        grid: GridId,
    },
    /// Households moved between grids.
    HouseholdsReassigned {
        /// Households moved.
        households: Vec<HouseholdId>,
        /// Their new grid.
        to: GridId,
    },
    /// A grid was split into new grids.
    GridSplit {
        /// The retired grid.
        from: GridId,
        /// The new grids.
        into: Vec<GridId>,
        /// Effective date.
        on: Date,
    },
    /// Grids were merged into a new grid.
    GridsMerged {
        /// The retired grids.
        from: Vec<GridId>,
        /// The new grid.
        into: GridId,
        /// Effective date.
        on: Date,
    },
    /// A team took over a grid.
    TeamAssigned {
        /// The grid.
        grid: GridId,
        /// The team.
        team: TeamId,
        /// Effective date.
        from: Date,
    },
    /// A team's responsibility ended with no successor.
    TeamUnassigned {
        /// The grid.
        grid: GridId,
        /// The team.
        team: TeamId,
        /// First day without the team.
        on: Date,
    },
}

/// A new grid to create in a split or merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGrid {
    /// Its id.
    pub id: GridId,
    /// Its name.
    pub name: String,
    /// Its area node.
    pub area: AreaNodeId,
}

/// The grids of a jurisdiction and which grid each household belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridMap {
    grids: BTreeMap<GridId, Grid>,
    households: BTreeMap<HouseholdId, GridId>,
}

impl GridMap {
    /// No grids.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds the part of a map a command touches from storage: the grids it names (retired
    /// ones included, so a retired grid stays refused) and the households it moves. A household
    /// pointing at a grid not given is refused, so the map never holds an orphan.
    pub fn from_parts(
        grids: impl IntoIterator<Item = Grid>,
        households: impl IntoIterator<Item = (HouseholdId, GridId)>,
    ) -> Result<Self, GridError> {
        let grids: BTreeMap<GridId, Grid> = grids.into_iter().map(|g| (g.id, g)).collect();
        let mut map = BTreeMap::new();
        for (household, grid) in households {
            if !grids.contains_key(&grid) {
                return Err(GridError::UnknownGrid(grid));
            }
            map.insert(household, grid);
        }
        Ok(Self {
            grids,
            households: map,
        })
    }

    /// Every grid the map holds, retired ones included: what a store writes back after a
    /// command.
    pub fn all_grids(&self) -> impl Iterator<Item = &Grid> {
        self.grids.values()
    }

    /// An active grid.
    pub fn grid(&self, id: GridId) -> Result<&Grid, GridError> {
        self.grids
            .get(&id)
            .filter(|g| g.retired_on.is_none())
            .ok_or(GridError::UnknownGrid(id))
    }

    /// Active grids.
    pub fn grids(&self) -> impl Iterator<Item = &Grid> {
        self.grids.values().filter(|g| g.retired_on.is_none())
    }

    /// The grid of a household.
    pub fn grid_of(&self, household: HouseholdId) -> Option<GridId> {
        self.households.get(&household).copied()
    }

    /// Every household with its grid.
    pub fn households(&self) -> impl Iterator<Item = (HouseholdId, GridId)> + '_ {
        self.households.iter().map(|(h, g)| (*h, *g))
    }

    /// Households of one grid.
    pub fn households_of(&self, grid: GridId) -> BTreeSet<HouseholdId> {
        self.households
            .iter()
            .filter(|(_, g)| **g == grid)
            .map(|(h, _)| *h)
            .collect()
    }

    /// Creates a grid over an area node of `tree`.
    pub fn create_grid(
        &mut self,
        tree: &AreaTree,
        new: NewGrid,
    ) -> Result<Vec<GridEvent>, GridError> {
        self.check_new(tree, &new)?;
        let event = GridEvent::GridCreated {
            grid: new.id,
            area: new.area,
        };
        self.insert_grid(new);
        Ok(vec![event])
    }

    fn check_new(&self, tree: &AreaTree, new: &NewGrid) -> Result<(), GridError> {
        if self.grids.contains_key(&new.id) {
            return Err(GridError::Duplicate(format!("grid {}", new.id)));
        }
        tree.node(new.area)?;
        Ok(())
    }

    fn insert_grid(&mut self, new: NewGrid) {
        self.grids.insert(
            new.id,
            Grid {
                id: new.id,
                name: new.name,
                area: new.area,
                assignments: Vec::new(),
                retired_on: None,
            },
        );
    }

    /// Puts a household that belongs to no grid yet into `grid`.
    pub fn add_household(
        &mut self,
        household: HouseholdId,
        grid: GridId,
    ) -> Result<Vec<GridEvent>, GridError> {
        self.grid(grid)?;
        if let Some(current) = self.grid_of(household) {
            return Err(GridError::HouseholdInAnotherGrid {
                household,
                grid: current,
            });
        }
        self.households.insert(household, grid);
        Ok(vec![GridEvent::HouseholdAssigned { household, grid }])
    }

    /// Moves households (each already in some grid) to `to`, as one operation.
    pub fn reassign(
        &mut self,
        households: &[HouseholdId],
        to: GridId,
    ) -> Result<Vec<GridEvent>, GridError> {
        self.grid(to)?;
        let unique: BTreeSet<HouseholdId> = households.iter().copied().collect();
        if let Some(h) = unique.iter().find(|h| !self.households.contains_key(h)) {
            return Err(GridError::UnknownHousehold(*h));
        }
        for h in &unique {
            self.households.insert(*h, to);
        }
        Ok(vec![GridEvent::HouseholdsReassigned {
            households: unique.into_iter().collect(),
            to,
        }])
    }

    /// Splits `grid` into new grids; `parts` must cover the grid's households exactly once.
    /// The old grid is retired on `on`; its open team assignment ends that day.
    pub fn split(
        &mut self,
        tree: &AreaTree,
        grid: GridId,
        parts: Vec<(NewGrid, BTreeSet<HouseholdId>)>,
        on: Date,
    ) -> Result<Vec<GridEvent>, GridError> {
        self.grid(grid)?;
        if parts.len() < 2 {
            return Err(GridError::TooFewGrids("a split"));
        }
        let mut ids = BTreeSet::new();
        for (new, _) in &parts {
            self.check_new(tree, new)?;
            if !ids.insert(new.id) {
                return Err(GridError::Duplicate(format!("grid {}", new.id)));
            }
        }
        let members = self.households_of(grid);
        let mut covered = BTreeSet::new();
        for (_, part) in &parts {
            for h in part {
                if !members.contains(h) {
                    return Err(GridError::NotAPartition(format!(
                        "household {h} is not in grid {grid}"
                    )));
                }
                if !covered.insert(*h) {
                    return Err(GridError::NotAPartition(format!(
                        "household {h} is in two parts"
                    )));
                }
            }
        }
        if let Some(h) = members.difference(&covered).next() {
            return Err(GridError::NotAPartition(format!(
                "household {h} is in no part"
            )));
        }
        self.retire(grid, on);
        let into: Vec<GridId> = parts.iter().map(|(n, _)| n.id).collect();
        for (new, part) in parts {
            let id = new.id;
            self.insert_grid(new);
            for h in part {
                self.households.insert(h, id);
            }
        }
        Ok(vec![GridEvent::GridSplit {
            from: grid,
            into,
            on,
        }])
    }

    /// Merges `grids` into one new grid holding all their households; the old grids are
    /// retired on `on`.
    pub fn merge(
        &mut self,
        tree: &AreaTree,
        grids: &[GridId],
        into: NewGrid,
        on: Date,
    ) -> Result<Vec<GridEvent>, GridError> {
        let unique: BTreeSet<GridId> = grids.iter().copied().collect();
        if unique.len() < 2 {
            return Err(GridError::TooFewGrids("a merge"));
        }
        for g in &unique {
            self.grid(*g)?;
        }
        self.check_new(tree, &into)?;
        let id = into.id;
        self.insert_grid(into);
        for g in &unique {
            self.retire(*g, on);
        }
        for grid in self.households.values_mut() {
            if unique.contains(grid) {
                *grid = id;
            }
        }
        Ok(vec![GridEvent::GridsMerged {
            from: unique.into_iter().collect(),
            into: id,
            on,
        }])
    }

    fn retire(&mut self, grid: GridId, on: Date) {
        if let Some(g) = self.grids.get_mut(&grid) {
            g.retired_on = Some(on);
            if let Some(last) = g.assignments.last_mut()
                && last.until.is_none()
            {
                last.until = Some(on.max(last.from));
            }
        }
    }

    /// Makes `team` responsible for `grid` from `from`, ending the current assignment that day.
    pub fn assign_team(
        &mut self,
        grid: GridId,
        team: TeamId,
        from: Date,
    ) -> Result<Vec<GridEvent>, GridError> {
        self.grid(grid)?;
        let Some(g) = self.grids.get_mut(&grid) else {
            return Err(GridError::UnknownGrid(grid));
        };
        if let Some(last) = g.assignments.last_mut() {
            if from <= last.from {
                return Err(GridError::AssignmentOrder {
                    from,
                    current_from: last.from,
                });
            }
            if last.until.is_none_or(|u| u > from) {
                last.until = Some(from);
            }
        }
        g.assignments.push(TeamAssignment {
            team,
            from,
            until: None,
        });
        Ok(vec![GridEvent::TeamAssigned { grid, team, from }])
    }

    /// Ends the current team's responsibility on `on`, leaving the grid without a team.
    pub fn unassign_team(&mut self, grid: GridId, on: Date) -> Result<Vec<GridEvent>, GridError> {
        self.grid(grid)?;
        let Some(g) = self.grids.get_mut(&grid) else {
            return Err(GridError::UnknownGrid(grid));
        };
        match g.assignments.last_mut() {
            Some(last) if last.until.is_none() => {
                if on <= last.from {
                    return Err(GridError::AssignmentOrder {
                        from: on,
                        current_from: last.from,
                    });
                }
                last.until = Some(on);
                Ok(vec![GridEvent::TeamUnassigned {
                    grid,
                    team: last.team,
                    on,
                }])
            }
            _ => Err(GridError::NoTeam(grid)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::InstitutionId;
    use crate::network::{Level, Network};
    use proptest::prelude::*;
    use time::macros::date;

    fn tree() -> AreaTree {
        let mut t = AreaTree::new();
        let node = |id: u128, kind, parent: Option<u128>| AreaNode {
            id: AreaNodeId::from_u128(id),
            name: format!("n{id}"),
            kind,
            parent: parent.map(AreaNodeId::from_u128),
            institution: None,
        };
        t.add(node(1, AreaKind::Township, None)).unwrap();
        t.add(node(2, AreaKind::Village, Some(1))).unwrap();
        t.add(node(3, AreaKind::Village, Some(1))).unwrap();
        t.add(node(4, AreaKind::VillagerGroup, Some(2))).unwrap();
        t
    }

    fn new_grid(id: u128, area: u128) -> NewGrid {
        NewGrid {
            id: GridId::from_u128(id),
            name: format!("g{id}"),
            area: AreaNodeId::from_u128(area),
        }
    }

    #[test]
    fn an_urban_level_under_a_rural_one_is_rejected() {
        let mut t = tree();
        let err = t
            .add(AreaNode {
                id: AreaNodeId::from_u128(9),
                name: "x".into(),
                kind: AreaKind::Estate,
                parent: Some(AreaNodeId::from_u128(2)),
                institution: None,
            })
            .unwrap_err();
        assert_eq!(err.rule(), RuleId::GridAreaShape);
    }

    const KINDS: [InstitutionKind; 11] = [
        InstitutionKind::PrivateClinic,
        InstitutionKind::MedicalElderlyCare,
        InstitutionKind::VillageClinic,
        InstitutionKind::CommunityHealthStation,
        InstitutionKind::TownshipHealthCenter,
        InstitutionKind::CommunityHealthCenter,
        InstitutionKind::CountyGeneralHospital,
        InstitutionKind::CountyTcmHospital,
        InstitutionKind::CountyMaternalChildHospital,
        InstitutionKind::CityHospital,
        InstitutionKind::ProvincialHospital,
    ];

    proptest! {
        /// Only a township-level institution is put in charge of an area, and every node below
        /// a root is in the charge of the root's institution: any other is refused.
        #[test]
        fn an_area_is_in_the_charge_of_its_roots_township_institution(
            kind in proptest::sample::select(KINDS.to_vec()),
            root_in_charge in proptest::option::of(0u128..4),
            child_in_charge in proptest::option::of(0u128..4),
            depth in 1usize..3,
        ) {
            prop_assert_eq!(
                may_be_in_charge(kind).is_ok(),
                kind.level() == Level::Township && kind != InstitutionKind::MedicalElderlyCare
            );
            let in_charge = |i: Option<u128>| i.map(InstitutionId::from_u128);
            let mut t = AreaTree::new();
            let kinds = [AreaKind::Township, AreaKind::Village, AreaKind::VillagerGroup];
            for (n, kind) in kinds.iter().take(depth).enumerate() {
                let n = n as u128;
                t.add(AreaNode {
                    id: AreaNodeId::from_u128(n + 1),
                    name: format!("n{n}"),
                    kind: *kind,
                    parent: (n > 0).then(|| AreaNodeId::from_u128(n)),
                    institution: in_charge(root_in_charge),
                })
                .unwrap();
            }
            let leaf = AreaNodeId::from_u128(depth as u128);
            prop_assert_eq!(t.in_charge(leaf).unwrap(), in_charge(root_in_charge));
            let added = t.add(AreaNode {
                id: AreaNodeId::from_u128(99),
                name: "child".into(),
                kind: kinds[depth],
                parent: Some(leaf),
                institution: in_charge(child_in_charge),
            });
            if child_in_charge == root_in_charge {
                prop_assert!(added.is_ok());
            } else {
                prop_assert_eq!(added.unwrap_err().rule(), RuleId::GridResponsible);
            }
        }
    }

    #[test]
    fn the_county_holds_townships_each_in_its_own_charge() {
        let mut t = AreaTree::new();
        let node = |id: u128, kind, parent: Option<u128>, institution: Option<u128>| AreaNode {
            id: AreaNodeId::from_u128(id),
            name: format!("n{id}"),
            kind,
            parent: parent.map(AreaNodeId::from_u128),
            institution: institution.map(InstitutionId::from_u128),
        };
        let county_in_charge = t.add(node(1, AreaKind::County, None, Some(7))).unwrap_err();
        assert_eq!(county_in_charge.rule(), RuleId::GridResponsible);
        t.add(node(1, AreaKind::County, None, None)).unwrap();
        t.add(node(2, AreaKind::Township, Some(1), Some(7)))
            .unwrap();
        t.add(node(3, AreaKind::Subdistrict, Some(1), Some(8)))
            .unwrap();
        t.add(node(4, AreaKind::Township, Some(1), None)).unwrap();
        t.add(node(5, AreaKind::Village, Some(2), Some(7))).unwrap();
        assert_eq!(
            t.in_charge(AreaNodeId::from_u128(5)).unwrap(),
            Some(InstitutionId::from_u128(7))
        );
        let other_charge = t
            .add(node(6, AreaKind::Village, Some(2), Some(8)))
            .unwrap_err();
        assert_eq!(other_charge.rule(), RuleId::GridResponsible);
        let county_under_township = t.add(node(6, AreaKind::County, Some(2), None)).unwrap_err();
        assert_eq!(county_under_township.rule(), RuleId::GridAreaShape);
        let village_under_county = t
            .add(node(6, AreaKind::Village, Some(1), None))
            .unwrap_err();
        assert_eq!(village_under_county.rule(), RuleId::GridAreaShape);
    }

    #[test]
    fn a_grid_is_served_by_a_team_of_its_areas_community() {
        use crate::ids::CommunityId;
        use crate::network::Institution;
        let id = InstitutionId::from_u128;
        let mut n = Network::new();
        for (i, kind) in [
            (1, InstitutionKind::CountyGeneralHospital),
            (2, InstitutionKind::CountyTcmHospital),
            (3, InstitutionKind::TownshipHealthCenter),
            (4, InstitutionKind::VillageClinic),
            (5, InstitutionKind::TownshipHealthCenter),
        ] {
            n.add_institution(Institution {
                id: id(i),
                name: format!("i{i}"),
                kind,
            })
            .unwrap();
        }
        let (a, b) = (CommunityId::from_u128(10), CommunityId::from_u128(11));
        n.found_community(a, "A", id(1)).unwrap();
        n.found_community(b, "B", id(2)).unwrap();
        n.join(a, id(3)).unwrap();
        n.join(a, id(4)).unwrap();
        n.join(b, id(5)).unwrap();
        let in_charge = Some(id(3));
        for ok in [3, 4, 1] {
            assert_eq!(team_may_serve(id(ok), in_charge, &n), Ok(()), "{ok}");
        }
        for refused in [2, 5] {
            assert_eq!(
                team_may_serve(id(refused), in_charge, &n),
                Err(GridError::TeamOutsideCommunity)
            );
        }
        assert_eq!(team_may_serve(id(5), None, &n), Ok(()), "a county area");
    }

    #[test]
    fn a_household_cannot_join_a_second_grid() {
        let t = tree();
        let mut m = GridMap::new();
        m.create_grid(&t, new_grid(10, 2)).unwrap();
        m.create_grid(&t, new_grid(11, 3)).unwrap();
        let h = HouseholdId::from_u128(100);
        m.add_household(h, GridId::from_u128(10)).unwrap();
        let err = m.add_household(h, GridId::from_u128(11)).unwrap_err();
        assert_eq!(err.rule(), RuleId::GridOneGridPerHousehold);
    }

    #[test]
    fn a_map_rebuilt_from_its_parts_is_the_same_map() {
        let t = tree();
        let mut m = GridMap::new();
        m.create_grid(&t, new_grid(10, 2)).unwrap();
        m.create_grid(&t, new_grid(11, 3)).unwrap();
        m.add_household(HouseholdId::from_u128(100), GridId::from_u128(10))
            .unwrap();
        m.assign_team(
            GridId::from_u128(11),
            TeamId::from_u128(1),
            date!(2025 - 01 - 01),
        )
        .unwrap();
        let rebuilt = GridMap::from_parts(m.all_grids().cloned(), m.households()).unwrap();
        assert_eq!(rebuilt, m);
        let orphan = GridMap::from_parts(
            m.all_grids().cloned(),
            [(HouseholdId::from_u128(101), GridId::from_u128(99))],
        );
        assert_eq!(orphan, Err(GridError::UnknownGrid(GridId::from_u128(99))));
    }

    #[test]
    fn team_history_keeps_effective_dates() {
        let t = tree();
        let mut m = GridMap::new();
        let g = GridId::from_u128(10);
        m.create_grid(&t, new_grid(10, 2)).unwrap();
        m.assign_team(g, TeamId::from_u128(1), date!(2025 - 01 - 01))
            .unwrap();
        m.assign_team(g, TeamId::from_u128(2), date!(2026 - 01 - 01))
            .unwrap();
        let grid = m.grid(g).unwrap();
        assert_eq!(
            grid.team_on(date!(2025 - 12 - 31)),
            Some(TeamId::from_u128(1))
        );
        assert_eq!(
            grid.team_on(date!(2026 - 01 - 01)),
            Some(TeamId::from_u128(2))
        );
        assert_eq!(grid.team_on(date!(2024 - 12 - 31)), None);
        let err = m
            .assign_team(g, TeamId::from_u128(3), date!(2025 - 06 - 01))
            .unwrap_err();
        assert_eq!(err.rule(), RuleId::GridOneTeam);
    }

    #[test]
    fn a_split_that_forgets_a_household_changes_nothing() {
        let t = tree();
        let mut m = GridMap::new();
        let g = GridId::from_u128(10);
        m.create_grid(&t, new_grid(10, 2)).unwrap();
        for h in 0..4 {
            m.add_household(HouseholdId::from_u128(h), g).unwrap();
        }
        let before = m.clone();
        let parts = vec![
            (new_grid(20, 2), BTreeSet::from([HouseholdId::from_u128(0)])),
            (
                new_grid(21, 4),
                BTreeSet::from([HouseholdId::from_u128(1), HouseholdId::from_u128(2)]),
            ),
        ];
        let err = m.split(&t, g, parts, date!(2026 - 01 - 01)).unwrap_err();
        assert!(matches!(err, GridError::NotAPartition(_)));
        assert_eq!(m, before);
    }

    #[test]
    fn metrics_sum_up_the_tree() {
        let t = tree();
        let mut m = GridMap::new();
        m.create_grid(&t, new_grid(10, 4)).unwrap();
        m.create_grid(&t, new_grid(11, 3)).unwrap();
        let tally = |n| GridTally {
            households: n,
            permanent_residents: n * 3,
            ..GridTally::default()
        };
        let per_grid = BTreeMap::from([
            (GridId::from_u128(10), tally(5)),
            (GridId::from_u128(11), tally(7)),
        ]);
        let totals = aggregate_up(&t, &m, &per_grid);
        assert_eq!(totals[&AreaNodeId::from_u128(1)].households, 12);
        assert_eq!(totals[&AreaNodeId::from_u128(2)].households, 5);
        assert_eq!(totals[&AreaNodeId::from_u128(4)].permanent_residents, 15);
        assert!(!totals.contains_key(&AreaNodeId::from_u128(99)));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Reassign(Vec<u8>, u8),
        Split(u8, Vec<u8>),
        Merge(Vec<u8>),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (proptest::collection::vec(0u8..40, 0..6), 0u8..8)
                .prop_map(|(h, g)| Op::Reassign(h, g)),
            (0u8..8, proptest::collection::vec(0u8..3, 0..40)).prop_map(|(g, a)| Op::Split(g, a)),
            proptest::collection::vec(0u8..8, 0..4).prop_map(Op::Merge),
        ]
    }

    proptest! {
        #[test]
        fn reassign_split_and_merge_keep_every_household_in_exactly_one_grid(ops in proptest::collection::vec(op(), 1..20)) {
            let t = tree();
            let mut m = GridMap::new();
            for g in 0..4u128 {
                m.create_grid(&t, new_grid(g, 2)).unwrap();
            }
            for h in 0..40u128 {
                m.add_household(HouseholdId::from_u128(h), GridId::from_u128(h % 4)).unwrap();
            }
            let households: BTreeSet<HouseholdId> = m.households().map(|(h, _)| h).collect();
            let mut next_id = 1000u128;
            for op in ops {
                let active: Vec<GridId> = m.grids().map(Grid::id).collect();
                let pick = |i: u8| active[usize::from(i) % active.len()];
                let before = m.clone();
                let result = match op {
                    Op::Reassign(hs, g) => {
                        let hs: Vec<_> = hs.into_iter().map(|h| HouseholdId::from_u128(u128::from(h))).collect();
                        m.reassign(&hs, pick(g))
                    }
                    Op::Split(g, assignment) => {
                        let grid = pick(g);
                        let members: Vec<_> = m.households_of(grid).into_iter().collect();
                        let mut parts: Vec<(NewGrid, BTreeSet<HouseholdId>)> = (0..2)
                            .map(|_| { next_id += 1; (new_grid(next_id, 2), BTreeSet::new()) })
                            .collect();
                        for (i, h) in members.iter().enumerate() {
                            // part index 2 drops the household: the split must then be refused
                            let slot = usize::from(*assignment.get(i).unwrap_or(&0));
                            if slot < 2 { parts[slot].1.insert(*h); }
                        }
                        m.split(&t, grid, parts, date!(2026 - 01 - 01))
                    }
                    Op::Merge(gs) => {
                        next_id += 1;
                        let gs: Vec<_> = gs.into_iter().map(pick).collect();
                        m.merge(&t, &gs, new_grid(next_id, 1), date!(2026 - 01 - 01))
                    }
                };
                if result.is_err() {
                    prop_assert_eq!(&m, &before, "a refused operation changed the map");
                }
                let now: BTreeSet<HouseholdId> = m.households().map(|(h, _)| h).collect();
                prop_assert_eq!(&now, &households);
                for (_, g) in m.households() {
                    prop_assert!(m.grid(g).is_ok(), "household in a retired grid");
                }
            }
        }
    }
}
