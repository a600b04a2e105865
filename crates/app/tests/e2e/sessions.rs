//! Specialist sessions: the county publishes a session with its reserved share, two
//! referrals race for the last reserved slot and one wins, a closed referral gives its slot
//! back, and a county expert's session at a township records the patients seen.

use time::{Date, Duration, OffsetDateTime, Time};
use tonic::Code;
use yigong_proto::v1 as pb;
use yigong_proto::v1::referral_service_client::ReferralServiceClient;
use yigong_proto::v1::resident_service_client::ResidentServiceClient;
use yigong_proto::v1::schedule_service_client::ScheduleServiceClient;

use crate::support::{TestApp, citizen_id, day, field_of, receiver, slip};

/// A patient of `clinic`'s, referred upward to the county; the referral's name.
async fn referred(s: &TestApp, clinic: &str, born: Date) -> String {
    let resident = ResidentServiceClient::new(s.channel.clone())
        .create_resident(s.as_(
            clinic,
            pb::CreateResidentRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                document: Some(pb::create_resident_request::Document::CitizenId(
                    citizen_id(born),
                )),
                resident_since: day(born + Duration::days(365)),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    ReferralServiceClient::new(s.channel.clone())
        .create_referral(s.as_(
            clinic,
            pb::CreateReferralRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                patient: resident.name,
                to_institution: s.institution("TOKEN_COUNTY"),
                direction: pb::Direction::Upward as i32,
                urgency: pb::Urgency::Routine as i32,
                reasons: vec!["generic.tests_needed".into()],
                slip: slip("活动后胸闷三月"),
                results: vec![],
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .name
}

/// The slots booked in a session, and the reserved ones among them, as the county reads them.
async fn booked_of(s: &TestApp, session: &str) -> (u32, u32) {
    let read = ScheduleServiceClient::new(s.channel.clone())
        .get_session(s.as_(
            "TOKEN_COUNTY",
            pb::GetSessionRequest {
                name: session.to_owned(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    (read.booked, read.booked_reserved)
}

pub async fn sessions(s: &TestApp) {
    let today = OffsetDateTime::now_utc().date();
    let mut schedule = ScheduleServiceClient::new(s.channel.clone());
    let county = s.institution("TOKEN_COUNTY");
    let session =
        |held_at: &str, kind: pb::SessionKind, on: Date, capacity| pb::CreateSessionRequest {
            institution: county.clone(),
            held_at: held_at.to_owned(),
            department: "心血管内科".into(),
            doctor: "李主任".into(),
            kind: kind as i32,
            date: day(on),
            capacity,
        };
    // Only an operator of the county publishes its sessions.
    let clinician = schedule
        .create_session(s.as_(
            "TOKEN_COUNTY",
            session(
                "",
                pb::SessionKind::Outpatient,
                today + Duration::days(20),
                3,
            ),
        ))
        .await
        .unwrap_err();
    assert_eq!(clinician.code(), Code::PermissionDenied, "{clinician:?}");
    let zero = schedule
        .create_session(s.as_(
            "TOKEN_OPERATOR",
            session(
                "",
                pb::SessionKind::Outpatient,
                today + Duration::days(20),
                0,
            ),
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&zero), "capacity");
    let clinic = schedule
        .create_session(s.as_(
            "TOKEN_OPERATOR",
            session(
                "",
                pb::SessionKind::Outpatient,
                today + Duration::days(20),
                3,
            ),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((clinic.reserved, clinic.rotation), (1, false));

    // The township refers two patients; both referrals see the reserved slot.
    let born = |y| Date::from_calendar_date(y, time::Month::April, 2).unwrap();
    let a = referred(s, "TOKEN_TOWNSHIP", born(1957)).await;
    let b = referred(s, "TOKEN_TOWNSHIP", born(1959)).await;
    for referral in [&a, &b] {
        let open = schedule
            .list_available_slots(s.as_(
                "TOKEN_COUNTY",
                pb::ListAvailableSlotsRequest {
                    referral: referral.clone(),
                    to_date: day(today + Duration::days(30)),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        let mine = open
            .slots
            .iter()
            .find(|o| o.session.as_ref().is_some_and(|x| x.name == clinic.name))
            .expect("the session is open to the referral");
        assert_eq!((mine.reserved, mine.general), (1, 2));
    }

    // Both are accepted on the last reserved slot at once: one lands.
    let at = (today + Duration::days(20))
        .with_time(Time::from_hms(9, 0, 0).unwrap())
        .assume_utc();
    let accept = |name: &str, slot: pb::SlotKind, session: &str| pb::AcceptReferralRequest {
        name: name.to_owned(),
        appointment: Some(pb::Appointment {
            time: Some(prost_types::Timestamp {
                seconds: at.unix_timestamp(),
                nanos: 0,
            }),
            slot: slot as i32,
        }),
        etag: String::new(),
        receiver: receiver(),
        session: session.to_owned(),
    };
    let unnamed = ReferralServiceClient::new(s.channel.clone())
        .accept_referral(s.as_("TOKEN_COUNTY", accept(&a, pb::SlotKind::Reserved, "")))
        .await
        .unwrap_err();
    assert_eq!(field_of(&unnamed), "session");
    let (mut first, mut second) = (
        ReferralServiceClient::new(s.channel.clone()),
        ReferralServiceClient::new(s.channel.clone()),
    );
    let (ra, rb) = tokio::join!(
        first.accept_referral(s.as_(
            "TOKEN_COUNTY",
            accept(&a, pb::SlotKind::Reserved, &clinic.name)
        )),
        second.accept_referral(s.as_(
            "TOKEN_COUNTY",
            accept(&b, pb::SlotKind::Reserved, &clinic.name)
        )),
    );
    let (winner, loser) = match (ra, rb) {
        (Ok(w), Err(l)) => (w.into_inner(), (b.clone(), l)),
        (Err(l), Ok(w)) => (w.into_inner(), (a.clone(), l)),
        other => panic!("exactly one acceptance lands: {other:?}"),
    };
    assert!(
        matches!(loser.1.code(), Code::Aborted | Code::FailedPrecondition),
        "{:?}",
        loser.1
    );
    assert_eq!(winner.session, clinic.name);
    // The other patient takes a general slot of the same session.
    ReferralServiceClient::new(s.channel.clone())
        .accept_referral(s.as_(
            "TOKEN_COUNTY",
            accept(&loser.0, pb::SlotKind::General, &clinic.name),
        ))
        .await
        .unwrap();
    let booked = booked_of(s, &clinic.name).await;
    assert_eq!(booked, (2, 1));

    // The winner's patient is admitted elsewhere: the referral closes and the slot is free.
    ReferralServiceClient::new(s.channel.clone())
        .close_referral(s.as_(
            "TOKEN_COUNTY",
            pb::CloseReferralRequest {
                name: winner.name.clone(),
                evidence: pb::ClosingEvidence::AdmittedElsewhere as i32,
                etag: String::new(),
            },
        ))
        .await
        .unwrap();
    let released = booked_of(s, &clinic.name).await;
    assert_eq!(released, (1, 0));

    // A county expert's session at the township today: a rotation, nothing reserved; the
    // patients seen are recorded on it and listed with the township's sessions.
    let township = s.institution("TOKEN_TOWNSHIP");
    let rotation = schedule
        .create_session(s.as_(
            "TOKEN_OPERATOR",
            session(&township, pb::SessionKind::Outpatient, today, 30),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((rotation.reserved, rotation.rotation), (0, true));
    let held = schedule
        .record_patients_seen(s.as_(
            "TOKEN_OPERATOR",
            pb::RecordPatientsSeenRequest {
                name: rotation.name.clone(),
                patients_seen: 26,
                etag: rotation.etag.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(held.patients_seen, Some(26));
    let listed = schedule
        .list_sessions(s.as_(
            "TOKEN_TOWNSHIP",
            pb::ListSessionsRequest {
                held_at: township,
                from_date: day(today),
                to_date: day(today),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(listed.sessions.iter().any(|x| x.name == rotation.name));

    // The county's experts' activity today: the held rotation at the township counts; the
    // clinic in 20 days is not held yet. Only the county's operators read it.
    let activity = |who: &str| {
        let request = s.as_(
            who,
            pb::ListExpertActivityRequest {
                institution: county.clone(),
                from_date: day(today),
                to_date: day(today + Duration::days(30)),
            },
        );
        let mut client = ScheduleServiceClient::new(s.channel.clone());
        async move { client.list_expert_activity(request).await }
    };
    let lines = activity("TOKEN_OPERATOR").await.unwrap().into_inner().lines;
    let here = lines
        .iter()
        .find(|l| l.held_at == s.institution("TOKEN_TOWNSHIP") && l.doctor == "李主任")
        .expect("the rotation is counted");
    assert!(here.sessions >= 1 && here.patients_seen >= 26, "{here:?}");
    assert!(lines.iter().all(|l| l.held_at != county), "{lines:?}");
    let refused = activity("TOKEN_TOWNSHIP").await.unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
}
