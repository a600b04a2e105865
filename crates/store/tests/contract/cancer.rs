//! Two-cancer exams and cases on every backend: kept whole and read latest first; one open case
//! per woman and cancer (the unique key refuses a second, a closed one frees it); a case
//! updated only at the version it was loaded at; the open-case worklist per institution, in
//! (opened on, id) order, resumed after a cursor, closed cases left out.

use time::Date;
use time::macros::date;
use yigong_domain::identity::Sex;
use yigong_domain::ids::{CancerCaseId, CancerExamId, CommunityId, InstitutionId, ResidentId};
use yigong_domain::profile::RuleProfile;
use yigong_domain::screening::{CancerCase, CaseResult, ExamForm, PathwayStep};
use yigong_ports::{
    CancerCaseRecord, CancerExamRecord, CancerQueries, Constraint, StoreError, UnitOfWork,
};

use crate::backends;
use crate::support::*;

fn exam(id: u128, resident: ResidentId, step: PathwayStep, on: Date) -> CancerExamRecord {
    let exam = ExamForm {
        step,
        abnormal: true,
        on,
    }
    .validate(
        date!(1980 - 05 - 01),
        Sex::Female,
        NOW.date(),
        &RuleProfile::bphs3(),
    )
    .unwrap();
    CancerExamRecord {
        id: CancerExamId::from_u128(id),
        resident,
        institution: TOWNSHIP,
        exam,
        case: Some(CancerCaseId::from_u128(id)),
        recorded_at: NOW,
    }
}

fn case_of(e: &CancerExamRecord, institution: InstitutionId) -> CancerCaseRecord {
    let (case, _) =
        CancerCase::open(e.case.unwrap(), e.resident, e.exam.step, true, e.exam.on).unwrap();
    CancerCaseRecord {
        case,
        institution,
        exam: e.id,
    }
}

async fn keep(
    b: &backends::Backend,
    e: &CancerExamRecord,
    c: &CancerCaseRecord,
) -> Result<(), StoreError> {
    let mut tx = b.store.begin().await.unwrap();
    tx.insert_cancer_exam(e).await?;
    tx.insert_cancer_case(c).await?;
    tx.commit().await.unwrap();
    Ok(())
}

#[tokio::test]
async fn one_open_case_per_woman_and_cancer_and_the_worklist_in_order() {
    for b in backends::all().await {
        let women: Vec<_> = (71..=73)
            .map(|n| {
                patient(
                    ResidentId::from_u128(n),
                    TOWNSHIP,
                    CommunityId::from_u128(500),
                )
            })
            .collect();
        let mut tx = b.store.begin().await.unwrap();
        for w in &women {
            tx.insert_resident(w).await.unwrap();
        }
        tx.commit().await.unwrap();
        let [a, bb, c] = [0, 1, 2].map(|i| women[i].resident.id());

        let breast = exam(
            1,
            a,
            PathwayStep::ClinicalExamAndUltrasound,
            date!(2026 - 02 - 20),
        );
        let cervical = exam(2, a, PathwayStep::GynaecologicalExam, date!(2026 - 02 - 10));
        let other = exam(
            3,
            bb,
            PathwayStep::GynaecologicalExam,
            date!(2026 - 02 - 10),
        );
        let elsewhere = exam(4, c, PathwayStep::GynaecologicalExam, date!(2026 - 01 - 05));
        keep(&b, &breast, &case_of(&breast, TOWNSHIP))
            .await
            .unwrap();
        keep(&b, &cervical, &case_of(&cervical, TOWNSHIP))
            .await
            .unwrap();
        keep(&b, &other, &case_of(&other, TOWNSHIP)).await.unwrap();
        keep(&b, &elsewhere, &case_of(&elsewhere, COUNTY))
            .await
            .unwrap();

        // A second open breast case of the same woman is refused, and nothing of it stays.
        let second = exam(
            5,
            a,
            PathwayStep::ClinicalExamAndUltrasound,
            date!(2026 - 02 - 25),
        );
        let refused = keep(&b, &second, &case_of(&second, TOWNSHIP)).await;
        assert!(
            matches!(
                refused,
                Err(StoreError::Duplicate {
                    constraint: Constraint::OpenCancerCase
                })
            ),
            "{}: {refused:?}",
            b.name
        );
        assert_eq!(
            b.store.get_cancer_exam(second.id).await.unwrap(),
            None,
            "{}",
            b.name
        );
        assert_eq!(
            b.store.get_cancer_exam(breast.id).await.unwrap(),
            Some(breast.clone()),
            "{}",
            b.name
        );
        let exams = b.store.cancer_exams_of(a).await.unwrap();
        assert_eq!(exams, vec![breast.clone(), cervical.clone()], "{}", b.name);

        // The worklist: the township's open cases by (opened on, id), a page at a time.
        let ids = |page: &[yigong_ports::Versioned<CancerCaseRecord>]| {
            page.iter().map(|c| c.value.case.id()).collect::<Vec<_>>()
        };
        let all = b.store.open_cancer_cases(TOWNSHIP, None, 10).await.unwrap();
        assert_eq!(
            ids(&all),
            [cervical.case, other.case, breast.case].map(Option::unwrap),
            "{}",
            b.name
        );
        let first = b.store.open_cancer_cases(TOWNSHIP, None, 1).await.unwrap();
        let cursor = (first[0].value.case.opened_on(), first[0].value.case.id());
        let rest = b
            .store
            .open_cancer_cases(TOWNSHIP, Some(cursor), 10)
            .await
            .unwrap();
        assert_eq!(ids(&rest), ids(&all[1..]), "{}", b.name);

        // Closing at the loaded version frees the key; a stale version is a conflict.
        let loaded = b
            .store
            .get_cancer_case(breast.case.unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(loaded.version, 1);
        let (closed, _) = loaded
            .value
            .case
            .clone()
            .close(CaseResult::NoCancer, date!(2026 - 02 - 28))
            .unwrap();
        let closed = CancerCaseRecord {
            case: closed,
            ..loaded.value.clone()
        };
        let mut tx = b.store.begin().await.unwrap();
        assert_eq!(tx.update_cancer_case(&closed, 1).await.unwrap(), 2);
        tx.commit().await.unwrap();
        let mut tx = b.store.begin().await.unwrap();
        let stale = tx.update_cancer_case(&closed, 1).await;
        assert!(
            matches!(stale, Err(StoreError::Conflict { .. })),
            "{}: {stale:?}",
            b.name
        );
        drop(tx);
        let open = b.store.open_cancer_cases(TOWNSHIP, None, 10).await.unwrap();
        assert_eq!(ids(&open), [cervical.case, other.case].map(Option::unwrap));
        keep(&b, &second, &case_of(&second, TOWNSHIP))
            .await
            .unwrap();
        let cases = b.store.cancer_cases_of(a).await.unwrap();
        assert_eq!(
            ids(&cases),
            [second.case, breast.case, cervical.case].map(Option::unwrap),
            "{}: latest opened first",
            b.name
        );
        assert_eq!(cases[1].value, closed);
    }
}
