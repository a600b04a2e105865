//! The relay's outbox contract: lease, pending order, publication, refusals and dead letters.

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Query};
use sea_orm_migration::MigratorTrait;
use time::Duration;
use uuid::Uuid;
use yigong_ports::{Progress, Refusal, RelayOutbox, UnitOfWork};
use yigong_store::Migrator;

use crate::backends;
use crate::referrals::event;
use crate::support::*;

const LEASE: &str = "outbox-relay";

#[tokio::test]
async fn one_holder_has_the_lease_until_it_lapses_or_is_released() {
    for b in backends::all().await {
        let (a, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let ttl = Duration::seconds(10);
        assert!(
            b.store.acquire_lease(LEASE, a, NOW, ttl).await.unwrap(),
            "{}",
            b.name
        );
        assert!(
            !b.store.acquire_lease(LEASE, other, NOW, ttl).await.unwrap(),
            "{}",
            b.name
        );
        // The holder renews; the other still waits until the renewed lease runs out.
        let later = NOW + Duration::seconds(8);
        assert!(b.store.acquire_lease(LEASE, a, later, ttl).await.unwrap());
        assert!(
            !b.store
                .acquire_lease(LEASE, other, NOW + Duration::seconds(12), ttl)
                .await
                .unwrap()
        );
        // A lapsed lease passes on; the old holder cannot take it back while the new one runs.
        let lapsed = later + Duration::seconds(11);
        assert!(
            b.store
                .acquire_lease(LEASE, other, lapsed, ttl)
                .await
                .unwrap(),
            "{}",
            b.name
        );
        assert!(!b.store.acquire_lease(LEASE, a, lapsed, ttl).await.unwrap());
        // Another lease name is independent.
        assert!(
            b.store
                .acquire_lease("deadlines", a, lapsed, ttl)
                .await
                .unwrap()
        );
        // Release by a non-holder does nothing; by the holder frees it at once.
        b.store.release_lease(LEASE, a).await.unwrap();
        assert!(!b.store.acquire_lease(LEASE, a, lapsed, ttl).await.unwrap());
        b.store.release_lease(LEASE, other).await.unwrap();
        assert!(
            b.store.acquire_lease(LEASE, a, lapsed, ttl).await.unwrap(),
            "{}",
            b.name
        );
    }
}

async fn sequences_of(store: &yigong_store::Store, after: i64) -> Vec<(i64, u32, bool)> {
    store
        .pending(LEASE, after, 100)
        .await
        .unwrap()
        .iter()
        .map(|p| (p.stored.sequence, p.attempts, p.next_attempt_at.is_some()))
        .collect()
}

fn through(through: i64) -> Progress {
    Progress {
        through,
        ..Progress::default()
    }
}

fn refusal(sequence: i64, dead_at: Option<time::OffsetDateTime>) -> Progress {
    Progress {
        through: sequence,
        refusal: Some(Refusal {
            sequence,
            error: "maximum payload exceeded".into(),
            retry_at: NOW + Duration::seconds(2),
            dead_at,
        }),
        ..Progress::default()
    }
}

#[tokio::test]
async fn the_watermark_passes_published_events_under_the_lease_only() {
    for b in backends::all().await {
        let (r1, r2) = (upward(1, 42, 0), upward(2, 43, 0));
        let mut tx = b.store.begin().await.unwrap();
        tx.append_events(&[event(&r1, 1), event(&r2, 2), event(&r1, 3), event(&r2, 4)])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let (me, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let ttl = Duration::seconds(60);
        assert!(b.store.acquire_lease(LEASE, me, NOW, ttl).await.unwrap());

        let fresh = |s: &[i64]| s.iter().map(|s| (*s, 0, false)).collect::<Vec<_>>();
        assert_eq!(
            sequences_of(&b.store, 0).await,
            fresh(&[1, 2, 3, 4]),
            "{}",
            b.name
        );
        assert_eq!(b.store.pending(LEASE, 0, 2).await.unwrap().len(), 2);
        // A relay that read up to 2 reads on from there.
        assert_eq!(
            sequences_of(&b.store, 2).await,
            fresh(&[3, 4]),
            "{}",
            b.name
        );

        assert!(b.store.record(LEASE, me, &through(2), NOW).await.unwrap());
        assert_eq!(
            sequences_of(&b.store, 0).await,
            fresh(&[3, 4]),
            "{}",
            b.name
        );
        // Never back.
        assert!(b.store.record(LEASE, me, &through(1), NOW).await.unwrap());
        assert_eq!(
            sequences_of(&b.store, 0).await,
            fresh(&[3, 4]),
            "{}",
            b.name
        );
        // Not without the lease: another holder, or a lease run out.
        assert!(
            !b.store
                .record(LEASE, other, &through(4), NOW)
                .await
                .unwrap()
        );
        let late = NOW + Duration::seconds(61);
        assert!(!b.store.record(LEASE, me, &through(4), late).await.unwrap());
        assert!(
            !b.store
                .record(LEASE, other, &refusal(3, None), NOW)
                .await
                .unwrap()
        );
        assert_eq!(
            sequences_of(&b.store, 0).await,
            fresh(&[3, 4]),
            "{}",
            b.name
        );

        // Released, the lease keeps its progress for whoever takes it next.
        b.store.release_lease(LEASE, me).await.unwrap();
        assert!(b.store.acquire_lease(LEASE, other, NOW, ttl).await.unwrap());
        assert_eq!(
            sequences_of(&b.store, 0).await,
            fresh(&[3, 4]),
            "{}",
            b.name
        );
        assert!(
            b.store
                .record(LEASE, other, &through(4), NOW)
                .await
                .unwrap()
        );
        assert!(sequences_of(&b.store, 0).await.is_empty(), "{}", b.name);
        let mut tx = b.store.begin().await.unwrap();
        tx.append_events(&[event(&r1, 5)]).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(sequences_of(&b.store, 0).await, fresh(&[5]), "{}", b.name);
    }
}

#[tokio::test]
async fn refused_and_held_events_keep_state_of_their_own_until_published_or_dead() {
    for b in backends::all().await {
        let (r1, r2) = (upward(1, 42, 0), upward(2, 43, 0));
        let mut tx = b.store.begin().await.unwrap();
        tx.append_events(&[event(&r1, 1), event(&r2, 2), event(&r1, 3), event(&r2, 4)])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let me = Uuid::from_u128(1);
        assert!(
            b.store
                .acquire_lease(LEASE, me, NOW, Duration::seconds(60))
                .await
                .unwrap()
        );
        // The relay reads (which positions the events) before it records anything.
        assert_eq!(sequences_of(&b.store, 0).await.len(), 4);
        assert!(b.store.record(LEASE, me, &through(1), NOW).await.unwrap());

        // A refusal counts an attempt and sets the retry time; the watermark passes it, and it
        // comes first, before the events not yet reached.
        assert!(
            b.store
                .record(LEASE, me, &refusal(2, None), NOW)
                .await
                .unwrap()
        );
        let p = b.store.pending(LEASE, 0, 100).await.unwrap();
        assert_eq!(
            (p[0].stored.sequence, p[0].attempts, p[0].next_attempt_at),
            (2, 1, Some(NOW + Duration::seconds(2))),
            "{}",
            b.name
        );
        assert_eq!(
            sequences_of(&b.store, 0).await,
            vec![(2, 1, true), (3, 0, false), (4, 0, false)]
        );

        // 3 is published; 4 (aggregate r2, behind the refused 2) is held: the watermark passes
        // both, and 4 stays due with state of its own.
        let held = Progress {
            through: 4,
            held: vec![4],
            ..Progress::default()
        };
        assert!(b.store.record(LEASE, me, &held, NOW).await.unwrap());
        let p = b.store.pending(LEASE, 0, 100).await.unwrap();
        let got: Vec<_> = p
            .iter()
            .map(|p| (p.stored.sequence, p.attempts, p.next_attempt_at))
            .collect();
        assert_eq!(
            got,
            vec![(2, 1, Some(NOW + Duration::seconds(2))), (4, 0, Some(NOW))],
            "{}",
            b.name
        );

        // Dead-lettered: no longer pending, listed with its last error.
        let dead_at = NOW + Duration::seconds(5);
        assert!(
            b.store
                .record(LEASE, me, &refusal(2, Some(dead_at)), NOW)
                .await
                .unwrap()
        );
        assert_eq!(
            sequences_of(&b.store, 0).await,
            vec![(4, 0, true)],
            "{}",
            b.name
        );
        let dead = b.store.dead_letters(0, 10).await.unwrap();
        assert_eq!(dead.len(), 1, "{}", b.name);
        assert_eq!(dead[0].stored.sequence, 2);
        assert_eq!(dead[0].attempts, 2);
        assert_eq!(dead[0].last_error, "maximum payload exceeded");
        assert_eq!(dead[0].dead_at, dead_at);
        assert!(b.store.dead_letters(2, 10).await.unwrap().is_empty());

        // 4 retried and acknowledged: published.
        let retried = Progress {
            through: 4,
            retried: vec![4],
            ..Progress::default()
        };
        assert!(b.store.record(LEASE, me, &retried, NOW).await.unwrap());
        assert!(sequences_of(&b.store, 0).await.is_empty(), "{}", b.name);

        // Replaying an unknown or live sequence changes nothing; replaying the dead one
        // returns it to the relay with a fresh count, due at once, below the watermark.
        let replayed_at = NOW + Duration::seconds(9);
        assert_eq!(b.store.replay(&[4, 99], replayed_at).await.unwrap(), 0);
        assert_eq!(b.store.replay(&[2], replayed_at).await.unwrap(), 1);
        let p = b.store.pending(LEASE, 0, 100).await.unwrap();
        assert_eq!(
            p.iter()
                .map(|p| (p.stored.sequence, p.attempts, p.next_attempt_at))
                .collect::<Vec<_>>(),
            vec![(2, 0, Some(replayed_at))],
            "{}",
            b.name
        );
        assert!(b.store.dead_letters(0, 10).await.unwrap().is_empty());

        // Publication is final: a late refusal of a published event changes nothing.
        assert!(
            b.store
                .record(LEASE, me, &refusal(3, Some(dead_at)), NOW)
                .await
                .unwrap()
        );
        assert_eq!(
            sequences_of(&b.store, 0).await,
            vec![(2, 0, true)],
            "{}",
            b.name
        );
        assert!(b.store.dead_letters(0, 10).await.unwrap().is_empty());
        let retried = Progress {
            retried: vec![2],
            ..Progress::default()
        };
        assert!(b.store.record(LEASE, me, &retried, NOW).await.unwrap());
        assert!(sequences_of(&b.store, 0).await.is_empty(), "{}", b.name);
        // Replay of all with none dead is a no-op.
        assert_eq!(b.store.replay(&[], NOW).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn upgrading_carries_published_rows_over_to_the_watermark() {
    for b in backends::unmigrated().await {
        let db = b.store.connection();
        Migrator::up(db, Some(7)).await.unwrap();
        // Before 000008 each row said whether it was published: 1 and 3 were, 2 and 4 not.
        for (sequence, published) in [(1, true), (2, false), (3, true), (4, false)] {
            let insert = Query::insert()
                .into_table(Alias::new("outbox_event"))
                .columns(
                    [
                        "sequence",
                        "event_id",
                        "aggregate_kind",
                        "aggregate_id",
                        "aggregate_sequence",
                        "event_type",
                        "schema_version",
                        "payload",
                        "occurred_at",
                        "published_at",
                    ]
                    .map(Alias::new),
                )
                .values_panic([
                    sequence.into(),
                    Uuid::from_u128(100 + sequence as u128).into(),
                    "referral".into(),
                    Uuid::from_u128(sequence as u128).into(),
                    1i64.into(),
                    "referral.referral_cancelled".into(),
                    1i32.into(),
                    serde_json::json!({}).into(),
                    NOW.into(),
                    published.then_some(NOW).into(),
                ])
                .to_owned();
            db.execute(&insert).await.unwrap();
        }
        b.store.migrate().await.unwrap();
        // Nothing published is sent again, nothing unpublished is skipped: 2 (below the
        // watermark) with state of its own, 4 after it.
        assert_eq!(
            sequences_of(&b.store, 0).await,
            vec![(2, 0, true), (4, 0, false)],
            "{}",
            b.name
        );
    }
}
