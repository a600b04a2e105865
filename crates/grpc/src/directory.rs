//! `yigong.v1.NetworkService`, `TeamService` and `GridService` over the network, team and grid
//! use cases: translation only.

use std::sync::Arc;

use tonic::{Request, Response, Status};
use yigong_domain::contract::{Contract, ContractStatus, Package, Team, TeamMember};
use yigong_domain::grid::Grid;
use yigong_domain::ids::{
    AreaNodeId, CommunityId, ContractId, GridId, HouseholdId, InstitutionId, ResidentId, TeamId,
    WorkerId,
};
use yigong_domain::network::{Institution, MedicalCommunity, Network};
use yigong_ports::Versioned;
use yigong_proto::v1 as pb;
use yigong_proto::v1::grid_service_server::GridService as GridApiTrait;
use yigong_proto::v1::network_service_server::NetworkService as NetworkApiTrait;
use yigong_proto::v1::team_service_server::TeamService as TeamApiTrait;
use yigong_service::{
    CreateGrid, GridService, MergeGrids, NetworkView, NewArea, NewContract, NewHousehold, NewTeam,
    ServiceError, SplitGrid, SplitPart, TeamService,
};

use crate::status::to_status;
use crate::wire::{
    code, date, etag, invalid, name, parse_code, parse_date, parse_etag, parse_name,
    parse_optional_name, principal,
};

fn status(e: ServiceError) -> Status {
    to_status(e, |f| match f {
        "start" => "start_date".to_owned(),
        "package.code" => "package".to_owned(),
        other => other.to_owned(),
    })
}

/// The network RPCs: read from the service's cached network (no patient data).
pub struct NetworkApi {
    network: Arc<NetworkView>,
}

impl NetworkApi {
    /// Serves the cached network.
    pub fn new(network: Arc<NetworkView>) -> Self {
        Self { network }
    }
}

fn institution(n: &Network, i: &Institution) -> pb::Institution {
    pb::Institution {
        name: name("institutions", i.id),
        display_name: i.name.clone(),
        kind: code(&i.kind),
        community: n
            .community_of(i.id)
            .map(|c| name("communities", c.id()))
            .unwrap_or_default(),
    }
}

fn community(c: &MedicalCommunity) -> pb::Community {
    pb::Community {
        name: name("communities", c.id()),
        display_name: c.name().to_owned(),
        lead: name("institutions", c.lead()),
        members: c
            .members()
            .iter()
            .map(|m| name("institutions", m))
            .collect(),
    }
}

#[tonic::async_trait]
impl NetworkApiTrait for NetworkApi {
    async fn list_institutions(
        &self,
        request: Request<pb::ListInstitutionsRequest>,
    ) -> Result<Response<pb::ListInstitutionsResponse>, Status> {
        principal(&request)?;
        let r = request.into_inner();
        let n = self.network.current();
        let only = parse_optional_name("community", "communities", &r.community)?
            .map(CommunityId::from_uuid);
        if let Some(c) = only {
            n.community(c)
                .map_err(|e| status(ServiceError::NotFound(e.to_string())))?;
        }
        let mut institutions: Vec<pb::Institution> = n
            .institutions()
            .filter(|i| only.is_none_or(|c| n.community_of(i.id).is_some_and(|m| m.id() == c)))
            .map(|i| institution(&n, i))
            .collect();
        institutions.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        Ok(Response::new(pb::ListInstitutionsResponse { institutions }))
    }

    async fn get_institution(
        &self,
        request: Request<pb::GetInstitutionRequest>,
    ) -> Result<Response<pb::Institution>, Status> {
        principal(&request)?;
        let id =
            InstitutionId::from_uuid(parse_name("name", "institutions", &request.get_ref().name)?);
        let n = self.network.current();
        let found = n
            .institution(id)
            .map_err(|e| status(ServiceError::NotFound(e.to_string())))?;
        Ok(Response::new(institution(&n, found)))
    }

    async fn list_communities(
        &self,
        request: Request<pb::ListCommunitiesRequest>,
    ) -> Result<Response<pb::ListCommunitiesResponse>, Status> {
        principal(&request)?;
        let n = self.network.current();
        Ok(Response::new(pb::ListCommunitiesResponse {
            communities: n.communities().map(community).collect(),
        }))
    }
}

/// The team and contract RPCs.
pub struct TeamApi {
    teams: TeamService,
}

impl TeamApi {
    /// Serves the use cases.
    pub fn new(teams: TeamService) -> Self {
        Self { teams }
    }
}

fn team(v: Versioned<Team>) -> pb::Team {
    let t = &v.value;
    pb::Team {
        name: name("teams", t.id()),
        display_name: t.name().to_owned(),
        institution: name("institutions", t.institution()),
        lead: name("workers", t.lead()),
        members: t
            .members()
            .iter()
            .map(|m| pb::TeamMember {
                worker: name("workers", m.worker),
                role: code(&m.role),
            })
            .collect(),
        etag: etag(v.version),
    }
}

fn contract(v: Versioned<Contract>) -> pb::Contract {
    let c = &v.value;
    pb::Contract {
        name: name("contracts", c.id()),
        resident: name("residents", c.resident()),
        team: name("teams", c.team()),
        doctor: c.doctor().map(|d| name("workers", d)).unwrap_or_default(),
        package: match c.package() {
            Package::Basic => "basic".to_owned(),
            Package::Personalized { code } => code.clone(),
        },
        start_date: Some(date(c.start())),
        end_date: Some(date(c.end())),
        status: match c.status() {
            ContractStatus::Current => "current",
            ContractStatus::Renewed { .. } => "renewed",
            ContractStatus::Switched { .. } => "switched",
            ContractStatus::Terminated { .. } => "terminated",
        }
        .to_owned(),
        etag: etag(v.version),
    }
}

#[tonic::async_trait]
impl TeamApiTrait for TeamApi {
    async fn list_teams(
        &self,
        request: Request<pb::ListTeamsRequest>,
    ) -> Result<Response<pb::ListTeamsResponse>, Status> {
        principal(&request)?;
        let id = InstitutionId::from_uuid(parse_name(
            "institution",
            "institutions",
            &request.get_ref().institution,
        )?);
        let teams = self.teams.teams_of(id).await.map_err(status)?;
        Ok(Response::new(pb::ListTeamsResponse {
            teams: teams.into_iter().map(team).collect(),
        }))
    }

    async fn get_team(
        &self,
        request: Request<pb::GetTeamRequest>,
    ) -> Result<Response<pb::Team>, Status> {
        principal(&request)?;
        let id = TeamId::from_uuid(parse_name("name", "teams", &request.get_ref().name)?);
        let found = self.teams.get_team(id).await.map_err(status)?;
        Ok(Response::new(team(found)))
    }

    async fn create_contract(
        &self,
        request: Request<pb::CreateContractRequest>,
    ) -> Result<Response<pb::Contract>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let months = months(r.months)?;
        let cmd = NewContract {
            request_id: r.request_id,
            resident: ResidentId::from_uuid(parse_name("resident", "residents", &r.resident)?),
            team: TeamId::from_uuid(parse_name("team", "teams", &r.team)?),
            doctor: parse_optional_name("doctor", "workers", &r.doctor)?.map(WorkerId::from_uuid),
            package: package(&r.package),
            start: parse_date("start_date", r.start_date)?,
            months,
        };
        let signed = self.teams.sign(&who, cmd).await.map_err(status)?;
        Ok(Response::new(contract(signed)))
    }

    async fn list_contracts(
        &self,
        request: Request<pb::ListContractsRequest>,
    ) -> Result<Response<pb::ListContractsResponse>, Status> {
        let who = principal(&request)?;
        let resident = ResidentId::from_uuid(parse_name(
            "resident",
            "residents",
            &request.get_ref().resident,
        )?);
        let contracts = self
            .teams
            .contracts_of(&who, resident)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListContractsResponse {
            contracts: contracts.into_iter().map(contract).collect(),
        }))
    }

    async fn create_team(
        &self,
        request: Request<pb::CreateTeamRequest>,
    ) -> Result<Response<pb::Team>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let mut members = Vec::with_capacity(r.members.len());
        for (i, m) in r.members.iter().enumerate() {
            members.push(TeamMember {
                worker: WorkerId::from_uuid(parse_name(
                    &format!("members[{i}].worker"),
                    "workers",
                    &m.worker,
                )?),
                role: parse_code(&format!("members[{i}].role"), &m.role)?,
            });
        }
        let cmd = NewTeam {
            request_id: r.request_id,
            name: r.display_name,
            institution: InstitutionId::from_uuid(parse_name(
                "institution",
                "institutions",
                &r.institution,
            )?),
            lead: WorkerId::from_uuid(parse_name("lead", "workers", &r.lead)?),
            members,
        };
        let formed = self.teams.form_team(&who, cmd).await.map_err(status)?;
        Ok(Response::new(team(formed)))
    }

    async fn renew_contract(
        &self,
        request: Request<pb::RenewContractRequest>,
    ) -> Result<Response<pb::ContractSuccession>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let id = ContractId::from_uuid(parse_name("name", "contracts", &r.name)?);
        let on = parse_date("renew_date", r.renew_date)?;
        let succession = self
            .teams
            .renew(
                &who,
                &r.request_id,
                id,
                on,
                months(r.months)?,
                parse_etag(&r.etag)?,
            )
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ContractSuccession {
            old: Some(contract(succession.old)),
            new: Some(contract(succession.new)),
        }))
    }

    async fn switch_contract_team(
        &self,
        request: Request<pb::SwitchContractTeamRequest>,
    ) -> Result<Response<pb::ContractSuccession>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let id = ContractId::from_uuid(parse_name("name", "contracts", &r.name)?);
        let etag = parse_etag(&r.etag)?;
        let current = self.teams.contract_by_id(&who, id).await.map_err(status)?;
        let cmd = NewContract {
            request_id: r.request_id,
            resident: current.value.resident(),
            team: TeamId::from_uuid(parse_name("team", "teams", &r.team)?),
            doctor: parse_optional_name("doctor", "workers", &r.doctor)?.map(WorkerId::from_uuid),
            package: package(&r.package),
            start: parse_date("start_date", r.start_date)?,
            months: months(r.months)?,
        };
        let succession = self
            .teams
            .switch_team(&who, id, cmd, etag)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ContractSuccession {
            old: Some(contract(succession.old)),
            new: Some(contract(succession.new)),
        }))
    }

    async fn terminate_contract(
        &self,
        request: Request<pb::TerminateContractRequest>,
    ) -> Result<Response<pb::Contract>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let id = ContractId::from_uuid(parse_name("name", "contracts", &r.name)?);
        let ended = self
            .teams
            .terminate(
                &who,
                id,
                parse_date("end_date", r.end_date)?,
                parse_code("reason", &r.reason)?,
                parse_etag(&r.etag)?,
            )
            .await
            .map_err(status)?;
        Ok(Response::new(contract(ended)))
    }
}

/// A contract period in months; 0 means the profile's default.
fn months(m: u32) -> Result<Option<u8>, Status> {
    match m {
        0 => Ok(None),
        m => u8::try_from(m)
            .map(Some)
            .map_err(|_| invalid("months", "at most 255")),
    }
}

/// `basic` (or empty) is the basic package; anything else a personalized package's code.
fn package(p: &str) -> Package {
    match p {
        "" | "basic" => Package::Basic,
        other => Package::Personalized {
            code: other.to_owned(),
        },
    }
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
        Ok(Response::new(pb::Household {
            name: name("households", h.id),
            grid: name("grids", h.grid),
            address: h.address,
        }))
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
        };
        let node = self.grids.add_area_node(&who, cmd).await.map_err(status)?;
        Ok(Response::new(pb::Area {
            name: name("areas", node.id),
            display_name: node.name,
            kind: code(&node.kind),
            parent: node.parent.map(|p| name("areas", p)).unwrap_or_default(),
        }))
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
