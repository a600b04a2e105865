//! `yigong.v1.NetworkService`: reads from the service's cached network, commands through the
//! network use cases. Translation only.

use std::sync::Arc;

use tonic::{Request, Response, Status};
use yigong_domain::ids::{CommunityId, InstitutionId};
use yigong_domain::network::{Institution, MedicalCommunity, Network};
use yigong_proto::v1 as pb;
use yigong_proto::v1::network_service_server::NetworkService as NetworkApiTrait;
use yigong_service::{NetworkService, NewCommunity, NewInstitution, ServiceError};

use crate::status::{renamed, to_status};
use crate::wire::{
    code, date, invalid, name, parse_code, parse_name, parse_optional_name, principal,
};

/// The use cases name an institution's or community's name `name`; the wire, `display_name`.
fn status(e: ServiceError) -> Status {
    to_status(e, renamed(&[("name", "display_name")]))
}

/// The network RPCs (no patient data).
pub struct NetworkApi {
    network: Arc<NetworkService>,
}

impl NetworkApi {
    /// Serves the network use cases.
    pub fn new(network: Arc<NetworkService>) -> Self {
        Self { network }
    }

    fn institution_of(&self, id: InstitutionId) -> Result<pb::Institution, Status> {
        let n = self.network.network();
        let found = n
            .institution(id)
            .map_err(|e| status(ServiceError::NotFound(e.to_string())))?;
        Ok(institution(&n, found))
    }
}

/// The `institution` and `community` names of a membership request.
fn membership(
    community_name: &str,
    institution_name: &str,
) -> Result<(CommunityId, InstitutionId), Status> {
    Ok((
        CommunityId::from_uuid(parse_name("community", "communities", community_name)?),
        InstitutionId::from_uuid(parse_name("institution", "institutions", institution_name)?),
    ))
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
        close_date: n.closed_on(i.id).map(date),
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
        let n = self.network.network();
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
        Ok(Response::new(self.institution_of(id)?))
    }

    async fn list_communities(
        &self,
        request: Request<pb::ListCommunitiesRequest>,
    ) -> Result<Response<pb::ListCommunitiesResponse>, Status> {
        principal(&request)?;
        let n = self.network.network();
        Ok(Response::new(pb::ListCommunitiesResponse {
            communities: n.communities().map(community).collect(),
        }))
    }

    async fn create_institution(
        &self,
        request: Request<pb::CreateInstitutionRequest>,
    ) -> Result<Response<pb::Institution>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let cmd = NewInstitution {
            request_id: r.request_id,
            name: r.display_name,
            kind: parse_code("kind", &r.kind)?,
        };
        let created = self
            .network
            .register_institution(&who, cmd)
            .await
            .map_err(status)?;
        Ok(Response::new(self.institution_of(created.id)?))
    }

    async fn update_institution(
        &self,
        request: Request<pb::UpdateInstitutionRequest>,
    ) -> Result<Response<pb::Institution>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let given = r
            .institution
            .ok_or_else(|| invalid("institution", "required"))?;
        let id =
            InstitutionId::from_uuid(parse_name("institution.name", "institutions", &given.name)?);
        let paths = r.update_mask.map(|m| m.paths).unwrap_or_default();
        if paths.is_empty() {
            return Err(invalid(
                "update_mask",
                "name the fields to change: display_name",
            ));
        }
        if let Some(other) = paths.iter().find(|p| p.as_str() != "display_name") {
            return Err(invalid(
                "update_mask",
                format!(
                    "{} cannot be updated: display_name",
                    yigong_domain::text::excerpt(other)
                ),
            ));
        }
        self.network
            .rename_institution(&who, id, &given.display_name)
            .await
            .map_err(|e| to_status(e, renamed(&[("name", "institution.display_name")])))?;
        Ok(Response::new(self.institution_of(id)?))
    }

    async fn close_institution(
        &self,
        request: Request<pb::CloseInstitutionRequest>,
    ) -> Result<Response<pb::Institution>, Status> {
        let who = principal(&request)?;
        let id =
            InstitutionId::from_uuid(parse_name("name", "institutions", &request.get_ref().name)?);
        self.network
            .close_institution(&who, id)
            .await
            .map_err(status)?;
        Ok(Response::new(self.institution_of(id)?))
    }

    async fn create_community(
        &self,
        request: Request<pb::CreateCommunityRequest>,
    ) -> Result<Response<pb::Community>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let cmd = NewCommunity {
            request_id: r.request_id,
            name: r.display_name,
            lead: InstitutionId::from_uuid(parse_name("lead", "institutions", &r.lead)?),
        };
        let founded = self
            .network
            .found_community(&who, cmd)
            .await
            .map_err(status)?;
        Ok(Response::new(community(&founded)))
    }

    async fn add_community_member(
        &self,
        request: Request<pb::AddCommunityMemberRequest>,
    ) -> Result<Response<pb::Community>, Status> {
        let who = principal(&request)?;
        let r = request.get_ref();
        let (c, i) = membership(&r.community, &r.institution)?;
        let joined = self
            .network
            .join_community(&who, c, i)
            .await
            .map_err(status)?;
        Ok(Response::new(community(&joined)))
    }

    async fn remove_community_member(
        &self,
        request: Request<pb::RemoveCommunityMemberRequest>,
    ) -> Result<Response<pb::Community>, Status> {
        let who = principal(&request)?;
        let r = request.get_ref();
        let (c, i) = membership(&r.community, &r.institution)?;
        let left = self
            .network
            .leave_community(&who, c, i)
            .await
            .map_err(status)?;
        Ok(Response::new(community(&left)))
    }
}
