//! Deadline jobs' reads and once-only claims.

use time::Duration;
use time::macros::date;
use yigong_ports::{DeadlineKind, DeadlineQueries, UnitOfWork};

use crate::backends;
use crate::followup::enrolment;
use crate::support::*;

#[tokio::test]
async fn a_deadline_is_claimed_once_and_leaves_the_candidates() {
    for b in backends::all().await {
        // Two waiting plans: first plans are due 14 days after enrolment.
        let (e1, p1) = enrolment(1, 41, date!(2026 - 01 - 05)); // due 01-19
        let (e2, p2) = enrolment(2, 42, date!(2026 - 02 - 20)); // due 03-06
        let mut tx = b.store.begin().await.unwrap();
        for (e, p) in [(&e1, &p1), (&e2, &p2)] {
            tx.insert_enrolment(e).await.unwrap();
            tx.insert_plan(p).await.unwrap();
        }
        tx.commit().await.unwrap();

        assert_eq!(
            due(&b.store, date!(2026 - 01 - 18)).await,
            vec![],
            "{}",
            b.name
        );
        assert_eq!(
            due(&b.store, date!(2026 - 01 - 19)).await,
            vec![p1.id()],
            "{}",
            b.name
        );
        assert_eq!(
            due(&b.store, date!(2026 - 03 - 06)).await,
            vec![p1.id(), p2.id()]
        );

        // Claimed once: the first claim wins, a repeat changes nothing and keeps the
        // transaction usable.
        let mut tx = b.store.begin().await.unwrap();
        assert!(
            tx.claim_deadline(DeadlineKind::PlanDue, p1.id().as_uuid(), NOW)
                .await
                .unwrap()
        );
        assert!(
            !tx.claim_deadline(DeadlineKind::PlanDue, p1.id().as_uuid(), NOW)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        assert_eq!(
            due(&b.store, date!(2026 - 03 - 06)).await,
            vec![p2.id()],
            "{}",
            b.name
        );
        // Another kind for the same plan is a separate deadline.
        let overdue = b
            .store
            .waiting_plans_unannounced(DeadlineKind::PlanOverdue, date!(2026 - 03 - 06), 10)
            .await
            .unwrap();
        assert_eq!(overdue.len(), 2, "{}", b.name);
        // A claim rolled back is no claim.
        let mut tx = b.store.begin().await.unwrap();
        assert!(
            tx.claim_deadline(DeadlineKind::PlanDue, p2.id().as_uuid(), NOW)
                .await
                .unwrap()
        );
        drop(tx);
        assert_eq!(
            due(&b.store, date!(2026 - 03 - 06)).await,
            vec![p2.id()],
            "{}",
            b.name
        );
    }
}

#[tokio::test]
async fn referrals_past_their_answer_deadline_are_candidates_until_escalated() {
    for b in backends::all().await {
        let r = upward(1, 42, 0);
        let deadline = r.respond_by().unwrap();
        let mut tx = b.store.begin().await.unwrap();
        tx.insert_referral(&r).await.unwrap();
        tx.insert_referral(&upward(2, 43, 0).cancel("recovered").unwrap().0)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let before = deadline - Duration::seconds(1);
        assert!(
            b.store
                .referrals_past_deadline(before, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            b.store.referrals_past_deadline(deadline, 10).await.unwrap(),
            vec![r.id()],
            "{}",
            b.name
        );
        let (escalated, _) = r.clone().escalate(deadline).unwrap();
        let mut tx = b.store.begin().await.unwrap();
        tx.update_referral(&escalated, 1).await.unwrap();
        tx.commit().await.unwrap();
        assert!(
            b.store
                .referrals_past_deadline(deadline + Duration::days(3), 10)
                .await
                .unwrap()
                .is_empty(),
            "{}",
            b.name
        );
    }
}

#[tokio::test]
async fn accepted_referrals_past_their_arrival_deadline_are_candidates_until_claimed() {
    use yigong_domain::profile::RuleProfile;
    use yigong_domain::referral::{Appointment, SlotKind};
    for b in backends::all().await {
        let profile = RuleProfile::bphs3();
        let accept = |r: yigong_domain::referral::Referral, days| {
            let appointment = Appointment {
                at: NOW + Duration::days(days),
                slot: SlotKind::General,
            };
            r.accept(appointment, receiving(), None, NOW, &profile)
                .unwrap()
                .0
        };
        let (soon, later) = (accept(upward(1, 42, 0), 1), accept(upward(2, 43, 0), 2));
        let arrived = accept(upward(3, 44, 0), 1).arrive(NOW).unwrap().0;
        let mut tx = b.store.begin().await.unwrap();
        for r in [&soon, &later, &arrived] {
            tx.insert_referral(r).await.unwrap();
        }
        // Still requested: no arrival deadline yet.
        tx.insert_referral(&upward(4, 45, 0)).await.unwrap();
        tx.commit().await.unwrap();
        let deadline = soon.arrive_by().unwrap();
        let past = |at| b.store.referrals_past_arrival(at, 10);
        assert!(
            past(deadline - Duration::seconds(1))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(past(deadline).await.unwrap(), vec![soon.id()], "{}", b.name);
        assert_eq!(
            past(deadline + Duration::days(5)).await.unwrap(),
            vec![soon.id(), later.id()],
            "{}",
            b.name
        );
        let mut tx = b.store.begin().await.unwrap();
        assert!(
            tx.claim_deadline(DeadlineKind::ArrivalMissed, soon.id().as_uuid(), deadline)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        assert_eq!(
            past(deadline + Duration::days(5)).await.unwrap(),
            vec![later.id()],
            "{}",
            b.name
        );
    }
}

async fn due(store: &yigong_store::Store, by: time::Date) -> Vec<yigong_domain::ids::PlanId> {
    store
        .waiting_plans_unannounced(DeadlineKind::PlanDue, by, 10)
        .await
        .unwrap()
        .iter()
        .map(|p| p.id())
        .collect()
}
