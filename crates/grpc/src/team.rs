//! `yigong.v1.TeamService` (teams and family-doctor contracts) over `TeamService` (the use
//! cases): translation only.

use tonic::{Request, Response, Status};
use yigong_domain::contract::{Contract, Package, Team, TeamMember};
use yigong_domain::ids::{ContractId, InstitutionId, ResidentId, TeamId, WorkerId};
use yigong_ports::Versioned;
use yigong_proto::v1 as pb;
use yigong_proto::v1::team_service_server::TeamService as TeamApiTrait;
use yigong_service::{NewContract, NewTeam, ServiceError, TeamService};

use crate::status::{renamed, to_status};
use crate::wire::{
    code, date, etag, invalid, name, parse_code, parse_date, parse_etag, parse_name,
    parse_optional_name, principal,
};

/// Use-case field names as the team and contract RPCs spell them (`NewContract.start` is the
/// request's `start_date`; a personalized package's code is the request's `package`).
const RENAMES: &[(&str, &str)] = &[
    ("start", "start_date"),
    ("package.code", "package"),
    ("name", "display_name"),
];

fn status(e: ServiceError) -> Status {
    to_status(e, renamed(RENAMES))
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

pub(crate) fn contract(v: Versioned<Contract>) -> pb::Contract {
    let c = &v.value;
    pb::Contract {
        name: name("contracts", c.id()),
        resident: name("residents", c.resident()),
        team: name("teams", c.team()),
        doctor: c.doctor().map(|d| name("workers", d)).unwrap_or_default(),
        package: c.package().code().to_owned(),
        start_date: Some(date(c.start())),
        end_date: Some(date(c.end())),
        status: c.status().code().to_owned(),
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
            package: Package::from_code(&r.package),
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
            package: Package::from_code(&r.package),
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
