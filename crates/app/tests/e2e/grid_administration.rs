//! Grid administration over the API: areas, grids, households, team assignment, reassignment,
//! split and merge, with no household lost or doubled.

use time::OffsetDateTime;
use tonic::Code;
use yigong_proto::v1 as pb;
use yigong_proto::v1::grid_service_client::GridServiceClient;
use yigong_proto::v1::indicator_service_client::IndicatorServiceClient;
use yigong_proto::v1::team_service_client::TeamServiceClient;

use crate::support::{TestApp, day, field_of, household_in};

/// Grid administration by the county operator: an area tree, grids, households, a team
/// assignment pinned by etag, a reassignment, a split and a merge — and every household still
/// in exactly one grid, as the area's indicators count.
pub async fn grid_administration(s: &TestApp) {
    let op = "TOKEN_OPERATOR";
    let today = OffsetDateTime::now_utc().date();
    let mut grids = GridServiceClient::new(s.channel.clone());
    let township = s.institution("TOKEN_TOWNSHIP");
    let area = |name: &str, kind: &str, parent: &str| {
        let mut client = GridServiceClient::new(s.channel.clone());
        let request = s.as_(
            op,
            pb::CreateAreaRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                display_name: name.to_owned(),
                kind: kind.to_owned(),
                parent: parent.to_owned(),
                institution: if parent.is_empty() {
                    township.clone()
                } else {
                    String::new()
                },
            },
        );
        async move {
            client
                .create_area(request)
                .await
                .map(|r| r.into_inner().name)
        }
    };
    let planet = area("Mars", "planet", "").await.unwrap_err();
    assert_eq!(field_of(&planet), "kind");
    let town = area("Test Town", "township", "").await.unwrap();
    let east = area("East Village", "village", &town).await.unwrap();
    let west = area("West Village", "village", &town).await.unwrap();
    let north = area("North Group", "villager_group", &east).await.unwrap();
    let south = area("South Group", "villager_group", &east).await.unwrap();
    let mut grid_on = async |name: &str, area: &str| {
        grids
            .create_grid(s.as_(
                op,
                pb::CreateGridRequest {
                    request_id: uuid::Uuid::new_v4().to_string(),
                    display_name: name.to_owned(),
                    area: area.to_owned(),
                },
            ))
            .await
            .unwrap()
            .into_inner()
    };
    let grid_e = grid_on("East grid", &east).await;
    let grid_w = grid_on("West grid", &west).await;
    let mut households = Vec::new();
    for n in 1..=3 {
        households.push(
            household_in(s, &grid_e.name, &format!("No. {n}, East Village"))
                .await
                .name,
        );
    }
    let team = TeamServiceClient::new(s.channel.clone())
        .list_teams(s.as_(
            op,
            pb::ListTeamsRequest {
                institution: s.institution("TOKEN_TOWNSHIP"),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .teams
        .remove(0);
    let mut grids = GridServiceClient::new(s.channel.clone());
    let assign = |etag: String| pb::AssignGridTeamRequest {
        name: grid_e.name.clone(),
        team: team.name.clone(),
        effective_date: day(today),
        etag,
    };
    // Each household added moved the grid's version: its creation etag is stale now.
    let stale = grids
        .assign_grid_team(s.as_(op, assign(grid_e.etag.clone())))
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted, "{stale:?}");
    let fresh = grids
        .get_grid(s.as_(
            op,
            pb::GetGridRequest {
                name: grid_e.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let assigned = grids
        .assign_grid_team(s.as_(op, assign(fresh.etag.clone())))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(assigned.team, team.name);
    let stale = grids
        .assign_grid_team(s.as_(op, assign(fresh.etag.clone())))
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted, "{stale:?}");

    // One household moves west; the east grid splits into two groups, which merge back.
    grids
        .reassign_households(s.as_(
            op,
            pb::ReassignHouseholdsRequest {
                households: vec![households[0].clone()],
                grid: grid_w.name.clone(),
                etags: vec![pb::GridEtag {
                    grid: grid_e.name.clone(),
                    etag: assigned.etag.clone(),
                }],
            },
        ))
        .await
        .unwrap();
    let current_e = grids
        .get_grid(s.as_(
            op,
            pb::GetGridRequest {
                name: grid_e.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let part = |name: &str, area: &str, household: &str| pb::SplitPart {
        display_name: name.to_owned(),
        area: area.to_owned(),
        households: vec![household.to_owned()],
    };
    let bad_part = grids
        .split_grid(s.as_(
            op,
            pb::SplitGridRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                name: grid_e.name.clone(),
                etag: current_e.etag.clone(),
                parts: vec![part("N", "areas/nowhere", &households[1])],
                effective_date: day(today),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad_part), "parts[0].area");
    let split = grids
        .split_grid(s.as_(
            op,
            pb::SplitGridRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                name: grid_e.name.clone(),
                etag: current_e.etag.clone(),
                parts: vec![
                    part("North grid", &north, &households[1]),
                    part("South grid", &south, &households[2]),
                ],
                effective_date: day(today),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .grids;
    assert_eq!(split.len(), 2);
    let merged = grids
        .merge_grids(
            s.as_(
                op,
                pb::MergeGridsRequest {
                    request_id: uuid::Uuid::new_v4().to_string(),
                    grids: split.iter().map(|g| g.name.clone()).collect(),
                    etags: split
                        .iter()
                        .map(|g| pb::GridEtag {
                            grid: g.name.clone(),
                            etag: g.etag.clone(),
                        })
                        .collect(),
                    display_name: "East grid (merged)".into(),
                    area: east.clone(),
                    effective_date: day(today),
                },
            ),
        )
        .await
        .unwrap()
        .into_inner();
    let active = grids
        .list_grids(s.as_(
            op,
            pb::ListGridsRequest {
                area: town.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .grids;
    let mut names: Vec<&str> = active.iter().map(|g| g.name.as_str()).collect();
    names.sort_unstable();
    let mut expected = vec![merged.name.as_str(), grid_w.name.as_str()];
    expected.sort_unstable();
    assert_eq!(names, expected);
    let report = IndicatorServiceClient::new(s.channel.clone())
        .get_area_indicators(s.as_(
            op,
            pb::GetAreaIndicatorsRequest {
                area: town.clone(),
                date: None,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        report.total.unwrap().households,
        3,
        "no household lost or doubled"
    );
}
