//! Referral use cases against mocked ports: the transaction sequence, authorization in one
//! place, idempotent retries, and failure injection (an error half-way never commits).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use async_trait::async_trait;
use mockall::mock;
use mockall::predicate::*;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use yigong_domain::ids::{CommunityId, InstitutionId, ReferralId, ResidentId};
use yigong_domain::network::{Institution, InstitutionKind, Network};
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::{
    Appointment, CreateReferral, Direction, ReasonCode, Referral, Route, SlotKind, StateName,
    Urgency,
};
use yigong_domain::rule::RuleId;
use yigong_ports::{
    AuditEntry, AuditLog, AuditOutcome, AuditWriter, Clock, IdSource, IdempotencyKeys, NewEvent,
    OutboxWriter, Page, ReferralQueries, ReferralRepository, RequestKey, StoreError, Transaction,
    UnitOfWork, Version, Versioned,
};
use yigong_service::{Deps, NewReferral, Principal, ReferralService, Role, ServiceError};

mock! {
    pub Tx {}
    #[async_trait]
    impl ReferralRepository for Tx {
        async fn load_referral(&mut self, id: ReferralId) -> Result<Option<Versioned<Referral>>, StoreError>;
        async fn open_referral_directions(&mut self, patient: ResidentId) -> Result<Vec<Direction>, StoreError>;
        async fn insert_referral(&mut self, referral: &Referral) -> Result<Version, StoreError>;
        async fn update_referral(&mut self, referral: &Referral, expected: Version) -> Result<Version, StoreError>;
    }
    #[async_trait]
    impl OutboxWriter for Tx {
        async fn append_events(&mut self, events: &[NewEvent]) -> Result<(), StoreError>;
    }
    #[async_trait]
    impl AuditWriter for Tx {
        async fn append_audit(&mut self, entry: &AuditEntry) -> Result<(), StoreError>;
    }
    #[async_trait]
    impl IdempotencyKeys for Tx {
        async fn claim_request(&mut self, key: &RequestKey) -> Result<(), StoreError>;
    }
    #[async_trait]
    impl Transaction for Tx {
        async fn commit(self: Box<Self>) -> Result<(), StoreError>;
    }
}

mock! {
    pub Uow {}
    #[async_trait]
    impl UnitOfWork for Uow {
        async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError>;
    }
}

mock! {
    pub Queries {}
    #[async_trait]
    impl ReferralQueries for Queries {
        async fn get_referral(&self, id: ReferralId) -> Result<Option<Versioned<Referral>>, StoreError>;
        async fn referral_inbox(&self, institution: InstitutionId, states: &[StateName], limit: u32, after: Option<String>)
            -> Result<Page<Versioned<Referral>>, StoreError>;
        async fn request_outcome(&self, request_id: &str, command: &str) -> Result<Option<Uuid>, StoreError>;
    }
}

mock! {
    pub Audit {}
    #[async_trait]
    impl AuditLog for Audit {
        async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    }
}

const NOW: OffsetDateTime = datetime!(2026 - 03 - 02 9:00 UTC);
const COUNTY: InstitutionId = InstitutionId::from_u128(1);
const TOWNSHIP: InstitutionId = InstitutionId::from_u128(10);
const VILLAGE: InstitutionId = InstitutionId::from_u128(100);
const PATIENT: ResidentId = ResidentId::from_u128(42);

struct FixedClock;
impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        NOW
    }
}

struct CountingIds(std::sync::atomic::AtomicU64);
impl IdSource for CountingIds {
    fn new_id(&self) -> Uuid {
        Uuid::from_u128(u128::from(self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst)) + 1)
    }
}

fn network() -> Network {
    let mut n = Network::new();
    for (id, kind) in [
        (COUNTY, InstitutionKind::CountyGeneralHospital),
        (TOWNSHIP, InstitutionKind::TownshipHealthCenter),
        (VILLAGE, InstitutionKind::VillageClinic),
    ] {
        n.add_institution(Institution {
            id,
            name: String::new(),
            kind,
        })
        .unwrap();
    }
    n.found_community(CommunityId::from_u128(500), "A", COUNTY)
        .unwrap();
    n.join(CommunityId::from_u128(500), TOWNSHIP).unwrap();
    n.join(CommunityId::from_u128(500), VILLAGE).unwrap();
    n
}

fn clinician(institution: InstitutionId) -> Principal {
    Principal {
        user: "u".into(),
        role: Role::Clinician,
        institution,
        community: Some(CommunityId::from_u128(500)),
        team: None,
    }
}

fn service(uow: MockUow, queries: MockQueries, audit: MockAudit) -> ReferralService {
    ReferralService::new(Deps {
        uow: Arc::new(uow),
        queries: Arc::new(queries),
        audit: Arc::new(audit),
        clock: Arc::new(FixedClock),
        ids: Arc::new(CountingIds(0.into())),
        network: Arc::new(network()),
        profile: Arc::new(RuleProfile::bphs3()),
    })
}

fn uow_with(tx: MockTx) -> MockUow {
    let mut uow = MockUow::new();
    let mut slot = Some(tx);
    uow.expect_begin().times(1).returning(move || {
        Ok(Box::new(slot.take().expect("one transaction")) as Box<dyn Transaction>)
    });
    uow
}

fn new_referral(request_id: &str) -> NewReferral {
    NewReferral {
        request_id: request_id.into(),
        patient: PATIENT,
        to: COUNTY,
        direction: Direction::Upward,
        urgency: Urgency::Routine,
        reasons: vec![ReasonCode::HtnTargetNotReached],
        attachments: vec![],
    }
}

fn stored_referral(id: u128) -> Versioned<Referral> {
    let route = Route::in_network(&network(), TOWNSHIP, COUNTY).unwrap();
    let (r, _) = Referral::create(
        CreateReferral {
            id: ReferralId::from_u128(id),
            patient: PATIENT,
            direction: Direction::Upward,
            urgency: Urgency::Routine,
            reasons: vec![ReasonCode::HtnTargetNotReached],
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
    let mut tx = MockTx::new();
    let mut seq = mockall::Sequence::new();
    tx.expect_claim_request()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(()));
    tx.expect_open_referral_directions()
        .with(eq(PATIENT))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(vec![]));
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

#[tokio::test]
async fn a_storage_error_half_way_returns_an_error_and_never_commits() {
    let mut tx = MockTx::new();
    tx.expect_claim_request().returning(|_| Ok(()));
    tx.expect_open_referral_directions()
        .returning(|_| Ok(vec![]));
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

#[tokio::test]
async fn a_retried_create_returns_the_first_result_and_creates_nothing() {
    let mut tx = MockTx::new();
    tx.expect_claim_request().returning(|_| {
        Err(StoreError::Duplicate {
            constraint: "request_id",
        })
    });
    tx.expect_insert_referral().never();
    tx.expect_commit().never();
    let first = stored_referral(7);
    let mut queries = MockQueries::new();
    queries
        .expect_request_outcome()
        .with(eq("r-1"), eq("referral.create"))
        .returning(|_, _| Ok(Some(ReferralId::from_u128(7).as_uuid())));
    let found = first.clone();
    queries
        .expect_get_referral()
        .returning(move |_| Ok(Some(found.clone())));
    let svc = service(uow_with(tx), queries, MockAudit::new());
    let again = svc
        .create(&clinician(TOWNSHIP), new_referral("r-1"))
        .await
        .unwrap();
    assert_eq!(again, first);
}

#[tokio::test]
async fn an_open_referral_in_storage_is_the_domain_rule() {
    let mut tx = MockTx::new();
    tx.expect_claim_request().returning(|_| Ok(()));
    tx.expect_open_referral_directions()
        .returning(|_| Ok(vec![Direction::Upward]));
    tx.expect_insert_referral().never();
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

#[tokio::test]
async fn only_the_receiver_accepts_and_a_refusal_is_audited() {
    let mut tx = MockTx::new();
    tx.expect_load_referral()
        .returning(|_| Ok(Some(stored_referral(7))));
    tx.expect_update_referral().never();
    tx.expect_commit().never();
    let mut audit = MockAudit::new();
    audit
        .expect_record()
        .withf(|a| a.action == "referral.accept" && a.outcome == AuditOutcome::Denied)
        .times(1)
        .returning(|_| Ok(()));
    let svc = service(uow_with(tx), MockQueries::new(), audit);
    // The sender (the township) can see the referral but may not accept it.
    let appointment = tomorrow();
    let err = svc
        .accept(
            &clinician(TOWNSHIP),
            ReferralId::from_u128(7),
            appointment,
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::PermissionDenied(_)), "{err}");
}

#[tokio::test]
async fn an_institution_outside_the_referral_sees_nothing() {
    let mut tx = MockTx::new();
    tx.expect_load_referral()
        .returning(|_| Ok(Some(stored_referral(7))));
    let svc = service(uow_with(tx), MockQueries::new(), MockAudit::new());
    let err = svc
        .cancel(&clinician(VILLAGE), ReferralId::from_u128(7), "x")
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::NotFound(_)), "{err}");

    let mut queries = MockQueries::new();
    queries
        .expect_get_referral()
        .returning(|_| Ok(Some(stored_referral(7))));
    let mut audit = MockAudit::new();
    audit.expect_record().never();
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
