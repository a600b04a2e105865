//! Malformed requests are `INVALID_ARGUMENT` naming the field.

use time::OffsetDateTime;
use yigong_proto::google::r#type::Date as PbDate;
use yigong_proto::v1 as pb;
use yigong_proto::v1::follow_up_service_client::FollowUpServiceClient;
use yigong_proto::v1::referral_service_client::ReferralServiceClient;
use yigong_proto::v1::resident_service_client::ResidentServiceClient;
use yigong_proto::v1::screening_service_client::ScreeningServiceClient;

use crate::support::{TestApp, bp_row, day, field_of, htn_visit, slip};

pub async fn malformed(s: &TestApp, patient: &str) {
    let township = "TOKEN_TOWNSHIP";
    let today = OffsetDateTime::now_utc().date();
    let mut residents = ResidentServiceClient::new(s.channel.clone());
    let mut screening = ScreeningServiceClient::new(s.channel.clone());
    let mut follow_up = FollowUpServiceClient::new(s.channel.clone());
    let mut referrals = ReferralServiceClient::new(s.channel.clone());

    let bad_number = residents
        .create_resident(s.as_(
            township,
            pb::CreateResidentRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                document: Some(pb::create_resident_request::Document::CitizenId(
                    "11010119610512123X".into(),
                )),
                resident_since: day(today),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad_number), "citizen_id");

    let bad_patient = referrals
        .create_referral(s.as_(
            township,
            pb::CreateReferralRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                patient: "residents/not-a-uuid".into(),
                to_institution: s.institution("TOKEN_COUNTY"),
                direction: pb::Direction::Upward as i32,
                urgency: pb::Urgency::Routine as i32,
                reasons: vec!["htn.target_not_reached".into()],
                slip: slip("头晕、血压控制不佳两月"),
                results: vec![],
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad_patient), "patient");

    let bad_reading = screening
        .record_screening_result(s.as_(
            township,
            pb::RecordScreeningResultRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                row: Some(bp_row(patient, today, 400, 90)),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(
        field_of(&bad_reading),
        "row.reading.blood_pressure.systolic"
    );

    let bad_date = follow_up
        .list_overdue_worklist(s.as_(
            township,
            pb::ListOverdueWorklistRequest {
                date: Some(PbDate {
                    year: 2026,
                    month: 2,
                    day: 30,
                }),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad_date), "date");

    let bad_sign = follow_up
        .record_follow_up_visit(s.as_(
            township,
            pb::RecordFollowUpVisitRequest {
                plan: "plans/00000000-0000-0000-0000-000000000001".into(),
                visit: Some(htn_visit(today, 130, 80, &["headache", "palpitations"])),
                etag: String::new(),
                emergency_referral: None,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad_sign), "visit.hypertension.danger_signs[0]");
}
