//! indicators.county and dashboard.county (`../shared/benchmarks.md`): every grid's figures
//! and the county total of a 100k- and then a 1M-resident county on PostgreSQL, the county
//! overview page rendered by the dashboard, and a township's report.
//!
//! The county: one county area over ten townships, a village per grid, 300 sealed residents a
//! grid in households of three (through the store, as registration writes them), and the
//! worklist case's managed patients with a year of plans. Cases, each with no baseline:
//! - `cold`: a fresh service counts every grid from its facts (what a restart costs);
//! - `warm`: the report again, nothing written since (the cache's floor);
//! - `changed`: the report after 100 residents of random grids changed (events in the outbox),
//!   so up to 100 grids are counted afresh;
//! - `township`: one township's report, warm;
//! - `dashboard.county`: `GET /dashboard` through the router, rendered server-side.
//!
//! Maintaining the figures adds nothing to a write's transaction (the cache follows the change
//! feed the write already appends to), so store.write's `record_follow_up` is that cost's
//! measure.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use sea_orm::sqlx::{self, postgres::PgPoolCopyExt};
use std::fmt::Write as _;
use time::OffsetDateTime;
use tower::ServiceExt as _;
use uuid::Uuid;
use yigong_domain::grid::AreaKind;
use yigong_domain::identity::ResidentEvent;
use yigong_domain::ids::{AreaNodeId, GridId, HouseholdId, ResidentId};
use yigong_ports::NewEvent;
use yigong_service::{CreateGrid, GridService, IndicatorService, NewArea, Principal, Role};

use super::{Bench, COMMUNITY, COUNTY, SEED_CHUNK, Sequence, TOWNSHIP, err, holder_in};
use crate::report::Report;

const PER_GRID: usize = 300;
const PER_HOUSEHOLD: usize = 3;
const TOWNSHIPS: usize = 10;
/// Warm reports and page renders per case.
const SAMPLES: usize = 20;

/// The worklist case's resident numbering, so its enrolments and plans are these residents'.
fn resident(n: usize) -> ResidentId {
    ResidentId::from_u128(1_000_000_000 + n as u128)
}

fn household(n: usize) -> HouseholdId {
    HouseholdId::from_u128(5_000_000_000 + (n / PER_HOUSEHOLD) as u128)
}

fn operator() -> Principal {
    Principal {
        user: "bench-operator".to_owned(),
        role: Role::Operator,
        institution: COUNTY,
        community: Some(COMMUNITY),
        team: None,
    }
}

/// The county's areas and grids as far as they are built.
struct County {
    county: AreaNodeId,
    townships: Vec<AreaNodeId>,
    grids: Vec<GridId>,
}

impl Bench {
    pub(super) async fn indicators(
        self: &Arc<Self>,
        store: &Arc<yigong_store::Store>,
        report: &mut Report,
        plans_seeded: bool,
    ) -> Result<(), String> {
        let today = OffsetDateTime::now_utc().date();
        let mut county = self.county_areas().await?;
        let mut seeded = 0;
        for residents in [100_000, 1_000_000] {
            let started = Instant::now();
            self.grow(&mut county, seeded, residents, plans_seeded, today)
                .await?;
            seeded = residents;
            for vacuum in [
                "VACUUM (ANALYZE) resident",
                "VACUUM (ANALYZE) household",
                "VACUUM (ANALYZE) enrolment",
                "VACUUM (ANALYZE) follow_up_plan",
            ] {
                sqlx::query(vacuum).execute(&self.raw).await.map_err(err)?;
            }
            println!(
                "store indicators.county residents={}k grids={} seeded in {:.0}s",
                residents / 1000,
                county.grids.len(),
                started.elapsed().as_secs_f64()
            );
            self.measure(store, &county, residents, report).await?;
        }
        Ok(())
    }

    async fn county_areas(&self) -> Result<County, String> {
        let grids = GridService::new(self.deps.clone());
        let area = |name: String, kind, parent, institution| NewArea {
            request_id: format!("bench/area/{name}"),
            name,
            kind,
            parent,
            institution,
        };
        let county = grids
            .add_area_node(
                &operator(),
                area("Bench County".into(), AreaKind::County, None, None),
            )
            .await
            .map_err(err)?
            .id;
        let mut townships = Vec::new();
        for t in 0..TOWNSHIPS {
            let node = area(
                format!("Township {t:02}"),
                AreaKind::Township,
                Some(county),
                Some(TOWNSHIP),
            );
            townships.push(
                grids
                    .add_area_node(&operator(), node)
                    .await
                    .map_err(err)?
                    .id,
            );
        }
        Ok(County {
            county,
            townships,
            grids: Vec::new(),
        })
    }

    /// Residents `from..to`, with their grids, households and (unless the worklist case made
    /// them) managed patients' plans.
    async fn grow(
        &self,
        county: &mut County,
        from: usize,
        to: usize,
        plans_seeded: bool,
        today: time::Date,
    ) -> Result<(), String> {
        let service = GridService::new(self.deps.clone());
        while county.grids.len() < to.div_ceil(PER_GRID) {
            let g = county.grids.len();
            let township = county.townships[g % TOWNSHIPS];
            let village = service
                .add_area_node(
                    &operator(),
                    NewArea {
                        request_id: format!("bench/village/{g}"),
                        name: format!("Village {g:05}"),
                        kind: AreaKind::Village,
                        parent: Some(township),
                        institution: None,
                    },
                )
                .await
                .map_err(err)?
                .id;
            let grid = service
                .create_grid(
                    &operator(),
                    CreateGrid {
                        request_id: format!("bench/grid/{g}"),
                        name: format!("Grid {g:05}"),
                        area: village,
                    },
                )
                .await
                .map_err(err)?;
            county.grids.push(grid.value.id());
        }
        let grid_of = |n: usize| county.grids[n / PER_GRID];
        let mut data = String::new();
        let now = OffsetDateTime::now_utc();
        // A household's first resident brings it: one that began before `from` is there.
        for n in (from..to).filter(|n| n % PER_HOUSEHOLD == 0) {
            writeln!(
                data,
                "{},{},\"No. {} Lane {}\",{now}",
                household(n),
                grid_of(n),
                n / PER_HOUSEHOLD,
                n / PER_GRID
            )
            .map_err(err)?;
        }
        let mut sink = self
            .raw
            .copy_in_raw(
                "COPY household (id, grid_id, address, updated_at) FROM STDIN (FORMAT csv)",
            )
            .await
            .map_err(err)?;
        sink.send(data.into_bytes()).await.map_err(err)?;
        sink.finish().await.map_err(err)?;
        let mut at = from;
        while at < to {
            let end = (at + SEED_CHUNK).min(to);
            let records = (at..end)
                .map(|n| {
                    let mut r =
                        holder_in(n, resident(n), &format!("IC{n:08}"), Some(household(n)))?;
                    r.scope.grid = Some(grid_of(n));
                    Ok(r)
                })
                .collect::<Result<Vec<_>, String>>()?;
            let mut tx = self.deps.uow.begin().await.map_err(err)?;
            tx.insert_residents(&records).await.map_err(err)?;
            tx.commit().await.map_err(err)?;
            at = end;
        }
        if !plans_seeded {
            let mut at = from;
            while at < to {
                let end = (at + 100_000).min(to);
                self.seed_county(at, end, today).await?;
                at = end;
            }
        }
        Ok(())
    }

    async fn measure(
        &self,
        store: &Arc<yigong_store::Store>,
        county: &County,
        residents: usize,
        report: &mut Report,
    ) -> Result<(), String> {
        let size = format!("residents={}k", residents / 1000);
        let who = operator();
        let today = OffsetDateTime::now_utc().date();
        let service = IndicatorService::new(self.deps.clone(), store.clone());
        let t0 = Instant::now();
        let first = service
            .area_report(&who, county.county, today, None)
            .await
            .map_err(err)?;
        report.timing(
            &format!("indicators.county {size} cold"),
            &mut [t0.elapsed()],
        );
        assert_eq!(first.grids.len(), county.grids.len(), "every grid counted");

        let mut warm = Vec::new();
        for _ in 0..SAMPLES {
            let t0 = Instant::now();
            let again = service
                .area_report(&who, county.county, today, None)
                .await
                .map_err(err)?;
            warm.push(t0.elapsed());
            if again.total != first.total {
                return Err("a warm report differs from the cold one".into());
            }
        }
        report.timing(&format!("indicators.county {size} warm"), &mut warm);

        let mut changed = Vec::new();
        for round in 0..SAMPLES {
            self.touch(residents, round).await?;
            let t0 = Instant::now();
            service
                .area_report(&who, county.county, today, None)
                .await
                .map_err(err)?;
            changed.push(t0.elapsed());
        }
        report.timing(
            &format!("indicators.county {size} changed=100 residents"),
            &mut changed,
        );
        // Fresh and cached agree after the changes.
        let cached = service
            .area_report(&who, county.county, today, None)
            .await
            .map_err(err)?;
        let fresh = IndicatorService::new(self.deps.clone(), store.clone())
            .area_report(&who, county.county, today, None)
            .await
            .map_err(err)?;
        if cached != fresh {
            return Err("the cached county report differs from a fresh one".into());
        }

        let mut township = Vec::new();
        for _ in 0..SAMPLES {
            let t0 = Instant::now();
            service
                .area_report(&who, county.townships[0], today, None)
                .await
                .map_err(err)?;
            township.push(t0.elapsed());
        }
        report.timing(&format!("indicators.township {size} warm"), &mut township);

        let mut pages = Vec::new();
        let router = self.dashboard(store, service)?;
        let token = self.token()?;
        for _ in 0..SAMPLES {
            let request = axum::http::Request::get("/dashboard")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .map_err(err)?;
            let t0 = Instant::now();
            let response = router.clone().oneshot(request).await.map_err(err)?;
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), 16 << 20)
                .await
                .map_err(err)?;
            pages.push(t0.elapsed());
            if !status.is_success() || body.len() < 1000 {
                return Err(format!("the dashboard answered {status}"));
            }
        }
        report.timing(&format!("dashboard.county {size} page"), &mut pages);

        let plan =
            sqlx::query("EXPLAIN (ANALYZE, BUFFERS) SELECT body FROM resident WHERE grid_id = $1")
                .bind(county.grids[county.grids.len() / 2].as_uuid())
                .fetch_all(&self.raw)
                .await
                .map_err(err)?;
        println!(
            "store indicators.county {size} a grid's residents: {}",
            super::worklist::plan_summary(&plan)?
        );
        Ok(())
    }

    /// 100 residents spread over the county changed: their events appended as a command's
    /// would be.
    async fn touch(&self, residents: usize, round: usize) -> Result<(), String> {
        let now = OffsetDateTime::now_utc();
        let events = (0..100)
            .map(|i| {
                let n = (round * 7_919 + i * 104_729) % residents;
                let event = ResidentEvent::PersonalInfoChanged {
                    resident: resident(n),
                    fields: std::collections::BTreeSet::new(),
                };
                NewEvent::new(Uuid::new_v4(), Some(COMMUNITY), &event.into(), now).map_err(err)
            })
            .collect::<Result<Vec<_>, String>>()?;
        let mut tx = self.raw.begin().await.map_err(err)?;
        super::raw_events(&mut tx, &events, Sequence::StoredMaximum).await?;
        tx.commit().await.map_err(err)
    }

    fn token(&self) -> Result<String, String> {
        let key = yigong_grpc::TokenKey::from_secret(BENCH_TOKEN_KEY).map_err(err)?;
        key.issue(
            &operator(),
            OffsetDateTime::now_utc(),
            time::Duration::hours(1),
        )
        .map_err(err)
    }

    /// The dashboard's router over `service`, admitting tokens of [`BENCH_TOKEN_KEY`].
    fn dashboard(
        &self,
        store: &Arc<yigong_store::Store>,
        service: IndicatorService,
    ) -> Result<axum::Router, String> {
        let key = Arc::new(yigong_grpc::TokenKey::from_secret(BENCH_TOKEN_KEY).map_err(err)?);
        let auth = yigong_grpc::Authenticator::new(key, self.deps.network.clone());
        Ok(yigong_app::http::router(yigong_app::http::HttpState {
            store: store.clone(),
            ready: Arc::new(true.into()),
            metrics: None,
            dashboard: Some(Arc::new(yigong_app::dashboard::Dashboard::new(
                service,
                yigong_service::ReferralService::new(self.deps.clone()),
                auth,
                store.clone(),
            ))),
        }))
    }
}

const BENCH_TOKEN_KEY: &[u8] = b"the-indicator-benchmark-token-key-32+";
