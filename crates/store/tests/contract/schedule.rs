//! Specialist sessions in storage: saved whole, listed by where and when they are held, and
//! of two bookings racing for the last slot exactly one lands.

use time::Duration;
use yigong_domain::ids::{ReferralId, SessionId};
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::SlotKind;
use yigong_domain::schedule::{NewSession, SessionKind, SpecialistSession};
use yigong_ports::{SessionPlace, SessionQueries, StoreError, UnitOfWork};

use crate::backends;
use crate::support::*;

fn session(
    id: u128,
    days_ahead: i64,
    held_at: yigong_domain::ids::InstitutionId,
) -> SpecialistSession {
    SpecialistSession::publish(
        NewSession {
            id: SessionId::from_u128(id),
            institution: COUNTY,
            held_at,
            department: "心血管内科".into(),
            doctor: "李主任".into(),
            kind: SessionKind::Outpatient,
            date: NOW.date() + Duration::days(days_ahead),
            capacity: 3,
        },
        true,
        NOW.date(),
        &RuleProfile::bphs3(),
    )
    .unwrap()
    .0
}

#[tokio::test]
async fn sessions_are_listed_by_place_and_day_across_pages() {
    for b in backends::all().await {
        let sessions: Vec<_> = (0..5u128)
            .map(|i| session(10 + i, 20 - i64::try_from(i).unwrap(), COUNTY))
            .chain([session(99, 18, TOWNSHIP)])
            .collect();
        let mut tx = b.store.begin().await.unwrap();
        for s in &sessions {
            tx.insert_session(s).await.unwrap();
        }
        tx.commit().await.unwrap();
        let stored = b
            .store
            .get_session(sessions[0].id())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.value, sessions[0], "{}", b.name);
        assert_eq!(stored.version, 1);
        // Days 17 to 19 at the county, in day order, two a page.
        let (from, to) = (
            NOW.date() + Duration::days(17),
            NOW.date() + Duration::days(19),
        );
        let mut seen = Vec::new();
        let mut token = None;
        loop {
            let page = b
                .store
                .list_sessions(SessionPlace::HeldAt(COUNTY), from, to, 2, token)
                .await
                .unwrap();
            seen.extend(page.items.iter().map(|v| v.value.id()));
            match page.next {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        let expected: Vec<_> = [13u128, 12, 11].map(SessionId::from_u128).to_vec();
        assert_eq!(seen, expected, "{}", b.name);
        // The county's experts' sessions wherever held: the township's one among them.
        let everywhere = b
            .store
            .list_sessions(
                SessionPlace::Of(COUNTY),
                NOW.date(),
                NOW.date() + Duration::days(30),
                10,
                None,
            )
            .await
            .unwrap();
        let ids: Vec<_> = everywhere
            .items
            .iter()
            .map(|v| v.value.id().as_uuid().as_u128())
            .collect();
        assert_eq!(ids, [14, 13, 12, 99, 11, 10], "{}", b.name);
        assert!(matches!(
            b.store
                .list_sessions(
                    SessionPlace::HeldAt(COUNTY),
                    from,
                    to,
                    2,
                    Some("nope".into())
                )
                .await,
            Err(StoreError::NotFound { .. })
        ));
    }
}

#[tokio::test]
async fn of_two_bookings_racing_for_the_last_slot_one_lands() {
    for b in backends::all().await {
        let p = RuleProfile::bphs3();
        let s = session(1, 20, COUNTY);
        assert_eq!(s.reserved(), 1);
        let mut tx = b.store.begin().await.unwrap();
        tx.insert_session(&s).await.unwrap();
        tx.commit().await.unwrap();
        let mut first = b.store.begin().await.unwrap();
        let loaded = first.load_session(s.id()).await.unwrap().unwrap();
        let (mine, _) = loaded
            .value
            .clone()
            .book(
                ReferralId::from_u128(7),
                SlotKind::Reserved,
                true,
                NOW.date(),
                &p,
            )
            .unwrap();
        let (theirs, _) = loaded
            .value
            .book(
                ReferralId::from_u128(8),
                SlotKind::Reserved,
                true,
                NOW.date(),
                &p,
            )
            .unwrap();
        first.update_session(&mine, loaded.version).await.unwrap();
        first.commit().await.unwrap();
        let mut second = b.store.begin().await.unwrap();
        let lost = second.update_session(&theirs, loaded.version).await;
        assert!(
            matches!(lost, Err(StoreError::Conflict { .. })),
            "{lost:?} on {}",
            b.name
        );
        drop(second);
        let stored = b.store.get_session(s.id()).await.unwrap().unwrap();
        assert_eq!(stored.version, 2);
        assert_eq!(stored.value.bookings().len(), 1);
        assert_eq!(
            stored.value.bookings()[0].referral,
            ReferralId::from_u128(7)
        );
    }
}
