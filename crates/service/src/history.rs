//! A patient's history: enrolments, follow-up plans (with their etags), visits and screening
//! results, listed per patient or read one by one.
//!
//! Every read passes the patient's visibility check ([`Deps::visible_patient`]): an enrolment
//! or plan of a patient the caller cannot see is `NotFound`, as the record is, and the refusal
//! is audited. Every read that answers is audited with the patient.

use yigong_domain::followup::{Enrolment, FollowUpPlan};
use yigong_domain::ids::{EnrolmentId, PlanId, ResidentId};
use yigong_ports::{ScreeningRecord, Versioned, VisitRecord};

use crate::deps::audit_entry;
use crate::{Deps, Principal, ServiceError};

const ENROLMENTS: &str = "history.enrolments";
const ENROLMENT: &str = "history.enrolment";
const PLANS: &str = "history.plans";
const PLAN: &str = "history.plan";
const VISITS: &str = "history.visits";
const SCREENINGS: &str = "history.screenings";

/// The history use cases: reads only.
pub struct HistoryService {
    pub(crate) deps: Deps,
}

impl HistoryService {
    /// Builds the service over its ports.
    pub fn new(deps: Deps) -> Self {
        Self { deps }
    }

    /// The judge of attached results, for showing a referral.
    pub fn recognitions(&self) -> crate::Recognitions {
        crate::Recognitions::of(&self.deps)
    }

    /// Checks that `who` sees `patient` (a refusal audited as `action`), then audits the read.
    async fn read(
        &self,
        who: &Principal,
        patient: ResidentId,
        action: &str,
        resource: String,
    ) -> Result<(), ServiceError> {
        self.deps.visible_patient(who, patient, action).await?;
        let entry = audit_entry(who, action, resource, patient, self.deps.clock.now());
        Ok(self.deps.audit.record(&entry).await?)
    }

    /// As [`HistoryService::read`] for one item of a patient's history, found or not: an item
    /// that does not exist is `NotFound` like one of a patient the caller cannot see.
    async fn read_item<T>(
        &self,
        who: &Principal,
        found: Option<T>,
        patient_of: impl Fn(&T) -> ResidentId,
        action: &str,
        resource: String,
    ) -> Result<T, ServiceError> {
        let Some(item) = found else {
            return Err(self
                .deps
                .unseen(who, action, resource.clone(), None, resource)
                .await);
        };
        self.read(who, patient_of(&item), action, resource).await?;
        Ok(item)
    }

    /// The patient's enrolments, open and closed, latest first.
    pub async fn enrolments(
        &self,
        who: &Principal,
        patient: ResidentId,
    ) -> Result<Vec<Versioned<Enrolment>>, ServiceError> {
        self.read(
            who,
            patient,
            ENROLMENTS,
            format!("residents/{patient}/enrolments"),
        )
        .await?;
        Ok(self.deps.follow_ups.enrolments_of(patient).await?)
    }

    /// One enrolment.
    pub async fn enrolment(
        &self,
        who: &Principal,
        id: EnrolmentId,
    ) -> Result<Versioned<Enrolment>, ServiceError> {
        let found = self.deps.follow_ups.get_enrolment(id).await?;
        let resource = format!("enrolments/{id}");
        self.read_item(who, found, |e| e.value.patient(), ENROLMENT, resource)
            .await
    }

    /// The patient's follow-up plans, latest due first.
    pub async fn plans(
        &self,
        who: &Principal,
        patient: ResidentId,
    ) -> Result<Vec<Versioned<FollowUpPlan>>, ServiceError> {
        self.read(who, patient, PLANS, format!("residents/{patient}/plans"))
            .await?;
        Ok(self.deps.follow_ups.plans_of(patient).await?)
    }

    /// One plan, with the version a visit on it must name.
    pub async fn plan(
        &self,
        who: &Principal,
        id: PlanId,
    ) -> Result<Versioned<FollowUpPlan>, ServiceError> {
        let found = self.deps.follow_ups.get_plan(id).await?;
        let resource = format!("plans/{id}");
        self.read_item(who, found, |p| p.value.patient(), PLAN, resource)
            .await
    }

    /// The patient's visits, latest first.
    pub async fn visits(
        &self,
        who: &Principal,
        patient: ResidentId,
    ) -> Result<Vec<VisitRecord>, ServiceError> {
        self.read(who, patient, VISITS, format!("residents/{patient}/visits"))
            .await?;
        Ok(self.deps.follow_ups.visits_of(patient).await?)
    }

    /// The patient's screening results, latest first.
    pub async fn screenings(
        &self,
        who: &Principal,
        patient: ResidentId,
    ) -> Result<Vec<ScreeningRecord>, ServiceError> {
        self.read(
            who,
            patient,
            SCREENINGS,
            format!("residents/{patient}/screenings"),
        )
        .await?;
        let mut results = self.deps.screenings.screenings_of(patient).await?;
        results.reverse();
        Ok(results)
    }
}
