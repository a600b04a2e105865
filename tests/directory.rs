//! The network, grids, teams and contracts through the use cases over the real store, on
//! SQLite (memory and file) and PostgreSQL: what is stored reloads whole, subtree and team
//! lookups find the right grids, residents follow their household, and concurrent changes to
//! one household, grid or resident have exactly one winner with nothing lost.
#![allow(
    missing_docs,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::sync::Arc;

use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};
use yigong_domain::contract::{Package, TeamMember, TeamRole, TerminationReason};
use yigong_domain::grid::AreaKind;
use yigong_domain::identity::{DocumentKind, Sex};
use yigong_domain::ids::{
    AreaNodeId, CommunityId, GridId, HouseholdId, InstitutionId, ResidentId, TeamId, WorkerId,
};
use yigong_domain::network::{InstitutionKind, Network};
use yigong_domain::profile::RuleProfile;
use yigong_domain::rule::RuleId;
use yigong_ports::{ChangeFeed, Clock, RandomIds, UnitOfWork, Version, Versioned};
use yigong_service::{
    CreateGrid, Deps, DocumentInput, GridService, MergeGrids, NetworkService, NewArea,
    NewCommunity, NewContract, NewHousehold, NewInstitution, NewResident, NewTeam, Principal,
    ResidentService, Role, ServiceError, SplitGrid, SplitPart, TeamService,
};
use yigong_store::Store;
use yigong_test_support::backends;

const NOW: OffsetDateTime = datetime!(2026 - 03 - 02 9:00 UTC);

struct FixedClock;
impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        NOW
    }
}

/// A county built through the use cases: a county hospital leading a community with a
/// township health center; a township area with two villages, one grid each.
struct County {
    name: &'static str,
    store: Arc<Store>,
    deps: Deps,
    op: Principal,
    county: InstitutionId,
    township: InstitutionId,
    community: CommunityId,
    township_area: AreaNodeId,
    village_a: AreaNodeId,
    village_b: AreaNodeId,
    grid_a: GridId,
    grid_b: GridId,
    _backend: backends::Backend,
}

fn operator(institution: InstitutionId) -> Principal {
    Principal {
        user: "op".into(),
        role: Role::Operator,
        institution,
        community: None,
        team: None,
    }
}

fn rid() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl County {
    async fn build(backend: backends::Backend) -> County {
        let store = Arc::new(backend.store.clone());
        let deps = Deps::on_store(
            store.clone(),
            Network::new(),
            Arc::new(FixedClock),
            Arc::new(RandomIds),
            Arc::new(RuleProfile::bphs3()),
        );
        let network = NetworkService::new(deps.clone());
        let bootstrap = operator(InstitutionId::from_u128(9));
        let county = network
            .register_institution(
                &bootstrap,
                NewInstitution {
                    request_id: rid(),
                    name: "County People's Hospital".into(),
                    kind: InstitutionKind::CountyGeneralHospital,
                },
            )
            .await
            .unwrap()
            .id;
        let township = network
            .register_institution(
                &bootstrap,
                NewInstitution {
                    request_id: rid(),
                    name: "Qiaotou Township Health Center".into(),
                    kind: InstitutionKind::TownshipHealthCenter,
                },
            )
            .await
            .unwrap()
            .id;
        let community = network
            .found_community(
                &bootstrap,
                NewCommunity {
                    request_id: rid(),
                    name: "County Medical Community".into(),
                    lead: county,
                },
            )
            .await
            .unwrap()
            .id();
        network
            .join_community(&bootstrap, community, township)
            .await
            .unwrap();
        // The network is county-wide: a township's operator may not register an institution.
        let township_op = Principal {
            community: Some(community),
            ..operator(township)
        };
        let refused = network
            .register_institution(
                &township_op,
                NewInstitution {
                    request_id: rid(),
                    name: "Unofficial Clinic".into(),
                    kind: InstitutionKind::VillageClinic,
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(refused, ServiceError::PermissionDenied(_)),
            "{refused:?}"
        );
        assert!(
            network
                .network()
                .institutions()
                .all(|i| i.name != "Unofficial Clinic")
        );
        let op = Principal {
            community: Some(community),
            ..operator(county)
        };
        let grids = GridService::new(deps.clone());
        let area = |name: &str, kind, parent: Option<AreaNodeId>| NewArea {
            request_id: rid(),
            name: name.into(),
            kind,
            parent,
            institution: parent.is_none().then_some(township),
        };
        let township_area = grids
            .add_area_node(&op, area("Qiaotou", AreaKind::Township, None))
            .await
            .unwrap()
            .id;
        let village_a = grids
            .add_area_node(&op, area("East", AreaKind::Village, Some(township_area)))
            .await
            .unwrap()
            .id;
        let village_b = grids
            .add_area_node(&op, area("West", AreaKind::Village, Some(township_area)))
            .await
            .unwrap()
            .id;
        let grid = |name: &str, area| CreateGrid {
            request_id: rid(),
            name: name.into(),
            area,
        };
        let grid_a = grids
            .create_grid(&op, grid("East grid", village_a))
            .await
            .unwrap()
            .value
            .id();
        let grid_b = grids
            .create_grid(&op, grid("West grid", village_b))
            .await
            .unwrap()
            .value
            .id();
        County {
            name: backend.name,
            store,
            deps,
            op,
            county,
            township,
            community,
            township_area,
            village_a,
            village_b,
            grid_a,
            grid_b,
            _backend: backend,
        }
    }

    async fn all() -> Vec<County> {
        let mut counties = Vec::new();
        for b in backends::all().await {
            counties.push(County::build(b).await);
        }
        counties
    }

    fn network(&self) -> NetworkService {
        NetworkService::new(self.deps.clone())
    }

    fn grids(&self) -> GridService {
        GridService::new(self.deps.clone())
    }

    fn teams(&self) -> TeamService {
        TeamService::new(self.deps.clone())
    }

    /// A county TCM hospital and the second community it leads.
    async fn tcm_community(&self) -> CommunityId {
        let network = self.network();
        let tcm = network
            .register_institution(
                &self.op,
                NewInstitution {
                    request_id: rid(),
                    name: "County TCM Hospital".into(),
                    kind: InstitutionKind::CountyTcmHospital,
                },
            )
            .await
            .unwrap();
        network
            .found_community(
                &self.op,
                NewCommunity {
                    request_id: rid(),
                    name: "TCM community".into(),
                    lead: tcm.id,
                },
            )
            .await
            .unwrap()
            .id()
    }

    fn clinician(&self, team: Option<TeamId>) -> Principal {
        Principal {
            user: "dr-wang".into(),
            role: Role::Clinician,
            institution: self.township,
            community: Some(self.community),
            team,
        }
    }

    async fn household(&self, grid: GridId) -> HouseholdId {
        self.grids()
            .add_household(
                &self.op,
                NewHousehold {
                    request_id: rid(),
                    grid,
                    address: "No. 3, East Lane".into(),
                },
            )
            .await
            .unwrap()
            .id
    }

    async fn grid_of(&self, household: HouseholdId) -> GridId {
        let mut tx = self.store.begin().await.unwrap();
        tx.load_households(&[household]).await.unwrap()[0].grid
    }

    async fn version(&self, grid: GridId) -> Version {
        self.grids().get_grid(grid).await.unwrap().version
    }

    async fn resident(&self, number: u32, household: Option<HouseholdId>) -> ResidentId {
        ResidentService::new(self.deps.clone())
            .register(
                &self.clinician(None),
                NewResident {
                    request_id: rid(),
                    document: DocumentInput::Other {
                        kind: DocumentKind::Passport,
                        number: format!("PT{number:07}"),
                        birth_date: date!(1950 - 01 - 01),
                        sex: Sex::Female,
                    },
                    household,
                    grid: None,
                    resident_since: date!(2020 - 01 - 01),
                    personal: Default::default(),
                },
            )
            .await
            .unwrap()
            .value
            .resident
            .id()
    }

    async fn team(&self, name: &str) -> TeamId {
        let w = |n: u128, role| TeamMember {
            worker: WorkerId::from_u128(n),
            role,
        };
        self.teams()
            .form_team(
                &self.op,
                NewTeam {
                    request_id: rid(),
                    name: name.into(),
                    institution: self.township,
                    lead: WorkerId::from_u128(1),
                    members: vec![
                        w(1, TeamRole::GeneralPractitioner),
                        w(2, TeamRole::Nurse),
                        w(3, TeamRole::VillageDoctor),
                        w(4, TeamRole::CountySpecialist),
                    ],
                },
            )
            .await
            .unwrap()
            .value
            .id()
    }
}

/// The sequence of the latest event in the outbox.
/// A blood-pressure screening of `resident` on `on`, with no risk factors.
fn bp_row(
    resident: ResidentId,
    on: time::Date,
    sbp: u16,
    dbp: u16,
) -> yigong_service::ScreeningRow {
    yigong_service::ScreeningRow {
        resident,
        on,
        reading: yigong_service::RowReading::BloodPressure {
            sbp,
            dbp,
            body: yigong_service::BodySize::default(),
            family_history: false,
            high_salt_diet: false,
            heavy_drinking: false,
        },
    }
}

async fn last_sequence(store: &Store) -> i64 {
    let mut cursor = 0;
    loop {
        let page = store.changes_since(cursor, 1000).await.unwrap();
        match page.last() {
            Some(e) => cursor = e.sequence,
            None => return cursor,
        }
    }
}

fn rule(e: &ServiceError) -> Option<RuleId> {
    match e {
        ServiceError::Rule { rule, .. } => Some(*rule),
        _ => None,
    }
}

#[tokio::test]
async fn the_network_is_stored_whole_and_its_rules_hold() {
    for c in County::all().await {
        let network = c.network();
        let cached = network.network();
        let reloaded = network.refresh().await.unwrap();
        assert_eq!(*cached, *reloaded, "{}", c.name);
        assert_eq!(
            reloaded.community_of(c.township).map(|m| m.id()),
            Some(c.community)
        );

        // A retried registration returns the first institution and adds none.
        let request = NewInstitution {
            request_id: "inst-1".into(),
            name: "Dongshan Village Clinic".into(),
            kind: InstitutionKind::VillageClinic,
        };
        let first = network
            .register_institution(&c.op, request.clone())
            .await
            .unwrap();
        let again = network.register_institution(&c.op, request).await.unwrap();
        assert_eq!(first, again, "{}", c.name);
        assert_eq!(network.refresh().await.unwrap().institutions().count(), 3);

        // Joining the same community twice is a no-op; another community is refused.
        network
            .join_community(&c.op, c.community, first.id)
            .await
            .unwrap();
        network
            .join_community(&c.op, c.community, first.id)
            .await
            .unwrap();
        let second = c.tcm_community().await;
        let err = network
            .join_community(&c.op, second, first.id)
            .await
            .unwrap_err();
        assert_eq!(rule(&err), Some(RuleId::NetworkOneCommunity), "{}", c.name);

        // A village clinic cannot lead; only operators change the network; names are checked.
        let err = network
            .found_community(
                &c.op,
                NewCommunity {
                    request_id: rid(),
                    name: "x".into(),
                    lead: first.id,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(rule(&err), Some(RuleId::NetworkLeadHospital));
        let err = network
            .register_institution(
                &c.clinician(None),
                NewInstitution {
                    request_id: rid(),
                    name: "x".into(),
                    kind: InstitutionKind::VillageClinic,
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceError::PermissionDenied(_)), "{err}");
        let err = network
            .register_institution(
                &c.op,
                NewInstitution {
                    request_id: rid(),
                    name: "  ".into(),
                    kind: InstitutionKind::VillageClinic,
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, ServiceError::InvalidArgument { field: "name", .. }),
            "{err}"
        );
        assert_eq!(*network.network(), *network.refresh().await.unwrap());
    }
}

/// Rename, leave, join again and close, each stored: a fresh load of the network (another
/// instance's view) finds the name, the community and the closing day; concurrent closures of
/// one institution leave it closed once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_institution_renamed_moved_and_closed_is_stored_so() {
    for c in County::all().await {
        let network = Arc::new(c.network());
        let second = c.tcm_community().await;
        let clinic = network
            .register_institution(
                &c.op,
                NewInstitution {
                    request_id: rid(),
                    name: "Old Name Clinic".into(),
                    kind: InstitutionKind::PrivateClinic,
                },
            )
            .await
            .unwrap()
            .id;
        network
            .join_community(&c.op, c.community, clinic)
            .await
            .unwrap();
        network
            .rename_institution(&c.op, clinic, "New Name Clinic")
            .await
            .unwrap();
        network
            .leave_community(&c.op, c.community, clinic)
            .await
            .unwrap();
        network.join_community(&c.op, second, clinic).await.unwrap();
        let closes: Vec<_> = (0..2)
            .map(|_| {
                let network = Arc::clone(&network);
                let op = c.op.clone();
                tokio::spawn(async move { network.close_institution(&op, clinic).await })
            })
            .collect();
        for t in closes {
            match t.await.unwrap() {
                Ok(_) | Err(ServiceError::Conflict(_)) => {}
                Err(e) => panic!("{}: {e}", c.name),
            }
        }
        let stored = network.refresh().await.unwrap();
        let found = stored.institution(clinic).unwrap();
        assert_eq!(found.name, "New Name Clinic", "{}", c.name);
        assert_eq!(stored.community_of(clinic).map(|m| m.id()), Some(second));
        assert!(stored.closed_on(clinic).is_some(), "{}", c.name);
        assert!(!stored.community(c.community).unwrap().contains(clinic));
        let err = network
            .join_community(&c.op, c.community, clinic)
            .await
            .unwrap_err();
        assert!(
            rule(&err) == Some(RuleId::NetworkClosed)
                || rule(&err) == Some(RuleId::NetworkOneCommunity),
            "{}: {err}",
            c.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_joins_of_one_institution_have_one_winner() {
    for c in County::all().await {
        let network = Arc::new(c.network());
        let second = c.tcm_community().await;
        for round in 0..4 {
            let clinic = network
                .register_institution(
                    &c.op,
                    NewInstitution {
                        request_id: rid(),
                        name: format!("Clinic {round}"),
                        kind: InstitutionKind::VillageClinic,
                    },
                )
                .await
                .unwrap()
                .id;
            let tasks: Vec<_> = [c.community, second]
                .into_iter()
                .map(|community| {
                    let network = Arc::clone(&network);
                    let op = c.op.clone();
                    tokio::spawn(async move {
                        network
                            .join_community(&op, community, clinic)
                            .await
                            .map(|m| m.id())
                    })
                })
                .collect();
            let mut results = Vec::new();
            for t in tasks {
                results.push(t.await.unwrap());
            }
            let winners: Vec<CommunityId> = results
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .copied()
                .collect();
            assert_eq!(winners.len(), 1, "{}: {results:?}", c.name);
            for e in results.iter().filter_map(|r| r.as_ref().err()) {
                assert!(
                    matches!(e, ServiceError::Conflict(_))
                        || rule(e) == Some(RuleId::NetworkOneCommunity),
                    "{}: {e}",
                    c.name
                );
            }
            let stored = network.refresh().await.unwrap();
            assert_eq!(
                stored.community_of(clinic).map(|m| m.id()),
                Some(winners[0])
            );
        }
    }
}

#[tokio::test]
async fn grids_within_an_area_come_from_its_subtree_and_teams_find_their_grids() {
    for c in County::all().await {
        let grids = c.grids();
        let ids = |found: Vec<Versioned<yigong_domain::grid::Grid>>| {
            let mut ids: Vec<GridId> = found.iter().map(|g| g.value.id()).collect();
            ids.sort();
            ids
        };
        let mut both = vec![c.grid_a, c.grid_b];
        both.sort();
        assert_eq!(
            ids(grids.grids_within(c.township_area).await.unwrap()),
            both
        );
        assert_eq!(
            ids(grids.grids_within(c.village_a).await.unwrap()),
            vec![c.grid_a]
        );

        // A group under village A: its grid is in the township's and the village's subtree.
        let group = grids
            .add_area_node(
                &c.op,
                NewArea {
                    request_id: rid(),
                    name: "Group 1".into(),
                    kind: AreaKind::VillagerGroup,
                    parent: Some(c.village_a),
                    institution: None,
                },
            )
            .await
            .unwrap();
        let grid_g = grids
            .create_grid(
                &c.op,
                CreateGrid {
                    request_id: rid(),
                    name: "Group grid".into(),
                    area: group.id,
                },
            )
            .await
            .unwrap()
            .value
            .id();
        assert_eq!(grids.grids_within(c.township_area).await.unwrap().len(), 3);
        assert!(ids(grids.grids_within(c.village_a).await.unwrap()).contains(&grid_g));
        assert!(!ids(grids.grids_within(c.village_b).await.unwrap()).contains(&grid_g));

        // The tree's shape is the domain's: a villager group cannot hang under a township.
        let err = grids
            .add_area_node(
                &c.op,
                NewArea {
                    request_id: rid(),
                    name: "misplaced".into(),
                    kind: AreaKind::VillagerGroup,
                    parent: Some(c.township_area),
                    institution: None,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(rule(&err), Some(RuleId::GridAreaShape), "{}", c.name);

        // Team assignment: the current team's grids come from its index; history is kept.
        let first = c.team("Team 1").await;
        let second = c.team("Team 2").await;
        let at_township: Vec<TeamId> = c
            .teams()
            .teams_of(c.township)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.value.id())
            .collect();
        assert_eq!(at_township, [first, second], "{}", c.name);
        assert!(c.teams().teams_of(c.county).await.unwrap().is_empty());
        let v = c.version(c.grid_a).await;
        grids
            .assign_team(&c.op, c.grid_a, first, date!(2025 - 01 - 01), Some(v))
            .await
            .unwrap();
        let stale = grids
            .assign_team(&c.op, c.grid_a, second, date!(2026 - 01 - 01), Some(v))
            .await
            .unwrap_err();
        assert!(matches!(stale, ServiceError::Conflict(_)), "{stale}");
        assert_eq!(
            ids(grids.grids_of_team(first).await.unwrap()),
            vec![c.grid_a]
        );
        let moved = grids
            .assign_team(&c.op, c.grid_a, second, date!(2026 - 01 - 01), None)
            .await
            .unwrap();
        assert_eq!(moved.value.team_on(date!(2025 - 06 - 01)), Some(first));
        assert_eq!(moved.value.team_on(date!(2026 - 06 - 01)), Some(second));
        assert!(grids.grids_of_team(first).await.unwrap().is_empty());
        assert_eq!(
            ids(grids.grids_of_team(second).await.unwrap()),
            vec![c.grid_a]
        );
        let unknown = grids
            .assign_team(
                &c.op,
                c.grid_b,
                TeamId::from_u128(77),
                date!(2026 - 01 - 01),
                None,
            )
            .await
            .unwrap_err();
        assert!(matches!(unknown, ServiceError::NotFound(_)), "{unknown}");
        grids
            .unassign_team(&c.op, c.grid_a, date!(2026 - 02 - 01), None)
            .await
            .unwrap();
        assert!(grids.grids_of_team(second).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn residents_follow_their_household_when_it_moves() {
    for c in County::all().await {
        let household = c.household(c.grid_a).await;
        let resident = c.resident(1, Some(household)).await;
        let residents = ResidentService::new(c.deps.clone());
        let record = residents.get(&c.clinician(None), resident).await.unwrap();
        assert_eq!(record.value.scope.grid, Some(c.grid_a), "{}", c.name);

        c.grids()
            .reassign_households(&c.op, &[household], c.grid_b, &[])
            .await
            .unwrap();
        assert_eq!(c.grid_of(household).await, c.grid_b);
        let record = residents.get(&c.clinician(None), resident).await.unwrap();
        assert_eq!(record.value.scope.grid, Some(c.grid_b), "{}", c.name);

        // A stated grid must be the household's; the household must exist.
        let mut bad = NewResident {
            request_id: rid(),
            document: DocumentInput::Other {
                kind: DocumentKind::Passport,
                number: "PT9999999".into(),
                birth_date: date!(1960 - 01 - 01),
                sex: Sex::Male,
            },
            household: Some(household),
            grid: Some(c.grid_a),
            resident_since: date!(2020 - 01 - 01),
            personal: Default::default(),
        };
        let err = residents
            .register(&c.clinician(None), bad.clone())
            .await
            .unwrap_err();
        assert!(
            matches!(err, ServiceError::InvalidArgument { field: "grid", .. }),
            "{err}"
        );
        bad.household = Some(HouseholdId::from_u128(404));
        bad.grid = None;
        bad.request_id = rid();
        let err = residents
            .register(&c.clinician(None), bad)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                ServiceError::InvalidArgument {
                    field: "household",
                    ..
                }
            ),
            "{err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reassignments_of_one_household_have_one_winner_and_lose_nothing() {
    for c in County::all().await {
        let grids = Arc::new(c.grids());
        let grid_c = grids
            .create_grid(
                &c.op,
                CreateGrid {
                    request_id: rid(),
                    name: "Third grid".into(),
                    area: c.village_b,
                },
            )
            .await
            .unwrap()
            .value
            .id();
        for round in 0..4 {
            let household = c.household(c.grid_a).await;
            let resident = c.resident(100 + round, Some(household)).await;
            let seen = c.version(c.grid_a).await;
            let cursor = last_sequence(&c.store).await;
            let tasks: Vec<_> = [c.grid_b, grid_c]
                .into_iter()
                .map(|to| {
                    let grids = Arc::clone(&grids);
                    let op = c.op.clone();
                    let from = c.grid_a;
                    tokio::spawn(async move {
                        grids
                            .reassign_households(&op, &[household], to, &[(from, seen)])
                            .await
                            .map(|g| g.value.id())
                    })
                })
                .collect();
            let mut results = Vec::new();
            for t in tasks {
                results.push(t.await.unwrap());
            }
            let winners: Vec<GridId> = results
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .copied()
                .collect();
            assert_eq!(winners.len(), 1, "{}: {results:?}", c.name);
            for e in results.iter().filter_map(|r| r.as_ref().err()) {
                assert!(matches!(e, ServiceError::Conflict(_)), "{}: {e}", c.name);
            }
            // The household, its resident and the event log all say the winner's grid.
            assert_eq!(c.grid_of(household).await, winners[0], "{}", c.name);
            let record = ResidentService::new(c.deps.clone())
                .get(&c.clinician(None), resident)
                .await
                .unwrap();
            assert_eq!(record.value.scope.grid, Some(winners[0]));
            let events = c.store.changes_since(cursor, 1000).await.unwrap();
            let moves: Vec<_> = events
                .iter()
                .filter(|e| e.event.event_type == "grid.households_reassigned")
                .collect();
            assert_eq!(moves.len(), 1, "{}", c.name);
            assert_eq!(moves[0].event.aggregate_id, winners[0].as_uuid());
            // Back to A for the next round.
            grids
                .reassign_households(&c.op, &[household], c.grid_a, &[])
                .await
                .unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_split_racing_a_new_household_never_leaves_it_in_a_retired_grid() {
    for c in County::all().await {
        let grids = Arc::new(c.grids());
        for round in 0..3 {
            let grid = grids
                .create_grid(
                    &c.op,
                    CreateGrid {
                        request_id: rid(),
                        name: format!("Race grid {round}"),
                        area: c.village_a,
                    },
                )
                .await
                .unwrap()
                .value
                .id();
            let h1 = c.household(grid).await;
            let h2 = c.household(grid).await;
            let split = {
                let grids = Arc::clone(&grids);
                let op = c.op.clone();
                let area = c.village_a;
                tokio::spawn(async move {
                    grids
                        .split(
                            &op,
                            SplitGrid {
                                request_id: rid(),
                                grid,
                                etag: None,
                                parts: vec![
                                    SplitPart {
                                        name: "North".into(),
                                        area,
                                        households: vec![h1],
                                    },
                                    SplitPart {
                                        name: "South".into(),
                                        area,
                                        households: vec![h2],
                                    },
                                ],
                                on: date!(2026 - 03 - 01),
                            },
                        )
                        .await
                        .map(|_| ())
                })
            };
            let add = {
                let grids = Arc::clone(&grids);
                let op = c.op.clone();
                tokio::spawn(async move {
                    grids
                        .add_household(
                            &op,
                            NewHousehold {
                                request_id: rid(),
                                grid,
                                address: "late arrival".into(),
                            },
                        )
                        .await
                        .map(|h| h.id)
                })
            };
            let split = split.await.unwrap();
            let add = add.await.unwrap();
            assert!(
                split.is_ok() != add.is_ok(),
                "{}: exactly one wins: {split:?} {add:?}",
                c.name
            );
            // Whoever won, every household of the race sits in an active grid.
            let mut households = vec![h1, h2];
            households.extend(add.as_ref().ok().copied());
            for h in households {
                let g = grids.get_grid(c.grid_of(h).await).await.unwrap();
                assert_eq!(g.value.retired_on(), None, "{}: {h} orphaned", c.name);
            }
        }
    }
}

#[tokio::test]
async fn split_and_merge_move_every_household_once_and_retries_return_the_first_result() {
    for c in County::all().await {
        let grids = c.grids();
        let households = [
            c.household(c.grid_a).await,
            c.household(c.grid_a).await,
            c.household(c.grid_a).await,
        ];
        let split = SplitGrid {
            request_id: "split-1".into(),
            grid: c.grid_a,
            etag: Some(c.version(c.grid_a).await),
            parts: vec![
                SplitPart {
                    name: "East-1".into(),
                    area: c.village_a,
                    households: vec![households[0]],
                },
                SplitPart {
                    name: "East-2".into(),
                    area: c.village_a,
                    households: vec![households[1], households[2]],
                },
            ],
            on: date!(2026 - 03 - 01),
        };
        // Not a partition: refused, nothing moved.
        let mut partial = split.clone();
        partial.request_id = rid();
        partial.parts[1].households.pop();
        let err = grids.split(&c.op, partial).await.unwrap_err();
        assert_eq!(rule(&err), Some(RuleId::GridNoOrphan), "{}", c.name);
        assert_eq!(c.grid_of(households[2]).await, c.grid_a);

        let parts = grids.split(&c.op, split.clone()).await.unwrap();
        let again = grids.split(&c.op, split).await.unwrap();
        assert_eq!(
            parts.iter().map(|g| g.value.id()).collect::<Vec<_>>(),
            again.iter().map(|g| g.value.id()).collect::<Vec<_>>(),
            "{}",
            c.name
        );
        assert_eq!(c.grid_of(households[0]).await, parts[0].value.id());
        assert_eq!(c.grid_of(households[2]).await, parts[1].value.id());
        let old = grids.get_grid(c.grid_a).await.unwrap();
        assert_eq!(old.value.retired_on(), Some(date!(2026 - 03 - 01)));
        let late = grids
            .add_household(
                &c.op,
                NewHousehold {
                    request_id: rid(),
                    grid: c.grid_a,
                    address: "too late".into(),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(rule(&late), Some(RuleId::GridNoOrphan));

        let merged = grids
            .merge(
                &c.op,
                MergeGrids {
                    request_id: rid(),
                    grids: vec![parts[0].value.id(), parts[1].value.id(), c.grid_b],
                    expected: vec![],
                    name: "Whole township".into(),
                    area: c.township_area,
                    on: date!(2026 - 03 - 02),
                },
            )
            .await
            .unwrap();
        for h in households {
            assert_eq!(c.grid_of(h).await, merged.value.id(), "{}", c.name);
        }
        let active: Vec<GridId> = grids
            .grids_within(c.township_area)
            .await
            .unwrap()
            .iter()
            .map(|g| g.value.id())
            .collect();
        assert_eq!(active, vec![merged.value.id()], "{}", c.name);
    }
}

fn contract(resident: ResidentId, team: TeamId, start: Date) -> NewContract {
    NewContract {
        request_id: rid(),
        resident,
        team,
        doctor: Some(WorkerId::from_u128(1)),
        package: Package::Basic,
        start,
        months: None,
    }
}

#[tokio::test]
async fn a_resident_holds_one_contract_in_force_and_contracts_are_scoped() {
    for c in County::all().await {
        let team = c.team("Team 1").await;
        let doctor = c.clinician(Some(team));
        let teams = c.teams();
        let resident = c.resident(7, Some(c.household(c.grid_a).await)).await;

        let signed = teams
            .sign(&doctor, contract(resident, team, date!(2026 - 03 - 01)))
            .await
            .unwrap();
        assert_eq!(signed.value.end(), date!(2027 - 03 - 01), "{}", c.name);
        let overlap = teams
            .sign(&doctor, contract(resident, team, date!(2026 - 09 - 01)))
            .await
            .unwrap_err();
        assert_eq!(
            rule(&overlap),
            Some(RuleId::ContractOneActive),
            "{}",
            c.name
        );

        // A retried sign returns the first contract.
        let request = contract(c.resident(8, None).await, team, date!(2026 - 03 - 01));
        let first = teams.sign(&doctor, request.clone()).await.unwrap();
        let again = teams.sign(&doctor, request).await.unwrap();
        assert_eq!(first.value.id(), again.value.id());

        // Renewal opens 60 days before the end; the renewal starts when the old one ends.
        let early = teams
            .renew(
                &doctor,
                &rid(),
                signed.value.id(),
                date!(2026 - 06 - 01),
                None,
                None,
            )
            .await
            .unwrap_err();
        assert_eq!(rule(&early), Some(RuleId::ContractRenewal));
        let renewed = teams
            .renew(
                &doctor,
                &rid(),
                signed.value.id(),
                date!(2027 - 01 - 15),
                None,
                Some(signed.version),
            )
            .await
            .unwrap();
        assert_eq!(renewed.new.value.start(), date!(2027 - 03 - 01));
        let ended = teams
            .terminate(
                &doctor,
                renewed.new.value.id(),
                date!(2027 - 06 - 01),
                TerminationReason::MovedOut,
                Some(renewed.new.version),
            )
            .await
            .unwrap();
        assert_eq!(ended.version, 2);

        let history = teams.contracts_of(&doctor, resident).await.unwrap();
        assert_eq!(history.len(), 2, "{}", c.name);
        assert_eq!(history[0].value.id(), renewed.new.value.id());

        // A clinician of another institution neither reads nor signs.
        let stranger = Principal {
            institution: InstitutionId::from_u128(555),
            ..doctor.clone()
        };
        let err = teams.contracts_of(&stranger, resident).await.unwrap_err();
        assert!(matches!(err, ServiceError::NotFound(_)), "{err}");
        let err = teams
            .sign(&stranger, contract(resident, team, date!(2028 - 03 - 01)))
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceError::NotFound(_)), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_contracts_for_one_resident_have_one_winner() {
    for c in County::all().await {
        let team = c.team("Team 1").await;
        let teams = Arc::new(c.teams());
        for round in 0..4 {
            let resident = c.resident(300 + round, None).await;
            let tasks: Vec<_> = (0..2)
                .map(|i| {
                    let teams = Arc::clone(&teams);
                    let doctor = c.clinician(Some(team));
                    let request = contract(
                        resident,
                        team,
                        date!(2026 - 03 - 01) + time::Duration::days(i),
                    );
                    tokio::spawn(async move { teams.sign(&doctor, request).await })
                })
                .collect();
            let mut results = Vec::new();
            for t in tasks {
                results.push(t.await.unwrap());
            }
            let wins = results.iter().filter(|r| r.is_ok()).count();
            assert_eq!(wins, 1, "{}: {results:?}", c.name);
            for e in results.iter().filter_map(|r| r.as_ref().err()) {
                assert!(
                    matches!(e, ServiceError::Conflict(_))
                        || rule(e) == Some(RuleId::ContractOneActive),
                    "{}: {e}",
                    c.name
                );
            }
            let stored = teams
                .contracts_of(&c.clinician(Some(team)), resident)
                .await
                .unwrap();
            assert_eq!(stored.len(), 1, "{}", c.name);
        }
    }
}

#[tokio::test]
async fn households_and_residents_import_in_batches_all_or_nothing() {
    for c in County::all().await {
        let grids = c.grids();
        let rows: Vec<yigong_service::HouseholdRow> = (0..2500)
            .map(|i| yigong_service::HouseholdRow {
                grid: if i % 2 == 0 { c.grid_a } else { c.grid_b },
                address: format!("No. {i}, Long Street"),
            })
            .collect();

        // One bad address and one unknown grid: every error reported, nothing written.
        let before_a = c.version(c.grid_a).await;
        let mut bad = rows.clone();
        bad[7].address = " ".into();
        bad[2100].grid = GridId::from_u128(404);
        let refused = grids
            .import_households(&c.op, "households-1", &bad)
            .await
            .unwrap();
        assert!(refused.households.is_empty(), "{}", c.name);
        let at: Vec<(usize, &str)> = refused.errors.iter().map(|e| (e.row, e.field)).collect();
        assert_eq!(at, vec![(7, "address"), (2100, "grid")], "{}", c.name);
        assert_eq!(
            c.version(c.grid_a).await,
            before_a,
            "{}: refused, unchanged",
            c.name
        );

        // The fixed batch reuses the request id; a retry returns the same households.
        let imported = grids
            .import_households(&c.op, "households-1", &rows)
            .await
            .unwrap();
        assert!(
            imported.errors.is_empty(),
            "{}: {:?}",
            c.name,
            imported.errors
        );
        assert_eq!(imported.households.len(), 2500);
        let again = grids
            .import_households(&c.op, "households-1", &rows)
            .await
            .unwrap();
        assert_eq!(again.households, imported.households, "{}", c.name);
        assert_eq!(c.grid_of(imported.households[1].id).await, c.grid_b);
        // One version bump per grid for the whole batch.
        assert_eq!(c.version(c.grid_a).await, before_a + 1);

        let residents = ResidentService::new(c.deps.clone());
        let registered = c.resident(1, None).await;
        let person = |i: u32, household: Option<HouseholdId>| yigong_service::ResidentRow {
            document: DocumentInput::Other {
                kind: DocumentKind::Passport,
                number: format!("PB{i:07}"),
                birth_date: date!(1955 - 05 - 05),
                sex: Sex::Male,
            },
            household,
            grid: None,
            resident_since: date!(2021 - 01 - 01),
            personal: Default::default(),
        };
        let mut people: Vec<_> = imported
            .households
            .iter()
            .enumerate()
            .map(|(i, h)| person(u32::try_from(i).unwrap() + 10, Some(h.id)))
            .collect();
        let mut bad = people.clone();
        bad[3] = person(1, None);
        if let DocumentInput::Other { number, .. } = &mut bad[3].document {
            *number = "PT0000001".into(); // registered before
        }
        bad[9] = bad[8].clone(); // twice in the batch
        bad[11].household = Some(HouseholdId::from_u128(404));
        bad[12].resident_since = date!(2030 - 01 - 01);
        let refused = residents
            .import_residents(&c.clinician(None), "residents-1", bad)
            .await
            .unwrap();
        let at: Vec<(usize, &str)> = refused.errors.iter().map(|e| (e.row, e.field)).collect();
        assert_eq!(
            at,
            vec![
                (3, "document"),
                (9, "document"),
                (11, "household"),
                (12, "resident_since")
            ],
            "{}",
            c.name
        );
        assert!(refused.residents.is_empty());

        let cursor = last_sequence(&c.store).await;
        people.truncate(2400);
        let done = residents
            .import_residents(&c.clinician(None), "residents-1", people)
            .await
            .unwrap();
        assert!(done.errors.is_empty(), "{}: {:?}", c.name, done.errors);
        assert_eq!(done.residents.len(), 2400);
        let record = residents
            .get(&c.clinician(None), done.residents[1])
            .await
            .unwrap();
        assert_eq!(record.value.scope.grid, Some(c.grid_b), "{}", c.name);
        assert_ne!(done.residents[0], registered);
        let mut registrations = 0;
        let mut at = cursor;
        loop {
            let page = c.store.changes_since(at, 1000).await.unwrap();
            let Some(last) = page.last() else { break };
            at = last.sequence;
            registrations += page
                .iter()
                .filter(|e| e.event.event_type == "resident.resident_registered")
                .count();
        }
        assert_eq!(registrations, 2400, "{}", c.name);
    }
}

#[tokio::test]
async fn outreach_follows_the_rules_and_a_closed_enrolment_takes_its_plans_along() {
    use yigong_domain::followup::{CloseReason, Condition, OutreachOutcome, PlanState};
    use yigong_service::{FollowUpService, NewEnrolment};
    for c in County::all().await {
        let team = c.team("Team 1").await;
        let doctor = c.clinician(Some(team));
        let follow_up = FollowUpService::new(c.deps.clone());
        let enrol = |patient, on: Date| NewEnrolment {
            patient,
            condition: Condition::Hypertension,
            confirmed_by: c.county,
            confirmed_on: on,
            on,
        };

        // Enrolled long ago: the first plan is overdue, so outreach is recorded.
        let old = c.resident(21, None).await;
        let (_, plan) = follow_up
            .enrol(&doctor, enrol(old, date!(2025 - 01 - 10)))
            .await
            .unwrap();
        let remind = date!(2026 - 03 - 09);
        let reached = follow_up
            .record_outreach(
                &doctor,
                plan.value.id(),
                NOW.date(),
                OutreachOutcome::Reached { remind_on: remind },
                Some(plan.version),
            )
            .await
            .unwrap();
        assert_eq!(reached.value.remind_on(), Some(remind), "{}", c.name);
        assert_eq!(reached.version, plan.version + 1);
        let stranger = Principal {
            institution: c.county,
            team: None,
            ..doctor.clone()
        };
        let err = follow_up
            .record_outreach(
                &stranger,
                plan.value.id(),
                NOW.date(),
                OutreachOutcome::Unreachable,
                None,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceError::PermissionDenied(_)), "{err}");

        // Enrolled today: the plan is not overdue, so outreach is refused by the rules.
        let new = c.resident(22, None).await;
        let (enrolment, plan) = follow_up
            .enrol(&doctor, enrol(new, NOW.date()))
            .await
            .unwrap();
        let err = follow_up
            .record_outreach(
                &doctor,
                plan.value.id(),
                NOW.date(),
                OutreachOutcome::Refused,
                None,
            )
            .await
            .unwrap_err();
        assert!(rule(&err).is_some(), "{}: {err}", c.name);

        let closed = follow_up
            .close_enrolment(
                &doctor,
                enrolment.value.id(),
                NOW.date(),
                CloseReason::MovedOut,
                Some(enrolment.version),
            )
            .await
            .unwrap();
        assert_eq!(
            closed.value.closed(),
            Some((NOW.date(), CloseReason::MovedOut))
        );
        let stored = c
            .deps
            .follow_ups
            .get_plan(plan.value.id())
            .await
            .unwrap()
            .unwrap();
        assert!(
            matches!(stored.value.state(), PlanState::Closed { .. }),
            "{}: {:?}",
            c.name,
            stored.value.state()
        );
        let twice = follow_up
            .close_enrolment(
                &doctor,
                enrolment.value.id(),
                NOW.date(),
                CloseReason::MovedOut,
                None,
            )
            .await
            .unwrap_err();
        assert!(rule(&twice).is_some(), "{twice}");
        // The condition is open for a new enrolment again.
        follow_up
            .enrol(&doctor, enrol(new, NOW.date()))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn indicators_count_each_grid_from_what_is_stored() {
    use yigong_domain::followup::Condition;
    use yigong_service::{FollowUpService, IndicatorService, NewEnrolment, ScreeningService};
    for c in County::all().await {
        let team = c.team("Team 1").await;
        let doctor = c.clinician(Some(team));
        let (east_1, east_2) = (c.household(c.grid_a).await, c.household(c.grid_a).await);
        let west = c.household(c.grid_b).await;
        // Every resident of the helper was born in 1950 and lives here since 2020: all are
        // permanent and aged 65+ (a key population).
        let patient = c.resident(31, Some(east_1)).await;
        let screened = c.resident(32, Some(east_2)).await;
        let westerner = c.resident(33, Some(west)).await;
        c.resident(34, None).await; // in no grid: counted nowhere
        // Asked before every change below, so each must reach its cached tallies (IND-CURRENT).
        let cached = IndicatorService::new(c.deps.clone(), c.store.clone());
        let area = |service: IndicatorService| {
            let doctor = doctor.clone();
            let area = c.township_area;
            async move {
                service
                    .area_report(&doctor, area, NOW.date(), None)
                    .await
                    .unwrap()
            }
        };
        let before = area(cached.clone()).await;
        assert_eq!(before.total.permanent_residents, 3, "{}", c.name);

        FollowUpService::new(c.deps.clone())
            .enrol(
                &doctor,
                NewEnrolment {
                    patient,
                    condition: Condition::Hypertension,
                    confirmed_by: c.county,
                    confirmed_on: date!(2025 - 01 - 10),
                    on: date!(2025 - 01 - 10),
                },
            )
            .await
            .unwrap();
        c.teams()
            .sign(&doctor, contract(patient, team, date!(2026 - 01 - 01)))
            .await
            .unwrap();
        ScreeningService::new(c.deps.clone())
            .record(
                &doctor,
                &rid(),
                bp_row(screened, date!(2026 - 02 - 01), 120, 78),
            )
            .await
            .unwrap();

        let report = area(IndicatorService::new(c.deps.clone(), c.store.clone())).await;
        assert_eq!(area(cached.clone()).await, report, "{}", c.name);
        let tally = |grid| {
            report
                .grids
                .iter()
                .find(|g| g.grid == grid)
                .unwrap_or_else(|| panic!("{}: grid {grid} reported", c.name))
                .tally
        };
        let east = tally(c.grid_a);
        assert_eq!(east.households, 2, "{}", c.name);
        assert_eq!(east.permanent_residents, 2, "{}", c.name);
        assert_eq!(east.records, 2);
        assert_eq!(
            east.dynamic_records, 1,
            "{}: the screening is a service",
            c.name
        );
        assert_eq!(east.contracted, 1, "{}", c.name);
        assert_eq!(
            (east.key_population, east.key_population_contracted),
            (2, 1)
        );
        assert_eq!((east.managed, east.controlled), (1, 0), "{}", c.name);
        assert_eq!(
            (east.follow_ups_due, east.follow_ups_overdue),
            (1, 1),
            "{}: the first plan fell due in January 2025",
            c.name
        );
        let west = tally(c.grid_b);
        assert_eq!((west.households, west.permanent_residents), (1, 1));
        assert_eq!(
            (west.contracted, west.managed, west.dynamic_records),
            (0, 0, 0)
        );
        assert_eq!(report.total.permanent_residents, 3, "{}", c.name);
        assert_eq!(report.total.households, 3);
        assert_eq!(
            report.total.contract_coverage().map(|p| p.to_string()),
            yigong_domain::measure::Percentage::of(1, 3).map(|p| p.to_string())
        );

        // An institution's report covers the grids its teams serve, and only those.
        let v = c.version(c.grid_a).await;
        GridService::new(c.deps.clone())
            .assign_team(&c.op, c.grid_a, team, date!(2025 - 01 - 01), Some(v))
            .await
            .unwrap();
        let indicators = IndicatorService::new(c.deps.clone(), c.store.clone());
        let township = indicators
            .institution_report(&doctor, c.township, NOW.date(), None)
            .await
            .unwrap();
        assert_eq!(township.scope, format!("institutions/{}", c.township));
        let grids: Vec<GridId> = township.grids.iter().map(|g| g.grid).collect();
        assert_eq!(grids, [c.grid_a], "{}", c.name);
        assert_eq!(township.total, east, "{}", c.name);

        // A contract ended (named through the contract) and a household moved to the other
        // grid (touching any grid): the cached report follows both.
        let held = c.teams().contracts_of(&doctor, patient).await.unwrap();
        c.teams()
            .terminate(
                &doctor,
                held[0].value.id(),
                NOW.date(),
                yigong_domain::contract::TerminationReason::MovedOut,
                Some(held[0].version),
            )
            .await
            .unwrap();
        let fresh = area(IndicatorService::new(c.deps.clone(), c.store.clone())).await;
        assert_ne!(
            fresh.total.contracted, report.total.contracted,
            "{}",
            c.name
        );
        assert_eq!(area(cached.clone()).await, fresh, "{}", c.name);
        c.grids()
            .reassign_households(&c.op, &[east_2], c.grid_b, &[])
            .await
            .unwrap();
        let fresh = area(IndicatorService::new(c.deps.clone(), c.store.clone())).await;
        assert_eq!(area(cached.clone()).await, fresh, "{}", c.name);
        let west_line = fresh.grids.iter().find(|g| g.grid == c.grid_b).unwrap();
        assert_eq!(west_line.tally.households, 2, "{}", c.name);
        // A batch import announces itself once, not per row: its residents' grids follow.
        let screened_before = fresh.total.assessed.bp_screened;
        ScreeningService::new(c.deps.clone())
            .import_batch(
                &doctor,
                &rid(),
                &[bp_row(westerner, date!(2026 - 02 - 20), 118, 76)],
            )
            .await
            .unwrap();
        let fresh = area(IndicatorService::new(c.deps.clone(), c.store.clone())).await;
        assert_eq!(
            fresh.total.assessed.bp_screened,
            screened_before + 1,
            "{}",
            c.name
        );
        assert_eq!(area(cached.clone()).await, fresh, "{}", c.name);
        let missing = InstitutionId::from_u128(404);
        let unknown = indicators
            .institution_report(&doctor, missing, NOW.date(), None)
            .await
            .unwrap_err();
        assert!(
            matches!(unknown, ServiceError::NotFound(ref what) if what.contains(&missing.to_string())),
            "{unknown}"
        );
    }
}
