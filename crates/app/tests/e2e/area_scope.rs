//! Who administers an area, over the API: the operators of the institution in charge of it
//! and of its community's lead; an operator of the other community is refused every grid
//! command, each refusal is in the audit log, and nothing changed. An area no institution is
//! in charge of is the county's: any county operator administers it.

use time::OffsetDateTime;
use tonic::Code;
use yigong_proto::v1 as pb;
use yigong_proto::v1::audit_service_client::AuditServiceClient;
use yigong_proto::v1::grid_service_client::GridServiceClient;
use yigong_proto::v1::indicator_service_client::IndicatorServiceClient;
use yigong_proto::v1::team_service_client::TeamServiceClient;

use crate::support::{TestApp, day, household_in, village_clinic};

const LEAD: &str = "TOKEN_OPERATOR";
const OTHER: &str = "TOKEN_TCM_OPERATOR";

fn new_area(name: &str, kind: &str, parent: &str, institution: &str) -> pb::CreateAreaRequest {
    pb::CreateAreaRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        display_name: name.to_owned(),
        kind: kind.to_owned(),
        parent: parent.to_owned(),
        institution: institution.to_owned(),
    }
}

fn new_grid(name: &str, area: &str) -> pb::CreateGridRequest {
    pb::CreateGridRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        display_name: name.to_owned(),
        area: area.to_owned(),
    }
}

fn code_of<T: std::fmt::Debug>(result: Result<tonic::Response<T>, tonic::Status>) -> Code {
    result.map(|_| Code::Ok).unwrap_or_else(|e| e.code())
}

pub async fn area_scope(s: &TestApp) {
    let today = OffsetDateTime::now_utc().date();
    let township = s.institution("TOKEN_TOWNSHIP");
    let mut grids = GridServiceClient::new(s.channel.clone());

    // The township's area, created by its community's lead; the child inherits the charge.
    let town = grids
        .create_area(s.as_(LEAD, new_area("Scope Town", "township", "", &township)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(town.institution, township);
    let village = grids
        .create_area(s.as_(LEAD, new_area("Scope Village", "village", &town.name, "")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(village.institution, township, "inherited from the root");
    let clinic = village_clinic(s).await.name;
    let differs = grids
        .create_area(s.as_(LEAD, new_area("Elsewhere", "village", &town.name, &clinic)))
        .await
        .unwrap_err();
    assert_eq!(differs.code(), Code::FailedPrecondition, "{differs:?}");
    let unnamed = grids
        .create_area(s.as_(LEAD, new_area("", "village", &town.name, "")))
        .await
        .unwrap_err();
    assert_eq!(crate::support::field_of(&unnamed), "display_name");
    let unnamed = grids
        .create_grid(s.as_(LEAD, new_grid("\u{200b}", &village.name)))
        .await
        .unwrap_err();
    assert_eq!(crate::support::field_of(&unnamed), "display_name");
    let not_primary = grids
        .create_area(s.as_(LEAD, new_area("Clinic Town", "township", "", &clinic)))
        .await
        .unwrap_err();
    assert_eq!(
        not_primary.code(),
        Code::FailedPrecondition,
        "{not_primary:?}"
    );
    let grid = grids
        .create_grid(s.as_(LEAD, new_grid("Scope grid", &village.name)))
        .await
        .unwrap()
        .into_inner();
    let household = household_in(s, &grid.name, "No. 1, Scope Village")
        .await
        .name;
    let get = pb::GetGridRequest {
        name: grid.name.clone(),
    };
    let before = grids
        .get_grid(s.as_(LEAD, get.clone()))
        .await
        .unwrap()
        .into_inner();
    let team = TeamServiceClient::new(s.channel.clone())
        .list_teams(s.as_(
            LEAD,
            pb::ListTeamsRequest {
                institution: township.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .teams
        .remove(0);

    // The other community's lead operator: refused every command on the area, nothing changes.
    let refused = [
        code_of(
            grids
                .create_area(s.as_(
                    OTHER,
                    new_area("Intruder", "villager_group", &village.name, ""),
                ))
                .await,
        ),
        code_of(
            grids
                .create_area(s.as_(OTHER, new_area("Taken Town", "township", "", &township)))
                .await,
        ),
        code_of(
            grids
                .create_grid(s.as_(OTHER, new_grid("Intruder", &village.name)))
                .await,
        ),
        code_of(
            grids
                .create_household(s.as_(
                    OTHER,
                    pb::CreateHouseholdRequest {
                        request_id: uuid::Uuid::new_v4().to_string(),
                        grid: grid.name.clone(),
                        address: "No. 2, Scope Village".into(),
                    },
                ))
                .await,
        ),
        code_of(
            grids
                .assign_grid_team(s.as_(
                    OTHER,
                    pb::AssignGridTeamRequest {
                        name: grid.name.clone(),
                        team: team.name.clone(),
                        effective_date: day(today),
                        etag: String::new(),
                    },
                ))
                .await,
        ),
        code_of(
            grids
                .reassign_households(s.as_(
                    OTHER,
                    pb::ReassignHouseholdsRequest {
                        households: vec![household.clone()],
                        grid: grid.name.clone(),
                        etags: Vec::new(),
                    },
                ))
                .await,
        ),
        code_of(
            grids
                .split_grid(s.as_(
                    OTHER,
                    pb::SplitGridRequest {
                        request_id: uuid::Uuid::new_v4().to_string(),
                        name: grid.name.clone(),
                        etag: String::new(),
                        parts: vec![pb::SplitPart {
                            display_name: "Half".into(),
                            area: village.name.clone(),
                            households: vec![household.clone()],
                        }],
                        effective_date: day(today),
                    },
                ))
                .await,
        ),
    ];
    assert_eq!(refused, [Code::PermissionDenied; 7]);
    let report = IndicatorServiceClient::new(s.channel.clone())
        .get_area_indicators(s.as_(
            LEAD,
            pb::GetAreaIndicatorsRequest {
                area: town.name.clone(),
                date: None,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(report.grids.len(), 1, "no grid added");
    assert_eq!(report.total.unwrap().households, 1, "no household added");
    let after = grids.get_grid(s.as_(LEAD, get)).await.unwrap().into_inner();
    assert_eq!(after, before, "the grid unchanged");

    let denied = AuditServiceClient::new(s.channel.clone())
        .list_audit_entries(s.as_(
            OTHER,
            pb::ListAuditEntriesRequest {
                user: "demo-tcm-operator".into(),
                outcome: pb::AuditOutcome::Denied as i32,
                page_size: 500,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .entries;
    let mut actions: Vec<&str> = denied.iter().map(|e| e.action.as_str()).collect();
    actions.sort_unstable();
    actions.dedup();
    assert_eq!(
        actions,
        [
            "grid.add_area_node",
            "grid.add_household",
            "grid.assign_team",
            "grid.create",
            "grid.reassign_households",
            "grid.split",
        ],
        "every refusal audited"
    );

    // A county area: any county operator administers it, the other community's too.
    let county_area = grids
        .create_area(s.as_(LEAD, new_area("County Reserve", "subdistrict", "", "")))
        .await
        .unwrap()
        .into_inner();
    assert!(county_area.institution.is_empty());
    grids
        .create_grid(s.as_(OTHER, new_grid("Reserve grid", &county_area.name)))
        .await
        .unwrap();

    households_seen(s, &grid.name, &household).await;
    county_figures(s).await;
}

/// A grid's households: seen by its administrators and the clinicians in charge of it; others
/// get NOT_FOUND, as for a grid that does not exist.
async fn households_seen(s: &TestApp, grid: &str, household: &str) {
    let mut grids = GridServiceClient::new(s.channel.clone());
    let list = |parent: &str| pb::ListHouseholdsRequest {
        parent: parent.to_owned(),
    };
    for who in [LEAD, "TOKEN_TOWNSHIP", "TOKEN_COUNTY"] {
        let listed = grids
            .list_households(s.as_(who, list(grid)))
            .await
            .unwrap()
            .into_inner()
            .households;
        let names: Vec<&str> = listed.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, [household], "{who}");
        let one = grids
            .get_household(s.as_(
                who,
                pb::GetHouseholdRequest {
                    name: household.to_owned(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(one, listed[0]);
    }
    for who in [OTHER, "TOKEN_OTHER_TOWNSHIP", "TOKEN_DESK"] {
        let listed = code_of(grids.list_households(s.as_(who, list(grid))).await);
        let got = code_of(
            grids
                .get_household(s.as_(
                    who,
                    pb::GetHouseholdRequest {
                        name: household.to_owned(),
                    },
                ))
                .await,
        );
        assert_eq!((listed, got), (Code::NotFound, Code::NotFound), "{who}");
    }
    let bad = grids
        .list_households(s.as_(LEAD, list("households/1")))
        .await
        .unwrap_err();
    assert_eq!(crate::support::field_of(&bad), "parent");
    let unknown = code_of(
        grids
            .list_households(s.as_(LEAD, list(&format!("grids/{}", uuid::Uuid::new_v4()))))
            .await,
    );
    assert_eq!(unknown, Code::NotFound);
}

/// The county's area holds its townships, and its figures are theirs summed: county-wide
/// figures exist. The county is in no institution's charge.
async fn county_figures(s: &TestApp) {
    let mut grids = GridServiceClient::new(s.channel.clone());
    let list = |parent: &str| pb::ListAreasRequest {
        parent: parent.to_owned(),
    };
    let roots = grids
        .list_areas(s.as_("TOKEN_TOWNSHIP", list("")))
        .await
        .unwrap()
        .into_inner()
        .areas;
    let county = roots.iter().find(|a| a.kind == "county").unwrap().clone();
    assert!(county.institution.is_empty());
    let townships = grids
        .list_areas(s.as_(LEAD, list(&county.name)))
        .await
        .unwrap()
        .into_inner()
        .areas;
    assert!(townships.len() >= 2, "{townships:?}");
    assert!(
        townships
            .iter()
            .all(|t| t.kind == "township" && !t.institution.is_empty())
    );
    let indicators = IndicatorServiceClient::new(s.channel.clone());
    let households = |area: String| {
        let request = s.as_(
            LEAD,
            pb::GetAreaIndicatorsRequest {
                area,
                ..Default::default()
            },
        );
        let mut client = indicators.clone();
        async move {
            client
                .get_area_indicators(request)
                .await
                .unwrap()
                .into_inner()
                .total
                .unwrap()
                .households
        }
    };
    let mut summed = 0;
    for t in &townships {
        summed += households(t.name.clone()).await;
    }
    let whole = households(county.name.clone()).await;
    assert!(whole > 0);
    assert_eq!(whole, summed, "the county is its townships summed");

    let got = grids
        .get_area(s.as_(
            LEAD,
            pb::GetAreaRequest {
                name: county.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got, county);
    let bad = grids
        .list_areas(s.as_(LEAD, list("grids/1")))
        .await
        .unwrap_err();
    assert_eq!(crate::support::field_of(&bad), "parent");
    let unknown = grids
        .get_area(s.as_(
            LEAD,
            pb::GetAreaRequest {
                name: format!("areas/{}", uuid::Uuid::new_v4()),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound, "{unknown:?}");
    let in_charge = grids
        .create_area(s.as_(
            LEAD,
            new_area(
                "Second County",
                "county",
                "",
                &s.institution("TOKEN_TOWNSHIP"),
            ),
        ))
        .await
        .unwrap_err();
    assert_eq!(in_charge.code(), Code::FailedPrecondition, "{in_charge:?}");
}
