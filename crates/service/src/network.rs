//! The county network: register institutions, found medical communities, join them.
//!
//! Authorization reads the network on every request, so the service keeps it in memory
//! ([`crate::access::NetworkView`]) and replaces it after each change it commits. Commands never trust the
//! cache: they load the network inside their transaction and validate against that, and the
//! store's conditional updates refuse a change another instance made meanwhile.

use std::sync::Arc;

use yigong_domain::ids::{CommunityId, InstitutionId};
use yigong_domain::network::{Institution, InstitutionKind, MedicalCommunity, Network};
use yigong_ports::Transaction;

use crate::access::operator_only;
use crate::deps::{Claim, Request, abandon, audit_entry, claim, text};
use crate::{Deps, Principal, ServiceError};

const REGISTER_INSTITUTION: &str = "network.register_institution";
const FOUND_COMMUNITY: &str = "network.found_community";
const JOIN_COMMUNITY: &str = "network.join_community";
const RENAME_INSTITUTION: &str = "network.rename_institution";
const CLOSE_INSTITUTION: &str = "network.close_institution";
const LEAVE_COMMUNITY: &str = "network.leave_community";

/// A new institution of the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInstitution {
    /// The client's request id: a retry with the same id returns the first result.
    pub request_id: String,
    /// Its name.
    pub name: String,
    /// Its kind (which fixes its level).
    pub kind: InstitutionKind,
}

/// A new medical community led by a county hospital.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCommunity {
    /// The client's request id.
    pub request_id: String,
    /// Its name.
    pub name: String,
    /// The county general or TCM hospital leading it.
    pub lead: InstitutionId,
}

/// The institution `id` of `network`; `NotFound` when it has none.
fn known(network: &Network, id: InstitutionId) -> Result<&Institution, ServiceError> {
    network
        .institution(id)
        .map_err(|_| ServiceError::NotFound(format!("institution {id}")))
}

/// The network use cases: county operators shape the network; everyone reads it.
pub struct NetworkService {
    deps: Deps,
}

fn operator(who: &Principal) -> Result<(), ServiceError> {
    operator_only(who, "the network")
}

impl NetworkService {
    /// Builds the service over its ports.
    pub fn new(deps: Deps) -> Self {
        Self { deps }
    }

    /// Lets the command go on in `tx` when `who` may shape the network
    /// ([`Principal::may_shape_network`], against the network just loaded); refuses it,
    /// audited, otherwise.
    async fn county_wide(
        &self,
        tx: Box<dyn Transaction>,
        who: &Principal,
        network: &Network,
        action: &str,
        resource: String,
    ) -> Result<Box<dyn Transaction>, ServiceError> {
        let allowed = who.may_shape_network(network);
        let reason = "only county operators change the network";
        self.deps
            .permitted(tx, allowed, who, action, resource, reason)
            .await
    }

    /// A county-wide command's transaction and the network loaded in it, once `who` is known
    /// to be allowed to shape the network ([`NetworkService::county_wide`]).
    async fn county_tx(
        &self,
        who: &Principal,
        action: &str,
        resource: &str,
    ) -> Result<(Box<dyn Transaction>, Network), ServiceError> {
        operator(who)?;
        let mut tx = self.deps.uow.begin().await?;
        let network = tx.load_network().await?;
        let tx = self
            .county_wide(tx, who, &network, action, resource.to_owned())
            .await?;
        Ok((tx, network))
    }

    /// The network as this instance knows it.
    pub fn network(&self) -> Arc<Network> {
        self.deps.network.current()
    }

    /// Reloads the network and its teams from storage (at start-up, and when another instance
    /// changed them).
    pub async fn refresh(&self) -> Result<Arc<Network>, ServiceError> {
        let network = self.deps.directory.network().await?;
        let mut teams = std::collections::HashMap::new();
        for institution in network.institutions() {
            for team in self.deps.directory.teams_of(institution.id).await? {
                teams.insert(team.value.id(), institution.id);
            }
        }
        self.deps.network.replace(network);
        self.deps.network.replace_teams(teams);
        Ok(self.deps.network.current())
    }

    /// Registers an institution. Idempotent on `request_id`.
    #[tracing::instrument(skip_all, fields(user = %who.user))]
    pub async fn register_institution(
        &self,
        who: &Principal,
        cmd: NewInstitution,
    ) -> Result<Institution, ServiceError> {
        operator(who)?;
        let request = Request::new(
            &*self.deps.requests,
            who,
            &cmd.request_id,
            REGISTER_INSTITUTION,
            &cmd,
        )?;
        let institution = Institution {
            id: InstitutionId::from_uuid(self.deps.ids.new_id()),
            name: text("name", &cmd.name, 200)?,
            kind: cmd.kind,
        };
        let now = self.deps.clock.now();
        let mut tx = self.deps.uow.begin().await?;
        let id = institution.id;
        if let Claim::Retry = claim(&mut tx, &request, id.as_uuid()).await? {
            abandon(tx).await;
            let first = InstitutionId::from_uuid(self.deps.first_result(&request).await?);
            return Ok(self.refresh().await?.institution(first)?.clone());
        }
        let mut network = tx.load_network().await?;
        let mut tx = self
            .county_wide(
                tx,
                who,
                &network,
                REGISTER_INSTITUTION,
                format!("institutions/{id}"),
            )
            .await?;
        let events = network.add_institution(institution.clone())?;
        tx.insert_institution(&institution).await?;
        self.deps
            .commit(
                tx,
                None,
                events,
                audit_entry(
                    who,
                    REGISTER_INSTITUTION,
                    format!("institutions/{id}"),
                    None,
                    now,
                ),
            )
            .await?;
        self.deps.network.replace(network);
        Ok(institution)
    }

    /// Founds a community led by a county general or TCM hospital that leads no other.
    /// Idempotent on `request_id`.
    #[tracing::instrument(skip_all, fields(user = %who.user, lead = %cmd.lead))]
    pub async fn found_community(
        &self,
        who: &Principal,
        cmd: NewCommunity,
    ) -> Result<MedicalCommunity, ServiceError> {
        operator(who)?;
        let request = Request::new(
            &*self.deps.requests,
            who,
            &cmd.request_id,
            FOUND_COMMUNITY,
            &cmd,
        )?;
        let name = text("name", &cmd.name, 200)?;
        let id = CommunityId::from_uuid(self.deps.ids.new_id());
        let now = self.deps.clock.now();
        let mut tx = self.deps.uow.begin().await?;
        if let Claim::Retry = claim(&mut tx, &request, id.as_uuid()).await? {
            abandon(tx).await;
            let first = CommunityId::from_uuid(self.deps.first_result(&request).await?);
            return Ok(self.refresh().await?.community(first)?.clone());
        }
        let mut network = tx.load_network().await?;
        let mut tx = self
            .county_wide(
                tx,
                who,
                &network,
                FOUND_COMMUNITY,
                format!("communities/{id}"),
            )
            .await?;
        known(&network, cmd.lead)?;
        let events = network.found_community(id, &name, cmd.lead)?;
        let community = network.community(id)?.clone();
        tx.insert_community(&community).await?;
        self.deps
            .commit(
                tx,
                Some(id),
                events,
                audit_entry(who, FOUND_COMMUNITY, format!("communities/{id}"), None, now),
            )
            .await?;
        self.deps.network.replace(network);
        Ok(community)
    }

    /// Makes an institution a member of a community. Joining the community it is already in
    /// succeeds and changes nothing, so a retry is safe.
    #[tracing::instrument(skip_all, fields(user = %who.user, %community, %institution))]
    pub async fn join_community(
        &self,
        who: &Principal,
        community: CommunityId,
        institution: InstitutionId,
    ) -> Result<MedicalCommunity, ServiceError> {
        operator(who)?;
        let now = self.deps.clock.now();
        let mut tx = self.deps.uow.begin().await?;
        let mut network = tx.load_network().await?;
        let mut tx = self
            .county_wide(
                tx,
                who,
                &network,
                JOIN_COMMUNITY,
                format!("communities/{community}/members/{institution}"),
            )
            .await?;
        known(&network, institution)?;
        network
            .community(community)
            .map_err(|_| ServiceError::NotFound(format!("community {community}")))?;
        if network
            .community_of(institution)
            .is_some_and(|c| c.id() == community)
        {
            abandon(tx).await;
            self.deps.network.replace(network.clone());
            return Ok(network.community(community)?.clone());
        }
        let events = network.join(community, institution)?;
        tx.join_community(institution, community).await?;
        self.deps
            .commit(
                tx,
                Some(community),
                events,
                audit_entry(
                    who,
                    JOIN_COMMUNITY,
                    format!("communities/{community}/members/{institution}"),
                    None,
                    now,
                ),
            )
            .await?;
        let joined = network.community(community)?.clone();
        self.deps.network.replace(network);
        Ok(joined)
    }

    /// Renames an institution. Naming it what it is called already changes nothing.
    #[tracing::instrument(skip_all, fields(user = %who.user, %institution))]
    pub async fn rename_institution(
        &self,
        who: &Principal,
        institution: InstitutionId,
        name: &str,
    ) -> Result<Institution, ServiceError> {
        let name = text("name", name, 200)?;
        let resource = format!("institutions/{institution}");
        let now = self.deps.clock.now();
        let (mut tx, mut network) = self.county_tx(who, RENAME_INSTITUTION, &resource).await?;
        if known(&network, institution)?.name == name {
            abandon(tx).await;
            return self.settled(network, institution);
        }
        let events = network.rename(institution, &name)?;
        tx.rename_institution(institution, &name).await?;
        let entry = audit_entry(who, RENAME_INSTITUTION, resource, None, now);
        self.deps.commit(tx, None, events, entry).await?;
        self.settled(network, institution)
    }

    /// Closes an institution from today: it keeps its history and membership and takes no
    /// new member, referral or sign-in. Closing a closed institution changes nothing.
    #[tracing::instrument(skip_all, fields(user = %who.user, %institution))]
    pub async fn close_institution(
        &self,
        who: &Principal,
        institution: InstitutionId,
    ) -> Result<Institution, ServiceError> {
        let resource = format!("institutions/{institution}");
        let now = self.deps.clock.now();
        let (mut tx, mut network) = self.county_tx(who, CLOSE_INSTITUTION, &resource).await?;
        known(&network, institution)?;
        if network.closed_on(institution).is_some() {
            abandon(tx).await;
            return self.settled(network, institution);
        }
        let events = network.close(institution, now.date())?;
        tx.close_institution(institution, now.date()).await?;
        let entry = audit_entry(who, CLOSE_INSTITUTION, resource, None, now);
        self.deps.commit(tx, None, events, entry).await?;
        self.settled(network, institution)
    }

    /// Takes a member out of its community (the lead cannot leave). Leaving a community it is
    /// not in, when it is in none, changes nothing, so a retry is safe.
    #[tracing::instrument(skip_all, fields(user = %who.user, %community, %institution))]
    pub async fn leave_community(
        &self,
        who: &Principal,
        community: CommunityId,
        institution: InstitutionId,
    ) -> Result<MedicalCommunity, ServiceError> {
        let resource = format!("communities/{community}/members/{institution}");
        let now = self.deps.clock.now();
        let (mut tx, mut network) = self.county_tx(who, LEAVE_COMMUNITY, &resource).await?;
        known(&network, institution)?;
        network
            .community(community)
            .map_err(|_| ServiceError::NotFound(format!("community {community}")))?;
        if network.community_of(institution).is_none() {
            abandon(tx).await;
            self.deps.network.replace(network.clone());
            return Ok(network.community(community)?.clone());
        }
        let events = network.leave(community, institution)?;
        tx.leave_community(institution, community).await?;
        let entry = audit_entry(who, LEAVE_COMMUNITY, resource, None, now);
        self.deps.commit(tx, Some(community), events, entry).await?;
        let left = network.community(community)?.clone();
        self.deps.network.replace(network);
        Ok(left)
    }

    /// Caches `network` (just committed or found current) and returns `institution` of it.
    fn settled(
        &self,
        network: Network,
        institution: InstitutionId,
    ) -> Result<Institution, ServiceError> {
        let found = network.institution(institution)?.clone();
        self.deps.network.replace(network);
        Ok(found)
    }
}
