//! A remote-diagnosis report recognised on a referral (DX-RESULT, REF-MUTUAL-RECOGNITION):
//! the township refers the patient whose ECG the county's centre verified and amended, and
//! attaches the report by name: the referral holds it as an `ecg` result taken on the
//! acquisition day, issued by the county hospital, the amended impression as its value and
//! version 2 as its reference, recognised; a malformed, unknown or doubled attachment is
//! INVALID_ARGUMENT naming `diagnostic_report`, and changes nothing.

use tonic::Code;
use yigong_proto::v1 as pb;
use yigong_proto::v1::referral_service_client::ReferralServiceClient;

use crate::support::{TestApp, day, field_of, slip};

const TOWNSHIP: &str = "TOKEN_TOWNSHIP";

pub async fn recognised_report(s: &TestApp, patient: &str, report: &str) {
    let mut referrals = ReferralServiceClient::new(s.channel.clone());
    let referral = referrals
        .create_referral(s.as_(
            TOWNSHIP,
            pb::CreateReferralRequest {
                request_id: format!("{patient}/recognised-report"),
                patient: patient.to_owned(),
                to_institution: s.institution("TOKEN_COUNTY"),
                direction: pb::Direction::Upward as i32,
                urgency: pb::Urgency::Routine as i32,
                reasons: vec!["generic.tests_needed".into()],
                slip: slip("心电图提示急性前壁心肌梗死可能"),
                results: vec![],
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let attach = |diagnostic_report: &str, result: Option<pb::TestResult>| {
        let mut referrals = referrals.clone();
        let request = s.as_(
            TOWNSHIP,
            pb::AttachResultRequest {
                name: referral.name.clone(),
                result,
                etag: String::new(),
                diagnostic_report: diagnostic_report.to_owned(),
            },
        );
        async move { referrals.attach_result(request).await }
    };

    let stated = pb::TestResult {
        test: "ecg".into(),
        taken_date: day(time::OffsetDateTime::now_utc().date()),
        issuing_institution: s.institution(TOWNSHIP),
        value: "ST段抬高".into(),
        report_reference: String::new(),
    };
    let unknown = format!("diagnosis-requests/{}", uuid::Uuid::new_v4());
    for (diagnostic_report, result) in [
        ("diagnosis-requests/x", None),
        (unknown.as_str(), None),
        (report, Some(stated)),
    ] {
        let refused = attach(diagnostic_report, result).await.unwrap_err();
        assert_eq!(field_of(&refused), "diagnostic_report", "{refused:?}");
    }
    let neither = attach("", None).await.unwrap_err();
    assert_eq!(neither.code(), Code::InvalidArgument);
    assert_eq!(field_of(&neither), "result");

    let attached = attach(report, None).await.unwrap().into_inner();
    assert_eq!(
        attached.results.len(),
        1,
        "only the report: the refusals changed nothing"
    );
    let held = &attached.results[0];
    assert_eq!(
        held.recognition,
        pb::Recognition::Recognised as i32,
        "{held:?}"
    );
    let result = held.result.as_ref().unwrap();
    assert_eq!(result.test, "ecg");
    assert_eq!(result.issuing_institution, s.institution("TOKEN_COUNTY"));
    assert_eq!(result.value, "急性前壁心肌梗死可能");
    assert_eq!(result.report_reference, format!("{report}@2"));
    assert_eq!(
        result.taken_date,
        day(time::OffsetDateTime::now_utc().date())
    );
}
