//! The grids a batch of changes touched, on every backend: a resident's grid, and the grid of
//! the resident an enrolment, a plan or a two-cancer case is about; a grid named itself; ids
//! the store does not hold and residents in no grid add none.

use std::collections::BTreeSet;

use time::macros::date;
use yigong_domain::ids::{
    CancerCaseId, CommunityId, ContractId, EnrolmentId, GridId, PlanId, ResidentId,
};
use yigong_domain::indicator::Touched;
use yigong_domain::screening::{CancerCase, PathwayStep};
use yigong_ports::{CancerCaseRecord, IndicatorQueries, UnitOfWork};

use crate::backends;
use crate::support::*;

const EAST: GridId = GridId::from_u128(900);
const WEST: GridId = GridId::from_u128(901);

#[tokio::test]
async fn touched_ids_resolve_to_their_residents_grids() {
    for b in backends::all().await {
        let resident = |n: u128, grid: Option<GridId>| {
            let mut r = patient(
                ResidentId::from_u128(n),
                TOWNSHIP,
                CommunityId::from_u128(500),
            );
            r.scope.grid = grid;
            r
        };
        let (enrolled, plan) = crate::followup::enrolment(7, 81, date!(2026 - 01 - 05));
        let (case, _) = CancerCase::open(
            CancerCaseId::from_u128(5),
            ResidentId::from_u128(82),
            PathwayStep::CytologyOrHpv,
            true,
            date!(2026 - 01 - 06),
        )
        .unwrap();
        let mut tx = b.store.begin().await.unwrap();
        tx.insert_resident(&resident(80, Some(EAST))).await.unwrap();
        tx.insert_resident(&resident(81, Some(WEST))).await.unwrap();
        tx.insert_resident(&resident(82, Some(EAST))).await.unwrap();
        tx.insert_resident(&resident(83, None)).await.unwrap();
        tx.insert_enrolment(&enrolled).await.unwrap();
        tx.insert_plan(&plan).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = b.store.begin().await.unwrap();
        let exam = yigong_domain::ids::CancerExamId::from_u128(5);
        tx.insert_cancer_case(&CancerCaseRecord {
            case,
            institution: TOWNSHIP,
            exam,
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let grids = |touched: Vec<Touched>| {
            let store = &b.store;
            async move { store.grids_touched(&touched).await.unwrap() }
        };
        assert_eq!(
            grids(vec![Touched::Resident(ResidentId::from_u128(80))]).await,
            BTreeSet::from([EAST]),
            "{}",
            b.name
        );
        assert_eq!(
            grids(vec![Touched::Enrolment(EnrolmentId::from_u128(7))]).await,
            BTreeSet::from([WEST]),
            "{}",
            b.name
        );
        assert_eq!(
            grids(vec![Touched::Plan(plan.id())]).await,
            BTreeSet::from([WEST]),
            "{}",
            b.name
        );
        assert_eq!(
            grids(vec![Touched::CancerCase(CancerCaseId::from_u128(5))]).await,
            BTreeSet::from([EAST]),
            "{}",
            b.name
        );
        // Nothing held, no grid, or no grid named: none.
        assert!(
            grids(vec![
                Touched::Resident(ResidentId::from_u128(83)),
                Touched::Resident(ResidentId::from_u128(99)),
                Touched::Contract(ContractId::from_u128(1)),
                Touched::Plan(PlanId::from_u128(1)),
                Touched::Nothing,
                Touched::Everything,
            ])
            .await
            .is_empty(),
            "{}",
            b.name
        );
        // Many at once, in chunks, with a grid named itself.
        let many: Vec<Touched> = (0..1_200)
            .map(|n| Touched::Resident(ResidentId::from_u128(1_000 + n)))
            .chain([
                Touched::Resident(ResidentId::from_u128(81)),
                Touched::Grid(GridId::from_u128(902)),
            ])
            .collect();
        assert_eq!(
            grids(many).await,
            BTreeSet::from([WEST, GridId::from_u128(902)]),
            "{}",
            b.name
        );
    }
}
