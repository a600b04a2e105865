//! The screening programmes over the wire: the body-size risk factor reached from height and
//! weight (exactly at BMI 24.0), a BMI that contradicts them refused naming the field, a
//! reading outside the programme's ages kept as opportunistic, glucose with its rescreen date,
//! and the patient's screening history showing what was measured.

use time::{Date, Duration, OffsetDateTime};
use yigong_proto::v1 as pb;
use yigong_proto::v1::history_service_client::HistoryServiceClient;
use yigong_proto::v1::screening_service_client::ScreeningServiceClient;

use crate::support::{TestApp, bp_body, date_of, day, field_of, resident_born};

const TOWNSHIP: &str = "TOKEN_TOWNSHIP";

pub async fn screening_programmes(s: &TestApp) {
    let today = OffsetDateTime::now_utc().date();
    let mut screening = ScreeningServiceClient::new(s.channel.clone());
    let age = |years: i32| Date::from_calendar_date(today.year() - years, time::Month::January, 2);
    let adult = resident_born(s, "周建华", age(41).unwrap(), None)
        .await
        .name;

    // 170 cm: 69.3 kg is BMI 23.97 (normal, yearly); 69.4 kg is 24.01 (high risk, six months).
    let normal = screening
        .record_screening_result(s.as_(
            TOWNSHIP,
            bp_body(
                &adult,
                today - Duration::days(2),
                Some(170.0),
                Some(69.3),
                None,
            ),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(normal.outcome, "normal", "{normal:?}");
    assert!(!normal.opportunistic);
    let risky = screening
        .record_screening_result(s.as_(
            TOWNSHIP,
            bp_body(&adult, today, Some(170.0), Some(69.4), None),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(risky.outcome, "high_risk", "{risky:?}");
    assert!(risky.explanation.contains("SCR-RISK-BODY"), "{risky:?}");
    let next = date_of(risky.next_date);
    assert!(
        next > today + Duration::days(150) && next < today + Duration::days(190),
        "six months on, not a year: {next}"
    );
    let Some(pb::screening_reading::Reading::BloodPressure(echo)) =
        risky.reading.and_then(|r| r.reading)
    else {
        panic!("the result echoes its blood-pressure reading");
    };
    assert_eq!(echo.bmi, Some(24.0));
    assert_eq!(echo.height_cm, Some(170.0));

    // A given BMI that contradicts height and weight, and an implausible height, are refused.
    for (request, field) in [
        (
            bp_body(&adult, today, Some(170.0), Some(69.4), Some(27.5)),
            "row.reading.blood_pressure.bmi",
        ),
        (
            bp_body(&adult, today, Some(17.0), Some(69.4), None),
            "row.reading.blood_pressure.height_cm",
        ),
        (
            bp_body(&adult, today, Some(170.05), None, None),
            "row.reading.blood_pressure.height_cm",
        ),
    ] {
        let refused = screening
            .record_screening_result(s.as_(TOWNSHIP, request))
            .await
            .unwrap_err();
        assert_eq!(field_of(&refused), field);
    }
    // A BMI given alone is the one the rule reads.
    let given = screening
        .record_screening_result(s.as_(TOWNSHIP, bp_body(&adult, today, None, None, Some(24.0))))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(given.outcome, "high_risk");

    // Thirty years old: below the programme's 35, assessed but opportunistic.
    let young = resident_born(s, "吴晓东", age(30).unwrap(), None)
        .await
        .name;
    let reading = screening
        .record_screening_result(s.as_(
            TOWNSHIP,
            bp_body(&young, today, Some(175.0), Some(70.0), None),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(reading.opportunistic, "{reading:?}");
    assert!(reading.explanation.contains("SCR-OPPORTUNISTIC"));
    assert_eq!(reading.outcome, "normal");

    // Impaired fasting glucose is tested again a year on; a suspected case is confirmed instead.
    let glucose = |mmol_per_l: f64| pb::RecordScreeningResultRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        row: Some(pb::ScreeningRow {
            resident: adult.clone(),
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
    let impaired = screening
        .record_screening_result(s.as_(TOWNSHIP, glucose(6.25)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(impaired.outcome, "impaired_fasting");
    let next = date_of(impaired.next_date);
    assert!(next > today + Duration::days(360) && next < today + Duration::days(370));
    let suspected = screening
        .record_screening_result(s.as_(TOWNSHIP, glucose(7.1)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(suspected.next_date, None);

    // The history shows each result with what was measured, latest first.
    let history = HistoryServiceClient::new(s.channel.clone())
        .list_screening_results(s.as_(
            TOWNSHIP,
            pb::ListScreeningResultsRequest {
                parent: adult.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .results;
    assert_eq!(history.len(), 5, "{history:?}");
    assert_eq!(history.last().map(|r| r.name.clone()), Some(normal.name));
    let glucose_read = history
        .iter()
        .filter_map(
            |r| match r.reading.as_ref().and_then(|r| r.reading.as_ref()) {
                Some(pb::screening_reading::Reading::Glucose(g)) => Some(g.mmol_per_l),
                _ => None,
            },
        )
        .collect::<Vec<_>>();
    assert_eq!(glucose_read.len(), 2);
    assert!(glucose_read.contains(&6.25) && glucose_read.contains(&7.1));
}
