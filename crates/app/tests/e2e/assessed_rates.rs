//! The rates a county is assessed on, over the wire: every rate with its counts and its rule;
//! a new 65+ resident of a grid enters the elderly denominators, and her check, fed back with
//! guidance, the numerators; a woman of 45 enters both two-cancer denominators and her
//! cervical exam one numerator; the total is the sum of the grids; a medical community's report
//! holds its townships' grids, its total their sum, and an unknown community is an audited
//! NOT_FOUND; a patient enrolled today counts this year and not last; a report closes a
//! period, and a period not yet begun or unknown is refused naming the field.

use time::{Date, Duration, OffsetDateTime};
use tonic::Code;
use yigong_proto::v1 as pb;
use yigong_proto::v1::audit_service_client::AuditServiceClient;
use yigong_proto::v1::elderly_check_service_client::ElderlyCheckServiceClient;
use yigong_proto::v1::follow_up_service_client::FollowUpServiceClient;
use yigong_proto::v1::indicator_service_client::IndicatorServiceClient;
use yigong_proto::v1::network_service_client::NetworkServiceClient;
use yigong_proto::v1::two_cancer_service_client::TwoCancerServiceClient;

use crate::support::{
    TestApp, date_of, day, field_of, household_in, resident_born, resident_of_sex,
};

const TOWNSHIP: &str = "TOKEN_TOWNSHIP";

async fn report(s: &TestApp, date: Option<Date>, period: pb::ReportPeriod) -> pb::IndicatorReport {
    IndicatorServiceClient::new(s.channel.clone())
        .get_institution_indicators(s.as_(
            TOWNSHIP,
            pb::GetInstitutionIndicatorsRequest {
                institution: s.institution(TOWNSHIP),
                date: date.and_then(day),
                period: period as i32,
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

fn rate(i: &pb::Indicators, code: &str) -> (u64, u64) {
    let r = i
        .rates
        .iter()
        .find(|r| r.rate == code)
        .unwrap_or_else(|| panic!("{code} in {:?}", i.rates));
    (r.numerator, r.denominator)
}

fn grid_of<'a>(r: &'a pb::IndicatorReport, grid: &str) -> &'a pb::Indicators {
    r.grids
        .iter()
        .find(|g| g.grid == grid)
        .and_then(|g| g.indicators.as_ref())
        .unwrap()
}

pub async fn assessed_rates(s: &TestApp) {
    let today = OffsetDateTime::now_utc().date();
    let year = pb::ReportPeriod::Year;
    let before = report(s, None, year).await;
    let total = before.total.clone().unwrap();
    let codes: Vec<&str> = total.rates.iter().map(|r| r.rate.as_str()).collect();
    assert_eq!(codes.len(), 13, "{codes:?}");
    for r in &total.rates {
        assert!(r.rule.starts_with("IND-"), "{r:?}");
        assert_eq!(r.percent.is_some(), r.denominator > 0, "{r:?}");
    }
    let standardized = total
        .rates
        .iter()
        .find(|r| r.rate == "hypertension_standardized_management")
        .unwrap();
    let goal = if today.year() >= 2030 { 70.0 } else { 65.0 };
    assert_eq!(standardized.national_goal_percent, Some(goal));
    assert!(
        total
            .rates
            .iter()
            .any(|r| r.rate == "elderly_management" && r.denominator > 0)
    );
    // Rates are summed from the grids' counts, never averaged.
    for code in codes {
        let summed = before
            .grids
            .iter()
            .map(|g| rate(g.indicators.as_ref().unwrap(), code))
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        if matches!(code, "hypertension_management" | "diabetes_management") {
            // The estimate is rounded once, for the total.
            assert_eq!(summed.0, rate(&total, code).0, "{code}");
        } else {
            assert_eq!(summed, rate(&total, code), "{code}");
        }
    }
    assert_eq!(before.period, year as i32);
    assert_eq!(date_of(before.period_first).ordinal(), 1);
    assert_eq!(
        date_of(before.date),
        today,
        "counted to today while the year runs"
    );

    // A 70-year-old moves into a grid the township serves: one more in the denominators.
    let grid = before.grids[0].grid.clone();
    let home = household_in(s, &grid, "No. 65, Elder Lane").await;
    let born = Date::from_calendar_date(today.year() - 70, time::Month::April, 4).unwrap();
    let elder = resident_born(s, "冯秀英", born, Some(&home.name))
        .await
        .name;
    let moved = report(s, None, year).await;
    let (was, now) = (grid_of(&before, &grid), grid_of(&moved, &grid));
    let (n0, d0) = rate(was, "elderly_management");
    assert_eq!(rate(now, "elderly_management"), (n0, d0 + 1));
    let (c0, _) = rate(was, "elderly_check_coverage");

    // Her check, fed back with guidance: checked and managed.
    ElderlyCheckServiceClient::new(s.channel.clone())
        .record_elderly_check(s.as_(
            TOWNSHIP,
            pb::RecordElderlyCheckRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                resident: elder,
                check: Some(pb::ElderlyCheckForm {
                    check_date: day(today),
                    self_care: Some(pb::SelfCare::default()),
                    self_rated_health: "satisfied".to_owned(),
                    smoking: "never".to_owned(),
                    drinking: "never".to_owned(),
                    exercise: "daily".to_owned(),
                    systolic: 128,
                    diastolic: 78,
                    hearing: "hears".to_owned(),
                    motor_function: "completes".to_owned(),
                    guidance: vec!["vaccination".to_owned()],
                    fed_back_date: day(today),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap();
    let checked = report(s, None, year).await;
    let now = grid_of(&checked, &grid);
    assert_eq!(rate(now, "elderly_management"), (n0 + 1, d0 + 1));
    assert_eq!(rate(now, "elderly_check_coverage"), (c0 + 1, d0 + 1));

    // A woman of 45 in the grid: in both two-cancer denominators; her cervical exam (the
    // programme's) counts in one numerator, for the cycle.
    let woman = resident_of_sex(s, "郑丽娟", today.year() - 45, true, Some(&home.name)).await;
    let (cervical, women) = rate(now, "cervical_screening_coverage");
    let (breast, _) = rate(now, "breast_screening_coverage");
    TwoCancerServiceClient::new(s.channel.clone())
        .record_two_cancer_exam(s.as_(
            TOWNSHIP,
            pb::RecordTwoCancerExamRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                resident: woman,
                step: "gynaecological_exam".to_owned(),
                abnormal: false,
                exam_date: day(today),
            },
        ))
        .await
        .unwrap();
    let examined = report(s, None, year).await;
    let now = grid_of(&examined, &grid);
    assert_eq!(
        rate(now, "cervical_screening_coverage"),
        (cervical + 1, women + 1)
    );
    assert_eq!(rate(now, "breast_screening_coverage"), (breast, women + 1));
    let rule = now
        .rates
        .iter()
        .find(|r| r.rate == "breast_screening_coverage")
        .unwrap();
    assert_eq!(rule.rule, "IND-TWO-CANCER");

    // A quarter closes on its last day; until then it is counted to today.
    let quarter = report(s, None, pb::ReportPeriod::Quarter).await;
    let (first, last) = (date_of(quarter.period_first), date_of(quarter.period_last));
    assert!(first <= today && today <= last && (last - first) < Duration::days(92));
    assert_eq!(date_of(quarter.date), today);
    let last_year = report(
        s,
        Date::from_calendar_date(today.year() - 1, time::Month::June, 1).ok(),
        pb::ReportPeriod::Month,
    )
    .await;
    assert_eq!(
        date_of(last_year.date),
        Date::from_calendar_date(today.year() - 1, time::Month::June, 30).unwrap()
    );

    // The township's medical community (医共体) holds every grid the township's teams serve.
    let community = NetworkServiceClient::new(s.channel.clone())
        .list_communities(s.as_(TOWNSHIP, pb::ListCommunitiesRequest {}))
        .await
        .unwrap()
        .into_inner()
        .communities
        .into_iter()
        .find(|c| c.members.contains(&s.institution(TOWNSHIP)))
        .unwrap();
    let community_report = |community: String| {
        let mut client = IndicatorServiceClient::new(s.channel.clone());
        let request = s.as_(
            TOWNSHIP,
            pb::GetCommunityIndicatorsRequest {
                community,
                date: None,
                period: year as i32,
            },
        );
        async move { client.get_community_indicators(request).await }
    };
    let whole = community_report(community.name.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(whole.scope, community.name);
    for g in &examined.grids {
        let mine = whole.grids.iter().find(|w| w.grid == g.grid);
        assert_eq!(
            mine.and_then(|w| w.indicators.as_ref()),
            g.indicators.as_ref(),
            "{}",
            g.grid
        );
    }
    let whole_total = whole.total.as_ref().unwrap();
    for r in &whole_total.rates {
        if matches!(
            r.rate.as_str(),
            "hypertension_management" | "diabetes_management"
        ) {
            continue; // the estimate is rounded once, for the total
        }
        let summed = whole
            .grids
            .iter()
            .map(|g| rate(g.indicators.as_ref().unwrap(), &r.rate))
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        assert_eq!(summed, (r.numerator, r.denominator), "{}", r.rate);
    }
    assert_eq!(
        whole
            .grids
            .iter()
            .map(|g| g.indicators.as_ref().unwrap().households)
            .sum::<u64>(),
        whole_total.households
    );

    // A community the network does not hold: NOT_FOUND, and the refused read is audited.
    let stranger = format!("communities/{}", uuid::Uuid::new_v4());
    let started = OffsetDateTime::now_utc() - Duration::seconds(5);
    let refused = community_report(stranger.clone()).await.unwrap_err();
    assert_eq!(refused.code(), Code::NotFound, "{refused:?}");
    let logged = AuditServiceClient::new(s.channel.clone())
        .list_audit_entries(s.as_(
            "TOKEN_OPERATOR",
            pb::ListAuditEntriesRequest {
                outcome: pb::AuditOutcome::Failed as i32,
                start_time: Some(prost_types::Timestamp {
                    seconds: started.unix_timestamp(),
                    nanos: 0,
                }),
                page_size: 500,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .entries;
    assert!(
        logged
            .iter()
            .any(|e| e.action == "indicator.community_report" && e.resource.starts_with(&stranger)),
        "{logged:?}"
    );

    // A patient enrolled today is in this year's figures and not in last year's.
    let last_year_end = Date::from_calendar_date(today.year() - 1, time::Month::December, 31).ok();
    let htn = |r: &pb::IndicatorReport| rate(grid_of(r, &grid), "hypertension_management").0;
    let (last_before, this_before) = (
        htn(&report(s, last_year_end, year).await),
        htn(&report(s, None, year).await),
    );
    let patient = resident_born(s, "卫建国", born, Some(&home.name))
        .await
        .name;
    FollowUpServiceClient::new(s.channel.clone())
        .enrol_patient(s.as_(
            TOWNSHIP,
            pb::EnrolPatientRequest {
                patient,
                condition: pb::Condition::Hypertension as i32,
                confirmed_by: s.institution("TOKEN_COUNTY"),
                confirm_date: day(today),
                enrol_date: day(today),
                ..Default::default()
            },
        ))
        .await
        .unwrap();
    assert_eq!(htn(&report(s, None, year).await), this_before + 1);
    assert_eq!(htn(&report(s, last_year_end, year).await), last_before);

    // Next year has not begun; an unknown period is no period.
    let mut indicators = IndicatorServiceClient::new(s.channel.clone());
    for (date, period, field) in [
        (
            Date::from_calendar_date(today.year() + 1, time::Month::March, 1).ok(),
            year as i32,
            "date",
        ),
        (None, 9, "period"),
    ] {
        let refused = indicators
            .get_institution_indicators(s.as_(
                TOWNSHIP,
                pb::GetInstitutionIndicatorsRequest {
                    institution: s.institution(TOWNSHIP),
                    date: date.and_then(day),
                    period,
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
        assert_eq!(field_of(&refused), field);
    }
}
