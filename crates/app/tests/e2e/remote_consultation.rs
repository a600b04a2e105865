//! Remote consultation over the wire: a township clinician asks the county hospital's
//! cardiology for an opinion on a patient, with the patient's ECG report and a document
//! attached (once per retry; another patient's report, a past time, a bad URL and the township
//! itself as consultant refused, each naming its field or rule; a retry after the proposed time
//! still gets the first); one is cancelled, one declined; once the ECG is read, the
//! consultation shows its report to the specialist, who is no reader of the centre; another
//! township sees nothing; the county's inbox holds it; a county clinician schedules a specialist, another
//! may not answer in their place, the specialist answers in writing; the township reads the
//! answer, can no longer cancel, and its sent list holds it; each step is on the feed.

use time::{Duration, OffsetDateTime};
use tonic::Code;
use yigong_proto::v1 as pb;
use yigong_proto::v1::consultation_service_client::ConsultationServiceClient;
use yigong_proto::v1::diagnosis_service_client::DiagnosisServiceClient;
use yigong_service::Role;

use crate::support::{TestApp, change_of, field_of, resident_born, rule_of, token_as, with_token};

const TOWNSHIP: &str = "TOKEN_TOWNSHIP";

fn at(t: OffsetDateTime) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: t.unix_timestamp(),
        nanos: 0,
    })
}

fn document() -> pb::ConsultationAttachment {
    pb::ConsultationAttachment {
        title: "动态血压监测报告".to_owned(),
        url: "https://pacs.township.example/reports/abpm-20261207.pdf".to_owned(),
        media_type: "application/pdf".to_owned(),
        ..Default::default()
    }
}

pub async fn remote_consultation(s: &TestApp) {
    let mut consult = ConsultationServiceClient::new(s.channel.clone());
    let county = s.institution("TOKEN_COUNTY");
    let specialist = |user: &str| token_as(user, Role::Clinician, &county);

    // The patient, and an ECG of theirs the township asked the county to read.
    let today = OffsetDateTime::now_utc().date();
    let birth = time::Date::from_calendar_date(today.year() - 63, time::Month::April, 18).unwrap();
    let patient = resident_born(s, "赵德明", birth, None).await.name;
    let mut dx = DiagnosisServiceClient::new(s.channel.clone());
    let ecg_centre = dx
        .list_diagnosis_centres(s.as_(TOWNSHIP, pb::ListDiagnosisCentresRequest {}))
        .await
        .unwrap()
        .into_inner()
        .centres
        .into_iter()
        .find(|c| c.institution == county && c.modalities.contains(&"ecg".to_owned()))
        .expect("the county's ECG centre");
    let ecg = dx
        .create_diagnosis_request(s.as_(
            TOWNSHIP,
            pb::CreateDiagnosisRequestRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                patient: patient.clone(),
                centre: ecg_centre.name.clone(),
                modality: "ecg".to_owned(),
                exam_item: "十二导联心电图".to_owned(),
                clinical_info: "活动后胸闷三月".to_owned(),
                priority: "routine".to_owned(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let someone_elses = dx
        .list_requested_diagnoses(s.as_(TOWNSHIP, pb::ListRequestedDiagnosesRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .requests
        .into_iter()
        .find(|r| r.patient != patient)
        .expect("another patient's request")
        .name;

    let proposed = OffsetDateTime::now_utc() + Duration::days(2);
    let ask = pb::CreateConsultationRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        patient: patient.clone(),
        consultant: county.clone(),
        department: "心内科".to_owned(),
        question: "高血压十年，近三月活动后胸闷，动态心电图示ST段压低，是否需上转行冠脉造影？"
            .to_owned(),
        attachments: vec![
            pb::ConsultationAttachment {
                diagnostic_report: ecg.name.clone(),
                ..Default::default()
            },
            document(),
        ],
        proposed_time: at(proposed),
    };
    // Refused before anything is written, each naming what is wrong.
    for (field, bad) in [
        (
            "attachments[0].diagnostic_report",
            pb::CreateConsultationRequest {
                attachments: vec![pb::ConsultationAttachment {
                    diagnostic_report: someone_elses.clone(),
                    ..Default::default()
                }],
                ..ask.clone()
            },
        ),
        (
            "attachments[1].url",
            pb::CreateConsultationRequest {
                attachments: vec![
                    document(),
                    pb::ConsultationAttachment {
                        url: "reports/abpm.pdf".to_owned(),
                        ..document()
                    },
                ],
                ..ask.clone()
            },
        ),
        (
            "attachments[1]",
            pb::CreateConsultationRequest {
                attachments: vec![document(), document()],
                ..ask.clone()
            },
        ),
        (
            "proposed_time",
            pb::CreateConsultationRequest {
                proposed_time: at(OffsetDateTime::now_utc() - Duration::hours(1)),
                ..ask.clone()
            },
        ),
        (
            "department",
            pb::CreateConsultationRequest {
                department: String::new(),
                ..ask.clone()
            },
        ),
    ] {
        let refused = consult
            .create_consultation(s.as_(TOWNSHIP, bad))
            .await
            .unwrap_err();
        assert_eq!(field_of(&refused), field, "{refused:?}");
    }
    let itself = consult
        .create_consultation(s.as_(
            TOWNSHIP,
            pb::CreateConsultationRequest {
                consultant: s.institution(TOWNSHIP),
                ..ask.clone()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(rule_of(&itself), "CONSULT-PARTIES");

    let asked = consult
        .create_consultation(s.as_(TOWNSHIP, ask.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(asked.status, "requested");
    assert_eq!(asked.attachments.len(), 2);
    assert_eq!(asked.attachments[0].diagnostic_report, ecg.name);
    let again = consult
        .create_consultation(s.as_(TOWNSHIP, ask.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.name, asked.name, "a retry asks once");
    let name = asked.name.clone();

    // A retry once the proposed time has passed still gets the first answer, not a refusal.
    let soon = pb::CreateConsultationRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        attachments: vec![document()],
        proposed_time: at(OffsetDateTime::now_utc() + Duration::seconds(2)),
        ..ask.clone()
    };
    let first = consult
        .create_consultation(s.as_(TOWNSHIP, soon.clone()))
        .await
        .unwrap()
        .into_inner();
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let retried = consult
        .create_consultation(s.as_(TOWNSHIP, soon))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(retried.name, first.name);
    // That one the township cancels; the county declines another.
    let cancelled = consult
        .cancel_consultation(s.as_(
            TOWNSHIP,
            pb::CancelConsultationRequest {
                name: first.name.clone(),
                etag: first.etag.clone(),
                reason: "患者已直接转诊".to_owned(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(cancelled.status, "cancelled");
    assert_eq!(cancelled.closing.unwrap().by, "demo-township-doctor");
    let to_decline = consult
        .create_consultation(s.as_(
            TOWNSHIP,
            pb::CreateConsultationRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                attachments: Vec::new(),
                ..ask.clone()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let declined = consult
        .decline_consultation(with_token(
            &specialist("cardio-desk"),
            pb::DeclineConsultationRequest {
                name: to_decline.name.clone(),
                etag: String::new(),
                reason: "建议直接转诊至心内科门诊".to_owned(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(declined.status, "declined");
    let id = declined
        .name
        .trim_start_matches("consultations/")
        .to_owned();
    change_of(s, "consultation.consultation_declined", &id).await;

    // The ECG is read: the consultation shows its report to the specialist asked, who is no
    // reader of the centre.
    let acquired = dx
        .acquire_study(s.as_(
            TOWNSHIP,
            pb::AcquireStudyRequest {
                name: ecg.name.clone(),
                etag: ecg.etag.clone(),
                ecg_file_id: "ECG-CONSULT-1".to_owned(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let ecg_reader = token_as(&ecg_centre.readers[0].user, Role::Clinician, &county);
    let claimed = dx
        .claim_diagnosis_request(with_token(
            &ecg_reader,
            pb::ClaimDiagnosisRequestRequest {
                name: ecg.name.clone(),
                etag: acquired.etag,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    dx.report_diagnosis(with_token(
        &ecg_reader,
        pb::ReportDiagnosisRequest {
            name: ecg.name.clone(),
            etag: claimed.etag,
            report: Some(pb::ReportContent {
                findings: "窦性心律，V4-V6导联ST段水平型压低0.1mV".to_owned(),
                impression: "ST段改变，提示心肌缺血".to_owned(),
                positive: true,
                critical_finding: String::new(),
            }),
        },
    ))
    .await
    .unwrap();
    let unreadable = dx
        .get_diagnostic_report(with_token(
            &specialist("cardio-sun"),
            pb::GetDiagnosticReportRequest {
                name: ecg.name.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(
        unreadable.code(),
        Code::NotFound,
        "not the centre's to show"
    );
    let shown = consult
        .get_consultation(with_token(
            &specialist("cardio-sun"),
            pb::GetConsultationRequest { name: name.clone() },
        ))
        .await
        .unwrap()
        .into_inner();
    let report = shown.attachments[0]
        .report
        .clone()
        .expect("the ECG's report");
    assert_eq!(report.status, "preliminary");
    assert_eq!(report.report.unwrap().impression, "ST段改变，提示心肌缺血");
    assert!(shown.attachments[1].report.is_none(), "a document has none");

    // Another township sees nothing of it; the county's inbox holds it.
    let unseen = consult
        .get_consultation(s.as_(
            "TOKEN_OTHER_TOWNSHIP",
            pb::GetConsultationRequest { name: name.clone() },
        ))
        .await
        .unwrap_err();
    assert_eq!(unseen.code(), Code::NotFound);
    let inbox = consult
        .list_consultations(with_token(
            &specialist("cardio-desk"),
            pb::ListConsultationsRequest {
                open_only: true,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(
        inbox.consultations.iter().any(|c| c.name == name),
        "{inbox:?}"
    );

    // The township cannot answer its own question; the county schedules its specialist.
    let not_theirs = consult
        .answer_consultation(s.as_(
            TOWNSHIP,
            pb::AnswerConsultationRequest {
                name: name.clone(),
                etag: String::new(),
                opinion: "自答".to_owned(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(not_theirs.code(), Code::PermissionDenied);
    let scheduled = consult
        .schedule_consultation(with_token(
            &specialist("cardio-desk"),
            pb::ScheduleConsultationRequest {
                name: name.clone(),
                etag: asked.etag.clone(),
                specialist: "cardio-sun".to_owned(),
                scheduled_time: at(proposed),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(scheduled.status, "scheduled");
    assert_eq!(scheduled.specialist, "cardio-sun");
    let stale = consult
        .answer_consultation(with_token(
            &specialist("cardio-sun"),
            pb::AnswerConsultationRequest {
                name: name.clone(),
                etag: asked.etag.clone(),
                opinion: "建议上转".to_owned(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted, "{stale:?}");
    let in_their_place = consult
        .answer_consultation(with_token(
            &specialist("cardio-desk"),
            pb::AnswerConsultationRequest {
                name: name.clone(),
                etag: scheduled.etag.clone(),
                opinion: "建议上转".to_owned(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(rule_of(&in_their_place), "CONSULT-ANSWER");
    let opinion = "考虑稳定型心绞痛可能，建议上转心内科行冠脉CTA或造影；期间阿司匹林100mg qd，阿托伐他汀20mg qn，避免剧烈活动。";
    let answered = consult
        .answer_consultation(with_token(
            &specialist("cardio-sun"),
            pb::AnswerConsultationRequest {
                name: name.clone(),
                etag: scheduled.etag.clone(),
                opinion: opinion.to_owned(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answered.status, "answered");

    // The township reads the answer; answered, it can no longer be cancelled.
    let read = consult
        .get_consultation(s.as_(TOWNSHIP, pb::GetConsultationRequest { name: name.clone() }))
        .await
        .unwrap()
        .into_inner();
    let answer = read.answer.expect("the written answer");
    assert_eq!(
        (answer.specialist.as_str(), answer.opinion.as_str()),
        ("cardio-sun", opinion)
    );
    let late = consult
        .cancel_consultation(s.as_(
            TOWNSHIP,
            pb::CancelConsultationRequest {
                name: name.clone(),
                etag: String::new(),
                reason: "已转诊".to_owned(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(rule_of(&late), "CONSULT-STATES");
    let sent = consult
        .list_consultations(s.as_(
            TOWNSHIP,
            pb::ListConsultationsRequest {
                view: pb::ConsultationView::Sent as i32,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(sent.consultations.iter().any(|c| c.name == name));
    let still_open = consult
        .list_consultations(with_token(
            &specialist("cardio-desk"),
            pb::ListConsultationsRequest {
                open_only: true,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!still_open.consultations.iter().any(|c| c.name == name));

    let id = name.trim_start_matches("consultations/");
    for kind in [
        "consultation.consultation_requested",
        "consultation.consultation_scheduled",
        "consultation.consultation_answered",
    ] {
        assert_eq!(change_of(s, kind, id).await.aggregate_kind, "consultation");
    }
}
