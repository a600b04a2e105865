//! One patient's story: health, no call without a token, registration, three elevated
//! screenings to a preliminary diagnosis, enrolment, a controlled visit (a stale etag refused), a
//! danger sign, an emergency referral (retried idempotently), another township refused, two
//! concurrent accepts (one wins), arrival, completion, a downward referral completed at the
//! township, the follow-up overdue only after its date plus the grace days, and the township's
//! indicators.

use time::{Date, Duration, OffsetDateTime};
use tonic::{Code, Status};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_types::StatusExt;
use yigong_proto::v1 as pb;
use yigong_proto::v1::follow_up_service_client::FollowUpServiceClient;
use yigong_proto::v1::indicator_service_client::IndicatorServiceClient;
use yigong_proto::v1::referral_service_client::ReferralServiceClient;
use yigong_proto::v1::resident_service_client::ResidentServiceClient;
use yigong_proto::v1::screening_service_client::ScreeningServiceClient;

use crate::support::{
    TestApp, appointment, bp_row, citizen_id, date_of, day, diagnosis, field_of, htn_visit,
    receiver, slip,
};

/// Accept, arrive and complete as the receiver.
async fn receive(s: &TestApp, who: &str, name: &str) {
    let mut referrals = ReferralServiceClient::new(s.channel.clone());
    referrals
        .accept_referral(s.as_(
            who,
            pb::AcceptReferralRequest {
                name: name.to_owned(),
                appointment: appointment(),
                receiver: receiver(),
                etag: String::new(),
                session: String::new(),
            },
        ))
        .await
        .unwrap();
    referrals
        .arrive_referral(s.as_(
            who,
            pb::ArriveReferralRequest {
                name: name.to_owned(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap();
    let done = referrals
        .complete_referral(s.as_(
            who,
            pb::CompleteReferralRequest {
                name: name.to_owned(),
                discharge_diagnosis: diagnosis("I10", "高血压 2 级"),
                summary: "Stabilised; medication adjusted.".into(),
                rehabilitation_guidance: "Home BP twice daily; low-salt diet.".into(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.state, pb::State::Completed as i32);
}

pub async fn story(s: &TestApp) -> (String, String) {
    let today = OffsetDateTime::now_utc().date();
    let township = "TOKEN_TOWNSHIP";
    let county = "TOKEN_COUNTY";
    let mut residents = ResidentServiceClient::new(s.channel.clone());
    let mut screening = ScreeningServiceClient::new(s.channel.clone());
    let mut follow_up = FollowUpServiceClient::new(s.channel.clone());
    let mut referrals = ReferralServiceClient::new(s.channel.clone());

    // Health, and no call without a token.
    let health = HealthClient::new(s.channel.clone())
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap();
    assert_eq!(health.into_inner().status, ServingStatus::Serving as i32);
    let anonymous = residents
        .get_resident(pb::GetResidentRequest {
            name: "residents/00000000-0000-0000-0000-000000000001".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(anonymous.code(), Code::Unauthenticated);

    // A resident registered at the township; the number never comes back in full.
    let document = citizen_id(Date::from_calendar_date(1961, time::Month::May, 12).unwrap());
    let resident = residents
        .create_resident(s.as_(
            township,
            pb::CreateResidentRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                document: Some(pb::create_resident_request::Document::CitizenId(
                    document.clone(),
                )),
                resident_since: day(today - Duration::days(3650)),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!resident.masked_document.contains(&document[6..14]));
    let patient = resident.name.clone();

    // Screening: elevated on three days → recheck, recheck, preliminary diagnosis.
    let mut outcomes = Vec::new();
    for (n, ago) in [20, 15, 10].into_iter().enumerate() {
        let result = screening
            .record_screening_result(s.as_(
                township,
                pb::RecordScreeningResultRequest {
                    request_id: format!("{patient}/screening/{n}"),
                    row: Some(bp_row(&patient, today - Duration::days(ago), 152, 96)),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        outcomes.push(result.outcome);
    }
    assert_eq!(
        outcomes,
        [
            "recheck_required",
            "recheck_required",
            "preliminary_diagnosis"
        ]
    );

    // Enrolment after confirmation at the county hospital, then a controlled visit.
    let enrolment = |days_ago: i64| {
        s.as_(
            township,
            pb::EnrolPatientRequest {
                patient: patient.clone(),
                condition: pb::Condition::Hypertension as i32,
                confirmed_by: s.institution(county),
                confirm_date: day(today - Duration::days(8)),
                enrol_date: day(today - Duration::days(days_ago)),
                ..Default::default()
            },
        )
    };
    let enrolled = follow_up
        .enrol_patient(enrolment(7))
        .await
        .unwrap()
        .into_inner();
    let first = enrolled.plan.unwrap();
    // Enrolling again for the condition is ALREADY_EXISTS, naming the open enrolment.
    let twice = follow_up.enrol_patient(enrolment(5)).await.unwrap_err();
    assert_eq!(twice.code(), Code::AlreadyExists, "{twice:?}");
    assert_eq!(
        twice.get_details_resource_info().map(|r| r.resource_name),
        Some(enrolled.enrolment.clone())
    );
    let controlled = follow_up
        .record_follow_up_visit(s.as_(
            township,
            pb::RecordFollowUpVisitRequest {
                plan: first.name.clone(),
                visit: Some(htn_visit(today - Duration::days(6), 128, 80, &[])),
                etag: first.etag.clone(),
                emergency_referral: None,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(controlled.classification, "controlled");
    // The same plan again: it is done now, so the stale etag is refused.
    let again = follow_up
        .record_follow_up_visit(s.as_(
            township,
            pb::RecordFollowUpVisitRequest {
                plan: first.name.clone(),
                visit: Some(htn_visit(today - Duration::days(6), 128, 80, &[])),
                etag: first.etag.clone(),
                emergency_referral: None,
            },
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(again.code(), Code::Aborted | Code::FailedPrecondition),
        "{again:?}"
    );

    // A danger sign at the next visit: emergency referral upward.
    let next = controlled.next.unwrap();
    let danger = follow_up
        .record_follow_up_visit(s.as_(
            township,
            pb::RecordFollowUpVisitRequest {
                plan: next.name.clone(),
                visit: Some(htn_visit(today, 186, 114, &["chest_pain_or_tightness"])),
                etag: next.etag.clone(),
                emergency_referral: None,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(danger.referral_urgency, "emergency", "{danger:?}");
    let up = pb::CreateReferralRequest {
        request_id: format!("{patient}/up"),
        patient: patient.clone(),
        to_institution: s.institution(county),
        direction: pb::Direction::Upward as i32,
        urgency: pb::Urgency::Emergency as i32,
        reasons: vec![danger.referral_reason.clone()],
        slip: slip("随访时血压 186/114 mmHg，伴胸闷胸痛"),
        // Today's blood routine is recognised at the county; last quarter's ECG is repeated.
        results: vec![
            pb::TestResult {
                test: "blood_routine".into(),
                taken_date: day(today),
                issuing_institution: s.institution(township),
                value: "WBC 6.2×10⁹/L".into(),
                report_reference: String::new(),
            },
            pb::TestResult {
                test: "ecg".into(),
                taken_date: day(today - Duration::days(90)),
                issuing_institution: s.institution(township),
                value: String::new(),
                report_reference: "ECG-0001".into(),
            },
        ],
    };
    let created = referrals
        .create_referral(s.as_(township, up.clone()))
        .await
        .unwrap()
        .into_inner();
    // The township follows the patient up within 14 days: the plan its danger visit left
    // waiting is brought forward to that day and named on the referral.
    let follow_up_plan = danger.next.as_ref().expect("a plan after the visit");
    assert_eq!(
        created.sender_follow_up,
        Some(pb::SenderFollowUp {
            due_date: day(today + Duration::days(14)),
            plans: vec![follow_up_plan.name.clone()],
        })
    );
    // A retry with the same request_id returns the same referral and creates nothing.
    let retried = referrals
        .create_referral(s.as_(township, up))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(retried.name, created.name);
    let inbox = referrals
        .list_referrals(s.as_(
            county,
            pb::ListReferralsRequest {
                states: vec![pb::State::Requested as i32],
                page_size: 500,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        inbox
            .referrals
            .iter()
            .filter(|r| r.patient == patient)
            .count(),
        1
    );

    // The township finds it on its sent list (this patient's, upward, requested today); the
    // county, which did not send it, does not; the community's desk sees it; a clinician
    // asking for the community view is refused.
    let sent = |view: pb::ReferralView| pb::ListReferralsRequest {
        view: view as i32,
        direction: pb::Direction::Upward as i32,
        patient: patient.clone(),
        requested_from: day(OffsetDateTime::now_utc().date()),
        requested_to: day(OffsetDateTime::now_utc().date()),
        ..Default::default()
    };
    for (caller, view, expected) in [
        (township, pb::ReferralView::Sent, 1),
        (county, pb::ReferralView::Sent, 0),
        ("TOKEN_DESK", pb::ReferralView::Community, 1),
    ] {
        let listed = referrals
            .list_referrals(s.as_(caller, sent(view)))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(listed.referrals.len(), expected, "{caller} {view:?}");
    }
    let refused = referrals
        .list_referrals(s.as_(county, sent(pb::ReferralView::Community)))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::PermissionDenied);

    // Another township's clinician cannot read the patient or the referral.
    let other = "TOKEN_OTHER_TOWNSHIP";
    let hidden = residents
        .get_resident(s.as_(
            other,
            pb::GetResidentRequest {
                name: patient.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound);
    let hidden = referrals
        .get_referral(s.as_(
            other,
            pb::GetReferralRequest {
                name: created.name.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound);
    // Nor act on them: referring a patient one cannot see (which would let the receiver read
    // the record) is refused exactly as the read is, and nothing is created.
    let hidden = referrals
        .create_referral(s.as_(
            other,
            pb::CreateReferralRequest {
                request_id: format!("{patient}/not-mine"),
                patient: patient.clone(),
                to_institution: s.institution(county),
                direction: pb::Direction::Upward as i32,
                urgency: pb::Urgency::Routine as i32,
                reasons: vec!["htn.target_not_reached".to_owned()],
                slip: slip("头晕、血压控制不佳两月"),
                results: vec![],
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound, "{hidden:?}");

    // Two concurrent accepts with the same etag: exactly one wins.
    let accept = |etag: String| {
        let mut client = ReferralServiceClient::new(s.channel.clone());
        let request = s.as_(
            county,
            pb::AcceptReferralRequest {
                name: created.name.clone(),
                appointment: appointment(),
                receiver: receiver(),
                etag,
                session: String::new(),
            },
        );
        async move { client.accept_referral(request).await }
    };
    let (a, b) = tokio::join!(accept(created.etag.clone()), accept(created.etag.clone()));
    let losers: Vec<Status> = [a, b].into_iter().filter_map(Result::err).collect();
    assert_eq!(losers.len(), 1, "{losers:?}");
    assert!(
        matches!(losers[0].code(), Code::Aborted | Code::FailedPrecondition),
        "{:?}",
        losers[0]
    );
    referrals
        .arrive_referral(s.as_(
            county,
            pb::ArriveReferralRequest {
                name: created.name.clone(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap();
    referrals
        .complete_referral(s.as_(
            county,
            pb::CompleteReferralRequest {
                name: created.name.clone(),
                discharge_diagnosis: diagnosis("I10", "高血压 2 级"),
                summary: "Hypertensive urgency treated.".into(),
                rehabilitation_guidance: "Continue amlodipine; BP diary.".into(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap();
    // The report comes back: the township reads the county's diagnosis and guidance, and how
    // its results were judged.
    let back = referrals
        .get_referral(s.as_(
            township,
            pb::GetReferralRequest {
                name: created.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let report = back.report.expect("the report, back at the sender");
    assert_eq!(report.discharge_diagnosis, diagnosis("I10", "高血压 2 级"));
    assert_eq!(
        report.rehabilitation_guidance,
        "Continue amlodipine; BP diary."
    );
    let judged: Vec<i32> = back.results.iter().map(|r| r.recognition).collect();
    assert_eq!(
        judged,
        [
            pb::Recognition::Recognised as i32,
            pb::Recognition::Repeat as i32
        ]
    );
    // The township's referral figures today count it: sent up, completed with its report,
    // one result recognised and one repeated; the county received it.
    let figures = |scope: String| pb::GetReferralFiguresRequest {
        scope,
        from_date: day(today),
        to_date: day(today),
    };
    let mine = referrals
        .get_referral_figures(s.as_(township, figures(s.institution(township))))
        .await
        .unwrap()
        .into_inner();
    let sent = mine.sent.unwrap();
    assert!(
        sent.upward >= 1 && sent.completed >= 1 && sent.reported_back >= 1,
        "{sent:?}"
    );
    assert!(
        sent.results_recognised >= 1 && sent.results_repeated >= 1,
        "{sent:?}"
    );
    let received = referrals
        .get_referral_figures(s.as_(county, figures(s.institution(county))))
        .await
        .unwrap()
        .into_inner()
        .received
        .unwrap();
    assert!(
        received.upward >= 1 && received.completed >= 1,
        "{received:?}"
    );
    let bad = referrals
        .get_referral_figures(s.as_(township, figures("teams/1".into())))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad), "scope");

    // Downward referral back to the township, received and completed there.
    let down = referrals
        .create_referral(s.as_(
            county,
            pb::CreateReferralRequest {
                request_id: format!("{patient}/down"),
                patient: patient.clone(),
                to_institution: s.institution(township),
                direction: pb::Direction::Downward as i32,
                urgency: pb::Urgency::Routine as i32,
                reasons: vec!["down.condition_stable".into()],
                slip: slip("头晕、血压控制不佳两月"),
                results: vec![],
            },
        ))
        .await
        .unwrap()
        .into_inner();
    receive(s, township, &down.name).await;

    // The township's follow-up falls due within 14 days: not overdue today, overdue after.
    let plans_for = |on: Date| {
        let mut client = FollowUpServiceClient::new(s.channel.clone());
        let request = s.as_(township, pb::StreamOverdueWorklistRequest { date: day(on) });
        let patient = patient.clone();
        async move {
            let mut stream = client
                .stream_overdue_worklist(request)
                .await
                .unwrap()
                .into_inner();
            let mut mine = Vec::new();
            while let Some(entry) = stream.message().await.unwrap() {
                if entry.patient == patient && entry.origin == "downward_referral" {
                    mine.push(entry);
                }
            }
            mine
        }
    };
    assert!(plans_for(today).await.is_empty());
    let later = plans_for(today + Duration::days(60)).await;
    assert_eq!(later.len(), 1, "{later:?}");
    let due = date_of(later[0].due_date);
    assert!(due > today && due <= today + Duration::days(14), "{due}");
    let grace = i64::from(
        yigong_domain::profile::RuleProfile::bphs3()
            .follow_up
            .grace_days,
    );
    assert!(plans_for(due + Duration::days(grace)).await.is_empty());
    assert_eq!(plans_for(due + Duration::days(grace + 1)).await.len(), 1);
    // The unary list pages the same worklist.
    let page = follow_up
        .list_overdue_worklist(s.as_(
            township,
            pb::ListOverdueWorklistRequest {
                date: day(today + Duration::days(60)),
                page_size: 5,
                page_token: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.entries.len(), 5);
    assert!(!page.next_page_token.is_empty());

    // The township's indicators count the new patient among the managed.
    let report = IndicatorServiceClient::new(s.channel.clone())
        .get_institution_indicators(s.as_(
            township,
            pb::GetInstitutionIndicatorsRequest {
                institution: s.institution(township),
                date: None,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let total = report.total.unwrap();
    assert!(!report.grids.is_empty());
    assert!(total.households > 0 && total.managed > 0, "{total:?}");
    assert!(total.contract_coverage_percent.is_some());
    (patient, enrolled.enrolment)
}
