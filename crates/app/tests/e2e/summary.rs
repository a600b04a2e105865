//! The patient summary over the API: what the history lists give one by one, in one read, as
//! of today (the open enrolments and their key populations, the waiting plans earliest first
//! with their status, the latest visits, the open referrals, the contract in force); NOT_FOUND
//! for one who cannot see the patient; the read audited.

use tonic::Code;
use yigong_proto::v1 as pb;
use yigong_proto::v1::history_service_client::HistoryServiceClient;
use yigong_proto::v1::team_service_client::TeamServiceClient;

use crate::support::{TestApp, audit_of, field_of};

const DOCTOR: &str = "TOKEN_TOWNSHIP";

fn ymd(d: Option<yigong_proto::google::r#type::Date>) -> (i32, i32, i32) {
    d.map(|d| (d.year, d.month, d.day)).unwrap_or_default()
}

/// `contracted`: whether the patient has a contract in force by now (the directory step signs
/// one).
pub async fn summary(s: &TestApp, patient: &str, contracted: bool) {
    let mut history = HistoryServiceClient::new(s.channel.clone());
    let ask = |name: &str| pb::GetPatientSummaryRequest {
        name: name.to_owned(),
    };
    let summary = history
        .get_patient_summary(s.as_(DOCTOR, ask(patient)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(summary.resident.as_ref().unwrap().name, patient);

    let parent = || patient.to_owned();
    let enrolments = history
        .list_enrolments(s.as_(DOCTOR, pb::ListEnrolmentsRequest { parent: parent() }))
        .await
        .unwrap()
        .into_inner()
        .enrolments;
    let open: Vec<_> = enrolments
        .into_iter()
        .filter(|e| e.close_date.is_none())
        .collect();
    assert!(!open.is_empty(), "the story's patient is under management");
    let mut got = summary.enrolments.clone();
    got.sort_by(|a, b| a.name.cmp(&b.name));
    let mut want = open.clone();
    want.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(got, want, "the open enrolments");
    if open
        .iter()
        .any(|e| e.condition == pb::Condition::Hypertension as i32)
    {
        assert!(
            summary
                .key_populations
                .iter()
                .any(|k| k.kind == "chronic" && k.detail == "hypertension"),
            "{:?}",
            summary.key_populations
        );
    }

    let plans = history
        .list_follow_up_plans(s.as_(DOCTOR, pb::ListFollowUpPlansRequest { parent: parent() }))
        .await
        .unwrap()
        .into_inner()
        .plans;
    let mut waiting: Vec<_> = plans.into_iter().filter(|p| p.state == "due").collect();
    waiting.sort_by_key(|p| (ymd(p.due_date), p.name.clone()));
    let shown: Vec<_> = summary
        .open_plans
        .iter()
        .map(|o| o.plan.clone().unwrap())
        .collect();
    assert_eq!(
        shown, waiting,
        "the waiting plans, earliest due first, with their etags"
    );
    assert!(
        !waiting.is_empty(),
        "an open enrolment waits for its next visit"
    );
    for o in &summary.open_plans {
        assert_eq!(o.overdue, o.days_overdue > 0, "{o:?}");
        if o.overdue {
            assert!(ymd(o.plan.as_ref().unwrap().due_date) < ymd(summary.as_of_date));
        }
    }

    let visits = history
        .list_follow_up_visits(s.as_(DOCTOR, pb::ListFollowUpVisitsRequest { parent: parent() }))
        .await
        .unwrap()
        .into_inner()
        .visits;
    assert!(!visits.is_empty());
    assert_eq!(
        summary.latest_visits,
        visits[..visits.len().min(5)],
        "the latest visits, newest first"
    );
    assert!(summary.open_referrals.iter().all(|r| {
        r.patient == patient
            && ![
                pb::State::Rejected,
                pb::State::Cancelled,
                pb::State::Completed,
                pb::State::Closed,
            ]
            .contains(&r.state())
    }));

    let contracts = TeamServiceClient::new(s.channel.clone())
        .list_contracts(s.as_(
            DOCTOR,
            pb::ListContractsRequest {
                resident: patient.to_owned(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .contracts;
    let today = ymd(summary.as_of_date);
    let in_force = contracts
        .iter()
        .find(|c| c.status == "current" && ymd(c.start_date) <= today && today < ymd(c.end_date));
    assert_eq!(
        summary.contract.as_ref().map(|c| &c.name),
        in_force.map(|c| &c.name),
        "{contracts:?}"
    );
    assert_eq!(summary.contract.is_some(), contracted);

    // Out of sight is NOT_FOUND, a bad name is named.
    for who in ["TOKEN_OPERATOR", "TOKEN_OTHER_TOWNSHIP"] {
        let refused = history
            .get_patient_summary(s.as_(who, ask(patient)))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::NotFound, "{who}");
    }
    let bad = history
        .get_patient_summary(s.as_(DOCTOR, ask("patients/1")))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad), "name");

    let entries = audit_of(s, patient).await;
    for outcome in [pb::AuditOutcome::Success, pb::AuditOutcome::Denied] {
        assert!(
            entries
                .iter()
                .any(|e| e.action == "history.summary" && e.outcome == outcome as i32),
            "{outcome:?}"
        );
    }
}
