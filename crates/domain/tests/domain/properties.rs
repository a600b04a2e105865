//! Property tests for every rule family, through the public API.

use std::collections::BTreeSet;

use proptest::prelude::*;
use time::macros::date;
use time::{Date, Duration};
use yigong_domain::event::DomainEvent;
use yigong_domain::followup::{
    AdverseReaction, Complication, Condition, Confirmation, ContactMode, DangerSign, DangerSigns,
    Dangerousness, DiabetesVisit, EnrolPatient, Enrolment, FollowUpEvent, FollowUpPlan,
    HypertensionVisit, Insight, MentalDiagnosis, MentalDisorderVisit, OutreachOutcome, PlanOrigin,
    PlanStatus, SocialFunction, Symptoms, Visit, VisitClass, VisitContext, VisitSummary,
    WorklistPosition, YearOfCare, classify, overdue_worklist,
};
use yigong_domain::identity::Sex;
use yigong_domain::ids::{EnrolmentId, InstitutionId, PlanId, ReferralId, ResidentId, TeamId};
use yigong_domain::indicator::{
    AssessedRate, CheckFact, CoverageFacts, Rate, ResidentFacts, annual_check_done,
    contract_coverage, control_rate, dynamic_record_rate, grid_tally, key_population_coverage,
    standardized_management_rate,
};
use yigong_domain::measure::{BloodPressure, Glucose, HeartRate, Temperature};
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::{
    Appointment, AttachedResult, Command, ExternalEvidence, Referral, ReferralError, SlotKind,
    StateName, Urgency,
};
use yigong_domain::screening::{
    BpOutcome, BpReading, Cancer, GlucoseKind, GlucoseOutcome, Programme, RiskFactors,
    ScreeningSubject, assess_blood_pressure, assess_glucose, eligibility,
};

use crate::support::*;

fn profile() -> RuleProfile {
    RuleProfile::bphs3()
}

fn day() -> impl Strategy<Value = Date> {
    (0i64..3000).prop_map(|d| date!(2020 - 01 - 01) + Duration::days(d))
}

fn bp() -> impl Strategy<Value = BloodPressure> {
    (50u16..=300)
        .prop_flat_map(|sbp| (Just(sbp), 20u16..sbp.min(201)))
        .prop_map(|(s, d)| BloodPressure::new(s, d).unwrap())
}

fn signs() -> impl Strategy<Value = DangerSigns> {
    proptest::collection::vec(
        prop_oneof![
            Just(DangerSign::AlteredConsciousness),
            Just(DangerSign::Palpitations),
            Just(DangerSign::AcetoneBreath),
            Just(DangerSign::Dyspnoea),
            Just(DangerSign::BeyondCapability),
        ],
        0..2,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn adr() -> impl Strategy<Value = AdverseReaction> {
    prop_oneof![
        Just(AdverseReaction::None),
        Just(AdverseReaction::Present),
        Just(AdverseReaction::HardToControl)
    ]
}

fn complication() -> impl Strategy<Value = Complication> {
    prop_oneof![3 => Just(Complication::Unchanged), 1 => Just(Complication::NewOrWorse)]
}

fn mode() -> impl Strategy<Value = ContactMode> {
    prop_oneof![
        Just(ContactMode::Clinic),
        Just(ContactMode::Home),
        Just(ContactMode::Phone)
    ]
}

fn htn_visit() -> impl Strategy<Value = HypertensionVisit> {
    (
        day(),
        mode(),
        bp(),
        proptest::option::of(20u16..=300),
        signs(),
        adr(),
        complication(),
    )
        .prop_map(
            |(date, mode, bp, hr, signs, adverse_reaction, complication)| HypertensionVisit {
                date,
                mode,
                bp,
                heart_rate: hr.map(|h| HeartRate::new(h).unwrap()),
                signs,
                adverse_reaction,
                complication,
            },
        )
}

fn glucose() -> impl Strategy<Value = Glucose> {
    // Laboratory precision: two decimals.
    (50u32..=6000).prop_map(|g| Glucose::from_hundredths(g).unwrap())
}

fn dm_visit() -> impl Strategy<Value = DiabetesVisit> {
    (
        day(),
        mode(),
        glucose(),
        proptest::option::of(glucose()),
        proptest::option::of(bp()),
        proptest::option::of(300u16..=450),
        signs(),
        adr(),
        complication(),
    )
        .prop_map(
            |(
                date,
                mode,
                fasting_glucose,
                random_glucose,
                bp,
                temp,
                signs,
                adverse_reaction,
                complication,
            )| {
                DiabetesVisit {
                    date,
                    mode,
                    fasting_glucose,
                    random_glucose,
                    bp,
                    heart_rate: None,
                    temperature: temp.map(|t| Temperature::from_tenths(t).unwrap()),
                    signs,
                    adverse_reaction,
                    complication,
                }
            },
        )
}

fn smd_visit() -> impl Strategy<Value = MentalDisorderVisit> {
    (
        day(),
        mode(),
        0u8..=5,
        prop_oneof![
            Just(Symptoms::Resolved),
            Just(Symptoms::Present),
            Just(Symptoms::Marked)
        ],
        prop_oneof![
            Just(Insight::Full),
            Just(Insight::Partial),
            Just(Insight::Absent)
        ],
        prop_oneof![
            Just(SocialFunction::Good),
            Just(SocialFunction::Fair),
            Just(SocialFunction::Poor)
        ],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(date, mode, level, symptoms, insight, social_function, adr, ill)| {
                MentalDisorderVisit {
                    date,
                    mode,
                    dangerousness: Dangerousness::new(level).unwrap(),
                    symptoms,
                    insight,
                    social_function,
                    serious_adverse_reaction: adr,
                    serious_physical_illness: ill,
                }
            },
        )
}

fn visit() -> impl Strategy<Value = Visit> {
    prop_oneof![
        htn_visit().prop_map(Visit::Hypertension),
        dm_visit().prop_map(Visit::Diabetes),
        smd_visit().prop_map(Visit::MentalDisorder),
    ]
}

fn class() -> impl Strategy<Value = Option<VisitClass>> {
    proptest::option::of(prop_oneof![
        Just(VisitClass::Controlled),
        Just(VisitClass::UncontrolledFirst),
        Just(VisitClass::Refer),
        Just(VisitClass::Emergency),
        Just(VisitClass::Stable),
        Just(VisitClass::BasicallyStable),
        Just(VisitClass::Unstable),
    ])
}

fn context() -> impl Strategy<Value = VisitContext> {
    (0u16..110, class()).prop_map(|(age, previous)| VisitContext { age, previous })
}

proptest! {
    // ---- follow-up classification -------------------------------------------------------

    #[test]
    fn classification_is_total_and_deterministic(v in visit(), ctx in context()) {
        let p = profile();
        let a = classify(&v, ctx, &p);
        prop_assert_eq!(a, classify(&v, ctx, &p));
        prop_assert!(!a.explanation.rules.is_empty());
        prop_assert_eq!(a.explanation.profile, p.stamp());
        // A referral is asked for exactly when the class calls for one.
        let refers = matches!(a.class, VisitClass::Refer | VisitClass::Emergency | VisitClass::Unstable);
        prop_assert_eq!(a.referral.is_some(), refers);
    }

    #[test]
    fn next_due_is_after_the_visit_and_within_the_profile_maximum(v in visit(), ctx in context()) {
        let p = profile();
        let a = classify(&v, ctx, &p);
        prop_assert!(a.next_due > v.date());
        prop_assert!(a.next_due <= v.date() + Duration::days(i64::from(p.follow_up.max_interval_days())));
    }

    #[test]
    fn raising_sbp_never_yields_a_more_controlled_class(v in htn_visit(), ctx in context(), raise in 0u16..150) {
        let p = profile();
        let higher_sbp = (v.bp.sbp() + raise).min(300);
        let higher = HypertensionVisit { bp: BloodPressure::new(higher_sbp, v.bp.dbp()).unwrap(), ..v };
        let low = classify(&Visit::Hypertension(v), ctx, &p).class;
        let high = classify(&Visit::Hypertension(higher), ctx, &p).class;
        prop_assert!(high.risk() >= low.risk(), "{:?} -> {:?}", low, high);
    }

    #[test]
    fn raising_glucose_above_the_hypoglycaemia_threshold_never_yields_a_more_controlled_class(
        v in dm_visit(), ctx in context(), raise in 0u32..3000
    ) {
        let p = profile();
        prop_assume!(!v.fasting_glucose.at_most_tenths(p.danger.glucose_low_tenths));
        let higher = DiabetesVisit {
            fasting_glucose: Glucose::from_hundredths((u32::from(v.fasting_glucose.hundredths()) + raise).min(6000)).unwrap(),
            ..v
        };
        let low = classify(&Visit::Diabetes(v), ctx, &p).class;
        let high = classify(&Visit::Diabetes(higher), ctx, &p).class;
        prop_assert!(high.risk() >= low.risk(), "{:?} -> {:?}", low, high);
    }

    #[test]
    fn two_consecutive_looks_only_at_the_latest_visit(v in htn_visit(), age in 18u16..64, sbp in 140u16..180, dbp in 60u16..110) {
        let p = profile();
        // Above target, below danger: the class depends only on the previous visit.
        let v = HypertensionVisit { bp: BloodPressure::new(sbp, dbp).unwrap(), signs: DangerSigns::NONE, heart_rate: None, adverse_reaction: AdverseReaction::None, complication: Complication::Unchanged, ..v };
        let after_controlled = classify(&Visit::Hypertension(v), VisitContext { age, previous: Some(VisitClass::Controlled) }, &p);
        let after_uncontrolled = classify(&Visit::Hypertension(v), VisitContext { age, previous: Some(VisitClass::UncontrolledFirst) }, &p);
        prop_assert_eq!(after_controlled.class, VisitClass::UncontrolledFirst);
        prop_assert_eq!(after_uncontrolled.class, VisitClass::Refer);
    }

    // ---- plans, overdue and the worklist -----------------------------------------------

    #[test]
    fn overdue_is_derived_from_the_due_date_and_grace(offset in -30i64..60, grace in 0u16..10) {
        let p = RuleProfile::from_toml(&format!("base = \"bphs3\"\n[follow_up]\ngrace_days = {grace}\n")).unwrap();
        let plan = enrolled_plan(1, TeamId::from_u128(1), &p);
        let on = plan.due() + Duration::days(offset);
        let status = plan.status_on(on, &p);
        if offset > i64::from(grace) {
            prop_assert_eq!(status, PlanStatus::Overdue { days: u32::try_from(offset).unwrap() });
        } else {
            prop_assert_eq!(status, PlanStatus::Due);
        }
    }

    #[test]
    fn a_waiting_plan_is_announced_due_from_its_due_date_and_overdue_after_the_grace(
        offset in -30i64..60,
        grace in 0u16..10,
    ) {
        let p = RuleProfile::from_toml(&format!("base = \"bphs3\"\n[follow_up]\ngrace_days = {grace}\n")).unwrap();
        let plan = enrolled_plan(1, TeamId::from_u128(1), &p);
        let today = plan.due() + Duration::days(offset);
        let due = plan.due_notice(today);
        prop_assert_eq!(due.is_some(), offset >= 0);
        if let Some(FollowUpEvent::PlanFellDue { plan: id, due, origin, .. }) = due {
            prop_assert_eq!((id, due, origin), (plan.id(), plan.due(), plan.origin()));
        }
        let overdue = plan.overdue_notice(today, &p);
        // Announced exactly when the status turns overdue.
        prop_assert_eq!(
            overdue.is_some(),
            matches!(plan.status_on(today, &p), PlanStatus::Overdue { .. })
        );
        if let Some(FollowUpEvent::PlanOverdue { since, .. }) = overdue {
            prop_assert_eq!(since, plan.overdue_from(&p));
            prop_assert_eq!(since, plan.due() + Duration::days(i64::from(grace) + 1));
        }
        // The storage cutoff selects exactly the plans whose status is overdue.
        let cutoff = FollowUpPlan::overdue_if_due_before(today, &p);
        prop_assert_eq!(
            cutoff.is_some_and(|c| plan.due() < c),
            matches!(plan.status_on(today, &p), PlanStatus::Overdue { .. })
        );
    }

    #[test]
    fn the_worklist_holds_exactly_the_teams_overdue_plans_riskiest_first(
        plans in proptest::collection::vec((0u128..3, -40i64..40, class(), any::<bool>()), 0..60),
        asked in 0u128..3,
    ) {
        let p = profile();
        let today = date!(2026 - 06 - 01);
        let built: Vec<FollowUpPlan> = plans.iter().enumerate().map(|(i, (team, offset, last, reached))| {
            let plan = plan_due(i as u128, TeamId::from_u128(*team), today + Duration::days(*offset), *last, &p);
            if *reached && *offset < -1 {
                plan.record_outreach(today, OutreachOutcome::Reached { remind_on: today + Duration::days(3) }, &p).unwrap().0
            } else {
                plan
            }
        }).collect();
        let list = overdue_worklist(&built, TeamId::from_u128(asked), today, &p);
        let expected = built.iter().filter(|pl| pl.team() == TeamId::from_u128(asked)
            && matches!(pl.status_on(today, &p), PlanStatus::Overdue { .. })
            && pl.remind_on().is_none_or(|r| r <= today)).count();
        prop_assert_eq!(list.len(), expected);
        for pair in list.windows(2) {
            prop_assert!(pair[0].risk >= pair[1].risk);
            if pair[0].risk == pair[1].risk && pair[0].origin == pair[1].origin {
                prop_assert!(pair[0].days_overdue >= pair[1].days_overdue);
            }
            prop_assert!(pair[0].position() < pair[1].position());
        }
        // What storage indexes (the plan's position) is the line's place in the list.
        for entry in &list {
            let plan = built.iter().find(|pl| pl.id() == entry.plan).unwrap();
            prop_assert_eq!(plan.worklist_position(), entry.position());
        }
    }

    #[test]
    fn worklist_positions_order_by_risk_then_referral_then_due_then_plan(
        a in (0u8..4, any::<bool>(), -40i64..40, 0u128..4),
        b in (0u8..4, any::<bool>(), -40i64..40, 0u128..4),
    ) {
        let origin = |referral: bool| if referral {
            PlanOrigin::DownwardReferral(ReferralId::from_u128(9))
        } else {
            PlanOrigin::Enrolment
        };
        let day = date!(2026 - 06 - 01);
        let pos = |(risk, referral, offset, id): (u8, bool, i64, u128)| WorklistPosition::new(
            risk, origin(referral), day + Duration::days(offset), PlanId::from_u128(id));
        let spelled_out = b.0.cmp(&a.0)
            .then(b.1.cmp(&a.1))
            .then(a.2.cmp(&b.2))
            .then(a.3.cmp(&b.3));
        prop_assert_eq!(pos(a).cmp(&pos(b)), spelled_out);
    }

    // ---- referral state machine --------------------------------------------------------

    #[test]
    fn every_referral_command_sequence_stays_inside_the_state_machine(
        emergency in any::<bool>(),
        down in any::<bool>(),
        approval in any::<bool>(),
        commands in proptest::collection::vec(0u8..10, 0..12),
    ) {
        let p = RuleProfile::from_toml(&format!("base = \"bphs3\"\nid = \"t\"\n[referral]\napproval_required = {approval}\n")).unwrap();
        let emergency = emergency && !down;
        let (cmd, route) = if down {
            (downward(1), route(COUNTY, TOWNSHIP))
        } else {
            (upward(1, if emergency { Urgency::Emergency } else { Urgency::Routine }), route(TOWNSHIP, COUNTY))
        };
        let (mut referral, events) = Referral::create(cmd, &route, &[], NOW, &p).unwrap();
        let mut state = if approval && !emergency && !down { StateName::AwaitingApproval } else { StateName::Requested };
        prop_assert_eq!(referral.state().name(), state);
        prop_assert_eq!(events.len(), if down { 1 } else { 2 });
        let mut escalated = false;
        // The arrival deadline as the rules give it: the appointment (a day after acceptance)
        // plus the profile's grace days; and whether the desk was told of a missed arrival.
        let (mut arrive_by, mut missed) = (None, false);
        for (step, c) in commands.into_iter().enumerate() {
            let now = NOW + Duration::hours(30 * (step as i64 + 1));
            let command = [Command::Approve, Command::Accept, Command::Reject, Command::Cancel, Command::Arrive, Command::Complete, Command::Escalate, Command::Close, Command::Attach, Command::MissArrival][usize::from(c)];
            let missable = !missed && arrive_by.is_some_and(|d| now >= d);
            let expected = model(state, command, emergency, escalated, down, missable);
            let before = referral.clone();
            let result = match command {
                Command::Approve => before.clone().approve(now, &p),
                Command::Accept => before.clone().accept(Appointment { at: now + Duration::days(1), slot: SlotKind::General }, receiving(), None, now, &p),
                Command::Reject => before.clone().reject("no bed", now),
                Command::Cancel => before.clone().cancel("patient declined"),
                Command::Arrive => before.clone().arrive(now),
                Command::Complete => before.clone().complete(report("s", "g").unwrap(), now, &p),
                Command::Escalate => before.clone().escalate(now),
                Command::MissArrival => before.clone().miss_arrival(now),
                Command::Close => before.clone().close_on_evidence(ExternalEvidence::AdmittedElsewhere),
                // A different day each step: never the same result twice.
                Command::Attach => before.clone().attach(AttachedResult::new("ecg", NOW.date() - Duration::days(step as i64), TOWNSHIP, "窦性心律", "", NOW.date(), &p).unwrap()),
            };
            match (expected, result) {
                (Some((next, names)), Ok((after, events))) => {
                    prop_assert_eq!(after.state().name(), next);
                    let got: Vec<&str> = events.into_iter().map(|e| DomainEvent::from(e).type_name()).collect();
                    prop_assert_eq!(got, names);
                    if command == Command::Escalate { escalated = true; }
                    if command == Command::MissArrival { missed = true; }
                    if command == Command::Accept {
                        arrive_by = Some(now + Duration::days(1 + i64::from(p.referral.arrival_grace_days)));
                    }
                    state = next;
                    referral = after;
                }
                (None, Err(err)) => {
                    let legal_but_refused = matches!(err, ReferralError::AlreadyEscalated)
                        || (command == Command::MissArrival && matches!(err, ReferralError::DeadlineNotPassed { .. }));
                    prop_assert!(legal_but_refused || matches!(err, ReferralError::IllegalTransition { .. }), "{:?}", err);
                    prop_assert_eq!(&referral, &before);
                }
                (expected, result) => prop_assert!(false, "{:?} in {:?}: expected {:?}, got {:?}", command, state, expected, result.map(|r| r.0.state().name())),
            }
        }
    }

    // ---- screening ---------------------------------------------------------------------

    #[test]
    fn bp_screening_emergency_and_diagnosis_follow_the_readings(
        readings in proptest::collection::vec((0i64..20, bp()), 1..6), age in 35u16..90,
    ) {
        let p = profile();
        let readings: Vec<BpReading> = readings.into_iter().map(|(d, bp)| BpReading { date: date!(2026 - 01 - 01) + Duration::days(d), bp }).collect();
        let d = assess_blood_pressure(&readings, age, Sex::Female, &RiskFactors::default(), &p).unwrap();
        let latest_date = readings.iter().map(|r| r.date).max().unwrap();
        // The latest reading decides; among readings of one day, the last one given.
        let latest = readings.iter().rfind(|r| r.date == latest_date).unwrap();
        prop_assert_eq!(matches!(d.outcome, BpOutcome::Emergency), latest.bp.reaches(180, 110));
        match d.outcome {
            BpOutcome::Emergency => {}
            BpOutcome::PreliminaryDiagnosis { follow_up_by } => {
                let elevated_days: BTreeSet<Date> = readings.iter().filter(|r| r.bp.reaches(140, 90)).map(|r| r.date).collect();
                prop_assert!(elevated_days.len() >= 3);
                prop_assert_eq!(follow_up_by, latest_date + Duration::days(14));
            }
            BpOutcome::HighRisk { rescreen_on } | BpOutcome::Normal { rescreen_on } => prop_assert!(rescreen_on > latest_date),
            BpOutcome::RecheckRequired { elevated_days } => prop_assert!((1..3).contains(&elevated_days)),
        }
    }

    #[test]
    fn glucose_outcomes_rise_with_glucose_above_the_hypoglycaemia_threshold(a in 391u32..=6000, b in 391u32..=6000) {
        let p = profile();
        let rank = |o: GlucoseOutcome| match o {
            GlucoseOutcome::Normal => 0, GlucoseOutcome::ImpairedFasting => 1, GlucoseOutcome::Suspected => 2, GlucoseOutcome::Emergency => 3,
        };
        let (lo, hi) = (a.min(b), a.max(b));
        let o = |g| assess_glucose(Glucose::from_hundredths(g).unwrap(), GlucoseKind::Fasting, false, &p).outcome;
        prop_assert!(rank(o(hi)) >= rank(o(lo)));
    }

    #[test]
    fn glucose_outcomes_follow_the_thresholds_at_two_decimals(h in 50u32..=6000, kind_i in 0usize..3, symptoms in any::<bool>()) {
        // A brute-force restatement of §5 in hundredths: the thresholds are in tenths.
        let p = profile();
        let kind = [GlucoseKind::Fasting, GlucoseKind::Random, GlucoseKind::TwoHour][kind_i];
        let t = |tenths: u16| u32::from(tenths) * 10;
        let s = &p.screening.glucose;
        let expected = if h >= t(p.danger.glucose_high_tenths) || h <= t(p.danger.glucose_low_tenths) {
            GlucoseOutcome::Emergency
        } else if kind == GlucoseKind::Fasting && h >= t(s.diabetic_fasting_tenths) {
            GlucoseOutcome::Suspected
        } else if kind == GlucoseKind::Fasting && h >= t(s.impaired_fasting_tenths) {
            GlucoseOutcome::ImpairedFasting
        } else if kind != GlucoseKind::Fasting && symptoms && h >= t(s.diabetic_random_tenths) {
            GlucoseOutcome::Suspected
        } else {
            GlucoseOutcome::Normal
        };
        let got = assess_glucose(Glucose::from_hundredths(h).unwrap(), kind, symptoms, &p).outcome;
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn screening_next_due_follows_the_programme_interval(
        birth in day(), last in proptest::option::of(day()), on in day(), high_risk in any::<bool>(), female in any::<bool>(),
    ) {
        let p = profile();
        let birth = birth - Duration::days(365 * 40);
        let subject = ScreeningSubject { birth_date: birth, sex: if female { Sex::Female } else { Sex::Male }, permanent_resident: true, high_risk, diagnosed: false };
        for programme in [Programme::BloodPressure, Programme::FastingGlucose, Programme::ElderlyCheck, Programme::TwoCancer] {
            let e = eligibility(programme, &subject, last, on, &p);
            match (e.eligible, e.next_due, last) {
                (false, due, _) => prop_assert_eq!(due, None),
                (true, Some(due), None) => prop_assert_eq!(due, on),
                (true, Some(due), Some(last)) => {
                    prop_assert!(due > last);
                    prop_assert!(due <= last + Duration::days(366 * 3 + 1));
                }
                (true, None, _) => prop_assert!(false, "eligible without a due date"),
            }
        }
    }

    // ---- indicators --------------------------------------------------------------------

    #[test]
    fn coverage_indicators_lie_in_0_1_and_equal_a_brute_force_recount(
        facts in proptest::collection::vec((any::<bool>(), any::<bool>(), any::<bool>()), 0..200),
    ) {
        let residents: Vec<CoverageFacts> = facts.iter().map(|(p, c, k)| CoverageFacts { permanent: *p, contracted: *c, key_population: *k }).collect();
        let cov = contract_coverage(&residents);
        let brute = Rate {
            numerator: facts.iter().filter(|(p, c, _)| *p && *c).count() as u64,
            denominator: facts.iter().filter(|(p, _, _)| *p).count() as u64,
        };
        prop_assert_eq!(cov, brute);
        let key = key_population_coverage(&residents);
        prop_assert_eq!(key.numerator, facts.iter().filter(|(p, c, k)| *p && *c && *k).count() as u64);
        for rate in [cov, key] {
            if let Some(f) = rate.fraction() { prop_assert!((0.0..=1.0).contains(&f)); }
            prop_assert_eq!(rate.fraction().is_none(), rate.denominator == 0);
        }
    }

    #[test]
    fn management_indicators_equal_a_brute_force_recount(
        years in proptest::collection::vec((0u16..8, any::<bool>(), class()), 0..100),
    ) {
        let p = profile();
        let care: Vec<YearOfCare> = years.iter().map(|(f, c, l)| YearOfCare { face_to_face: *f, annual_check: *c, latest_class: *l }).collect();
        let std = standardized_management_rate(&care, &p);
        prop_assert_eq!(std.numerator, years.iter().filter(|(f, c, _)| *f >= 4 && *c).count() as u64);
        prop_assert_eq!(std.denominator, years.len() as u64);
        let ctl = control_rate(&care);
        prop_assert_eq!(ctl.numerator, years.iter().filter(|(_, _, l)| matches!(l, Some(VisitClass::Controlled | VisitClass::Stable))).count() as u64);
        for rate in [std, ctl] {
            if let Some(f) = rate.fraction() { prop_assert!((0.0..=1.0).contains(&f)); }
        }
    }

    #[test]
    fn phone_contacts_never_count_toward_the_four(
        visits in proptest::collection::vec((0i64..365, any::<bool>()), 0..12),
    ) {
        let summaries: Vec<VisitSummary> = visits.iter().map(|(d, f2f)| VisitSummary {
            date: date!(2026 - 01 - 01) + Duration::days(*d), face_to_face: *f2f, class: VisitClass::Controlled,
        }).collect();
        let year = YearOfCare::from_visits(&summaries, 2026, true);
        prop_assert_eq!(usize::from(year.face_to_face), visits.iter().filter(|(_, f)| *f).count());
        prop_assert_eq!(year.is_standardized(&profile()), year.face_to_face >= 4);
    }

    #[test]
    fn the_dynamic_record_rate_counts_services_in_the_window(
        lasts in proptest::collection::vec(proptest::option::of(0i64..800), 0..100),
    ) {
        let p = profile();
        let on = date!(2026 - 06 - 30);
        let dates: Vec<Option<Date>> = lasts.iter().map(|d| d.map(|d| on - Duration::days(d))).collect();
        let rate = dynamic_record_rate(dates.iter().copied(), on, &p);
        prop_assert_eq!(rate.numerator, lasts.iter().filter(|d| d.is_some_and(|d| d < 365)).count() as u64);
        prop_assert_eq!(rate.denominator, lasts.len() as u64);
    }
}

/// The reference state machine of section 7: the next state and the event types a command
/// yields, or `None` for an illegal transition.
fn model(
    state: StateName,
    command: Command,
    emergency: bool,
    escalated: bool,
    down: bool,
    missable: bool,
) -> Option<(StateName, Vec<&'static str>)> {
    use StateName as S;
    let open = matches!(
        state,
        S::AwaitingApproval | S::Requested | S::Accepted | S::Arrived
    );
    match (command, state) {
        (Command::Approve, S::AwaitingApproval) => {
            Some((S::Requested, vec!["referral.referral_approved"]))
        }
        (Command::Accept, S::Requested) => Some((S::Accepted, vec!["referral.referral_accepted"])),
        (Command::Reject, S::AwaitingApproval | S::Requested) => {
            Some((S::Rejected, vec!["referral.referral_rejected"]))
        }
        (Command::Cancel, S::AwaitingApproval | S::Requested) => {
            Some((S::Cancelled, vec!["referral.referral_cancelled"]))
        }
        (Command::Arrive, S::Accepted) => Some((S::Arrived, vec!["referral.patient_arrived"])),
        (Command::Arrive, S::Requested) if emergency => {
            Some((S::Arrived, vec!["referral.patient_arrived"]))
        }
        (Command::Complete, S::Arrived) if down => Some((
            S::Completed,
            vec![
                "referral.referral_completed",
                "referral.downward_follow_up_due",
            ],
        )),
        (Command::Complete, S::Arrived) => {
            Some((S::Completed, vec!["referral.referral_completed"]))
        }
        (Command::Escalate, S::Requested) if !emergency && !escalated => {
            Some((S::Requested, vec!["referral.referral_escalated"]))
        }
        (Command::MissArrival, S::Accepted) if missable => {
            Some((S::Accepted, vec!["referral.arrival_missed"]))
        }
        (Command::Close, _) if open => Some((S::Closed, vec!["referral.referral_closed"])),
        (Command::Attach, _) if open => Some((state, vec!["referral.result_attached"])),
        _ => None,
    }
}

fn enrolled_plan(n: u128, team: TeamId, p: &RuleProfile) -> FollowUpPlan {
    Enrolment::enrol(
        EnrolPatient {
            id: EnrolmentId::from_u128(n),
            patient: ResidentId::from_u128(n),
            confirmation: Confirmation {
                condition: Condition::Hypertension,
                confirmed_by: InstitutionId::from_u128(1),
                level: yigong_domain::network::Level::County,
                confirmed_on: date!(2026 - 01 - 01),
            },
            team,
            institution: InstitutionId::from_u128(10),
            on: date!(2026 - 01 - 01),
            first_plan: PlanId::from_u128(n),
        },
        p,
    )
    .unwrap()
    .1
}

/// A plan due on `due` whose scheduling visit had class `last`, as the store would restore it.
fn plan_due(
    n: u128,
    team: TeamId,
    due: Date,
    last: Option<VisitClass>,
    p: &RuleProfile,
) -> FollowUpPlan {
    let mut record = enrolled_plan(n, team, p).to_record();
    record.due = due;
    record.last_class = last;
    FollowUpPlan::restore(record)
}

proptest! {
    // ---- network -----------------------------------------------------------------------

    #[test]
    fn a_primary_institution_never_ends_up_in_two_communities(joins in proptest::collection::vec((0u8..2, 0u8..4), 0..20)) {
        use yigong_domain::network::{Institution, InstitutionKind, Network};
        use yigong_domain::ids::CommunityId;
        let mut n = Network::new();
        for (id, kind) in [(1, InstitutionKind::CountyGeneralHospital), (2, InstitutionKind::CountyTcmHospital)] {
            n.add_institution(Institution { id: InstitutionId::from_u128(id), name: String::new(), kind }).unwrap();
        }
        for i in 0..4u128 {
            n.add_institution(Institution { id: InstitutionId::from_u128(10 + i), name: String::new(), kind: InstitutionKind::VillageClinic }).unwrap();
        }
        n.found_community(CommunityId::from_u128(100), "A", InstitutionId::from_u128(1)).unwrap();
        n.found_community(CommunityId::from_u128(101), "B", InstitutionId::from_u128(2)).unwrap();
        for (c, i) in joins {
            let _ = n.join(CommunityId::from_u128(100 + u128::from(c)), InstitutionId::from_u128(10 + u128::from(i)));
        }
        for inst in n.institutions() {
            let count = n.communities().filter(|c| c.contains(inst.id)).count();
            prop_assert!(count <= 1);
            prop_assert_eq!(count == 1, n.community_of(inst.id).is_some());
        }
    }

    // ---- profiles ----------------------------------------------------------------------

    #[test]
    fn a_county_override_is_applied_exactly_or_refused_naming_its_field(
        field in prop_oneof![
            Just(("follow_up", "grace_days")),
            Just(("follow_up", "routine_interval_days")),
            Just(("screening.blood_pressure", "elevated_sbp")),
            Just(("danger", "sbp")),
            Just(("referral", "response_hours")),
            Just(("contract", "min_period_months")),
        ],
        value in 0u32..400,
    ) {
        let (table, key) = field;
        let text = format!("base = \"bphs3\"\nid = \"county\"\n[{table}]\n{key} = {value}\n");
        match RuleProfile::from_toml(&text) {
            Ok(p) => {
                let got = match (table, key) {
                    ("follow_up", "grace_days") => u32::from(p.follow_up.grace_days),
                    ("follow_up", "routine_interval_days") => u32::from(p.follow_up.routine_interval_days),
                    ("screening.blood_pressure", "elevated_sbp") => u32::from(p.screening.blood_pressure.elevated_sbp),
                    ("danger", "sbp") => u32::from(p.danger.sbp),
                    ("referral", "response_hours") => u32::from(p.referral.response_hours),
                    _ => u32::from(p.contract.min_period_months),
                };
                prop_assert_eq!(got, value);
                prop_assert_eq!(p.stamp().id.to_string(), "county");
            }
            Err(yigong_domain::profile::ProfileError::Invalid { field, .. }) => prop_assert!(!field.is_empty()),
            Err(yigong_domain::profile::ProfileError::Parse(message)) => prop_assert!(message.contains(key), "{}", message),
            Err(other) => prop_assert!(false, "{}", other),
        }
    }
}

/// A managed condition's year as generated: latest class, face-to-face visits.
type Managed = (Option<VisitClass>, u16);

/// One resident as generated: age, months living here, contracted, days since the last
/// service, managed conditions, 65+ checks (days before `on`, days until fed back with
/// guidance if it was), screened by the BP programme, two-cancer exams (cervical or breast,
/// days before `on`).
type Generated = (
    u16,
    u16,
    bool,
    Option<i64>,
    Vec<Managed>,
    Vec<(i64, Option<i64>)>,
    bool,
    Vec<(bool, i64)>,
);

fn resident_facts(
    n: usize,
    (age, months_here, contracted, served_days_ago, managed, checks, bp_screened, exams): Generated,
    on: Date,
) -> ResidentFacts {
    use yigong_domain::identity::{DocumentKind, OtherDocument, Resident};
    let birth = on - Duration::days(i64::from(age) * 366 + 30);
    let since = (on - Duration::days(i64::from(months_here) * 31)).max(birth);
    let resident = Resident::with_document(
        ResidentId::from_u128(n as u128),
        OtherDocument::new(DocumentKind::Passport, &format!("P{n:07}")).unwrap(),
        birth,
        if n.is_multiple_of(2) {
            Sex::Female
        } else {
            Sex::Male
        },
        None,
        since,
    )
    .unwrap();
    // Every fifth resident has a disability; every third a hypertension diagnosed ten days
    // before `on`, and the next one ten days after (which must not count yet).
    let form = {
        use yigong_domain::personal::{
            Disability, Disease, PastDisease, PastHistory, PersonalInfo,
        };
        let diagnosed = match n % 3 {
            0 => Some(on - Duration::days(10)),
            1 => Some(on + Duration::days(10)),
            _ => None,
        };
        PersonalInfo {
            disabilities: n
                .is_multiple_of(5)
                .then_some(Disability::Physical)
                .into_iter()
                .collect(),
            past_history: PastHistory {
                diseases: diagnosed
                    .filter(|d| *d >= birth)
                    .map(|d| PastDisease {
                        disease: Disease::Hypertension,
                        detail: None,
                        diagnosed_on: d,
                    })
                    .into_iter()
                    .collect(),
                ..PastHistory::default()
            },
            ..PersonalInfo::default()
        }
    };
    let resident = resident
        .with_personal(form, on + Duration::days(400))
        .unwrap();
    let conditions = [
        Condition::Hypertension,
        Condition::Type2Diabetes,
        Condition::SevereMentalDisorder(MentalDiagnosis::Schizophrenia),
    ];
    let checks: Vec<CheckFact> = checks
        .into_iter()
        .map(|(days_ago, fed_back_after)| {
            let checked = on - Duration::days(days_ago);
            CheckFact {
                on: checked,
                guided_on: fed_back_after.map(|d| checked + Duration::days(d)),
            }
        })
        .collect();
    ResidentFacts {
        resident,
        contracted,
        last_service: served_days_ago.map(|d| on - Duration::days(d)),
        managed: managed
            .iter()
            .zip(conditions)
            .map(|((class, face_to_face), c)| {
                // A class of the condition's own kind (a hypertension visit is never `stable`).
                let of_mental = |k: &VisitClass| {
                    matches!(
                        k,
                        VisitClass::Stable | VisitClass::BasicallyStable | VisitClass::Unstable
                    )
                };
                let is_mental = matches!(c, Condition::SevereMentalDisorder(_));
                let class = class.filter(|k| of_mental(k) == is_mental);
                (
                    c,
                    YearOfCare {
                        face_to_face: *face_to_face,
                        annual_check: annual_check_done(c, &checks, on),
                        latest_class: class,
                    },
                )
            })
            .collect(),
        checks,
        bp_screened,
        cancer_exams: exams
            .into_iter()
            .map(|(cervical, days_ago)| {
                let cancer = if cervical {
                    Cancer::Cervical
                } else {
                    Cancer::Breast
                };
                (cancer, on - Duration::days(days_ago))
            })
            .collect(),
    }
}

fn facts_strategy() -> impl Strategy<Value = Generated> {
    (
        0u16..90,
        0u16..24,
        any::<bool>(),
        proptest::option::of(0i64..800),
        proptest::collection::vec((class(), 0u16..7), 0..4),
        // Days before `on`: some last year (`on` is 1 June), some after `on`.
        // Fed back the same day or up to a month later, sometimes after `on`.
        proptest::collection::vec((-20i64..200, proptest::option::of(0i64..30)), 0..3),
        any::<bool>(),
        // Around the three-year cycle's edge, and some after `on`.
        proptest::collection::vec((any::<bool>(), -30i64..1400), 0..3),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn a_grid_tally_recounts_its_residents_and_adds_up(
        a in proptest::collection::vec(facts_strategy(), 0..30),
        b in proptest::collection::vec(facts_strategy(), 0..30),
        plans in proptest::collection::vec((-40i64..40, class()), 0..20),
    ) {
        let p = profile();
        let on = date!(2026 - 06 - 01);
        let fa: Vec<ResidentFacts> = a.into_iter().enumerate().map(|(n, f)| resident_facts(n, f, on)).collect();
        let fb: Vec<ResidentFacts> = b.into_iter().enumerate().map(|(n, f)| resident_facts(100 + n, f, on)).collect();
        let waiting: Vec<FollowUpPlan> = plans.iter().enumerate()
            .map(|(i, (offset, last))| plan_due(i as u128, TeamId::from_u128(1), on + Duration::days(*offset), *last, &p))
            .collect();
        let (wa, wb) = waiting.split_at(waiting.len() / 2);
        let ta = grid_tally(3, &fa, wa, on, &p);
        let tb = grid_tally(4, &fb, wb, on, &p);
        let all: Vec<ResidentFacts> = fa.iter().chain(&fb).cloned().collect();
        let mut sum = ta;
        sum += tb;
        prop_assert_eq!(grid_tally(7, &all, &waiting, on, &p), sum);

        // A brute-force recount of the parts a reader checks first.
        let permanent: Vec<&ResidentFacts> = all.iter().filter(|f| f.resident.is_permanent_on(on, &p)).collect();
        let t = sum;
        prop_assert_eq!(t.permanent_residents, permanent.len() as u64);
        prop_assert_eq!(t.contracted, permanent.iter().filter(|f| f.contracted).count() as u64);
        prop_assert_eq!(t.dynamic_records, permanent.iter().filter(|f| f.last_service.is_some_and(|d| (on - d).whole_days() < 365)).count() as u64);
        let key = |f: &&&ResidentFacts| {
            let age = f.resident.age_on(on);
            let personal = f.resident.personal();
            age >= 65
                || age <= 6
                || !f.managed.is_empty()
                || !personal.disabilities.is_empty()
                || personal.past_history.diseases.iter().any(|d| d.diagnosed_on <= on)
        };
        prop_assert_eq!(t.key_population, permanent.iter().filter(key).count() as u64);
        prop_assert_eq!(t.key_population_contracted, permanent.iter().filter(key).filter(|f| f.contracted).count() as u64);
        prop_assert_eq!(t.managed, all.iter().map(|f| f.managed.len() as u64).sum::<u64>());
        prop_assert_eq!(t.controlled, all.iter().flat_map(|f| &f.managed).filter(|(_, y)| y.latest_class.is_some_and(VisitClass::is_controlled)).count() as u64);
        prop_assert_eq!(t.follow_ups_due, waiting.iter().filter(|w| w.due() <= on).count() as u64);
        prop_assert_eq!(t.follow_ups_overdue, waiting.iter().filter(|w| matches!(w.status_on(on, &p), PlanStatus::Overdue { .. })).count() as u64);
        prop_assert!(t.follow_ups_overdue <= t.follow_ups_due);

        // The assessed rates, recounted from the rules' words.
        let a = t.assessed;
        // (checked in the year, guided in the year)
        let in_year = |f: &ResidentFacts| {
            let year: Vec<bool> = f.checks.iter().filter(|c| c.on <= on && c.on.year() == 2026).map(|c| c.guided_on.is_some_and(|d| d <= on)).collect();
            (!year.is_empty(), year.contains(&true))
        };
        // Only permanent residents count in the assessed rates, managed patients too.
        let managed_of = |pick: fn(&Condition) -> bool| permanent.iter().copied().flat_map(move |f| f.managed.iter().filter(move |(c, _)| pick(c)).map(move |(_, y)| (f, y)));
        let htn = |c: &Condition| *c == Condition::Hypertension;
        prop_assert_eq!(a.hypertension.managed, managed_of(htn).count() as u64);
        prop_assert_eq!(
            a.hypertension.standardized,
            managed_of(htn).filter(|(f, y)| y.face_to_face >= 4 && in_year(f).0).count() as u64
        );
        prop_assert_eq!(a.hypertension.controlled, managed_of(htn).filter(|(_, y)| y.latest_class == Some(VisitClass::Controlled)).count() as u64);
        let smd = |c: &Condition| matches!(c, Condition::SevereMentalDisorder(_));
        prop_assert_eq!(a.mental_disorder_managed, managed_of(smd).count() as u64);
        prop_assert_eq!(a.mental_disorder_stable, managed_of(smd).filter(|(_, y)| y.latest_class == Some(VisitClass::Stable)).count() as u64);
        let elderly: Vec<&&ResidentFacts> = permanent.iter().filter(|f| f.resident.age_on(on) >= 65).collect();
        prop_assert_eq!(a.elderly, elderly.len() as u64);
        prop_assert_eq!(a.elderly_checked, elderly.iter().filter(|f| in_year(f).0).count() as u64);
        prop_assert_eq!(a.elderly_managed, elderly.iter().filter(|f| in_year(f).1).count() as u64);
        prop_assert_eq!(a.adults, permanent.iter().filter(|f| f.resident.age_on(on) >= 18).count() as u64);
        let bp: Vec<&&ResidentFacts> = permanent.iter()
            .filter(|f| f.resident.age_on(on) >= 35 && !f.managed.iter().any(|(c, _)| htn(c)))
            .collect();
        prop_assert_eq!(a.bp_eligible, bp.len() as u64);
        prop_assert_eq!(a.bp_screened, bp.iter().filter(|f| f.bp_screened).count() as u64);
        // Women 35-64, examined on or before `on` and within the three years before it.
        let women: Vec<&&ResidentFacts> = permanent.iter()
            .filter(|f| f.resident.sex() == Sex::Female && (35..=64).contains(&f.resident.age_on(on)))
            .collect();
        let examined = |f: &ResidentFacts, cancer| f.cancer_exams.iter().any(|(c, d)| *c == cancer && *d <= on && *d > date!(2023 - 06 - 01));
        prop_assert_eq!(a.two_cancer_eligible, women.len() as u64);
        prop_assert_eq!(a.cervical_screened, women.iter().filter(|f| examined(f, Cancer::Cervical)).count() as u64);
        prop_assert_eq!(a.breast_screened, women.iter().filter(|f| examined(f, Cancer::Breast)).count() as u64);
        let rate = AssessedRate::HypertensionManagement.of(&a, &p);
        prop_assert_eq!(rate.denominator, (a.adults * 232 + 500) / 1000);
        for &which in AssessedRate::ALL {
            let r = which.of(&a, &p);
            prop_assert!(which == AssessedRate::HypertensionManagement || which == AssessedRate::DiabetesManagement || r.numerator <= r.denominator, "{:?} {:?}", which, r);
        }
    }
}
