//! Finding patients by phone and by name, and the rosters of grids and households, over the
//! API: exact phones (the resident's own and its contact's, as last updated), name beginnings,
//! pages that join up without gaps or repeats, nothing out of the caller's scope, every bad
//! field named, and what is returned audited as reads.

use std::collections::BTreeSet;

use time::{Date, Duration, Month, OffsetDateTime};
use tonic::Code;
use yigong_proto::v1 as pb;
use yigong_proto::v1::grid_service_client::GridServiceClient;
use yigong_proto::v1::resident_service_client::ResidentServiceClient;
use yigong_proto::v1::team_service_client::TeamServiceClient;

use crate::support::{TestApp, audit_of, citizen_id, day, field_of};

type Residents = ResidentServiceClient<tonic::transport::Channel>;

fn by(
    query: pb::search_residents_request::Query,
    page_size: i32,
    token: &str,
) -> pb::SearchResidentsRequest {
    pb::SearchResidentsRequest {
        query: Some(query),
        page_size,
        page_token: token.to_owned(),
    }
}

fn phone(p: &str) -> pb::search_residents_request::Query {
    pb::search_residents_request::Query::Phone(p.to_owned())
}

fn name_prefix(p: &str) -> pb::search_residents_request::Query {
    pb::search_residents_request::Query::NamePrefix(p.to_owned())
}

/// Every resident a search or a roster gives `who`, page after page, checking each page's size.
async fn all_pages<F, Fut>(page_size: i32, mut next: F) -> Vec<String>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = (Vec<pb::Resident>, String)>,
{
    let mut names = Vec::new();
    let mut token = String::new();
    loop {
        let (residents, following) = next(token).await;
        assert!(residents.len() <= page_size as usize);
        names.extend(residents.into_iter().map(|r| r.name));
        if following.is_empty() {
            return names;
        }
        token = following;
    }
}

async fn search_all(
    s: &TestApp,
    residents: &Residents,
    who: &str,
    query: pb::search_residents_request::Query,
    page_size: i32,
) -> Vec<String> {
    all_pages(page_size, |token| {
        let mut client = residents.clone();
        let request = s.as_(who, by(query.clone(), page_size, &token));
        async move {
            let r = client.search_residents(request).await.unwrap().into_inner();
            (r.residents, r.next_page_token)
        }
    })
    .await
}

async fn roster_all(
    s: &TestApp,
    residents: &Residents,
    who: &str,
    parent: &str,
    page_size: i32,
) -> Vec<String> {
    all_pages(page_size, |token| {
        let mut client = residents.clone();
        let request = s.as_(
            who,
            pb::ListResidentsRequest {
                parent: parent.to_owned(),
                page_size,
                page_token: token,
            },
        );
        async move {
            let r = client.list_residents(request).await.unwrap().into_inner();
            (r.residents, r.next_page_token)
        }
    })
    .await
}

async fn register(
    s: &TestApp,
    residents: &mut Residents,
    name: &str,
    phone: &str,
    household: &str,
) -> String {
    let today = OffsetDateTime::now_utc().date();
    let birth = Date::from_calendar_date(1970, Month::January, 20).unwrap();
    residents
        .create_resident(s.as_(
            "TOKEN_TOWNSHIP",
            pb::CreateResidentRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                document: Some(pb::create_resident_request::Document::CitizenId(
                    citizen_id(birth),
                )),
                resident_since: day(today - Duration::days(100)),
                household: household.to_owned(),
                personal: Some(pb::PersonalInformation {
                    display_name: name.to_owned(),
                    phone: phone.to_owned(),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .name
}

/// `recorded` is the health record step's patient: 欧阳秀英, phone changed from 13912345678
/// to 13700001111, contact phone 0731-84561234.
pub async fn finding(s: &TestApp, recorded: &str) {
    let mut residents = ResidentServiceClient::new(s.channel.clone());
    let township = "TOKEN_TOWNSHIP";

    // Phones: exact, the current one and the contact's; the replaced one finds nobody.
    for (p, found) in [
        ("137 0000 1111", true),
        ("+8613700001111", true),
        ("0731-84561234", true),
        ("13912345678", false),
        ("13700001112", false),
    ] {
        let names = search_all(s, &residents, township, phone(p), 10).await;
        let expected: Vec<&str> = if found { vec![recorded] } else { vec![] };
        assert_eq!(names, expected, "{p}");
    }
    // Out of scope answers as unknown, for the phone and the name.
    assert!(
        search_all(
            s,
            &residents,
            "TOKEN_OTHER_TOWNSHIP",
            phone("13700001111"),
            10
        )
        .await
        .is_empty()
    );
    assert!(
        search_all(s, &residents, "TOKEN_OPERATOR", name_prefix("欧阳"), 10)
            .await
            .is_empty()
    );

    // Names by their beginning, case and separators ignored, in pages that join up.
    let household = household_of_township_team(s).await;
    let mut sima = BTreeSet::new();
    for (name, p) in [
        ("司马光", "13600000001"),
        ("司马 迁", "13600000002"),
        ("司马相如", "13600000003"),
        ("Sima Yan", "13600000004"),
    ] {
        sima.insert(register(s, &mut residents, name, p, &household).await);
    }
    let ouyang = search_all(s, &residents, township, name_prefix("欧阳秀"), 10).await;
    assert_eq!(ouyang, [recorded]);
    for size in [1, 2, 3, 50] {
        let found: BTreeSet<String> =
            search_all(s, &residents, township, name_prefix("司马"), size)
                .await
                .into_iter()
                .collect();
        assert_eq!(found.len(), 3, "page size {size}: each once");
        assert!(found.is_subset(&sima));
    }
    assert_eq!(
        search_all(s, &residents, township, name_prefix("司马迁"), 5)
            .await
            .len(),
        1
    );
    assert_eq!(
        search_all(s, &residents, "TOKEN_COUNTY", name_prefix("SIMA·Y"), 5)
            .await
            .len(),
        1,
        "the lead hospital, any case"
    );
    assert!(
        search_all(s, &residents, township, name_prefix("司马迁迁"), 5)
            .await
            .is_empty()
    );

    // The household's roster holds the four, whoever serves it sees them; another township not.
    let roster: BTreeSet<String> = roster_all(s, &residents, township, &household, 3)
        .await
        .into_iter()
        .collect();
    assert!(roster.is_superset(&sima), "{roster:?}");
    assert!(
        roster_all(s, &residents, "TOKEN_OTHER_TOWNSHIP", &household, 3)
            .await
            .is_empty()
    );
    let grid = GridServiceClient::new(s.channel.clone())
        .get_household(s.as_(
            township,
            pb::GetHouseholdRequest {
                name: household.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .grid;
    let in_grid = roster_all(s, &residents, township, &grid, 7).await;
    let unique: BTreeSet<&String> = in_grid.iter().collect();
    assert_eq!(unique.len(), in_grid.len(), "no resident twice");
    assert!(sima.iter().all(|n| unique.contains(n)));
    let one = residents
        .get_resident(s.as_(
            township,
            pb::GetResidentRequest {
                name: in_grid[0].clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(one.grid, grid);

    refusals(s, &mut residents, &grid).await;
    audited(s, &sima).await;
}

/// A household of a grid served by one of the township's teams.
async fn household_of_township_team(s: &TestApp) -> String {
    let who = "TOKEN_TOWNSHIP";
    let teams = TeamServiceClient::new(s.channel.clone())
        .list_teams(s.as_(
            who,
            pb::ListTeamsRequest {
                institution: s.institution(who),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .teams;
    let mut grids = GridServiceClient::new(s.channel.clone());
    for team in teams {
        let served = grids
            .list_grids(s.as_(
                who,
                pb::ListGridsRequest {
                    team: team.name,
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .grids;
        for grid in served {
            let households = grids
                .list_households(s.as_(who, pb::ListHouseholdsRequest { parent: grid.name }))
                .await
                .unwrap()
                .into_inner()
                .households;
            if let Some(h) = households.into_iter().next() {
                return h.name;
            }
        }
    }
    panic!("no household in a grid the township's teams serve")
}

async fn refusals(s: &TestApp, residents: &mut Residents, grid: &str) {
    for (request, field) in [
        (by(phone("12345"), 0, ""), "phone"),
        (by(phone(&"9".repeat(10_000)), 0, ""), "phone"),
        (by(name_prefix(" · "), 0, ""), "name_prefix"),
        (by(name_prefix(&"张".repeat(51)), 0, ""), "name_prefix"),
        (by(name_prefix("张"), -1, ""), "page_size"),
        (by(name_prefix("张"), 0, "not-a-token"), "page_token"),
    ] {
        let refused = residents
            .search_residents(s.as_("TOKEN_TOWNSHIP", request))
            .await
            .unwrap_err();
        assert_eq!(field_of(&refused), field);
        assert!(refused.message().len() < 300, "{}", refused.message().len());
    }
    let list = |parent: &str, page_token: &str| pb::ListResidentsRequest {
        parent: parent.to_owned(),
        page_size: 0,
        page_token: page_token.to_owned(),
    };
    for (request, field) in [
        (list("", ""), "parent"),
        (list("teams/1", ""), "parent"),
        (list("grids/x", ""), "parent"),
        (list(grid, "zz"), "page_token"),
    ] {
        let refused = residents
            .list_residents(s.as_("TOKEN_TOWNSHIP", request))
            .await
            .unwrap_err();
        assert_eq!(field_of(&refused), field);
    }
    for parent in [
        format!("grids/{}", uuid::Uuid::new_v4()),
        format!("households/{}", uuid::Uuid::new_v4()),
    ] {
        let unknown = residents
            .list_residents(s.as_("TOKEN_TOWNSHIP", list(&parent, "")))
            .await
            .unwrap_err();
        assert_eq!(unknown.code(), Code::NotFound, "{parent}");
    }
}

/// Each patient a search or a roster returned is in the log as a read of that patient: the
/// three 司马 four times by `司马` and 司马迁 once more, Sima Yan once; each twice in rosters
/// (its household's and its grid's; the other township's empty roster reads nobody).
async fn audited(s: &TestApp, patients: &BTreeSet<String>) {
    let mut searches = 0;
    for patient in patients {
        let entries = audit_of(s, patient).await;
        let reads = |action: &str| {
            entries
                .iter()
                .filter(|e| e.action == action && e.resource == *patient)
                .count()
        };
        searches += reads("resident.search");
        assert_eq!(reads("resident.roster"), 2, "{patient}");
    }
    assert_eq!(searches, 3 * 4 + 1 + 1);
}
