//! `yigong.v1.NetworkService` over the service's cached network view: translation only.

use std::sync::Arc;

use tonic::{Request, Response, Status};
use yigong_domain::ids::{CommunityId, InstitutionId};
use yigong_domain::network::{Institution, MedicalCommunity, Network};
use yigong_proto::v1 as pb;
use yigong_proto::v1::network_service_server::NetworkService as NetworkApiTrait;
use yigong_service::{NetworkView, ServiceError};

use crate::status::{same_name, to_status};
use crate::wire::{code, name, parse_name, parse_optional_name, principal};

/// No renames: the network RPCs only report lookups that found nothing.
fn status(e: ServiceError) -> Status {
    to_status(e, same_name)
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
