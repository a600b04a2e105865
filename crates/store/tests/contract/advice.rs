//! Referral advice: saved, listed by team, institution and desk a page at a time, closed, and
//! the emergencies waiting to escalate.

use time::{Duration, OffsetDateTime};
use yigong_domain::ids::{AdviceId, CommunityId, ReferralId, ResidentId, TeamId, VisitId};
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::{
    AdviceSource, DeclineReason, NewAdvice, ReasonCode, ReferralAdvice, Urgency,
};
use yigong_ports::{
    AdviceQueries, AdviceView, Constraint, DeadlineKind, DeadlineQueries, StoreError, UnitOfWork,
};

use crate::backends;
use crate::support::*;

const COMMUNITY: CommunityId = CommunityId::from_u128(500);
const TEAM: TeamId = TeamId::from_u128(77);

fn advice(id: u128, patient: u128, urgency: Urgency, at: OffsetDateTime) -> ReferralAdvice {
    let (advice, _) = ReferralAdvice::advise(
        NewAdvice {
            id: AdviceId::from_u128(id),
            patient: ResidentId::from_u128(patient),
            community: Some(COMMUNITY),
            institution: TOWNSHIP,
            team: Some(TEAM),
            urgency,
            reason: ReasonCode::DangerSign,
            source: AdviceSource::Visit(VisitId::from_u128(id)),
            at,
        },
        &RuleProfile::bphs3(),
    );
    advice
}

fn ids(page: &yigong_ports::Page<yigong_ports::Versioned<ReferralAdvice>>) -> Vec<AdviceId> {
    page.items.iter().map(|a| a.value.id()).collect()
}

#[tokio::test]
async fn advice_is_listed_by_its_views_a_page_at_a_time_and_leaves_them_when_closed() {
    for b in backends::all().await {
        let s = &b.store;
        let early = advice(1, 21, Urgency::Emergency, NOW);
        let routine = advice(2, 22, Urgency::Routine, NOW + Duration::minutes(1));
        let late = advice(3, 21, Urgency::Emergency, NOW + Duration::minutes(2));
        let mut tx = s.begin().await.unwrap();
        for a in [&early, &routine, &late] {
            assert_eq!(tx.insert_advice(a).await.unwrap(), 1, "{}", b.name);
        }
        let taken = tx.insert_advice(&early).await;
        assert!(
            matches!(
                taken,
                Err(StoreError::Duplicate {
                    constraint: Constraint::Id
                })
            ),
            "{}: {taken:?}",
            b.name
        );
        drop(tx);
        let mut tx = s.begin().await.unwrap();
        for a in [&early, &routine, &late] {
            tx.insert_advice(a).await.unwrap();
        }
        let of_patient: Vec<_> = tx
            .open_advice_of(ResidentId::from_u128(21))
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.value.id())
            .collect();
        assert_eq!(of_patient, [early.id(), late.id()], "{}", b.name);
        tx.commit().await.unwrap();

        // The team's list holds all three, oldest first, a page at a time.
        let first = s
            .list_open_advice(AdviceView::Team(TEAM), 2, None)
            .await
            .unwrap();
        assert_eq!(ids(&first), [early.id(), routine.id()], "{}", b.name);
        let second = s
            .list_open_advice(AdviceView::Team(TEAM), 2, first.next.clone())
            .await
            .unwrap();
        assert_eq!(ids(&second), [late.id()], "{}", b.name);
        assert_eq!(second.next, None, "{}", b.name);
        // The desk's holds only the emergencies; another institution's nothing.
        let desk = s
            .list_open_advice(AdviceView::Desk(COMMUNITY), 10, None)
            .await
            .unwrap();
        assert_eq!(ids(&desk), [early.id(), late.id()], "{}", b.name);
        let elsewhere = s
            .list_open_advice(AdviceView::Institution(COUNTY), 10, None)
            .await
            .unwrap();
        assert!(elsewhere.items.is_empty(), "{}", b.name);
        let bad = s
            .list_open_advice(AdviceView::Team(TEAM), 2, Some("not-a-token".into()))
            .await;
        assert!(
            matches!(bad, Err(StoreError::NotFound { .. })),
            "{}",
            b.name
        );

        // Referred and declined advice leave every open list; a stale version conflicts.
        let mut tx = s.begin().await.unwrap();
        let (referred, _) = early
            .clone()
            .referred(ReferralId::from_u128(9), NOW)
            .unwrap();
        assert_eq!(tx.update_advice(&referred, 1).await.unwrap(), 2);
        let stale = tx.update_advice(&referred, 1).await;
        assert!(
            matches!(stale, Err(StoreError::Conflict { .. })),
            "{}",
            b.name
        );
        drop(tx);
        let mut tx = s.begin().await.unwrap();
        tx.update_advice(&referred, 1).await.unwrap();
        let (declined, _) = routine
            .clone()
            .decline(DeclineReason::PatientRefused, NOW)
            .unwrap();
        tx.update_advice(&declined, 1).await.unwrap();
        tx.commit().await.unwrap();
        let team = s
            .list_open_advice(AdviceView::Team(TEAM), 10, None)
            .await
            .unwrap();
        assert_eq!(ids(&team), [late.id()], "{}", b.name);
        let stored = s.get_advice(early.id()).await.unwrap().unwrap();
        assert_eq!((stored.value, stored.version), (referred, 2), "{}", b.name);
    }
}

#[tokio::test]
async fn emergencies_wait_to_escalate_until_escalated_or_closed() {
    for b in backends::all().await {
        let s = &b.store;
        let emergency = advice(1, 21, Urgency::Emergency, NOW);
        let routine = advice(2, 22, Urgency::Routine, NOW);
        let deadline = emergency.escalate_at().unwrap();
        let mut tx = s.begin().await.unwrap();
        tx.insert_advice(&emergency).await.unwrap();
        tx.insert_advice(&routine).await.unwrap();
        tx.commit().await.unwrap();

        let before = deadline - Duration::seconds(1);
        assert!(
            s.advice_past_escalation(before, 10)
                .await
                .unwrap()
                .is_empty(),
            "{}",
            b.name
        );
        // A routine advice never escalates.
        assert_eq!(
            s.advice_past_escalation(deadline + Duration::days(30), 10)
                .await
                .unwrap(),
            [emergency.id()],
            "{}",
            b.name
        );

        let mut tx = s.begin().await.unwrap();
        assert!(
            tx.claim_deadline(
                DeadlineKind::AdviceEscalation,
                emergency.id().as_uuid(),
                deadline
            )
            .await
            .unwrap()
        );
        let (escalated, _) = emergency.clone().escalate(deadline).unwrap();
        tx.update_advice(&escalated, 1).await.unwrap();
        tx.commit().await.unwrap();
        assert!(
            s.advice_past_escalation(deadline, 10)
                .await
                .unwrap()
                .is_empty(),
            "{}",
            b.name
        );
        // Escalated, it stays on the desk's list until a referral or a reason closes it.
        let desk = s
            .list_open_advice(AdviceView::Desk(COMMUNITY), 10, None)
            .await
            .unwrap();
        assert_eq!(ids(&desk), [emergency.id()], "{}", b.name);
        assert!(desk.items[0].value.escalated(), "{}", b.name);
    }
}
