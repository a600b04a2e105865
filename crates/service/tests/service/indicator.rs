//! Area reports: each grid tallied from its stored facts by the domain, the total the sum of
//! the grids' counts, the report audited once; a storage failure half-way is an error and
//! writes no audit entry claiming a report was read.

use std::sync::Arc;

use mockall::predicate::*;
use time::macros::date;
use yigong_domain::followup::{
    Condition, Confirmation, EnrolPatient, Enrolment, VisitClass, VisitSummary,
};
use yigong_domain::grid::{AreaKind, AreaNode, AreaTree, Grid, GridMap, NewGrid};
use yigong_domain::identity::{DocumentKind, OtherDocument, Resident, Sex};
use yigong_domain::ids::{AreaNodeId, EnrolmentId, GridId, PlanId, ResidentId, TeamId};
use yigong_domain::profile::RuleProfile;
use yigong_ports::{GridFacts, StoreError, Versioned};
use yigong_service::{IndicatorService, ServiceError};

use crate::support::*;

pub(crate) const AREA: AreaNodeId = AreaNodeId::from_u128(7);
pub(crate) const ON: time::Date = date!(2026 - 03 - 02);

pub(crate) fn grids() -> Vec<Versioned<Grid>> {
    let mut tree = AreaTree::new();
    tree.add(AreaNode {
        id: AREA,
        name: "Qiaotou".into(),
        kind: AreaKind::Township,
        parent: None,
        institution: None,
    })
    .unwrap();
    let mut map = GridMap::new();
    for (id, name) in [(71, "West"), (70, "East")] {
        map.create_grid(
            &tree,
            NewGrid {
                id: GridId::from_u128(id),
                name: name.into(),
                area: AREA,
            },
        )
        .unwrap();
    }
    [70, 71]
        .map(|id| Versioned {
            value: map.grid(GridId::from_u128(id)).unwrap().clone(),
            version: 1,
        })
        .into()
}

pub(crate) fn resident(n: u128, born: time::Date, since: time::Date) -> Resident {
    Resident::with_document(
        ResidentId::from_u128(n),
        OtherDocument::new(DocumentKind::Passport, &format!("E{n:07}")).unwrap(),
        born,
        Sex::Female,
        None,
        since,
    )
    .unwrap()
}

/// East: an elderly hypertensive patient controlled at her last visit and checked (guided) in
/// January, a newcomer (not yet permanent), two households. West: one middle-aged resident
/// served by a screening last year, screened by the programme this year.
fn facts(grid: GridId) -> GridFacts {
    let profile = RuleProfile::bphs3();
    if grid == GridId::from_u128(70) {
        let (enrolment, first, _) = Enrolment::enrol(
            EnrolPatient {
                id: EnrolmentId::from_u128(1),
                patient: ResidentId::from_u128(1),
                confirmation: Confirmation {
                    condition: Condition::Hypertension,
                    confirmed_by: COUNTY,
                    level: yigong_domain::network::Level::County,
                    confirmed_on: date!(2025 - 06 - 01),
                },
                team: TeamId::from_u128(77),
                institution: TOWNSHIP,
                on: date!(2025 - 06 - 01),
                first_plan: PlanId::from_u128(1),
            },
            &profile,
        )
        .unwrap();
        GridFacts {
            households: 2,
            residents: vec![
                resident(1, date!(1950 - 01 - 01), date!(2000 - 01 - 01)),
                resident(2, date!(1990 - 01 - 01), date!(2026 - 02 - 01)),
            ],
            contracts: vec![],
            enrolments: vec![enrolment],
            visits: vec![(
                EnrolmentId::from_u128(1),
                VisitSummary {
                    date: date!(2026 - 02 - 10),
                    face_to_face: true,
                    class: VisitClass::Controlled,
                },
            )],
            last_screenings: vec![],
            checks: vec![(
                ResidentId::from_u128(1),
                yigong_domain::indicator::CheckFact {
                    on: date!(2026 - 01 - 20),
                    guided_on: Some(date!(2026 - 01 - 25)),
                },
            )],
            // Due 2025-06-15: overdue on the report's date.
            waiting: vec![first],
            ..GridFacts::default()
        }
    } else {
        GridFacts {
            households: 1,
            residents: vec![resident(3, date!(1980 - 01 - 01), date!(2001 - 01 - 01))],
            last_screenings: vec![(ResidentId::from_u128(3), date!(2025 - 09 - 01))],
            bp_screened: vec![ResidentId::from_u128(3)],
            ..GridFacts::default()
        }
    }
}

fn service(fail_second: bool, audits: usize) -> IndicatorService {
    let mut directory = MockDirectory::new();
    directory
        .expect_grids_within()
        .with(eq(AREA))
        .returning(|_| Ok(grids()));
    let mut indicators = MockIndicators::new();
    indicators
        .expect_grid_facts()
        // Visits from the start of the dynamic-record window (365 days), before the year's.
        .with(always(), eq(ON), eq(date!(2025 - 03 - 02)))
        .returning(move |grid, _, _| {
            if fail_second && grid == GridId::from_u128(71) {
                Err(StoreError::Unavailable("connection reset".into()))
            } else {
                Ok(facts(grid))
            }
        });
    let mut audit = MockAudit::new();
    audit
        .expect_record()
        .withf(|a| a.action == "indicator.area_report")
        .times(audits)
        .returning(|_| Ok(()));
    IndicatorService::new(
        yigong_service::Deps {
            directory: Arc::new(directory),
            indicators: Arc::new(indicators),
            ..deps(
                MockUow::new(),
                MockQueries::new(),
                MockFollowUps::new(),
                audit,
            )
        },
        Arc::new(Feed::default()),
    )
}

#[tokio::test]
async fn an_area_report_tallies_each_grid_and_sums_their_counts() {
    let report = service(false, 1)
        .area_report(&clinician(TOWNSHIP), AREA, ON, None)
        .await
        .unwrap();
    let names: Vec<&str> = report.grids.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["East", "West"]);
    let east = report.grids[0].tally;
    assert_eq!(east.households, 2);
    assert_eq!(
        east.permanent_residents, 1,
        "the newcomer is not yet permanent"
    );
    assert_eq!(east.dynamic_records, 1, "visited in February");
    assert_eq!(east.key_population, 1, "65+ and hypertensive");
    assert_eq!((east.managed, east.controlled), (1, 1));
    assert_eq!((east.follow_ups_due, east.follow_ups_overdue), (1, 1));
    // The January check is her annual check; one face-to-face visit is not yet standardized.
    let a = east.assessed;
    assert_eq!((a.elderly, a.elderly_checked, a.elderly_managed), (1, 1, 1));
    assert_eq!(
        (
            a.hypertension.managed,
            a.hypertension.standardized,
            a.hypertension.controlled
        ),
        (1, 0, 1)
    );
    assert_eq!(a.bp_eligible, 0, "managed, so followed up, not screened");
    let west = report.grids[1].tally;
    assert_eq!(
        (west.assessed.bp_eligible, west.assessed.bp_screened),
        (1, 1)
    );
    assert_eq!(west.dynamic_records, 1, "screened within 365 days");
    assert_eq!(west.key_population, 0);
    assert_eq!(report.total.households, 3);
    assert_eq!(report.total.permanent_residents, 2);
    assert_eq!(report.total.dynamic_records, 2);
    assert_eq!(
        report.total.control_rate().map(|p| p.to_string()),
        east.control_rate().map(|p| p.to_string())
    );
}

#[tokio::test]
async fn a_storage_failure_half_way_is_an_error_and_audits_no_report() {
    let err = service(true, 0)
        .area_report(&clinician(TOWNSHIP), AREA, ON, None)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Unavailable(_)), "{err}");
}
