//! Family doctor teams and contracts: form a team, sign, renew, switch and terminate a
//! resident's contract, read a resident's contracts.
//!
//! "One contract in force per resident" is checked by the domain against the resident's latest
//! contract; two concurrent contract commands for one resident are serialized by bumping the
//! resident record's version in the same transaction, so only one of them can commit.

use time::Date;
use yigong_domain::contract::{
    Contract, Package, SignContract, Team, TeamMember, TerminationReason,
};
use yigong_domain::ids::{ContractId, InstitutionId, ResidentId, TeamId, WorkerId};
use yigong_ports::{PatientRecord, Transaction, Version, Versioned};

use crate::deps::{Claim, Request, abandon, audit_entry, claim, text};
use crate::{Deps, Principal, ServiceError};

const FORM_TEAM: &str = "team.form";
const SIGN: &str = "contract.sign";
const RENEW: &str = "contract.renew";
const SWITCH: &str = "contract.switch_team";
const TERMINATE: &str = "contract.terminate";
const LIST: &str = "contract.list";
const GET: &str = "contract.get";

/// A new family doctor team of an institution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTeam {
    /// The client's request id.
    pub request_id: String,
    /// Its name.
    pub name: String,
    /// The institution it belongs to.
    pub institution: InstitutionId,
    /// Its lead (a member in a lead role).
    pub lead: WorkerId,
    /// Its members ("3+1+N" per the profile).
    pub members: Vec<TeamMember>,
}

/// A contract to sign between a resident and one of the caller's institution's teams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContract {
    /// The client's request id.
    pub request_id: String,
    /// The resident.
    pub resident: ResidentId,
    /// The team.
    pub team: TeamId,
    /// The responsible doctor, a member of the team.
    pub doctor: Option<WorkerId>,
    /// The service package.
    pub package: Package,
    /// First day in force.
    pub start: Date,
    /// Length in months (the profile's default when absent).
    pub months: Option<u8>,
}

/// A contract and the one that succeeded it (renewal or team switch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Succession {
    /// The contract succeeded, now renewed or switched.
    pub old: Versioned<Contract>,
    /// Its successor, in force from the old one's end.
    pub new: Versioned<Contract>,
}

/// The team and contract use cases.
pub struct TeamService {
    deps: Deps,
}

fn package(p: Package) -> Result<Package, ServiceError> {
    match p {
        Package::Basic => Ok(Package::Basic),
        Package::Personalized { code } => Ok(Package::Personalized {
            code: text("package.code", &code, 64)?,
        }),
    }
}

fn check_etag(c: &Versioned<Contract>, etag: Option<Version>) -> Result<(), ServiceError> {
    match etag {
        Some(expected) if expected != c.version => Err(ServiceError::Conflict(format!(
            "contract {} is at version {}, not {expected}",
            c.value.id(),
            c.version
        ))),
        _ => Ok(()),
    }
}

impl TeamService {
    /// Builds the service over its ports.
    pub fn new(deps: Deps) -> Self {
        Self { deps }
    }

    /// Forms a team in the "3+1+N" shape the profile requires. Operators form teams of their
    /// own institution, or of any member of the community their institution leads.
    #[tracing::instrument(skip_all, fields(user = %who.user, institution = %cmd.institution))]
    pub async fn form_team(
        &self,
        who: &Principal,
        cmd: NewTeam,
    ) -> Result<Versioned<Team>, ServiceError> {
        let network = self.deps.network.current();
        network
            .institution(cmd.institution)
            .map_err(|e| ServiceError::InvalidArgument {
                field: "institution",
                reason: e.to_string(),
            })?;
        if !who.administers(cmd.institution, &network) {
            return Err(ServiceError::PermissionDenied(
                "teams are formed by the institution's operators or its community lead's"
                    .to_owned(),
            ));
        }
        let request = Request::new(&*self.deps.requests, who, &cmd.request_id, FORM_TEAM, &cmd)?;
        let name = text("name", &cmd.name, 200)?;
        let id = TeamId::from_uuid(self.deps.ids.new_id());
        let (team, events) = Team::form(
            id,
            &name,
            cmd.institution,
            cmd.lead,
            cmd.members,
            &self.deps.profile,
        )?;
        let now = self.deps.clock.now();
        let mut tx = self.deps.uow.begin().await?;
        if let Claim::Retry = claim(&mut tx, &request, id.as_uuid()).await? {
            abandon(tx).await;
            let first = TeamId::from_uuid(self.deps.first_result(&request).await?);
            return self.get_team(first).await;
        }
        let version = tx.insert_team(&team).await?;
        let community = network.community_of(cmd.institution).map(|c| c.id());
        self.deps
            .commit(
                tx,
                community,
                events,
                audit_entry(who, FORM_TEAM, format!("teams/{id}"), None, now),
            )
            .await?;
        self.deps.network.add_team(id, cmd.institution);
        Ok(Versioned {
            value: team,
            version,
        })
    }

    /// A team.
    pub async fn get_team(&self, id: TeamId) -> Result<Versioned<Team>, ServiceError> {
        self.deps
            .directory
            .get_team(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("team {id}")))
    }

    /// The teams based at an institution, by name.
    pub async fn teams_of(
        &self,
        institution: InstitutionId,
    ) -> Result<Vec<Versioned<Team>>, ServiceError> {
        Ok(self.deps.directory.teams_of(institution).await?)
    }

    /// Loads the resident for a contract command and takes the per-resident lock; callers
    /// who may not see the record get `NotFound` (as for every unseen record), audited.
    async fn resident(
        &self,
        tx: Box<dyn Transaction>,
        who: &Principal,
        id: ResidentId,
        action: &str,
    ) -> Result<(Box<dyn Transaction>, PatientRecord), ServiceError> {
        let (mut tx, found) = self.deps.patient_in(tx, who, id, action).await?;
        tx.lock_resident(id, found.version).await?;
        Ok((tx, found.value))
    }

    /// The team, which must belong to the caller's institution (a refusal is audited).
    async fn own_team(
        &self,
        mut tx: Box<dyn Transaction>,
        who: &Principal,
        id: TeamId,
        action: &str,
        patient: ResidentId,
    ) -> Result<(Box<dyn Transaction>, Team), ServiceError> {
        let Some(team) = tx.load_team(id).await? else {
            return Err(ServiceError::NotFound(format!("team {id}")));
        };
        if team.value.institution() != who.institution {
            let reason = "contracts are signed with a team of the caller's institution";
            let resource = format!("teams/{id}");
            return Err(self
                .deps
                .forbidden(Some(tx), who, action, resource, patient, reason)
                .await);
        }
        Ok((tx, team.value))
    }

    /// The contract with its resident locked; `NotFound` when unseen (audited, naming the
    /// contract only: an unseen contract's resident is not told).
    async fn contract(
        &self,
        mut tx: Box<dyn Transaction>,
        who: &Principal,
        id: ContractId,
        etag: Option<Version>,
        action: &str,
    ) -> Result<(Box<dyn Transaction>, Versioned<Contract>), ServiceError> {
        let resource = format!("contracts/{id}");
        let what = format!("contract {id}");
        let Some(contract) = tx.load_contract(id).await? else {
            return Err(self
                .deps
                .unseen_in(tx, who, action, resource, None, what)
                .await);
        };
        let patient = contract.value.resident();
        match tx.load_resident(patient).await? {
            Some(r)
                if self
                    .deps
                    .access()
                    .sees_patient(who, patient, &r.value.scope)
                    .await? =>
            {
                tx.lock_resident(patient, r.version).await?;
            }
            _ => {
                return Err(self
                    .deps
                    .unseen_in(tx, who, action, resource, patient, what)
                    .await);
            }
        }
        check_etag(&contract, etag)?;
        Ok((tx, contract))
    }

    /// A contract the caller may see (through its resident), read in a transaction that is
    /// rolled back; the command that follows is what is audited (a refusal is, here).
    pub async fn contract_by_id(
        &self,
        who: &Principal,
        id: ContractId,
    ) -> Result<Versioned<Contract>, ServiceError> {
        let tx = self.deps.uow.begin().await?;
        let (_, contract) = self.contract(tx, who, id, None, GET).await?;
        Ok(contract)
    }

    /// Commits a contract command with its events and its audit entry (patient data).
    async fn finish(
        &self,
        tx: Box<dyn Transaction>,
        who: &Principal,
        action: &str,
        contract: &Contract,
        events: Vec<yigong_domain::contract::ContractEvent>,
    ) -> Result<(), ServiceError> {
        let entry = audit_entry(
            who,
            action,
            format!("contracts/{}", contract.id()),
            Some(contract.resident()),
            self.deps.clock.now(),
        );
        self.deps.commit(tx, who.community, events, entry).await
    }

    /// Signs a contract; refused while the resident holds another contract in force on the
    /// start date. Idempotent on `request_id`.
    #[tracing::instrument(skip_all, fields(user = %who.user, resident = %cmd.resident))]
    pub async fn sign(
        &self,
        who: &Principal,
        cmd: NewContract,
    ) -> Result<Versioned<Contract>, ServiceError> {
        let request = Request::new(&*self.deps.requests, who, &cmd.request_id, SIGN, &cmd)?;
        let id = ContractId::from_uuid(self.deps.ids.new_id());
        let sign = SignContract {
            id,
            resident: cmd.resident,
            doctor: cmd.doctor,
            package: package(cmd.package)?,
            start: cmd.start,
            months: cmd.months,
        };
        let mut tx = self.deps.uow.begin().await?;
        if let Claim::Retry = claim(&mut tx, &request, id.as_uuid()).await? {
            abandon(tx).await;
            let first = ContractId::from_uuid(self.deps.first_result(&request).await?);
            // Read in a transaction of its own (rolled back): the claiming one holds a lock.
            let tx = self.deps.uow.begin().await?;
            return Ok(self.contract(tx, who, first, None, SIGN).await?.1);
        }
        let (tx, _) = self.resident(tx, who, cmd.resident, SIGN).await?;
        let (mut tx, team) = self.own_team(tx, who, cmd.team, SIGN, cmd.resident).await?;
        let latest = tx.latest_contract(cmd.resident).await?;
        let (contract, events) = Contract::sign(
            sign,
            &team,
            latest.as_ref().map(|c| &c.value),
            &self.deps.profile,
        )?;
        let version = tx.insert_contract(&contract).await?;
        self.finish(tx, who, SIGN, &contract, events).await?;
        Ok(Versioned {
            value: contract,
            version,
        })
    }

    /// Renews a contract with the same team inside its renewal window; the renewal starts the
    /// day the old one ends. Idempotent on `request_id`.
    #[tracing::instrument(skip_all, fields(user = %who.user, %contract))]
    pub async fn renew(
        &self,
        who: &Principal,
        request_id_raw: &str,
        contract: ContractId,
        on: Date,
        months: Option<u8>,
        etag: Option<Version>,
    ) -> Result<Succession, ServiceError> {
        let request = Request::new(
            &*self.deps.requests,
            who,
            request_id_raw,
            RENEW,
            &(contract, on, months),
        )?;
        let new_id = ContractId::from_uuid(self.deps.ids.new_id());
        let mut tx = self.deps.uow.begin().await?;
        if let Claim::Retry = claim(&mut tx, &request, new_id.as_uuid()).await? {
            abandon(tx).await;
            let first = ContractId::from_uuid(self.deps.first_result(&request).await?);
            // Read in a transaction of its own (rolled back): the claiming one holds a lock.
            let tx = self.deps.uow.begin().await?;
            let (tx, new) = self.contract(tx, who, first, None, RENEW).await?;
            let (_, old) = self.contract(tx, who, contract, None, RENEW).await?;
            return Ok(Succession { old, new });
        }
        let (tx, old) = self.contract(tx, who, contract, etag, RENEW).await?;
        let (mut tx, team) = self
            .own_team(tx, who, old.value.team(), RENEW, old.value.resident())
            .await?;
        let (renewed, renewal, events) =
            old.value
                .clone()
                .renew(new_id, on, months, &team, &self.deps.profile)?;
        let old_version = tx.update_contract(&renewed, old.version).await?;
        let new_version = tx.insert_contract(&renewal).await?;
        self.finish(tx, who, RENEW, &renewal, events).await?;
        Ok(Succession {
            old: Versioned {
                value: renewed,
                version: old_version,
            },
            new: Versioned {
                value: renewal,
                version: new_version,
            },
        })
    }

    /// Replaces a contract at its renewal with one with another team of the caller's
    /// institution. `cmd.resident` must be the contract's resident. Idempotent on
    /// `request_id`.
    #[tracing::instrument(skip_all, fields(user = %who.user, %contract))]
    pub async fn switch_team(
        &self,
        who: &Principal,
        contract: ContractId,
        cmd: NewContract,
        etag: Option<Version>,
    ) -> Result<Succession, ServiceError> {
        let request = Request::new(&*self.deps.requests, who, &cmd.request_id, SWITCH, &cmd)?;
        let new_id = ContractId::from_uuid(self.deps.ids.new_id());
        let mut tx = self.deps.uow.begin().await?;
        if let Claim::Retry = claim(&mut tx, &request, new_id.as_uuid()).await? {
            abandon(tx).await;
            let first = ContractId::from_uuid(self.deps.first_result(&request).await?);
            // Read in a transaction of its own (rolled back): the claiming one holds a lock.
            let tx = self.deps.uow.begin().await?;
            let (tx, new) = self.contract(tx, who, first, None, SWITCH).await?;
            let (_, old) = self.contract(tx, who, contract, None, SWITCH).await?;
            return Ok(Succession { old, new });
        }
        let (tx, old) = self.contract(tx, who, contract, etag, SWITCH).await?;
        if old.value.resident() != cmd.resident {
            return Err(ServiceError::InvalidArgument {
                field: "resident",
                reason: "is not the contract's resident".to_owned(),
            });
        }
        let (mut tx, team) = self
            .own_team(tx, who, cmd.team, SWITCH, cmd.resident)
            .await?;
        let (switched, new, events) = old.value.clone().switch_team(
            SignContract {
                id: new_id,
                resident: cmd.resident,
                doctor: cmd.doctor,
                package: package(cmd.package)?,
                start: cmd.start,
                months: cmd.months,
            },
            &team,
            &self.deps.profile,
        )?;
        let old_version = tx.update_contract(&switched, old.version).await?;
        let new_version = tx.insert_contract(&new).await?;
        self.finish(tx, who, SWITCH, &new, events).await?;
        Ok(Succession {
            old: Versioned {
                value: switched,
                version: old_version,
            },
            new: Versioned {
                value: new,
                version: new_version,
            },
        })
    }

    /// Terminates a contract in force (the resident's request, a move, a death).
    #[tracing::instrument(skip_all, fields(user = %who.user, %contract))]
    pub async fn terminate(
        &self,
        who: &Principal,
        contract: ContractId,
        on: Date,
        reason: TerminationReason,
        etag: Option<Version>,
    ) -> Result<Versioned<Contract>, ServiceError> {
        let tx = self.deps.uow.begin().await?;
        let (mut tx, old) = self.contract(tx, who, contract, etag, TERMINATE).await?;
        let (ended, events) = old.value.terminate(on, reason)?;
        let version = tx.update_contract(&ended, old.version).await?;
        self.finish(tx, who, TERMINATE, &ended, events).await?;
        Ok(Versioned {
            value: ended,
            version,
        })
    }

    /// A resident's contracts, latest first; the read is audited.
    #[tracing::instrument(skip_all, fields(user = %who.user, %resident))]
    pub async fn contracts_of(
        &self,
        who: &Principal,
        resident: ResidentId,
    ) -> Result<Vec<Versioned<Contract>>, ServiceError> {
        self.deps.visible_patient(who, resident, LIST).await?;
        let contracts = self.deps.directory.contracts_of(resident).await?;
        self.deps
            .audit
            .record(&audit_entry(
                who,
                LIST,
                format!("residents/{resident}/contracts"),
                Some(resident),
                self.deps.clock.now(),
            ))
            .await?;
        Ok(contracts)
    }
}
