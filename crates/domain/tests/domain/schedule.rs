//! Specialist sessions (§13): the reserved share, its return to the general pool, bookings
//! that never exceed the slots, releases, rotating experts' sessions and the patients seen.

use proptest::prelude::*;
use time::Duration;
use yigong_domain::ids::{ReferralId, SessionId};
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::SlotKind;
use yigong_domain::schedule::{
    NewSession, ScheduleError, ScheduleEvent, SessionKind, SpecialistSession,
};

use crate::support::*;

fn new_session(capacity: u32, days_ahead: i64) -> NewSession {
    NewSession {
        id: SessionId::from_u128(1),
        institution: COUNTY,
        held_at: COUNTY,
        department: "心血管内科".into(),
        doctor: "李主任".into(),
        kind: SessionKind::Outpatient,
        date: VISIT_DAY + Duration::days(days_ahead),
        capacity,
    }
}

fn published(capacity: u32, days_ahead: i64) -> SpecialistSession {
    SpecialistSession::publish(
        new_session(capacity, days_ahead),
        true,
        VISIT_DAY,
        &RuleProfile::bphs3(),
    )
    .unwrap()
    .0
}

#[test]
fn the_lead_hospital_reserves_its_share_rounded_up_and_others_reserve_nothing() {
    let p = RuleProfile::bphs3();
    assert_eq!(p.referral.reserved_slot_percent, 30);
    assert_eq!(published(10, 20).reserved(), 3);
    assert_eq!(published(11, 20).reserved(), 4);
    assert_eq!(published(1, 20).reserved(), 1);
    let (plain, events) =
        SpecialistSession::publish(new_session(10, 20), false, VISIT_DAY, &p).unwrap();
    assert_eq!(plain.reserved(), 0);
    assert_eq!(
        events,
        [ScheduleEvent::SessionPublished {
            session: plain.id(),
            held_at: COUNTY,
            date: plain.date(),
            capacity: 10,
            reserved: 0,
        }]
    );
    // A county expert's session at a township clinic is the township's: nothing reserved.
    let rotation = NewSession {
        held_at: TOWNSHIP,
        ..new_session(10, 20)
    };
    let (away, _) = SpecialistSession::publish(rotation, true, VISIT_DAY, &p).unwrap();
    assert!(away.is_rotation());
    assert_eq!(away.reserved(), 0);
}

#[test]
fn a_session_is_refused_naming_its_field() {
    let p = RuleProfile::bphs3();
    for (field, cmd) in [
        ("capacity", new_session(0, 20)),
        ("date", new_session(10, -1)),
        (
            "doctor",
            NewSession {
                doctor: " ".into(),
                ..new_session(10, 20)
            },
        ),
        (
            "department",
            NewSession {
                department: String::new(),
                ..new_session(10, 20)
            },
        ),
    ] {
        let err = SpecialistSession::publish(cmd, true, VISIT_DAY, &p).unwrap_err();
        assert!(
            matches!(err, ScheduleError::Invalid { field: f, .. } if f == field),
            "{field}: {err}"
        );
    }
}

#[test]
fn reserved_slots_go_to_the_community_until_they_return_to_the_general_pool() {
    let p = RuleProfile::bphs3();
    let session = published(10, 20);
    let referral = ReferralId::from_u128;
    let outsider = session
        .clone()
        .book(referral(1), SlotKind::Reserved, false, VISIT_DAY, &p)
        .unwrap_err();
    assert!(matches!(outsider, ScheduleError::NotReservable(_)));
    let mut s = session;
    for i in 0..3 {
        s = s
            .book(referral(i), SlotKind::Reserved, true, VISIT_DAY, &p)
            .unwrap()
            .0;
    }
    let full = s
        .clone()
        .book(referral(9), SlotKind::Reserved, true, VISIT_DAY, &p)
        .unwrap_err();
    assert_eq!(full, ScheduleError::Full { kind: "reserved" });
    let twice = s
        .clone()
        .book(referral(0), SlotKind::General, true, VISIT_DAY, &p)
        .unwrap_err();
    assert_eq!(twice, ScheduleError::AlreadyBooked(referral(0)));
    // A release frees the slot again, once.
    let (s, events) = s.release(referral(2));
    assert_eq!(events.len(), 1);
    assert_eq!(s.vacancies(VISIT_DAY, &p).reserved, 1);
    assert!(s.clone().release(referral(2)).1.is_empty());
    // Close to the day, the unused reserved slot joins the general pool.
    let late = s.date() - Duration::days(i64::from(p.referral.reserved_return_days_before));
    assert!(!s.reserved_held(late, &p));
    let v = s.vacancies(late, &p);
    assert_eq!((v.reserved, v.general), (0, 7 + 1));
    assert!(matches!(
        s.clone()
            .book(referral(5), SlotKind::Reserved, true, late, &p),
        Err(ScheduleError::NotReservable(_))
    ));
}

#[test]
fn patients_seen_are_recorded_once_the_session_is_held() {
    let s = published(10, 2);
    assert!(s.clone().record_seen(12, VISIT_DAY).is_err());
    let (held, _) = s.clone().record_seen(12, s.date()).unwrap();
    assert_eq!(held.patients_seen(), Some(12));
}

#[test]
fn held_sessions_are_counted_per_expert_department_and_place() {
    let p = RuleProfile::bphs3();
    let held = |id: u128, doctor: &str, at, seen: Option<u32>| {
        let (s, _) = SpecialistSession::publish(
            NewSession {
                id: SessionId::from_u128(id),
                held_at: at,
                doctor: doctor.into(),
                ..new_session(20, 0)
            },
            true,
            VISIT_DAY,
            &p,
        )
        .unwrap();
        match seen {
            Some(n) => s.record_seen(n, VISIT_DAY).unwrap().0,
            None => s,
        }
    };
    let lines = yigong_domain::schedule::expert_activity(&[
        held(1, "李主任", TOWNSHIP, Some(12)),
        held(2, "李主任", TOWNSHIP, Some(8)),
        held(3, "李主任", OTHER_TOWNSHIP, Some(5)),
        held(4, "王主任", TOWNSHIP, Some(0)),
        // Not held yet (nothing recorded): not counted.
        held(5, "王主任", TOWNSHIP, None),
    ]);
    let got: Vec<_> = lines
        .iter()
        .map(|l| (l.doctor.as_str(), l.held_at, l.sessions, l.patients_seen))
        .collect();
    assert_eq!(
        got,
        [
            ("李主任", TOWNSHIP, 2, 20),
            ("李主任", OTHER_TOWNSHIP, 1, 5),
            ("王主任", TOWNSHIP, 1, 0),
        ]
    );
}

proptest! {
    /// Whatever is booked and released, in whatever order: no more reserved bookings than
    /// reserved slots, no more bookings than the capacity, and what is free adds up.
    #[test]
    fn bookings_never_exceed_the_slots(
        capacity in 1u32..40,
        ops in proptest::collection::vec((0u128..60, any::<bool>(), any::<bool>(), 0i64..30), 0..120),
    ) {
        let p = RuleProfile::bphs3();
        let mut s = published(capacity, 30);
        for (id, reserved, release, day) in ops {
            let today = VISIT_DAY + Duration::days(day);
            let referral = ReferralId::from_u128(id);
            s = if release {
                s.release(referral).0
            } else {
                let slot = if reserved { SlotKind::Reserved } else { SlotKind::General };
                match s.clone().book(referral, slot, true, today, &p) {
                    Ok((booked, _)) => booked,
                    Err(_) => s,
                }
            };
            let reserved_booked = u32::try_from(s.bookings().iter().filter(|b| b.reserved).count()).unwrap();
            let booked = u32::try_from(s.bookings().len()).unwrap();
            prop_assert!(reserved_booked <= s.reserved());
            prop_assert!(booked <= s.capacity());
            let v = s.vacancies(today, &p);
            prop_assert_eq!(v.reserved + v.general + booked, s.capacity());
        }
    }
}
