//! Follow-up rules that hold at the edges, over the wire: a danger sign of another condition is
//! refused naming the field (never ignored), a visit dated before the latest recorded one is
//! refused naming its date, a diagnosis confirmed below county level enrols nobody, and a
//! laboratory glucose keeps its two decimals up to the threshold.

use time::{Duration, OffsetDateTime};
use yigong_proto::v1 as pb;
use yigong_proto::v1::follow_up_service_client::FollowUpServiceClient;
use yigong_proto::v1::screening_service_client::ScreeningServiceClient;

use crate::support::{TestApp, day, field_of, htn_visit, managed_patient};

const TOWNSHIP: &str = "TOKEN_TOWNSHIP";

pub async fn visit_rules(s: &TestApp) {
    let today = OffsetDateTime::now_utc().date();
    let mut follow_up = FollowUpServiceClient::new(s.channel.clone());
    let (patient, plan) = managed_patient(s, "孙玉兰", 1956).await;
    let record = |plan: &pb::FollowUpPlan, visit| pb::RecordFollowUpVisitRequest {
        plan: plan.name.clone(),
        visit: Some(visit),
        etag: plan.etag.clone(),
        emergency_referral: None,
    };

    // Abdominal pain is on the diabetes list, not the hypertension one.
    let refused = follow_up
        .record_follow_up_visit(s.as_(
            TOWNSHIP,
            record(&plan, htn_visit(today, 128, 78, &["abdominal_pain"])),
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&refused), "visit.hypertension.danger_signs");

    // A visit five days ago, then one ten days ago on the plan it scheduled.
    let next = follow_up
        .record_follow_up_visit(s.as_(
            TOWNSHIP,
            record(&plan, htn_visit(today - Duration::days(5), 128, 78, &[])),
        ))
        .await
        .unwrap()
        .into_inner()
        .next
        .unwrap();
    let refused = follow_up
        .record_follow_up_visit(s.as_(
            TOWNSHIP,
            record(&next, htn_visit(today - Duration::days(10), 128, 78, &[])),
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&refused), "visit.visit_date");
    assert!(refused.message().contains("latest"), "{refused:?}");
    // The same day as the latest is a second contact, taken.
    follow_up
        .record_follow_up_visit(s.as_(
            TOWNSHIP,
            record(&next, htn_visit(today - Duration::days(5), 126, 76, &[])),
        ))
        .await
        .unwrap();

    // A township centre finds and refers; it does not confirm a diagnosis.
    let refused = follow_up
        .enrol_patient(s.as_(
            TOWNSHIP,
            pb::EnrolPatientRequest {
                patient: patient.clone(),
                condition: pb::Condition::Type2Diabetes as i32,
                confirmed_by: s.institution(TOWNSHIP),
                confirm_date: day(today - Duration::days(3)),
                enrol_date: day(today),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&refused), "confirmed_by");

    // Fasting 6.99 from the laboratory is impaired, not rounded up to a suspected 7.0; a third
    // decimal is refused rather than rounded.
    let mut screening = ScreeningServiceClient::new(s.channel.clone());
    let glucose = |mmol_per_l: f64| pb::RecordScreeningResultRequest {
        request_id: format!("{patient}/glucose/{mmol_per_l}"),
        row: Some(pb::ScreeningRow {
            resident: patient.clone(),
            screen_date: day(today),
            reading: Some(pb::ScreeningReading {
                reading: Some(pb::screening_reading::Reading::Glucose(
                    pb::GlucoseReading {
                        mmol_per_l,
                        kind: "fasting".to_owned(),
                        symptoms: false,
                    },
                )),
            }),
        }),
    };
    for (value, outcome) in [(6.99, "impaired_fasting"), (7.0, "suspected")] {
        let result = screening
            .record_screening_result(s.as_(TOWNSHIP, glucose(value)))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(result.outcome, outcome, "{value}");
    }
    let refused = screening
        .record_screening_result(s.as_(TOWNSHIP, glucose(6.995)))
        .await
        .unwrap_err();
    assert_eq!(field_of(&refused), "row.reading.glucose.mmol_per_l");
}
