//! The demo county's remote diagnosis as its users first see it over the wire: the ECG
//! centre's reader (`TOKEN_READER`) finds their community's three centres and yesterday's
//! unfinished ECGs on the worklist; the township's list holds a month of its requests, with
//! critical values that escalated to the duty desk and the community's desk for want of an
//! acknowledgment, and reports verified past their turnaround target.

use yigong_proto::v1 as pb;
use yigong_proto::v1::diagnosis_service_client::DiagnosisServiceClient;

use crate::support::TestApp;

pub async fn demo_diagnosis(s: &TestApp) {
    let mut dx = DiagnosisServiceClient::new(s.channel.clone());
    let centres = dx
        .list_diagnosis_centres(s.as_("TOKEN_READER", pb::ListDiagnosisCentresRequest {}))
        .await
        .unwrap()
        .into_inner()
        .centres;
    let ecg = centres
        .iter()
        .find(|c| c.readers.iter().any(|r| r.user == "demo-ecg-1-attending"))
        .expect("the reader's ECG centre");
    let worklist = dx
        .list_reader_worklist(s.as_(
            "TOKEN_READER",
            pb::ListReaderWorklistRequest {
                centre: ecg.name.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .requests;
    assert!(!worklist.is_empty(), "yesterday's ECGs wait for a reader");
    assert!(
        worklist.iter().all(|r| r.modality == "ecg"
            && ["acquired", "in_reading", "preliminary"].contains(&r.status.as_str())),
        "{worklist:?}"
    );

    let mut mine = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = dx
            .list_requested_diagnoses(s.as_(
                "TOKEN_TOWNSHIP",
                pb::ListRequestedDiagnosesRequest {
                    page_size: 20,
                    page_token,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        mine.extend(page.requests);
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    let escalated: Vec<Vec<String>> = mine
        .iter()
        .filter_map(|r| r.critical.as_ref())
        .map(|c| c.escalations.iter().map(|e| e.level.clone()).collect())
        .collect();
    assert!(
        escalated.iter().any(|levels| levels == &["duty_desk"]),
        "a critical value escalated once: {escalated:?}"
    );
    assert!(
        escalated
            .iter()
            .any(|levels| levels == &["duty_desk", "community_desk"]),
        "a critical value escalated twice: {escalated:?}"
    );
    assert!(
        mine.iter()
            .any(|r| r.turnaround_breached_time.is_some() && r.status == "acknowledged"),
        "a report read late"
    );
}
