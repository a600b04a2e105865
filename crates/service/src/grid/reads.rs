//! The grid reads: the map (grids, areas) for everyone, households for those who serve or
//! administer their grid.

use time::Date;
use yigong_domain::grid::{AreaNode, Grid};
use yigong_domain::ids::{AreaNodeId, GridId, HouseholdId, TeamId};
use yigong_ports::{HouseholdRecord, Versioned};

use super::{GET_HOUSEHOLD, GridService, LIST_HOUSEHOLDS};
use crate::deps::audit_entry;
use crate::{Principal, ServiceError};

impl GridService {
    /// Today by the service's clock (which team serves a grid depends on the day).
    pub fn today(&self) -> Date {
        self.deps.clock.now().date()
    }

    /// A grid, retired or not.
    pub async fn get_grid(&self, id: GridId) -> Result<Versioned<Grid>, ServiceError> {
        self.deps
            .directory
            .get_grid(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("grid {id}")))
    }

    /// The active grids in the subtree of an area node (a township's, a village's).
    pub async fn grids_within(
        &self,
        area: AreaNodeId,
    ) -> Result<Vec<Versioned<Grid>>, ServiceError> {
        Ok(self.deps.directory.grids_within(area).await?)
    }

    /// Checks that `who` sees the households of `grid` ([`Principal::sees_households`]) and
    /// audits the read of `resource` as `action`; a grid out of sight is `NotFound`, audited.
    async fn households_seen(
        &self,
        who: &Principal,
        grid: GridId,
        action: &str,
        resource: String,
    ) -> Result<(), ServiceError> {
        let now = self.deps.clock.now();
        let seen = match self.deps.directory.get_grid(grid).await? {
            Some(g) => {
                let area = self.deps.directory.get_area(g.value.area()).await?;
                let in_charge = area.and_then(|a| a.institution);
                let team = g.value.team_on(now.date());
                who.sees_households(in_charge, team, &self.deps.network.current())
            }
            None => false,
        };
        if !seen {
            let what = resource.clone();
            return Err(self.deps.unseen(who, action, resource, None, what).await);
        }
        let entry = audit_entry(who, action, resource, None, now);
        Ok(self.deps.audit.record(&entry).await?)
    }

    /// The households of a grid, by address, for those who serve or administer it.
    pub async fn households(
        &self,
        who: &Principal,
        grid: GridId,
    ) -> Result<Vec<HouseholdRecord>, ServiceError> {
        let resource = format!("grids/{grid}/households");
        self.households_seen(who, grid, LIST_HOUSEHOLDS, resource)
            .await?;
        Ok(self.deps.directory.households_in(grid).await?)
    }

    /// A household, for those who see its grid's households.
    pub async fn household(
        &self,
        who: &Principal,
        id: HouseholdId,
    ) -> Result<HouseholdRecord, ServiceError> {
        let resource = format!("households/{id}");
        let Some(found) = self.deps.directory.get_household(id).await? else {
            let what = resource.clone();
            return Err(self
                .deps
                .unseen(who, GET_HOUSEHOLD, resource, None, what)
                .await);
        };
        self.households_seen(who, found.grid, GET_HOUSEHOLD, resource)
            .await?;
        Ok(found)
    }

    /// An area node.
    pub async fn get_area(&self, id: AreaNodeId) -> Result<AreaNode, ServiceError> {
        self.deps
            .directory
            .get_area(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("area {id}")))
    }

    /// The nodes directly under an area (the roots, the county first among them, when
    /// `None`), by name; `NotFound` for an area that does not exist.
    pub async fn areas_under(
        &self,
        parent: Option<AreaNodeId>,
    ) -> Result<Vec<AreaNode>, ServiceError> {
        if let Some(p) = parent {
            self.get_area(p).await?;
        }
        Ok(self.deps.directory.areas_under(parent).await?)
    }

    /// The active grids a team serves now.
    pub async fn grids_of_team(&self, team: TeamId) -> Result<Vec<Versioned<Grid>>, ServiceError> {
        Ok(self.deps.directory.grids_of_team(team).await?)
    }
}
