//! Referral repository, idempotency, outbox, change feed and audit contracts.

use sea_orm::{ConnectionTrait, Statement};
use uuid::Uuid;
use yigong_domain::event::DomainEvent;
use yigong_domain::ids::{InstitutionId, ReferralId, ResidentId};
use yigong_domain::referral::{ReferralEvent, StateName};
use yigong_ports::{
    Actor, AuditEntry, AuditLog, AuditOutcome, ChangeFeed, Constraint, NewEvent, ReferralFilter,
    ReferralParty, ReferralQueries, RequestKey, RequestLog, StoreError, UnitOfWork,
};

use crate::backends;
use crate::support::*;

/// The inbox of `institution` in one state.
fn inbox(institution: InstitutionId, state: StateName) -> ReferralFilter {
    ReferralFilter::of(ReferralParty::ReceivedBy(institution), vec![state])
}

#[tokio::test]
async fn migrations_apply_on_an_empty_database_and_rerun_as_a_no_op() {
    for b in backends::all().await {
        let before = b.store.applied_migrations().await.unwrap();
        assert!(!before.is_empty(), "{}", b.name);
        b.store.migrate().await.unwrap();
        assert_eq!(
            b.store.applied_migrations().await.unwrap(),
            before,
            "{}",
            b.name
        );
    }
}

#[tokio::test]
async fn a_referral_round_trips_with_its_version() {
    for b in backends::all().await {
        let r = upward(1, 42, 0);
        let mut tx = b.store.begin().await.unwrap();
        assert_eq!(tx.insert_referral(&r).await.unwrap(), 1);
        tx.commit().await.unwrap();
        let got = b.store.get_referral(r.id()).await.unwrap().unwrap();
        assert_eq!(got.value, r, "{}", b.name);
        assert_eq!(got.version, 1);
        assert!(
            b.store
                .get_referral(ReferralId::from_u128(999))
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_changes_nothing() {
    for b in backends::all().await {
        let r = upward(1, 42, 0);
        let mut tx = b.store.begin().await.unwrap();
        tx.insert_referral(&r).await.unwrap();
        tx.commit().await.unwrap();

        let (cancelled, _) = r.clone().cancel("recovered").unwrap();
        let mut tx = b.store.begin().await.unwrap();
        assert_eq!(tx.update_referral(&cancelled, 1).await.unwrap(), 2);
        tx.commit().await.unwrap();

        let (rejected, _) = r.reject("no bed", NOW).unwrap();
        let mut tx = b.store.begin().await.unwrap();
        let err = tx.update_referral(&rejected, 1).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { expected: 1, .. }),
            "{}: {err}",
            b.name
        );
        drop(tx);
        let stored = b.store.get_referral(cancelled.id()).await.unwrap().unwrap();
        assert_eq!(
            stored.value.state().name(),
            StateName::Cancelled,
            "{}",
            b.name
        );
        assert_eq!(stored.version, 2);
    }
}

#[tokio::test]
async fn a_patient_has_one_open_referral_per_direction_in_storage_too() {
    for b in backends::all().await {
        let first = upward(1, 42, 0);
        let mut tx = b.store.begin().await.unwrap();
        tx.insert_referral(&first).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = b.store.begin().await.unwrap();
        let err = tx.insert_referral(&upward(2, 42, 1)).await.unwrap_err();
        assert_eq!(
            err,
            StoreError::Duplicate {
                constraint: Constraint::OpenReferral
            },
            "{}",
            b.name
        );
        drop(tx);

        // Once the first is no longer open, a new one may be created.
        let (cancelled, _) = first.cancel("sent elsewhere").unwrap();
        let mut tx = b.store.begin().await.unwrap();
        tx.update_referral(&cancelled, 1).await.unwrap();
        tx.insert_referral(&upward(2, 42, 1)).await.unwrap();
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn a_transaction_dropped_without_commit_leaves_nothing() {
    for b in backends::all().await {
        let r = upward(1, 42, 0);
        let mut tx = b.store.begin().await.unwrap();
        tx.insert_referral(&r).await.unwrap();
        tx.append_events(&[event(&r, 1)]).await.unwrap();
        drop(tx);
        assert!(
            b.store.get_referral(r.id()).await.unwrap().is_none(),
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
async fn a_request_id_is_claimed_once_per_caller_and_command() {
    for b in backends::all().await {
        let key = request_key("referral.create", "req-1", Uuid::from_u128(7));
        let mut tx = b.store.begin().await.unwrap();
        tx.claim_request(&key).await.unwrap();
        tx.commit().await.unwrap();

        let retry = RequestKey {
            resource_id: Uuid::from_u128(8),
            fingerprint: "1".repeat(64),
            ..key.clone()
        };
        let mut tx = b.store.begin().await.unwrap();
        assert_eq!(
            tx.claim_request(&retry).await.unwrap_err(),
            StoreError::Duplicate {
                constraint: Constraint::RequestId
            },
            "{}",
            b.name
        );
        // The transaction stays usable after the refused claim (PostgreSQL included).
        tx.insert_referral(&upward(3, 43, 0)).await.unwrap();
        tx.commit().await.unwrap();

        // The first claim stands, with its fingerprint.
        assert_eq!(
            b.store
                .request_outcome(&key.caller, "referral.create", "req-1")
                .await
                .unwrap(),
            Some(key.clone()),
            "{}",
            b.name
        );
        assert_eq!(
            b.store
                .request_outcome(&key.caller, "follow_up.record", "req-1")
                .await
                .unwrap(),
            None
        );
        // Another command, or another caller, has ids of its own.
        for other in [
            RequestKey {
                command: "follow_up.record".into(),
                ..key.clone()
            },
            RequestKey {
                caller: format!("{COUNTY}/someone"),
                ..key.clone()
            },
        ] {
            let mut tx = b.store.begin().await.unwrap();
            tx.claim_request(&other).await.unwrap();
            tx.commit().await.unwrap();
        }
        assert_eq!(
            b.store
                .request_outcome(&format!("{COUNTY}/someone"), "referral.create", "req-1")
                .await
                .unwrap()
                .map(|k| k.resource_id),
            Some(Uuid::from_u128(7))
        );
    }
}

pub(crate) fn event(r: &yigong_domain::referral::Referral, n: u128) -> NewEvent {
    let e = DomainEvent::from(ReferralEvent::ReferralCancelled {
        referral: r.id(),
        reason: format!("r{n}"),
    });
    NewEvent::new(Uuid::from_u128(n), r.community(), &e, NOW).unwrap()
}

#[tokio::test]
async fn events_get_global_and_per_aggregate_sequences_and_the_feed_resumes_from_a_cursor() {
    for b in backends::all().await {
        let a = upward(1, 42, 0);
        let c = upward(2, 43, 0);
        let mut tx = b.store.begin().await.unwrap();
        tx.append_events(&[event(&a, 1), event(&a, 2), event(&c, 3)])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = b.store.begin().await.unwrap();
        tx.append_events(&[event(&a, 4)]).await.unwrap();
        tx.commit().await.unwrap();

        let all = b.store.changes_since(0, 100).await.unwrap();
        let seqs: Vec<i64> = all.iter().map(|e| e.sequence).collect();
        assert_eq!(seqs, vec![1, 2, 3, 4], "{}", b.name);
        let per_a: Vec<i64> = all
            .iter()
            .filter(|e| e.event.aggregate_id == a.id().as_uuid())
            .map(|e| e.aggregate_sequence)
            .collect();
        assert_eq!(per_a, vec![1, 2, 3], "{}", b.name);
        assert_eq!(all[0].event.event_type, "referral.referral_cancelled");
        assert_eq!(all[0].event.payload, event(&a, 1).payload);

        let rest = b.store.changes_since(2, 100).await.unwrap();
        assert_eq!(
            rest.iter().map(|e| e.event.event_id).collect::<Vec<_>>(),
            vec![Uuid::from_u128(3), Uuid::from_u128(4)]
        );
        assert_eq!(b.store.changes_since(0, 1).await.unwrap().len(), 1);
        assert_eq!(b.store.latest_sequence().await.unwrap(), 4, "{}", b.name);
    }
}

#[tokio::test]
async fn an_event_that_commits_late_is_not_skipped_by_a_reader_that_moved_on() {
    for b in backends::all().await {
        if b.name == "sqlite-memory" {
            continue; // one writer at a time: the interleaving cannot happen
        }
        let a = upward(1, 42, 0);
        // T1 appends first but commits last.
        let mut t1 = b.store.begin().await.unwrap();
        t1.append_events(&[event(&a, 1)]).await.unwrap();
        if b.name == "sqlite-file" {
            // SQLite holds the write lock until T1 ends; commit it before T2 can write.
            t1.commit().await.unwrap();
            continue;
        }
        let mut t2 = b.store.begin().await.unwrap();
        t2.append_events(&[event(&upward(2, 43, 0), 2)])
            .await
            .unwrap();
        t2.commit().await.unwrap();
        let first_read = b.store.changes_since(0, 100).await.unwrap();
        assert_eq!(first_read.len(), 1);
        let cursor = first_read[0].sequence;
        t1.commit().await.unwrap();
        let second_read = b.store.changes_since(cursor, 100).await.unwrap();
        assert_eq!(
            second_read.len(),
            1,
            "{}: the late event was skipped",
            b.name
        );
        assert_eq!(second_read[0].event.event_id, Uuid::from_u128(1));
    }
}

#[tokio::test]
async fn audit_entries_are_appended_in_and_out_of_transactions() {
    for b in backends::all().await {
        let entry = |action: &str| AuditEntry {
            actor: Actor {
                user: "doctor-1".into(),
                role: "township_doctor".into(),
                institution: InstitutionId::from_u128(10),
            },
            action: action.into(),
            resource: "referrals/1".into(),
            patient: Some(ResidentId::from_u128(42)),
            at: NOW,
            outcome: AuditOutcome::Success,
            break_glass: None,
        };
        let mut tx = b.store.begin().await.unwrap();
        tx.append_audit(&entry("referral.create")).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = b.store.begin().await.unwrap();
        tx.append_audit(&entry("referral.accept")).await.unwrap();
        drop(tx); // rolled back with its write
        b.store.record(&entry("referral.get")).await.unwrap();
        assert_eq!(
            crate::rows_in(&b.store, "audit_entry").await,
            2,
            "{}",
            b.name
        );
    }
}

#[tokio::test]
async fn the_inbox_pages_through_an_institutions_referrals_in_request_order() {
    for b in backends::all().await {
        let mut tx = b.store.begin().await.unwrap();
        for i in 0..5u128 {
            tx.insert_referral(&upward(100 + i, 200 + i, 10 - i64::try_from(i).unwrap()))
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let mut seen = vec![];
        let mut token = None;
        loop {
            let page = b
                .store
                .list_referrals(&inbox(COUNTY, StateName::Requested), 2, token)
                .await
                .unwrap();
            assert!(page.items.len() <= 2);
            seen.extend(page.items.iter().map(|v| v.value.id()));
            match page.next {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        let expected: Vec<ReferralId> = (0..5u128)
            .rev()
            .map(|i| ReferralId::from_u128(100 + i))
            .collect();
        assert_eq!(seen, expected, "{}", b.name);
        assert!(
            b.store
                .list_referrals(&inbox(TOWNSHIP, StateName::Requested), 10, None)
                .await
                .unwrap()
                .items
                .is_empty()
        );
        assert!(
            b.store
                .list_referrals(&inbox(COUNTY, StateName::Accepted), 10, None)
                .await
                .unwrap()
                .items
                .is_empty()
        );
        // The receiver of a requested referral has the patient in its care; others do not.
        let patient = upward(100, 200, 10).patient();
        assert!(
            b.store.referred_to(patient, COUNTY).await.unwrap(),
            "{}",
            b.name
        );
        assert!(!b.store.referred_to(patient, TOWNSHIP).await.unwrap());
        assert!(
            !b.store
                .referred_to(ResidentId::from_u128(999), COUNTY)
                .await
                .unwrap()
        );
    }
}

/// One spelling per vocabulary: a referral's state, direction and urgency are stored under
/// the domain's codes, and a query by any state finds it exactly when it is in that state.
#[tokio::test]
async fn referral_codes_are_the_domains_and_every_state_filters() {
    for b in backends::all().await {
        let r = upward(1, 42, 0);
        let mut tx = b.store.begin().await.unwrap();
        tx.insert_referral(&r).await.unwrap();
        tx.commit().await.unwrap();
        let db = b.store.connection();
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT state, direction, urgency FROM referral",
            ))
            .await
            .unwrap()
            .unwrap();
        let column = |c: &str| row.try_get::<String>("", c).unwrap();
        assert_eq!(column("state"), r.state().name().code(), "{}", b.name);
        assert_eq!(column("direction"), r.direction().code(), "{}", b.name);
        assert_eq!(column("urgency"), r.urgency().code(), "{}", b.name);
        for &state in StateName::ALL {
            let found = b
                .store
                .list_referrals(&inbox(COUNTY, state), 10, None)
                .await
                .unwrap()
                .items;
            assert_eq!(
                found.len(),
                usize::from(state == r.state().name()),
                "{state:?} on {}",
                b.name
            );
        }
    }
}

/// A request's fingerprint is keyed: the same digest gives the same fingerprint under one key
/// (a retry matches), another under another key, and never the digest itself.
#[tokio::test]
async fn request_fingerprints_are_keyed_hashes_of_the_digest() {
    use yigong_ports::RequestLog;
    use yigong_store::seal::DataKeys;
    let b = backends::all().await.remove(0);
    let digest = [7u8; 32];
    let one = b.store.clone().with_keys(DataKeys::ephemeral());
    let other = b.store.clone().with_keys(DataKeys::ephemeral());
    assert_eq!(one.fingerprint(&digest), one.fingerprint(&digest));
    assert_ne!(one.fingerprint(&digest), other.fingerprint(&digest));
    assert_ne!(one.fingerprint(&digest), one.fingerprint(&[8u8; 32]));
    assert!(!one.fingerprint(&digest).contains(&"07".repeat(32)));
}
