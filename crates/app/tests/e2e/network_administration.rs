//! The county's own network over the API: a county operator registers institutions of every
//! kind, renames and closes one, founds a community, adds and removes members; every bad
//! input is INVALID_ARGUMENT naming its field, every broken rule FAILED_PRECONDITION, and
//! only county operators may do any of it. A closed institution's tokens are refused.

use tonic::{Code, Request};
use yigong_proto::v1 as pb;
use yigong_proto::v1::network_service_client::NetworkServiceClient;

use crate::support::{TestApp, field_of, rule_of, token_for};

const COUNTY_OP: &str = "TOKEN_OPERATOR";

fn create(request_id: &str, name: &str, kind: &str) -> pb::CreateInstitutionRequest {
    pb::CreateInstitutionRequest {
        request_id: request_id.to_owned(),
        display_name: name.to_owned(),
        kind: kind.to_owned(),
    }
}

fn member(community: &str, institution: &str) -> pb::AddCommunityMemberRequest {
    pb::AddCommunityMemberRequest {
        community: community.to_owned(),
        institution: institution.to_owned(),
    }
}

fn rename(name: &str, display_name: &str, paths: &[&str]) -> pb::UpdateInstitutionRequest {
    pb::UpdateInstitutionRequest {
        institution: Some(pb::Institution {
            name: name.to_owned(),
            display_name: display_name.to_owned(),
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
        }),
    }
}

pub async fn network_administration(s: &TestApp) {
    let mut network = NetworkServiceClient::new(s.channel.clone());
    let county = s.institution(COUNTY_OP);
    let home = network
        .get_institution(s.as_(
            COUNTY_OP,
            pb::GetInstitutionRequest {
                name: county.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .community;
    let other = network
        .list_communities(s.as_(COUNTY_OP, pb::ListCommunitiesRequest {}))
        .await
        .unwrap()
        .into_inner()
        .communities
        .into_iter()
        .find(|c| c.name != home)
        .unwrap()
        .name;

    // Bad input names its field; nothing is registered.
    for (request, field) in [
        (create("r-1", "", "private_clinic"), "display_name"),
        (
            create("r-1", "\u{200b}\u{200b}", "private_clinic"),
            "display_name",
        ),
        (create("r-1", "Clinic", "hospital"), "kind"),
        (create("", "Clinic", "private_clinic"), "request_id"),
    ] {
        let refused = network
            .create_institution(s.as_(COUNTY_OP, request))
            .await
            .unwrap_err();
        assert_eq!(field_of(&refused), field);
    }
    let not_county = network
        .create_institution(s.as_("TOKEN_TOWNSHIP", create("r-x", "Clinic", "private_clinic")))
        .await
        .unwrap_err();
    assert_eq!(not_county.code(), Code::PermissionDenied, "{not_county:?}");

    // Every kind registers; a retry returns the first.
    let request_id = uuid::Uuid::new_v4().to_string();
    let clinic = network
        .create_institution(s.as_(
            COUNTY_OP,
            create(&request_id, "Heping Clinic", "private_clinic"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (clinic.kind.as_str(), clinic.community.as_str()),
        ("private_clinic", "")
    );
    let again = network
        .create_institution(s.as_(
            COUNTY_OP,
            create(&request_id, "Heping Clinic", "private_clinic"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again, clinic);
    let care = network
        .create_institution(s.as_(
            COUNTY_OP,
            create(
                &uuid::Uuid::new_v4().to_string(),
                "Kangning Care Home",
                "medical_elderly_care",
            ),
        ))
        .await
        .unwrap()
        .into_inner();

    // Membership: one community at most; joining its own again changes nothing.
    for _ in 0..2 {
        let joined = network
            .add_community_member(s.as_(COUNTY_OP, member(&home, &clinic.name)))
            .await
            .unwrap()
            .into_inner();
        assert!(joined.members.contains(&clinic.name));
    }
    let elsewhere = network
        .add_community_member(s.as_(COUNTY_OP, member(&other, &clinic.name)))
        .await
        .unwrap_err();
    assert_eq!(rule_of(&elsewhere), "NET-ONE-COMMUNITY");
    let bad_name = network
        .add_community_member(s.as_(COUNTY_OP, member(&home, "clinics/1")))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad_name), "institution");
    let unknown = network
        .add_community_member(s.as_(
            COUNTY_OP,
            member(&home, &format!("institutions/{}", uuid::Uuid::new_v4())),
        ))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound, "{unknown:?}");
    network
        .add_community_member(s.as_(COUNTY_OP, member(&home, &care.name)))
        .await
        .unwrap();
    let removed = network
        .remove_community_member(s.as_(
            COUNTY_OP,
            pb::RemoveCommunityMemberRequest {
                community: home.clone(),
                institution: care.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!removed.members.contains(&care.name));
    let lead_leaves = network
        .remove_community_member(s.as_(
            COUNTY_OP,
            pb::RemoveCommunityMemberRequest {
                community: home.clone(),
                institution: county.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(rule_of(&lead_leaves), "NET-LEAD");

    // Rename with a field mask.
    let renamed = network
        .update_institution(s.as_(
            COUNTY_OP,
            rename(&clinic.name, "Heping Street Clinic", &["display_name"]),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(renamed.display_name, "Heping Street Clinic");
    for (request, field) in [
        (rename(&clinic.name, "X", &[]), "update_mask"),
        (rename(&clinic.name, "X", &["kind"]), "update_mask"),
        (
            rename(&clinic.name, " ", &["display_name"]),
            "institution.display_name",
        ),
        (
            rename("institutions/x", "X", &["display_name"]),
            "institution.name",
        ),
    ] {
        let refused = network
            .update_institution(s.as_(COUNTY_OP, request))
            .await
            .unwrap_err();
        assert_eq!(field_of(&refused), field);
    }

    // Closing: the lead cannot; a member can, keeps its community, and its tokens stop working.
    let lead_closes = network
        .close_institution(s.as_(
            COUNTY_OP,
            pb::CloseInstitutionRequest {
                name: county.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(rule_of(&lead_closes), "NET-LEAD");
    let token = token_for(&clinic, None);
    let as_clinic = || {
        let mut request = Request::new(pb::ListCommunitiesRequest {});
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        request
    };
    network.list_communities(as_clinic()).await.unwrap();
    let closed = network
        .close_institution(s.as_(
            COUNTY_OP,
            pb::CloseInstitutionRequest {
                name: clinic.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(closed.close_date.is_some());
    assert_eq!(closed.community, home, "its history stays in the community");
    let signed_in = network.list_communities(as_clinic()).await.unwrap_err();
    assert_eq!(signed_in.code(), Code::Unauthenticated, "{signed_in:?}");
    let rejoin = network
        .add_community_member(s.as_(COUNTY_OP, member(&other, &care.name)))
        .await;
    assert!(
        rejoin.is_ok(),
        "an open institution may join another community"
    );

    // A community is led by a county general or TCM hospital leading no other.
    let community = |lead: &str| pb::CreateCommunityRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        display_name: "Third Medical Community".into(),
        lead: lead.to_owned(),
    };
    let led_by_clinic = network
        .create_community(s.as_(COUNTY_OP, community(&care.name)))
        .await
        .unwrap_err();
    assert_eq!(rule_of(&led_by_clinic), "NET-LEAD");
    let hospital = network
        .create_institution(s.as_(
            COUNTY_OP,
            create(
                &uuid::Uuid::new_v4().to_string(),
                "County Second People's Hospital",
                "county_general_hospital",
            ),
        ))
        .await
        .unwrap()
        .into_inner();
    let third = network
        .create_community(s.as_(COUNTY_OP, community(&hospital.name)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (third.lead.as_str(), third.members.len()),
        (hospital.name.as_str(), 1)
    );
    let no_name = network
        .create_community(s.as_(
            COUNTY_OP,
            pb::CreateCommunityRequest {
                display_name: String::new(),
                ..community(&hospital.name)
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&no_name), "display_name");
}
