//! The county network (institutions and medical communities), the area tree, responsibility
//! grids with their households and team assignments, and family doctor teams and contracts.
//!
//! The network is small (hundreds of institutions) and changes rarely: commands load it whole
//! and validate against all of it. Grids are loaded only as far as a command touches them.

use async_trait::async_trait;
use time::Date;
use yigong_domain::contract::{Contract, Team};
use yigong_domain::grid::{AreaNode, Grid};
use yigong_domain::ids::{
    AreaNodeId, CommunityId, ContractId, GridId, HouseholdId, InstitutionId, ResidentId, TeamId,
};
use yigong_domain::network::{Institution, MedicalCommunity, Network};

use crate::{StoreError, Version, Versioned};

/// Network storage, inside a transaction.
#[async_trait]
pub trait NetworkRepository: Send {
    /// The whole network as stored.
    async fn load_network(&mut self) -> Result<Network, StoreError>;

    /// Inserts an institution. MUST return `Duplicate { constraint: Constraint::Id }` on a taken id.
    async fn insert_institution(&mut self, institution: &Institution) -> Result<(), StoreError>;

    /// Inserts a community and makes its lead a member. MUST return `Conflict` when the lead
    /// joined another community since the network was loaded.
    async fn insert_community(&mut self, community: &MedicalCommunity) -> Result<(), StoreError>;

    /// Makes `institution` a member of `community`. MUST return `Conflict` when it joined a
    /// community since the network was loaded (a conditional update: two concurrent joins of
    /// one institution cannot both succeed).
    async fn join_community(
        &mut self,
        institution: InstitutionId,
        community: CommunityId,
    ) -> Result<(), StoreError>;

    /// Renames an institution.
    async fn rename_institution(
        &mut self,
        institution: InstitutionId,
        name: &str,
    ) -> Result<(), StoreError>;

    /// Closes an institution on `on`. MUST return `Conflict` when it closed since the network
    /// was loaded (a conditional update: of two concurrent closures one wins).
    async fn close_institution(
        &mut self,
        institution: InstitutionId,
        on: Date,
    ) -> Result<(), StoreError>;

    /// Takes `institution` out of `community`. MUST return `Conflict` when it is no longer a
    /// member of it (a concurrent leave won).
    async fn leave_community(
        &mut self,
        institution: InstitutionId,
        community: CommunityId,
    ) -> Result<(), StoreError>;
}

/// A household: the unit a grid is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdRecord {
    /// Its id.
    pub id: HouseholdId,
    /// The one grid it belongs to.
    pub grid: GridId,
    /// Its address as written on the household register.
    pub address: String,
}

/// Area, grid and household storage, inside a transaction.
#[async_trait]
pub trait GridRepository: Send {
    /// The node and its ancestors, root first (empty when the node does not exist): enough of
    /// the area tree to check a new node's shape or a grid's area.
    async fn area_path(&mut self, node: AreaNodeId) -> Result<Vec<AreaNode>, StoreError>;

    /// Inserts an area node under its (already stored) ancestors, listed nearest first.
    /// MUST return `Duplicate { constraint: Constraint::Id }` on a taken id.
    async fn insert_area_node(
        &mut self,
        node: &AreaNode,
        ancestors: &[AreaNodeId],
    ) -> Result<(), StoreError>;

    /// Grids by id, retired ones included, with their versions; unknown ids are left out.
    async fn load_grids(&mut self, ids: &[GridId]) -> Result<Vec<Versioned<Grid>>, StoreError>;

    /// The listed households that exist.
    async fn load_households(
        &mut self,
        households: &[HouseholdId],
    ) -> Result<Vec<HouseholdRecord>, StoreError>;

    /// Every household of a grid.
    async fn households_of(&mut self, grid: GridId) -> Result<Vec<HouseholdId>, StoreError>;

    /// Inserts a grid at version 1. MUST return `Duplicate { constraint: Constraint::Id }` on a taken id.
    async fn insert_grid(&mut self, grid: &Grid) -> Result<Version, StoreError>;

    /// Updates a grid loaded at `expected`; `Conflict` when the stored version differs. Every
    /// change to a grid's households bumps its version, so a split or merge that read the
    /// grid's households cannot miss one added or moved meanwhile.
    async fn update_grid(&mut self, grid: &Grid, expected: Version) -> Result<Version, StoreError>;

    /// Inserts households. MUST return `Duplicate { constraint: Constraint::Id }` when one exists.
    async fn insert_households(&mut self, households: &[HouseholdRecord])
    -> Result<(), StoreError>;

    /// Moves households to `to`, and the records of their residents with them.
    async fn move_households(
        &mut self,
        households: &[HouseholdId],
        to: GridId,
    ) -> Result<(), StoreError>;
}

/// Family doctor teams and contracts, inside a transaction.
#[async_trait]
pub trait TeamRepository: Send {
    /// Loads a team.
    async fn load_team(&mut self, id: TeamId) -> Result<Option<Versioned<Team>>, StoreError>;

    /// Inserts a team at version 1. MUST return `Duplicate { constraint: Constraint::Id }` on a taken id.
    async fn insert_team(&mut self, team: &Team) -> Result<Version, StoreError>;

    /// Loads a contract.
    async fn load_contract(
        &mut self,
        id: ContractId,
    ) -> Result<Option<Versioned<Contract>>, StoreError>;

    /// The resident's contract with the latest start, if any: the one a new contract must
    /// not overlap.
    async fn latest_contract(
        &mut self,
        resident: ResidentId,
    ) -> Result<Option<Versioned<Contract>>, StoreError>;

    /// Inserts a contract at version 1.
    async fn insert_contract(&mut self, contract: &Contract) -> Result<Version, StoreError>;

    /// Updates a contract loaded at `expected`; `Conflict` when the stored version differs.
    async fn update_contract(
        &mut self,
        contract: &Contract,
        expected: Version,
    ) -> Result<Version, StoreError>;
}

/// Read-side network, grid and team queries (no transaction), each served by an index.
#[async_trait]
pub trait NetworkQueries: Send + Sync {
    /// The whole network (what authorization decides with; cached by the service).
    async fn network(&self) -> Result<Network, StoreError>;

    /// The active grids whose area lies in the subtree of `area` (the area's own grids
    /// included), from the area closure index.
    async fn grids_within(&self, area: AreaNodeId) -> Result<Vec<Versioned<Grid>>, StoreError>;

    /// An area node.
    async fn get_area(&self, id: AreaNodeId) -> Result<Option<AreaNode>, StoreError>;

    /// The nodes directly under `parent` (the roots when `None`), by name.
    async fn areas_under(&self, parent: Option<AreaNodeId>) -> Result<Vec<AreaNode>, StoreError>;

    /// A household.
    async fn get_household(&self, id: HouseholdId) -> Result<Option<HouseholdRecord>, StoreError>;

    /// The households of a grid, by address (from the household-grid index).
    async fn households_in(&self, grid: GridId) -> Result<Vec<HouseholdRecord>, StoreError>;

    /// The active grids a team currently serves, from the current-team index.
    async fn grids_of_team(&self, team: TeamId) -> Result<Vec<Versioned<Grid>>, StoreError>;

    /// A grid, retired or not.
    async fn get_grid(&self, id: GridId) -> Result<Option<Versioned<Grid>>, StoreError>;

    /// A team.
    async fn get_team(&self, id: TeamId) -> Result<Option<Versioned<Team>>, StoreError>;

    /// The teams based at an institution, by name (from the team-institution index).
    async fn teams_of(
        &self,
        institution: InstitutionId,
    ) -> Result<Vec<Versioned<Team>>, StoreError>;

    /// A resident's contracts, latest start first.
    async fn contracts_of(
        &self,
        resident: ResidentId,
    ) -> Result<Vec<Versioned<Contract>>, StoreError>;
}
