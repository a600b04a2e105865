//! Resident, enrolment, plan and visit contracts, and the worklist candidates query.

use sea_orm::{ConnectionTrait, Statement};
use time::macros::date;
use yigong_domain::followup::{
    Condition, Confirmation, ContactMode, EnrolPatient, Enrolment, FollowUpPlan, HypertensionVisit,
    OutreachOutcome, PlanOrigin, PlanRecord, PlanState, Visit, VisitClass,
};
use yigong_domain::ids::{
    CommunityId, EnrolmentId, PlanId, ReferralId, ResidentId, TeamId, VisitId,
};
use yigong_domain::measure::BloodPressure;
use yigong_domain::profile::RuleProfile;
use yigong_ports::{
    Constraint, FollowUpQueries, PatientRecord, StoreError, UnitOfWork, VisitRecord,
};

use crate::backends;
use crate::support::*;

const TEAM: TeamId = TeamId::from_u128(77);

fn record(id: u128, citizen_id: &str) -> PatientRecord {
    citizen(
        ResidentId::from_u128(id),
        citizen_id,
        TOWNSHIP,
        CommunityId::from_u128(500),
    )
}

/// An enrolment of `patient` on `on`, with its first plan.
pub(crate) fn enrolment(id: u128, patient: u128, on: time::Date) -> (Enrolment, FollowUpPlan) {
    let (e, p, _) = Enrolment::enrol(
        EnrolPatient {
            id: EnrolmentId::from_u128(id),
            patient: ResidentId::from_u128(patient),
            confirmation: Confirmation {
                condition: Condition::Hypertension,
                confirmed_by: COUNTY,
                level: yigong_domain::network::Level::County,
                confirmed_on: on,
            },
            team: TEAM,
            institution: TOWNSHIP,
            on,
            first_plan: PlanId::from_u128(id * 1000),
        },
        &RuleProfile::bphs3(),
    )
    .unwrap();
    (e, p)
}

#[tokio::test]
async fn a_resident_round_trips_and_one_document_is_one_record() {
    for b in backends::all().await {
        let r = record(42, "11010519491231002X");
        let mut tx = b.store.begin().await.unwrap();
        assert_eq!(tx.insert_resident(&r).await.unwrap(), 1);
        tx.commit().await.unwrap();
        let got = b
            .store
            .get_resident(ResidentId::from_u128(42))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.value, r, "{}", b.name);

        let twin = record(43, "11010519491231002X");
        let mut tx = b.store.begin().await.unwrap();
        let err = tx.insert_resident(&twin).await.unwrap_err();
        assert_eq!(
            err,
            StoreError::Duplicate {
                constraint: Constraint::ResidentDocument
            },
            "{}",
            b.name
        );
    }
}

#[tokio::test]
async fn one_open_enrolment_per_condition() {
    for b in backends::all().await {
        let (e, _) = enrolment(1, 42, date!(2026 - 01 - 05));
        let mut tx = b.store.begin().await.unwrap();
        tx.insert_enrolment(&e).await.unwrap();
        tx.commit().await.unwrap();
        let (again, _) = enrolment(2, 42, date!(2026 - 02 - 05));
        let mut tx = b.store.begin().await.unwrap();
        let err = tx.insert_enrolment(&again).await.unwrap_err();
        assert_eq!(
            err,
            StoreError::Duplicate {
                constraint: Constraint::OpenEnrolment
            },
            "{}",
            b.name
        );
        drop(tx);
        let mut tx = b.store.begin().await.unwrap();
        let open = tx.open_enrolments(ResidentId::from_u128(42)).await.unwrap();
        assert_eq!(open.len(), 1, "{}", b.name);
        assert_eq!(open[0].value, e);
        let loaded = tx.load_enrolment(e.id()).await.unwrap().unwrap();
        assert_eq!(loaded.value, e, "{}", b.name);
    }
}

#[tokio::test]
async fn a_visit_completes_a_plan_under_optimistic_versions() {
    for b in backends::all().await {
        let profile = RuleProfile::bphs3();
        let (e, plan) = enrolment(1, 42, date!(2026 - 01 - 05));
        let patient = record(42, "11010519491231002X");
        let mut tx = b.store.begin().await.unwrap();
        tx.insert_resident(&patient).await.unwrap();
        tx.insert_enrolment(&e).await.unwrap();
        tx.insert_plan(&plan).await.unwrap();
        tx.commit().await.unwrap();

        // A command loads the plan with its enrolment and patient in one query.
        let mut tx = b.store.begin().await.unwrap();
        let loaded = tx.load_plan(plan.id()).await.unwrap().unwrap();
        assert_eq!(loaded.plan.value, plan, "{}", b.name);
        assert_eq!(loaded.plan.version, 1);
        assert_eq!(loaded.enrolment.value, e, "{}", b.name);
        assert_eq!(loaded.patient.value, patient, "{}", b.name);
        assert!(tx.load_plan(PlanId::from_u128(1)).await.unwrap().is_none());
        drop(tx);

        let visit = Visit::Hypertension(HypertensionVisit {
            date: date!(2026 - 01 - 19),
            mode: ContactMode::Clinic,
            bp: BloodPressure::new(128, 78).unwrap(),
            heart_rate: None,
            signs: Default::default(),
            adverse_reaction: Default::default(),
            complication: Default::default(),
        });
        let done = plan
            .clone()
            .record_visit(
                VisitId::from_u128(9),
                &visit,
                76,
                PlanId::from_u128(2000),
                &profile,
            )
            .unwrap();
        let mut tx = b.store.begin().await.unwrap();
        assert_eq!(tx.update_plan(&done.done, 1).await.unwrap(), 2);
        tx.insert_plan(&done.next).await.unwrap();
        tx.insert_visit(&VisitRecord {
            id: VisitId::from_u128(9),
            plan: plan.id(),
            patient: plan.patient(),
            team: TEAM,
            visit,
            class: done.assessment.class,
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let stored = b.store.get_plan(plan.id()).await.unwrap().unwrap();
        assert_eq!(stored.value, done.done, "{}", b.name);
        assert_eq!(stored.version, 2);

        // A second writer that loaded version 1 loses.
        let mut tx = b.store.begin().await.unwrap();
        let err = tx.update_plan(&done.done, 1).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { expected: 1, .. }),
            "{}: {err}",
            b.name
        );
    }
}

#[tokio::test]
async fn worklist_candidates_are_the_teams_waiting_plans_due_before_the_cutoff() {
    for b in backends::all().await {
        let profile = RuleProfile::bphs3();
        // Three patients enrolled on different days: first plans due 14 days later.
        let (e1, p1) = enrolment(1, 41, date!(2026 - 01 - 05)); // due 01-19
        let (e2, p2) = enrolment(2, 42, date!(2026 - 02 - 20)); // due 03-06
        let (e3, p3) = enrolment(3, 43, date!(2026 - 01 - 10)); // due 01-24, reached, remind 03-10
        let (p3, _) = p3
            .record_outreach(
                date!(2026 - 02 - 01),
                OutreachOutcome::Reached {
                    remind_on: date!(2026 - 03 - 10),
                },
                &profile,
            )
            .unwrap();
        let mut tx = b.store.begin().await.unwrap();
        for (e, p) in [(&e1, &p1), (&e2, &p2), (&e3, &p3)] {
            tx.insert_enrolment(e).await.unwrap();
            tx.insert_plan(p).await.unwrap();
        }
        tx.commit().await.unwrap();

        let on = date!(2026 - 03 - 02);
        let ids = |plans: Vec<FollowUpPlan>| plans.iter().map(|p| p.id()).collect::<Vec<_>>();
        let got = b.store.worklist_page(TEAM, on, on, None, 50).await.unwrap();
        assert_eq!(ids(got), vec![p1.id()], "{}", b.name);
        let later = date!(2026 - 03 - 12);
        let got = b
            .store
            .worklist_page(TEAM, later, later, None, 50)
            .await
            .unwrap();
        assert_eq!(ids(got), vec![p1.id(), p3.id(), p2.id()], "{}", b.name);
        let other = b
            .store
            .worklist_page(TeamId::from_u128(78), later, later, None, 50)
            .await
            .unwrap();
        assert!(other.is_empty(), "{}", b.name);
    }
}

#[tokio::test]
async fn worklist_pages_follow_the_domains_order_without_gaps_or_repeats() {
    for b in backends::all().await {
        let (e, _) = enrolment(1, 41, date!(2026 - 01 - 05));
        let classes = [
            None,
            Some(VisitClass::Controlled),
            Some(VisitClass::UncontrolledFirst),
            Some(VisitClass::Refer),
            Some(VisitClass::Unstable),
        ];
        // 60 waiting plans of mixed risk, origin and due date (ties on both included), some
        // due after the cutoff, some of another team, some already done.
        let plans: Vec<FollowUpPlan> = (0..60u32)
            .map(|i| {
                let team = if i % 11 == 0 {
                    TeamId::from_u128(78)
                } else {
                    TEAM
                };
                let state = if i % 13 == 0 {
                    PlanState::Done {
                        visit: VisitId::from_u128(u128::from(i)),
                        on: date!(2026 - 02 - 01),
                    }
                } else {
                    PlanState::Due
                };
                FollowUpPlan::restore(PlanRecord {
                    // Ids out of insertion order, so the id tie-break is tested.
                    id: PlanId::from_u128(u128::from((i * 37) % 61 + 1)),
                    enrolment: e.id(),
                    patient: ResidentId::from_u128(41),
                    condition: Condition::Hypertension,
                    team,
                    due: date!(2026 - 01 - 01) + time::Duration::days(i64::from(i % 9) * 7),
                    origin: if i % 4 == 0 {
                        PlanOrigin::DownwardReferral(ReferralId::from_u128(5))
                    } else {
                        PlanOrigin::Enrolment
                    },
                    state,
                    unreachable_attempts: 0,
                    remind_on: None,
                    last_class: classes[(i % 5) as usize],
                    last_visit_on: None,
                })
            })
            .collect();
        let mut tx = b.store.begin().await.unwrap();
        tx.insert_enrolment(&e).await.unwrap();
        for p in &plans {
            tx.insert_plan(p).await.unwrap();
        }
        tx.commit().await.unwrap();

        let cutoff = date!(2026 - 02 - 20);
        let mut expected: Vec<_> = plans
            .iter()
            .filter(|p| p.team() == TEAM && p.state() == PlanState::Due && p.due() < cutoff)
            .map(FollowUpPlan::worklist_position)
            .collect();
        expected.sort_unstable();
        assert!(expected.len() > 20, "the data exercises several pages");

        let (mut got, mut after) = (Vec::new(), None);
        loop {
            let page = b
                .store
                .worklist_page(TEAM, cutoff, cutoff, after, 7)
                .await
                .unwrap();
            assert!(page.len() <= 7, "{}", b.name);
            got.extend(page.iter().map(FollowUpPlan::worklist_position));
            match page.last() {
                Some(last) => after = Some(last.worklist_position()),
                None => break,
            }
        }
        assert_eq!(got, expected, "{}", b.name);
    }
}

/// One spelling per vocabulary: a plan in every state is stored under the domain's code
/// (`PlanState::code`, which the wire sends too) and reads back whole.
#[tokio::test]
async fn every_plan_state_is_stored_under_the_domains_code() {
    let on = date!(2026 - 02 - 01);
    let states = [
        PlanState::Due,
        PlanState::Done {
            visit: VisitId::from_u128(9),
            on,
        },
        PlanState::Missed { on },
        PlanState::LostToFollowUp { on },
        PlanState::Closed {
            on,
            reason: yigong_domain::followup::CloseReason::Death,
        },
    ];
    assert_eq!(
        states.iter().map(PlanState::code).collect::<Vec<_>>(),
        PlanState::CODES,
        "one plan of every state"
    );
    for b in backends::all().await {
        let (e, first) = enrolment(1, 42, date!(2026 - 01 - 05));
        let mut tx = b.store.begin().await.unwrap();
        tx.insert_resident(&record(42, "11010519491231002X"))
            .await
            .unwrap();
        tx.insert_enrolment(&e).await.unwrap();
        let mut plans = Vec::new();
        for (i, state) in states.iter().enumerate() {
            let plan = FollowUpPlan::restore(PlanRecord {
                id: PlanId::from_u128(5000 + i as u128),
                state: *state,
                ..first.to_record()
            });
            tx.insert_plan(&plan).await.unwrap();
            plans.push(plan);
        }
        tx.commit().await.unwrap();
        let db = b.store.connection();
        for plan in &plans {
            let row = db
                .query_one_raw(Statement::from_sql_and_values(
                    db.get_database_backend(),
                    match db.get_database_backend() {
                        sea_orm::DbBackend::Postgres => {
                            "SELECT state FROM follow_up_plan WHERE id = $1"
                        }
                        _ => "SELECT state FROM follow_up_plan WHERE id = ?",
                    },
                    [plan.id().as_uuid().into()],
                ))
                .await
                .unwrap()
                .unwrap();
            let stored: String = row.try_get("", "state").unwrap();
            assert_eq!(stored, plan.state().code(), "{}", b.name);
            let mut tx = b.store.begin().await.unwrap();
            let loaded = tx.load_plan(plan.id()).await.unwrap().unwrap();
            assert_eq!(&loaded.plan.value, plan, "{}", b.name);
        }
    }
}

/// A transaction a unique violation aborted, rolled back, leaves its connection clean: the next
/// writes on the pool (a refusal's audit entry, outside any transaction) are durable. On
/// PostgreSQL an aborted transaction left open on a pooled connection would swallow them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_after_a_rolled_back_failed_insert_survive() {
    use yigong_ports::{Actor, AuditLog, AuditOutcome};
    for b in backends::all().await {
        let (e, _) = enrolment(1, 42, date!(2026 - 01 - 05));
        let mut tx = b.store.begin().await.unwrap();
        tx.insert_enrolment(&e).await.unwrap();
        tx.commit().await.unwrap();
        let rounds = 40u32;
        for round in 0..rounds {
            let (again, _) = enrolment(2 + u128::from(round), 42, date!(2026 - 02 - 05));
            let mut tx = b.store.begin().await.unwrap();
            let err = tx.insert_enrolment(&again).await.unwrap_err();
            assert!(matches!(err, StoreError::Duplicate { .. }), "{}", b.name);
            tx.rollback().await.unwrap();
            let open = b
                .store
                .enrolments_of(ResidentId::from_u128(42))
                .await
                .unwrap();
            assert_eq!(open.len(), 1, "{}", b.name);
            b.store
                .record(&yigong_ports::AuditEntry {
                    actor: Actor {
                        user: "doctor-1".into(),
                        role: "township_doctor".into(),
                        institution: TOWNSHIP,
                    },
                    action: "followup.enrol".into(),
                    resource: "residents/42".into(),
                    patient: Some(ResidentId::from_u128(42)),
                    at: NOW,
                    outcome: AuditOutcome::Denied,
                    break_glass: None,
                })
                .await
                .unwrap();
        }
        assert_eq!(
            crate::rows_in(&b.store, "audit_entry").await,
            i64::from(rounds),
            "{}",
            b.name
        );
    }
}

/// A resident sealed under an older key, or written before sealing, is resealed under the
/// current key at start: it reads the same, is found by its document, and its version stays.
#[tokio::test]
async fn reseal_moves_every_resident_to_the_current_key() {
    use yigong_store::seal::{DataKeys, Suite};
    for b in backends::all().await {
        let old = DataKeys::generate("2025");
        let new = DataKeys::generate("2026");
        let store = b
            .store
            .clone()
            .with_keys(DataKeys::parse(Suite::Sm4Gcm, [old.as_str()]).unwrap());
        let r = record(42, "11010519491231002X");
        let mut tx = store.begin().await.unwrap();
        tx.insert_resident(&r).await.unwrap();
        tx.commit().await.unwrap();
        // A row as written before sealing: plain JSON, no key id.
        let legacy = record(43, "110105194912310003");
        let mut tx = store.begin().await.unwrap();
        tx.insert_resident(&legacy).await.unwrap();
        tx.commit().await.unwrap();
        let db = b.store.connection();
        let plain = serde_json::to_string(&legacy.resident)
            .unwrap()
            .replace('\'', "''");
        db.execute_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "UPDATE resident SET key_id = NULL, body = '{plain}' WHERE id = '{}'",
                legacy.resident.id().as_uuid()
            ),
        ))
        .await
        .unwrap();

        let rotated = b
            .store
            .clone()
            .with_keys(DataKeys::parse(Suite::Sm4Gcm, [new.as_str(), old.as_str()]).unwrap());
        assert_eq!(rotated.reseal().await.unwrap(), 2, "{}", b.name);
        assert_eq!(rotated.reseal().await.unwrap(), 0, "{}", b.name);
        // Only the new key is needed now.
        let only_new = b
            .store
            .clone()
            .with_keys(DataKeys::parse(Suite::Sm4Gcm, [new.as_str()]).unwrap());
        for expected in [&r, &legacy] {
            let got = only_new
                .find_by_document(expected.resident.document())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(&got.value, expected, "{}", b.name);
            assert_eq!(got.version, 1, "{}", b.name);
        }
        // A key that sealed nothing here opens nothing.
        let stranger = b.store.clone().with_keys(DataKeys::ephemeral());
        assert!(
            stranger.get_resident(r.resident.id()).await.is_err(),
            "{}",
            b.name
        );
    }
}
