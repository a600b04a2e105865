//! Enrolment: only a confirmed patient is managed; enrolling schedules the first plan, and the
//! enrolment schedules the plans that follow a completed downward referral.

use serde::{Deserialize, Serialize};
use time::Date;

use super::classify::VisitClass;
use super::error::FollowUpError;
use super::event::FollowUpEvent;
use super::plan::{FollowUpPlan, PlanOrigin, PlanState};
use super::vocabulary::{CloseReason, Condition};
use crate::calendar;
use crate::ids::{EnrolmentId, InstitutionId, PlanId, ResidentId, TeamId};
use crate::network::Level;
use crate::profile::RuleProfile;
use crate::referral::{Direction, Referral, ReferralState};

/// Evidence that a diagnosis was confirmed: only confirmed patients are enrolled. A screening's
/// preliminary diagnosis is not a confirmation; the confirming institution and date are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// The condition confirmed.
    pub condition: Condition,
    /// The institution that confirmed it.
    pub confirmed_by: InstitutionId,
    /// Its level of care (of its kind): the profile says which levels confirm.
    pub level: Level,
    /// The date.
    pub confirmed_on: Date,
}

/// What an enrolment asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnrolPatient {
    /// The new enrolment's id.
    pub id: EnrolmentId,
    /// The patient.
    pub patient: ResidentId,
    /// Evidence of the confirmed diagnosis.
    pub confirmation: Confirmation,
    /// The responsible family doctor team.
    pub team: TeamId,
    /// The managing institution.
    pub institution: InstitutionId,
    /// Enrolment date.
    pub on: Date,
    /// The first plan's id.
    pub first_plan: PlanId,
}

/// A managed patient's enrolment in one condition's management.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    id: EnrolmentId,
    patient: ResidentId,
    condition: Condition,
    team: TeamId,
    institution: InstitutionId,
    enrolled_on: Date,
    closed: Option<(Date, CloseReason)>,
}

impl Enrolment {
    /// Enrols a confirmed patient and schedules the first follow-up after the profile's short
    /// interval (treatment response is checked early).
    pub fn enrol(
        cmd: EnrolPatient,
        profile: &RuleProfile,
    ) -> Result<(Enrolment, FollowUpPlan, Vec<FollowUpEvent>), FollowUpError> {
        let EnrolPatient {
            id,
            patient,
            confirmation,
            team,
            institution,
            on,
            first_plan,
        } = cmd;
        let required = profile.follow_up.confirming_level;
        if confirmation.level < required {
            return Err(FollowUpError::ConfirmedBelowLevel {
                level: confirmation.level,
                required,
            });
        }
        if on < confirmation.confirmed_on {
            return Err(FollowUpError::VisitBeforeEnrolment {
                visit: on,
                enrolled: confirmation.confirmed_on,
            });
        }
        let enrolment = Enrolment {
            id,
            patient,
            condition: confirmation.condition,
            team,
            institution,
            enrolled_on: on,
            closed: None,
        };
        let plan = enrolment.new_plan(
            first_plan,
            calendar::add_days(on, profile.follow_up.short_interval_days),
            PlanOrigin::Enrolment,
            None,
        );
        let events = vec![
            FollowUpEvent::PatientEnrolled {
                enrolment: id,
                patient,
                condition: confirmation.condition,
                team,
                on,
            },
            FollowUpEvent::PlanScheduled {
                plan: plan.id,
                enrolment: id,
                due: plan.due,
                origin: plan.origin,
            },
        ];
        Ok((enrolment, plan, events))
    }

    /// A plan for this enrolment due on `due`, e.g. after a completed downward referral.
    pub fn schedule(
        &self,
        plan: PlanId,
        due: Date,
        origin: PlanOrigin,
    ) -> Result<(FollowUpPlan, Vec<FollowUpEvent>), FollowUpError> {
        if self.closed.is_some() {
            return Err(FollowUpError::EnrolmentClosed);
        }
        let plan = self.new_plan(plan, due, origin, None);
        let event = FollowUpEvent::PlanScheduled {
            plan: plan.id,
            enrolment: self.id,
            due,
            origin,
        };
        Ok((plan, vec![event]))
    }

    /// The receiving primary institution's follow-up of a completed downward referral of this
    /// patient, due within the profile's days of completion.
    pub fn schedule_after_downward_referral(
        &self,
        referral: &Referral,
        plan: PlanId,
        profile: &RuleProfile,
    ) -> Result<(FollowUpPlan, Vec<FollowUpEvent>), FollowUpError> {
        let completed_at = match referral.state() {
            ReferralState::Completed { at, .. } if referral.direction() == Direction::Downward => {
                *at
            }
            _ => return Err(FollowUpError::NotACompletedDownwardReferral),
        };
        if referral.patient() != self.patient {
            return Err(FollowUpError::NotThisPatient);
        }
        let due = calendar::add_days(
            completed_at.date(),
            profile.referral.downward_follow_up_days,
        );
        self.schedule(plan, due, PlanOrigin::DownwardReferral(referral.id()))
    }

    fn new_plan(
        &self,
        id: PlanId,
        due: Date,
        origin: PlanOrigin,
        last_class: Option<VisitClass>,
    ) -> FollowUpPlan {
        FollowUpPlan {
            id,
            enrolment: self.id,
            patient: self.patient,
            condition: self.condition,
            team: self.team,
            due,
            origin,
            state: PlanState::Due,
            unreachable_attempts: 0,
            remind_on: None,
            last_class,
            last_visit_on: None,
        }
    }

    /// Closes the enrolment (death, moving out, refusal, cancellation).
    pub fn close(
        self,
        on: Date,
        reason: CloseReason,
    ) -> Result<(Enrolment, Vec<FollowUpEvent>), FollowUpError> {
        if self.closed.is_some() {
            return Err(FollowUpError::EnrolmentClosed);
        }
        let event = FollowUpEvent::EnrolmentClosed {
            enrolment: self.id,
            on,
            reason,
        };
        Ok((
            Enrolment {
                closed: Some((on, reason)),
                ..self
            },
            vec![event],
        ))
    }

    /// Its id.
    pub fn id(&self) -> EnrolmentId {
        self.id
    }

    /// The patient.
    pub fn patient(&self) -> ResidentId {
        self.patient
    }

    /// The condition.
    pub fn condition(&self) -> Condition {
        self.condition
    }

    /// The responsible team.
    pub fn team(&self) -> TeamId {
        self.team
    }

    /// The managing institution.
    pub fn institution(&self) -> InstitutionId {
        self.institution
    }

    /// Enrolment date.
    pub fn enrolled_on(&self) -> Date {
        self.enrolled_on
    }

    /// Closure date and reason, if closed.
    pub fn closed(&self) -> Option<(Date, CloseReason)> {
        self.closed
    }

    /// Whether the patient was under management on `on`: enrolled by then and not yet closed
    /// (closed on the day is no longer managed). A past period's figures are read through
    /// this, not from today's open enrolments.
    pub fn is_managed_on(&self, on: Date) -> bool {
        self.enrolled_on <= on && self.closed.is_none_or(|(closed, _)| closed > on)
    }

    /// A visit of this enrolment is dated on or after the enrolment: care before it belongs
    /// to no plan of it.
    pub fn admits_visit_on(&self, visit: Date) -> Result<(), FollowUpError> {
        if visit < self.enrolled_on {
            Err(FollowUpError::VisitBeforeEnrolment {
                visit,
                enrolled: self.enrolled_on,
            })
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::followup::fixtures::profile;
    use crate::rule::{BrokenRule, RuleId};
    use time::macros::date;

    #[test]
    fn enrolment_before_confirmation_is_refused() {
        let err = Enrolment::enrol(
            EnrolPatient {
                id: EnrolmentId::from_u128(1),
                patient: ResidentId::from_u128(2),
                confirmation: Confirmation {
                    condition: Condition::Type2Diabetes,
                    confirmed_by: InstitutionId::from_u128(3),
                    level: Level::County,
                    confirmed_on: date!(2026 - 02 - 01),
                },
                team: TeamId::from_u128(4),
                institution: InstitutionId::from_u128(5),
                on: date!(2026 - 01 - 01),
                first_plan: PlanId::from_u128(6),
            },
            &profile(),
        )
        .unwrap_err();
        assert_eq!(err.rule(), RuleId::FollowUpEnrolment);
    }

    fn confirmed_at(level: Level, profile: &RuleProfile) -> Result<Enrolment, FollowUpError> {
        Enrolment::enrol(
            EnrolPatient {
                id: EnrolmentId::from_u128(1),
                patient: ResidentId::from_u128(2),
                confirmation: Confirmation {
                    condition: Condition::Hypertension,
                    confirmed_by: InstitutionId::from_u128(3),
                    level,
                    confirmed_on: date!(2026 - 01 - 01),
                },
                team: TeamId::from_u128(4),
                institution: InstitutionId::from_u128(5),
                on: date!(2026 - 01 - 02),
                first_plan: PlanId::from_u128(6),
            },
            profile,
        )
        .map(|(e, _, _)| e)
    }

    #[test]
    fn a_diagnosis_is_confirmed_at_the_profiles_level_or_above() {
        let p = profile();
        for level in Level::ALL {
            let result = confirmed_at(*level, &p);
            if *level >= Level::County {
                assert!(result.is_ok(), "{level:?}");
            } else {
                let err = result.unwrap_err();
                assert_eq!(
                    err,
                    FollowUpError::ConfirmedBelowLevel {
                        level: *level,
                        required: Level::County
                    }
                );
                assert_eq!(err.rule(), RuleId::FollowUpConfirmingLevel);
            }
        }
        let mut townships_confirm = profile();
        townships_confirm.follow_up.confirming_level = Level::Township;
        assert!(confirmed_at(Level::Township, &townships_confirm).is_ok());
        assert!(confirmed_at(Level::Village, &townships_confirm).is_err());
    }
}
