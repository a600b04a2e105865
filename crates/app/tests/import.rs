//! `yigong import` on the small demo county: households, residents and screening results from
//! CSV; a bad line holds back its batch only, is reported with its line and column, and running
//! the fixed file again writes the held-back batch without writing the others twice.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use time::OffsetDateTime;
use time::macros::date;
use yigong_app::demo::{self, DemoScale};
use yigong_app::import::{ImportKind, import};
use yigong_domain::identity::check_character;
use yigong_domain::profile::RuleProfile;
use yigong_ports::{NetworkQueries, RandomIds, SystemClock};
use yigong_service::{
    Deps, DocumentInput, IndicatorService, NewResident, Principal, ResidentService, Role,
};
use yigong_store::Store;

fn citizen_id(seq: u32) -> String {
    let first17 = format!("110101{}{seq:03}", "19700101");
    let mut digits = [0u8; 17];
    digits.copy_from_slice(first17.as_bytes());
    format!("{first17}{}", check_character(&digits))
}

#[tokio::test]
async fn csv_imports_report_bad_lines_and_rerun_without_duplicates() {
    let store = Arc::new(Store::connect("sqlite::memory:").await.unwrap());
    store.migrate().await.unwrap();
    demo::seed(
        store.clone(),
        DemoScale::SMALL,
        date!(2026 - 11 - 23),
        &|_| {},
    )
    .await
    .unwrap();
    let callers = demo::principals(&store).await.unwrap().callers;
    let clinician = callers
        .iter()
        .find(|(v, _, _)| *v == "TOKEN_TOWNSHIP")
        .unwrap()
        .2
        .clone();
    let grid = store.grids_of_team(clinician.team.unwrap()).await.unwrap()[0]
        .value
        .id();
    let operator = Principal {
        user: "op".into(),
        role: Role::Operator,
        ..clinician.clone()
    };
    let deps = Deps::on_store(
        store.clone(),
        store.network().await.unwrap(),
        Arc::new(SystemClock),
        Arc::new(RandomIds),
        Arc::new(RuleProfile::bphs3()),
    );
    let today = OffsetDateTime::now_utc().date();
    let records = || async {
        let report = IndicatorService::new(deps.clone(), store.clone())
            .institution_report(&clinician, clinician.institution, today, None)
            .await
            .unwrap();
        let line = report.grids.iter().find(|g| g.grid == grid).unwrap();
        (line.tally.households, line.tally.records)
    };
    let (households_before, records_before) = records().await;

    // Households: two lines, one batch.
    let csv = format!("grid,address\n{grid},No. 901 East Lane\n{grid},\"No. 902, East Lane\"\n");
    let done = import(
        &deps,
        &operator,
        ImportKind::Households,
        csv.as_bytes(),
        10,
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!((done.lines, done.written), (2, 2), "{done:?}");
    assert!(done.errors.is_empty());

    // Residents in batches of two: line 3's check character is wrong, so lines 2-3 wait; line 4
    // (another document) goes in.
    let good = citizen_id(101);
    let mut bad = citizen_id(103);
    bad.replace_range(17..18, if bad.ends_with('0') { "1" } else { "0" });
    let file = |third: &str| {
        format!(
            "citizen_id,document_kind,document_number,birth_date,sex,grid,resident_since\n\
             {good},,,,,{grid},2001-01-01\n\
             {third},,,,,{grid},2001-01-01\n\
             ,passport,E12345678,1980-05-06,female,{grid},2015-03-01\n"
        )
    };
    let first = import(
        &deps,
        &clinician,
        ImportKind::Residents,
        file(&bad).as_bytes(),
        2,
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(first.lines, 3);
    assert_eq!(first.written, 1, "{first:?}");
    assert_eq!(first.batches_refused, 1);
    assert_eq!(first.errors.len(), 1, "{first:?}");
    assert_eq!(
        (first.errors[0].line, first.errors[0].field.as_str()),
        (3, "citizen_id")
    );

    // Fixed and run again: the held-back batch goes in, the passport line is not written twice.
    let fixed = citizen_id(103);
    let second = import(
        &deps,
        &clinician,
        ImportKind::Residents,
        file(&fixed).as_bytes(),
        2,
        &|_| {},
    )
    .await
    .unwrap();
    assert!(second.errors.is_empty(), "{second:?}");
    let (households_after, records_after) = records().await;
    assert_eq!(households_after, households_before + 2);
    assert_eq!(
        records_after,
        records_before + 3,
        "three residents, none twice"
    );

    // Screening: blood pressure and glucose lines; a bad reading names its column.
    let resident = ResidentService::new(deps.clone())
        .register(
            &clinician,
            NewResident {
                request_id: "import-test-resident".into(),
                document: DocumentInput::CitizenId(citizen_id(105)),
                household: None,
                grid: Some(grid),
                resident_since: date!(2000 - 01 - 01),
                personal: Default::default(),
            },
        )
        .await
        .unwrap()
        .value
        .resident
        .id();
    let on = today - time::Duration::days(3);
    let csv = format!(
        "resident,screen_date,systolic,diastolic,family_history,glucose_mmol_l,glucose_kind\n\
         {resident},{on},148,92,yes,,\n\
         {resident},{on},,,,7.4,fasting\n"
    );
    let done = import(
        &deps,
        &clinician,
        ImportKind::Screening,
        csv.as_bytes(),
        100,
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(done.written, 2, "{done:?}");
    let csv = format!("resident,screen_date,systolic,diastolic\n{resident},{on},400,90\n");
    let refused = import(
        &deps,
        &clinician,
        ImportKind::Screening,
        csv.as_bytes(),
        100,
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(refused.written, 0);
    assert_eq!(refused.errors[0].field, "systolic");
    // Height and weight give the BMI the rule reads (69.4 kg at 170 cm: 24.0, high risk); a
    // BMI that contradicts them is refused under its own column.
    let csv = format!(
        "resident,screen_date,systolic,diastolic,height_cm,weight_kg,bmi,waist_cm\n\
         {resident},{on},118,76,170.0,69.4,,80\n"
    );
    let done = import(
        &deps,
        &clinician,
        ImportKind::Screening,
        csv.as_bytes(),
        100,
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(done.written, 1, "{done:?}");
    let stored = deps.screenings.screenings_of(resident).await.unwrap();
    let Some(yigong_ports::ScreeningFinding::BloodPressure { risk, .. }) =
        stored.iter().map(|r| r.finding).find(|f| matches!(f, yigong_ports::ScreeningFinding::BloodPressure { risk, .. } if risk.height.is_some()))
    else {
        panic!("the body-size reading is stored: {stored:?}");
    };
    assert_eq!(risk.bmi.map(|b| b.tenths()), Some(240));
    assert_eq!(risk.waist.map(|w| w.cm()), Some(80));
    for (line, column) in [("170.0,69.4,30.1", "bmi"), ("17.0,69.4,", "height_cm")] {
        let csv = format!(
            "resident,screen_date,systolic,diastolic,height_cm,weight_kg,bmi\n\
             {resident},{on},118,76,{line}\n"
        );
        let refused = import(
            &deps,
            &clinician,
            ImportKind::Screening,
            csv.as_bytes(),
            100,
            &|_| {},
        )
        .await
        .unwrap();
        assert_eq!(refused.written, 0);
        assert_eq!(refused.errors[0].field, column, "{refused:?}");
    }

    // An unknown column is refused before anything is read.
    let wrong = import(
        &deps,
        &clinician,
        ImportKind::Screening,
        "resident,date\n".as_bytes(),
        100,
        &|_| {},
    )
    .await;
    assert!(wrong.is_err());
}
