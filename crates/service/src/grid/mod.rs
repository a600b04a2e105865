//! Grid management: the area tree, responsibility grids, their households and the family
//! doctor team serving each.
//!
//! Every command that changes which households a grid holds bumps the version of each grid it
//! touched, in the same transaction. So a split or merge, which reads a grid's households and
//! then moves them, cannot miss a household added or moved by a concurrent command: one of the
//! two fails with a conflict, and no household is ever left in a retired grid.

use std::collections::BTreeSet;

use time::Date;
use uuid::Uuid;
use yigong_domain::grid::{
    AreaKind, AreaNode, AreaTree, Grid, GridMap, NewGrid, may_be_in_charge, team_may_serve,
};
use yigong_domain::ids::{AreaNodeId, GridId, HouseholdId, InstitutionId, TeamId};
use yigong_ports::{HouseholdRecord, Transaction, Version, Versioned};

mod reads;

use crate::access::operator_only;
use crate::deps::{Claim, Request, abandon, audit_entry, batch_size, claim, derived_ids, text};
use crate::screening::{MAX_BATCH_ROWS, RowError};
use crate::{Deps, Principal, ServiceError};

const ADD_AREA: &str = "grid.add_area_node";
const CREATE: &str = "grid.create";
const ADD_HOUSEHOLD: &str = "grid.add_household";
const IMPORT_HOUSEHOLDS: &str = "grid.import_households";
const REASSIGN: &str = "grid.reassign_households";
const SPLIT: &str = "grid.split";
const MERGE: &str = "grid.merge";
const ASSIGN_TEAM: &str = "grid.assign_team";
const UNASSIGN_TEAM: &str = "grid.unassign_team";
const LIST_HOUSEHOLDS: &str = "grid.list_households";
const GET_HOUSEHOLD: &str = "grid.get_household";

/// Households one command may move: bounded so a transaction stays short.
pub const MAX_HOUSEHOLDS_PER_COMMAND: usize = 10_000;

/// A new node of the area tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArea {
    /// The client's request id.
    pub request_id: String,
    /// Its name.
    pub name: String,
    /// Its level.
    pub kind: AreaKind,
    /// The node above it (none for a township or subdistrict).
    pub parent: Option<AreaNodeId>,
    /// The township-level institution in charge, for a root; a node below inherits its
    /// root's. `None` on a root: the county's area, administered by county operators.
    pub institution: Option<InstitutionId>,
}

/// A new responsibility grid over an area node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateGrid {
    /// The client's request id.
    pub request_id: String,
    /// Its name.
    pub name: String,
    /// The area node it covers.
    pub area: AreaNodeId,
}

/// A household joining a grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHousehold {
    /// The client's request id.
    pub request_id: String,
    /// Its grid.
    pub grid: GridId,
    /// Its address.
    pub address: String,
}

/// One new grid of a split, with the households it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitPart {
    /// Its name.
    pub name: String,
    /// Its area node.
    pub area: AreaNodeId,
    /// The households it takes.
    pub households: Vec<HouseholdId>,
}

/// A split of one grid into new ones covering each of its households exactly once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitGrid {
    /// The client's request id.
    pub request_id: String,
    /// The grid split (retired on `on`).
    pub grid: GridId,
    /// The grid's version as the caller saw it, if it wants the split refused after a change.
    pub etag: Option<Version>,
    /// The new grids.
    pub parts: Vec<SplitPart>,
    /// Effective date.
    pub on: Date,
}

/// A merge of grids into one new grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeGrids {
    /// The client's request id.
    pub request_id: String,
    /// The grids merged (retired on `on`).
    pub grids: Vec<GridId>,
    /// Grid versions the caller saw; a grid changed since refuses the merge.
    pub expected: Vec<(GridId, Version)>,
    /// The new grid's name.
    pub name: String,
    /// The new grid's area node.
    pub area: AreaNodeId,
    /// Effective date.
    pub on: Date,
}

/// One household of a batch import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdRow {
    /// Its grid.
    pub grid: GridId,
    /// Its address.
    pub address: String,
}

/// What became of a household batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdImport {
    /// The households created, in row order (empty when `errors` is not).
    pub households: Vec<HouseholdRecord>,
    /// Every invalid row; non-empty means nothing was written.
    pub errors: Vec<RowError>,
}

/// How a command creating a grid begins: afresh in its transaction, or as a retry.
enum NewGridStart {
    Fresh(Box<dyn Transaction>, NewGrid),
    Retried(Versioned<Grid>),
}

/// The grid use cases: county operators draw the map; everyone reads it.
pub struct GridService {
    deps: Deps,
}

fn operator(who: &Principal) -> Result<(), ServiceError> {
    operator_only(who, "areas and grids")
}

fn households_arg(households: &[HouseholdId]) -> Result<(), ServiceError> {
    if households.is_empty() || households.len() > MAX_HOUSEHOLDS_PER_COMMAND {
        return Err(ServiceError::InvalidArgument {
            field: "households",
            reason: format!("must list 1 to {MAX_HOUSEHOLDS_PER_COMMAND} households"),
        });
    }
    Ok(())
}

/// Checks the versions a caller saw against the grids loaded (grids not involved are ignored).
fn check_etags(
    loaded: &[Versioned<Grid>],
    expected: &[(GridId, Version)],
) -> Result<(), ServiceError> {
    for (id, version) in expected {
        if let Some(grid) = loaded.iter().find(|g| g.value.id() == *id)
            && grid.version != *version
        {
            return Err(ServiceError::Conflict(format!(
                "grid {id} is at version {}, not {version}",
                grid.version
            )));
        }
    }
    Ok(())
}

fn check_etag(
    loaded: &[Versioned<Grid>],
    grid: GridId,
    etag: Option<Version>,
) -> Result<(), ServiceError> {
    match etag {
        Some(version) => check_etags(loaded, &[(grid, version)]),
        None => Ok(()),
    }
}

/// Why an operator is refused an area's grids and households.
const NOT_IN_CHARGE: &str = "only operators of the institution in charge of the area, or of its \
     community's lead hospital, change it (county operators, for an area no institution is in \
     charge of)";

/// The new grids of a split: derived from the claimed id, so a retried split finds them.
fn part_ids(base: Uuid, parts: usize) -> Vec<GridId> {
    derived_ids(base, parts)
        .into_iter()
        .map(GridId::from_uuid)
        .collect()
}

/// Adds the nodes of `path` (root first) that `tree` lacks.
fn extend_tree(tree: &mut AreaTree, path: Vec<AreaNode>) -> Result<(), ServiceError> {
    for node in path {
        if tree.node(node.id).is_err() {
            tree.add(node)?;
        }
    }
    Ok(())
}

impl GridService {
    /// Builds the service over its ports.
    pub fn new(deps: Deps) -> Self {
        Self { deps }
    }

    /// The area node and its ancestors, as a tree; `NotFound` when it does not exist.
    async fn area(
        tx: &mut Box<dyn Transaction>,
        tree: &mut AreaTree,
        id: AreaNodeId,
    ) -> Result<(), ServiceError> {
        let path = tx.area_path(id).await?;
        if path.is_empty() {
            return Err(ServiceError::NotFound(format!("area node {id}")));
        }
        extend_tree(tree, path)
    }

    /// Lets the command go on in `tx` when `who` administers an area in the charge of
    /// `in_charge` ([`Principal::administers_area`]); refuses it, audited, otherwise.
    async fn in_charge_of(
        &self,
        tx: Box<dyn Transaction>,
        who: &Principal,
        in_charge: Option<InstitutionId>,
        action: &str,
        resource: &str,
    ) -> Result<Box<dyn Transaction>, ServiceError> {
        let allowed = who.administers_area(in_charge, &self.deps.network.current());
        self.deps
            .permitted(tx, allowed, who, action, resource.to_owned(), NOT_IN_CHARGE)
            .await
    }

    /// As [`GridService::administered`], for the areas of the grids `loaded`.
    async fn grids_administered(
        &self,
        tx: Box<dyn Transaction>,
        who: &Principal,
        loaded: &[Versioned<Grid>],
        action: &str,
        resource: &str,
    ) -> Result<Box<dyn Transaction>, ServiceError> {
        let areas = loaded.iter().map(|g| g.value.area());
        self.administered(tx, who, &mut AreaTree::new(), areas, action, resource)
            .await
    }

    /// Loads `areas` into `tree` and lets the command go on in `tx` when `who` administers
    /// every one of them; refuses it, audited, otherwise.
    async fn administered(
        &self,
        mut tx: Box<dyn Transaction>,
        who: &Principal,
        tree: &mut AreaTree,
        areas: impl IntoIterator<Item = AreaNodeId>,
        action: &str,
        resource: &str,
    ) -> Result<Box<dyn Transaction>, ServiceError> {
        for area in areas.into_iter().collect::<BTreeSet<_>>() {
            if tree.node(area).is_err() {
                Self::area(&mut tx, tree, area).await?;
            }
            tx = self
                .in_charge_of(tx, who, tree.in_charge(area)?, action, resource)
                .await?;
        }
        Ok(tx)
    }

    /// The grids named, each of which must exist (retired ones are the domain's to refuse).
    async fn grids(
        tx: &mut Box<dyn Transaction>,
        ids: &[GridId],
    ) -> Result<Vec<Versioned<Grid>>, ServiceError> {
        let found = tx.load_grids(ids).await?;
        if let Some(missing) = ids
            .iter()
            .find(|id| !found.iter().any(|g| g.value.id() == **id))
        {
            return Err(ServiceError::NotFound(format!("grid {missing}")));
        }
        Ok(found)
    }

    /// Writes back every grid loaded at its version: the changed ones with their changes,
    /// the others with only their version bumped (households moved in or out).
    async fn save_grids(
        tx: &mut Box<dyn Transaction>,
        map: &GridMap,
        loaded: &[Versioned<Grid>],
    ) -> Result<Vec<Versioned<Grid>>, ServiceError> {
        let mut saved = Vec::with_capacity(loaded.len());
        for old in loaded {
            let grid = map
                .all_grids()
                .find(|g| g.id() == old.value.id())
                .unwrap_or(&old.value)
                .clone();
            let version = tx.update_grid(&grid, old.version).await?;
            saved.push(Versioned {
                value: grid,
                version,
            });
        }
        Ok(saved)
    }

    /// Inserts the grids `map` holds that were not loaded.
    async fn insert_new(
        tx: &mut Box<dyn Transaction>,
        map: &GridMap,
        ids: &[GridId],
    ) -> Result<Vec<Versioned<Grid>>, ServiceError> {
        let mut created = Vec::with_capacity(ids.len());
        for id in ids {
            let grid = map.grid(*id)?.clone();
            let version = tx.insert_grid(&grid).await?;
            created.push(Versioned {
                value: grid,
                version,
            });
        }
        Ok(created)
    }

    /// Adds a node to the area tree under its parent; its kind must fit the parent's.
    #[tracing::instrument(skip_all, fields(user = %who.user))]
    pub async fn add_area_node(
        &self,
        who: &Principal,
        cmd: NewArea,
    ) -> Result<AreaNode, ServiceError> {
        operator(who)?;
        let request = Request::new(&*self.deps.requests, who, &cmd.request_id, ADD_AREA, &cmd)?;
        let id = AreaNodeId::from_uuid(self.deps.ids.new_id());
        let name = text("name", &cmd.name, 200)?;
        if cmd.kind.names_its_charge()
            && let Some(institution) = cmd.institution
        {
            let network = self.deps.network.current();
            let kind = network
                .institution(institution)
                .map_err(|_| ServiceError::NotFound(format!("institution {institution}")))?
                .kind;
            may_be_in_charge(kind)?;
        }
        let now = self.deps.clock.now();
        let mut tx = self.deps.uow.begin().await?;
        if let Claim::Retry = claim(&mut tx, &request, id.as_uuid()).await? {
            abandon(tx).await;
            let first = AreaNodeId::from_uuid(self.deps.first_result(&request).await?);
            let path = self.deps.uow.begin().await?.area_path(first).await?;
            return path
                .into_iter()
                .last()
                .ok_or_else(|| ServiceError::NotFound(format!("area node {first}")));
        }
        let mut tree = AreaTree::new();
        // A township or subdistrict names its charge; a node below it inherits it when it
        // names none (another is the domain's to refuse); the county is in none.
        let names_its_own = cmd.kind.names_its_charge() || cmd.kind == AreaKind::County;
        let institution = match cmd.parent {
            Some(parent) => {
                Self::area(&mut tx, &mut tree, parent).await?;
                if names_its_own {
                    cmd.institution
                } else {
                    cmd.institution.or(tree.in_charge(parent)?)
                }
            }
            None => cmd.institution,
        };
        let node = AreaNode {
            id,
            name,
            kind: cmd.kind,
            parent: cmd.parent,
            institution,
        };
        let mut tx = self
            .in_charge_of(tx, who, institution, ADD_AREA, &format!("areas/{id}"))
            .await?;
        let ancestors: Vec<AreaNodeId> = cmd
            .parent
            .map(|p| tree.ancestors_and_self(p).collect())
            .unwrap_or_default();
        let events = tree.add(node.clone())?;
        tx.insert_area_node(&node, &ancestors).await?;
        self.deps
            .commit(
                tx,
                None,
                events,
                audit_entry(who, ADD_AREA, format!("areas/{}", node.id), None, now),
            )
            .await?;
        Ok(node)
    }

    /// The start of a command creating one grid: checks the caller and the input, opens the
    /// transaction and claims the request id; a retry gets the grid the first request made.
    async fn start_new_grid(
        &self,
        who: &Principal,
        request_id_raw: &str,
        command: &str,
        name: &str,
        area: AreaNodeId,
    ) -> Result<NewGridStart, ServiceError> {
        operator(who)?;
        let request = Request::new(
            &*self.deps.requests,
            who,
            request_id_raw,
            command,
            &(name, area),
        )?;
        let new = NewGrid {
            id: GridId::from_uuid(self.deps.ids.new_id()),
            name: text("name", name, 200)?,
            area,
        };
        let mut tx = self.deps.uow.begin().await?;
        if let Claim::Retry = claim(&mut tx, &request, new.id.as_uuid()).await? {
            abandon(tx).await;
            let first = GridId::from_uuid(self.deps.first_result(&request).await?);
            return Ok(NewGridStart::Retried(self.get_grid(first).await?));
        }
        Ok(NewGridStart::Fresh(tx, new))
    }

    /// Creates a grid over an area node.
    #[tracing::instrument(skip_all, fields(user = %who.user, area = %cmd.area))]
    pub async fn create_grid(
        &self,
        who: &Principal,
        cmd: CreateGrid,
    ) -> Result<Versioned<Grid>, ServiceError> {
        let (tx, new) = match self
            .start_new_grid(who, &cmd.request_id, CREATE, &cmd.name, cmd.area)
            .await?
        {
            NewGridStart::Fresh(tx, new) => (tx, new),
            NewGridStart::Retried(first) => return Ok(first),
        };
        let id = new.id;
        let now = self.deps.clock.now();
        let mut tree = AreaTree::new();
        let mut tx = self
            .administered(
                tx,
                who,
                &mut tree,
                [cmd.area],
                CREATE,
                &format!("grids/{id}"),
            )
            .await?;
        let mut map = GridMap::new();
        let events = map.create_grid(&tree, new)?;
        let created = Self::insert_new(&mut tx, &map, &[id]).await?;
        self.deps
            .commit(
                tx,
                None,
                events,
                audit_entry(who, CREATE, format!("grids/{id}"), None, now),
            )
            .await?;
        created
            .into_iter()
            .next()
            .ok_or_else(|| ServiceError::NotFound(format!("grid {id}")))
    }

    /// Registers a household in a grid. Idempotent on `request_id`.
    #[tracing::instrument(skip_all, fields(user = %who.user, grid = %cmd.grid))]
    pub async fn add_household(
        &self,
        who: &Principal,
        cmd: NewHousehold,
    ) -> Result<HouseholdRecord, ServiceError> {
        operator(who)?;
        let request = Request::new(
            &*self.deps.requests,
            who,
            &cmd.request_id,
            ADD_HOUSEHOLD,
            &cmd,
        )?;
        let household = HouseholdRecord {
            id: HouseholdId::from_uuid(self.deps.ids.new_id()),
            grid: cmd.grid,
            address: text("address", &cmd.address, 400)?,
        };
        let now = self.deps.clock.now();
        let mut tx = self.deps.uow.begin().await?;
        if let Claim::Retry = claim(&mut tx, &request, household.id.as_uuid()).await? {
            abandon(tx).await;
            let first = HouseholdId::from_uuid(self.deps.first_result(&request).await?);
            return self
                .deps
                .uow
                .begin()
                .await?
                .load_households(&[first])
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| ServiceError::NotFound(format!("household {first}")));
        }
        let loaded = Self::grids(&mut tx, &[cmd.grid]).await?;
        let mut tx = self
            .grids_administered(
                tx,
                who,
                &loaded,
                ADD_HOUSEHOLD,
                &format!("households/{}", household.id),
            )
            .await?;
        let mut map = GridMap::from_parts(loaded.iter().map(|g| g.value.clone()), [])?;
        let events = map.add_household(household.id, cmd.grid)?;
        tx.insert_households(std::slice::from_ref(&household))
            .await?;
        Self::save_grids(&mut tx, &map, &loaded).await?;
        self.deps
            .commit(
                tx,
                None,
                events,
                audit_entry(
                    who,
                    ADD_HOUSEHOLD,
                    format!("households/{}", household.id),
                    None,
                    now,
                ),
            )
            .await?;
        Ok(household)
    }

    /// Imports a batch of households: each row checked (its address, its grid active), any
    /// invalid row rejects the batch with every row's error, a valid batch is one transaction
    /// of multi-row inserts. Idempotent on `request_id`: a retry returns the same households.
    #[tracing::instrument(skip_all, fields(user = %who.user, rows = rows.len()))]
    pub async fn import_households(
        &self,
        who: &Principal,
        request_id_raw: &str,
        rows: &[HouseholdRow],
    ) -> Result<HouseholdImport, ServiceError> {
        operator(who)?;
        let request = Request::new(
            &*self.deps.requests,
            who,
            request_id_raw,
            IMPORT_HOUSEHOLDS,
            &rows,
        )?;
        batch_size(rows.len(), MAX_BATCH_ROWS)?;
        let base = self.deps.ids.new_id();
        let now = self.deps.clock.now();
        let mut tx = self.deps.uow.begin().await?;
        if let Claim::Retry = claim(&mut tx, &request, base).await? {
            abandon(tx).await;
            let first = self.deps.first_result(&request).await?;
            let ids: Vec<HouseholdId> = derived_ids(first, rows.len())
                .into_iter()
                .map(HouseholdId::from_uuid)
                .collect();
            let mut found = self.deps.uow.begin().await?.load_households(&ids).await?;
            found.sort_by_key(|h| ids.iter().position(|i| *i == h.id));
            return Ok(HouseholdImport {
                households: found,
                errors: Vec::new(),
            });
        }
        let wanted: Vec<GridId> = rows
            .iter()
            .map(|r| r.grid)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let loaded = tx.load_grids(&wanted).await?;
        let mut tx = self
            .grids_administered(
                tx,
                who,
                &loaded,
                IMPORT_HOUSEHOLDS,
                &format!("household-imports/{base}"),
            )
            .await?;
        let mut map = GridMap::from_parts(loaded.iter().map(|g| g.value.clone()), [])?;
        let mut errors = Vec::new();
        let mut households = Vec::with_capacity(rows.len());
        let mut events = Vec::with_capacity(rows.len());
        for (row, (input, id)) in rows.iter().zip(derived_ids(base, rows.len())).enumerate() {
            let id = HouseholdId::from_uuid(id);
            let address = match text("address", &input.address, 400) {
                Ok(a) => a,
                Err(e) => {
                    errors.push(RowError {
                        row,
                        field: "address",
                        reason: e.to_string(),
                    });
                    continue;
                }
            };
            match map.add_household(id, input.grid) {
                Ok(e) => events.extend(e),
                Err(e) => {
                    errors.push(RowError {
                        row,
                        field: "grid",
                        reason: e.to_string(),
                    });
                    continue;
                }
            }
            households.push(HouseholdRecord {
                id,
                grid: input.grid,
                address,
            });
        }
        if !errors.is_empty() {
            // Dropped: the request id's claim rolls back too, so the fixed batch can reuse it.
            abandon(tx).await;
            return Ok(HouseholdImport {
                households: Vec::new(),
                errors,
            });
        }
        tx.insert_households(&households).await?;
        Self::save_grids(&mut tx, &map, &loaded).await?;
        self.deps
            .commit(
                tx,
                None,
                events,
                audit_entry(
                    who,
                    IMPORT_HOUSEHOLDS,
                    format!("household-imports/{base}"),
                    None,
                    now,
                ),
            )
            .await?;
        Ok(HouseholdImport {
            households,
            errors: Vec::new(),
        })
    }

    /// Moves households into `to`, as one atomic operation; their residents' records follow.
    /// `expected` lists grid versions the caller saw (etags): if any grid involved has moved
    /// on since, nothing changes and the answer is `Conflict`. Returns the target grid.
    #[tracing::instrument(skip_all, fields(user = %who.user, %to, households = households.len()))]
    pub async fn reassign_households(
        &self,
        who: &Principal,
        households: &[HouseholdId],
        to: GridId,
        expected: &[(GridId, Version)],
    ) -> Result<Versioned<Grid>, ServiceError> {
        operator(who)?;
        households_arg(households)?;
        let now = self.deps.clock.now();
        let mut tx = self.deps.uow.begin().await?;
        let found = tx.load_households(households).await?;
        let involved: BTreeSet<GridId> = found.iter().map(|h| h.grid).chain([to]).collect();
        // The grids the caller saw are checked even when no household is in them any more
        // (a concurrent move took it out): that is the change the etag guards against.
        let wanted: Vec<GridId> = involved
            .iter()
            .copied()
            .chain(expected.iter().map(|(g, _)| *g))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut loaded = Self::grids(&mut tx, &wanted).await?;
        check_etags(&loaded, expected)?;
        loaded.retain(|g| involved.contains(&g.value.id()));
        let mut tx = self
            .grids_administered(tx, who, &loaded, REASSIGN, &format!("grids/{to}"))
            .await?;
        let mut map = GridMap::from_parts(
            loaded.iter().map(|g| g.value.clone()),
            found.iter().map(|h| (h.id, h.grid)),
        )?;
        let events = map.reassign(households, to)?;
        tx.move_households(households, to).await?;
        let saved = Self::save_grids(&mut tx, &map, &loaded).await?;
        self.deps
            .commit(
                tx,
                None,
                events,
                audit_entry(who, REASSIGN, format!("grids/{to}"), None, now),
            )
            .await?;
        saved
            .into_iter()
            .find(|g| g.value.id() == to)
            .ok_or_else(|| ServiceError::NotFound(format!("grid {to}")))
    }

    /// Splits a grid into new grids that together hold each of its households exactly once;
    /// the old grid is retired on `on`. Returns the new grids. Idempotent on `request_id`.
    #[tracing::instrument(skip_all, fields(user = %who.user, grid = %cmd.grid))]
    pub async fn split(
        &self,
        who: &Principal,
        cmd: SplitGrid,
    ) -> Result<Vec<Versioned<Grid>>, ServiceError> {
        operator(who)?;
        let request = Request::new(&*self.deps.requests, who, &cmd.request_id, SPLIT, &cmd)?;
        let names = cmd
            .parts
            .iter()
            .map(|p| text("parts.name", &p.name, 200))
            .collect::<Result<Vec<_>, _>>()?;
        let now = self.deps.clock.now();
        let base = self.deps.ids.new_id();
        let mut tx = self.deps.uow.begin().await?;
        if let Claim::Retry = claim(&mut tx, &request, base).await? {
            abandon(tx).await;
            let first = self.deps.first_result(&request).await?;
            let mut grids = Vec::new();
            for id in part_ids(first, cmd.parts.len()) {
                grids.push(self.get_grid(id).await?);
            }
            return Ok(grids);
        }
        let ids = part_ids(base, cmd.parts.len());
        let loaded = Self::grids(&mut tx, &[cmd.grid]).await?;
        check_etag(&loaded, cmd.grid, cmd.etag)?;
        let members = tx.households_of(cmd.grid).await?;
        let mut tree = AreaTree::new();
        let areas = loaded
            .iter()
            .map(|g| g.value.area())
            .chain(cmd.parts.iter().map(|p| p.area));
        let mut tx = self
            .administered(
                tx,
                who,
                &mut tree,
                areas,
                SPLIT,
                &format!("grids/{}", cmd.grid),
            )
            .await?;
        let mut map = GridMap::from_parts(
            loaded.iter().map(|g| g.value.clone()),
            members.iter().map(|h| (*h, cmd.grid)),
        )?;
        let parts = cmd
            .parts
            .iter()
            .zip(&ids)
            .zip(names)
            .map(|((part, id), name)| {
                (
                    NewGrid {
                        id: *id,
                        name,
                        area: part.area,
                    },
                    part.households.iter().copied().collect::<BTreeSet<_>>(),
                )
            })
            .collect();
        let events = map.split(&tree, cmd.grid, parts, cmd.on)?;
        let created = Self::insert_new(&mut tx, &map, &ids).await?;
        for (part, id) in cmd.parts.iter().zip(&ids) {
            tx.move_households(&part.households, *id).await?;
        }
        Self::save_grids(&mut tx, &map, &loaded).await?;
        self.deps
            .commit(
                tx,
                None,
                events,
                audit_entry(who, SPLIT, format!("grids/{}", cmd.grid), None, now),
            )
            .await?;
        Ok(created)
    }

    /// Merges grids into one new grid holding all their households; the old grids are
    /// retired on `on`. Idempotent on `request_id`.
    #[tracing::instrument(skip_all, fields(user = %who.user, grids = cmd.grids.len()))]
    pub async fn merge(
        &self,
        who: &Principal,
        cmd: MergeGrids,
    ) -> Result<Versioned<Grid>, ServiceError> {
        let (mut tx, into) = match self
            .start_new_grid(who, &cmd.request_id, MERGE, &cmd.name, cmd.area)
            .await?
        {
            NewGridStart::Fresh(tx, new) => (tx, new),
            NewGridStart::Retried(first) => return Ok(first),
        };
        let id = into.id;
        let now = self.deps.clock.now();
        let loaded = Self::grids(&mut tx, &cmd.grids).await?;
        check_etags(&loaded, &cmd.expected)?;
        let mut members = Vec::new();
        for grid in &loaded {
            let gid = grid.value.id();
            members.extend(tx.households_of(gid).await?.into_iter().map(|h| (h, gid)));
        }
        let mut tree = AreaTree::new();
        let areas = loaded.iter().map(|g| g.value.area()).chain([cmd.area]);
        let mut tx = self
            .administered(tx, who, &mut tree, areas, MERGE, &format!("grids/{id}"))
            .await?;
        let mut map = GridMap::from_parts(loaded.iter().map(|g| g.value.clone()), members)?;
        let events = map.merge(&tree, &cmd.grids, into, cmd.on)?;
        let created = Self::insert_new(&mut tx, &map, &[id]).await?;
        let moved: Vec<HouseholdId> = map.households_of(id).into_iter().collect();
        if !moved.is_empty() {
            tx.move_households(&moved, id).await?;
        }
        Self::save_grids(&mut tx, &map, &loaded).await?;
        self.deps
            .commit(
                tx,
                None,
                events,
                audit_entry(who, MERGE, format!("grids/{id}"), None, now),
            )
            .await?;
        created
            .into_iter()
            .next()
            .ok_or_else(|| ServiceError::NotFound(format!("grid {id}")))
    }

    /// Makes `team` responsible for `grid` from `from`, ending the current team's assignment
    /// that day. `etag`, when given, must be the grid's current version.
    #[tracing::instrument(skip_all, fields(user = %who.user, %grid, %team))]
    pub async fn assign_team(
        &self,
        who: &Principal,
        grid: GridId,
        team: TeamId,
        from: Date,
        etag: Option<Version>,
    ) -> Result<Versioned<Grid>, ServiceError> {
        operator(who)?;
        let now = self.deps.clock.now();
        let mut tx = self.deps.uow.begin().await?;
        let loaded = Self::grids(&mut tx, &[grid]).await?;
        check_etag(&loaded, grid, etag)?;
        let Some(found) = tx.load_team(team).await? else {
            return Err(ServiceError::NotFound(format!("team {team}")));
        };
        let mut tree = AreaTree::new();
        let areas: Vec<AreaNodeId> = loaded.iter().map(|g| g.value.area()).collect();
        let mut tx = self
            .administered(
                tx,
                who,
                &mut tree,
                areas.iter().copied(),
                ASSIGN_TEAM,
                &format!("grids/{grid}"),
            )
            .await?;
        for area in &areas {
            team_may_serve(
                found.value.institution(),
                tree.in_charge(*area)?,
                &self.deps.network.current(),
            )?;
        }
        let mut map = GridMap::from_parts(loaded.iter().map(|g| g.value.clone()), [])?;
        let events = map.assign_team(grid, team, from)?;
        let saved = Self::save_grids(&mut tx, &map, &loaded).await?;
        self.deps
            .commit(
                tx,
                None,
                events,
                audit_entry(who, ASSIGN_TEAM, format!("grids/{grid}"), None, now),
            )
            .await?;
        saved
            .into_iter()
            .next()
            .ok_or_else(|| ServiceError::NotFound(format!("grid {grid}")))
    }

    /// Ends the current team's responsibility for `grid` on `on`, leaving it without a team.
    #[tracing::instrument(skip_all, fields(user = %who.user, %grid))]
    pub async fn unassign_team(
        &self,
        who: &Principal,
        grid: GridId,
        on: Date,
        etag: Option<Version>,
    ) -> Result<Versioned<Grid>, ServiceError> {
        operator(who)?;
        let now = self.deps.clock.now();
        let mut tx = self.deps.uow.begin().await?;
        let loaded = Self::grids(&mut tx, &[grid]).await?;
        check_etag(&loaded, grid, etag)?;
        let mut tx = self
            .grids_administered(tx, who, &loaded, UNASSIGN_TEAM, &format!("grids/{grid}"))
            .await?;
        let mut map = GridMap::from_parts(loaded.iter().map(|g| g.value.clone()), [])?;
        let events = map.unassign_team(grid, on)?;
        let saved = Self::save_grids(&mut tx, &map, &loaded).await?;
        self.deps
            .commit(
                tx,
                None,
                events,
                audit_entry(who, UNASSIGN_TEAM, format!("grids/{grid}"), None, now),
            )
            .await?;
        saved
            .into_iter()
            .next()
            .ok_or_else(|| ServiceError::NotFound(format!("grid {grid}")))
    }
}
