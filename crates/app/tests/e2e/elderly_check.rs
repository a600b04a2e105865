//! The 65+ annual check over the wire: a managed hypertension patient's check counts as the
//! annual check of the condition and, fed back with guidance, for elderly management; an
//! unmanaged resident's fasting glucose of 7.0 is a suspected diabetes to confirm; a value the
//! form may not hold is refused naming its path under `check`; a retried record records once;
//! another township sees nothing; a danger sign at the check is emergency advice on the desk's
//! list; each check is an event on the feed; the resident's checks list latest first.

use time::{Date, Duration, OffsetDateTime};
use tonic::Code;
use yigong_proto::v1 as pb;
use yigong_proto::v1::elderly_check_service_client::ElderlyCheckServiceClient;
use yigong_proto::v1::referral_advice_service_client::ReferralAdviceServiceClient;

use crate::support::{TestApp, change_of, day, field_of, managed_patient, resident_born};

const TOWNSHIP: &str = "TOKEN_TOWNSHIP";

/// A complete form: every code field filled, self-care 4 (mild), BP 150/92, the tests given.
fn form(on: Date, tests: Vec<pb::AuxiliaryTestResult>) -> pb::ElderlyCheckForm {
    pb::ElderlyCheckForm {
        check_date: day(on),
        self_care: Some(pb::SelfCare {
            eating: 3,
            grooming: 1,
            dressing: 0,
            toileting: 0,
            mobility: 0,
        }),
        self_rated_health: "fairly_satisfied".to_owned(),
        cognition_positive: false,
        emotion_positive: false,
        smoking: "quit".to_owned(),
        drinking: "occasionally".to_owned(),
        exercise: "daily".to_owned(),
        temperature: Some(36.6),
        pulse: Some(72),
        respiration: Some(18),
        systolic: 150,
        diastolic: 92,
        height_cm: Some(162.0),
        weight_kg: Some(63.5),
        waist_cm: Some(88),
        abnormal_sites: Vec::new(),
        vision_left: Some(4.8),
        vision_right: Some(4.9),
        hearing: "hears".to_owned(),
        motor_function: "completes".to_owned(),
        tests,
        guidance: vec!["lifestyle".to_owned(), "fall_prevention".to_owned()],
        fed_back_date: day(on),
    }
}

fn glucose_test(mmol_per_l: f64) -> pb::AuxiliaryTestResult {
    pb::AuxiliaryTestResult {
        test: "fasting_glucose".to_owned(),
        values: vec![pb::AnalyteValue {
            analyte: "glucose".to_owned(),
            value: mmol_per_l,
        }],
        abnormal: false,
        note: String::new(),
    }
}

fn record(resident: &str, check: pb::ElderlyCheckForm) -> pb::RecordElderlyCheckRequest {
    pb::RecordElderlyCheckRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        resident: resident.to_owned(),
        check: Some(check),
    }
}

pub async fn elderly_check(s: &TestApp) {
    let today = OffsetDateTime::now_utc().date();
    let mut checks = ElderlyCheckServiceClient::new(s.channel.clone());

    // Managed for hypertension and 70: the check is its annual check, guided.
    let (patient, _) = managed_patient(s, "钱桂芳", today.year() - 70).await;
    let ecg = pb::AuxiliaryTestResult {
        test: "ecg".to_owned(),
        values: Vec::new(),
        abnormal: true,
        note: "ST段压低".to_owned(),
    };
    let first = record(
        &patient,
        form(today - Duration::days(3), vec![glucose_test(5.4), ecg]),
    );
    let annual = checks
        .record_elderly_check(s.as_(TOWNSHIP, first.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(annual.annual_check_of, vec!["hypertension"], "{annual:?}");
    assert!(annual.guided, "{annual:?}");
    assert!(
        annual.explanation.contains("ELD-ANNUAL-CHECK"),
        "{annual:?}"
    );
    assert!(annual.explanation.contains("ELD-GUIDED"), "{annual:?}");
    assert_eq!(annual.self_care_total, 4);
    assert_eq!(annual.dependence, "mild");
    assert_eq!(annual.bmi, Some(24.1));
    assert_eq!(annual.institution, s.institution(TOWNSHIP));
    // Managed already: an elevated BP is no new suspicion; the abnormal ECG is to recheck.
    let findings: Vec<(&str, &str, &str)> = annual
        .findings
        .iter()
        .map(|f| (f.finding.as_str(), f.detail.as_str(), f.action.as_str()))
        .collect();
    assert!(
        findings.contains(&("abnormal_test", "ecg", "recheck_or_refer")),
        "{findings:?}"
    );
    assert!(
        findings.contains(&("dependence", "mild", "care")),
        "{findings:?}"
    );
    assert!(
        !findings.iter().any(|f| f.0 == "suspected_hypertension"),
        "{findings:?}"
    );
    let echoed = annual.check.clone().unwrap();
    assert_eq!(echoed.smoking, "quit");
    assert_eq!(echoed.tests.len(), 2);

    // A retry of the same request records nothing new.
    let retried = checks
        .record_elderly_check(s.as_(TOWNSHIP, first))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(retried.name, annual.name);

    // Unmanaged and 68: fasting 7.0 is a suspected diabetes, BP 150/92 a suspected hypertension,
    // both to confirm; results not yet fed back do not count.
    let born = Date::from_calendar_date(today.year() - 68, time::Month::May, 1).unwrap();
    let resident = resident_born(s, "郑德明", born, None).await.name;
    let mut unfed = form(today, vec![glucose_test(7.0)]);
    unfed.guidance.clear();
    unfed.fed_back_date = None;
    let found = checks
        .record_elderly_check(s.as_(TOWNSHIP, record(&resident, unfed.clone())))
        .await
        .unwrap()
        .into_inner();
    let codes: Vec<&str> = found.findings.iter().map(|f| f.finding.as_str()).collect();
    assert!(codes.contains(&"suspected_diabetes"), "{codes:?}");
    assert!(codes.contains(&"suspected_hypertension"), "{codes:?}");
    assert!(
        found
            .findings
            .iter()
            .filter(|f| f.finding.starts_with("suspected"))
            .all(|f| f.action == "confirm_diagnosis")
    );
    assert!(found.annual_check_of.is_empty());
    assert!(!found.guided);
    // 6.99 is impaired, not rounded to a suspected diabetes.
    let impaired = checks
        .record_elderly_check(s.as_(
            TOWNSHIP,
            record(&resident, form(today, vec![glucose_test(6.99)])),
        ))
        .await
        .unwrap()
        .into_inner();
    let codes: Vec<&str> = impaired
        .findings
        .iter()
        .map(|f| f.finding.as_str())
        .collect();
    assert!(codes.contains(&"impaired_fasting_glucose"), "{codes:?}");

    assert!(found.advice.is_empty(), "no danger sign, no advice");

    // BP 185/112 at the check is a danger sign: emergency advice on the community desk's
    // list, named on the check and pointing back to it.
    let mut danger = form(today, Vec::new());
    danger.systolic = 185;
    danger.diastolic = 112;
    let emergency = checks
        .record_elderly_check(s.as_(TOWNSHIP, record(&resident, danger)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(emergency.findings[0].finding, "emergency", "{emergency:?}");
    assert_eq!(emergency.findings[0].action, "emergency_referral");
    let advice = ReferralAdviceServiceClient::new(s.channel.clone())
        .get_referral_advice(s.as_(
            "TOKEN_DESK",
            pb::GetReferralAdviceRequest {
                name: emergency.advice.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(advice.urgency, pb::Urgency::Emergency as i32);
    assert_eq!(
        advice.source,
        Some(pb::referral_advice::Source::ElderlyCheck(
            emergency.name.clone()
        ))
    );
    assert_eq!(advice.patient, resident);

    // Each check is an event on the feed, with what it found.
    let id = emergency
        .name
        .trim_start_matches("elderly-checks/")
        .to_owned();
    let event = change_of(s, "elderly_check.check_recorded", &id).await;
    assert_eq!(event.aggregate_kind, "elderly_check");
    assert!(event.payload_json.contains("emergency"), "{event:?}");

    // What the form may not hold is refused naming its path.
    let mut bad_score = unfed.clone();
    bad_score.self_care.as_mut().unwrap().grooming = 2;
    let mut bad_code = unfed.clone();
    bad_code.hearing = "deaf".to_owned();
    let mut one_eye = unfed.clone();
    one_eye.vision_right = None;
    let mut guidance_unfed = unfed.clone();
    guidance_unfed.guidance = vec!["recheck".to_owned()];
    for (check, field) in [
        (
            form(today, vec![glucose_test(70.0)]),
            "check.tests[0].values[0].value",
        ),
        (
            form(today, vec![glucose_test(5.555)]),
            "check.tests[0].values[0].value",
        ),
        (bad_score, "check.self_care.grooming"),
        (bad_code, "check.hearing"),
        (one_eye, "check.vision_right"),
        (guidance_unfed, "check.fed_back_date"),
        (
            form(today + Duration::days(1), Vec::new()),
            "check.check_date",
        ),
    ] {
        let refused = checks
            .record_elderly_check(s.as_(TOWNSHIP, record(&resident, check)))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
        assert_eq!(field_of(&refused), field, "{refused:?}");
    }

    // Another township does not see the resident: not found, nothing recorded.
    let elsewhere = checks
        .record_elderly_check(s.as_(
            "TOKEN_OTHER_TOWNSHIP",
            record(&resident, form(today, Vec::new())),
        ))
        .await
        .unwrap_err();
    assert_eq!(elsewhere.code(), Code::NotFound, "{elsewhere:?}");

    // The resident's checks, latest first; the refusals left none.
    let listed = checks
        .list_elderly_checks(s.as_(
            TOWNSHIP,
            pb::ListElderlyChecksRequest {
                parent: resident.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .checks;
    assert_eq!(listed.len(), 3, "{listed:?}");
    assert!(listed.iter().all(|c| c.resident == resident));
    let listed = checks
        .list_elderly_checks(s.as_(
            TOWNSHIP,
            pb::ListElderlyChecksRequest {
                parent: patient.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .checks;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, annual.name);
}
