//! No danger sign waits: a visit classed emergency that names the county sends its emergency
//! referral in the visit's own transaction; a visit of another class naming one is refused and
//! records nothing.

use time::OffsetDateTime;
use yigong_proto::v1 as pb;
use yigong_proto::v1::follow_up_service_client::FollowUpServiceClient;
use yigong_proto::v1::referral_service_client::ReferralServiceClient;

use crate::support::{TestApp, field_of, htn_visit, managed_patient, slip};

pub async fn green_channel(s: &TestApp) {
    let (township, county) = ("TOKEN_TOWNSHIP", "TOKEN_COUNTY");
    let today = OffsetDateTime::now_utc().date();
    let (patient, plan) = managed_patient(s, "赵桂兰", 1952).await;
    let mut follow_up = FollowUpServiceClient::new(s.channel.clone());
    let to_county = || {
        Some(pb::EmergencyReferral {
            to_institution: s.institution(county),
            slip: slip("随访时血压 188/116 mmHg，剧烈头痛"),
        })
    };

    // A malformed emergency referral is refused naming its field.
    for (field, bad) in [
        (
            "emergency_referral.to_institution",
            pb::EmergencyReferral {
                to_institution: "county".into(),
                ..to_county().unwrap()
            },
        ),
        (
            "emergency_referral.slip",
            pb::EmergencyReferral {
                slip: None,
                ..to_county().unwrap()
            },
        ),
        (
            "emergency_referral.slip.chief_complaint",
            pb::EmergencyReferral {
                slip: slip(" "),
                ..to_county().unwrap()
            },
        ),
    ] {
        let refused = follow_up
            .record_follow_up_visit(s.as_(
                township,
                pb::RecordFollowUpVisitRequest {
                    plan: plan.name.clone(),
                    visit: Some(htn_visit(
                        today,
                        188,
                        116,
                        &["severe_headache_or_dizziness"],
                    )),
                    etag: plan.etag.clone(),
                    emergency_referral: Some(bad),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(field_of(&refused), field, "{refused:?}");
    }

    // A controlled visit naming an emergency referral is refused, and nothing is recorded.
    let calm = follow_up
        .record_follow_up_visit(s.as_(
            township,
            pb::RecordFollowUpVisitRequest {
                plan: plan.name.clone(),
                visit: Some(htn_visit(today, 128, 80, &[])),
                etag: plan.etag.clone(),
                emergency_referral: to_county(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&calm), "emergency_referral", "{calm:?}");

    // The danger sign: the visit and its emergency referral land together (same etag: the
    // refused call changed nothing).
    let danger = follow_up
        .record_follow_up_visit(s.as_(
            township,
            pb::RecordFollowUpVisitRequest {
                plan: plan.name.clone(),
                visit: Some(htn_visit(
                    today,
                    188,
                    116,
                    &["severe_headache_or_dizziness"],
                )),
                etag: plan.etag.clone(),
                emergency_referral: to_county(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(danger.classification, "emergency");
    assert!(!danger.referral.is_empty(), "{danger:?}");
    let referral = ReferralServiceClient::new(s.channel.clone())
        .get_referral(s.as_(
            county,
            pb::GetReferralRequest {
                name: danger.referral.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(referral.patient, patient);
    assert_eq!(referral.urgency, pb::Urgency::Emergency as i32);
    assert_eq!(referral.direction, pb::Direction::Upward as i32);
    assert_eq!(referral.state, pb::State::Requested as i32);
    assert_eq!(referral.reasons, vec![danger.referral_reason]);
    assert_eq!(
        referral
            .slip
            .and_then(|s| s.preliminary_diagnosis)
            .map(|d| d.code),
        Some("I10.x00".to_owned())
    );
    // The township's follow-up of its upward referral is the plan the visit left waiting.
    let next = danger.next.unwrap();
    assert_eq!(
        referral.sender_follow_up.map(|f| f.plans),
        Some(vec![next.name])
    );
}
