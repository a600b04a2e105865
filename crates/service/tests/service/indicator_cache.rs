//! The cached tallies against the domain's own on random histories (IND-CURRENT): after any
//! sequence of changes, each announced on the feed as the store announces it, a report served
//! from the cache equals one computed afresh from every grid's facts.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use proptest::prelude::*;
use time::Date;
use time::macros::date;
use yigong_domain::event::DomainEvent;
use yigong_domain::identity::{Resident, ResidentEvent};
use yigong_domain::ids::{GridId, HouseholdId, ResidentId};
use yigong_domain::indicator::{Period, PeriodKind, Touched};
use yigong_ports::{GridFacts, IndicatorQueries, IndicatorSnapshots, PeriodSnapshot, StoreError};
use yigong_service::{IndicatorService, ServiceError};

use crate::indicator::{AREA, ON, grids, resident};
use crate::support::*;

/// A resident as the store holds them: grid, record and latest screening.
type Held = (GridId, Resident, Option<Date>);

/// What the store holds, and how many grids' facts were read.
#[derive(Default)]
struct County(Mutex<BTreeMap<ResidentId, Held>>, AtomicUsize);

#[async_trait]
impl IndicatorQueries for County {
    async fn grid_facts(&self, grid: GridId, on: Date, _: Date) -> Result<GridFacts, StoreError> {
        self.1.fetch_add(1, Ordering::Relaxed);
        let county = self.0.lock().unwrap();
        let of_grid = || county.iter().filter(move |(_, (g, _, _))| *g == grid);
        Ok(GridFacts {
            households: of_grid().count() as u64,
            residents: of_grid().map(|(_, (_, r, _))| r.clone()).collect(),
            last_screenings: of_grid()
                .filter_map(|(id, (_, _, s))| s.filter(|d| *d <= on).map(|d| (*id, d)))
                .collect(),
            ..GridFacts::default()
        })
    }

    async fn grids_touched(&self, touched: &[Touched]) -> Result<BTreeSet<GridId>, StoreError> {
        let county = self.0.lock().unwrap();
        Ok(touched
            .iter()
            .filter_map(|t| match t {
                Touched::Resident(r) => county.get(r).map(|(g, _, _)| *g),
                Touched::Grid(g) => Some(*g),
                _ => None,
            })
            .collect())
    }
}

#[derive(Debug, Clone)]
enum Change {
    /// A resident registered in a grid (ignored when already there).
    Register { n: u8, grid: bool, born: i32 },
    /// A screening recorded for a resident on a day (days before `ON`, negative after).
    Screen { n: u8, days_before: i64 },
    /// A resident's birth date corrected.
    Correct { n: u8, born: i32 },
    /// A resident's household moved to the other grid.
    Move { n: u8 },
    /// A report asked for on a day.
    Report { days_before: i64 },
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (0..8u8, any::<bool>(), 1930..2000i32).prop_map(|(n, grid, born)| Change::Register {
            n,
            grid,
            born
        }),
        (0..8u8, -30..400i64).prop_map(|(n, days_before)| Change::Screen { n, days_before }),
        (0..8u8, 1930..2000i32).prop_map(|(n, born)| Change::Correct { n, born }),
        (0..8u8).prop_map(|n| Change::Move { n }),
        (0..3i64).prop_map(|d| Change::Report {
            days_before: d * 200
        }),
    ]
}

fn grid_of(east: bool) -> GridId {
    GridId::from_u128(if east { 70 } else { 71 })
}

fn born(year: i32) -> Date {
    Date::from_calendar_date(year, time::Month::March, 1).unwrap()
}

fn service(county: Arc<County>, feed: Arc<Feed>) -> IndicatorService {
    service_with(
        county,
        feed,
        Arc::new(FixedClock),
        Arc::new(Kept::default()),
    )
}

fn service_with(
    county: Arc<County>,
    feed: Arc<Feed>,
    clock: Arc<dyn yigong_ports::Clock>,
    snapshots: Arc<Kept>,
) -> IndicatorService {
    let mut directory = MockDirectory::new();
    directory.expect_grids_within().returning(|_| Ok(grids()));
    directory.expect_areas_under().returning(|_| {
        Ok(vec![yigong_domain::grid::AreaNode {
            id: AREA,
            name: "Qiaotou".into(),
            kind: yigong_domain::grid::AreaKind::Township,
            parent: None,
            institution: None,
        }])
    });
    let mut audit = MockAudit::new();
    audit.expect_record().returning(|_| Ok(()));
    IndicatorService::new(
        yigong_service::Deps {
            directory: Arc::new(directory),
            indicators: county,
            clock,
            snapshots,
            ..deps(
                MockUow::new(),
                MockQueries::new(),
                MockFollowUps::new(),
                audit,
            )
        },
        feed,
    )
}

/// Applies a change to the store and announces it as the store would.
fn apply(county: &County, feed: &Feed, change: &Change) {
    let mut c = county.0.lock().unwrap();
    match *change {
        Change::Register {
            n,
            grid,
            born: year,
        } => {
            let id = ResidentId::from_u128(u128::from(n));
            if c.contains_key(&id) {
                return;
            }
            let since = date!(2000 - 01 - 01);
            c.insert(
                id,
                (
                    grid_of(grid),
                    resident(u128::from(n), born(year), since),
                    None,
                ),
            );
            feed.push(&DomainEvent::Resident(ResidentEvent::ResidentRegistered {
                resident: id,
                household: None,
                resident_since: since,
            }));
        }
        Change::Screen { n, days_before } => {
            let id = ResidentId::from_u128(u128::from(n));
            let Some(entry) = c.get_mut(&id) else { return };
            let on = ON - time::Duration::days(days_before);
            entry.2 = Some(entry.2.map_or(on, |d| d.max(on)));
            // Any event naming the resident: which ones do is `touched_by`'s own test.
            feed.push(&DomainEvent::Resident(ResidentEvent::PersonalInfoChanged {
                resident: id,
                fields: BTreeSet::new(),
            }));
        }
        Change::Correct { n, born: year } => {
            let id = ResidentId::from_u128(u128::from(n));
            let Some(entry) = c.get_mut(&id) else { return };
            entry.1 = resident(u128::from(n), born(year), date!(2000 - 01 - 01));
            feed.push(&DomainEvent::Resident(ResidentEvent::PersonalInfoChanged {
                resident: id,
                fields: BTreeSet::new(),
            }));
        }
        Change::Move { n } => {
            let id = ResidentId::from_u128(u128::from(n));
            let Some(entry) = c.get_mut(&id) else { return };
            entry.0 = grid_of(entry.0 != grid_of(true));
            feed.push(&DomainEvent::Resident(ResidentEvent::HouseholdChanged {
                resident: id,
                household: HouseholdId::from_u128(u128::from(n)),
            }));
        }
        Change::Report { .. } => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_cached_report_equals_one_computed_afresh(changes in prop::collection::vec(change(), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let county = Arc::new(County::default());
            let feed = Arc::new(Feed::default());
            let cached = service(county.clone(), feed.clone());
            for change in &changes {
                apply(&county, &feed, change);
                if let Change::Report { days_before } = *change {
                    let on = ON - time::Duration::days(days_before);
                    let who = clinician(TOWNSHIP);
                    let got = cached.area_report(&who, AREA, on, None).await.unwrap();
                    let fresh = service(county.clone(), feed.clone())
                        .area_report(&who, AREA, on, None)
                        .await
                        .unwrap();
                    prop_assert_eq!(got, fresh);
                }
            }
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn warmed_tallies_serve_the_days_first_report_and_a_change_recounts_only_its_grid() {
    let county = Arc::new(County::default());
    let feed = Arc::new(Feed::default());
    for n in [1, 2] {
        let change = Change::Register {
            n,
            grid: n == 1,
            born: 1950,
        };
        apply(&county, &feed, &change);
    }
    let service = service(county.clone(), feed.clone());
    assert_eq!(service.warm(ON).await.unwrap(), 2);
    assert_eq!(county.1.load(Ordering::Relaxed), 2, "both grids tallied");
    let who = clinician(TOWNSHIP);
    let report = service.area_report(&who, AREA, ON, None).await.unwrap();
    assert_eq!(report.total.permanent_residents, 2);
    assert_eq!(county.1.load(Ordering::Relaxed), 2, "read from the cache");
    apply(&county, &feed, &Change::Correct { n: 1, born: 1990 });
    let report = service.area_report(&who, AREA, ON, None).await.unwrap();
    assert_eq!(county.1.load(Ordering::Relaxed), 3, "only the touched grid");
    assert_eq!(
        report.total.assessed.elderly, 1,
        "the corrected birth date counts"
    );
}

/// Snapshots kept in memory, as the store keeps them: one per period and grid.
#[derive(Default)]
struct Kept(Mutex<BTreeMap<(&'static str, Date, GridId), PeriodSnapshot>>);

#[async_trait]
impl IndicatorSnapshots for Kept {
    async fn snapshots(
        &self,
        period: &Period,
        grids: &[GridId],
    ) -> Result<Vec<PeriodSnapshot>, StoreError> {
        let kept = self.0.lock().unwrap();
        Ok(grids
            .iter()
            .filter_map(|g| kept.get(&(period.kind.code(), period.first, *g)).copied())
            .collect())
    }

    async fn keep_snapshots(
        &self,
        period: &Period,
        snapshots: &[PeriodSnapshot],
        replace: bool,
    ) -> Result<(), StoreError> {
        let mut kept = self.0.lock().unwrap();
        for s in snapshots {
            let key = (period.kind.code(), period.first, s.grid);
            if replace || !kept.contains_key(&key) {
                kept.insert(key, *s);
            }
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_closed_month_keeps_its_figures_until_re_opened_then_counts_late_data_in_it() {
    let county = Arc::new(County::default());
    let feed = Arc::new(Feed::default());
    for n in [1, 2] {
        let change = Change::Register {
            n,
            grid: n == 1,
            born: 1950,
        };
        apply(&county, &feed, &change);
    }
    let clock = Arc::new(yigong_test_support::clock::SetClock::at(NOW));
    let service = service_with(
        county.clone(),
        feed.clone(),
        clock.clone(),
        Arc::new(Kept::default()),
    );
    let who = clinician(TOWNSHIP);
    let february = date!(2026 - 02 - 10);
    let month = Some(PeriodKind::Month);
    let first = service
        .area_report(&who, AREA, february, month)
        .await
        .unwrap();
    assert_eq!(first.on, date!(2026 - 02 - 28));
    assert_eq!(first.kept_at, Some(NOW), "closed on 1 March: kept");

    // A screening entered in March, dated in February: the closed month does not move.
    apply(
        &county,
        &feed,
        &Change::Screen {
            n: 1,
            days_before: 15,
        },
    );
    let later = NOW + time::Duration::hours(1);
    clock.set(later);
    let again = service
        .area_report(&who, AREA, february, month)
        .await
        .unwrap();
    assert_eq!((again.total, again.kept_at), (first.total, Some(NOW)));
    assert_eq!(again.grids, first.grids);
    let afresh = service
        .area_report(&who, AREA, date!(2026 - 02 - 28), None)
        .await
        .unwrap();
    assert_eq!(afresh.kept_at, None);
    assert_eq!(
        afresh.total.dynamic_records,
        first.total.dynamic_records + 1,
        "the late screening is February's"
    );

    // Only the county re-opens; a running month has nothing kept to re-open.
    let refused = service
        .reopen_period(&who, PeriodKind::Month, february)
        .await;
    assert!(
        matches!(refused, Err(ServiceError::PermissionDenied(_))),
        "{refused:?}"
    );
    let setup = yigong_service::Principal {
        user: "setup".into(),
        role: yigong_service::Role::Operator,
        institution: yigong_domain::ids::InstitutionId::from_u128(999),
        community: None,
        team: None,
    };
    let running = service
        .reopen_period(&setup, PeriodKind::Month, date!(2026 - 03 - 01))
        .await;
    assert!(
        matches!(
            running,
            Err(ServiceError::InvalidArgument { field: "date", .. })
        ),
        "{running:?}"
    );
    let reopened = service
        .reopen_period(&setup, PeriodKind::Month, february)
        .await
        .unwrap();
    assert_eq!((reopened.grids, reopened.computed_at), (2, later));
    let restated = service
        .area_report(&who, AREA, february, month)
        .await
        .unwrap();
    assert_eq!(
        (restated.total, restated.kept_at),
        (afresh.total, Some(later))
    );

    // A trend: closed months as kept, the running one counted to today.
    let trend = service
        .area_trend(&who, AREA, PeriodKind::Month, 3)
        .await
        .unwrap();
    let firsts: Vec<Date> = trend.iter().map(|p| p.period.first).collect();
    assert_eq!(
        firsts,
        [
            date!(2026 - 01 - 01),
            date!(2026 - 02 - 01),
            date!(2026 - 03 - 01)
        ]
    );
    assert_eq!(trend[1].total, afresh.total);
    assert_eq!(trend[1].kept_at, Some(later));
    assert!(trend[0].kept_at.is_some());
    assert_eq!((trend[2].on, trend[2].kept_at), (ON, None));
    let too_long = service.area_trend(&who, AREA, PeriodKind::Month, 0).await;
    assert!(matches!(
        too_long,
        Err(ServiceError::InvalidArgument {
            field: "periods",
            ..
        })
    ));
}
