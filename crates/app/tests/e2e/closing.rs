//! Referrals closed on evidence: the receiver's hospital system reports the patient admitted
//! elsewhere, and a recorded death closes what is still open.

use time::{Date, Duration, OffsetDateTime};
use tonic::Code;
use yigong_proto::v1 as pb;
use yigong_proto::v1::referral_service_client::ReferralServiceClient;
use yigong_proto::v1::resident_service_client::ResidentServiceClient;

use crate::support::{TestApp, citizen_id, day, field_of, slip};

pub async fn closing(s: &TestApp) {
    let (township, county) = ("TOKEN_TOWNSHIP", "TOKEN_COUNTY");
    let today = OffsetDateTime::now_utc().date();
    let mut residents = ResidentServiceClient::new(s.channel.clone());
    let resident = residents
        .create_resident(s.as_(
            township,
            pb::CreateResidentRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                document: Some(pb::create_resident_request::Document::CitizenId(
                    citizen_id(Date::from_calendar_date(1949, time::Month::May, 9).unwrap()),
                )),
                resident_since: day(today - Duration::days(9000)),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let mut referrals = ReferralServiceClient::new(s.channel.clone());
    let refer = |n: u8| pb::CreateReferralRequest {
        request_id: format!("{}/closing/{n}", resident.name),
        patient: resident.name.clone(),
        to_institution: s.institution(county),
        direction: pb::Direction::Upward as i32,
        urgency: pb::Urgency::Routine as i32,
        reasons: vec!["generic.tests_needed".into()],
        slip: slip("反复胸闷一月"),
        results: vec![],
    };
    let close = |name: &str, evidence: pb::ClosingEvidence| pb::CloseReferralRequest {
        name: name.to_owned(),
        evidence: evidence as i32,
        etag: String::new(),
    };

    // The county's system reports the patient admitted elsewhere: the referral closes.
    let first = referrals
        .create_referral(s.as_(township, refer(1)))
        .await
        .unwrap()
        .into_inner();
    let unspecified = referrals
        .close_referral(s.as_(county, close(&first.name, pb::ClosingEvidence::Unspecified)))
        .await
        .unwrap_err();
    assert_eq!(field_of(&unspecified), "evidence");
    let other = referrals
        .close_referral(s.as_(
            "TOKEN_OTHER_TOWNSHIP",
            close(&first.name, pb::ClosingEvidence::AdmittedElsewhere),
        ))
        .await
        .unwrap_err();
    assert_eq!(other.code(), Code::NotFound, "{other:?}");
    let closed = referrals
        .close_referral(s.as_(
            county,
            close(&first.name, pb::ClosingEvidence::AdmittedElsewhere),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(closed.state, pb::State::Closed as i32);
    assert_eq!(closed.closing_reason, "admitted_elsewhere");
    let again = referrals
        .close_referral(s.as_(county, close(&first.name, pb::ClosingEvidence::PatientDied)))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition, "{again:?}");

    // A new referral is open again; the township records the death, and it closes with it.
    let second = referrals
        .create_referral(s.as_(township, refer(2)))
        .await
        .unwrap()
        .into_inner();
    residents
        .update_resident(s.as_(
            township,
            pb::UpdateResidentRequest {
                resident: Some(pb::Resident {
                    death_date: day(today),
                    ..resident.clone()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["death_date".to_owned()],
                }),
            },
        ))
        .await
        .unwrap();
    let after = referrals
        .get_referral(s.as_(
            township,
            pb::GetReferralRequest {
                name: second.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.state, pb::State::Closed as i32);
    assert_eq!(after.closing_reason, "patient_died");
}
