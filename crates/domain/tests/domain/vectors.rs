//! The test vectors V1–V20 of `domain-rules.md` section 9, one named test each, through the
//! public API an embedding service uses.

use crate::support::*;
use time::macros::date;
use yigong_domain::followup::{
    Condition, Confirmation, ContactMode, Dangerousness, EnrolPatient, Enrolment, Insight,
    MentalDiagnosis, MentalDisorderVisit, SocialFunction, Symptoms, Visit, VisitClass,
    VisitContext, classify_diabetes, classify_hypertension, classify_mental_disorder,
};
use yigong_domain::identity::{CitizenId, IdentityError, Sex};
use yigong_domain::ids::{EnrolmentId, InstitutionId, PlanId, ResidentId, TeamId, VisitId};
use yigong_domain::measure::BloodPressure;
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::{
    Appointment, Command, Direction, ReferralError, ReferralState, SlotKind, StateName, Urgency,
};
use yigong_domain::rule::RuleId;
use yigong_domain::screening::{
    BpOutcome, BpReading, Dependence, RiskFactors, SelfCareScore, assess_blood_pressure,
};

fn bphs3() -> RuleProfile {
    RuleProfile::bphs3()
}

fn adult() -> VisitContext {
    VisitContext {
        age: 50,
        previous: None,
    }
}

fn elderly() -> VisitContext {
    VisitContext {
        age: 70,
        previous: None,
    }
}

fn days_after_visit(days: i64) -> time::Date {
    VISIT_DAY + time::Duration::days(days)
}

#[test]
fn v01_htn_age_50_138_88_is_controlled_next_due_in_90_days() {
    let a = classify_hypertension(&htn(138, 88), adult(), &bphs3());
    assert_eq!(a.class, VisitClass::Controlled);
    assert_eq!(a.next_due, days_after_visit(90));
    assert_eq!(a.referral, None);
    assert!(a.explanation.rules.contains(RuleId::HtnControlled));
    assert_eq!(a.explanation.profile.to_string(), "bphs3@1");
}

#[test]
fn v02_htn_age_50_140_80_is_uncontrolled_first_next_due_in_14_days() {
    let a = classify_hypertension(&htn(140, 80), adult(), &bphs3());
    assert_eq!(a.class, VisitClass::UncontrolledFirst);
    assert_eq!(a.next_due, days_after_visit(14));
    assert!(a.explanation.rules.contains(RuleId::HtnUncontrolledFirst));
}

#[test]
fn v03_htn_age_70_145_85_is_controlled_under_the_elderly_target() {
    let a = classify_hypertension(&htn(145, 85), elderly(), &bphs3());
    assert_eq!(a.class, VisitClass::Controlled);
    assert!(a.explanation.rules.contains(RuleId::HtnElderlyTarget));
}

#[test]
fn v04_htn_age_70_150_85_is_uncontrolled() {
    let a = classify_hypertension(&htn(150, 85), elderly(), &bphs3());
    assert_eq!(a.class, VisitClass::UncontrolledFirst);
    assert!(!a.class.is_controlled());
}

#[test]
fn v05_htn_182_95_is_an_emergency_referral_with_follow_up_in_14_days() {
    let a = classify_hypertension(&htn(182, 95), adult(), &bphs3());
    assert_eq!(a.class, VisitClass::Emergency);
    assert_eq!(a.referral.map(|r| r.urgency), Some(Urgency::Emergency));
    // The danger sign goes through the green channel: the visit may send it itself.
    assert_eq!(a.green_channel(), a.referral);
    assert_eq!(a.next_due, days_after_visit(14));
    assert!(a.explanation.rules.contains(RuleId::HtnDangerBloodPressure));
    assert!(a.explanation.rules.contains(RuleId::FollowUpAfterReferral));
}

#[test]
fn v06_htn_150_110_is_an_emergency_referral() {
    let a = classify_hypertension(&htn(150, 110), adult(), &bphs3());
    assert_eq!(a.class, VisitClass::Emergency);
    assert_eq!(a.referral.map(|r| r.urgency), Some(Urgency::Emergency));
}

#[test]
fn v07_htn_uncontrolled_twice_in_a_row_is_referred_upward_with_follow_up_in_14_days() {
    let ctx = VisitContext {
        age: 50,
        previous: Some(VisitClass::UncontrolledFirst),
    };
    let a = classify_hypertension(&htn(150, 92), ctx, &bphs3());
    assert_eq!(a.class, VisitClass::Refer);
    assert_eq!(a.referral.map(|r| r.urgency), Some(Urgency::Routine));
    // A routine referral is the team's to send, not the visit's.
    assert_eq!(a.green_channel(), None);
    assert_eq!(a.next_due, days_after_visit(14));
    assert!(a.explanation.rules.contains(RuleId::HtnTwoConsecutive));
}

#[test]
fn v08_htn_uncontrolled_controlled_uncontrolled_is_uncontrolled_first_not_refer() {
    // Walk the sequence through the plan so "two consecutive" comes from the latest completed
    // visit, as in production.
    let profile = bphs3();
    let (_, mut plan, _) = Enrolment::enrol(
        EnrolPatient {
            id: EnrolmentId::from_u128(1),
            patient: ResidentId::from_u128(42),
            confirmation: Confirmation {
                condition: Condition::Hypertension,
                confirmed_by: InstitutionId::from_u128(1),
                level: yigong_domain::network::Level::County,
                confirmed_on: date!(2026 - 01 - 01),
            },
            team: TeamId::from_u128(7),
            institution: InstitutionId::from_u128(10),
            on: date!(2026 - 01 - 01),
            first_plan: PlanId::from_u128(1),
        },
        &profile,
    )
    .unwrap();
    let mut classes = vec![];
    for (i, (sbp, dbp)) in [(150, 92), (130, 80), (150, 92)].into_iter().enumerate() {
        let mut visit = htn(sbp, dbp);
        visit.date = date!(2026 - 01 - 15) + time::Duration::days(30 * i as i64);
        let n = i as u128 + 2;
        let outcome = plan
            .record_visit(
                VisitId::from_u128(n),
                &Visit::Hypertension(visit),
                50,
                PlanId::from_u128(n),
                &profile,
            )
            .unwrap();
        classes.push(outcome.assessment.class);
        plan = outcome.next;
    }
    assert_eq!(
        classes,
        vec![
            VisitClass::UncontrolledFirst,
            VisitClass::Controlled,
            VisitClass::UncontrolledFirst
        ]
    );
}

#[test]
fn v09_dm_fasting_6_9_is_controlled() {
    let a = classify_diabetes(&dm("6.9"), adult(), &bphs3());
    assert_eq!(a.class, VisitClass::Controlled);
    assert_eq!(a.next_due, days_after_visit(90));
}

#[test]
fn v10_dm_fasting_7_0_is_uncontrolled_first() {
    let a = classify_diabetes(&dm("7.0"), adult(), &bphs3());
    assert_eq!(a.class, VisitClass::UncontrolledFirst);
    assert_eq!(a.next_due, days_after_visit(14));
}

#[test]
fn v11_dm_fasting_16_7_is_an_emergency_referral() {
    let a = classify_diabetes(&dm("16.7"), adult(), &bphs3());
    assert_eq!(a.class, VisitClass::Emergency);
    assert!(a.explanation.rules.contains(RuleId::DmDangerGlucose));
}

#[test]
fn v12_dm_fasting_3_9_is_an_emergency_referral() {
    let a = classify_diabetes(&dm("3.9"), adult(), &bphs3());
    assert_eq!(a.class, VisitClass::Emergency);
    assert_eq!(a.referral.map(|r| r.urgency), Some(Urgency::Emergency));
}

fn smd(level: u8, insight: Insight) -> MentalDisorderVisit {
    MentalDisorderVisit {
        date: VISIT_DAY,
        mode: ContactMode::Home,
        dangerousness: Dangerousness::new(level).unwrap(),
        symptoms: Symptoms::Resolved,
        insight,
        social_function: SocialFunction::Good,
        serious_adverse_reaction: false,
        serious_physical_illness: false,
    }
}

#[test]
fn v13_smd_level_2_full_insight_is_basically_stable_review_in_14_days() {
    let a = classify_mental_disorder(&smd(2, Insight::Full), adult(), &bphs3());
    assert_eq!(a.class, VisitClass::BasicallyStable);
    assert_eq!(a.next_due, days_after_visit(14));
    assert_eq!(a.referral, None);
}

#[test]
fn v14_smd_level_3_is_unstable_referred_with_follow_up_in_14_days() {
    let a = classify_mental_disorder(&smd(3, Insight::Full), adult(), &bphs3());
    assert_eq!(a.class, VisitClass::Unstable);
    assert!(a.referral.is_some());
    assert_eq!(a.next_due, days_after_visit(14));
    assert!(a.explanation.rules.contains(RuleId::SmdUnstable));
    let _ = Condition::SevereMentalDisorder(MentalDiagnosis::Schizophrenia);
}

#[test]
fn v15_id_11010519491231002x_is_valid_born_1949_12_31_female() {
    let id = CitizenId::parse("11010519491231002X", date!(2026 - 11 - 23)).unwrap();
    assert_eq!(id.birth_date(), date!(1949 - 12 - 31));
    assert_eq!(id.sex(), Sex::Female);
}

#[test]
fn v16_id_110105194912310021_has_an_invalid_check_character() {
    assert_eq!(
        CitizenId::parse("110105194912310021", date!(2026 - 11 - 23)),
        Err(IdentityError::CheckCharacter { expected: 'X' })
    );
}

#[test]
fn v17_village_clinic_to_township_marked_downward_is_rejected_for_direction() {
    let err = yigong_domain::referral::Referral::create(
        downward(1),
        &route(VILLAGE, TOWNSHIP),
        &[],
        NOW,
        &bphs3(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ReferralError::DirectionMismatch {
                declared: Direction::Downward,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("direction does not match levels"));
}

#[test]
fn v18_accepting_a_cancelled_referral_is_an_illegal_transition_and_changes_nothing() {
    let profile = bphs3();
    let (referral, _) = yigong_domain::referral::Referral::create(
        upward(1, Urgency::Routine),
        &route(TOWNSHIP, COUNTY),
        &[],
        NOW,
        &profile,
    )
    .unwrap();
    let (cancelled, _) = referral.cancel("patient recovered").unwrap();
    let before = cancelled.clone();
    let appointment = Appointment {
        at: NOW + time::Duration::days(2),
        slot: SlotKind::General,
    };
    let err = cancelled
        .clone()
        .accept(appointment, receiving(), None, NOW, &profile)
        .unwrap_err();
    assert_eq!(
        err,
        ReferralError::IllegalTransition {
            command: Command::Accept,
            state: StateName::Cancelled
        }
    );
    assert_eq!(cancelled, before);
    assert!(matches!(cancelled.state(), ReferralState::Cancelled { .. }));
}

#[test]
fn v19_self_care_3_1_0_1_5_totals_10_moderate_dependence() {
    let score = SelfCareScore::new([3, 1, 0, 1, 5]).unwrap();
    assert_eq!(score.total(), 10);
    assert_eq!(score.dependence(), Dependence::Moderate);
}

#[test]
fn v20_screening_age_35_132_86_no_other_factor_is_high_risk_rescreen_in_6_months() {
    let reading = BpReading {
        date: date!(2026 - 03 - 02),
        bp: BloodPressure::new(132, 86).unwrap(),
    };
    let d = assess_blood_pressure(&[reading], 35, Sex::Male, &RiskFactors::default(), &bphs3())
        .unwrap();
    assert_eq!(
        d.outcome,
        BpOutcome::HighRisk {
            rescreen_on: date!(2026 - 09 - 02)
        }
    );
    assert!(d.explanation.rules.contains(RuleId::ScreenRiskHighNormal));
    assert!(!d.explanation.rules.contains(RuleId::ScreenRiskAge));
}
