//! Grid and contract commands against mocked ports: operators only, etags checked before any
//! write, and a storage failure half-way through a split commits nothing.

use time::macros::date;
use yigong_domain::contract::Package;
use yigong_domain::grid::{AreaKind, AreaNode, AreaTree, Grid, GridMap, NewGrid};
use yigong_domain::ids::{AreaNodeId, GridId, HouseholdId, ResidentId, TeamId};
use yigong_ports::{PatientRecord, StoreError, Versioned};
use yigong_service::{
    GridService, NewContract, Principal, Role, ServiceError, SplitGrid, SplitPart, TeamService,
};

use crate::support::*;

const AREA: AreaNodeId = AreaNodeId::from_u128(7);
const GRID: GridId = GridId::from_u128(70);

fn operator() -> Principal {
    Principal {
        role: Role::Operator,
        ..clinician(COUNTY)
    }
}

fn area() -> AreaNode {
    AreaNode {
        id: AREA,
        name: "Qiaotou".into(),
        kind: AreaKind::Township,
        parent: None,
        institution: None,
    }
}

fn grid() -> Grid {
    let mut tree = AreaTree::new();
    tree.add(area()).unwrap();
    let mut map = GridMap::new();
    map.create_grid(
        &tree,
        NewGrid {
            id: GRID,
            name: "East".into(),
            area: AREA,
        },
    )
    .unwrap();
    map.grid(GRID).unwrap().clone()
}

fn service(tx: Option<MockTx>) -> GridService {
    let uow = tx.map_or_else(MockUow::new, uow_with);
    GridService::new(deps(
        uow,
        MockQueries::new(),
        MockFollowUps::new(),
        MockAudit::new(),
    ))
}

#[tokio::test]
async fn only_operators_change_grids_and_nothing_is_opened_for_others() {
    // No expectation on the unit of work: beginning a transaction would fail the test.
    let err = service(None)
        .assign_team(
            &clinician(TOWNSHIP),
            GRID,
            TeamId::from_u128(1),
            date!(2026 - 01 - 01),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::PermissionDenied(_)), "{err}");
}

#[tokio::test]
async fn a_stale_etag_refuses_a_team_assignment_before_any_write() {
    let mut tx = MockTx::new();
    tx.expect_load_grids().returning(|_| {
        Ok(vec![Versioned {
            value: grid(),
            version: 3,
        }])
    });
    tx.expect_update_grid().never();
    tx.expect_append_events().never();
    tx.expect_commit().never();
    let err = service(Some(tx))
        .assign_team(
            &operator(),
            GRID,
            TeamId::from_u128(1),
            date!(2026 - 01 - 01),
            Some(2),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Conflict(_)), "{err}");
}

#[tokio::test]
async fn a_storage_failure_half_way_through_a_split_commits_nothing() {
    let (h1, h2) = (HouseholdId::from_u128(1), HouseholdId::from_u128(2));
    let mut tx = MockTx::new();
    tx.expect_claim_request().times(1).returning(|_| Ok(()));
    tx.expect_load_grids().returning(|_| {
        Ok(vec![Versioned {
            value: grid(),
            version: 1,
        }])
    });
    tx.expect_households_of()
        .returning(move |_| Ok(vec![h1, h2]));
    tx.expect_area_path().returning(|_| Ok(vec![area()]));
    let mut inserted = 0;
    tx.expect_insert_grid().times(2).returning(move |_| {
        inserted += 1;
        if inserted == 1 {
            Ok(1)
        } else {
            Err(StoreError::Unavailable("connection reset".into()))
        }
    });
    tx.expect_move_households().never();
    tx.expect_update_grid().never();
    tx.expect_commit().never();
    let part = |name: &str, h| SplitPart {
        name: name.into(),
        area: AREA,
        households: vec![h],
    };
    let err = service(Some(tx))
        .split(
            &operator(),
            SplitGrid {
                request_id: "split-1".into(),
                grid: GRID,
                etag: None,
                parts: vec![part("North", h1), part("South", h2)],
                on: date!(2026 - 03 - 01),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Unavailable(_)), "{err}");
}

#[tokio::test]
async fn a_split_that_misses_a_household_is_refused_before_any_write() {
    let (h1, h2, h3) = (
        HouseholdId::from_u128(1),
        HouseholdId::from_u128(2),
        HouseholdId::from_u128(3),
    );
    let mut tx = MockTx::new();
    tx.expect_claim_request().returning(|_| Ok(()));
    tx.expect_load_grids().returning(|_| {
        Ok(vec![Versioned {
            value: grid(),
            version: 1,
        }])
    });
    tx.expect_households_of()
        .returning(move |_| Ok(vec![h1, h2, h3]));
    tx.expect_area_path().returning(|_| Ok(vec![area()]));
    tx.expect_insert_grid().never();
    tx.expect_commit().never();
    let err = service(Some(tx))
        .split(
            &operator(),
            SplitGrid {
                request_id: "split-2".into(),
                grid: GRID,
                etag: None,
                parts: vec![
                    SplitPart {
                        name: "North".into(),
                        area: AREA,
                        households: vec![h1],
                    },
                    SplitPart {
                        name: "South".into(),
                        area: AREA,
                        households: vec![h2],
                    },
                ],
                on: date!(2026 - 03 - 01),
            },
        )
        .await
        .unwrap_err();
    let ServiceError::Rule { message, .. } = &err else {
        panic!("{err}");
    };
    assert!(message.contains("no part"), "{message}");
}

/// A patient whose record the village clinic holds.
fn record_at_village(id: ResidentId) -> Versioned<PatientRecord> {
    Versioned {
        value: citizen_record(id, "11010519491231002X", VILLAGE),
        version: 1,
    }
}

#[tokio::test]
async fn a_contract_for_an_unseen_resident_is_not_found_and_takes_no_lock() {
    let mut tx = MockTx::new();
    tx.expect_claim_request().returning(|_| Ok(()));
    // Held by the village clinic: a township clinician does not see it.
    tx.expect_load_resident()
        .returning(|id| Ok(Some(record_at_village(id))));
    tx.expect_lock_resident().never();
    tx.expect_insert_contract().never();
    tx.expect_commit().never();
    tx.expect_rollback().times(1).returning(|| Ok(()));
    let mut queries = MockQueries::new();
    queries.expect_referred_to().returning(|_, _| Ok(false));
    let teams = TeamService::new(deps(
        uow_with(tx),
        queries,
        MockFollowUps::new(),
        denied_once("contract.sign"),
    ));
    let err = teams
        .sign(
            &clinician(TOWNSHIP),
            NewContract {
                request_id: "c-1".into(),
                resident: ResidentId::from_u128(5),
                team: TeamId::from_u128(1),
                doctor: None,
                package: Package::Basic,
                start: date!(2026 - 03 - 01),
                months: None,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::NotFound(_)), "{err}");
}
