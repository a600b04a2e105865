//! Two-cancer screening (两癌筛查): recording a woman's exam, leading the case an abnormal one
//! opens along its pathway to a result, and the open cases as the screening institution's
//! worklist.
//!
//! Every command names a patient and passes the visibility check a read does, in the
//! command's transaction; every read is audited with the patient. The domain validates the
//! exam against the woman's birth date and sex and decides each step; the service loads,
//! writes, and keeps one open case per woman and cancer through the store's unique key.

use std::sync::Arc;

use time::Date;
use yigong_domain::event::DomainEvent;
use yigong_domain::ids::{CancerCaseId, CancerExamId, ResidentId};
use yigong_domain::screening::{CancerCase, CaseEvent, CaseResult, ExamForm, PathwayStep};
use yigong_ports::{
    CancerCaseRecord, CancerExamRecord, CancerQueries, CaseCursor, Constraint, Page, StoreError,
    Transaction, Versioned,
};

use crate::deps::{Claim, Request, abandon, audit_entry, claim, page_limit};
use crate::error::happened;
use crate::{Deps, PatientCard, Principal, ServiceError};

const RECORD: &str = "two_cancer.record_exam";
const STEP: &str = "two_cancer.record_step";
const CLOSE: &str = "two_cancer.close_case";
const GET: &str = "two_cancer.get_case";
const EXAMS: &str = "history.two_cancer_exams";
const CASES: &str = "history.cancer_cases";
const WORKLIST: &str = "two_cancer.open_cases";

/// A further step of a case, as a clinician states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepForm {
    /// The step done.
    pub step: PathwayStep,
    /// Whether its result was abnormal.
    pub abnormal: bool,
    /// The day it was done.
    pub on: Date,
}

/// A line of the open-case worklist: the case, and the woman as the caller may see her.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCase {
    /// The case.
    pub case: Versioned<CancerCaseRecord>,
    /// Her card.
    pub card: PatientCard,
}

/// The two-cancer use cases.
pub struct TwoCancerService {
    deps: Deps,
    cancers: Arc<dyn CancerQueries>,
}

impl TwoCancerService {
    /// Builds the service over its ports.
    pub fn new(deps: Deps, cancers: Arc<dyn CancerQueries>) -> Self {
        Self { deps, cancers }
    }

    /// Records an exam of `resident` by the caller's institution; an abnormal one opens a case
    /// in the same transaction. Idempotent on `request_id`. A woman with an open case of that
    /// cancer is `AlreadyExists` naming it: its next step goes on the case.
    #[tracing::instrument(skip_all, fields(user = %who.user, resident = %resident))]
    pub async fn record_exam(
        &self,
        who: &Principal,
        request_id: &str,
        resident: ResidentId,
        form: ExamForm,
    ) -> Result<CancerExamRecord, ServiceError> {
        self.deps
            .clinician_only(
                who,
                RECORD,
                format!("residents/{resident}"),
                resident,
                "record screening exams",
            )
            .await?;
        let request = Request::new(
            &*self.deps.requests,
            who,
            request_id,
            RECORD,
            &(resident, &form),
        )?;
        let now = self.deps.clock.now();
        let id = CancerExamId::from_uuid(self.deps.ids.new_id());
        let tx = self.deps.uow.begin().await?;
        let (mut tx, patient) = self.deps.patient_in(tx, who, resident, RECORD).await?;
        let person = &patient.value.resident;
        let exam = match form.validate(
            person.birth_date(),
            person.sex(),
            now.date(),
            &self.deps.profile,
        ) {
            Ok(exam) => exam,
            Err(e) => {
                abandon(tx).await;
                return Err(ServiceError::invalid(e.field, e.reason));
            }
        };
        if let Claim::Retry = claim(&mut tx, &request, id.as_uuid()).await? {
            abandon(tx).await;
            let first = CancerExamId::from_uuid(self.deps.first_result(&request).await?);
            return self.cancers.get_cancer_exam(first).await?.ok_or_else(|| {
                ServiceError::Unavailable("the recorded exam was not found".to_owned())
            });
        }
        let opened = if exam.abnormal {
            let case_id = CancerCaseId::from_uuid(self.deps.ids.new_id());
            Some(CancerCase::open(
                case_id, resident, exam.step, true, exam.on,
            )?)
        } else {
            None
        };
        let record = CancerExamRecord {
            id,
            resident,
            institution: who.institution,
            exam,
            case: opened.as_ref().map(|(case, _)| case.id()),
            recorded_at: now,
        };
        tx.insert_cancer_exam(&record).await?;
        // Every exam is announced, normal ones too: the programme's coverage counts them.
        let mut events = vec![CaseEvent::ExamRecorded {
            exam: id,
            resident,
            step: exam.step,
            abnormal: exam.abnormal,
            on: exam.on,
        }];
        if let Some((case, opened)) = opened {
            let kept = CancerCaseRecord {
                case,
                institution: who.institution,
                exam: id,
            };
            match tx.insert_cancer_case(&kept).await {
                Ok(_) => events.extend(opened),
                Err(StoreError::Duplicate {
                    constraint: Constraint::OpenCancerCase,
                }) => {
                    abandon(tx).await;
                    return Err(self.open_case_exists(resident, exam.cancer()).await);
                }
                Err(e) => return Err(e.into()),
            }
        }
        let entry = audit_entry(who, RECORD, format!("two-cancer-exams/{id}"), resident, now);
        self.deps
            .commit(
                tx,
                patient.value.scope.community,
                events.into_iter().map(DomainEvent::from),
                entry,
            )
            .await?;
        Ok(record)
    }

    /// The answer to an abnormal exam while a case of its cancer is open: the case, named.
    async fn open_case_exists(
        &self,
        resident: ResidentId,
        cancer: yigong_domain::screening::Cancer,
    ) -> ServiceError {
        let existing = match self.cancers.cancer_cases_of(resident).await {
            Ok(cases) => cases
                .into_iter()
                .find(|c| c.value.case.is_open() && c.value.case.cancer() == cancer)
                .map(|c| format!("cancer-cases/{}", c.value.case.id())),
            Err(_) => None,
        };
        ServiceError::AlreadyExists {
            message: format!(
                "the woman has an open {} case: record its next step there",
                cancer.code()
            ),
            existing,
        }
    }

    /// Records the next step of a case. `expected_version` is the client's etag, if any.
    pub async fn record_step(
        &self,
        who: &Principal,
        id: CancerCaseId,
        expected_version: Option<i64>,
        form: StepForm,
    ) -> Result<Versioned<CancerCaseRecord>, ServiceError> {
        let today = self.deps.clock.now().date();
        let on = happened("step_date", form.on, today)?;
        self.change(who, id, expected_version, STEP, |case| {
            case.record_step(form.step, form.abnormal, on)
        })
        .await
    }

    /// Closes a case with its result. `expected_version` is the client's etag, if any.
    pub async fn close_case(
        &self,
        who: &Principal,
        id: CancerCaseId,
        expected_version: Option<i64>,
        result: CaseResult,
        on: Date,
    ) -> Result<Versioned<CancerCaseRecord>, ServiceError> {
        let today = self.deps.clock.now().date();
        let on = happened("close_date", on, today)?;
        self.change(who, id, expected_version, CLOSE, |case| {
            case.close(result, on)
        })
        .await
    }

    /// One command on a stored case: load it and its woman in the transaction (unseen and
    /// missing alike are `NotFound`, audited), check the etag, let the domain decide, write.
    async fn change(
        &self,
        who: &Principal,
        id: CancerCaseId,
        expected_version: Option<i64>,
        action: &str,
        apply: impl FnOnce(
            CancerCase,
        ) -> Result<
            (CancerCase, Vec<yigong_domain::screening::CaseEvent>),
            yigong_domain::screening::CaseError,
        >,
    ) -> Result<Versioned<CancerCaseRecord>, ServiceError> {
        let resource = format!("cancer-cases/{id}");
        self.deps
            .clinician_only(who, action, resource.clone(), None, "follow up cases")
            .await?;
        let now = self.deps.clock.now();
        let mut tx = self.deps.uow.begin().await?;
        let Some(loaded) = tx.load_cancer_case(id).await? else {
            return Err(self.missing(tx, who, action, id).await);
        };
        let resident = loaded.value.case.resident();
        // A case of a woman the caller may not see answers as a missing one: naming the
        // case only, so it tells neither that it exists nor whose it is.
        let patient = match tx.load_resident(resident).await? {
            Some(found)
                if self
                    .deps
                    .access()
                    .sees_patient(who, resident, &found.value.scope)
                    .await? =>
            {
                found
            }
            _ => return Err(self.missing(tx, who, action, id).await),
        };
        if expected_version.is_some_and(|v| v != loaded.version) {
            return Err(ServiceError::Conflict(format!(
                "case {id} changed since version {}",
                loaded.version
            )));
        }
        let (case, events) = apply(loaded.value.case)?;
        let kept = CancerCaseRecord {
            case,
            ..loaded.value
        };
        let version = tx.update_cancer_case(&kept, loaded.version).await?;
        let entry = audit_entry(who, action, resource, resident, now);
        self.deps
            .commit(
                tx,
                patient.value.scope.community,
                events.into_iter().map(DomainEvent::from),
                entry,
            )
            .await?;
        Ok(Versioned {
            value: kept,
            version,
        })
    }

    async fn missing(
        &self,
        tx: Box<dyn Transaction>,
        who: &Principal,
        action: &str,
        id: CancerCaseId,
    ) -> ServiceError {
        self.deps
            .unseen_in(
                tx,
                who,
                action,
                format!("cancer-cases/{id}"),
                None,
                format!("cancer case {id}"),
            )
            .await
    }

    /// A case, if the caller may see its woman; the read is audited with her.
    pub async fn get_case(
        &self,
        who: &Principal,
        id: CancerCaseId,
    ) -> Result<Versioned<CancerCaseRecord>, ServiceError> {
        let resource = format!("cancer-cases/{id}");
        let Some(found) = self.cancers.get_cancer_case(id).await? else {
            return Err(self
                .deps
                .unseen(who, GET, resource, None, format!("cancer case {id}"))
                .await);
        };
        let resident = found.value.case.resident();
        let seen = match self.deps.follow_ups.get_resident(resident).await? {
            Some(record) => {
                self.deps
                    .access()
                    .sees_patient(who, resident, &record.value.scope)
                    .await?
            }
            None => false,
        };
        if !seen {
            return Err(self
                .deps
                .unseen(who, GET, resource, resident, format!("cancer case {id}"))
                .await);
        }
        let entry = audit_entry(who, GET, resource, resident, self.deps.clock.now());
        self.deps.audit.record(&entry).await?;
        Ok(found)
    }

    /// A woman's exams, latest first; audited with her.
    pub async fn exams_of(
        &self,
        who: &Principal,
        resident: ResidentId,
    ) -> Result<Vec<CancerExamRecord>, ServiceError> {
        self.read_of(who, resident, EXAMS, "two-cancer-exams")
            .await?;
        Ok(self.cancers.cancer_exams_of(resident).await?)
    }

    /// A woman's cases, latest opened first; audited with her.
    pub async fn cases_of(
        &self,
        who: &Principal,
        resident: ResidentId,
    ) -> Result<Vec<Versioned<CancerCaseRecord>>, ServiceError> {
        self.read_of(who, resident, CASES, "cancer-cases").await?;
        Ok(self.cancers.cancer_cases_of(resident).await?)
    }

    async fn read_of(
        &self,
        who: &Principal,
        resident: ResidentId,
        action: &str,
        list: &str,
    ) -> Result<(), ServiceError> {
        self.deps.visible_patient(who, resident, action).await?;
        let entry = audit_entry(
            who,
            action,
            format!("residents/{resident}/{list}"),
            resident,
            self.deps.clock.now(),
        );
        Ok(self.deps.audit.record(&entry).await?)
    }

    /// A page of the open cases the caller's institution follows, oldest opened first (AIP-158
    /// paging), each with the woman's card; a case whose woman the caller may no longer see is
    /// left out. The page is audited as one read.
    pub async fn open_cases(
        &self,
        who: &Principal,
        page_size: u32,
        page_token: Option<&str>,
    ) -> Result<Page<OpenCase>, ServiceError> {
        let after = page_token.map(parse_token).transpose()?;
        let limit = page_limit(page_size);
        let mut cases = self
            .cancers
            .open_cancer_cases(who.institution, after, u64::from(limit) + 1)
            .await?;
        let more = cases.len() > limit as usize;
        cases.truncate(limit as usize);
        let next = more
            .then(|| cases.last().map(|c| token(&c.value.case)))
            .flatten();
        let women: Vec<ResidentId> = cases.iter().map(|c| c.value.case.resident()).collect();
        let cards = self.deps.patient_cards(who, &women).await?;
        let items = cases
            .into_iter()
            .filter_map(|case| {
                let card = cards.get(&case.value.case.resident()).cloned()?;
                Some(OpenCase { case, card })
            })
            .collect();
        let entry = audit_entry(
            who,
            WORKLIST,
            format!("institutions/{}/open-cancer-cases", who.institution),
            None,
            self.deps.clock.now(),
        );
        self.deps.audit.record(&entry).await?;
        Ok(Page { items, next })
    }
}

/// A worklist token: the last line's (opened on, case), opaque to clients, parsed strictly.
fn token(case: &CancerCase) -> String {
    format!("{}.{}", case.opened_on(), case.id().as_uuid().simple())
}

fn parse_token(token: &str) -> Result<CaseCursor, ServiceError> {
    let bad = || ServiceError::invalid("page_token", "not a token this worklist issued");
    let (on, id) = token.split_once('.').ok_or_else(bad)?;
    let on = Date::parse(
        on,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| bad())?;
    let id = uuid::Uuid::try_parse(id).map_err(|_| bad())?;
    Ok((on, CancerCaseId::from_uuid(id)))
}
