//! The demo county's two-cancer screening (两癌筛查): about half of the women of 35–64 had a
//! cervical or a breast exam in the last two years, and the few abnormal ones opened cases in
//! every state — waiting for their next step, part of the way along the pathway, and closed
//! with each kind of result — so the open-case worklists and the coverage rates show real
//! content.
//!
//! Drawn from a generator of its own, so the rest of the county is what it was before it.

use std::sync::Arc;

use time::{Date, Duration};
use yigong_domain::screening::{CaseResult, ExamForm, PathwayStep};
use yigong_service::{ServiceError, StepForm, TwoCancerService};
use yigong_store::Store;

use super::{DemoClock, Person, Rng, Township, at};

/// What was built: exams recorded, cases opened, of which closed.
#[derive(Debug, Default)]
pub(super) struct Built {
    pub exams: usize,
    pub cases: usize,
    pub closed: usize,
}

/// Seeds the exams and cases of every township's women.
pub(super) async fn seed(
    deps: &yigong_service::Deps,
    store: Arc<Store>,
    clock: &DemoClock,
    townships: &[Township],
    people: &[Vec<Person>],
    today: Date,
) -> Result<Built, ServiceError> {
    let mut rng = Rng(0x5C4E_E400_0000_0002);
    let mut built = Built::default();
    let cancers = TwoCancerService::new(deps.clone(), store);
    for (t, township) in townships.iter().enumerate() {
        for (p, person) in people[t].iter().enumerate() {
            if !person.female || !(35..=64).contains(&person.age) {
                continue;
            }
            let who = &township.clinician[person.team];
            for (k, first) in [
                PathwayStep::GynaecologicalExam,
                PathwayStep::ClinicalExamAndUltrasound,
            ]
            .into_iter()
            .enumerate()
            {
                if !rng.chance(50) {
                    continue;
                }
                let on = today - Duration::days(i64::from(rng.range(30, 700)));
                let abnormal = rng.chance(8);
                clock.set(at(on, 10));
                let exam = cancers
                    .record_exam(
                        who,
                        &format!("demo/two-cancer/{t}/{p}/{k}"),
                        person.id,
                        ExamForm {
                            step: first,
                            abnormal,
                            on,
                        },
                    )
                    .await?;
                built.exams += 1;
                let Some(case) = exam.case else { continue };
                built.cases += 1;
                // Every state in turn: waiting for its second step, part of the way along,
                // and (half of them) closed with a result.
                let fate = built.cases % 4;
                let mut step = first;
                let mut day = on;
                let mut last_abnormal = true;
                while let Some(next) = step.next() {
                    if fate == 0 || !last_abnormal || (fate == 1 && step != first) {
                        break;
                    }
                    let then = day + Duration::days(i64::from(rng.range(7, 14)));
                    if then >= today {
                        break;
                    }
                    last_abnormal = fate == 1 || rng.chance(60);
                    clock.set(at(then, 11));
                    cancers
                        .record_step(
                            who,
                            case,
                            None,
                            StepForm {
                                step: next,
                                abnormal: last_abnormal,
                                on: then,
                            },
                        )
                        .await?;
                    (step, day) = (next, then);
                }
                let close_on = day + Duration::days(i64::from(rng.range(3, 10)));
                if fate >= 2 && close_on < today {
                    let result = match (last_abnormal, step.next(), rng.range(0, 9)) {
                        (false, _, _) => CaseResult::NoCancer,
                        (true, Some(_), 0..=5) => CaseResult::Declined,
                        (true, Some(_), _) => CaseResult::Lost,
                        (true, None, 0..=6) => CaseResult::Precancerous,
                        (true, None, _) => CaseResult::Cancer,
                    };
                    clock.set(at(close_on, 15));
                    cancers
                        .close_case(who, case, None, result, close_on)
                        .await?;
                    built.closed += 1;
                }
            }
        }
    }
    Ok(built)
}
