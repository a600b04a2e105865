//! Two-cancer screening over the wire: a normal exam opens nothing; an abnormal breast exam
//! opens a case, once per retry and once per woman while it is open; the case goes along its
//! pathway only in order, on or after its last step and with a fresh etag, through the county
//! hospital's biopsy to a closing result; the open cases are the township's worklist, with the
//! woman's card, paged, and no other township's; an exam of a man or with a later step is
//! refused naming the field, one of a woman of 70 is kept as opportunistic; each change is on
//! the feed.

use time::{Duration, OffsetDateTime};
use tonic::Code;
use tonic_types::StatusExt;
use yigong_proto::v1 as pb;
use yigong_proto::v1::two_cancer_service_client::TwoCancerServiceClient;

use crate::support::{TestApp, change_of, day, field_of, resident_of_sex};

const TOWNSHIP: &str = "TOKEN_TOWNSHIP";

fn exam(
    resident: &str,
    step: &str,
    abnormal: bool,
    on: time::Date,
) -> pb::RecordTwoCancerExamRequest {
    pb::RecordTwoCancerExamRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        resident: resident.to_owned(),
        step: step.to_owned(),
        abnormal,
        exam_date: day(on),
    }
}

fn step(
    case: &pb::CancerCase,
    step: &str,
    abnormal: bool,
    on: time::Date,
) -> pb::RecordCaseStepRequest {
    pb::RecordCaseStepRequest {
        name: case.name.clone(),
        step: step.to_owned(),
        abnormal,
        step_date: day(on),
        etag: case.etag.clone(),
    }
}

/// Every open case the caller's worklist holds, a page of `size` at a time.
async fn worklist(s: &TestApp, who: &str, size: i32) -> Vec<pb::OpenCancerCase> {
    let mut client = TwoCancerServiceClient::new(s.channel.clone());
    let mut all = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_open_cancer_cases(s.as_(
                who,
                pb::ListOpenCancerCasesRequest {
                    page_size: size,
                    page_token: token.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(size == 0 || page.cases.len() <= usize::try_from(size).unwrap());
        all.extend(page.cases);
        if page.next_page_token.is_empty() {
            return all;
        }
        token = page.next_page_token;
    }
}

pub async fn two_cancer(s: &TestApp) {
    let today = OffsetDateTime::now_utc().date();
    let mut cancers = TwoCancerServiceClient::new(s.channel.clone());
    let woman = resident_of_sex(s, "孙秀兰", today.year() - 45, true, None).await;

    // A normal cervical exam is counted and opens nothing.
    let normal = cancers
        .record_two_cancer_exam(s.as_(
            TOWNSHIP,
            exam(
                &woman,
                "gynaecological_exam",
                false,
                today - Duration::days(20),
            ),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(normal.cancer, "cervical");
    assert!(
        !normal.opportunistic && normal.case.is_empty(),
        "{normal:?}"
    );
    assert_eq!(normal.institution, s.institution(TOWNSHIP));
    // Announced though it opens nothing: the grid figures count it (IND-CURRENT).
    let exam_id = normal.name.trim_start_matches("two-cancer-exams/");
    let announced = change_of(s, "cancer_case.exam_recorded", exam_id).await;
    assert_eq!(announced.aggregate_kind, "cancer_case");

    // An abnormal breast exam opens a case; its retry opens nothing more.
    let abnormal = exam(
        &woman,
        "clinical_exam_and_ultrasound",
        true,
        today - Duration::days(10),
    );
    let opened = cancers
        .record_two_cancer_exam(s.as_(TOWNSHIP, abnormal.clone()))
        .await
        .unwrap()
        .into_inner();
    assert!(opened.case.starts_with("cancer-cases/"), "{opened:?}");
    let retried = cancers
        .record_two_cancer_exam(s.as_(TOWNSHIP, abnormal))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(retried, opened);
    // While it is open, another abnormal breast exam belongs on the case.
    let again = cancers
        .record_two_cancer_exam(s.as_(
            TOWNSHIP,
            exam(&woman, "clinical_exam_and_ultrasound", true, today),
        ))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::AlreadyExists, "{again:?}");
    assert_eq!(
        again.get_details_resource_info().unwrap().resource_name,
        opened.case
    );

    let case = cancers
        .get_cancer_case(s.as_(
            TOWNSHIP,
            pb::GetCancerCaseRequest {
                name: opened.case.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(case.open);
    assert_eq!(case.cancer, "breast");
    assert_eq!(case.next_step, "mammography");
    assert_eq!(case.exam, opened.name);
    assert_eq!(case.steps.len(), 1);

    // The pathway in order, on or after its last step, by someone who sees her.
    let on = today - Duration::days(5);
    for (request, code) in [
        (step(&case, "biopsy", true, on), Code::FailedPrecondition),
        (
            step(&case, "colposcopy", true, on),
            Code::FailedPrecondition,
        ),
        (
            step(&case, "mammography", true, today - Duration::days(11)),
            Code::FailedPrecondition,
        ),
    ] {
        let refused = cancers
            .record_case_step(s.as_(TOWNSHIP, request.clone()))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), code, "{request:?}: {refused:?}");
        assert!(refused.message().contains("SCR-2C-CASE"), "{refused:?}");
    }
    let future = cancers
        .record_case_step(s.as_(
            TOWNSHIP,
            step(&case, "mammography", true, today + Duration::days(1)),
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&future), "step_date");
    let unknown = cancers
        .record_case_step(s.as_(TOWNSHIP, step(&case, "x-ray", true, on)))
        .await
        .unwrap_err();
    assert_eq!(field_of(&unknown), "step");
    let foreign = cancers
        .record_case_step(s.as_("TOKEN_OTHER_TOWNSHIP", step(&case, "mammography", true, on)))
        .await
        .unwrap_err();
    assert_eq!(foreign.code(), Code::NotFound, "{foreign:?}");
    let her_id = woman.trim_start_matches("residents/");
    assert!(!foreign.message().contains(her_id), "{foreign:?}");
    let mammography = cancers
        .record_case_step(s.as_(TOWNSHIP, step(&case, "mammography", true, on)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(mammography.next_step, "biopsy");
    assert_ne!(mammography.etag, case.etag);
    let stale = cancers
        .record_case_step(s.as_(TOWNSHIP, step(&case, "biopsy", true, on)))
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted, "{stale:?}");

    // The township follows it on its worklist, with her card; no other township sees it.
    let lines = worklist(s, TOWNSHIP, 1).await;
    let line = lines
        .iter()
        .find(|l| l.case.as_ref().is_some_and(|c| c.name == case.name))
        .expect("the open case is on the township's worklist");
    assert_eq!(line.patient_card.as_ref().unwrap().display_name, "孙秀兰");
    let paged: std::collections::HashSet<_> = lines
        .iter()
        .map(|l| l.case.as_ref().unwrap().name.clone())
        .collect();
    assert_eq!(paged.len(), lines.len(), "no case twice across pages");
    assert_eq!(worklist(s, TOWNSHIP, 0).await.len(), lines.len());
    assert!(
        !worklist(s, "TOKEN_OTHER_TOWNSHIP", 0)
            .await
            .iter()
            .any(|l| l.case.as_ref().unwrap().name == case.name)
    );
    let unseen = cancers
        .get_cancer_case(s.as_(
            "TOKEN_OTHER_TOWNSHIP",
            pb::GetCancerCaseRequest {
                name: case.name.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(unseen.code(), Code::NotFound);
    assert!(!unseen.message().contains(her_id), "{unseen:?}");

    // The county hospital takes the biopsy; the township closes the case with its result.
    let biopsy = cancers
        .record_case_step(s.as_(
            "TOKEN_COUNTY",
            step(&mammography, "biopsy", true, today - Duration::days(2)),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(biopsy.next_step.is_empty() && biopsy.open, "{biopsy:?}");
    let close = |case: &pb::CancerCase, result: &str, on| pb::CloseCancerCaseRequest {
        name: case.name.clone(),
        result: result.to_owned(),
        close_date: day(on),
        etag: case.etag.clone(),
    };
    let early = cancers
        .close_cancer_case(s.as_(TOWNSHIP, close(&biopsy, "precancerous", on)))
        .await
        .unwrap_err();
    assert_eq!(early.code(), Code::FailedPrecondition, "{early:?}");
    let bad_result = cancers
        .close_cancer_case(s.as_(TOWNSHIP, close(&biopsy, "cured", today)))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad_result), "result");
    let closed = cancers
        .close_cancer_case(s.as_(TOWNSHIP, close(&biopsy, "precancerous", today)))
        .await
        .unwrap()
        .into_inner();
    assert!(!closed.open);
    assert_eq!(closed.result, "precancerous");
    assert_eq!(closed.closed_date, day(today));
    assert_eq!(closed.steps.len(), 3);
    assert!(
        closed.next_step.is_empty(),
        "a closed case waits for nothing"
    );
    let twice = cancers
        .close_cancer_case(s.as_(TOWNSHIP, close(&closed, "cancer", today)))
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition, "{twice:?}");
    assert!(
        !worklist(s, TOWNSHIP, 0)
            .await
            .iter()
            .any(|l| l.case.as_ref().unwrap().name == case.name),
        "a closed case leaves the worklist"
    );

    // Closed, a new abnormal exam opens a new case.
    let reopened = cancers
        .record_two_cancer_exam(s.as_(
            TOWNSHIP,
            exam(&woman, "clinical_exam_and_ultrasound", true, today),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!reopened.case.is_empty() && reopened.case != opened.case);
    let cases = cancers
        .list_cancer_cases(s.as_(
            TOWNSHIP,
            pb::ListCancerCasesRequest {
                parent: woman.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .cases;
    let names: Vec<_> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, [reopened.case.as_str(), opened.case.as_str()]);
    let exams = cancers
        .list_two_cancer_exams(s.as_(
            TOWNSHIP,
            pb::ListTwoCancerExamsRequest {
                parent: woman.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .exams;
    let names: Vec<_> = exams.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            reopened.name.as_str(),
            opened.name.as_str(),
            normal.name.as_str()
        ]
    );

    // Who and what an exam may be.
    let man = resident_of_sex(s, "周建军", today.year() - 45, false, None).await;
    let older = resident_of_sex(s, "吴桂英", today.year() - 70, true, None).await;
    for (request, field) in [
        (exam(&man, "gynaecological_exam", false, today), "resident"),
        (exam(&woman, "colposcopy", false, today), "step"),
        (exam(&woman, "smear", false, today), "step"),
        (
            exam(
                &woman,
                "gynaecological_exam",
                false,
                today + Duration::days(1),
            ),
            "exam_date",
        ),
        (
            pb::RecordTwoCancerExamRequest {
                exam_date: None,
                ..exam(&woman, "gynaecological_exam", false, today)
            },
            "exam_date",
        ),
        (
            exam("residents/x", "gynaecological_exam", false, today),
            "resident",
        ),
    ] {
        let refused = cancers
            .record_two_cancer_exam(s.as_(TOWNSHIP, request))
            .await
            .unwrap_err();
        assert_eq!(field_of(&refused), field);
    }
    let opportunistic = cancers
        .record_two_cancer_exam(s.as_(TOWNSHIP, exam(&older, "gynaecological_exam", false, today)))
        .await
        .unwrap()
        .into_inner();
    assert!(opportunistic.opportunistic, "{opportunistic:?}");

    // Each change of the case is on the feed.
    let id = closed.name.trim_start_matches("cancer-cases/");
    for kind in [
        "cancer_case.case_opened",
        "cancer_case.step_recorded",
        "cancer_case.case_closed",
    ] {
        let event = change_of(s, kind, id).await;
        assert_eq!(event.aggregate_kind, "cancer_case");
    }
}
