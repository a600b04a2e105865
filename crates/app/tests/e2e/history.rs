//! A patient's history over the API: the story's patient has three screening results, an
//! enrolment, visits and plans, listed latest first and each gettable with its etag; a caller
//! who cannot see the patient gets NOT_FOUND for every list and item, and each read is audited.

use tonic::Code;
use yigong_proto::v1 as pb;
use yigong_proto::v1::audit_service_client::AuditServiceClient;
use yigong_proto::v1::history_service_client::HistoryServiceClient;

use crate::support::{TestApp, field_of};

const DOCTOR: &str = "TOKEN_TOWNSHIP";

pub async fn history(s: &TestApp, patient: &str, enrolment: &str) {
    let mut history = HistoryServiceClient::new(s.channel.clone());
    let parent = || patient.to_owned();

    let enrolments = history
        .list_enrolments(s.as_(DOCTOR, pb::ListEnrolmentsRequest { parent: parent() }))
        .await
        .unwrap()
        .into_inner()
        .enrolments;
    let listed = enrolments
        .iter()
        .find(|e| e.name == enrolment)
        .unwrap()
        .clone();
    assert_eq!(listed.patient, patient);
    let got = history
        .get_enrolment(s.as_(
            DOCTOR,
            pb::GetEnrolmentRequest {
                name: enrolment.to_owned(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got, listed);

    let plans = history
        .list_follow_up_plans(s.as_(DOCTOR, pb::ListFollowUpPlansRequest { parent: parent() }))
        .await
        .unwrap()
        .into_inner()
        .plans;
    assert!(plans.len() >= 2, "{plans:?}");
    assert!(plans.iter().all(|p| p.patient == patient));
    let dues: Vec<_> = plans
        .iter()
        .map(|p| p.due_date.map(|d| (d.year, d.month, d.day)))
        .collect();
    assert!(
        dues.windows(2).all(|w| w[0] >= w[1]),
        "latest due first: {dues:?}"
    );
    let one = history
        .get_follow_up_plan(s.as_(
            DOCTOR,
            pb::GetFollowUpPlanRequest {
                name: plans[0].name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(one, plans[0], "the same plan with the same etag");

    let visits = history
        .list_follow_up_visits(s.as_(DOCTOR, pb::ListFollowUpVisitsRequest { parent: parent() }))
        .await
        .unwrap()
        .into_inner()
        .visits;
    assert!(!visits.is_empty());
    assert!(
        visits
            .iter()
            .all(|v| !v.classification.is_empty() && v.patient == patient)
    );
    assert!(
        visits
            .iter()
            .all(|v| plans.iter().any(|p| p.name == v.plan)),
        "every visit completed one of the patient's plans"
    );

    let results = history
        .list_screening_results(s.as_(DOCTOR, pb::ListScreeningResultsRequest { parent: parent() }))
        .await
        .unwrap()
        .into_inner()
        .results;
    assert!(results.len() >= 3, "{results:?}");
    assert_eq!(results[0].outcome, "preliminary_diagnosis", "latest first");

    // Someone who cannot see the patient: NOT_FOUND everywhere, never the data.
    for who in ["TOKEN_OPERATOR", "TOKEN_TCM_OPERATOR"] {
        let codes = [
            history
                .list_enrolments(s.as_(who, pb::ListEnrolmentsRequest { parent: parent() }))
                .await
                .map(|_| Code::Ok)
                .unwrap_or_else(|e| e.code()),
            history
                .get_enrolment(s.as_(
                    who,
                    pb::GetEnrolmentRequest {
                        name: enrolment.to_owned(),
                    },
                ))
                .await
                .map(|_| Code::Ok)
                .unwrap_or_else(|e| e.code()),
            history
                .list_follow_up_plans(s.as_(who, pb::ListFollowUpPlansRequest { parent: parent() }))
                .await
                .map(|_| Code::Ok)
                .unwrap_or_else(|e| e.code()),
            history
                .get_follow_up_plan(s.as_(
                    who,
                    pb::GetFollowUpPlanRequest {
                        name: plans[0].name.clone(),
                    },
                ))
                .await
                .map(|_| Code::Ok)
                .unwrap_or_else(|e| e.code()),
            history
                .list_follow_up_visits(
                    s.as_(who, pb::ListFollowUpVisitsRequest { parent: parent() }),
                )
                .await
                .map(|_| Code::Ok)
                .unwrap_or_else(|e| e.code()),
            history
                .list_screening_results(
                    s.as_(who, pb::ListScreeningResultsRequest { parent: parent() }),
                )
                .await
                .map(|_| Code::Ok)
                .unwrap_or_else(|e| e.code()),
        ];
        assert_eq!(codes, [Code::NotFound; 6], "{who}");
    }

    // Bad names say which field; an unknown item is not found.
    let bad = history
        .list_enrolments(s.as_(
            DOCTOR,
            pb::ListEnrolmentsRequest {
                parent: "patients/1".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad), "parent");
    let bad = history
        .get_follow_up_plan(s.as_(
            DOCTOR,
            pb::GetFollowUpPlanRequest {
                name: enrolment.to_owned(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad), "name");
    let unknown = history
        .get_enrolment(s.as_(
            DOCTOR,
            pb::GetEnrolmentRequest {
                name: format!("enrolments/{}", uuid::Uuid::new_v4()),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound, "{unknown:?}");

    // The reads and the refusals are in the audit log.
    let entries = AuditServiceClient::new(s.channel.clone())
        .list_audit_entries(s.as_(
            "TOKEN_OPERATOR",
            pb::ListAuditEntriesRequest {
                patient: patient.to_owned(),
                page_size: 500,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .entries;
    for action in [
        "history.enrolments",
        "history.plans",
        "history.visits",
        "history.screenings",
    ] {
        assert!(
            entries
                .iter()
                .any(|e| e.action == action && e.outcome == pb::AuditOutcome::Success as i32),
            "{action} read audited"
        );
        assert!(
            entries
                .iter()
                .any(|e| e.action == action && e.outcome == pb::AuditOutcome::Denied as i32),
            "{action} refusal audited"
        );
    }
}
