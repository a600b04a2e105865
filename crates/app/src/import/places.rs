//! Grids and households named as a county's own files name them: a grid by its area path and
//! its name (`Anping County/Qiaotou/East Village/East Village grid`, as the areas file wrote
//! them), a household by its address within its grid. A UUID is taken as it is. Each name is
//! looked up once per import, through the grid use cases (so the importer must see what it
//! names, and the household reads are audited as any other).

use std::collections::HashMap;

use uuid::Uuid;
use yigong_domain::ids::{GridId, HouseholdId, TeamId};
use yigong_service::{GridService, Principal};

use super::{ImportError, Refusal};

/// The names met so far in one import.
pub(super) struct Places {
    grids: GridService,
    by_path: HashMap<String, Option<(GridId, Option<TeamId>)>>,
    addresses: HashMap<GridId, HashMap<String, Vec<HouseholdId>>>,
}

impl Places {
    pub(super) fn new(grids: GridService) -> Self {
        Self {
            grids,
            by_path: HashMap::new(),
            addresses: HashMap::new(),
        }
    }

    /// The grid at `path` (`area/path/grid name`) with the team serving it today, if there is
    /// one.
    pub(super) async fn grid_at(
        &mut self,
        path: &str,
    ) -> Result<Option<(GridId, Option<TeamId>)>, ImportError> {
        if let Some(found) = self.by_path.get(path) {
            return Ok(*found);
        }
        let names: Vec<&str> = path.split('/').map(str::trim).collect();
        let found = match names.split_last() {
            Some((name, area)) if !area.is_empty() && !name.is_empty() => {
                self.find(area, name).await?
            }
            _ => None,
        };
        self.by_path.insert(path.to_owned(), found);
        Ok(found)
    }

    async fn find(
        &self,
        path: &[&str],
        name: &str,
    ) -> Result<Option<(GridId, Option<TeamId>)>, ImportError> {
        let mut parent = None;
        for part in path {
            let found = self
                .grids
                .areas_under(parent)
                .await?
                .into_iter()
                .find(|a| a.name == *part);
            let Some(node) = found else {
                return Ok(None);
            };
            parent = Some(node.id);
        }
        let Some(area) = parent else {
            return Ok(None);
        };
        let today = self.grids.today();
        Ok(self
            .grids
            .grids_within(area)
            .await?
            .into_iter()
            .find(|g| g.value.area() == area && g.value.name() == name)
            .map(|g| (g.value.id(), g.value.team_on(today))))
    }

    /// The grid a `field` cell names: a UUID, or an area path and a grid name; `None` for an
    /// empty cell.
    pub(super) async fn grid(
        &mut self,
        field: &'static str,
        text: &str,
    ) -> Result<Result<Option<GridId>, Refusal>, ImportError> {
        if text.is_empty() {
            return Ok(Ok(None));
        }
        if let Ok(id) = Uuid::try_parse(text) {
            return Ok(Ok(Some(GridId::from_uuid(id))));
        }
        Ok(match self.grid_at(text).await? {
            Some((id, _)) => Ok(Some(id)),
            None => Err((
                field,
                format!("no grid {text:?} (a UUID, or the area path and the grid's name)"),
            )),
        })
    }

    /// The household a `field` cell names: a UUID, or its address in `grid`; `None` for an
    /// empty cell.
    pub(super) async fn household(
        &mut self,
        who: &Principal,
        field: &'static str,
        text: &str,
        grid: Option<GridId>,
    ) -> Result<Result<Option<HouseholdId>, Refusal>, ImportError> {
        if text.is_empty() {
            return Ok(Ok(None));
        }
        if let Ok(id) = Uuid::try_parse(text) {
            return Ok(Ok(Some(HouseholdId::from_uuid(id))));
        }
        let Some(grid) = grid else {
            return Ok(Err((
                field,
                "a household named by its address needs its grid".to_owned(),
            )));
        };
        if !self.addresses.contains_key(&grid) {
            let mut by_address: HashMap<String, Vec<HouseholdId>> = HashMap::new();
            for h in self.grids.households(who, grid).await? {
                by_address.entry(h.address).or_default().push(h.id);
            }
            self.addresses.insert(grid, by_address);
        }
        Ok(match self.addresses[&grid].get(text).map(Vec::as_slice) {
            Some([one]) => Ok(Some(*one)),
            Some(_) => Err((
                field,
                "two households of the grid have this address".to_owned(),
            )),
            None => Err((
                field,
                "no household of the grid has this address".to_owned(),
            )),
        })
    }
}
