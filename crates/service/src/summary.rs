//! The patient summary: the one read a doctor opens a patient with. Everything in it is what
//! the history reads give one by one, as of today: the record, the key populations the domain
//! derives from it and its managed conditions, the open enrolments, the waiting plans with
//! their status, the latest visits, the open referrals the caller is party to, and the contract
//! in force. One visibility check, one audit entry.

use std::collections::BTreeSet;

use time::Date;
use yigong_domain::contract::{Contract, KeyPopulation, PopulationFacts, key_populations_on};
use yigong_domain::followup::{Enrolment, FollowUpPlan, PlanState, PlanStatus};
use yigong_domain::ids::ResidentId;
use yigong_domain::referral::Referral;
use yigong_ports::{PatientRecord, Versioned, VisitRecord};

use crate::deps::audit_entry;
use crate::{HistoryService, Principal, ServiceError};

const SUMMARY: &str = "history.summary";

/// How many of the latest visits a summary shows; the rest are `visits`' to list.
pub const LATEST_VISITS: usize = 5;

/// A patient at a glance, as of [`PatientSummary::on`].
#[derive(Debug, Clone)]
pub struct PatientSummary {
    /// The day it describes (today).
    pub on: Date,
    /// The record.
    pub record: Versioned<PatientRecord>,
    /// The key populations (重点人群) the resident belongs to on that day.
    pub key_populations: BTreeSet<KeyPopulation>,
    /// The open enrolments: the conditions under management.
    pub enrolments: Vec<Versioned<Enrolment>>,
    /// The plans waiting for their visit, earliest due first, each with its status that day.
    pub open_plans: Vec<(Versioned<FollowUpPlan>, PlanStatus)>,
    /// The latest visits, newest first, at most [`LATEST_VISITS`].
    pub latest_visits: Vec<VisitRecord>,
    /// The open referrals the caller is party to (sender, receiver, the community's desk).
    pub open_referrals: Vec<Versioned<Referral>>,
    /// The contract in force that day, if any.
    pub contract: Option<Versioned<Contract>>,
}

impl HistoryService {
    /// The summary of `patient` for `who`: `NotFound` (audited) for a patient they cannot see.
    #[tracing::instrument(skip_all, fields(user = %who.user))]
    pub async fn summary(
        &self,
        who: &Principal,
        patient: ResidentId,
    ) -> Result<PatientSummary, ServiceError> {
        let deps = &self.deps;
        let record = deps.visible_patient(who, patient, SUMMARY).await?;
        let on = deps.clock.now().date();
        let (enrolments, plans, visits, referrals, contracts) = tokio::try_join!(
            deps.follow_ups.enrolments_of(patient),
            deps.follow_ups.plans_of(patient),
            deps.follow_ups.visits_of(patient),
            deps.referrals.open_referrals_of(patient),
            deps.directory.contracts_of(patient),
        )?;
        let enrolments: Vec<_> = enrolments
            .into_iter()
            .filter(|e| e.value.closed().is_none())
            .collect();
        let facts = PopulationFacts::of_resident(
            &record.value.resident,
            enrolments.iter().map(|e| e.value.condition().chronic()),
            on,
        );
        let (key_populations, _) = key_populations_on(&facts, on, &deps.profile);
        let mut open_plans: Vec<_> = plans
            .into_iter()
            .filter(|p| p.value.state() == PlanState::Due)
            .map(|p| {
                let status = p.value.status_on(on, &deps.profile);
                (p, status)
            })
            .collect();
        open_plans.sort_by_key(|(p, _)| (p.value.due(), p.value.id()));
        let mut latest_visits = visits;
        latest_visits.truncate(LATEST_VISITS);
        let open_referrals = referrals
            .into_iter()
            .filter(|r| who.can_see_referral(&r.value))
            .collect();
        let contract = contracts.into_iter().find(|c| c.value.is_active_on(on));
        let entry = audit_entry(
            who,
            SUMMARY,
            format!("residents/{patient}/summary"),
            patient,
            deps.clock.now(),
        );
        deps.audit.record(&entry).await?;
        Ok(PatientSummary {
            on,
            record,
            key_populations,
            enrolments,
            open_plans,
            latest_visits,
            open_referrals,
            contract,
        })
    }
}
