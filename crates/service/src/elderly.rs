//! The 65+ annual health check (老年人健康管理): recording a check and reading a resident's.
//!
//! A check is a command on a patient: it passes the same visibility check as a read of the
//! record, in the command's transaction, and is audited with the patient. The domain validates
//! the form against the resident's birth date and reads the findings against the conditions
//! the resident is managed for; the service only loads, decides nothing, and writes.

use std::sync::Arc;

use yigong_domain::elderly::{CheckForm, ElderlyCheckEvent, assess_check};
use yigong_domain::event::DomainEvent;
use yigong_domain::ids::{AdviceId, ElderlyCheckId, ResidentId};
use yigong_domain::referral::{AdviceSource, NewAdvice, ReasonCode, Urgency};
use yigong_ports::{ElderlyCheckQueries, ElderlyCheckRecord};

use crate::deps::{Claim, Request, abandon, audit_entry, claim};
use crate::referral::advice::advise_in;
use crate::{Deps, Principal, ServiceError};

const RECORD: &str = "elderly_check.record";
const LIST: &str = "history.elderly_checks";

/// The 65+ check use cases.
pub struct ElderlyCheckService {
    deps: Deps,
    checks: Arc<dyn ElderlyCheckQueries>,
}

impl ElderlyCheckService {
    /// Builds the service over its ports.
    pub fn new(deps: Deps, checks: Arc<dyn ElderlyCheckQueries>) -> Self {
        Self { deps, checks }
    }

    /// Records a check of `resident` by the caller's institution. Idempotent on `request_id`.
    /// A field the form may not hold is `InvalidPath` naming it under `check.`; a resident the
    /// caller may not see is `NotFound`, audited.
    #[tracing::instrument(skip_all, fields(user = %who.user, resident = %resident))]
    pub async fn record(
        &self,
        who: &Principal,
        request_id: &str,
        resident: ResidentId,
        form: CheckForm,
    ) -> Result<ElderlyCheckRecord, ServiceError> {
        self.deps
            .clinician_only(
                who,
                RECORD,
                format!("residents/{resident}"),
                resident,
                "record health checks",
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
        let id = ElderlyCheckId::from_uuid(self.deps.ids.new_id());
        let tx = self.deps.uow.begin().await?;
        let (mut tx, patient) = self.deps.patient_in(tx, who, resident, RECORD).await?;
        let person = &patient.value.resident;
        let check = match form.validate(person.birth_date(), now.date()) {
            Ok(check) => check,
            Err(e) => {
                abandon(tx).await;
                return Err(ServiceError::InvalidPath {
                    path: format!("check.{}", e.field),
                    reason: e.reason,
                });
            }
        };
        if let Claim::Retry = claim(&mut tx, &request, id.as_uuid()).await? {
            abandon(tx).await;
            let first = ElderlyCheckId::from_uuid(self.deps.first_result(&request).await?);
            return self.checks.get_elderly_check(first).await?.ok_or_else(|| {
                ServiceError::Unavailable("the recorded check was not found".to_owned())
            });
        }
        let managed: Vec<_> = tx
            .open_enrolments(resident)
            .await?
            .iter()
            .map(|e| e.value.condition())
            .collect();
        let assessment = assess_check(&check, &managed, &self.deps.profile);
        let community = patient.value.scope.community;
        // A danger sign found at the check sends no referral from here: it lands on the
        // community desk's list as advice, as at screening, so no danger sign is dropped.
        let advice = if assessment.is_emergency() {
            let given = advise_in(
                &self.deps,
                &mut tx,
                NewAdvice {
                    id: AdviceId::from_uuid(self.deps.ids.new_id()),
                    patient: resident,
                    community,
                    institution: who.institution,
                    team: None,
                    urgency: Urgency::Emergency,
                    reason: ReasonCode::DangerSign,
                    source: AdviceSource::ElderlyCheck(id),
                    at: now,
                },
            )
            .await?;
            Some(given.value.id())
        } else {
            None
        };
        let event = ElderlyCheckEvent::recorded(id, resident, &check, &assessment);
        let record = ElderlyCheckRecord {
            id,
            resident,
            institution: who.institution,
            assessment,
            check,
            recorded_at: now,
            advice,
        };
        tx.insert_elderly_check(&record).await?;
        let entry = audit_entry(who, RECORD, format!("elderly-checks/{id}"), resident, now);
        self.deps
            .commit(tx, community, [DomainEvent::from(event)], entry)
            .await?;
        Ok(record)
    }

    /// A resident's checks, latest first; the read is audited with the patient.
    pub async fn checks_of(
        &self,
        who: &Principal,
        resident: ResidentId,
    ) -> Result<Vec<ElderlyCheckRecord>, ServiceError> {
        self.deps.visible_patient(who, resident, LIST).await?;
        let entry = audit_entry(
            who,
            LIST,
            format!("residents/{resident}/elderly-checks"),
            resident,
            self.deps.clock.now(),
        );
        self.deps.audit.record(&entry).await?;
        Ok(self.checks.elderly_checks_of(resident).await?)
    }
}
