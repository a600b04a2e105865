//! `yigong.v1.GridService` (areas, grids and households) over `GridService` (the use cases):
//! translation only.

use tonic::{Request, Response, Status};
use yigong_domain::grid::{AreaNode, Grid};
use yigong_domain::ids::{AreaNodeId, GridId, HouseholdId, InstitutionId, TeamId};
use yigong_ports::{HouseholdRecord, Versioned};
use yigong_proto::v1 as pb;
use yigong_proto::v1::grid_service_server::GridService as GridApiTrait;
use yigong_service::{
    CreateGrid, GridService, MergeGrids, NewArea, NewHousehold, ServiceError, SplitGrid, SplitPart,
};

use crate::status::{renamed, to_status};
use crate::wire::{
    code, date, etag, invalid, name, parse_code, parse_date, parse_etag, parse_name,
    parse_optional_name, principal,
};

/// Field names as the grid use cases give them: no grid RPC renames any.
/// The use cases name an area's or grid's name `name`; the wire, `display_name`.
fn status(e: ServiceError) -> Status {
    to_status(
        e,
        renamed(&[
            ("name", "display_name"),
            ("parts.name", "parts.display_name"),
        ]),
    )
}

/// The grid and household RPCs.
pub struct GridApi {
    grids: GridService,
}

impl GridApi {
    /// Serves the use cases.
    pub fn new(grids: GridService) -> Self {
        Self { grids }
    }
}

fn grid(v: Versioned<Grid>, today: time::Date) -> pb::Grid {
    let g = &v.value;
    pb::Grid {
        name: name("grids", g.id()),
        display_name: g.name().to_owned(),
        area: name("areas", g.area()),
        team: g
            .team_on(today)
            .map(|t| name("teams", t))
            .unwrap_or_default(),
        retire_date: g.retired_on().map(date),
        etag: etag(v.version),
    }
}

#[tonic::async_trait]
impl GridApiTrait for GridApi {
    async fn list_grids(
        &self,
        request: Request<pb::ListGridsRequest>,
    ) -> Result<Response<pb::ListGridsResponse>, Status> {
        principal(&request)?;
        let r = request.into_inner();
        let today = self.grids.today();
        let found = match (r.area.is_empty(), r.team.is_empty()) {
            (false, true) => {
                let area = AreaNodeId::from_uuid(parse_name("area", "areas", &r.area)?);
                self.grids.grids_within(area).await
            }
            (true, false) => {
                let team = TeamId::from_uuid(parse_name("team", "teams", &r.team)?);
                self.grids.grids_of_team(team).await
            }
            _ => return Err(invalid("area", "name exactly one of area or team")),
        }
        .map_err(status)?;
        Ok(Response::new(pb::ListGridsResponse {
            grids: found.into_iter().map(|g| grid(g, today)).collect(),
        }))
    }

    async fn get_grid(
        &self,
        request: Request<pb::GetGridRequest>,
    ) -> Result<Response<pb::Grid>, Status> {
        principal(&request)?;
        let id = GridId::from_uuid(parse_name("name", "grids", &request.get_ref().name)?);
        let found = self.grids.get_grid(id).await.map_err(status)?;
        Ok(Response::new(grid(found, self.grids.today())))
    }

    async fn create_household(
        &self,
        request: Request<pb::CreateHouseholdRequest>,
    ) -> Result<Response<pb::Household>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let cmd = NewHousehold {
            request_id: r.request_id,
            grid: GridId::from_uuid(parse_name("grid", "grids", &r.grid)?),
            address: r.address,
        };
        let h = self.grids.add_household(&who, cmd).await.map_err(status)?;
        Ok(Response::new(household(h)))
    }

    async fn create_area(
        &self,
        request: Request<pb::CreateAreaRequest>,
    ) -> Result<Response<pb::Area>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let cmd = NewArea {
            request_id: r.request_id,
            name: r.display_name,
            kind: parse_code("kind", &r.kind)?,
            parent: parse_optional_name("parent", "areas", &r.parent)?.map(AreaNodeId::from_uuid),
            institution: parse_optional_name("institution", "institutions", &r.institution)?
                .map(InstitutionId::from_uuid),
        };
        let node = self.grids.add_area_node(&who, cmd).await.map_err(status)?;
        Ok(Response::new(area(node)))
    }

    async fn list_households(
        &self,
        request: Request<pb::ListHouseholdsRequest>,
    ) -> Result<Response<pb::ListHouseholdsResponse>, Status> {
        let who = principal(&request)?;
        let grid = GridId::from_uuid(parse_name("parent", "grids", &request.get_ref().parent)?);
        let found = self.grids.households(&who, grid).await.map_err(status)?;
        Ok(Response::new(pb::ListHouseholdsResponse {
            households: found.into_iter().map(household).collect(),
        }))
    }

    async fn get_household(
        &self,
        request: Request<pb::GetHouseholdRequest>,
    ) -> Result<Response<pb::Household>, Status> {
        let who = principal(&request)?;
        let id = HouseholdId::from_uuid(parse_name("name", "households", &request.get_ref().name)?);
        let found = self.grids.household(&who, id).await.map_err(status)?;
        Ok(Response::new(household(found)))
    }

    async fn list_areas(
        &self,
        request: Request<pb::ListAreasRequest>,
    ) -> Result<Response<pb::ListAreasResponse>, Status> {
        principal(&request)?;
        let parent = parse_optional_name("parent", "areas", &request.get_ref().parent)?
            .map(AreaNodeId::from_uuid);
        let nodes = self.grids.areas_under(parent).await.map_err(status)?;
        Ok(Response::new(pb::ListAreasResponse {
            areas: nodes.into_iter().map(area).collect(),
        }))
    }

    async fn get_area(
        &self,
        request: Request<pb::GetAreaRequest>,
    ) -> Result<Response<pb::Area>, Status> {
        principal(&request)?;
        let id = AreaNodeId::from_uuid(parse_name("name", "areas", &request.get_ref().name)?);
        let node = self.grids.get_area(id).await.map_err(status)?;
        Ok(Response::new(area(node)))
    }

    async fn create_grid(
        &self,
        request: Request<pb::CreateGridRequest>,
    ) -> Result<Response<pb::Grid>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let cmd = CreateGrid {
            request_id: r.request_id,
            name: r.display_name,
            area: AreaNodeId::from_uuid(parse_name("area", "areas", &r.area)?),
        };
        let created = self.grids.create_grid(&who, cmd).await.map_err(status)?;
        Ok(Response::new(grid(created, self.grids.today())))
    }

    async fn assign_grid_team(
        &self,
        request: Request<pb::AssignGridTeamRequest>,
    ) -> Result<Response<pb::Grid>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let id = GridId::from_uuid(parse_name("name", "grids", &r.name)?);
        let from = parse_date("effective_date", r.effective_date)?;
        let etag = parse_etag(&r.etag)?;
        let updated = match parse_optional_name("team", "teams", &r.team)? {
            Some(team) => {
                self.grids
                    .assign_team(&who, id, TeamId::from_uuid(team), from, etag)
                    .await
            }
            None => self.grids.unassign_team(&who, id, from, etag).await,
        }
        .map_err(status)?;
        Ok(Response::new(grid(updated, self.grids.today())))
    }

    async fn reassign_households(
        &self,
        request: Request<pb::ReassignHouseholdsRequest>,
    ) -> Result<Response<pb::Grid>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let households = names(&r.households, "households", "households")?
            .into_iter()
            .map(HouseholdId::from_uuid)
            .collect::<Vec<_>>();
        let to = GridId::from_uuid(parse_name("grid", "grids", &r.grid)?);
        let expected = grid_etags(&r.etags)?;
        let moved = self
            .grids
            .reassign_households(&who, &households, to, &expected)
            .await
            .map_err(status)?;
        Ok(Response::new(grid(moved, self.grids.today())))
    }

    async fn split_grid(
        &self,
        request: Request<pb::SplitGridRequest>,
    ) -> Result<Response<pb::SplitGridResponse>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let mut parts = Vec::with_capacity(r.parts.len());
        for (i, p) in r.parts.into_iter().enumerate() {
            parts.push(SplitPart {
                name: p.display_name,
                area: AreaNodeId::from_uuid(parse_name(
                    &format!("parts[{i}].area"),
                    "areas",
                    &p.area,
                )?),
                households: names(
                    &p.households,
                    &format!("parts[{i}].households"),
                    "households",
                )?
                .into_iter()
                .map(HouseholdId::from_uuid)
                .collect(),
            });
        }
        let cmd = SplitGrid {
            request_id: r.request_id,
            grid: GridId::from_uuid(parse_name("name", "grids", &r.name)?),
            etag: parse_etag(&r.etag)?,
            parts,
            on: parse_date("effective_date", r.effective_date)?,
        };
        let today = self.grids.today();
        let created = self.grids.split(&who, cmd).await.map_err(status)?;
        Ok(Response::new(pb::SplitGridResponse {
            grids: created.into_iter().map(|g| grid(g, today)).collect(),
        }))
    }

    async fn merge_grids(
        &self,
        request: Request<pb::MergeGridsRequest>,
    ) -> Result<Response<pb::Grid>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let cmd = MergeGrids {
            request_id: r.request_id,
            grids: names(&r.grids, "grids", "grids")?
                .into_iter()
                .map(GridId::from_uuid)
                .collect(),
            expected: grid_etags(&r.etags)?,
            name: r.display_name,
            area: AreaNodeId::from_uuid(parse_name("area", "areas", &r.area)?),
            on: parse_date("effective_date", r.effective_date)?,
        };
        let merged = self.grids.merge(&who, cmd).await.map_err(status)?;
        Ok(Response::new(grid(merged, self.grids.today())))
    }
}

/// Resource names of one collection, each error naming its element (`households[3]`).
fn names(values: &[String], field: &str, collection: &str) -> Result<Vec<uuid::Uuid>, Status> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| parse_name(&format!("{field}[{i}]"), collection, v))
        .collect()
}

/// The `(grid, version)` pins of a multi-grid change.
fn grid_etags(etags: &[pb::GridEtag]) -> Result<Vec<(GridId, i64)>, Status> {
    etags
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let grid =
                GridId::from_uuid(parse_name(&format!("etags[{i}].grid"), "grids", &e.grid)?);
            let version = parse_etag(&e.etag)?
                .ok_or_else(|| invalid(&format!("etags[{i}].etag"), "required"))?;
            Ok((grid, version))
        })
        .collect()
}

fn area(node: AreaNode) -> pb::Area {
    pb::Area {
        name: name("areas", node.id),
        display_name: node.name,
        kind: code(&node.kind),
        parent: node.parent.map(|p| name("areas", p)).unwrap_or_default(),
        institution: node
            .institution
            .map(|i| name("institutions", i))
            .unwrap_or_default(),
    }
}

fn household(h: HouseholdRecord) -> pb::Household {
    pb::Household {
        name: name("households", h.id),
        grid: name("grids", h.grid),
        address: h.address,
    }
}
