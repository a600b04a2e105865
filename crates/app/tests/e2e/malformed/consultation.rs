//! Each remote-consultation RPC names the field at fault, before anything is looked up or
//! changed.

use time::{Duration, OffsetDateTime};
use yigong_proto::v1 as pb;
use yigong_proto::v1::consultation_service_client::ConsultationServiceClient;

use crate::support::{TestApp, field_of};

const TOWNSHIP: &str = "TOKEN_TOWNSHIP";

pub(super) async fn consultation(s: &TestApp, patient: &str) {
    let mut consult = ConsultationServiceClient::new(s.channel.clone());
    let tomorrow = OffsetDateTime::now_utc() + Duration::days(1);
    let ask = pb::CreateConsultationRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        patient: patient.to_owned(),
        consultant: s.institution("TOKEN_COUNTY"),
        department: "内分泌科".to_owned(),
        question: "血糖控制不佳，是否调整方案？".to_owned(),
        attachments: Vec::new(),
        proposed_time: Some(prost_types::Timestamp {
            seconds: tomorrow.unix_timestamp(),
            nanos: 0,
        }),
    };
    let attach = |a: pb::ConsultationAttachment| pb::CreateConsultationRequest {
        attachments: vec![a],
        ..ask.clone()
    };
    let document = pb::ConsultationAttachment {
        title: "血糖记录".to_owned(),
        url: "https://his.example/glucose.xlsx".to_owned(),
        media_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
        ..Default::default()
    };
    for (field, bad) in [
        (
            "request_id",
            pb::CreateConsultationRequest {
                request_id: String::new(),
                ..ask.clone()
            },
        ),
        (
            "patient",
            pb::CreateConsultationRequest {
                patient: "x".into(),
                ..ask.clone()
            },
        ),
        (
            "consultant",
            pb::CreateConsultationRequest {
                consultant: "hospitals/1".into(),
                ..ask.clone()
            },
        ),
        (
            "question",
            pb::CreateConsultationRequest {
                question: "问".repeat(4001),
                ..ask.clone()
            },
        ),
        (
            "proposed_time",
            pb::CreateConsultationRequest {
                proposed_time: None,
                ..ask.clone()
            },
        ),
        (
            "proposed_time",
            pb::CreateConsultationRequest {
                proposed_time: Some(prost_types::Timestamp {
                    seconds: (tomorrow + Duration::days(400)).unix_timestamp(),
                    nanos: 0,
                }),
                ..ask.clone()
            },
        ),
        (
            "attachments[0].diagnostic_report",
            attach(pb::ConsultationAttachment {
                diagnostic_report: "diagnosis-requests/none".into(),
                ..Default::default()
            }),
        ),
        (
            "attachments[0].media_type",
            attach(pb::ConsultationAttachment {
                media_type: "pdf".into(),
                ..document.clone()
            }),
        ),
        (
            "attachments[0].title",
            attach(pb::ConsultationAttachment {
                title: String::new(),
                ..document.clone()
            }),
        ),
        (
            "attachments",
            pb::CreateConsultationRequest {
                attachments: (0..11)
                    .map(|i| pb::ConsultationAttachment {
                        url: format!("https://his.example/{i}.pdf"),
                        ..document.clone()
                    })
                    .collect(),
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
    let get = consult
        .get_consultation(s.as_(TOWNSHIP, pb::GetConsultationRequest { name: "x".into() }))
        .await
        .unwrap_err();
    assert_eq!(field_of(&get), "name");
    let schedule = consult
        .schedule_consultation(s.as_(
            "TOKEN_COUNTY",
            pb::ScheduleConsultationRequest {
                name: format!("consultations/{}", uuid::Uuid::nil()),
                scheduled_time: None,
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&schedule), "scheduled_time");
    let etag = consult
        .answer_consultation(s.as_(
            "TOKEN_COUNTY",
            pb::AnswerConsultationRequest {
                name: format!("consultations/{}", uuid::Uuid::nil()),
                etag: "v1".into(),
                opinion: "意见".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&etag), "etag");
    for (field, bad) in [
        (
            "view",
            pb::ListConsultationsRequest {
                view: 99,
                ..Default::default()
            },
        ),
        (
            "page_size",
            pb::ListConsultationsRequest {
                page_size: -1,
                ..Default::default()
            },
        ),
        (
            "page_token",
            pb::ListConsultationsRequest {
                page_token: "nope".into(),
                ..Default::default()
            },
        ),
    ] {
        let refused = consult
            .list_consultations(s.as_(TOWNSHIP, bad))
            .await
            .unwrap_err();
        assert_eq!(field_of(&refused), field, "{refused:?}");
    }
}
