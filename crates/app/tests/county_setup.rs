//! `yigong import institutions|areas|teams|contracts` from an empty database: the county's
//! hospitals, township centres and clinics, its communities and memberships, its area tree and
//! grids, the township's family doctor teams and the grids they serve, residents' contracts;
//! bad lines are reported with their line and column, and a re-run changes nothing.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use yigong_app::import::{import_areas, import_contracts, import_institutions, import_teams};
use yigong_domain::grid::AreaKind;
use yigong_domain::network::InstitutionKind;
use yigong_domain::profile::RuleProfile;
use yigong_ports::{NetworkQueries, RandomIds, SystemClock};
use yigong_service::{
    Deps, DocumentInput, GridService, NewResident, Principal, ResidentService, Role, TeamService,
};
use yigong_store::Store;

/// Each refused line of an import: its number and column.
fn refused_lines(summary: &yigong_app::import::ImportSummary) -> Vec<(u64, &str)> {
    summary
        .errors
        .iter()
        .map(|e| (e.line, e.field.as_str()))
        .collect()
}

const INSTITUTIONS: &str = "\
name,kind,leads,member_of
Qiaotou Township Health Center,township_health_center,,North Community
County People's Hospital,county_general_hospital,North Community,
Qiaotou East Village Clinic,village_clinic,,North Community
Heping Clinic,private_clinic,,North Community
Kangning Care Home,medical_elderly_care,,
Nowhere Hospital,space_station,,
Stray Clinic,village_clinic,,South Community
Qiaotou Township Health Center,village_clinic,,
";

const AREAS: &str = "\
path,kind,institution,grid
Anping County,county,,
Anping County/Qiaotou,township,Qiaotou Township Health Center,
Anping County/Qiaotou/East Village,village,,East Village grid
Anping County/Qiaotou/West Village,village,,West Village grid
Anping County/Elsewhere/Lost Village,village,,
Anping County/Heping,township,Heping Clinic,
Anping County/Qiaotou/Moon Base,planet,,
";

#[tokio::test]
async fn a_county_is_set_up_from_csv_and_a_rerun_changes_nothing() {
    let store = Arc::new(Store::connect("sqlite::memory:").await.unwrap());
    store.migrate().await.unwrap();
    let deps = Deps::on_store(
        store.clone(),
        store.network().await.unwrap(),
        Arc::new(SystemClock),
        Arc::new(RandomIds),
        Arc::new(RuleProfile::bphs3()),
    );
    let setup = Principal::county_setup("cli-import");

    let first = import_institutions(&deps, &setup, INSTITUTIONS.as_bytes(), &|_| {})
        .await
        .unwrap();
    let refused = refused_lines(&first);
    assert_eq!(
        refused,
        [(7, "kind"), (8, "member_of"), (9, "kind")],
        "{:?}",
        first.errors
    );
    // 6 institutions, 1 community, 3 members (the lead is one by founding it).
    assert_eq!((first.lines, first.written), (8, 10));
    let network = store.network().await.unwrap();
    let named = |name: &str| network.institutions().find(|i| i.name == name).unwrap();
    let community = network.communities().next().unwrap();
    assert_eq!(community.name(), "North Community");
    assert_eq!(community.lead(), named("County People's Hospital").id);
    for member in [
        "Qiaotou Township Health Center",
        "Qiaotou East Village Clinic",
        "Heping Clinic",
    ] {
        assert!(community.contains(named(member).id), "{member}");
    }
    assert_eq!(named("Heping Clinic").kind, InstitutionKind::PrivateClinic);
    assert!(
        network
            .community_of(named("Kangning Care Home").id)
            .is_none()
    );

    let again = import_institutions(&deps, &setup, INSTITUTIONS.as_bytes(), &|_| {})
        .await
        .unwrap();
    assert_eq!(again.written, 0, "{:?}", again.errors);
    assert_eq!(again.errors, first.errors);
    assert_eq!(store.network().await.unwrap(), network);

    let areas = import_areas(&deps, &setup, AREAS.as_bytes(), &|_| {})
        .await
        .unwrap();
    let refused = refused_lines(&areas);
    // A missing parent, a clinic put in charge of a township, an unknown kind.
    assert_eq!(
        refused,
        [(6, "path"), (7, "path"), (8, "kind")],
        "{:?}",
        areas.errors
    );
    // 4 nodes and 2 grids.
    assert_eq!(areas.written, 6);
    let grids = GridService::new(deps.clone());
    let county = grids.areas_under(None).await.unwrap();
    assert_eq!(county.len(), 1);
    assert_eq!(county[0].kind, AreaKind::County);
    let townships = grids.areas_under(Some(county[0].id)).await.unwrap();
    assert_eq!(townships.len(), 1);
    assert_eq!(
        townships[0].institution,
        Some(named("Qiaotou Township Health Center").id)
    );
    let mut names: Vec<String> = grids
        .grids_within(county[0].id)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.value.name().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["East Village grid", "West Village grid"]);

    let again = import_areas(&deps, &setup, AREAS.as_bytes(), &|_| {})
        .await
        .unwrap();
    assert_eq!(again.written, 0, "{:?}", again.errors);
    assert_eq!(again.errors, areas.errors);

    teams_and_contracts(
        &deps,
        named("Qiaotou Township Health Center").id,
        community.id(),
    )
    .await;
}

const TEAMS: &str = "\
team,worker,role,lead,grids
Qiaotou Team 1,QT-001,general_practitioner,yes,Anping County/Qiaotou/East Village/East Village grid
Qiaotou Team 1,QT-002,nurse,,
Qiaotou Team 1,QT-003,public_health_physician,,
Qiaotou Team 1,d3b07384-d9a0-4c9b-8f6e-000000000100,county_specialist,,Anping County/Qiaotou/West Village/West Village grid
Qiaotou Team 2,QT-010,nurse,yes,
Qiaotou Team 3,QT-020,astronaut,,
Qiaotou Team 1,QT-004,general_practitioner,,Anping County/Qiaotou/Nowhere/Lost grid
";

async fn teams_and_contracts(
    deps: &Deps,
    township: yigong_domain::ids::InstitutionId,
    community: yigong_domain::ids::CommunityId,
) {
    let at = |role| Principal {
        user: "cli-import".into(),
        role,
        institution: township,
        community: Some(community),
        team: None,
    };
    let operator = at(Role::Operator);
    let first = import_teams(deps, &operator, township, TEAMS.as_bytes(), &|_| {})
        .await
        .unwrap();
    let refused = refused_lines(&first);
    // Team 2 breaks the 3+1+N rule; Team 3's role is unknown and it has no lead; a grid that
    // is not there.
    assert_eq!(
        refused,
        [(6, "team"), (7, "role"), (7, "lead"), (8, "grids")],
        "{:?}",
        first.errors
    );
    // One team, two grids assigned.
    assert_eq!((first.lines, first.written), (7, 3));
    let teams = TeamService::new(deps.clone())
        .teams_of(township)
        .await
        .unwrap();
    assert_eq!(teams.len(), 1);
    let team = &teams[0].value;
    assert_eq!((team.name(), team.members().len()), ("Qiaotou Team 1", 5));
    let served = GridService::new(deps.clone())
        .grids_of_team(team.id())
        .await
        .unwrap();
    assert_eq!(served.len(), 2);
    let again = import_teams(deps, &operator, township, TEAMS.as_bytes(), &|_| {})
        .await
        .unwrap();
    assert_eq!(again.written, 0, "{:?}", again.errors);
    assert_eq!(again.errors, first.errors);

    // Two residents of the township, then their contracts with the team.
    let clinician = at(Role::Clinician);
    let residents = ResidentService::new(deps.clone());
    let today = time::OffsetDateTime::now_utc().date();
    let documents = ["11010519491231002X", "110105194912310003"];
    for (i, d) in documents.iter().enumerate() {
        residents
            .register(
                &clinician,
                NewResident {
                    request_id: format!("r{i}"),
                    document: DocumentInput::CitizenId((*d).to_owned()),
                    household: None,
                    grid: Some(served[0].value.id()),
                    resident_since: today - time::Duration::days(400),
                    personal: Default::default(),
                },
            )
            .await
            .unwrap();
    }
    let later = today + time::Duration::days(30);
    let contracts = format!(
        "citizen_id,team,doctor,package,start_date,months\n\
         {a},Qiaotou Team 1,QT-001,basic,{today},12\n\
         {b},Qiaotou Team 1,,hypertension_plus,{today},\n\
         {b},Qiaotou Team 9,,basic,{today},\n\
         110105194912310011,Qiaotou Team 1,,basic,{today},\n\
         {a},Qiaotou Team 1,,basic,{later},\n\
         {a},Qiaotou Team 1,,basic,31/12/2026,\n",
        a = documents[0],
        b = documents[1],
    );
    let first = import_contracts(deps, &clinician, township, contracts.as_bytes(), &|_| {})
        .await
        .unwrap();
    let refused = refused_lines(&first);
    // No such team; nobody with that document; a second contract in force; a bad date.
    assert_eq!(
        refused,
        [
            (4, "team"),
            (5, "citizen_id"),
            (6, "team"),
            (7, "start_date")
        ],
        "{:?}",
        first.errors
    );
    assert_eq!(first.written, 2);
    let again = import_contracts(deps, &clinician, township, contracts.as_bytes(), &|_| {})
        .await
        .unwrap();
    assert_eq!(again.written, 0, "{:?}", again.errors);
    assert_eq!(again.errors, first.errors);
}
