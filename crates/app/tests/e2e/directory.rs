//! The directory over the API: communities, institutions, teams, grids, households, grid-level
//! access of village doctors, a resident moving house (AIP-134 update with a mask) and a
//! contract another township cannot list.

use time::{Date, Duration, OffsetDateTime};
use tonic::{Code, Request};
use yigong_proto::v1 as pb;
use yigong_proto::v1::grid_service_client::GridServiceClient;
use yigong_proto::v1::network_service_client::NetworkServiceClient;
use yigong_proto::v1::resident_service_client::ResidentServiceClient;
use yigong_proto::v1::team_service_client::TeamServiceClient;

use crate::support::{
    DATA_KEYS, KEY, TestApp, citizen_id, day, field_of, household_in, token_for, village_clinic,
};

/// The directory: communities, institutions, teams, grids, a household and a contract.
pub async fn directory(s: &TestApp, patient: &str) {
    let township = "TOKEN_TOWNSHIP";
    let mut network = NetworkServiceClient::new(s.channel.clone());
    let mut teams = TeamServiceClient::new(s.channel.clone());
    let mut grids = GridServiceClient::new(s.channel.clone());

    let communities = network
        .list_communities(s.as_(township, pb::ListCommunitiesRequest {}))
        .await
        .unwrap()
        .into_inner()
        .communities;
    assert_eq!(communities.len(), 2);
    let ours = communities
        .iter()
        .find(|c| c.members.contains(&s.institution(township)))
        .unwrap();
    let members = network
        .list_institutions(s.as_(
            township,
            pb::ListInstitutionsRequest {
                community: ours.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .institutions;
    assert_eq!(members.len(), ours.members.len());
    assert!(ours.members.contains(&ours.lead));
    let county = network
        .get_institution(s.as_(
            township,
            pb::GetInstitutionRequest {
                name: ours.lead.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(county.kind, "county_general_hospital");

    let mut both_teams = teams
        .list_teams(s.as_(
            township,
            pb::ListTeamsRequest {
                institution: s.institution(township),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .teams;
    let other_team = both_teams.remove(1);
    let team = both_teams.remove(0);
    let served = grids_of_team(s, &team.name).await;
    assert!(!served.is_empty());
    assert!(served.iter().all(|g| g.team == team.name));
    let both = grids
        .list_grids(s.as_(
            township,
            pb::ListGridsRequest {
                team: team.name.clone(),
                area: served[0].area.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&both), "area");
    let household = household_in(s, &served[0].name, "No. 77, East Lane").await;
    assert_eq!(household.grid, served[0].name);

    // A resident of that household: the village doctor on the team serving the grid sees the
    // record; on the township's other team, not.
    let today = OffsetDateTime::now_utc().date();
    let neighbour = ResidentServiceClient::new(s.channel.clone())
        .create_resident(s.as_(
            township,
            pb::CreateResidentRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                document: Some(pb::create_resident_request::Document::CitizenId(
                    citizen_id(Date::from_calendar_date(1949, time::Month::October, 1).unwrap()),
                )),
                household: household.name.clone(),
                resident_since: day(today - Duration::days(9000)),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(neighbour.grid, served[0].name);
    let village = village_clinic(s).await;
    for (team, visible) in [(&team, true), (&other_team, false)] {
        let token = token_for(&village, Some(&team.name));
        let mut request = Request::new(pb::GetResidentRequest {
            name: neighbour.name.clone(),
            ..Default::default()
        });
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        let read = ResidentServiceClient::new(s.channel.clone())
            .get_resident(request)
            .await;
        match visible {
            true => assert_eq!(read.unwrap().into_inner().name, neighbour.name),
            false => assert_eq!(read.unwrap_err().code(), Code::NotFound),
        }
    }

    // The team is the network's word: a token of another township naming this township's
    // team is refused however well signed, and the CLI refuses to mint it (the same command
    // mints the township's own).
    let other = pb::Institution {
        name: s.institution("TOKEN_OTHER_TOWNSHIP"),
        ..Default::default()
    };
    let forged = token_for(&other, Some(&team.name));
    let mut request = Request::new(pb::GetResidentRequest {
        name: neighbour.name.clone(),
        ..Default::default()
    });
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {forged}").parse().unwrap());
    let refused = ResidentServiceClient::new(s.channel.clone())
        .get_resident(request)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated, "{refused:?}");
    let mint = |institution: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_yigong"))
            .args(["token", "issue", "--user", "dr-wang", "--role", "clinician"])
            .args([
                "--institution",
                institution.trim_start_matches("institutions/"),
            ])
            .args(["--team", team.name.trim_start_matches("teams/")])
            .args(["--database-url", &s.backend.url])
            .env("YIGONG_TOKEN_KEY", KEY)
            .env("YIGONG_DATA_KEYS", DATA_KEYS)
            .output()
            .unwrap()
    };
    let minted = mint(&other.name);
    assert!(
        !minted.status.success(),
        "minted a token for another township's team"
    );
    assert!(
        String::from_utf8_lossy(&minted.stderr).contains("team"),
        "{}",
        String::from_utf8_lossy(&minted.stderr)
    );
    let own = mint(&s.institution(township));
    assert!(
        own.status.success(),
        "{}",
        String::from_utf8_lossy(&own.stderr)
    );

    // The family moves to a household of the other team's grid (AIP-134 update with a mask):
    // the record follows; a stale etag, an unknown path and a future date are refused.
    let elsewhere = grids_of_team(s, &other_team.name).await.remove(0);
    let new_home = household_in(s, &elsewhere.name, "No. 3, West Lane").await;
    let mut residents = ResidentServiceClient::new(s.channel.clone());
    let update = |resident: pb::Resident, paths: &[&str]| pb::UpdateResidentRequest {
        resident: Some(resident),
        update_mask: Some(prost_types::FieldMask {
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
        }),
    };
    let moved = residents
        .update_resident(s.as_(
            township,
            update(
                pb::Resident {
                    household: new_home.name.clone(),
                    ..neighbour.clone()
                },
                &["household"],
            ),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (moved.household.as_str(), moved.grid.as_str()),
        (new_home.name.as_str(), elsewhere.name.as_str())
    );
    assert_ne!(moved.etag, neighbour.etag);
    let stale = residents
        .update_resident(s.as_(township, update(neighbour.clone(), &["household"])))
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted, "{stale:?}");
    let unknown = residents
        .update_resident(s.as_(township, update(moved.clone(), &["citizen_id"])))
        .await
        .unwrap_err();
    assert_eq!(field_of(&unknown), "update_mask");
    let future = residents
        .update_resident(s.as_(
            township,
            update(
                pb::Resident {
                    death_date: day(today + Duration::days(3)),
                    ..moved.clone()
                },
                &["death_date"],
            ),
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&future), "resident.death_date");
    let gone = residents
        .update_resident(s.as_(
            township,
            update(
                pb::Resident {
                    moved_out_date: day(today),
                    ..moved.clone()
                },
                &["moved_out_date"],
            ),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(gone.moved_out_date, day(today));

    // A contract with the township's team; another township cannot list it.
    let today = OffsetDateTime::now_utc().date();
    let signed = teams
        .create_contract(s.as_(
            township,
            pb::CreateContractRequest {
                request_id: format!("{patient}/contract"),
                resident: patient.to_owned(),
                team: team.name.clone(),
                start_date: day(today),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (signed.status.as_str(), signed.package.as_str()),
        ("current", "basic")
    );
    let listed = teams
        .list_contracts(s.as_(
            township,
            pb::ListContractsRequest {
                resident: patient.to_owned(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .contracts;
    assert_eq!(listed.len(), 1);
    let hidden = teams
        .list_contracts(s.as_(
            "TOKEN_OTHER_TOWNSHIP",
            pb::ListContractsRequest {
                resident: patient.to_owned(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound);
}

/// The grids `team` serves, as the township clinician lists them.
async fn grids_of_team(s: &TestApp, team: &str) -> Vec<pb::Grid> {
    GridServiceClient::new(s.channel.clone())
        .list_grids(s.as_(
            "TOKEN_TOWNSHIP",
            pb::ListGridsRequest {
                team: team.to_owned(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .grids
}
