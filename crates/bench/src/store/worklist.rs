//! read.worklist_page: the first page (50) of one team's overdue worklist, with the follow-up
//! plans of a 100k-resident county and again after growing it to 1M residents, next to the same
//! query in raw SQL (plus the audit row a compliant read writes).
//!
//! The county is seeded with `COPY` (deterministic, seeded by resident number): 13% of
//! residents managed (hypertension or type 2 diabetes, as BPHS prevalence gives), each with a
//! year of four done quarterly plans and one waiting plan due somewhere between 120 days ago
//! and 60 days ahead, of mixed last-visit risk, one in twenty after a downward referral. The
//! team count stays at 100, so the measured team's plans grow tenfold with the county: a page
//! served by an index range costs the same at both sizes, a scan would not.

use std::fmt::Write as _;
use std::sync::Arc;

use sea_orm::sqlx::{self, Row, postgres::PgPoolCopyExt};
use time::{Date, OffsetDateTime};
use yigong_domain::followup::{
    Condition, Confirmation, EnrolPatient, Enrolment, FollowUpPlan, PlanOrigin, PlanRecord,
    PlanState, VisitClass,
};
use yigong_domain::ids::{EnrolmentId, PlanId, ReferralId, ResidentId, TeamId, VisitId};
use yigong_service::FollowUpService;

use super::{Bench, COUNTY, TOWNSHIP, clinician, err};
use crate::report::{Report, compare};

/// Family doctor teams of the county, whatever its size.
const TEAMS: usize = 100;
/// Managed patients per 1,000 residents.
const MANAGED_PER_MILLE: usize = 130;
/// Done plans of the past year per managed patient.
const HISTORY: usize = 4;
/// Residents seeded per `COPY` round (bounds the bench's memory).
const CHUNK: usize = 100_000;
const PAGE: u32 = 50;

pub(super) fn team(n: usize) -> TeamId {
    TeamId::from_u128(10_000 + (n % TEAMS) as u128)
}

/// The measured team.
pub(super) const MEASURED: usize = 0;

/// The raw baseline: the statement our store runs, decoded the same way, then the audit row.
const RAW_PAGE: &str = "SELECT body FROM follow_up_plan WHERE team_id = $1 AND state = 'due' \
     AND due < $2 AND (remind_on IS NULL OR remind_on <= $3) \
     ORDER BY worklist_rank, due, id LIMIT $4";

/// `statement` (the raw page, or its EXPLAIN) bound for the measured team's first page.
fn page_query<'q>(
    statement: impl sqlx::SqlSafeStr,
    today: Date,
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    sqlx::query(statement)
        .bind(team(MEASURED).as_uuid())
        .bind(today)
        .bind(today)
        .bind(i64::from(PAGE) + 1)
}

impl Bench {
    pub(super) async fn worklist(
        self: &Arc<Self>,
        report: &mut Report,
        seconds: std::time::Duration,
    ) -> Result<(), String> {
        let today = OffsetDateTime::now_utc().date();
        let mut seeded = 0;
        for residents in [100_000, 1_000_000] {
            while seeded < residents {
                let to = (seeded + CHUNK).min(residents);
                self.seed_county(seeded, to, today).await?;
                seeded = to;
            }
            // Vacuumed now rather than by autovacuum during a later measurement.
            sqlx::query("VACUUM (ANALYZE) follow_up_plan")
                .execute(&self.raw)
                .await
                .map_err(err)?;
            self.explain_page(residents, today).await?;
            let (b, o) = (Arc::clone(self), Arc::clone(self));
            for tasks in [1, 32] {
                let (b, o) = (b.clone(), o.clone());
                let (ours, baseline) = compare(
                    tasks,
                    3,
                    seconds,
                    move |_, _| {
                        let b = b.clone();
                        async move { b.raw_worklist_page(today).await }
                    },
                    move |_, _| {
                        let o = o.clone();
                        async move { o.worklist_page(today).await }
                    },
                )
                .await;
                report.case(
                    &format!(
                        "read.worklist_page residents={}k tasks={tasks}",
                        residents / 1000
                    ),
                    "/s",
                    ours,
                    baseline,
                );
            }
        }
        Ok(())
    }

    /// Prints how PostgreSQL serves the page: the scan it chose and the pages it touched, which
    /// stay the same as the county grows when an index serves the page.
    async fn explain_page(&self, residents: usize, today: Date) -> Result<(), String> {
        let rows = page_query(
            sqlx::AssertSqlSafe(format!("EXPLAIN (ANALYZE, BUFFERS) {RAW_PAGE}")),
            today,
        )
        .fetch_all(&self.raw)
        .await
        .map_err(err)?;
        println!(
            "store read.worklist_page residents={}k plan: {}",
            residents / 1000,
            plan_summary(&rows)?
        );
        Ok(())
    }

    async fn worklist_page(&self, today: Date) -> Result<(), String> {
        let page = FollowUpService::new(self.deps.clone())
            .overdue_worklist(
                &clinician(TOWNSHIP, Some(team(MEASURED))),
                today,
                PAGE,
                None,
            )
            .await
            .map_err(err)?;
        if page.items.len() != PAGE as usize || page.next.is_none() {
            return Err(format!(
                "a full first page expected, got {}",
                page.items.len()
            ));
        }
        Ok(())
    }

    pub(super) async fn raw_worklist_page(&self, today: Date) -> Result<(), String> {
        let rows = page_query(RAW_PAGE, today)
            .fetch_all(&self.raw)
            .await
            .map_err(err)?;
        for row in &rows {
            let body: serde_json::Value = row.try_get(0).map_err(err)?;
            let _: PlanRecord = serde_json::from_value(body).map_err(err)?;
        }
        sqlx::query(
            "INSERT INTO audit_entry (actor_user, actor_role, actor_institution, action, resource, \
             patient_id, at, outcome, break_glass) VALUES ('bench', 'clinician', $1, \
             'follow_up.worklist', $2, NULL, $3, 'success', NULL)",
        )
        .bind(TOWNSHIP.as_uuid())
        .bind(format!("teams/{}/worklist", team(MEASURED)))
        .bind(OffsetDateTime::now_utc())
        .execute(&self.raw)
        .await
        .map_err(err)?;
        Ok(())
    }

    /// Seeds the managed patients among residents `from..to`: enrolments and plans, by `COPY`.
    pub(super) async fn seed_county(
        &self,
        from: usize,
        to: usize,
        today: Date,
    ) -> Result<(), String> {
        let now = OffsetDateTime::now_utc();
        let profile = &*self.profile;
        let (mut enrolments, mut plans) = (String::new(), String::new());
        let csv = |v: &serde_json::Value| v.to_string().replace('"', "\"\"");
        for n in (from..to).filter(|n| n % 1000 < MANAGED_PER_MILLE) {
            let seed = n.wrapping_mul(2_654_435_761) >> 7;
            let (patient, id) = (
                ResidentId::from_u128(1_000_000_000 + n as u128),
                EnrolmentId::from_u128(2_000_000_000 + n as u128),
            );
            let condition = if seed % 4 == 0 {
                Condition::Type2Diabetes
            } else {
                Condition::Hypertension
            };
            let enrolled_on = today - time::Duration::days(400);
            let (enrolment, _, _) = Enrolment::enrol(
                EnrolPatient {
                    id,
                    patient,
                    confirmation: Confirmation {
                        condition,
                        confirmed_by: COUNTY,
                        level: yigong_domain::network::Level::County,
                        confirmed_on: enrolled_on,
                    },
                    team: team(n),
                    institution: TOWNSHIP,
                    on: enrolled_on,
                    first_plan: PlanId::from_u128(3_000_000_000 * 8 + n as u128 * 8),
                },
                profile,
            )
            .map_err(err)?;
            let condition_str = match condition {
                Condition::Type2Diabetes => "type2_diabetes",
                _ => "hypertension",
            };
            let body = serde_json::to_value(&enrolment).map_err(err)?;
            writeln!(
                enrolments,
                "{id},{patient},{condition_str},{condition_str},{},{},{enrolled_on},\"{}\",1,{now}",
                team(n),
                TOWNSHIP,
                csv(&body),
            )
            .map_err(err)?;
            for j in 0..=HISTORY {
                let waiting = j == HISTORY;
                let due = if waiting {
                    today + time::Duration::days((seed % 181) as i64 - 120)
                } else {
                    today - time::Duration::days(90 * (HISTORY - j) as i64 + 30)
                };
                let state = if waiting {
                    PlanState::Due
                } else {
                    PlanState::Done {
                        visit: VisitId::from_u128(4_000_000_000 * 8 + n as u128 * 8 + j as u128),
                        on: due,
                    }
                };
                let classes = [
                    VisitClass::Controlled,
                    VisitClass::Controlled,
                    VisitClass::UncontrolledFirst,
                    VisitClass::Refer,
                    VisitClass::Unstable,
                ];
                let record = PlanRecord {
                    id: PlanId::from_u128(3_000_000_000 * 8 + n as u128 * 8 + j as u128 + 1),
                    enrolment: id,
                    patient,
                    condition,
                    team: team(n),
                    due,
                    origin: if waiting && seed % 20 == 0 {
                        PlanOrigin::DownwardReferral(ReferralId::from_u128(n as u128))
                    } else {
                        PlanOrigin::Enrolment
                    },
                    state,
                    unreachable_attempts: 0,
                    remind_on: None,
                    last_class: Some(classes[(seed >> 3) % classes.len()]),
                    last_visit_on: None,
                };
                let plan = FollowUpPlan::restore(record);
                writeln!(
                    plans,
                    "{},{id},{patient},{},{},{due},,{},\"{}\",1,{now}",
                    plan.id(),
                    team(n),
                    if waiting { "due" } else { "done" },
                    plan.worklist_position().rank,
                    csv(&serde_json::to_value(plan.to_record()).map_err(err)?),
                )
                .map_err(err)?;
            }
        }
        for (statement, data) in [
            (
                "COPY enrolment (id, patient_id, condition, open_condition, team_id, \
                 institution_id, enrolled_on, body, version, updated_at) FROM STDIN (FORMAT csv)",
                enrolments,
            ),
            (
                "COPY follow_up_plan (id, enrolment_id, patient_id, team_id, state, due, \
                 remind_on, worklist_rank, body, version, updated_at) FROM STDIN (FORMAT csv)",
                plans,
            ),
        ] {
            let mut sink = self.raw.copy_in_raw(statement).await.map_err(err)?;
            sink.send(data.into_bytes()).await.map_err(err)?;
            sink.finish().await.map_err(err)?;
        }
        Ok(())
    }
}

/// What an `EXPLAIN (ANALYZE, BUFFERS)` says of a page: the scan it chose, the pages it
/// touched and its time, which stay the same as a table grows when an index serves the page.
pub(super) fn plan_summary(rows: &[sqlx::postgres::PgRow]) -> Result<String, String> {
    let lines: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<_, _>>()
        .map_err(err)?;
    let pick = |needle: &str| {
        lines
            .iter()
            .find(|l| l.contains(needle))
            .map_or("", |l| l.trim())
            .to_owned()
    };
    Ok(format!(
        "{} | {} | {}",
        pick("Scan"),
        pick("Buffers"),
        pick("Execution Time")
    ))
}
