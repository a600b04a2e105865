//! The demo county's remote diagnosis as its users first see it over the wire: the ECG
//! centre's reader (`TOKEN_READER`) finds their community's three centres and yesterday's
//! unfinished ECGs on the worklist; the township's list holds a month of its requests, with
//! critical values that escalated to the duty desk and the community's desk for want of an
//! acknowledgment, and reports verified past their turnaround target.

use yigong_proto::v1 as pb;
use yigong_proto::v1::diagnosis_service_client::DiagnosisServiceClient;

use crate::support::{TestApp, day, field_of};

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
    figures(s, &ecg.name, &mine).await;
}

/// The ECG centre's figures over the wire: as many requests as the township listed for it (the
/// community's one township), per month summing to the total, ECG only; bad input names its
/// field; the township may not read them.
async fn figures(s: &TestApp, centre: &str, mine: &[pb::DiagnosisRequest]) {
    let mut dx = DiagnosisServiceClient::new(s.channel.clone());
    let today = time::OffsetDateTime::now_utc().date();
    let ask = pb::GetDiagnosisFiguresRequest {
        centre: centre.to_owned(),
        from_date: day(today - time::Duration::days(60)),
        to_date: day(today),
        interval: String::new(),
    };
    let report = dx
        .get_diagnosis_figures(s.as_("TOKEN_READER", ask.clone()))
        .await
        .unwrap()
        .into_inner();
    let total = report.total.unwrap();
    let listed = mine.iter().filter(|r| r.centre == centre).count();
    assert_eq!(total.requests as usize, listed);
    assert_eq!((report.members_served, report.members), (1, 1));
    assert_eq!(total.requesting_institutions, 1);
    assert!(total.critical_values > total.critical_values_acknowledged_in_time);
    assert!(
        total
            .turnaround
            .iter()
            .any(|t| t.priority == "routine" && t.p90_minutes.is_some())
    );
    let per_month: u32 = report
        .by_period
        .iter()
        .map(|p| p.figures.as_ref().unwrap().requests)
        .sum();
    assert_eq!(per_month, total.requests);
    assert!(report.by_modality.iter().all(|m| m.modality == "ecg"));

    for (field, bad) in [
        (
            "centre",
            pb::GetDiagnosisFiguresRequest {
                centre: "centres/1".into(),
                ..ask.clone()
            },
        ),
        (
            "to_date",
            pb::GetDiagnosisFiguresRequest {
                to_date: day(today - time::Duration::days(61)),
                ..ask.clone()
            },
        ),
        (
            "from_date",
            pb::GetDiagnosisFiguresRequest {
                from_date: None,
                ..ask.clone()
            },
        ),
        (
            "interval",
            pb::GetDiagnosisFiguresRequest {
                interval: "week".into(),
                ..ask.clone()
            },
        ),
    ] {
        let refused = dx
            .get_diagnosis_figures(s.as_("TOKEN_READER", bad))
            .await
            .unwrap_err();
        assert_eq!(field_of(&refused), field, "{refused:?}");
    }
    let unseen = dx
        .get_diagnosis_figures(s.as_("TOKEN_TOWNSHIP", ask))
        .await
        .unwrap_err();
    assert_eq!(unseen.code(), tonic::Code::NotFound);
}
