//! The demo county's older residents and its severe mental disorder patients: most 65+ residents
//! and managed patients had their annual check this year (most fed back with guidance, a few with a danger sign that
//! lands on the desk), and a few adults are managed for a severe mental disorder with a year of
//! visits, so the elderly and mental disorder rates and the due lists show real content.
//!
//! Drawn from a generator of their own, so the rest of the county is what it was before them.

use std::collections::HashSet;
use std::sync::Arc;

use time::{Date, Duration};
use yigong_domain::elderly::{
    Analyte, AnalyteInput, AuxiliaryTest, CheckForm, Drinking, Exercise, Guidance, Hearing,
    MotorFunction, SelfRatedHealth, Smoking, TestInput,
};
use yigong_domain::followup::{
    Condition, ContactMode, Dangerousness, Insight, MentalDiagnosis, MentalDisorderVisit,
    SocialFunction, Symptoms, Visit,
};
use yigong_domain::ids::{InstitutionId, ResidentId};
use yigong_service::{ElderlyCheckService, FollowUpService, NewEnrolment, ServiceError};
use yigong_store::Store;

use super::{DemoClock, Person, Rng, Township, at};

/// What was built: checks recorded, patients enrolled, visits recorded.
#[derive(Debug, Default)]
pub(super) struct Built {
    pub checks: usize,
    pub enrolments: usize,
    pub visits: usize,
}

/// Seeds both.
#[allow(clippy::too_many_arguments)]
pub(super) async fn seed(
    deps: &yigong_service::Deps,
    store: Arc<Store>,
    clock: &DemoClock,
    townships: &[Township],
    people: &[Vec<Person>],
    managed: &HashSet<ResidentId>,
    county_hospital: InstitutionId,
    start: Date,
    today: Date,
) -> Result<Built, ServiceError> {
    let mut rng = Rng(0x6565_5ED0_0000_0065);
    let mut built = Built::default();
    let checks = ElderlyCheckService::new(deps.clone(), store);
    let follow_up = FollowUpService::new(deps.clone());
    for (t, township) in townships.iter().enumerate() {
        for (p, person) in people[t].iter().enumerate() {
            let who = &township.clinician[person.team];
            // The 65+ and the managed patients (whose annual check it is) are checked.
            if (person.age >= 65 || managed.contains(&person.id)) && rng.chance(72) {
                let on = today - Duration::days(i64::from(rng.range(3, 300)));
                let fed_back = rng
                    .chance(88)
                    .then(|| on + Duration::days(i64::from(rng.range(0, 3))));
                clock.set(at(fed_back.unwrap_or(on), 15));
                checks
                    .record(
                        who,
                        &format!("demo/check/{t}/{p}"),
                        person.id,
                        form(on, fed_back, &mut rng),
                    )
                    .await?;
                built.checks += 1;
            }
            if (18..=70).contains(&person.age) && rng.chance(1) {
                built.visits += mental_disorder(
                    &follow_up,
                    who,
                    person,
                    county_hospital,
                    start,
                    today,
                    clock,
                    &mut rng,
                )
                .await?;
                built.enrolments += 1;
            }
        }
    }
    Ok(built)
}

/// A check of the BPHS-3 form: lifestyle, self-care, examination, fasting glucose most of the
/// time, and the guidance given when fed back.
fn form(on: Date, fed_back: Option<Date>, rng: &mut Rng) -> CheckForm {
    let pick = |rng: &mut Rng, scores: &[u8]| scores[rng.range(0, 99) as usize % scores.len()];
    // Mostly independent; some mild or moderate dependence.
    let self_care = if rng.chance(80) {
        [0, 0, 0, 0, 0]
    } else {
        [
            pick(rng, &[0, 3]),
            pick(rng, &[0, 1, 3]),
            pick(rng, &[0, 3]),
            pick(rng, &[0, 1, 5]),
            pick(rng, &[0, 1, 5]),
        ]
    };
    // A few with a danger sign (180/110), some elevated, most not.
    let (sbp, dbp) = match rng.range(0, 99) {
        0..=1 => (182, 112),
        2..=29 => (rng.range(140, 168), rng.range(80, 98)),
        _ => (rng.range(112, 139), rng.range(66, 88)),
    };
    let mut tests = vec![TestInput {
        test: AuxiliaryTest::Ecg,
        values: vec![],
        abnormal: rng.chance(10),
        note: "ST-T改变".to_owned(),
    }];
    if rng.chance(85) {
        tests.push(TestInput {
            test: AuxiliaryTest::FastingGlucose,
            values: vec![AnalyteInput {
                analyte: Analyte::Glucose,
                hundredths: rng.range(450, 790),
            }],
            abnormal: false,
            note: String::new(),
        });
    }
    CheckForm {
        on,
        self_care,
        self_rated_health: if rng.chance(70) {
            SelfRatedHealth::FairlySatisfied
        } else {
            SelfRatedHealth::Unsure
        },
        cognition_positive: rng.chance(4),
        emotion_positive: rng.chance(3),
        smoking: if rng.chance(25) {
            Smoking::Current
        } else {
            Smoking::Never
        },
        drinking: if rng.chance(20) {
            Drinking::Often
        } else {
            Drinking::Never
        },
        exercise: if rng.chance(60) {
            Exercise::Daily
        } else {
            Exercise::Occasionally
        },
        temperature_tenths: Some(u16::try_from(rng.range(360, 372)).unwrap_or(365)),
        pulse: Some(u16::try_from(rng.range(60, 92)).unwrap_or(72)),
        respiration: Some(u16::try_from(rng.range(14, 20)).unwrap_or(16)),
        sbp: u16::try_from(sbp).unwrap_or(120),
        dbp: u16::try_from(dbp).unwrap_or(80),
        height_tenths: u16::try_from(rng.range(1480, 1760)).ok(),
        weight_tenths: u16::try_from(rng.range(450, 820)).ok(),
        waist_cm: u16::try_from(rng.range(70, 98)).ok(),
        abnormal_sites: vec![],
        vision_tenths: Some((
            u16::try_from(rng.range(40, 50)).unwrap_or(48),
            u16::try_from(rng.range(40, 50)).unwrap_or(48),
        )),
        hearing: if rng.chance(15) {
            Hearing::Impaired
        } else {
            Hearing::Hears
        },
        motor_function: if rng.chance(8) {
            MotorFunction::CannotComplete
        } else {
            MotorFunction::Completes
        },
        tests,
        guidance: if fed_back.is_some() {
            vec![
                Guidance::Lifestyle,
                Guidance::FallPrevention,
                Guidance::Vaccination,
            ]
        } else {
            vec![]
        },
        fed_back_on: fed_back,
    }
}

/// Enrols a severe mental disorder patient confirmed by the county hospital about a year ago
/// and records the visits due since, in date order; how many.
#[allow(clippy::too_many_arguments)]
async fn mental_disorder(
    follow_up: &FollowUpService,
    who: &yigong_service::Principal,
    person: &Person,
    county_hospital: InstitutionId,
    start: Date,
    today: Date,
    clock: &DemoClock,
    rng: &mut Rng,
) -> Result<usize, ServiceError> {
    let diagnosis = [
        MentalDiagnosis::Schizophrenia,
        MentalDiagnosis::Schizophrenia,
        MentalDiagnosis::BipolarDisorder,
        MentalDiagnosis::SchizoaffectiveDisorder,
    ][rng.range(0, 3) as usize];
    let enrolled = (today - Duration::days(i64::from(rng.range(300, 370)))).max(start);
    clock.set(at(enrolled, 10));
    let (_, first) = follow_up
        .enrol(
            who,
            NewEnrolment {
                patient: person.id,
                condition: Condition::SevereMentalDisorder(diagnosis),
                confirmed_by: county_hospital,
                confirmed_on: enrolled - Duration::days(10),
                on: enrolled,
            },
        )
        .await?;
    let (mut plan, mut due) = (first.value.id(), first.value.due());
    let mut visits = 0;
    while due <= today {
        clock.set(at(due, 11));
        // Mostly stable; some basically stable (reviewed in 14 days); rarely unstable.
        let (level, symptoms, insight) = match rng.range(0, 99) {
            0..=3 => (3, Symptoms::Marked, Insight::Absent),
            4..=23 => (1, Symptoms::Present, Insight::Partial),
            _ => (0, Symptoms::Resolved, Insight::Full),
        };
        let visit = Visit::MentalDisorder(MentalDisorderVisit {
            date: due,
            mode: if rng.chance(70) {
                ContactMode::Home
            } else {
                ContactMode::Clinic
            },
            dangerousness: Dangerousness::new(level)
                .unwrap_or_else(|_| unreachable!("levels 0, 1 and 3 are valid")),
            symptoms,
            insight,
            social_function: if level == 0 {
                SocialFunction::Good
            } else {
                SocialFunction::Fair
            },
            serious_adverse_reaction: false,
            serious_physical_illness: false,
        });
        let recorded = follow_up.record_visit(who, plan, visit, None, None).await?;
        visits += 1;
        plan = recorded.next.value.id();
        due = recorded.next.value.due();
    }
    Ok(visits)
}
