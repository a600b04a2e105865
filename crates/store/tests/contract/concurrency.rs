//! Real parallel transactions: exactly one winner, nothing lost.

use std::sync::Arc;

use time::Duration;
use uuid::Uuid;
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::{Appointment, SlotKind};
use yigong_ports::{ReferralQueries, RequestLog, StoreError, UnitOfWork};

use crate::backends;
use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_concurrent_accepts_of_one_referral_have_exactly_one_winner() {
    for b in backends::all().await {
        let store = Arc::new(b.store.clone());
        for round in 0..5u128 {
            let r = upward(1000 + round, 5000 + round, 0);
            let mut tx = store.begin().await.unwrap();
            tx.insert_referral(&r).await.unwrap();
            tx.commit().await.unwrap();
            let attempts = (0..2).map(|i| {
                let store = Arc::clone(&store);
                let id = r.id();
                tokio::spawn(async move {
                    let mut tx = store.begin().await?;
                    let loaded = tx.load_referral(id).await?.expect("inserted");
                    let at = NOW + Duration::days(1 + i);
                    // Loaded after the other accept committed: the domain refuses (a loser too).
                    let Ok((accepted, _)) = loaded.value.accept(
                        Appointment {
                            at,
                            slot: SlotKind::General,
                        },
                        yigong_test_support::fixtures::receiving(),
                        None,
                        NOW,
                        &RuleProfile::bphs3(),
                    ) else {
                        return Ok(false);
                    };
                    tx.update_referral(&accepted, loaded.version).await?;
                    tx.commit().await?;
                    Ok::<_, StoreError>(true)
                })
            });
            let results: Vec<Result<bool, StoreError>> = futures_join(attempts).await;
            let wins = results.iter().filter(|r| matches!(r, Ok(true))).count();
            assert_eq!(wins, 1, "{}: {results:?}", b.name);
            for r in results.iter().filter_map(|r| r.as_ref().err()) {
                assert!(matches!(r, StoreError::Conflict { .. }), "{}: {r}", b.name);
            }
            assert_eq!(
                store.get_referral(r.id()).await.unwrap().unwrap().version,
                2
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_with_one_request_id_create_one_thing() {
    for b in backends::all().await {
        let store = Arc::new(b.store.clone());
        let attempts = (0..4u128).map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let mut tx = store.begin().await?;
                tx.claim_request(&request_key("referral.create", "same", Uuid::from_u128(i)))
                    .await?;
                tx.insert_referral(&upward(2000 + i, 6000 + i, 0)).await?;
                tx.commit().await?;
                Ok::<_, StoreError>(i)
            })
        });
        let results = futures_join(attempts).await;
        let winners: Vec<u128> = results
            .iter()
            .filter_map(|r| r.as_ref().ok().copied())
            .collect();
        assert_eq!(winners.len(), 1, "{}: {results:?}", b.name);
        let caller = request_key("referral.create", "same", Uuid::nil()).caller;
        let outcome = store
            .request_outcome(&caller, "referral.create", "same")
            .await
            .unwrap()
            .map(|k| k.resource_id);
        assert_eq!(outcome, Some(Uuid::from_u128(winners[0])));
        for i in 0..4u128 {
            let exists = store
                .get_referral(yigong_domain::ids::ReferralId::from_u128(2000 + i))
                .await
                .unwrap()
                .is_some();
            assert_eq!(exists, i == winners[0], "{}: referral {i}", b.name);
        }
    }
}

async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<Result<T, StoreError>>>,
) -> Vec<Result<T, StoreError>> {
    let mut out = vec![];
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await.expect("task panicked"));
    }
    out
}
