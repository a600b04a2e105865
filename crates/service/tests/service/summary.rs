//! The patient summary: one visibility check, the parts a caller is party to, audited once.

use std::sync::Arc;

use yigong_domain::contract::KeyPopulation;
use yigong_ports::{AuditOutcome, Versioned};
use yigong_service::{HistoryService, Principal, Role, ServiceError};
use yigong_test_support::fixtures::upward;

use crate::support::*;

fn summary_deps(audit: MockAudit) -> yigong_service::Deps {
    let mut follow_ups = MockFollowUps::new();
    follow_ups.expect_get_resident().returning(|id| {
        Ok(Some(Versioned {
            value: patient_record(id, TOWNSHIP),
            version: 3,
        }))
    });
    follow_ups.expect_enrolments_of().returning(|_| Ok(vec![]));
    follow_ups.expect_plans_of().returning(|_| Ok(vec![]));
    follow_ups.expect_visits_of().returning(|_| Ok(vec![]));
    let mut referrals = MockQueries::new();
    referrals.expect_open_referrals_of().returning(|p| {
        let patient = p.as_uuid().as_u128();
        Ok(vec![Versioned {
            value: upward(7, patient, 0),
            version: 1,
        }])
    });
    let mut directory = MockDirectory::new();
    directory.expect_contracts_of().returning(|_| Ok(vec![]));
    let mut d = deps(MockUow::new(), referrals, follow_ups, audit);
    d.directory = Arc::new(directory);
    d
}

#[tokio::test]
async fn the_sender_sees_its_open_referral_and_the_read_is_audited_once() {
    let mut audit = MockAudit::new();
    audit
        .expect_record()
        .withf(|e| {
            e.action == "history.summary"
                && e.patient == Some(PATIENT)
                && e.outcome == AuditOutcome::Success
        })
        .times(1)
        .returning(|_| Ok(()));
    let svc = HistoryService::new(summary_deps(audit));
    let s = svc.summary(&clinician(TOWNSHIP), PATIENT).await.unwrap();
    assert_eq!(s.record.version, 3);
    assert_eq!(s.open_referrals.len(), 1, "the township sent it");
    // Born 1960-05-01: 65 on 2026-03-02, so elderly; nothing under management.
    assert_eq!(
        s.key_populations.into_iter().collect::<Vec<_>>(),
        [KeyPopulation::Elderly]
    );
    assert!(s.enrolments.is_empty() && s.open_plans.is_empty() && s.contract.is_none());
}

#[tokio::test]
async fn one_who_cannot_see_the_patient_gets_not_found_audited() {
    let mut audit = MockAudit::new();
    audit
        .expect_record()
        .withf(|e| e.action == "history.summary" && e.outcome == AuditOutcome::Denied)
        .times(1)
        .returning(|_| Ok(()));
    let svc = HistoryService::new(summary_deps(audit));
    let operator = Principal {
        role: Role::Operator,
        ..clinician(TOWNSHIP)
    };
    let refused = svc.summary(&operator, PATIENT).await.unwrap_err();
    assert!(matches!(refused, ServiceError::NotFound(_)), "{refused:?}");
}
