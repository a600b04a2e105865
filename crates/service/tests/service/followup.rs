//! Resident and follow-up use cases against mocked ports: parse at the boundary, scope by the
//! record's institution, one transaction per command, and failure injection.

use mockall::predicate::*;
use time::macros::date;
use yigong_domain::followup::{
    Condition, Confirmation, ContactMode, DangerSign, EnrolPatient, Enrolment, FollowUpPlan,
    HypertensionVisit, Visit, VisitClass,
};
use yigong_domain::ids::{EnrolmentId, PlanId, TeamId};
use yigong_domain::measure::BloodPressure;
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::{AdviceSource, Urgency};
use yigong_ports::{AuditOutcome, Constraint, PatientRecord, PlanInContext, StoreError, Versioned};
use yigong_service::{
    DocumentInput, FollowUpService, NewEnrolment, NewResident, Principal, ResidentService,
    ServiceError,
};

use crate::support::*;

const TEAM: TeamId = TeamId::from_u128(77);
const PLAN: PlanId = PlanId::from_u128(300);
const ENROLMENT: EnrolmentId = EnrolmentId::from_u128(200);

fn residents(uow: MockUow, follow_ups: MockFollowUps, audit: MockAudit) -> ResidentService {
    ResidentService::new(deps(uow, MockQueries::new(), follow_ups, audit))
}

fn follow_up(uow: MockUow, follow_ups: MockFollowUps, audit: MockAudit) -> FollowUpService {
    FollowUpService::new(deps(uow, MockQueries::new(), follow_ups, audit))
}

fn team_doctor() -> Principal {
    Principal {
        team: Some(TEAM),
        ..clinician(TOWNSHIP)
    }
}

/// A township patient born 1949-12-31.
fn record() -> Versioned<PatientRecord> {
    Versioned {
        value: citizen_record(PATIENT, "11010519491231002X", TOWNSHIP),
        version: 1,
    }
}

fn enrolled() -> (Versioned<Enrolment>, Versioned<FollowUpPlan>) {
    let (e, p, _) = Enrolment::enrol(
        EnrolPatient {
            id: ENROLMENT,
            patient: PATIENT,
            confirmation: Confirmation {
                condition: Condition::Hypertension,
                confirmed_by: COUNTY,
                level: yigong_domain::network::Level::County,
                confirmed_on: date!(2026 - 01 - 05),
            },
            team: TEAM,
            institution: TOWNSHIP,
            on: date!(2026 - 01 - 05),
            first_plan: PLAN,
        },
        &RuleProfile::bphs3(),
    )
    .unwrap();
    (
        Versioned {
            value: e,
            version: 1,
        },
        Versioned {
            value: p,
            version: 2,
        },
    )
}

fn visit(sbp: u16, dbp: u16, signs: Vec<DangerSign>) -> Visit {
    Visit::Hypertension(HypertensionVisit {
        date: NOW.date(),
        mode: ContactMode::Clinic,
        bp: BloodPressure::new(sbp, dbp).unwrap(),
        heart_rate: None,
        signs: signs.into(),
        adverse_reaction: Default::default(),
        complication: Default::default(),
    })
}

fn new_resident(citizen_id: &str) -> NewResident {
    NewResident {
        request_id: "reg-1".into(),
        document: DocumentInput::CitizenId(citizen_id.into()),
        household: None,
        grid: None,
        resident_since: date!(2000 - 01 - 01),
        personal: Default::default(),
    }
}

#[tokio::test]
async fn a_bad_identity_number_names_the_field_and_touches_nothing() {
    let svc = residents(MockUow::new(), MockFollowUps::new(), MockAudit::new());
    let err = svc
        .register(&clinician(TOWNSHIP), new_resident("110105194912310021"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ServiceError::InvalidArgument {
                field: "citizen_id",
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn registration_holds_the_record_at_the_callers_institution() {
    let mut tx = MockTx::new();
    tx.expect_claim_request().times(1).returning(|_| Ok(()));
    tx.expect_insert_resident()
        .withf(|r| {
            r.scope.institution == TOWNSHIP && r.resident.birth_date() == date!(1949 - 12 - 31)
        })
        .times(1)
        .returning(|_| Ok(1));
    tx.expect_append_events()
        .withf(|e| e.len() == 1 && e[0].event_type == "resident.resident_registered")
        .times(1)
        .returning(|_| Ok(()));
    tx.expect_append_audit()
        .withf(|a| a.action == "resident.register")
        .times(1)
        .returning(|_| Ok(()));
    tx.expect_commit().times(1).returning(|| Ok(()));
    let svc = residents(uow_with(tx), MockFollowUps::new(), MockAudit::new());
    let registered = svc
        .register(&clinician(TOWNSHIP), new_resident("11010519491231002X"))
        .await
        .unwrap();
    assert_eq!(registered.value.scope.institution, TOWNSHIP);
}

#[tokio::test]
async fn a_second_record_for_one_document_already_exists_and_nothing_commits() {
    let mut tx = MockTx::new();
    tx.expect_claim_request().returning(|_| Ok(()));
    tx.expect_insert_resident().returning(|_| {
        Err(StoreError::Duplicate {
            constraint: Constraint::ResidentDocument,
        })
    });
    tx.expect_commit().never();
    tx.expect_rollback().times(1).returning(|| Ok(()));
    // The record holding the document is the township's, so the township is told which it is
    // (one who may not see it is not: the e2e search step).
    let mut follow_ups = MockFollowUps::new();
    follow_ups
        .expect_find_by_document()
        .returning(|_| Ok(Some(record())));
    let svc = residents(uow_with(tx), follow_ups, MockAudit::new());
    let err = svc
        .register(&clinician(TOWNSHIP), new_resident("11010519491231002X"))
        .await
        .unwrap_err();
    let expected = format!("residents/{PATIENT}");
    assert!(
        matches!(&err, ServiceError::AlreadyExists { existing: Some(name), .. } if *name == expected),
        "{err:?}"
    );
}

#[tokio::test]
async fn another_institution_cannot_read_the_record_but_the_lead_hospital_can() {
    let mut follow_ups = MockFollowUps::new();
    follow_ups
        .expect_get_resident()
        .with(eq(PATIENT))
        .returning(|_| Ok(Some(record())));
    let mut audit = MockAudit::new();
    audit
        .expect_record()
        .withf(|a| a.action == "resident.get" && a.actor.institution == COUNTY)
        .times(1)
        .returning(|_| Ok(()));
    // The refused read is audited too.
    audit
        .expect_record()
        .withf(|a| {
            a.action == "resident.get"
                && a.actor.institution == VILLAGE
                && a.outcome == AuditOutcome::Denied
        })
        .times(1)
        .returning(|_| Ok(()));
    // The village clinic has no referral of the patient in its care.
    let mut queries = MockQueries::new();
    queries
        .expect_referred_to()
        .with(eq(PATIENT), eq(VILLAGE))
        .times(1)
        .returning(|_, _| Ok(false));
    let svc = ResidentService::new(deps(MockUow::new(), queries, follow_ups, audit));
    let err = svc.get(&clinician(VILLAGE), PATIENT).await.unwrap_err();
    assert!(matches!(err, ServiceError::NotFound(_)), "{err}");
    assert!(svc.get(&clinician(COUNTY), PATIENT).await.is_ok());
}

#[tokio::test]
async fn an_institution_the_patient_is_referred_to_reads_the_record() {
    let mut follow_ups = MockFollowUps::new();
    follow_ups
        .expect_get_resident()
        .returning(|_| Ok(Some(record())));
    let mut queries = MockQueries::new();
    queries
        .expect_referred_to()
        .with(eq(PATIENT), eq(VILLAGE))
        .times(1)
        .returning(|_, _| Ok(true));
    let mut audit = MockAudit::new();
    audit
        .expect_record()
        .withf(|a| a.action == "resident.get" && a.actor.institution == VILLAGE)
        .times(1)
        .returning(|_| Ok(()));
    let svc = ResidentService::new(deps(MockUow::new(), queries, follow_ups, audit));
    assert!(svc.get(&clinician(VILLAGE), PATIENT).await.is_ok());
}

#[tokio::test]
async fn enrolment_needs_a_team_and_schedules_the_first_plan() {
    let svc = follow_up(MockUow::new(), MockFollowUps::new(), MockAudit::new());
    let cmd = NewEnrolment {
        patient: PATIENT,
        condition: Condition::Hypertension,
        confirmed_by: COUNTY,
        confirmed_on: date!(2026 - 02 - 20),
        on: date!(2026 - 03 - 01),
    };
    let err = svc.enrol(&clinician(TOWNSHIP), cmd).await.unwrap_err();
    assert!(matches!(err, ServiceError::PermissionDenied(_)), "{err}");

    let mut tx = MockTx::new();
    tx.expect_load_resident().returning(|_| Ok(Some(record())));
    tx.expect_insert_enrolment()
        .withf(|e| e.team() == TEAM && e.institution() == TOWNSHIP)
        .times(1)
        .returning(|_| Ok(1));
    tx.expect_insert_plan()
        .withf(|p| p.due() == date!(2026 - 03 - 15))
        .times(1)
        .returning(|_| Ok(1));
    tx.expect_append_events().times(1).returning(|_| Ok(()));
    tx.expect_append_audit().times(1).returning(|_| Ok(()));
    tx.expect_commit().times(1).returning(|| Ok(()));
    let svc = follow_up(uow_with(tx), MockFollowUps::new(), MockAudit::new());
    let (_, plan) = svc.enrol(&team_doctor(), cmd).await.unwrap();
    assert_eq!(plan.value.due(), date!(2026 - 03 - 15));
}

/// A transaction that loads the enrolled patient's first plan at version 2.
fn tx_with_plan() -> MockTx {
    let mut tx = MockTx::new();
    let (enrolment, plan) = enrolled();
    tx.expect_load_plan().with(eq(PLAN)).returning(move |_| {
        Ok(Some(PlanInContext {
            plan: plan.clone(),
            enrolment: enrolment.clone(),
            patient: record(),
        }))
    });
    tx
}

#[tokio::test]
async fn a_danger_sign_without_a_receiver_leaves_an_emergency_advice_in_one_transaction() {
    let mut tx = tx_with_plan();
    let mut seq = mockall::Sequence::new();
    tx.expect_update_plan()
        .withf(|p, v| *v == 2 && p.id() == PLAN)
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, v| Ok(v + 1));
    tx.expect_insert_plan()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(1));
    tx.expect_insert_visit()
        .withf(|v| v.class == VisitClass::Emergency && v.plan == PLAN)
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(()));
    // No danger sign dropped: the emergency lands on the desk's list, escalating on a deadline.
    tx.expect_insert_advice()
        .withf(|a| {
            a.urgency() == Urgency::Emergency
                && a.patient() == PATIENT
                && a.team() == Some(TEAM)
                && a.institution() == TOWNSHIP
                && a.escalate_at().is_some()
                && matches!(a.source(), AdviceSource::Visit(_))
        })
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(1));
    tx.expect_append_events()
        .withf(|e| e.len() == 1 && e[0].event_type == "advice.referral_advised")
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(()));
    tx.expect_append_events()
        .withf(|e| {
            e.iter()
                .any(|e| e.event_type == "follow_up.referral_recommended")
        })
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(()));
    tx.expect_append_audit()
        .withf(|a| a.action == "follow_up.record_visit" && a.patient == Some(PATIENT))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(()));
    tx.expect_commit()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|| Ok(()));
    let svc = follow_up(uow_with(tx), MockFollowUps::new(), MockAudit::new());
    let recorded = svc
        .record_visit(
            &team_doctor(),
            PLAN,
            visit(185, 112, vec![DangerSign::ChestPainOrTightness]),
            None,
            Some(2),
        )
        .await
        .unwrap();
    assert_eq!(recorded.assessment.class, VisitClass::Emergency);
    assert!(recorded.assessment.referral.is_some());
    assert!(recorded.referral.is_none());
    let advice = recorded.advice.expect("the emergency is left as advice");
    assert_eq!(advice.version, 1);
    assert!(advice.value.is_open());
    assert_eq!(recorded.done.version, 3);
    assert_eq!(recorded.next.version, 1);
}

#[tokio::test]
async fn a_failed_visit_insert_commits_nothing() {
    let mut tx = tx_with_plan();
    tx.expect_update_plan().returning(|_, v| Ok(v + 1));
    tx.expect_insert_plan().returning(|_| Ok(1));
    tx.expect_insert_visit()
        .returning(|_| Err(StoreError::Unavailable("connection reset".into())));
    tx.expect_append_events().never();
    tx.expect_commit().never();
    let svc = follow_up(uow_with(tx), MockFollowUps::new(), MockAudit::new());
    let err = svc
        .record_visit(&team_doctor(), PLAN, visit(128, 78, vec![]), None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Unavailable(_)), "{err}");
}

#[tokio::test]
async fn a_stale_plan_etag_is_a_conflict_and_another_team_is_refused_and_audited() {
    let mut tx = tx_with_plan();
    tx.expect_update_plan().never();
    let svc = follow_up(uow_with(tx), MockFollowUps::new(), MockAudit::new());
    let err = svc
        .record_visit(&team_doctor(), PLAN, visit(128, 78, vec![]), None, Some(1))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Conflict(_)), "{err}");

    // The county hospital sees the patient (lead hospital) but does not manage the plan.
    let mut tx = tx_with_plan();
    tx.expect_update_plan().never();
    tx.expect_rollback().times(1).returning(|| Ok(()));
    let mut audit = MockAudit::new();
    audit
        .expect_record()
        .withf(|a| a.action == "follow_up.record_visit" && a.outcome == AuditOutcome::Denied)
        .times(1)
        .returning(|_| Ok(()));
    let svc = follow_up(uow_with(tx), MockFollowUps::new(), audit);
    let err = svc
        .record_visit(&clinician(COUNTY), PLAN, visit(128, 78, vec![]), None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::PermissionDenied(_)), "{err}");
}

#[tokio::test]
async fn a_visit_in_the_future_is_invalid_before_any_storage() {
    let svc = follow_up(MockUow::new(), MockFollowUps::new(), MockAudit::new());
    let Visit::Hypertension(mut v) = visit(128, 78, vec![]) else {
        unreachable!()
    };
    v.date = date!(2026 - 03 - 03);
    let err = svc
        .record_visit(&team_doctor(), PLAN, Visit::Hypertension(v), None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ServiceError::InvalidArgument {
                field: "visit.date",
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn the_worklist_asks_the_index_for_a_page_and_derives_overdue() {
    let (_, first) = enrolled();
    // Due 2026-01-19; on 2026-03-02 it is 42 days overdue (bphs3 grants no grace days).
    let mut follow_ups = MockFollowUps::new();
    follow_ups
        .expect_worklist_page()
        .with(eq(TEAM), eq(NOW.date()), eq(NOW.date()), eq(None), eq(51))
        .times(1)
        .returning(move |_, _, _, _, _| Ok(vec![first.value.clone()]));
    let mut audit = MockAudit::new();
    audit
        .expect_record()
        .withf(|a| a.action == "follow_up.worklist")
        .times(1)
        .returning(|_| Ok(()));
    let svc = follow_up(MockUow::new(), follow_ups, audit);
    let page = svc
        .overdue_worklist(&team_doctor(), NOW.date(), 0, None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].plan, PLAN);
    assert_eq!(page.items[0].days_overdue, 42);
    assert_eq!(page.next, None, "nothing beyond the page");
}

#[tokio::test]
async fn a_worklist_token_resumes_after_the_last_line_and_a_foreign_token_is_refused() {
    let (_, first) = enrolled();
    let position = first.value.worklist_position();
    let mut follow_ups = MockFollowUps::new();
    let plan = first.value.clone();
    // Page size 1 asks for 2; both come back, so there is a next page.
    follow_ups
        .expect_worklist_page()
        .with(eq(TEAM), always(), always(), eq(None), eq(2))
        .times(1)
        .returning(move |_, _, _, _, _| Ok(vec![plan.clone(), plan.clone()]));
    follow_ups
        .expect_worklist_page()
        .with(eq(TEAM), always(), always(), eq(Some(position)), eq(2))
        .times(1)
        .returning(|_, _, _, _, _| Ok(vec![]));
    let mut audit = MockAudit::new();
    audit.expect_record().times(2).returning(|_| Ok(()));
    let svc = follow_up(MockUow::new(), follow_ups, audit);
    let page = svc
        .overdue_worklist(&team_doctor(), NOW.date(), 1, None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let token = page.next.expect("a second page");
    let page = svc
        .overdue_worklist(&team_doctor(), NOW.date(), 1, Some(&token))
        .await
        .unwrap();
    assert!(page.items.is_empty() && page.next.is_none());

    for bad in [
        "",
        "x",
        "9.2026-01-19.00000000000000000000000000000001",
        "1.2026-13-01.0",
        "1.2026-01-19.zz.1",
    ] {
        let err = svc
            .overdue_worklist(&team_doctor(), NOW.date(), 1, Some(bad))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                ServiceError::InvalidArgument {
                    field: "page_token",
                    ..
                }
            ),
            "{bad}: {err}"
        );
    }
}

#[tokio::test]
async fn a_danger_sign_of_another_condition_names_the_field_and_writes_nothing() {
    let mut tx = tx_with_plan();
    tx.expect_update_plan().never();
    tx.expect_insert_visit().never();
    tx.expect_commit().never();
    let svc = follow_up(uow_with(tx), MockFollowUps::new(), MockAudit::new());
    let err = svc
        .record_visit(
            &team_doctor(),
            PLAN,
            visit(128, 78, vec![DangerSign::AbdominalPain]),
            None,
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ServiceError::InvalidArgument {
                field: "visit.hypertension.danger_signs",
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_diagnosis_confirmed_below_county_level_names_confirmed_by_and_enrols_nobody() {
    let mut tx = MockTx::new();
    tx.expect_load_resident().returning(|_| Ok(Some(record())));
    tx.expect_insert_enrolment().never();
    tx.expect_commit().never();
    let svc = follow_up(uow_with(tx), MockFollowUps::new(), MockAudit::new());
    let cmd = NewEnrolment {
        patient: PATIENT,
        condition: Condition::Hypertension,
        confirmed_by: TOWNSHIP,
        confirmed_on: date!(2026 - 02 - 20),
        on: date!(2026 - 03 - 01),
    };
    let err = svc.enrol(&team_doctor(), cmd).await.unwrap_err();
    assert!(
        matches!(
            err,
            ServiceError::InvalidArgument {
                field: "confirmed_by",
                ..
            }
        ),
        "{err}"
    );
}
