//! No danger sign dropped: an emergency visit that names no receiver lands on the county desk's
//! list and the team's, and the patient's upward referral closes it; a visit classed `refer`
//! stays on the team's list until declined with a reason (an emergency is never "managed
//! locally"); an emergency at screening lands on the desk's list too. Another township sees
//! none of it.

use time::OffsetDateTime;
use tonic::Code;
use yigong_proto::v1 as pb;
use yigong_proto::v1::follow_up_service_client::FollowUpServiceClient;
use yigong_proto::v1::referral_advice_service_client::ReferralAdviceServiceClient;
use yigong_proto::v1::referral_service_client::ReferralServiceClient;
use yigong_proto::v1::screening_service_client::ScreeningServiceClient;

use crate::support::{TestApp, bp_row, field_of, htn_visit, managed_patient, slip};

const TOWNSHIP: &str = "TOKEN_TOWNSHIP";
const COUNTY: &str = "TOKEN_COUNTY";
const DESK: &str = "TOKEN_DESK";
const OTHER: &str = "TOKEN_OTHER_TOWNSHIP";

async fn list(s: &TestApp, who: &str, view: pb::AdviceView) -> Vec<pb::ReferralAdvice> {
    ReferralAdviceServiceClient::new(s.channel.clone())
        .list_referral_advice(s.as_(
            who,
            pb::ListReferralAdviceRequest {
                view: view as i32,
                page_size: 500,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .advice
}

fn listed(list: &[pb::ReferralAdvice], name: &str) -> bool {
    list.iter().any(|a| a.name == name)
}

pub async fn advice(s: &TestApp) {
    let today = OffsetDateTime::now_utc().date();
    let mut advice = ReferralAdviceServiceClient::new(s.channel.clone());
    let mut follow_up = FollowUpServiceClient::new(s.channel.clone());

    // An emergency visit naming no receiver leaves an emergency advice.
    let (patient, plan) = managed_patient(s, "钱秀英", 1950).await;
    let danger = follow_up
        .record_follow_up_visit(s.as_(
            TOWNSHIP,
            pb::RecordFollowUpVisitRequest {
                plan: plan.name.clone(),
                visit: Some(htn_visit(
                    today,
                    186,
                    114,
                    &["severe_headache_or_dizziness"],
                )),
                etag: plan.etag.clone(),
                emergency_referral: None,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(danger.classification, "emergency");
    assert!(danger.referral.is_empty(), "{danger:?}");
    assert!(danger.advice.starts_with("advice/"), "{danger:?}");

    // On the county desk's list and the team's; an escalation
    // deadline half an hour out (the profile's minutes).
    let desk = list(s, DESK, pb::AdviceView::Desk).await;
    let on_desk = desk.iter().find(|a| a.name == danger.advice).unwrap();
    assert_eq!(on_desk.patient, patient);
    assert_eq!(on_desk.urgency, pb::Urgency::Emergency as i32);
    assert_eq!(on_desk.state, pb::AdviceState::Open as i32);
    assert_eq!(on_desk.reason, danger.referral_reason);
    assert!(!on_desk.escalated);
    let (advised, deadline) = (
        on_desk.advise_time.unwrap().seconds,
        on_desk.escalate_time.unwrap().seconds,
    );
    assert_eq!(deadline - advised, 30 * 60);
    assert!(matches!(
        on_desk.source,
        Some(pb::referral_advice::Source::Visit(ref v)) if *v == danger.visit
    ));
    // The team reads its patient's card; the desk handles referrals, not records.
    let on_team = list(s, TOWNSHIP, pb::AdviceView::Team).await;
    let on_team = on_team.iter().find(|a| a.name == danger.advice).unwrap();
    assert_eq!(
        on_team
            .patient_card
            .as_ref()
            .map(|c| c.display_name.as_str()),
        Some("钱秀英")
    );

    // Another township sees none of it: not found, and its team's list is its own.
    let hidden = advice
        .get_referral_advice(s.as_(
            OTHER,
            pb::GetReferralAdviceRequest {
                name: danger.advice.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound, "{hidden:?}");
    assert!(!listed(
        &list(s, OTHER, pb::AdviceView::Team).await,
        &danger.advice
    ));
    // The desk's list is the desk's.
    let not_desk = advice
        .list_referral_advice(s.as_(
            TOWNSHIP,
            pb::ListReferralAdviceRequest {
                view: pb::AdviceView::Desk as i32,
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(not_desk.code(), Code::PermissionDenied, "{not_desk:?}");

    // A danger sign is never managed locally; an unknown reason names its field.
    let decline = |reason: &str| {
        s.as_(
            TOWNSHIP,
            pb::DeclineReferralAdviceRequest {
                name: danger.advice.clone(),
                reason: reason.to_owned(),
                etag: String::new(),
            },
        )
    };
    let local = advice
        .decline_referral_advice(decline("managed_locally"))
        .await
        .unwrap_err();
    assert_eq!(local.code(), Code::FailedPrecondition, "{local:?}");
    let unknown = advice
        .decline_referral_advice(decline("busy"))
        .await
        .unwrap_err();
    assert_eq!(field_of(&unknown), "reason", "{unknown:?}");

    // The patient's upward referral closes the advice, naming the referral.
    let referral = ReferralServiceClient::new(s.channel.clone())
        .create_referral(s.as_(
            TOWNSHIP,
            pb::CreateReferralRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                patient: patient.clone(),
                to_institution: s.institution(COUNTY),
                direction: pb::Direction::Upward as i32,
                urgency: pb::Urgency::Emergency as i32,
                reasons: vec![danger.referral_reason.clone()],
                slip: slip("随访时血压 186/114 mmHg，剧烈头痛"),
                results: vec![],
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let closed = advice
        .get_referral_advice(s.as_(
            DESK,
            pb::GetReferralAdviceRequest {
                name: danger.advice.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(closed.state, pb::AdviceState::Referred as i32);
    assert_eq!(closed.referral, referral.name);
    assert!(closed.close_time.is_some());
    assert!(!listed(
        &list(s, DESK, pb::AdviceView::Desk).await,
        &danger.advice
    ));

    // A `refer` class (a new complication) stays on the team's list, not the desk's, until
    // declined with a reason; then it leaves the list and a second decline is refused.
    let (_, plan) = managed_patient(s, "孙建国", 1956).await;
    let mut visit = htn_visit(today, 150, 95, &[]);
    if let Some(pb::follow_up_visit::Kind::Hypertension(h)) = visit.kind.as_mut() {
        h.complication = "new_or_worse".to_owned();
    }
    let refer = follow_up
        .record_follow_up_visit(s.as_(
            TOWNSHIP,
            pb::RecordFollowUpVisitRequest {
                plan: plan.name.clone(),
                visit: Some(visit),
                etag: plan.etag.clone(),
                emergency_referral: None,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(refer.classification, "refer");
    assert!(listed(
        &list(s, TOWNSHIP, pb::AdviceView::Team).await,
        &refer.advice
    ));
    assert!(!listed(
        &list(s, DESK, pb::AdviceView::Desk).await,
        &refer.advice
    ));
    let routine = advice
        .get_referral_advice(s.as_(
            TOWNSHIP,
            pb::GetReferralAdviceRequest {
                name: refer.advice.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(routine.urgency, pb::Urgency::Routine as i32);
    assert!(routine.escalate_time.is_none());
    let stale = advice
        .decline_referral_advice(s.as_(
            TOWNSHIP,
            pb::DeclineReferralAdviceRequest {
                name: refer.advice.clone(),
                reason: "patient_refused".to_owned(),
                etag: "\"99\"".to_owned(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted, "{stale:?}");
    let declined = advice
        .decline_referral_advice(s.as_(
            TOWNSHIP,
            pb::DeclineReferralAdviceRequest {
                name: refer.advice.clone(),
                reason: "patient_refused".to_owned(),
                etag: routine.etag.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(declined.state, pb::AdviceState::Declined as i32);
    assert_eq!(declined.decline_reason, "patient_refused");
    assert!(!listed(
        &list(s, TOWNSHIP, pb::AdviceView::Team).await,
        &refer.advice
    ));
    let again = advice
        .decline_referral_advice(s.as_(
            TOWNSHIP,
            pb::DeclineReferralAdviceRequest {
                name: refer.advice.clone(),
                reason: "seen_elsewhere".to_owned(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition, "{again:?}");

    // An emergency at screening lands on the desk's list, from the screening.
    let (screened, _) = managed_patient(s, "周玉梅", 1948).await;
    let result = ScreeningServiceClient::new(s.channel.clone())
        .record_screening_result(s.as_(
            TOWNSHIP,
            pb::RecordScreeningResultRequest {
                request_id: format!("{screened}/screening/emergency"),
                row: Some(bp_row(&screened, today, 192, 118)),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(result.outcome, "emergency");
    let from_screening = list(s, DESK, pb::AdviceView::Desk)
        .await
        .into_iter()
        .find(|a| a.patient == screened)
        .unwrap();
    assert!(matches!(
        from_screening.source,
        Some(pb::referral_advice::Source::Screening(ref n)) if *n == result.name
    ));
    assert_eq!(from_screening.reason, "followup.danger_sign");
    assert_eq!(from_screening.team, "");
}
