//! The screening batch import against mocked ports: every row validated by the domain, one
//! invalid row rejects the batch with all row errors, and a valid batch is one write.

use std::sync::Arc;

use time::macros::date;
use yigong_domain::ids::ResidentId;
use yigong_domain::measure::BloodPressure;
use yigong_domain::screening::{BpOutcome, BpReading, GlucoseKind};
use yigong_ports::{Constraint, ScreeningFinding};
use yigong_service::{BodySize, RowReading, ScreeningRow, ScreeningService, ServiceError};

use crate::support::*;

const OTHER: ResidentId = ResidentId::from_u128(43);

fn bp(resident: ResidentId, sbp: u16, dbp: u16) -> ScreeningRow {
    ScreeningRow {
        resident,
        on: NOW.date(),
        reading: RowReading::BloodPressure {
            sbp,
            dbp,
            body: BodySize::default(),
            family_history: false,
            high_salt_diet: false,
            heavy_drinking: false,
        },
    }
}

/// The patient's stored readings: 150/95 (elevated) on each date.
fn elevated_on(dates: &[time::Date]) -> Vec<(ResidentId, BpReading)> {
    dates
        .iter()
        .map(|&date| {
            (
                PATIENT,
                BpReading {
                    date,
                    bp: BloodPressure::new(150, 95).unwrap(),
                },
            )
        })
        .collect()
}

fn service(screenings: MockScreenings) -> ScreeningService {
    // No patient is referred anywhere: only the holding institution sees its records.
    let mut referrals = MockQueries::new();
    referrals.expect_referred_to().returning(|_, _| Ok(false));
    service_with(screenings, referrals, MockAudit::new())
}

fn service_with(
    screenings: MockScreenings,
    referrals: MockQueries,
    audit: MockAudit,
) -> ScreeningService {
    ScreeningService::new(yigong_service::Deps {
        screenings: Arc::new(screenings),
        ..deps(MockUow::new(), referrals, MockFollowUps::new(), audit)
    })
}

/// As [`service`], with one refusal to screen (an unseen resident) expected in the audit.
fn refusing_once(screenings: MockScreenings) -> ScreeningService {
    let mut referrals = MockQueries::new();
    referrals.expect_referred_to().returning(|_, _| Ok(false));
    service_with(screenings, referrals, denied_once("screening.import"))
}

/// Visibility is the one access decision: an institution a patient is referred to (and in
/// the care of) screens that patient as it reads the record; others still cannot.
#[tokio::test]
async fn a_referral_receiver_screens_the_patient_in_its_care() {
    let mut s = known();
    s.expect_bp_history().returning(|_| Ok(vec![]));
    s.expect_import_screenings()
        .withf(|b| b.records.len() == 1 && b.records[0].resident == OTHER)
        .times(1)
        .returning(|_| Ok(()));
    let mut referrals = MockQueries::new();
    referrals
        .expect_referred_to()
        .withf(|p, i| *p == OTHER && *i == TOWNSHIP)
        .returning(|_, _| Ok(true));
    let record = service_with(s, referrals, MockAudit::new())
        .record(&clinician(TOWNSHIP), "referred-1", bp(OTHER, 128, 80))
        .await
        .unwrap();
    assert_eq!(record.resident, OTHER);

    let mut s = known();
    s.expect_bp_history().returning(|_| Ok(vec![]));
    s.expect_import_screenings().never();
    let err = refusing_once(s)
        .record(&clinician(TOWNSHIP), "referred-2", bp(OTHER, 128, 80))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::NotFound(_)), "{err}");
}

/// Two residents: ours (held by the township) and one held by the village clinic.
fn known() -> MockScreenings {
    let mut s = MockScreenings::new();
    s.expect_residents().returning(|_| {
        Ok(vec![
            patient_record(PATIENT, TOWNSHIP),
            patient_record(OTHER, VILLAGE),
        ])
    });
    s
}

#[tokio::test]
async fn one_bad_row_rejects_the_batch_with_every_rows_error() {
    let mut s = known();
    s.expect_bp_history().returning(|_| Ok(vec![]));
    s.expect_import_screenings().never();
    let rows = [
        bp(PATIENT, 400, 90),
        bp(PATIENT, 128, 80),
        bp(OTHER, 128, 80),
        ScreeningRow {
            resident: PATIENT,
            on: date!(2026 - 03 - 03),
            reading: RowReading::Glucose {
                hundredths: 610,
                kind: GlucoseKind::Fasting,
                symptoms: false,
            },
        },
        ScreeningRow {
            resident: PATIENT,
            on: NOW.date(),
            reading: RowReading::Glucose {
                hundredths: 49,
                kind: GlucoseKind::Fasting,
                symptoms: false,
            },
        },
    ];
    let outcome = refusing_once(s)
        .import_batch(&clinician(TOWNSHIP), "batch-1", &rows)
        .await
        .unwrap();
    assert_eq!(outcome.imported, 0);
    let faults: Vec<(usize, &str)> = outcome.errors.iter().map(|e| (e.row, e.field)).collect();
    // The village clinic's resident is not the township's to see: not found, row by row.
    assert_eq!(
        faults,
        vec![(0, "sbp"), (2, "resident"), (3, "on"), (4, "glucose")]
    );
}

#[tokio::test]
async fn the_third_elevated_day_flags_a_preliminary_diagnosis_in_one_write() {
    let mut s = known();
    s.expect_bp_history()
        .returning(|_| Ok(elevated_on(&[date!(2026 - 02 - 20), date!(2026 - 02 - 25)])));
    s.expect_import_screenings()
        .withf(|b| {
            b.records.len() == 1
                && b.events.len() == 2
                && b.events[0].event_type == "screening.suspected_case_flagged"
                // The batch announces itself once, whatever its rows (decision 0005).
                && b.events[1].event_type == "screening.batch_imported"
                && b.audit.action == "screening.import"
        })
        .times(1)
        .returning(|_| Ok(()));
    let outcome = service(s)
        .import_batch(&clinician(TOWNSHIP), "batch-1", &[bp(PATIENT, 152, 96)])
        .await
        .unwrap();
    assert!(outcome.errors.is_empty());
    assert_eq!((outcome.imported, outcome.flagged), (1, 1));
    let ScreeningFinding::BloodPressure { decision, .. } = outcome.records[0].finding else {
        panic!("a blood-pressure finding")
    };
    assert!(matches!(
        decision.outcome,
        BpOutcome::PreliminaryDiagnosis { .. }
    ));
}

#[tokio::test]
async fn an_empty_batch_is_invalid_and_a_storage_failure_is_an_error() {
    let err = service(MockScreenings::new())
        .import_batch(&clinician(TOWNSHIP), "batch-1", &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, ServiceError::InvalidArgument { field: "rows", .. }),
        "{err}"
    );

    let mut s = known();
    s.expect_bp_history().returning(|_| Ok(vec![]));
    s.expect_import_screenings()
        .returning(|_| Err(yigong_ports::StoreError::Unavailable("disk full".into())));
    let err = service(s)
        .import_batch(&clinician(TOWNSHIP), "batch-1", &[bp(PATIENT, 128, 80)])
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Unavailable(_)), "{err}");
}

#[tokio::test]
async fn an_older_reading_is_judged_on_what_was_known_by_its_date() {
    let mut s = known();
    // Two elevated days stored, both after the imported reading's date.
    s.expect_bp_history()
        .returning(|_| Ok(elevated_on(&[date!(2026 - 02 - 20), date!(2026 - 02 - 25)])));
    s.expect_import_screenings().times(1).returning(|_| Ok(()));
    let row = ScreeningRow {
        on: date!(2026 - 02 - 01),
        ..bp(PATIENT, 152, 96)
    };
    let outcome = service(s)
        .import_batch(&clinician(TOWNSHIP), "batch-1", &[row])
        .await
        .unwrap();
    let ScreeningFinding::BloodPressure { decision, .. } = outcome.records[0].finding else {
        panic!("a blood-pressure finding")
    };
    assert_eq!(
        decision.outcome,
        BpOutcome::RecheckRequired { elevated_days: 1 }
    );
    assert_eq!(outcome.flagged, 0);
}

#[tokio::test]
async fn a_single_result_is_judged_like_an_imported_one() {
    let mut s = known();
    s.expect_bp_history()
        .returning(|_| Ok(elevated_on(&[date!(2026 - 02 - 20), date!(2026 - 02 - 25)])));
    s.expect_import_screenings()
        .withf(|b| b.records.len() == 1)
        .times(1)
        .returning(|_| Ok(()));
    let record = service(s)
        .record(&clinician(TOWNSHIP), "one-1", bp(PATIENT, 152, 96))
        .await
        .unwrap();
    let ScreeningFinding::BloodPressure { decision, .. } = record.finding else {
        panic!("a blood-pressure finding")
    };
    assert!(matches!(
        decision.outcome,
        BpOutcome::PreliminaryDiagnosis { .. }
    ));

    let mut s = known();
    s.expect_bp_history().returning(|_| Ok(vec![]));
    s.expect_import_screenings().never();
    let err = service(s)
        .record(&clinician(TOWNSHIP), "one-1", bp(PATIENT, 400, 90))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ServiceError::InvalidArgument { field: "sbp", .. }),
        "{err}"
    );
}

#[tokio::test]
async fn a_retried_batch_returns_the_first_batchs_results() {
    let first = uuid::Uuid::from_u128(777);
    let mut s = known();
    s.expect_bp_history().returning(|_| Ok(vec![]));
    let claimed = Claimed::default();
    let seen = claimed.clone();
    s.expect_import_screenings()
        .times(1)
        .returning(move |batch| {
            seen.remember(batch.request.as_ref().expect("a batch names its request"));
            Err(yigong_ports::StoreError::Duplicate {
                constraint: Constraint::RequestId,
            })
        });
    s.expect_batch_records()
        .withf(move |b| *b == first)
        .times(1)
        .returning(|_| Ok(vec![]));
    let requests = claimed.log(first, true);
    let mut referrals = MockQueries::new();
    referrals.expect_referred_to().returning(|_, _| Ok(false));
    let service = ScreeningService::new(yigong_service::Deps {
        screenings: Arc::new(s),
        requests: Arc::new(requests),
        ..deps(
            MockUow::new(),
            referrals,
            MockFollowUps::new(),
            MockAudit::new(),
        )
    });
    let outcome = service
        .import_batch(&clinician(TOWNSHIP), "batch-1", &[bp(PATIENT, 128, 80)])
        .await
        .unwrap();
    assert_eq!(outcome.batch, first);
    assert!(outcome.errors.is_empty());
}
