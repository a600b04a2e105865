//! Referral use cases against mocked ports: the transaction sequence, authorization in one
//! place, idempotent retries, and failure injection (an error half-way never commits).

use std::sync::Arc;

use mockall::predicate::*;
use time::Duration;
use time::macros::datetime;
use yigong_domain::ids::{AdviceId, CommunityId, InstitutionId, ReferralId, ScreeningId};
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::{
    AdviceOutcome, AdviceSource, Appointment, CreateReferral, Diagnosis, Direction,
    DischargeSummary, NewAdvice, ReasonCode, Referral, ReferralAdvice, Route, SlotKind, StateName,
    Urgency,
};
use yigong_domain::rule::RuleId;
use yigong_ports::{AuditOutcome, Constraint, StoreError, Versioned};
use yigong_service::{NewReferral, Principal, ReferralService, Role, ServiceError};

use crate::support::*;
use yigong_test_support::fixtures::{receiving, slip};

fn diagnosis() -> Diagnosis {
    Diagnosis::new("I10", "高血压 2 级").unwrap()
}

pub(crate) fn service(uow: MockUow, queries: MockQueries, audit: MockAudit) -> ReferralService {
    ReferralService::new(deps(uow, queries, knowing_the_patient(), audit))
}

fn new_referral(request_id: &str) -> NewReferral {
    NewReferral {
        request_id: request_id.into(),
        patient: PATIENT,
        to: COUNTY,
        direction: Direction::Upward,
        urgency: Urgency::Routine,
        reasons: vec![ReasonCode::HtnTargetNotReached],
        slip: slip(),
        results: vec![],
    }
}

pub(crate) fn stored_referral(id: u128) -> Versioned<Referral> {
    let route = Route::in_network(&network(), TOWNSHIP, COUNTY).unwrap();
    let (r, _) = Referral::create(
        CreateReferral {
            id: ReferralId::from_u128(id),
            patient: PATIENT,
            direction: Direction::Upward,
            urgency: Urgency::Routine,
            reasons: vec![ReasonCode::HtnTargetNotReached],
            slip: slip(),
            attachments: vec![],
        },
        &route,
        &[],
        NOW,
        &RuleProfile::bphs3(),
    )
    .unwrap();
    Versioned {
        value: r,
        version: 3,
    }
}

#[tokio::test]
async fn create_saves_state_events_and_audit_in_one_transaction() {
    let mut tx = tx_knowing_the_patient();
    let mut seq = mockall::Sequence::new();
    tx.expect_claim_request()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(()));
    tx.expect_insert_referral()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(1));
    tx.expect_append_events()
        .withf(|events| {
            events.iter().map(|e| e.event_type.as_str()).eq([
                "referral.referral_requested",
                "referral.sender_follow_up_due",
            ])
        })
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(()));
    tx.expect_append_audit()
        .withf(|a| {
            a.action == "referral.create"
                && a.outcome == AuditOutcome::Success
                && a.patient == Some(PATIENT)
        })
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(()));
    tx.expect_commit()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|| Ok(()));
    let svc = service(uow_with(tx), MockQueries::new(), MockAudit::new());
    let created = svc
        .create(&clinician(TOWNSHIP), new_referral("r-1"))
        .await
        .unwrap();
    assert_eq!(created.version, 1);
    assert_eq!(created.value.from(), TOWNSHIP);
    assert_eq!(created.value.state().name(), StateName::Requested);
}

/// §6: an upward referral of a managed patient brings the sender's waiting plan forward to
/// the follow-up day, in the creating transaction; an enrolment held elsewhere is left alone.
#[tokio::test]
async fn an_upward_referral_brings_the_senders_waiting_plan_forward_and_names_it() {
    use time::macros::date;
    use yigong_domain::followup::{
        Condition, Confirmation, EnrolPatient, Enrolment, FollowUpPlan, PlanOrigin,
    };
    use yigong_domain::ids::{EnrolmentId, PlanId, TeamId};

    let profile = RuleProfile::bphs3();
    let enrolled = |id: u128, institution| {
        Enrolment::enrol(
            EnrolPatient {
                id: EnrolmentId::from_u128(id),
                patient: PATIENT,
                confirmation: Confirmation {
                    condition: Condition::Hypertension,
                    confirmed_by: COUNTY,
                    level: yigong_domain::network::Level::County,
                    confirmed_on: date!(2026 - 02 - 20),
                },
                team: TeamId::from_u128(77),
                institution,
                on: date!(2026 - 02 - 20),
                first_plan: PlanId::from_u128(id * 100),
            },
            &profile,
        )
        .unwrap()
    };
    let (township, _, _) = enrolled(1, TOWNSHIP);
    let (village, _, _) = enrolled(2, VILLAGE);
    // The township's next visit was set for May.
    let (plan, _) = township
        .schedule(
            PlanId::from_u128(100),
            date!(2026 - 05 - 20),
            PlanOrigin::Enrolment,
        )
        .unwrap();
    let mut tx = tx_reading_the_patient();
    tx.expect_claim_request().returning(|_| Ok(()));
    tx.expect_open_enrolments().times(1).returning(move |_| {
        Ok(vec![
            Versioned {
                value: township.clone(),
                version: 1,
            },
            Versioned {
                value: village.clone(),
                version: 1,
            },
        ])
    });
    tx.expect_waiting_plans_of()
        .with(eq(EnrolmentId::from_u128(1)))
        .times(1)
        .returning(move |_| {
            Ok(vec![Versioned {
                value: plan.clone(),
                version: 2,
            }])
        });
    tx.expect_update_plan()
        .withf(|p: &FollowUpPlan, v| {
            *v == 2
                && p.id() == PlanId::from_u128(100)
                && p.due() == date!(2026 - 03 - 16)
                && matches!(p.origin(), PlanOrigin::UpwardReferral(_))
        })
        .times(1)
        .returning(|_, v| Ok(v + 1));
    tx.expect_insert_referral().times(1).returning(|_| Ok(1));
    tx.expect_open_advice_of().returning(|_| Ok(vec![]));
    tx.expect_append_events().returning(|_| Ok(()));
    tx.expect_append_audit().returning(|_| Ok(()));
    tx.expect_commit().times(1).returning(|| Ok(()));
    let svc = service(uow_with(tx), MockQueries::new(), MockAudit::new());
    let created = svc
        .create(&clinician(TOWNSHIP), new_referral("r-1"))
        .await
        .unwrap();
    let follow_up = created.value.sender_follow_up().unwrap();
    assert_eq!(follow_up.due, date!(2026 - 03 - 16));
    assert_eq!(follow_up.plans, [PlanId::from_u128(100)]);
}

#[tokio::test]
async fn an_upward_referral_closes_the_patients_open_advice_in_its_transaction() {
    let (advice, _) = ReferralAdvice::advise(
        NewAdvice {
            id: AdviceId::from_u128(31),
            patient: PATIENT,
            community: Some(CommunityId::from_u128(500)),
            institution: TOWNSHIP,
            team: None,
            urgency: Urgency::Emergency,
            reason: ReasonCode::DangerSign,
            source: AdviceSource::Screening(ScreeningId::from_u128(7)),
            at: datetime!(2026-03-01 08:00 UTC),
        },
        &RuleProfile::bphs3(),
    );
    let mut tx = tx_reading_the_patient();
    tx.expect_claim_request().returning(|_| Ok(()));
    tx.expect_open_enrolments().returning(|_| Ok(vec![]));
    tx.expect_insert_referral().times(1).returning(|_| Ok(1));
    tx.expect_open_advice_of()
        .with(eq(PATIENT))
        .times(1)
        .returning(move |_| {
            Ok(vec![Versioned {
                value: advice.clone(),
                version: 2,
            }])
        });
    tx.expect_update_advice()
        .withf(|a, v| {
            *v == 2 && !a.is_open() && matches!(a.outcome(), Some(AdviceOutcome::Referred { .. }))
        })
        .times(1)
        .returning(|_, v| Ok(v + 1));
    tx.expect_append_events()
        .withf(|e| e.iter().any(|e| e.event_type == "advice.advice_referred"))
        .times(1)
        .returning(|_| Ok(()));
    tx.expect_append_events().returning(|_| Ok(()));
    tx.expect_append_audit().returning(|_| Ok(()));
    tx.expect_commit().times(1).returning(|| Ok(()));
    let svc = service(uow_with(tx), MockQueries::new(), MockAudit::new());
    svc.create(&clinician(TOWNSHIP), new_referral("r-1"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_storage_error_half_way_returns_an_error_and_never_commits() {
    let mut tx = tx_knowing_the_patient();
    tx.expect_claim_request().returning(|_| Ok(()));
    tx.expect_insert_referral().returning(|_| Ok(1));
    tx.expect_append_events()
        .returning(|_| Err(StoreError::Unavailable("disk full".into())));
    tx.expect_append_audit().never();
    tx.expect_commit().never();
    let svc = service(uow_with(tx), MockQueries::new(), MockAudit::new());
    let err = svc
        .create(&clinician(TOWNSHIP), new_referral("r-1"))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Unavailable(_)), "{err}");
}

/// A retry: the key is taken and the first request under it asked the same.
fn retried(same_body: bool) -> ReferralService {
    let claimed = Claimed::default();
    let mut tx = tx_knowing_the_patient();
    let seen = claimed.clone();
    tx.expect_claim_request().returning(move |key| {
        seen.remember(key);
        Err(StoreError::Duplicate {
            constraint: Constraint::RequestId,
        })
    });
    tx.expect_insert_referral().never();
    tx.expect_commit().never();
    tx.expect_rollback().times(1).returning(|| Ok(()));
    let first = stored_referral(7);
    let mut queries = MockQueries::new();
    queries
        .expect_get_referral()
        .returning(move |_| Ok(Some(first.clone())));
    ReferralService::new(yigong_service::Deps {
        requests: Arc::new(claimed.log(ReferralId::from_u128(7).as_uuid(), same_body)),
        ..deps(
            uow_with(tx),
            queries,
            knowing_the_patient(),
            MockAudit::new(),
        )
    })
}

#[tokio::test]
async fn a_retried_create_returns_the_first_result_and_creates_nothing() {
    let again = retried(true)
        .create(&clinician(TOWNSHIP), new_referral("r-1"))
        .await
        .unwrap();
    assert_eq!(again, stored_referral(7));
}

/// AIP-155: a request id reused with another body is refused, naming the field; the first
/// result is not returned for a request never made.
#[tokio::test]
async fn a_request_id_reused_for_another_request_is_invalid() {
    let err = retried(false)
        .create(&clinician(TOWNSHIP), new_referral("r-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ServiceError::InvalidArgument {
                field: "request_id",
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn an_open_referral_in_storage_is_the_domain_rule() {
    let mut tx = tx_knowing_the_patient();
    tx.expect_claim_request().returning(|_| Ok(()));
    tx.expect_insert_referral().times(1).returning(|_| {
        Err(StoreError::Duplicate {
            constraint: Constraint::OpenReferral,
        })
    });
    tx.expect_append_events().never();
    tx.expect_commit().never();
    let svc = service(uow_with(tx), MockQueries::new(), MockAudit::new());
    let err = svc
        .create(&clinician(TOWNSHIP), new_referral("r-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ServiceError::Rule {
                rule: RuleId::ReferralOneOpenPerDirection,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn bad_input_names_the_field_and_touches_nothing() {
    let svc = service(MockUow::new(), MockQueries::new(), MockAudit::new());
    let err = svc
        .create(&clinician(TOWNSHIP), new_referral("  "))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ServiceError::InvalidArgument {
                field: "request_id",
                ..
            }
        ),
        "{err}"
    );
    let mut unknown = new_referral("r-2");
    unknown.to = InstitutionId::from_u128(999);
    let err = svc.create(&clinician(TOWNSHIP), unknown).await.unwrap_err();
    assert!(
        matches!(err, ServiceError::InvalidArgument { field: "to", .. }),
        "{err}"
    );
}

/// A command on a referral is checked as its read: a caller who is neither sender, receiver
/// nor desk gets NOT_FOUND, nothing is written, and the refusal is audited with the patient.
#[tokio::test]
async fn a_command_on_a_referral_the_caller_cannot_see_is_not_found_and_audited() {
    for action in ["referral.accept", "referral.cancel"] {
        let mut tx = MockTx::new();
        tx.expect_load_referral()
            .returning(|_| Ok(Some(stored_referral(7))));
        tx.expect_update_referral().never();
        tx.expect_commit().never();
        tx.expect_rollback().times(1).returning(|| Ok(()));
        let mut audit = MockAudit::new();
        audit
            .expect_record()
            .withf(move |e| {
                e.action == action
                    && e.outcome == AuditOutcome::Denied
                    && e.patient == Some(PATIENT)
                    && e.actor.institution == VILLAGE
            })
            .times(1)
            .returning(|_| Ok(()));
        let svc = service(uow_with(tx), MockQueries::new(), audit);
        let outsider = clinician(VILLAGE);
        let id = ReferralId::from_u128(7);
        let err = match action {
            "referral.accept" => {
                svc.accept(&outsider, id, tomorrow(), receiving(), None, None)
                    .await
            }
            _ => svc.cancel(&outsider, id, "no longer needed", None).await,
        }
        .unwrap_err();
        assert!(matches!(err, ServiceError::NotFound(_)), "{action}: {err}");
    }
}

#[tokio::test]
async fn only_the_receiver_accepts_and_a_refusal_is_audited() {
    let (tx, audit) = refused_and_audited("referral.accept");
    let svc = service(uow_with(tx), MockQueries::new(), audit);
    // The sender (the township) can see the referral but may not accept it.
    let appointment = tomorrow();
    let err = svc
        .accept(
            &clinician(TOWNSHIP),
            ReferralId::from_u128(7),
            appointment,
            receiving(),
            None,
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::PermissionDenied(_)), "{err}");
}

#[tokio::test]
async fn an_institution_outside_the_referral_sees_nothing() {
    // Commands: `a_command_on_a_referral_the_caller_cannot_see_is_not_found_and_audited`.
    let mut queries = MockQueries::new();
    queries
        .expect_get_referral()
        .returning(|_| Ok(Some(stored_referral(7))));
    // The unseen read is NOT_FOUND, and the refusal is audited (MLPS level 3: every refused
    // attempt on patient data leaves an entry).
    let mut audit = MockAudit::new();
    audit
        .expect_record()
        .withf(|e| {
            e.action == "referral.get"
                && e.outcome == AuditOutcome::Denied
                && e.actor.institution == VILLAGE
                && e.resource == format!("referrals/{}", ReferralId::from_u128(7))
        })
        .times(1)
        .returning(|_| Ok(()));
    let svc = service(MockUow::new(), queries, audit);
    assert!(matches!(
        svc.get(&clinician(VILLAGE), ReferralId::from_u128(7)).await,
        Err(ServiceError::NotFound(_))
    ));
}

#[tokio::test]
async fn accept_with_a_stale_etag_is_a_conflict() {
    let mut tx = MockTx::new();
    tx.expect_load_referral()
        .returning(|_| Ok(Some(stored_referral(7))));
    tx.expect_update_referral().never();
    tx.expect_commit().never();
    let svc = service(uow_with(tx), MockQueries::new(), MockAudit::new());
    let appointment = tomorrow();
    let err = svc
        .accept(
            &clinician(COUNTY),
            ReferralId::from_u128(7),
            appointment,
            receiving(),
            None,
            Some(2),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Conflict(_)), "{err}");
}

#[tokio::test]
async fn the_receiver_accepts_with_the_loaded_version_and_reads_are_audited() {
    let mut tx = MockTx::new();
    tx.expect_load_referral()
        .returning(|_| Ok(Some(stored_referral(7))));
    tx.expect_update_referral()
        .withf(|r, v| *v == 3 && r.state().name() == StateName::Accepted)
        .times(1)
        .returning(|_, v| Ok(v + 1));
    tx.expect_append_events().times(1).returning(|_| Ok(()));
    tx.expect_append_audit().times(1).returning(|_| Ok(()));
    tx.expect_commit().times(1).returning(|| Ok(()));
    let svc = service(uow_with(tx), MockQueries::new(), MockAudit::new());
    let appointment = tomorrow();
    let accepted = svc
        .accept(
            &clinician(COUNTY),
            ReferralId::from_u128(7),
            appointment,
            receiving(),
            None,
            Some(3),
        )
        .await
        .unwrap();
    assert_eq!(accepted.version, 4);

    let mut queries = MockQueries::new();
    queries
        .expect_get_referral()
        .returning(|_| Ok(Some(stored_referral(7))));
    let mut audit = MockAudit::new();
    audit
        .expect_record()
        .withf(|a| a.action == "referral.get")
        .times(1)
        .returning(|_| Ok(()));
    let svc = service(MockUow::new(), queries, audit);
    assert!(
        svc.get(&clinician(COUNTY), ReferralId::from_u128(7))
            .await
            .is_ok()
    );
}

/// A general outpatient appointment the day after NOW.
fn tomorrow() -> Appointment {
    Appointment {
        at: NOW + Duration::days(1),
        slot: SlotKind::General,
    }
}

fn desk() -> Principal {
    Principal {
        role: Role::ReferralDesk,
        ..clinician(COUNTY)
    }
}

/// A transaction that loads `stored` and expects one update to `state` and a commit.
fn tx_moving(stored: Versioned<Referral>, state: StateName) -> MockTx {
    let mut tx = MockTx::new();
    let version = stored.version;
    tx.expect_load_referral()
        .returning(move |_| Ok(Some(stored.clone())));
    tx.expect_update_referral()
        .withf(move |r, v| *v == version && r.state().name() == state)
        .times(1)
        .returning(|_, v| Ok(v + 1));
    tx.expect_append_events().times(1).returning(|_| Ok(()));
    tx.expect_append_audit().times(1).returning(|_| Ok(()));
    tx.expect_commit().times(1).returning(|| Ok(()));
    tx
}

#[tokio::test]
async fn the_receiver_walks_a_referral_from_accepted_to_completed() {
    let accepted = {
        let svc = service(
            uow_with(tx_moving(stored_referral(7), StateName::Accepted)),
            MockQueries::new(),
            MockAudit::new(),
        );
        svc.accept(
            &clinician(COUNTY),
            ReferralId::from_u128(7),
            tomorrow(),
            receiving(),
            None,
            None,
        )
        .await
        .unwrap()
    };
    let arrived = {
        let svc = service(
            uow_with(tx_moving(accepted, StateName::Arrived)),
            MockQueries::new(),
            MockAudit::new(),
        );
        svc.arrive(&clinician(COUNTY), ReferralId::from_u128(7), Some(4))
            .await
            .unwrap()
    };
    assert_eq!(arrived.version, 5);
    let summary =
        DischargeSummary::new(diagnosis(), "stable on amlodipine", "walk daily, low salt").unwrap();
    let svc = service(
        uow_with(tx_moving(arrived, StateName::Completed)),
        MockQueries::new(),
        MockAudit::new(),
    );
    let completed = svc
        .complete(
            &clinician(COUNTY),
            ReferralId::from_u128(7),
            summary,
            Some(5),
        )
        .await
        .unwrap();
    assert_eq!(completed.version, 6);
}

#[tokio::test]
async fn the_desk_rejects_only_before_approval_and_the_receiver_rejects_requests() {
    // A requested (already approved or never needing approval) referral: not the desk's call.
    let (tx, audit) = refused_and_audited("referral.reject");
    let svc = service(uow_with(tx), MockQueries::new(), audit);
    let err = svc
        .reject(&desk(), ReferralId::from_u128(7), "no beds", None)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::PermissionDenied(_)), "{err}");

    let svc = service(
        uow_with(tx_moving(stored_referral(7), StateName::Rejected)),
        MockQueries::new(),
        MockAudit::new(),
    );
    let rejected = svc
        .reject(
            &clinician(COUNTY),
            ReferralId::from_u128(7),
            "no beds",
            Some(3),
        )
        .await
        .unwrap();
    assert_eq!(rejected.version, 4);
}

#[tokio::test]
async fn an_illegal_transition_is_a_rule_error_and_writes_nothing() {
    let mut tx = MockTx::new();
    tx.expect_load_referral()
        .returning(|_| Ok(Some(stored_referral(7))));
    tx.expect_update_referral().never();
    tx.expect_commit().never();
    let svc = service(uow_with(tx), MockQueries::new(), MockAudit::new());
    let summary = DischargeSummary::new(diagnosis(), "s", "g").unwrap();
    let err = svc
        .complete(&clinician(COUNTY), ReferralId::from_u128(7), summary, None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ServiceError::Rule {
                rule: RuleId::ReferralStateMachine,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn completing_a_downward_referral_schedules_the_townships_follow_up_in_one_transaction() {
    use time::macros::date;
    use yigong_domain::followup::{Condition, Confirmation, EnrolPatient, Enrolment};
    use yigong_domain::ids::{EnrolmentId, PlanId, TeamId};

    let profile = RuleProfile::bphs3();
    let route = Route::in_network(&network(), COUNTY, TOWNSHIP).unwrap();
    let (created, _) = Referral::create(
        CreateReferral {
            id: ReferralId::from_u128(8),
            patient: PATIENT,
            direction: Direction::Downward,
            urgency: Urgency::Routine,
            reasons: vec![ReasonCode::ConditionStable],
            slip: slip(),
            attachments: vec![],
        },
        &route,
        &[],
        NOW - Duration::days(3),
        &profile,
    )
    .unwrap();
    let (accepted, _) = created
        .accept(
            tomorrow_of(NOW - Duration::days(3)),
            receiving(),
            None,
            NOW - Duration::days(3),
            &profile,
        )
        .unwrap();
    let (arrived, _) = accepted.arrive(NOW - Duration::days(1)).unwrap();
    let enrolment = |id: u128, institution| {
        let (e, _, _) = Enrolment::enrol(
            EnrolPatient {
                id: EnrolmentId::from_u128(id),
                patient: PATIENT,
                confirmation: Confirmation {
                    condition: if id == 1 {
                        Condition::Hypertension
                    } else {
                        Condition::Type2Diabetes
                    },
                    confirmed_by: COUNTY,
                    level: yigong_domain::network::Level::County,
                    confirmed_on: date!(2025 - 06 - 01),
                },
                team: TeamId::from_u128(77),
                institution,
                on: date!(2025 - 06 - 01),
                first_plan: PlanId::from_u128(id * 100),
            },
            &profile,
        )
        .unwrap();
        Versioned {
            value: e,
            version: 1,
        }
    };
    let mut tx = MockTx::new();
    let stored = Versioned {
        value: arrived,
        version: 4,
    };
    tx.expect_load_referral()
        .returning(move |_| Ok(Some(stored.clone())));
    // One enrolment held by the township (the receiver), one by the village clinic.
    let (township, village) = (enrolment(1, TOWNSHIP), enrolment(2, VILLAGE));
    tx.expect_open_enrolments()
        .with(eq(PATIENT))
        .times(1)
        .returning(move |_| Ok(vec![township.clone(), village.clone()]));
    tx.expect_insert_plan()
        .withf(|p| p.enrolment() == EnrolmentId::from_u128(1) && p.due() == date!(2026 - 03 - 16))
        .times(1)
        .returning(|_| Ok(1));
    tx.expect_update_referral()
        .withf(|r, v| *v == 4 && r.state().name() == StateName::Completed)
        .times(1)
        .returning(|_, v| Ok(v + 1));
    // The plan's event and the referral's, in the same transaction.
    tx.expect_append_events()
        .withf(|e| e.iter().any(|e| e.event_type == "follow_up.plan_scheduled"))
        .times(1)
        .returning(|_| Ok(()));
    tx.expect_append_events()
        .withf(|e| {
            e.iter()
                .any(|e| e.event_type == "referral.downward_follow_up_due")
        })
        .times(1)
        .returning(|_| Ok(()));
    tx.expect_append_audit().times(1).returning(|_| Ok(()));
    tx.expect_commit().times(1).returning(|| Ok(()));
    let svc = service(uow_with(tx), MockQueries::new(), MockAudit::new());
    let summary =
        DischargeSummary::new(diagnosis(), "stable on metformin", "diet, walking").unwrap();
    let done = svc
        .complete(
            &clinician(TOWNSHIP),
            ReferralId::from_u128(8),
            summary,
            Some(4),
        )
        .await
        .unwrap();
    assert_eq!(done.version, 5);
}

/// An accepted appointment the day after `at`.
fn tomorrow_of(at: time::OffsetDateTime) -> Appointment {
    Appointment {
        at: at + Duration::days(1),
        slot: SlotKind::General,
    }
}

/// A transaction that loads referral 7 and must write nothing, and an audit log expecting one
/// denied `action`.
fn refused_and_audited(action: &'static str) -> (MockTx, MockAudit) {
    let mut tx = MockTx::new();
    tx.expect_load_referral()
        .returning(|_| Ok(Some(stored_referral(7))));
    tx.expect_update_referral().never();
    tx.expect_commit().never();
    tx.expect_rollback().times(1).returning(|| Ok(()));
    (tx, denied_once(action))
}

/// A transaction that reads the patient's record and writes nothing.
fn writing_nothing() -> MockUow {
    let mut tx = tx_knowing_the_patient();
    tx.expect_claim_request().never();
    tx.expect_insert_referral().never();
    tx.expect_commit().never();
    tx.expect_rollback().times(1).returning(|| Ok(()));
    uow_with(tx)
}

/// Acting on a patient is a read first: a clinician who cannot see the record cannot refer the
/// patient (which would grant the receiver access), gets NOT_FOUND as for a read, nothing is
/// written, and the refusal is audited.
#[tokio::test]
async fn a_patient_the_caller_cannot_see_cannot_be_referred_and_the_refusal_is_audited() {
    let mut referrals = MockQueries::new();
    referrals.expect_referred_to().returning(|_, _| Ok(false));
    let mut audit = MockAudit::new();
    audit
        .expect_record()
        .withf(|e| {
            e.action == "referral.create"
                && e.outcome == AuditOutcome::Denied
                && e.patient == Some(PATIENT)
                && e.actor.institution == VILLAGE
        })
        .times(1)
        .returning(|_| Ok(()));
    // The patient is the township's; a clinician of the village clinic (not the community's
    // lead, on no team) refers them downward from the township's level: refused as unseen.
    let svc = service(writing_nothing(), referrals, audit);
    let err = svc
        .create(&clinician(VILLAGE), new_referral("r-hidden"))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::NotFound(_)), "{err}");

    // A patient who does not exist is not found either, and nothing is written.
    let mut audit = MockAudit::new();
    audit.expect_record().times(1).returning(|_| Ok(()));
    let unknown = NewReferral {
        patient: yigong_domain::ids::ResidentId::from_u128(999),
        ..new_referral("r-unknown")
    };
    let err = service(writing_nothing(), MockQueries::new(), audit)
        .create(&clinician(TOWNSHIP), unknown)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::NotFound(_)), "{err}");
}
