//! Random command sequences run through the use cases on the real store (SQLite in memory)
//! end in the same state as the pure domain applied in memory: every success returns what the
//! domain computes, every refusal names the rule the domain names, and what the store holds at
//! the end is what the model holds.
//!
//! Rules enforced by storage rather than by a read (one open referral per direction is a unique
//! index) are checked here against the domain's own rule, so the two cannot drift apart.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use yigong_domain::followup::{
    Condition, ContactMode, DangerSign, FollowUpPlan, HypertensionVisit, PlanState, Visit,
};
use yigong_domain::identity::{DocumentKind, Resident, Sex};
use yigong_domain::ids::{
    CommunityId, InstitutionId, PlanId, ReferralId, ResidentId, TeamId, VisitId,
};
use yigong_domain::measure::BloodPressure;
use yigong_domain::network::{Institution, InstitutionKind, Network};
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::{
    Appointment, CreateReferral, Direction, ReasonCode, Referral, ReferralError, Route, SlotKind,
    Urgency,
};
use yigong_domain::rule::BrokenRule;
use yigong_ports::{Clock, FollowUpQueries, IdSource, ReferralQueries, Versioned};
use yigong_service::{
    Deps, DocumentInput, FollowUpService, NewEnrolment, NewReferral, NewResident, Principal,
    ReferralService, ResidentService, Role, ServiceError,
};
use yigong_store::Store;
use yigong_test_support::fixtures::{receiving, report, slip};

const COUNTY: InstitutionId = InstitutionId::from_u128(1);
const TOWNSHIP: InstitutionId = InstitutionId::from_u128(10);
const COMMUNITY: CommunityId = CommunityId::from_u128(500);
const TEAM: TeamId = TeamId::from_u128(77);
const START: OffsetDateTime = datetime!(2026 - 03 - 02 9:00 UTC);

#[derive(Debug, Clone)]
enum Op {
    Create {
        patient: u128,
        downward: bool,
        emergency: bool,
        wrong_reason: bool,
    },
    Approve(usize),
    Accept {
        which: usize,
        hours_ahead: i64,
    },
    Reject(usize),
    Cancel(usize),
    Arrive(usize),
    Complete(usize),
    Visit {
        patient: usize,
        sbp: u16,
        dbp: u16,
        danger: bool,
    },
    Wait {
        hours: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1u128..4, any::<bool>(), any::<bool>(), prop::bool::weighted(0.1)).prop_map(
            |(patient, downward, emergency, wrong_reason)| Op::Create {
                patient,
                downward,
                emergency,
                wrong_reason,
            }
        ),
        1 => any::<usize>().prop_map(Op::Approve),
        2 => (any::<usize>(), -3i64..72).prop_map(|(which, hours_ahead)| Op::Accept {
            which,
            hours_ahead
        }),
        1 => any::<usize>().prop_map(Op::Reject),
        1 => any::<usize>().prop_map(Op::Cancel),
        2 => any::<usize>().prop_map(Op::Arrive),
        2 => any::<usize>().prop_map(Op::Complete),
        3 => (0usize..2, 90u16..200, 55u16..125, prop::bool::weighted(0.15)).prop_map(
            |(patient, sbp, dbp, danger)| Op::Visit {
                patient,
                sbp,
                dbp: dbp.min(sbp - 10),
                danger,
            }
        ),
        1 => (0i64..60).prop_map(|hours| Op::Wait { hours }),
    ]
}

/// A clock the test moves.
struct TestClock(Mutex<OffsetDateTime>);

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

struct CountingIds(AtomicU64);

impl IdSource for CountingIds {
    fn new_id(&self) -> Uuid {
        Uuid::from_u128(u128::from(self.0.fetch_add(1, Ordering::SeqCst)) + 1_000_000)
    }
}

fn network() -> Network {
    let mut n = Network::new();
    for (id, kind) in [
        (COUNTY, InstitutionKind::CountyGeneralHospital),
        (TOWNSHIP, InstitutionKind::TownshipHealthCenter),
    ] {
        n.add_institution(Institution {
            id,
            name: format!("{kind:?}"),
            kind,
        })
        .unwrap();
    }
    n.found_community(COMMUNITY, "test", COUNTY).unwrap();
    n.join(COMMUNITY, TOWNSHIP).unwrap();
    n
}

fn person(institution: InstitutionId, role: Role) -> Principal {
    Principal {
        user: format!("{role:?}@{institution}"),
        role,
        institution,
        community: Some(COMMUNITY),
        team: (institution == TOWNSHIP).then_some(TEAM),
    }
}

/// What the domain alone says, applied to the model's copies.
#[derive(Default)]
struct Model {
    referrals: BTreeMap<ReferralId, Referral>,
    created: Vec<ReferralId>,
    plans: BTreeMap<PlanId, FollowUpPlan>,
}

/// Checks a use case's answer against the domain's: equal values, or the same rule.
fn agree<T: PartialEq + std::fmt::Debug, E: BrokenRule + std::fmt::Debug>(
    what: &str,
    service: &Result<Versioned<T>, ServiceError>,
    domain: &Result<T, E>,
) -> Result<(), TestCaseError> {
    match (service, domain) {
        (Ok(s), Ok(d)) => prop_assert_eq!(&s.value, d, "{}", what),
        (Err(ServiceError::Rule { rule, .. }), Err(d)) => {
            prop_assert_eq!(
                *rule,
                d.rule(),
                "{}: service and domain refuse by different rules",
                what
            )
        }
        (s, d) => prop_assert!(false, "{what}: service {s:?} but domain {d:?}"),
    }
    Ok(())
}

struct World {
    store: Arc<Store>,
    clock: Arc<TestClock>,
    referrals: ReferralService,
    follow_up: FollowUpService,
    profile: Arc<RuleProfile>,
    route_up: Route,
    route_down: Route,
    patients: Vec<(Resident, PlanId)>,
}

impl World {
    async fn new(approval_required: bool) -> World {
        let url = format!(
            "sqlite:file:prop{}?mode=memory&cache=shared",
            Uuid::new_v4().simple()
        );
        let store = Arc::new(Store::connect(&url).await.unwrap());
        store.migrate().await.unwrap();
        let profile = Arc::new(if approval_required {
            RuleProfile::from_toml("base = \"bphs3\"\n[referral]\napproval_required = true\n")
                .unwrap()
        } else {
            RuleProfile::bphs3()
        });
        let network = Arc::new(network());
        let clock = Arc::new(TestClock(Mutex::new(START)));
        let deps = Deps::on_store(
            store.clone(),
            (*network).clone(),
            clock.clone(),
            Arc::new(CountingIds(AtomicU64::new(0))),
            profile.clone(),
        );
        let mut world = World {
            store,
            clock,
            referrals: ReferralService::new(deps.clone()),
            follow_up: FollowUpService::new(deps.clone()),
            profile,
            route_up: Route::in_network(&network, TOWNSHIP, COUNTY).unwrap(),
            route_down: Route::in_network(&network, COUNTY, TOWNSHIP).unwrap(),
            patients: Vec::new(),
        };
        let residents = ResidentService::new(deps);
        let doctor = person(TOWNSHIP, Role::Clinician);
        for k in 0..2 {
            let record = residents
                .register(
                    &doctor,
                    NewResident {
                        request_id: format!("resident-{k}"),
                        document: DocumentInput::Other {
                            kind: DocumentKind::Passport,
                            number: format!("PT{k:07}"),
                            birth_date: date!(1950 - 01 - 01),
                            sex: Sex::Male,
                        },
                        household: None,
                        grid: None,
                        resident_since: date!(2000 - 01 - 01),
                        personal: Default::default(),
                    },
                )
                .await
                .unwrap();
            let (_, plan) = world
                .follow_up
                .enrol(
                    &doctor,
                    NewEnrolment {
                        patient: record.value.resident.id(),
                        condition: Condition::Hypertension,
                        confirmed_by: COUNTY,
                        confirmed_on: date!(2026 - 03 - 01),
                        on: date!(2026 - 03 - 01),
                    },
                )
                .await
                .unwrap();
            world
                .patients
                .push((record.value.resident, plan.value.id()));
        }
        world
    }

    fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }
}

impl Model {
    fn pick(&self, which: usize) -> Option<ReferralId> {
        (!self.created.is_empty()).then(|| self.created[which % self.created.len()])
    }

    fn open_directions(&self, patient: ResidentId) -> Vec<Direction> {
        self.referrals
            .values()
            .filter(|r| r.patient() == patient && r.state().name().is_open())
            .map(Referral::direction)
            .collect()
    }
}

async fn step(w: &mut World, m: &mut Model, op: Op) -> Result<(), TestCaseError> {
    let now = w.now();
    let sender_of = |r: &Referral| person(r.from(), Role::Clinician);
    let receiver_of = |r: &Referral| person(r.to(), Role::Clinician);
    let desk = person(COUNTY, Role::ReferralDesk);
    match op {
        Op::Wait { hours } => {
            *w.clock.0.lock().unwrap() = now + Duration::hours(hours);
        }
        Op::Create {
            patient,
            downward,
            emergency,
            wrong_reason,
        } => {
            let (route, from, to, reason) = if downward {
                (&w.route_down, COUNTY, TOWNSHIP, ReasonCode::ConditionStable)
            } else {
                (
                    &w.route_up,
                    TOWNSHIP,
                    COUNTY,
                    ReasonCode::HtnTargetNotReached,
                )
            };
            let reason = match (wrong_reason, downward) {
                (false, _) => reason,
                (true, true) => ReasonCode::HtnTargetNotReached,
                (true, false) => ReasonCode::ConditionStable,
            };
            let (direction, urgency) = (
                if downward {
                    Direction::Downward
                } else {
                    Direction::Upward
                },
                if emergency {
                    Urgency::Emergency
                } else {
                    Urgency::Routine
                },
            );
            // One of the registered residents: a referral names a patient whose record the
            // sender sees (the county lead sees the township's records too).
            let which = usize::try_from(patient).unwrap_or(0) % w.patients.len();
            let (patient, waiting) = (w.patients[which].0.id(), w.patients[which].1);
            let served = w
                .referrals
                .create(
                    &person(from, Role::Clinician),
                    NewReferral {
                        request_id: format!("create-{}", m.created.len() + m.referrals.len()),
                        patient,
                        to,
                        direction,
                        urgency,
                        reasons: vec![reason],
                        slip: slip(),
                        results: vec![],
                    },
                )
                .await;
            let id = served
                .as_ref()
                .map_or(ReferralId::from_u128(1), |v| v.value.id());
            let modelled = Referral::create(
                CreateReferral {
                    id,
                    patient,
                    direction,
                    urgency,
                    reasons: vec![reason],
                    slip: slip(),
                    attachments: vec![],
                },
                route,
                &m.open_directions(patient),
                now,
                &w.profile,
            )
            .map(|(r, _)| r);
            // Upward: the township's waiting plans (every patient is managed there: the visit
            // plan the model follows, and any downward referral's follow-up) are brought
            // forward to the sender's follow-up day and named on the referral (§6).
            let waiting_before: Vec<FollowUpPlan> = w
                .store
                .plans_of(patient)
                .await
                .unwrap()
                .into_iter()
                .map(|v| m.plans.get(&v.value.id()).cloned().unwrap_or(v.value))
                .filter(|p| p.state() == PlanState::Due)
                .collect();
            prop_assert!(waiting_before.iter().any(|p| p.id() == waiting));
            let mut moved = Vec::new();
            let modelled = modelled.map(|r| match r.sender_follow_up() {
                Some(_) => {
                    moved = waiting_before
                        .into_iter()
                        .map(|p| p.for_upward_referral(r.id(), now.date(), &w.profile))
                        .collect();
                    r.followed_up_by(moved.iter().map(FollowUpPlan::id).collect())
                }
                None => r,
            });
            agree("create", &served, &modelled)?;
            if let Ok(r) = modelled {
                for plan in moved {
                    m.plans.insert(plan.id(), plan);
                }
                m.created.push(r.id());
                m.referrals.insert(r.id(), r);
            }
        }
        Op::Visit {
            patient,
            sbp,
            dbp,
            danger,
        } => {
            let (resident, plan_id) = w.patients[patient].clone();
            let visit = Visit::Hypertension(HypertensionVisit {
                date: now.date(),
                mode: ContactMode::Clinic,
                bp: BloodPressure::new(sbp, dbp).unwrap(),
                heart_rate: None,
                signs: if danger {
                    vec![DangerSign::ChestPainOrTightness].into()
                } else {
                    Default::default()
                },
                adverse_reaction: Default::default(),
                complication: Default::default(),
            });
            let served = w
                .follow_up
                .record_visit(
                    &person(TOWNSHIP, Role::Clinician),
                    plan_id,
                    visit,
                    None,
                    None,
                )
                .await;
            let plan = m.plans[&plan_id].clone();
            let (visit_id, next_id) = served
                .as_ref()
                .map_or((VisitId::from_u128(1), PlanId::from_u128(2)), |r| {
                    (r.visit, r.next.value.id())
                });
            let modelled = plan.record_visit(
                visit_id,
                &visit,
                resident.age_on(visit.date()),
                next_id,
                &w.profile,
            );
            match (&served, &modelled) {
                (Ok(s), Ok(d)) => {
                    prop_assert_eq!(&s.done.value, &d.done);
                    prop_assert_eq!(&s.next.value, &d.next);
                    prop_assert_eq!(&s.assessment, &d.assessment);
                }
                (s, d) => prop_assert!(false, "visit: service {s:?} but domain {d:?}"),
            }
            let d = modelled.unwrap();
            m.plans.insert(d.done.id(), d.done);
            m.plans.insert(d.next.id(), d.next.clone());
            w.patients[patient].1 = d.next.id();
        }
        Op::Approve(which)
        | Op::Reject(which)
        | Op::Cancel(which)
        | Op::Arrive(which)
        | Op::Complete(which)
        | Op::Accept { which, .. } => {
            let Some(id) = m.pick(which) else {
                return Ok(());
            };
            let current = m.referrals[&id].clone();
            let (served, modelled): (_, Result<Referral, ReferralError>) = match op {
                Op::Approve(_) => (
                    w.referrals.approve(&desk, id, None).await,
                    current.approve(now, &w.profile).map(|(r, _)| r),
                ),
                Op::Reject(_) => {
                    // The receiver may reject in any state the domain allows it in.
                    let who = receiver_of(&current);
                    (
                        w.referrals.reject(&who, id, "no capacity", None).await,
                        current.reject("no capacity", now).map(|(r, _)| r),
                    )
                }
                Op::Cancel(_) => {
                    let who = sender_of(&current);
                    (
                        w.referrals
                            .cancel(&who, id, "patient recovered", None)
                            .await,
                        current.cancel("patient recovered").map(|(r, _)| r),
                    )
                }
                Op::Arrive(_) => {
                    let who = receiver_of(&current);
                    (
                        w.referrals.arrive(&who, id, None).await,
                        current.arrive(now).map(|(r, _)| r),
                    )
                }
                Op::Complete(_) => {
                    let who = receiver_of(&current);
                    let summary = report();
                    (
                        w.referrals.complete(&who, id, summary.clone(), None).await,
                        current.complete(summary, now, &w.profile).map(|(r, _)| r),
                    )
                }
                Op::Accept { hours_ahead, .. } => {
                    let who = receiver_of(&current);
                    let appointment = Appointment {
                        at: now + Duration::hours(hours_ahead),
                        slot: SlotKind::General,
                    };
                    (
                        w.referrals
                            .accept(&who, id, appointment, receiving(), None, None)
                            .await,
                        current
                            .accept(appointment, receiving(), None, now, &w.profile)
                            .map(|(r, _)| r),
                    )
                }
                Op::Create { .. } | Op::Visit { .. } | Op::Wait { .. } => unreachable!(),
            };
            agree(&format!("{op:?}"), &served, &modelled)?;
            if let Ok(r) = modelled {
                m.referrals.insert(id, r);
            }
        }
    }
    Ok(())
}

async fn run(approval_required: bool, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut w = World::new(approval_required).await;
    let mut m = Model::default();
    for (_, plan) in &w.patients {
        let stored = w.store.get_plan(*plan).await.unwrap().unwrap();
        m.plans.insert(*plan, stored.value);
    }
    for op in ops {
        step(&mut w, &mut m, op).await?;
    }
    for (id, modelled) in &m.referrals {
        let stored = w.store.get_referral(*id).await.unwrap().unwrap();
        prop_assert_eq!(&stored.value, modelled);
    }
    for (id, modelled) in &m.plans {
        let stored = w.store.get_plan(*id).await.unwrap().unwrap();
        prop_assert_eq!(&stored.value, modelled);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_service_on_sqlite_ends_where_the_domain_does(
        approval_required in any::<bool>(),
        ops in prop::collection::vec(op(), 1..40),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(run(approval_required, ops))?;
    }
}
