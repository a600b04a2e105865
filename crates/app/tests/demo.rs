//! The demo county at test scale: built through the use cases, the same county on every run,
//! recognised once seeded, and with content where users look first (an inbox with referrals in
//! every state, a worklist, contracts).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use time::OffsetDateTime;
use time::macros::date;
use yigong_app::demo::{self, DemoScale};
use yigong_domain::diagnosis::{DiagnosisRequest, Modality, Status};
use yigong_domain::indicator::DiagnosisFigures;
use yigong_domain::referral::StateName;
use yigong_ports::{NetworkQueries, RandomIds, SystemClock};
use yigong_service::{
    Deps, DiagnosisService, FollowUpService, IndicatorService, Interval, ReferralListing,
    ReferralService, ReferralView, Role,
};
use yigong_store::Store;

async fn seeded() -> (Arc<Store>, demo::DemoCounty) {
    let store = Arc::new(Store::connect("sqlite::memory:").await.unwrap());
    store.migrate().await.unwrap();
    let built = demo::seed(
        store.clone(),
        DemoScale::SMALL,
        date!(2026 - 11 - 23),
        &|_| {},
    )
    .await
    .unwrap();
    (store, built)
}

#[tokio::test]
async fn the_demo_county_is_deterministic_and_has_content_everywhere() {
    let (store, built) = seeded().await;
    // 2 hospitals + 2 townships × (1 center + 2 clinics).
    assert_eq!(built.institutions, 8);
    assert_eq!(built.grids, 4);
    assert_eq!(built.households, 100);
    assert!(
        built.residents >= 100 && built.residents <= 500,
        "{built:?}"
    );
    assert!(built.contracts > 0 && built.enrolments > 0, "{built:?}");
    assert!(
        built.visits >= 3 * built.enrolments,
        "a year of visits: {built:?}"
    );
    assert!(built.screenings > 0 && built.referrals >= 14, "{built:?}");
    assert!(built.sessions >= 9, "{built:?}");
    assert!(
        built.elderly_checks > 0 && built.mental_disorder_patients > 0,
        "{built:?}"
    );
    assert!(
        built.cancer_cases > built.cancer_cases_closed && built.cancer_cases_closed > 0,
        "two-cancer cases open and closed: {built:?}"
    );
    assert!(built.two_cancer_exams > built.cancer_cases, "{built:?}");
    // An imaging, an ECG and a laboratory centre at each lead hospital; a month of requests
    // from each township, some read late and some critical values left waiting.
    assert_eq!(built.diagnosis_centres, 6);
    assert!(
        (2 * 30..=2 * 60).contains(&built.diagnosis_requests),
        "{built:?}"
    );
    assert!(
        built.turnaround_breaches > 0 && built.critical_escalations > 0,
        "{built:?}"
    );
    // Five consultations from each township, most answered, the last ones still open.
    assert_eq!(built.consultations, 2 * 5, "{built:?}");
    assert!(
        (1..built.consultations).contains(&built.consultations_answered),
        "{built:?}"
    );

    let network = store.network().await.unwrap();
    assert!(demo::is_seeded(&network));
    assert_eq!(network.communities().count(), 2);

    // The same scale on the same day is the same county, ids included.
    let (again, rebuilt) = seeded().await;
    assert_eq!(rebuilt, built);
    let ids = |n: &yigong_domain::network::Network| {
        n.institutions()
            .map(|i| (i.id, i.name.clone()))
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(ids(&again.network().await.unwrap()), ids(&network));

    // The sample users see content: the county clinician's inbox holds referrals in every
    // state a routine profile reaches, the township team has patients on its worklist.
    let callers = demo::principals(&store).await.unwrap().callers;
    assert_eq!(callers.len(), 7);
    let deps = Deps::on_store(
        store.clone(),
        network,
        Arc::new(SystemClock),
        Arc::new(RandomIds),
        Arc::new(yigong_domain::profile::RuleProfile::bphs3()),
    );
    let county = &callers
        .iter()
        .find(|(_, _, p)| p.role == Role::Clinician && p.team.is_none())
        .unwrap()
        .2;
    let every = [
        StateName::Requested,
        StateName::Accepted,
        StateName::Arrived,
        StateName::Completed,
        StateName::Rejected,
        StateName::Cancelled,
    ];
    let inbox = ReferralService::new(deps.clone())
        .list(
            county,
            &ReferralListing {
                states: every.to_vec(),
                ..ReferralListing::of(ReferralView::Inbox)
            },
            500,
            None,
        )
        .await
        .unwrap();
    let states: BTreeSet<StateName> = inbox.items.iter().map(|r| r.value.state().name()).collect();
    for state in every {
        assert!(states.contains(&state), "{state:?} missing from {states:?}");
    }
    // The county's referral figures over the demo's year: what `yigong report --referrals`
    // prints. Every kind of answer is there, and the report-backs.
    let today = OffsetDateTime::now_utc().date();
    let received = ReferralService::new(deps.clone())
        .figures(
            county,
            yigong_ports::ReferralParty::ReceivedBy(county.institution),
            today - time::Duration::days(400),
            today,
        )
        .await
        .unwrap();
    assert!(received.upward > 0 && received.answered > 0, "{received:?}");
    assert!(
        received.completed > 0 && !received.rejected.is_empty(),
        "{received:?}"
    );
    assert!(received.median_answer_minutes.is_some(), "{received:?}");
    let table = yigong_app::report::referral_table("county", &[("received", &received)]);
    assert!(table.lines().nth(3).unwrap().starts_with("received"));
    let township = &callers
        .iter()
        .find(|(v, _, _)| *v == "TOKEN_TOWNSHIP")
        .unwrap()
        .2;
    let far_ahead = OffsetDateTime::now_utc().date() + time::Duration::days(400);
    // The township's report: every grid counted, contracts in force, patients managed.
    let report = IndicatorService::new(deps.clone(), store.clone())
        .institution_report(township, township.institution, date!(2026 - 11 - 23), None)
        .await
        .unwrap();
    assert_eq!(report.grids.len(), 2);
    let total = report.total;
    assert_eq!(
        total.households,
        u64::try_from(
            DemoScale::SMALL.villages_per_township * DemoScale::SMALL.households_per_village
        )
        .unwrap()
    );
    assert!(total.managed > 0, "{total:?}");
    // The rates a county is assessed on have content: 65+ checks (most fed back), managed
    // mental disorder patients among the managed.
    let a = total.assessed;
    assert!(
        a.elderly_checked > 0 && a.elderly_checked <= a.elderly,
        "{a:?}"
    );
    assert!(
        a.elderly_managed > 0 && a.elderly_managed <= a.elderly_checked,
        "{a:?}"
    );
    assert!(a.hypertension.managed > 0 && a.bp_eligible > 0, "{a:?}");
    let coverage = total.contract_coverage().unwrap().basis_points();
    assert!(coverage >= 2_000, "contracts in force cover {coverage} bp");
    let worklist = FollowUpService::new(deps.clone())
        .overdue_worklist(township, far_ahead, 50, None)
        .await
        .unwrap();
    assert!(!worklist.items.is_empty());
    remote_diagnosis(&store, &deps, &callers).await;
}

/// The remote-diagnosis content where its users look: the ECG reader's worklist holds
/// yesterday's unfinished requests, and the township's list holds its month of requests in
/// every state, with breaches and escalated critical values.
async fn remote_diagnosis(
    store: &Arc<Store>,
    deps: &Deps,
    callers: &[(&'static str, &'static str, yigong_service::Principal)],
) {
    let caller = |v: &str| &callers.iter().find(|(n, _, _)| *n == v).unwrap().2;
    let dx = DiagnosisService::new(deps.clone(), store.clone());
    let reader = caller("TOKEN_READER");
    let centres = dx.centres(reader).await.unwrap();
    assert_eq!(
        centres.len(),
        3,
        "each community asks its own hospital's centres"
    );
    let ecg = centres
        .iter()
        .find(|c| c.value.reads(Modality::Ecg))
        .unwrap();
    let worklist = dx
        .worklist(reader, ecg.value.id(), None, 100, None)
        .await
        .unwrap();
    assert!(
        !worklist.items.is_empty(),
        "yesterday's ECGs wait for a reader"
    );
    assert!(
        worklist
            .items
            .iter()
            .all(|r| r.value.status().awaits_reader() && r.value.modality() == Modality::Ecg),
        "{:?}",
        worklist.items
    );
    let mut all = Vec::new();
    for township in ["TOKEN_TOWNSHIP", "TOKEN_OTHER_TOWNSHIP"] {
        let mut token = None;
        loop {
            let page = dx
                .requested(caller(township), 100, token.as_deref())
                .await
                .unwrap();
            all.extend(page.items.into_iter().map(|r| r.value));
            token = page.next;
            if token.is_none() {
                break;
            }
        }
    }
    let states: BTreeSet<Status> = all.iter().map(DiagnosisRequest::status).collect();
    for state in Status::ALL {
        assert!(states.contains(state), "{state:?} missing from {states:?}");
    }
    assert!(
        all.iter().any(|r| r.reports().len() > 1),
        "an amended report"
    );
    assert!(all.iter().any(|r| r.turnaround_breached().is_some()));
    assert!(
        all.iter()
            .any(|r| r.critical().is_some_and(|c| c.escalated.len() == 2)),
        "a critical value escalated to the community's desk"
    );
    let profile = deps.profile.clone();
    let late = all
        .iter()
        .filter(|r| r.within_target(&profile) == Some(false))
        .count();
    let verified = all
        .iter()
        .filter(|r| r.within_target(&profile).is_some())
        .count();
    assert!(
        late > 0 && late * 4 < verified,
        "most are read within the target: {late} late of {verified}"
    );

    // The ECG centre's figures over the month agree with the requests listed, and the report
    // prints them; the township's clinician may not read them.
    let today = date!(2026 - 11 - 23);
    let from = today - time::Duration::days(40);
    let figures = dx
        .figures(reader, ecg.value.id(), from, today, Interval::Month)
        .await
        .unwrap();
    let of_centre: Vec<&DiagnosisRequest> = all
        .iter()
        .filter(|r| r.centre() == ecg.value.id())
        .collect();
    assert_eq!(figures.total.requests as usize, of_centre.len());
    assert_eq!(
        figures.total,
        DiagnosisFigures::tally(of_centre.iter().copied(), &profile),
        "one tally: the store's read is the same requests"
    );
    assert_eq!(
        figures.coverage,
        (1, 1),
        "the community's one township asked"
    );
    assert_eq!(
        figures.by_modality.keys().copied().collect::<Vec<_>>(),
        [Modality::Ecg]
    );
    let per_month: u32 = figures.by_period.values().map(|f| f.requests).sum();
    assert_eq!(per_month, figures.total.requests);
    let network = store.network().await.unwrap();
    let table = yigong_app::report::diagnosis_table(&figures, &network);
    assert!(table.contains("1 of 1 township-level members"), "{table}");
    assert!(table.lines().any(|l| l.starts_with("ecg")), "{table}");
    let csv = yigong_app::report::diagnosis_csv(std::slice::from_ref(&figures), &network);
    assert!(csv.starts_with("centre,requests of,"), "{csv}");
    assert_eq!(
        csv.lines().count(),
        1 + 1 + figures.by_modality.len() + figures.by_institution.len() + figures.by_period.len()
    );
    let refused = dx
        .figures(
            caller("TOKEN_TOWNSHIP"),
            ecg.value.id(),
            from,
            today,
            Interval::Day,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(refused, yigong_service::ServiceError::NotFound(_)),
        "{refused:?}"
    );
}
