//! `yigong import institutions|areas` from an empty database: the county's hospitals,
//! township centres and clinics, its communities and memberships, its area tree and grids;
//! bad lines are reported with their line and column, and a re-run changes nothing.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use yigong_app::import::{import_areas, import_institutions};
use yigong_domain::grid::AreaKind;
use yigong_domain::network::InstitutionKind;
use yigong_domain::profile::RuleProfile;
use yigong_ports::{NetworkQueries, RandomIds, SystemClock};
use yigong_service::{Deps, GridService, Principal};
use yigong_store::Store;

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
    let refused: Vec<(u64, &str)> = first
        .errors
        .iter()
        .map(|e| (e.line, e.field.as_str()))
        .collect();
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
    let refused: Vec<(u64, &str)> = areas
        .errors
        .iter()
        .map(|e| (e.line, e.field.as_str()))
        .collect();
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
}
