//! Who in a grid is due for screening, over the wire: a resident never screened is due today;
//! one screened normal today is not; a high-risk reading (BMI 24) falls due six months on and
//! makes the fasting-glucose test due; a 65+ resident is due for the check until it is
//! recorded; the list pages, answers only with residents the caller may see, and refuses a
//! programme without a due list naming the field.

use std::collections::HashMap;

use time::{Date, Duration, Month, OffsetDateTime};
use tonic::Code;
use yigong_proto::v1 as pb;
use yigong_proto::v1::elderly_check_service_client::ElderlyCheckServiceClient;
use yigong_proto::v1::indicator_service_client::IndicatorServiceClient;
use yigong_proto::v1::screening_service_client::ScreeningServiceClient;

use crate::support::{TestApp, bp_body, date_of, day, field_of, household_in, resident_born};

const TOWNSHIP: &str = "TOKEN_TOWNSHIP";

/// Every entry of the grid's list for `programme`, page by page, by resident.
async fn due(
    s: &TestApp,
    who: &str,
    grid: &str,
    programme: &str,
) -> HashMap<String, pb::DueResident> {
    let mut client = ScreeningServiceClient::new(s.channel.clone());
    let mut all = HashMap::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_due_residents(s.as_(
                who,
                pb::ListDueResidentsRequest {
                    grid: grid.to_owned(),
                    programme: programme.to_owned(),
                    page_size: 200,
                    page_token: token,
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        for r in page.residents {
            all.insert(r.resident.clone(), r);
        }
        if page.next_page_token.is_empty() {
            return all;
        }
        token = page.next_page_token;
    }
}

async fn screen(s: &TestApp, resident: &str, on: Date, weight_kg: f64) {
    ScreeningServiceClient::new(s.channel.clone())
        .record_screening_result(s.as_(
            TOWNSHIP,
            bp_body(resident, on, Some(170.0), Some(weight_kg), None),
        ))
        .await
        .unwrap();
}

pub async fn due_lists(s: &TestApp) {
    let today = OffsetDateTime::now_utc().date();
    let grid = IndicatorServiceClient::new(s.channel.clone())
        .get_institution_indicators(s.as_(
            TOWNSHIP,
            pb::GetInstitutionIndicatorsRequest {
                institution: s.institution(TOWNSHIP),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .grids
        .remove(0)
        .grid;
    let home = household_in(s, &grid, "No. 35, Screening Lane").await;
    let born =
        |years: i32| Date::from_calendar_date(today.year() - years, Month::February, 3).unwrap();
    let resident = |name: &'static str, years: i32| {
        let home = home.name.clone();
        async move { resident_born(s, name, born(years), Some(&home)).await.name }
    };
    let never = resident("褚建国", 50).await;
    let normal = resident("卫小红", 50).await;
    let risky = resident("蒋志强", 45).await;
    let elder = resident("沈桂兰", 72).await;
    screen(s, &normal, today, 65.0).await;
    // 170 cm and 69.4 kg is BMI 24.0: high risk, rescreened in six months.
    let risky_on = today - Duration::days(200);
    screen(s, &risky, risky_on, 69.4).await;

    let bp = due(s, TOWNSHIP, &grid, "blood_pressure").await;
    let first = &bp[&never];
    assert_eq!(date_of(first.due_date), today);
    assert_eq!((first.days_overdue, first.high_risk), (0, false));
    assert!(first.last_date.is_none());
    assert!(first.explanation.contains("SCR-BP-ELIGIBLE"), "{first:?}");
    assert_eq!(
        first.patient_card.as_ref().map(|c| c.display_name.as_str()),
        Some("褚建国")
    );
    assert!(!bp.contains_key(&normal), "screened today: due in a year");
    let six_months = &bp[&risky];
    assert!(six_months.high_risk);
    assert_eq!(date_of(six_months.last_date), risky_on);
    let due_on = date_of(six_months.due_date);
    assert!(due_on > risky_on + Duration::days(180) && due_on < risky_on + Duration::days(186));
    assert_eq!(
        i64::from(six_months.days_overdue),
        (today - due_on).whole_days()
    );
    assert!(six_months.explanation.contains("SCR-BP-HIGH-RISK"));

    // Glucose only for the high risk; the check only for the 65 and over, until it is done.
    let glucose = due(s, TOWNSHIP, &grid, "fasting_glucose").await;
    assert!(glucose.contains_key(&risky) && !glucose.contains_key(&never));
    let checks = due(s, TOWNSHIP, &grid, "elderly_check").await;
    assert!(checks.contains_key(&elder) && !checks.contains_key(&never));
    ElderlyCheckServiceClient::new(s.channel.clone())
        .record_elderly_check(s.as_(
            TOWNSHIP,
            pb::RecordElderlyCheckRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                resident: elder.clone(),
                check: Some(pb::ElderlyCheckForm {
                    check_date: day(today),
                    self_care: Some(pb::SelfCare::default()),
                    self_rated_health: "unsure".to_owned(),
                    smoking: "current".to_owned(),
                    drinking: "daily".to_owned(),
                    exercise: "never".to_owned(),
                    systolic: 134,
                    diastolic: 82,
                    hearing: "impaired".to_owned(),
                    motor_function: "cannot_complete".to_owned(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap();
    assert!(
        !due(s, TOWNSHIP, &grid, "elderly_check")
            .await
            .contains_key(&elder)
    );

    // Pages: one at a time, with a token to go on.
    let page = ScreeningServiceClient::new(s.channel.clone())
        .list_due_residents(s.as_(
            TOWNSHIP,
            pb::ListDueResidentsRequest {
                grid: grid.clone(),
                programme: "blood_pressure".to_owned(),
                page_size: 1,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(page.residents.len() <= 1);
    assert!(!page.next_page_token.is_empty());

    // Another township sees none of them; a programme without a due list, an unknown grid.
    let other = "TOKEN_OTHER_TOWNSHIP";
    let elsewhere = due(s, other, &grid, "blood_pressure").await;
    assert!(elsewhere.is_empty(), "{:?}", elsewhere.keys());
    // ...while its own grids' lists are full: the empty answer above is the scope, not the call.
    let own_grids = IndicatorServiceClient::new(s.channel.clone())
        .get_institution_indicators(s.as_(
            other,
            pb::GetInstitutionIndicatorsRequest {
                institution: s.institution(other),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .grids;
    let mut own = HashMap::new();
    for g in &own_grids {
        own.extend(due(s, other, &g.grid, "blood_pressure").await);
    }
    assert!(
        !own.is_empty(),
        "the other township's own residents are due"
    );
    assert!(!own.contains_key(&never) && !own.contains_key(&risky));
    let mut client = ScreeningServiceClient::new(s.channel.clone());
    for (grid, programme, code, field) in [
        (
            grid.as_str(),
            "two_cancer",
            Code::InvalidArgument,
            "programme",
        ),
        (grid.as_str(), "", Code::InvalidArgument, "programme"),
        (
            "grids/not-a-uuid",
            "blood_pressure",
            Code::InvalidArgument,
            "grid",
        ),
        (
            "grids/00000000-0000-4000-8000-000000000000",
            "blood_pressure",
            Code::NotFound,
            "grid",
        ),
    ] {
        let refused = client
            .list_due_residents(s.as_(
                TOWNSHIP,
                pb::ListDueResidentsRequest {
                    grid: grid.to_owned(),
                    programme: programme.to_owned(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), code, "{refused:?}");
        if code == Code::InvalidArgument {
            assert_eq!(field_of(&refused), field);
        }
    }
}
