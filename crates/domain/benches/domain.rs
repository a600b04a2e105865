//! Domain benchmarks (`cargo bench -p yigong-domain`), as defined in `../shared/benchmarks.md`:
//!
//! - `domain.classify`: classify 1M hypertension and type 2 diabetes follow-up visits on one
//!   core. Goal: at least 10M classifications a second.
//! - `domain.worklist`: the overdue worklist of one team, out of the 100k managed patients of a
//!   1M-resident county. Goal: under 20 ms.
//!
//! Data is generated deterministically (a fixed-seed xorshift), so runs compare.
#![allow(missing_docs, clippy::unwrap_used, clippy::cast_possible_truncation)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use time::macros::date;
use time::{Date, Duration};
use yigong_domain::followup::{
    AdverseReaction, Complication, Condition, ContactMode, DangerSign, DangerSigns, DiabetesVisit,
    FollowUpPlan, HypertensionVisit, PlanOrigin, PlanRecord, PlanState, Visit, VisitClass,
    VisitContext, classify, overdue_worklist,
};
use yigong_domain::ids::{EnrolmentId, PlanId, ResidentId, TeamId};
use yigong_domain::measure::{BloodPressure, Glucose};
use yigong_domain::profile::RuleProfile;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const DAY: Date = date!(2026 - 06 - 01);

fn visits(n: usize) -> Vec<(Visit, VisitContext)> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let classes = [
        None,
        Some(VisitClass::Controlled),
        Some(VisitClass::UncontrolledFirst),
        Some(VisitClass::Refer),
    ];
    (0..n)
        .map(|_| {
            let ctx = VisitContext {
                age: 35 + rng.below(55) as u16,
                previous: classes[rng.below(4) as usize],
            };
            let signs = if rng.below(50) == 0 {
                DangerSigns::NONE.with(DangerSign::ChestPainOrTightness)
            } else {
                DangerSigns::NONE
            };
            let adverse_reaction = [
                AdverseReaction::None,
                AdverseReaction::None,
                AdverseReaction::Present,
            ][rng.below(3) as usize];
            let complication = if rng.below(40) == 0 {
                Complication::NewOrWorse
            } else {
                Complication::Unchanged
            };
            let visit = if rng.below(3) == 0 {
                Visit::Diabetes(DiabetesVisit {
                    date: DAY,
                    mode: ContactMode::Clinic,
                    fasting_glucose: Glucose::from_tenths(35 + rng.below(140) as u16).unwrap(),
                    random_glucose: None,
                    bp: None,
                    heart_rate: None,
                    temperature: None,
                    signs,
                    adverse_reaction,
                    complication,
                })
            } else {
                let sbp = 100 + rng.below(90) as u16;
                let dbp = 60 + rng.below(55) as u16;
                Visit::Hypertension(HypertensionVisit {
                    date: DAY,
                    mode: ContactMode::Home,
                    bp: BloodPressure::new(sbp, dbp.min(sbp - 1)).unwrap(),
                    heart_rate: None,
                    signs,
                    adverse_reaction,
                    complication,
                })
            };
            (visit, ctx)
        })
        .collect()
}

fn bench_classify(c: &mut Criterion) {
    let profile = RuleProfile::bphs3();
    let input = visits(1_000_000);
    let mut group = c.benchmark_group("domain.classify");
    group.sample_size(10);
    group.throughput(Throughput::Elements(input.len() as u64));
    group.bench_function("1M HTN+T2DM visits", |b| {
        b.iter(|| {
            let mut controlled = 0u32;
            for (visit, ctx) in &input {
                // The whole assessment escapes, so next-due and the explanation are computed too.
                let a = black_box(classify(black_box(visit), *ctx, &profile));
                controlled += u32::from(a.class.is_controlled());
            }
            black_box(controlled)
        });
    });
    group.finish();
}

/// 100k managed patients (one plan each) spread over the teams of a 1M-resident county:
/// 1M residents, about 1 team per 2,000 residents, so 500 teams of about 200 patients.
fn county_plans(teams: u64) -> Vec<FollowUpPlan> {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let classes = [
        None,
        Some(VisitClass::Controlled),
        Some(VisitClass::UncontrolledFirst),
        Some(VisitClass::Refer),
        Some(VisitClass::Emergency),
    ];
    (0..100_000u128)
        .map(|i| {
            let resident = rng.below(1_000_000) as u128;
            let condition = if rng.below(4) == 0 {
                Condition::Type2Diabetes
            } else {
                Condition::Hypertension
            };
            FollowUpPlan::restore(PlanRecord {
                id: PlanId::from_u128(i + 1),
                enrolment: EnrolmentId::from_u128(i + 1),
                patient: ResidentId::from_u128(resident + 1),
                condition,
                team: TeamId::from_u128(u128::from(rng.below(teams)) + 1),
                due: DAY - Duration::days(rng.below(120) as i64) + Duration::days(30),
                origin: PlanOrigin::Enrolment,
                state: PlanState::Due,
                unreachable_attempts: 0,
                remind_on: None,
                last_class: classes[rng.below(5) as usize],
                last_visit_on: None,
            })
        })
        .collect()
}

fn bench_worklist(c: &mut Criterion) {
    let profile = RuleProfile::bphs3();
    let mut group = c.benchmark_group("domain.worklist");
    let county = county_plans(500);
    group.bench_function("one team of 500, 100k managed of 1M residents", |b| {
        b.iter(|| {
            black_box(overdue_worklist(
                black_box(&county),
                TeamId::from_u128(7),
                DAY,
                &profile,
            ))
            .len()
        });
    });
    let one_team = county_plans(1);
    group.bench_function("all 100k managed in one team (worst case)", |b| {
        b.iter(|| {
            black_box(overdue_worklist(
                black_box(&one_team),
                TeamId::from_u128(1),
                DAY,
                &profile,
            ))
            .len()
        });
    });
    group.finish();
}

criterion_group!(benches, bench_classify, bench_worklist);
criterion_main!(benches);
