//! Malformed requests are `INVALID_ARGUMENT` naming the field.

use time::OffsetDateTime;
use yigong_proto::google::r#type::Date as PbDate;
use yigong_proto::v1 as pb;
use yigong_proto::v1::diagnosis_service_client::DiagnosisServiceClient;
use yigong_proto::v1::follow_up_service_client::FollowUpServiceClient;
use yigong_proto::v1::referral_service_client::ReferralServiceClient;
use yigong_proto::v1::resident_service_client::ResidentServiceClient;
use yigong_proto::v1::screening_service_client::ScreeningServiceClient;

use yigong_service::Role;

use crate::support::{TestApp, bp_row, day, field_of, htn_visit, slip, token_as, with_token};

mod consultation;

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
    diagnosis(s, patient).await;
    consultation::consultation(s, patient).await;
}

/// Each remote-diagnosis RPC names the field at fault, before anything is looked up or changed.
async fn diagnosis(s: &TestApp, patient: &str) {
    let township = "TOKEN_TOWNSHIP";
    let mut dx = DiagnosisServiceClient::new(s.channel.clone());
    let centre = dx
        .list_diagnosis_centres(s.as_(township, pb::ListDiagnosisCentresRequest {}))
        .await
        .unwrap()
        .into_inner()
        .centres
        .into_iter()
        .find(|c| c.readers.iter().any(|r| r.user == "ecg-li"))
        .expect("the ECG centre the walk opened")
        .name;
    let ask = pb::CreateDiagnosisRequestRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        patient: patient.to_owned(),
        centre: centre.clone(),
        modality: "ecg".to_owned(),
        exam_item: "十二导联心电图".to_owned(),
        clinical_info: "心悸一周".to_owned(),
        priority: "routine".to_owned(),
    };
    let creates = [
        (
            "patient",
            pb::CreateDiagnosisRequestRequest {
                patient: "residents/1".into(),
                ..ask.clone()
            },
        ),
        (
            "centre",
            pb::CreateDiagnosisRequestRequest {
                centre: "centres/x".into(),
                ..ask.clone()
            },
        ),
        (
            "modality",
            pb::CreateDiagnosisRequestRequest {
                modality: "xray".into(),
                ..ask.clone()
            },
        ),
        (
            "priority",
            pb::CreateDiagnosisRequestRequest {
                priority: "soon".into(),
                ..ask.clone()
            },
        ),
        (
            "request_id",
            pb::CreateDiagnosisRequestRequest {
                request_id: String::new(),
                ..ask.clone()
            },
        ),
        (
            "exam_item",
            pb::CreateDiagnosisRequestRequest {
                exam_item: " ".into(),
                ..ask.clone()
            },
        ),
        (
            "clinical_info",
            pb::CreateDiagnosisRequestRequest {
                clinical_info: "痛".repeat(2001),
                ..ask.clone()
            },
        ),
    ];
    for (field, request) in creates {
        let refused = dx
            .create_diagnosis_request(s.as_(township, request))
            .await
            .unwrap_err();
        assert_eq!(field_of(&refused), field, "{refused:?}");
    }
    let created = dx
        .create_diagnosis_request(s.as_(township, ask))
        .await
        .unwrap()
        .into_inner();
    let name = created.name;

    let bad_name = dx
        .acquire_study(s.as_(
            township,
            pb::AcquireStudyRequest {
                name: "diagnosis-requests/not-a-uuid".into(),
                ecg_file_id: "ECG-9".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad_name), "name");
    let bad_etag = dx
        .acquire_study(s.as_(
            township,
            pb::AcquireStudyRequest {
                name: name.clone(),
                ecg_file_id: "ECG-9".into(),
                etag: "7".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad_etag), "etag");
    let no_reason = dx
        .cancel_diagnosis_request(s.as_(
            township,
            pb::CancelDiagnosisRequestRequest {
                name: name.clone(),
                reason: String::new(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&no_reason), "reason");
    let no_report = dx
        .report_diagnosis(s.as_(
            township,
            pb::ReportDiagnosisRequest {
                name: name.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&no_report), "report");
    let bad_grade = dx
        .appoint_reader(s.as_(
            "TOKEN_OPERATOR",
            pb::AppointReaderRequest {
                centre: centre.clone(),
                user: "ecg-sun".into(),
                grade: "intern".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad_grade), "grade");
    let bad_report_name = dx
        .get_diagnostic_report(s.as_(
            township,
            pb::GetDiagnosticReportRequest {
                name: "reports/1".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad_report_name), "name");
    // A reader the walk appointed to the ECG centre.
    let reader = token_as("ecg-li", Role::Clinician, &s.institution("TOKEN_COUNTY"));
    let worklist = pb::ListReaderWorklistRequest {
        centre: centre.clone(),
        ..Default::default()
    };
    for (field, request) in [
        (
            "centre",
            pb::ListReaderWorklistRequest {
                centre: "x".into(),
                ..worklist.clone()
            },
        ),
        (
            "modality",
            pb::ListReaderWorklistRequest {
                modality: "xray".into(),
                ..worklist.clone()
            },
        ),
        (
            "page_size",
            pb::ListReaderWorklistRequest {
                page_size: -1,
                ..worklist.clone()
            },
        ),
        (
            "page_token",
            pb::ListReaderWorklistRequest {
                page_token: "%%".into(),
                ..worklist.clone()
            },
        ),
    ] {
        let refused = dx
            .list_reader_worklist(with_token(&reader, request))
            .await
            .unwrap_err();
        assert_eq!(field_of(&refused), field, "{refused:?}");
    }
    // The streamed and watched worklist name the same fields, before a stream opens.
    for (field, centre, modality) in [("centre", "x", ""), ("modality", centre.as_str(), "xray")] {
        let streamed = dx
            .stream_reader_worklist(with_token(
                &reader,
                pb::StreamReaderWorklistRequest {
                    centre: centre.to_owned(),
                    modality: modality.to_owned(),
                },
            ))
            .await
            .map(|_| ())
            .unwrap_err();
        assert_eq!(field_of(&streamed), field, "{streamed:?}");
        let watched = dx
            .watch_reader_worklist(with_token(
                &reader,
                pb::WatchReaderWorklistRequest {
                    centre: centre.to_owned(),
                    modality: modality.to_owned(),
                },
            ))
            .await
            .map(|_| ())
            .unwrap_err();
        assert_eq!(field_of(&watched), field, "{watched:?}");
    }
    let bad_token = dx
        .list_requested_diagnoses(s.as_(
            township,
            pb::ListRequestedDiagnosesRequest {
                page_size: 10,
                page_token: "not a token".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad_token), "page_token");
    // Nothing above changed the request.
    let unchanged = dx
        .get_diagnosis_request(s.as_(township, pb::GetDiagnosisRequestRequest { name }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(unchanged.status, "requested");
    assert_eq!(unchanged.etag, created.etag);
}
