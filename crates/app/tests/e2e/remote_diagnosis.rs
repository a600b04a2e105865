//! Remote diagnosis over the wire: the county operator opens an ECG centre and appoints its
//! readers; a township asks for a patient's ECG (once per retry), acquires it (the ECG file,
//! not a DICOM UID); of two readers racing to claim, one wins; the holder's report flags a
//! critical value the township acknowledges; a second reader of the verifying grade verifies
//! (a resident may not), the township acknowledges, a chief amends with a reason and every
//! version stays; another township sees nothing; the worklist and the township's list hold
//! it; each transition is on the feed; the township attaches the report to the patient's
//! referral, where it is recognised.

use time::OffsetDateTime;
use tonic::Code;
use yigong_proto::v1 as pb;
use yigong_proto::v1::diagnosis_service_client::DiagnosisServiceClient;
use yigong_service::Role;

use crate::support::{TestApp, change_of, field_of, resident_born, token_as, with_token};

const TOWNSHIP: &str = "TOKEN_TOWNSHIP";

fn ecg_report(critical: &str) -> Option<pb::ReportContent> {
    Some(pb::ReportContent {
        findings: "窦性心律，V1-V4导联ST段抬高0.3mV".to_owned(),
        impression: "急性前壁心肌梗死可能".to_owned(),
        positive: true,
        critical_finding: critical.to_owned(),
    })
}

pub async fn remote_diagnosis(s: &TestApp) {
    let mut dx = DiagnosisServiceClient::new(s.channel.clone());
    // What the closures below call with, so `dx` stays free for the steps between.
    let shared = dx.clone();
    let county = s.institution("TOKEN_COUNTY");

    // The county operator opens the ECG centre; a township's operator may not.
    let open = pb::OpenDiagnosisCentreRequest {
        institution: county.clone(),
        display_name: "县医院心电诊断中心".to_owned(),
        modalities: vec!["ecg".to_owned()],
    };
    let refused = dx
        .open_diagnosis_centre(with_token(
            &token_as("op-township", Role::Operator, &s.institution(TOWNSHIP)),
            open.clone(),
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    let bad = dx
        .open_diagnosis_centre(s.as_(
            "TOKEN_OPERATOR",
            pb::OpenDiagnosisCentreRequest {
                modalities: vec!["xray".to_owned()],
                ..open.clone()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad), "modalities[0]");
    let centre = dx
        .open_diagnosis_centre(s.as_("TOKEN_OPERATOR", open))
        .await
        .unwrap()
        .into_inner();
    for (user, grade) in [
        ("ecg-li", "resident"),
        ("ecg-zhao", "chief"),
        ("ecg-wu", "attending"),
    ] {
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
    let listed = dx
        .list_diagnosis_centres(s.as_(TOWNSHIP, pb::ListDiagnosisCentresRequest {}))
        .await
        .unwrap()
        .into_inner()
        .centres;
    let ours = listed.iter().find(|c| c.name == centre.name).unwrap();
    assert_eq!(ours.readers.len(), 3);

    // The township asks for an ECG; a retry asks once.
    let today = OffsetDateTime::now_utc().date();
    let birth = time::Date::from_calendar_date(today.year() - 58, time::Month::May, 2).unwrap();
    let patient = resident_born(s, "王建国", birth, None).await.name;
    let ask = pb::CreateDiagnosisRequestRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        patient: patient.clone(),
        centre: centre.name.clone(),
        modality: "ecg".to_owned(),
        exam_item: "十二导联心电图".to_owned(),
        clinical_info: "胸痛2小时，伴大汗".to_owned(),
        priority: "emergency".to_owned(),
    };
    let created = dx
        .create_diagnosis_request(s.as_(TOWNSHIP, ask.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.status, "requested");
    let again = dx
        .create_diagnosis_request(s.as_(TOWNSHIP, ask.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.name, created.name);
    let wrong = dx
        .create_diagnosis_request(s.as_(
            TOWNSHIP,
            pb::CreateDiagnosisRequestRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                modality: "ct".to_owned(),
                ..ask.clone()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Code::FailedPrecondition, "{wrong:?}");
    let name = created.name.clone();

    // The ECG file is acquired; a DICOM UID is not what an ECG is identified by.
    let uid = dx
        .acquire_study(s.as_(
            TOWNSHIP,
            pb::AcquireStudyRequest {
                name: name.clone(),
                study_instance_uid: "1.2.840.10008".to_owned(),
                ecg_file_id: "ECG-1".to_owned(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&uid), "study_instance_uid");
    let acquired = dx
        .acquire_study(s.as_(
            TOWNSHIP,
            pb::AcquireStudyRequest {
                name: name.clone(),
                etag: created.etag.clone(),
                ecg_file_id: "ECG-20261207-0001".to_owned(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(acquired.status, "acquired");
    assert!(acquired.turnaround_due_time.is_some());

    // On the readers' worklist, not the township's to see.
    let worklist = |token: String| {
        let mut dx = shared.clone();
        let centre = centre.name.clone();
        async move {
            dx.list_reader_worklist(with_token(
                &token,
                pb::ListReaderWorklistRequest {
                    centre,
                    modality: "ecg".to_owned(),
                    ..Default::default()
                },
            ))
            .await
        }
    };
    let lines = worklist(reader("ecg-li")).await.unwrap().into_inner();
    assert!(lines.requests.iter().any(|r| r.name == name), "{lines:?}");
    let theirs = worklist(s.tokens[TOWNSHIP].clone()).await.unwrap_err();
    assert_eq!(theirs.code(), Code::NotFound);

    // Two readers race to claim: one wins.
    let claim = |user: &str| {
        let mut dx = shared.clone();
        let request = with_token(
            &reader(user),
            pb::ClaimDiagnosisRequestRequest {
                name: name.clone(),
                etag: acquired.etag.clone(),
            },
        );
        async move { dx.claim_diagnosis_request(request).await }
    };
    let (a, b) = tokio::join!(claim("ecg-li"), claim("ecg-zhao"));
    let won = [&a, &b].iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{a:?} {b:?}");
    let (holder, lost) = match (a, b) {
        (Ok(r), Err(e)) => (("ecg-li", r.into_inner()), e),
        (Err(e), Ok(r)) => (("ecg-zhao", r.into_inner()), e),
        other => panic!("{other:?}"),
    };
    assert!(
        matches!(lost.code(), Code::Aborted | Code::FailedPrecondition),
        "{lost:?}"
    );
    assert_eq!(holder.1.reader, holder.0);
    let township_claim = dx
        .claim_diagnosis_request(s.as_(
            TOWNSHIP,
            pb::ClaimDiagnosisRequestRequest {
                name: name.clone(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(township_claim.code(), Code::PermissionDenied);

    // The holder reports a critical value; the township acknowledges it.
    let missing = dx
        .report_diagnosis(with_token(
            &reader(holder.0),
            pb::ReportDiagnosisRequest {
                name: name.clone(),
                etag: String::new(),
                report: Some(pb::ReportContent {
                    findings: " ".to_owned(),
                    ..ecg_report("").unwrap()
                }),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&missing), "report.findings");
    let reported = dx
        .report_diagnosis(with_token(
            &reader(holder.0),
            pb::ReportDiagnosisRequest {
                name: name.clone(),
                etag: String::new(),
                report: ecg_report("急性ST段抬高型心肌梗死"),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reported.status, "preliminary");
    let critical = reported.critical.unwrap();
    assert!(critical.acknowledged_by.is_empty() && critical.flagged_time.is_some());
    let acknowledged = dx
        .acknowledge_critical_value(s.as_(
            TOWNSHIP,
            pb::AcknowledgeCriticalValueRequest {
                name: name.clone(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!acknowledged.critical.unwrap().acknowledged_by.is_empty());

    // A resident may not verify; the attending (not the author) does.
    let junior = dx
        .verify_diagnostic_report(with_token(
            &reader("ecg-li"),
            pb::VerifyDiagnosticReportRequest {
                name: name.clone(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(junior.code(), Code::FailedPrecondition, "{junior:?}");
    let verified = dx
        .verify_diagnostic_report(with_token(
            &reader("ecg-wu"),
            pb::VerifyDiagnosticReportRequest {
                name: name.clone(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(verified.status, "verified");
    assert_eq!(verified.reports.len(), 1);
    assert_eq!(verified.within_target, Some(true));
    dx.acknowledge_diagnostic_report(s.as_(
        TOWNSHIP,
        pb::AcknowledgeDiagnosticReportRequest {
            name: name.clone(),
            etag: verified.etag.clone(),
        },
    ))
    .await
    .unwrap();

    // A chief amends with a reason: a new version, the first kept.
    let amended = dx
        .amend_diagnostic_report(with_token(
            &reader("ecg-zhao"),
            pb::AmendDiagnosticReportRequest {
                name: name.clone(),
                etag: String::new(),
                report: ecg_report(""),
                reason: "补充：下壁导联对应性压低".to_owned(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(amended.status, "verified", "to be acknowledged again");
    let report = dx
        .get_diagnostic_report(s.as_(
            TOWNSHIP,
            pb::GetDiagnosticReportRequest { name: name.clone() },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(report.status, "amended");
    let versions: Vec<u32> = report.versions.iter().map(|v| v.version).collect();
    assert_eq!(versions, [2, 1]);
    assert_eq!(report.versions[1].verifier, "ecg-wu");

    // Another township sees nothing of it; the township's list holds it.
    let unseen = dx
        .get_diagnosis_request(s.as_(
            "TOKEN_OTHER_TOWNSHIP",
            pb::GetDiagnosisRequestRequest { name: name.clone() },
        ))
        .await
        .unwrap_err();
    assert_eq!(unseen.code(), Code::NotFound);
    let mine = dx
        .list_requested_diagnoses(s.as_(TOWNSHIP, pb::ListRequestedDiagnosesRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert!(mine.requests.iter().any(|r| r.name == name));
    let done = worklist(reader("ecg-li")).await.unwrap().into_inner();
    assert!(
        !done.requests.iter().any(|r| r.name == name),
        "a verified request leaves the worklist"
    );

    let id = name.trim_start_matches("diagnosis-requests/");
    for kind in [
        "diagnosis.diagnosis_requested",
        "diagnosis.study_acquired",
        "diagnosis.reading_claimed",
        "diagnosis.critical_value_flagged",
        "diagnosis.critical_value_acknowledged",
        "diagnosis.report_verified",
        "diagnosis.report_amended",
    ] {
        assert_eq!(change_of(s, kind, id).await.aggregate_kind, "diagnosis");
    }
    crate::recognised_report::recognised_report(s, &patient, &name).await;
}
