//! What the unit tests of follow-up start from: the national profile, a hypertension patient's
//! first plan, a hypertension visit.

use time::Date;
use time::macros::date;

use super::{
    AdverseReaction, Complication, Condition, Confirmation, ContactMode, DangerSigns, EnrolPatient,
    Enrolment, FollowUpPlan, HypertensionVisit, Visit,
};
use crate::ids::{EnrolmentId, InstitutionId, PlanId, ResidentId, TeamId};
use crate::measure::BloodPressure;
use crate::profile::RuleProfile;

pub(super) fn profile() -> RuleProfile {
    RuleProfile::bphs3()
}

pub(super) fn plan() -> FollowUpPlan {
    let (_, plan, events) = Enrolment::enrol(
        EnrolPatient {
            id: EnrolmentId::from_u128(1),
            patient: ResidentId::from_u128(2),
            confirmation: Confirmation {
                condition: Condition::Hypertension,
                confirmed_by: InstitutionId::from_u128(3),
                level: crate::network::Level::County,
                confirmed_on: date!(2026 - 01 - 01),
            },
            team: TeamId::from_u128(4),
            institution: InstitutionId::from_u128(5),
            on: date!(2026 - 01 - 01),
            first_plan: PlanId::from_u128(6),
        },
        &profile(),
    )
    .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(plan.due(), date!(2026 - 01 - 15));
    plan
}

pub(super) fn htn_visit(date: Date, sbp: u16, mode: ContactMode) -> Visit {
    Visit::Hypertension(HypertensionVisit {
        date,
        mode,
        bp: BloodPressure::new(sbp, 85).unwrap(),
        heart_rate: None,
        signs: DangerSigns::NONE,
        adverse_reaction: AdverseReaction::None,
        complication: Complication::Unchanged,
    })
}
