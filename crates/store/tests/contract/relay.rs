//! The relay's outbox contract: lease, pending order, publication, refusals and dead letters.

use time::Duration;
use uuid::Uuid;
use yigong_ports::{RelayOutbox, UnitOfWork};

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

#[tokio::test]
async fn pending_events_come_in_sequence_order_until_published_or_dead() {
    for b in backends::all().await {
        let (r1, r2) = (upward(1, 42, 0), upward(2, 43, 0));
        let mut tx = b.store.begin().await.unwrap();
        tx.append_events(&[event(&r1, 1), event(&r2, 2), event(&r1, 3), event(&r2, 4)])
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let pending = b.store.pending(100).await.unwrap();
        let seqs: Vec<i64> = pending.iter().map(|p| p.stored.sequence).collect();
        assert_eq!(seqs, vec![1, 2, 3, 4], "{}", b.name);
        assert!(
            pending
                .iter()
                .all(|p| p.attempts == 0 && p.next_attempt_at.is_none())
        );
        assert_eq!(b.store.pending(2).await.unwrap().len(), 2);

        b.store.mark_published(&[1, 2], NOW).await.unwrap();
        let seqs: Vec<i64> = b
            .store
            .pending(100)
            .await
            .unwrap()
            .iter()
            .map(|p| p.stored.sequence)
            .collect();
        assert_eq!(seqs, vec![3, 4], "{}", b.name);

        // A refusal counts an attempt and sets the retry time; the event stays pending.
        let retry = NOW + Duration::seconds(2);
        b.store
            .record_failure(3, "maximum payload exceeded", retry, None)
            .await
            .unwrap();
        let p = &b.store.pending(100).await.unwrap()[0];
        assert_eq!(
            (p.stored.sequence, p.attempts, p.next_attempt_at),
            (3, 1, Some(retry))
        );

        // Dead-lettered: no longer pending, listed with its last error.
        let dead_at = NOW + Duration::seconds(5);
        b.store
            .record_failure(3, "maximum payload exceeded", retry, Some(dead_at))
            .await
            .unwrap();
        let seqs: Vec<i64> = b
            .store
            .pending(100)
            .await
            .unwrap()
            .iter()
            .map(|p| p.stored.sequence)
            .collect();
        assert_eq!(seqs, vec![4], "{}", b.name);
        let dead = b.store.dead_letters(0, 10).await.unwrap();
        assert_eq!(dead.len(), 1, "{}", b.name);
        assert_eq!(dead[0].stored.sequence, 3);
        assert_eq!(dead[0].attempts, 2);
        assert_eq!(dead[0].last_error, "maximum payload exceeded");
        assert_eq!(dead[0].dead_at, dead_at);
        assert!(b.store.dead_letters(3, 10).await.unwrap().is_empty());

        // Replaying an unknown or live sequence changes nothing; replaying the dead one
        // returns it to the relay with a fresh count, in its original place.
        assert_eq!(b.store.replay(&[4, 99]).await.unwrap(), 0);
        assert_eq!(b.store.replay(&[3]).await.unwrap(), 1, "{}", b.name);
        let pending = b.store.pending(100).await.unwrap();
        let seqs: Vec<i64> = pending.iter().map(|p| p.stored.sequence).collect();
        assert_eq!(seqs, vec![3, 4], "{}", b.name);
        assert_eq!((pending[0].attempts, pending[0].next_attempt_at), (0, None));
        assert!(b.store.dead_letters(0, 10).await.unwrap().is_empty());

        // Publishing is final: a late refusal of a published event changes nothing.
        b.store.mark_published(&[3, 4], NOW).await.unwrap();
        b.store
            .record_failure(4, "late", retry, Some(dead_at))
            .await
            .unwrap();
        assert!(b.store.pending(100).await.unwrap().is_empty());
        assert!(
            b.store.dead_letters(0, 10).await.unwrap().is_empty(),
            "{}",
            b.name
        );
        // Replay of all with none dead is a no-op.
        assert_eq!(b.store.replay(&[]).await.unwrap(), 0);
    }
}
