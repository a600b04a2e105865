//! The store's clock: what it writes is stamped by the `Clock` it was given, not the wall clock,
//! through a transaction and through the store's own batch path.

use std::sync::Arc;

use sea_orm::{ConnectionTrait, Statement};
use time::OffsetDateTime;
use time::macros::{date, datetime};
use uuid::Uuid;
use yigong_domain::identity::Sex;
use yigong_domain::ids::{CommunityId, ResidentId, ScreeningId};
use yigong_domain::measure::BloodPressure;
use yigong_domain::profile::RuleProfile;
use yigong_domain::screening::{BpReading, RiskFactors, assess_blood_pressure};
use yigong_ports::{
    Actor, AuditEntry, AuditOutcome, ScreeningBatch, ScreeningFinding, ScreeningRecord,
    ScreeningStore, UnitOfWork,
};
use yigong_store::Store;

use crate::backends;
use crate::support::*;
use yigong_test_support::clock::SetClock;

/// Years away from the wall clock, so a stamp taken from it could not pass for one of these.
const FIRST: OffsetDateTime = datetime!(2001 - 02 - 03 4:05:06 UTC);
const LATER: OffsetDateTime = datetime!(2001 - 02 - 04 7:08:09 UTC);

fn clocked(b: &backends::Backend) -> (Store, Arc<SetClock>) {
    let clock = Arc::new(SetClock::at(FIRST));
    (b.store.clone().with_clock(clock.clone()), clock)
}

/// The one timestamp `sql` selects (as `at`).
async fn stamp(store: &Store, sql: &str) -> OffsetDateTime {
    let db = store.connection();
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<OffsetDateTime>("", "at").unwrap()
}

#[tokio::test]
async fn a_transaction_stamps_its_rows_with_the_stores_clock() {
    for b in backends::all().await {
        let (store, clock) = clocked(&b);
        let r = upward(1, 42, 0);
        let mut tx = store.begin().await.unwrap();
        tx.insert_referral(&r).await.unwrap();
        tx.claim_request(&request_key("referral.create", "req-1", r.id().as_uuid()))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let referral = "SELECT updated_at AS at FROM referral";
        assert_eq!(stamp(&store, referral).await, FIRST, "{}", b.name);
        assert_eq!(
            stamp(&store, "SELECT created_at AS at FROM request_key").await,
            FIRST,
            "{}",
            b.name
        );

        clock.set(LATER);
        let (cancelled, _) = r.cancel("recovered").unwrap();
        let mut tx = store.begin().await.unwrap();
        tx.update_referral(&cancelled, 1).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(stamp(&store, referral).await, LATER, "{}", b.name);
    }
}

#[tokio::test]
async fn a_screening_batch_is_stamped_with_the_stores_clock() {
    for b in backends::all().await {
        let (store, _clock) = clocked(&b);
        let who = ResidentId::from_u128(42);
        let mut tx = store.begin().await.unwrap();
        tx.insert_resident(&patient(who, TOWNSHIP, CommunityId::from_u128(500)))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            stamp(&store, "SELECT updated_at AS at FROM resident").await,
            FIRST,
            "{}",
            b.name
        );

        // PostgreSQL takes the COPY path, SQLite the portable one: both read the store's clock.
        store.import_screenings(&one_reading(who)).await.unwrap();
        assert_eq!(
            stamp(&store, "SELECT recorded_at AS at FROM screening_result").await,
            FIRST,
            "{}",
            b.name
        );
        assert_eq!(
            stamp(&store, "SELECT created_at AS at FROM request_key").await,
            FIRST,
            "{}",
            b.name
        );
    }
}

fn one_reading(resident: ResidentId) -> ScreeningBatch {
    let batch = Uuid::from_u128(9_000);
    let bp = BloodPressure::new(128, 80).unwrap();
    let decision = assess_blood_pressure(
        &[BpReading {
            date: date!(2026 - 03 - 01),
            bp,
        }],
        60,
        Sex::Male,
        &RiskFactors::default(),
        &RuleProfile::bphs3(),
    )
    .unwrap();
    ScreeningBatch {
        records: vec![ScreeningRecord {
            id: ScreeningId::from_u128(9_001),
            batch,
            resident,
            institution: TOWNSHIP,
            on: date!(2026 - 03 - 01),
            opportunistic: false,
            finding: ScreeningFinding::BloodPressure {
                bp,
                risk: RiskFactors::default(),
                decision,
            },
        }],
        advice: Vec::new(),
        events: vec![],
        audit: AuditEntry {
            actor: Actor {
                user: "importer".into(),
                role: "clinician".into(),
                institution: TOWNSHIP,
            },
            action: "screening.import".into(),
            resource: format!("screening-batches/{batch}"),
            patient: None,
            at: NOW,
            outcome: AuditOutcome::Success,
            break_glass: None,
        },
        request: Some(request_key(
            "screening.import",
            &format!("req-{batch}"),
            batch,
        )),
    }
}
