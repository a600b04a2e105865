//! The screening batch path: bulk reads, one atomic write per batch, on every backend.

use time::macros::date;
use uuid::Uuid;
use yigong_domain::event::DomainEvent;
use yigong_domain::identity::Sex;
use yigong_domain::ids::{CommunityId, ResidentId, ScreeningId};
use yigong_domain::measure::BloodPressure;
use yigong_domain::profile::RuleProfile;
use yigong_domain::screening::{
    Arrival, BpOutcome, BpReading, Decision, Programme, RiskFactors, ScreeningEvent,
    assess_blood_pressure,
};
use yigong_ports::{
    Actor, AuditEntry, AuditOutcome, ChangeFeed, Constraint, NewEvent, ScreeningBatch,
    ScreeningFinding, ScreeningRecord, ScreeningStore, StoreError, UnitOfWork,
};

use crate::backends;
use crate::support::*;

fn decision(sbp: u16, dbp: u16) -> Decision<BpOutcome> {
    let bp = BloodPressure::new(sbp, dbp).unwrap();
    assess_blood_pressure(
        &[BpReading {
            date: date!(2026 - 03 - 01),
            bp,
        }],
        60,
        Sex::Male,
        &RiskFactors::default(),
        &RuleProfile::bphs3(),
    )
    .unwrap()
}

fn batch(n: usize, first_id: u128, resident: ResidentId) -> ScreeningBatch {
    let batch = Uuid::from_u128(first_id);
    let records: Vec<ScreeningRecord> = (0..n)
        .map(|k| {
            let (sbp, dbp) = if k % 10 == 0 { (185, 112) } else { (128, 80) };
            ScreeningRecord {
                id: ScreeningId::from_u128(first_id + k as u128),
                batch,
                resident,
                institution: TOWNSHIP,
                on: date!(2026 - 03 - 01),
                opportunistic: k % 3 == 1,
                finding: ScreeningFinding::BloodPressure {
                    bp: BloodPressure::new(sbp, dbp).unwrap(),
                    risk: RiskFactors::default(),
                    decision: decision(sbp, dbp),
                },
            }
        })
        .collect();
    let events = records
        .iter()
        .filter(|r| r.finding.is_flagged())
        .flat_map(|r| {
            let ScreeningFinding::BloodPressure { decision, .. } = r.finding else {
                unreachable!()
            };
            ScreeningEvent::recorded(r.id, r.resident, r.on, &decision, Arrival::Batch)
        })
        .map(|e| {
            NewEvent::new(
                Uuid::new_v4(),
                Some(CommunityId::from_u128(500)),
                &DomainEvent::from(e),
                NOW,
            )
            .unwrap()
        })
        .collect();
    ScreeningBatch {
        records,
        advice: Vec::new(),
        events,
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

async fn resident(b: &backends::Backend, id: u128) -> ResidentId {
    let r = patient(
        ResidentId::from_u128(id),
        TOWNSHIP,
        CommunityId::from_u128(500),
    );
    let mut tx = b.store.begin().await.unwrap();
    tx.insert_resident(&r).await.unwrap();
    tx.commit().await.unwrap();
    r.resident.id()
}

#[tokio::test]
async fn a_batch_larger_than_a_statement_lands_whole_with_its_events() {
    for b in backends::all().await {
        let who = resident(&b, 42).await;
        let found = b
            .store
            .residents(&[who, ResidentId::from_u128(7)])
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "{}", b.name);
        assert_eq!(found[0].resident.id(), who);

        let big = batch(2500, 10_000, who);
        b.store.import_screenings(&big).await.unwrap();
        let stored = b.store.screenings_of(who).await.unwrap();
        assert_eq!(stored.len(), 2500, "{}", b.name);
        let mut ids: Vec<_> = stored.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        let mut expected: Vec<_> = big.records.iter().map(|r| r.id).collect();
        expected.sort_unstable();
        assert_eq!(ids, expected, "{}", b.name);
        assert!(
            stored
                .iter()
                .all(|r| r.finding.programme() == Programme::BloodPressure)
        );
        // Every column and the body come back as written, the opportunistic mark included.
        let mut back = stored.clone();
        back.sort_unstable_by_key(|r| r.id);
        let mut sent = big.records.clone();
        sent.sort_unstable_by_key(|r| r.id);
        assert_eq!(back, sent, "{}", b.name);
        assert_eq!(
            back.iter().filter(|r| r.opportunistic).count(),
            833,
            "{}",
            b.name
        );
        let history = b.store.bp_history(&[who]).await.unwrap();
        assert_eq!(history.len(), 2500, "{}", b.name);
        let feed = b.store.changes_since(0, 1000).await.unwrap();
        assert_eq!(
            feed.len(),
            250,
            "{}: one flag per emergency reading",
            b.name
        );
        assert!(feed.iter().all(|e| e.aggregate_sequence == 1));
    }
}

#[tokio::test]
async fn a_failing_batch_writes_nothing() {
    for b in backends::all().await {
        let who = resident(&b, 42).await;
        let mut bad = batch(30, 20_000, who);
        // The last row repeats the first one's id: the primary key refuses the batch.
        bad.records[29].id = bad.records[0].id;
        assert!(b.store.import_screenings(&bad).await.is_err(), "{}", b.name);
        assert!(
            b.store.screenings_of(who).await.unwrap().is_empty(),
            "{}",
            b.name
        );
        assert!(
            b.store.changes_since(0, 100).await.unwrap().is_empty(),
            "{}",
            b.name
        );
    }
}

#[tokio::test]
async fn a_retried_batch_writes_nothing_and_its_first_results_are_found_by_batch() {
    for b in backends::all().await {
        let who = resident(&b, 42).await;
        let first = batch(40, 30_000, who);
        b.store.import_screenings(&first).await.unwrap();
        let mut retry = batch(40, 40_000, who);
        retry.request = first.request.clone();
        let err = b.store.import_screenings(&retry).await.unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Duplicate {
                    constraint: Constraint::RequestId
                }
            ),
            "{}: {err}",
            b.name
        );
        assert_eq!(
            b.store.screenings_of(who).await.unwrap().len(),
            40,
            "{}",
            b.name
        );
        let batch_id = first.records[0].batch;
        let found = b.store.batch_records(batch_id).await.unwrap();
        assert_eq!(found.len(), 40, "{}", b.name);
        assert!(found.iter().all(|r| r.batch == batch_id));
    }
}
