//! The 65+ check: what the form may hold and what the domain finds in it.

#![allow(
    clippy::inconsistent_digit_grouping,
    clippy::zero_prefixed_literal,
    reason = "hundredths written as units_hundredths: 6_99 is 6.99, 0_50 is 0.50"
)]

use proptest::prelude::*;
use time::macros::date;

use super::*;
use crate::followup::Condition;
use crate::profile::RuleProfile;
use crate::rule::RuleId;
use crate::screening::Dependence;

const BIRTH: time::Date = date!(1950 - 04 - 01);
const TODAY: time::Date = date!(2026 - 05 - 20);

/// A complete, unremarkable check: every part filled, nothing abnormal, guidance fed back.
pub(crate) fn form() -> CheckForm {
    CheckForm {
        on: date!(2026 - 05 - 10),
        self_care: [0, 0, 0, 0, 0],
        self_rated_health: SelfRatedHealth::FairlySatisfied,
        cognition_positive: false,
        emotion_positive: false,
        smoking: Smoking::Never,
        drinking: Drinking::Occasionally,
        exercise: Exercise::Weekly,
        temperature_tenths: Some(365),
        pulse: Some(72),
        respiration: Some(16),
        sbp: 128,
        dbp: 78,
        height_tenths: Some(1620),
        weight_tenths: Some(600),
        waist_cm: Some(82),
        abnormal_sites: vec![],
        vision_tenths: Some((48, 49)),
        hearing: Hearing::Hears,
        motor_function: MotorFunction::Completes,
        tests: vec![
            TestInput {
                test: AuxiliaryTest::FastingGlucose,
                values: vec![AnalyteInput {
                    analyte: Analyte::Glucose,
                    hundredths: 5_40,
                }],
                abnormal: false,
                note: String::new(),
            },
            TestInput {
                test: AuxiliaryTest::Ecg,
                values: vec![],
                abnormal: false,
                note: String::new(),
            },
        ],
        guidance: vec![Guidance::Lifestyle, Guidance::FallPrevention],
        fed_back_on: Some(date!(2026 - 05 - 17)),
    }
}

fn assess(f: CheckForm, managed: &[Condition]) -> CheckAssessment {
    let check = f.validate(BIRTH, TODAY).unwrap();
    assess_check(&check, managed, &RuleProfile::bphs3())
}

fn refused(f: CheckForm) -> String {
    f.validate(BIRTH, TODAY).unwrap_err().field
}

#[test]
fn an_unremarkable_check_finds_nothing_and_counts_once_guided() {
    let a = assess(form(), &[]);
    assert!(a.findings.is_empty(), "{a:?}");
    assert!(a.guided);
    assert!(a.explanation.rules.contains(RuleId::ElderlyGuided));
    assert!(a.annual_check_of.is_empty());
    let check = form().validate(BIRTH, TODAY).unwrap();
    // 60.0 kg at 162 cm: BMI 22.8 (truncated).
    assert_eq!(check.bmi.map(|b| b.tenths()), Some(228));
}

#[test]
fn v19_self_care_three_one_zero_one_five_is_moderate_dependence() {
    let a = assess(
        CheckForm {
            self_care: [3, 1, 0, 1, 5],
            ..form()
        },
        &[],
    );
    assert_eq!(a.self_care_total, 10);
    assert_eq!(a.dependence, Dependence::Moderate);
    assert_eq!(a.findings, [CheckFinding::Dependence(Dependence::Moderate)]);
    assert_eq!(a.findings[0].action(), FindingAction::Care);
}

#[test]
fn raised_pressure_is_suspected_hypertension_unless_already_managed() {
    let raised = CheckForm {
        sbp: 146,
        dbp: 84,
        ..form()
    };
    let a = assess(raised.clone(), &[]);
    assert_eq!(a.findings, [CheckFinding::SuspectedHypertension]);
    assert_eq!(a.findings[0].action(), FindingAction::ConfirmDiagnosis);
    let managed = assess(raised, &[Condition::Hypertension]);
    assert!(managed.findings.is_empty());
    assert_eq!(managed.annual_check_of, [Condition::Hypertension]);
    assert!(
        managed
            .explanation
            .rules
            .contains(RuleId::ElderlyAnnualCheck)
    );
}

#[test]
fn glucose_at_the_thresholds() {
    let with_glucose = |hundredths| CheckForm {
        tests: vec![TestInput {
            test: AuxiliaryTest::FastingGlucose,
            values: vec![AnalyteInput {
                analyte: Analyte::Glucose,
                hundredths,
            }],
            abnormal: false,
            note: String::new(),
        }],
        ..form()
    };
    assert_eq!(assess(with_glucose(6_09), &[]).findings, []);
    assert_eq!(
        assess(with_glucose(6_10), &[]).findings,
        [CheckFinding::ImpairedFastingGlucose]
    );
    assert_eq!(
        assess(with_glucose(6_99), &[]).findings,
        [CheckFinding::ImpairedFastingGlucose]
    );
    assert_eq!(
        assess(with_glucose(7_00), &[]).findings,
        [CheckFinding::SuspectedDiabetes]
    );
    assert_eq!(
        assess(with_glucose(7_00), &[Condition::Type2Diabetes]).findings,
        []
    );
    assert_eq!(
        assess(with_glucose(16_70), &[Condition::Type2Diabetes]).findings,
        [CheckFinding::Emergency]
    );
    assert_eq!(
        assess(with_glucose(3_90), &[]).findings,
        [CheckFinding::Emergency]
    );
}

#[test]
fn a_danger_sign_is_an_emergency_even_for_a_managed_patient() {
    let a = assess(
        CheckForm {
            sbp: 182,
            dbp: 96,
            ..form()
        },
        &[Condition::Hypertension],
    );
    assert!(a.is_emergency());
    assert_eq!(a.findings[0].action(), FindingAction::EmergencyReferral);
}

#[test]
fn abnormal_sites_tests_and_screens_are_rechecked_or_referred() {
    let mut f = form();
    f.abnormal_sites = vec![(ExamSite::Lungs, "右下肺湿啰音".to_owned())];
    f.tests[1].abnormal = true;
    f.tests[1].note = "ST 段压低".to_owned();
    f.cognition_positive = true;
    f.hearing = Hearing::Impaired;
    let a = assess(f, &[]);
    assert_eq!(
        a.findings,
        [
            CheckFinding::CognitionPositive,
            CheckFinding::AbnormalSite(ExamSite::Lungs),
            CheckFinding::AbnormalTest(AuxiliaryTest::Ecg),
            CheckFinding::HearingImpaired,
        ]
    );
    assert!(
        a.findings
            .iter()
            .all(|f| f.action() == FindingAction::RecheckOrRefer)
    );
}

#[test]
fn the_form_names_the_field_at_fault() {
    assert_eq!(
        refused(CheckForm {
            self_care: [0, 2, 0, 0, 0],
            ..form()
        }),
        "self_care.grooming"
    );
    assert_eq!(refused(CheckForm { sbp: 30, ..form() }), "systolic");
    assert_eq!(
        refused(CheckForm {
            respiration: Some(90),
            ..form()
        }),
        "respiration"
    );
    assert_eq!(
        refused(CheckForm {
            vision_tenths: Some((48, 60)),
            ..form()
        }),
        "vision_right"
    );
    assert_eq!(
        refused(CheckForm {
            on: date!(2026 - 06 - 01),
            ..form()
        }),
        "check_date"
    );
    let mut f = form();
    f.tests[0].values[0].analyte = Analyte::Alt;
    assert_eq!(refused(f), "tests[0].values[0].analyte");
    let mut f = form();
    f.tests[0].values[0].hundredths = 90_00;
    assert_eq!(refused(f), "tests[0].values[0].value");
    let mut f = form();
    f.tests[1].abnormal = true;
    assert_eq!(refused(f), "tests[1].note");
    let mut f = form();
    f.tests.push(f.tests[1].clone());
    assert_eq!(refused(f), "tests[2].test");
    let mut f = form();
    f.abnormal_sites = vec![(ExamSite::Skin, "  ".to_owned())];
    assert_eq!(refused(f), "abnormal_sites[0].note");
    assert_eq!(
        refused(CheckForm {
            fed_back_on: Some(date!(2026 - 05 - 01)),
            ..form()
        }),
        "fed_back_date"
    );
    assert_eq!(
        refused(CheckForm {
            guidance: vec![],
            ..form()
        }),
        "guidance"
    );
    assert_eq!(
        refused(CheckForm {
            fed_back_on: None,
            ..form()
        }),
        "fed_back_date"
    );
}

#[test]
fn a_check_not_yet_fed_back_is_kept_but_not_guided() {
    let a = assess(
        CheckForm {
            guidance: vec![],
            fed_back_on: None,
            ..form()
        },
        &[Condition::Type2Diabetes],
    );
    assert!(!a.guided);
    assert_eq!(a.annual_check_of, [Condition::Type2Diabetes]);
}

#[test]
fn finding_action_codes_parse_back() {
    crate::vocabulary::tests::check_unit(
        FindingAction::ALL,
        FindingAction::code,
        FindingAction::from_code,
    );
}

proptest! {
    /// The findings follow the thresholds whatever else the form holds: a danger-level pressure
    /// is always an emergency, an elevated one in someone unmanaged is suspected hypertension,
    /// and a managed condition is never "newly found".
    #[test]
    fn findings_follow_the_thresholds(
        sbp in 90u16..230, dbp in 50u16..89, glucose in 3_00u32..20_00,
        htn: bool, dm: bool, care in 0usize..4,
    ) {
        let p = RuleProfile::bphs3();
        let mut managed = Vec::new();
        if htn { managed.push(Condition::Hypertension); }
        if dm { managed.push(Condition::Type2Diabetes); }
        let mut f = CheckForm { sbp, dbp, ..form() };
        f.tests[0].values[0].hundredths = glucose;
        f.self_care = [[0, 0, 0, 0, 0], [3, 1, 0, 0, 0], [3, 1, 0, 1, 5], [5, 7, 5, 10, 10]][care];
        let a = assess_check(&f.validate(BIRTH, TODAY).unwrap(), &managed, &p);
        let danger = sbp >= 180 || glucose >= 16_70 || glucose <= 3_90;
        prop_assert_eq!(a.is_emergency(), danger);
        prop_assert_eq!(
            a.findings.contains(&CheckFinding::SuspectedHypertension),
            !htn && (140..180).contains(&sbp)
        );
        prop_assert_eq!(
            a.findings.contains(&CheckFinding::SuspectedDiabetes),
            !dm && (7_00..16_70).contains(&glucose)
        );
        prop_assert_eq!(a.annual_check_of.len(), managed.len());
        let mut sorted = a.findings.clone();
        sorted.sort_unstable();
        sorted.dedup();
        prop_assert_eq!(sorted, a.findings);
    }
}
