//! The deadline jobs over a real store on every backend, two instances racing, the clock set
//! by the test: on the demo county they first catch up on what came due since its history ended
//! (each deadline announced once, however the two interleave, and a later pass finds nothing
//! left); then a fresh ECG's unacknowledged critical value escalates to the centre's duty desk
//! at 15 minutes and to the community's desk at 30, once each and not a second before, and its
//! unverified report breaches the routine target once, at the day.

use std::collections::BTreeMap;
use std::sync::Arc;

use sea_orm::{ConnectionTrait, Statement};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use yigong_app::demo::{self, DemoScale};
use yigong_domain::diagnosis::{AcquisitionForm, EscalationLevel, Modality, Priority, ReportForm};
use yigong_domain::ids::DiagnosisRequestId;
use yigong_domain::profile::RuleProfile;
use yigong_ports::{DiagnosisQueries, NetworkQueries, RandomIds};
use yigong_service::{
    DeadlineJobs, Deps, DiagnosisService, Fired, Principal, RequestInput, Transition,
};
use yigong_store::Store;
use yigong_test_support::backends;
use yigong_test_support::clock::SetClock;

/// The demo's history ends the day before this.
const TODAY: time::Date = date!(2026 - 11 - 23);
/// When the jobs first run: the start of the demo's today.
const START: OffsetDateTime = datetime!(2026 - 11 - 23 0:00 UTC);

/// The deadlines that fire at most once per subject.
const ONCE: [&str; 7] = [
    "referral.referral_escalated",
    "referral.arrival_missed",
    "advice.advice_escalated",
    "follow_up.plan_fell_due",
    "follow_up.plan_overdue",
    "contract.contract_expiring",
    "diagnosis.turnaround_breached",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlines_fire_once_across_two_instances_on_every_backend() {
    for b in backends::all().await {
        jobs_on(b.name, &b.store).await;
    }
}

async fn jobs_on(backend: &str, store: &Store) {
    let seeded = Arc::new(store.clone());
    demo::seed(seeded, DemoScale::SMALL, TODAY, &|_| {})
        .await
        .unwrap();
    let clock = Arc::new(SetClock::at(START));
    let clocked = Arc::new(store.clone().with_clock(clock.clone()));
    let network = store.network().await.unwrap();
    let deps = || {
        Deps::on_store(
            clocked.clone(),
            network.clone(),
            clock.clone(),
            Arc::new(RandomIds),
            Arc::new(RuleProfile::bphs3()),
        )
    };
    let (one, two) = (
        DeadlineJobs::new(deps(), clocked.clone()),
        DeadlineJobs::new(deps(), clocked.clone()),
    );
    let race = || async {
        let (a, b) = tokio::join!(one.run_once(), two.run_once());
        (a.unwrap(), b.unwrap())
    };

    // Catching up on the demo county: something came due, nothing twice, nothing left.
    let (a, b) = race().await;
    let total = a.escalated + b.escalated + a.due + b.due + a.diagnosis + b.diagnosis;
    assert!(total > 0, "{backend}: {a:?} {b:?}");
    assert_eq!(one.run_once().await.unwrap(), Fired::default(), "{backend}");
    assert_no_repeats(backend, store).await;

    // A fresh routine ECG whose critical value nobody acknowledges.
    let callers = demo::principals(store).await.unwrap().callers;
    let caller = |v: &str| -> Principal {
        callers
            .iter()
            .find(|(n, _, _)| *n == v)
            .map(|c| c.2.clone())
            .unwrap()
    };
    let (township, reader) = (caller("TOKEN_TOWNSHIP"), caller("TOKEN_READER"));
    let dx = DiagnosisService::new(deps(), clocked.clone());
    let patient = store
        .requested_by(township.institution, None, 1)
        .await
        .unwrap()
        .remove(0)
        .value
        .patient();
    let centre = dx
        .centres(&reader)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.value.reads(Modality::Ecg))
        .unwrap()
        .value
        .id();
    let acquired = START + Duration::hours(9);
    clock.set(acquired);
    let created = dx
        .create_request(
            &township,
            "deadline-jobs/ecg",
            RequestInput {
                patient,
                centre,
                modality: Modality::Ecg,
                exam_item: "十二导联心电图".to_owned(),
                clinical_info: "胸痛1小时".to_owned(),
                priority: Priority::Routine,
            },
        )
        .await
        .unwrap();
    let id = created.value.id();
    let form = AcquisitionForm {
        ecg_file_id: "ECG-DEADLINE-1".to_owned(),
        ..AcquisitionForm::default()
    };
    for (who, step) in [
        (&township, Transition::Acquire(form)),
        (&reader, Transition::Claim),
        (
            &reader,
            Transition::Report(ReportForm {
                findings: "V1-V4导联ST段抬高".to_owned(),
                impression: "急性前壁心肌梗死可能".to_owned(),
                positive: true,
                critical: Some("急性心肌梗死".to_owned()),
            }),
        ),
    ] {
        dx.transition(who, id, None, step).await.unwrap();
    }

    let escalations = |at: OffsetDateTime| {
        let clock = &clock;
        async move {
            clock.set(at);
            race().await;
            let r = store.get_request(id).await.unwrap().unwrap().value;
            let levels: Vec<EscalationLevel> = r
                .critical()
                .unwrap()
                .escalated
                .iter()
                .map(|(level, _)| *level)
                .collect();
            (levels, r.turnaround_breached())
        }
    };
    let minutes = |m| acquired + Duration::minutes(m);
    let second = Duration::seconds(1);
    // Due at 15 and 30 minutes after flagging, and the routine target a day after acquisition:
    // nothing a second before each, the step at it.
    assert_eq!(
        escalations(minutes(15) - second).await,
        (vec![], None),
        "{backend}"
    );
    assert_eq!(
        escalations(minutes(15)).await,
        (vec![EscalationLevel::DutyDesk], None),
        "{backend}"
    );
    assert_eq!(
        events_of(store, id, "diagnosis.critical_value_escalated").await,
        1
    );
    assert_eq!(
        escalations(minutes(30) - second).await,
        (vec![EscalationLevel::DutyDesk], None),
        "{backend}"
    );
    let both = vec![EscalationLevel::DutyDesk, EscalationLevel::CommunityDesk];
    assert_eq!(
        escalations(minutes(30)).await,
        (both.clone(), None),
        "{backend}"
    );
    assert_eq!(
        events_of(store, id, "diagnosis.critical_value_escalated").await,
        2
    );
    assert_eq!(
        escalations(minutes(24 * 60) - second).await,
        (both.clone(), None),
        "{backend}"
    );
    let due = minutes(24 * 60);
    assert_eq!(
        escalations(due).await,
        (both.clone(), Some(due)),
        "{backend}"
    );
    assert_eq!(
        escalations(due + Duration::hours(1)).await,
        (both, Some(due)),
        "{backend}"
    );
    assert_eq!(
        events_of(store, id, "diagnosis.turnaround_breached").await,
        1
    );
    assert_no_repeats(backend, store).await;
}

/// How many `event_type` events the outbox holds for request `id`.
async fn events_of(store: &Store, id: DiagnosisRequestId, event_type: &str) -> usize {
    outbox(store)
        .await
        .into_iter()
        .filter(|(kind, aggregate)| kind == event_type && *aggregate == id.as_uuid())
        .count()
}

/// No once-only deadline was announced twice for a subject.
async fn assert_no_repeats(backend: &str, store: &Store) {
    let mut seen = BTreeMap::<(String, Uuid), usize>::new();
    for key in outbox(store).await {
        *seen.entry(key).or_default() += 1;
    }
    let repeated: Vec<_> = seen
        .iter()
        .filter(|((kind, _), n)| ONCE.contains(&kind.as_str()) && **n > 1)
        .collect();
    assert!(repeated.is_empty(), "{backend}: {repeated:?}");
}

/// Every outbox event's type and aggregate.
async fn outbox(store: &Store) -> Vec<(String, Uuid)> {
    let db = store.connection();
    db.query_all_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT event_type, aggregate_id FROM outbox_event",
    ))
    .await
    .unwrap()
    .iter()
    .map(|row| {
        (
            row.try_get::<String>("", "event_type").unwrap(),
            row.try_get::<Uuid>("", "aggregate_id").unwrap(),
        )
    })
    .collect()
}
