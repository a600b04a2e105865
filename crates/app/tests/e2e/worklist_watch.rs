//! The readers' worklist streamed and watched: an ultrasound centre's reader streams the same
//! lines the paged list holds, watches a township's request arrive once it is acquired, sees
//! the claim and the report as they happen and the request leave the list once verified; a
//! watch of another modality stays silent; a clinician who is not the centre's reader is
//! refused before the watch opens.

use std::time::Duration;

use time::OffsetDateTime;
use tonic::Code;
use yigong_proto::v1 as pb;
use yigong_proto::v1::diagnosis_service_client::DiagnosisServiceClient;
use yigong_service::Role;

use crate::support::{TestApp, resident_born, token_as, with_token};

const TOWNSHIP: &str = "TOKEN_TOWNSHIP";
/// A request's states on the worklist, in the order the walk passes them, and the verification
/// that takes it off (a request not yet acquired is never the readers').
const ORDER: [&str; 4] = ["acquired", "in_reading", "preliminary", "verified"];

pub async fn worklist_watch(s: &TestApp) {
    let mut dx = DiagnosisServiceClient::new(s.channel.clone());
    let county = s.institution("TOKEN_COUNTY");
    let centre = dx
        .open_diagnosis_centre(s.as_(
            "TOKEN_OPERATOR",
            pb::OpenDiagnosisCentreRequest {
                institution: county.clone(),
                display_name: "县医院超声诊断中心".to_owned(),
                modalities: vec!["ultrasound".to_owned(), "dr".to_owned()],
            },
        ))
        .await
        .unwrap()
        .into_inner();
    for (user, grade) in [("us-chen", "attending"), ("us-he", "chief")] {
        dx.appoint_reader(s.as_(
            "TOKEN_OPERATOR",
            pb::AppointReaderRequest {
                centre: centre.name.clone(),
                user: user.to_owned(),
                grade: grade.to_owned(),
            },
        ))
        .await
        .unwrap();
    }
    let reader = |user: &str| token_as(user, Role::Clinician, &county);
    let watch = async |token: &str, modality: &str| {
        DiagnosisServiceClient::new(s.channel.clone())
            .watch_reader_worklist(with_token(
                token,
                pb::WatchReaderWorklistRequest {
                    centre: centre.name.clone(),
                    modality: modality.to_owned(),
                },
            ))
            .await
    };
    // A clinician who does not read for the centre is refused before the watch opens.
    let refused = watch(&s.tokens[TOWNSHIP], "").await.unwrap_err();
    assert_eq!(refused.code(), Code::NotFound, "{refused:?}");
    let mut watching = watch(&reader("us-chen"), "").await.unwrap().into_inner();
    let mut radiographs = watch(&reader("us-he"), "dr").await.unwrap().into_inner();

    let today = OffsetDateTime::now_utc().date();
    let birth = time::Date::from_calendar_date(today.year() - 47, time::Month::June, 9).unwrap();
    let patient = resident_born(s, "刘秀英", birth, None).await.name;
    let created = dx
        .create_diagnosis_request(s.as_(
            TOWNSHIP,
            pb::CreateDiagnosisRequestRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                patient,
                centre: centre.name.clone(),
                modality: "ultrasound".to_owned(),
                exam_item: "腹部彩超（肝胆胰脾）".to_owned(),
                clinical_info: "右上腹隐痛一周".to_owned(),
                priority: "urgent".to_owned(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let name = created.name.clone();
    let next_of = async |w: &mut tonic::Streaming<pb::DiagnosisRequest>, status: &str| {
        tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                let r = w.message().await.unwrap().expect("the watch stays open");
                if r.name == name && r.status == status {
                    return r;
                }
                // At least once: an earlier state of it may come (again) first, never a later
                // one.
                let rank = |s: &str| ORDER.iter().position(|o| *o == s);
                let earlier = rank(&r.status).is_some_and(|k| Some(k) < rank(status));
                assert!(r.name != name || earlier, "{r:?}");
            }
        })
        .await
        .unwrap_or_else(|_| panic!("the watch delivers {status}"))
    };
    let acquired = dx
        .acquire_study(s.as_(
            TOWNSHIP,
            pb::AcquireStudyRequest {
                name: name.clone(),
                etag: created.etag.clone(),
                study_instance_uid: "1.2.156.112605.14038013507713.20261207.1".to_owned(),
                accession_number: "US20261207001".to_owned(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(next_of(&mut watching, "acquired").await.etag, acquired.etag);

    // The stream holds what the paged list holds, in the same order.
    let streamed: Vec<String> = {
        let mut st = dx
            .stream_reader_worklist(with_token(
                &reader("us-he"),
                pb::StreamReaderWorklistRequest {
                    centre: centre.name.clone(),
                    modality: String::new(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        let mut names = Vec::new();
        while let Some(r) = st.message().await.unwrap() {
            names.push(r.name);
        }
        names
    };
    let listed: Vec<String> = dx
        .list_reader_worklist(with_token(
            &reader("us-he"),
            pb::ListReaderWorklistRequest {
                centre: centre.name.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .requests
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(streamed, listed);
    assert_eq!(streamed, vec![name.clone()]);

    let claimed = dx
        .claim_diagnosis_request(with_token(
            &reader("us-chen"),
            pb::ClaimDiagnosisRequestRequest {
                name: name.clone(),
                etag: acquired.etag.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        next_of(&mut watching, "in_reading").await.etag,
        claimed.etag
    );
    let reported = dx
        .report_diagnosis(with_token(
            &reader("us-chen"),
            pb::ReportDiagnosisRequest {
                name: name.clone(),
                etag: claimed.etag.clone(),
                report: Some(pb::ReportContent {
                    findings: "胆囊壁毛糙，腔内见强回声伴声影，大小约1.2cm".to_owned(),
                    impression: "胆囊结石".to_owned(),
                    positive: true,
                    critical_finding: String::new(),
                }),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    next_of(&mut watching, "preliminary").await;
    dx.verify_diagnostic_report(with_token(
        &reader("us-he"),
        pb::VerifyDiagnosticReportRequest {
            name: name.clone(),
            etag: reported.etag.clone(),
        },
    ))
    .await
    .unwrap();
    // Verified, it leaves the worklist: the watch says so with its new status.
    next_of(&mut watching, "verified").await;
    let left = dx
        .list_reader_worklist(with_token(
            &reader("us-chen"),
            pb::ListReaderWorklistRequest {
                centre: centre.name.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(left.requests.is_empty(), "{left:?}");

    // The radiograph watch saw none of it.
    let quiet = tokio::time::timeout(Duration::from_millis(1500), radiographs.message()).await;
    assert!(quiet.is_err(), "{quiet:?}");
}
