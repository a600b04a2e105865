//! What is done about an overdue plan: the team reaches out ([`OutreachOutcome`]: reached,
//! unreachable until the patient is lost, or the plan closes), and past the profile's window
//! the plan is recorded missed with a catch-up due at once. Overdue itself is derived
//! ([`FollowUpPlan::status_on`]).

use serde::{Deserialize, Serialize};
use time::Date;

use super::error::FollowUpError;
use super::event::FollowUpEvent;
use super::plan::{FollowUpPlan, PlanOrigin, PlanState, PlanStatus};
use super::vocabulary::CloseReason;
use crate::calendar;
use crate::ids::PlanId;
use crate::profile::RuleProfile;
use crate::vocabulary::codes;

/// The outcome of reaching out to a patient with an overdue plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum OutreachOutcome {
    /// Reached; the plan leaves the worklist until `remind_on`.
    Reached {
        /// When to put it back on the worklist.
        remind_on: Date,
    },
    /// Not reached.
    Unreachable,
    /// Refused follow-up: the plan closes.
    Refused,
    /// Moved away: the plan closes.
    MovedAway,
    /// Died: the plan closes.
    Died,
}

codes!(OutreachOutcome by kind {
    OutreachOutcome::Reached { .. } => "reached",
    OutreachOutcome::Unreachable => "unreachable",
    OutreachOutcome::Refused => "refused",
    OutreachOutcome::MovedAway => "moved_away",
    OutreachOutcome::Died => "died",
});

impl OutreachOutcome {
    /// The outcome spelled `code`; `reached` needs the day to put the plan back on the
    /// worklist, which the other outcomes do not use.
    pub fn from_code(code: &str, remind_on: Option<Date>) -> Result<Self, OutreachCodeError> {
        Ok(match code {
            "reached" => OutreachOutcome::Reached {
                remind_on: remind_on.ok_or(OutreachCodeError::RemindOnMissing)?,
            },
            "unreachable" => OutreachOutcome::Unreachable,
            "refused" => OutreachOutcome::Refused,
            "moved_away" => OutreachOutcome::MovedAway,
            "died" => OutreachOutcome::Died,
            _ => return Err(OutreachCodeError::Unknown),
        })
    }
}

/// Why an outreach outcome could not be read from its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OutreachCodeError {
    /// Not one of [`OutreachOutcome::CODES`].
    #[error("unknown code: reached, unreachable, refused, moved_away or died")]
    Unknown,
    /// `reached` without the remind-on date.
    #[error("a reached patient needs the date to remind on")]
    RemindOnMissing,
}

impl FollowUpPlan {
    /// Records an outreach attempt on an overdue plan.
    pub fn record_outreach(
        self,
        on: Date,
        outcome: OutreachOutcome,
        profile: &RuleProfile,
    ) -> Result<(FollowUpPlan, Vec<FollowUpEvent>), FollowUpError> {
        self.ensure_due()?;
        if !matches!(self.status_on(on, profile), PlanStatus::Overdue { .. }) {
            return Err(FollowUpError::NotOverdue {
                overdue_from: self.overdue_from(profile),
            });
        }
        let mut events = vec![FollowUpEvent::OutreachRecorded {
            plan: self.id,
            on,
            outcome,
        }];
        let plan = match outcome {
            OutreachOutcome::Reached { remind_on } => {
                if remind_on < on {
                    return Err(FollowUpError::RemindBeforeOutreach { on, remind_on });
                }
                FollowUpPlan {
                    remind_on: Some(remind_on),
                    ..self
                }
            }
            OutreachOutcome::Unreachable => {
                let attempts = self.unreachable_attempts.saturating_add(1);
                if attempts >= profile.follow_up.lost_after_unreachable {
                    events.push(FollowUpEvent::PatientLost {
                        plan: self.id,
                        patient: self.patient,
                        on,
                    });
                    FollowUpPlan {
                        unreachable_attempts: attempts,
                        state: PlanState::LostToFollowUp { on },
                        ..self
                    }
                } else {
                    FollowUpPlan {
                        unreachable_attempts: attempts,
                        ..self
                    }
                }
            }
            OutreachOutcome::Refused | OutreachOutcome::MovedAway | OutreachOutcome::Died => {
                let reason = match outcome {
                    OutreachOutcome::Refused => CloseReason::Refused,
                    OutreachOutcome::MovedAway => CloseReason::MovedOut,
                    _ => CloseReason::Death,
                };
                events.push(FollowUpEvent::PlanClosed {
                    plan: self.id,
                    on,
                    reason,
                });
                FollowUpPlan {
                    state: PlanState::Closed { on, reason },
                    ..self
                }
            }
        };
        Ok((plan, events))
    }

    /// Records the plan missed once the profile's window has passed, and schedules a catch-up
    /// plan due at once so the patient stays on the worklist.
    pub fn mark_missed(
        self,
        on: Date,
        catch_up: PlanId,
        profile: &RuleProfile,
    ) -> Result<(FollowUpPlan, FollowUpPlan, Vec<FollowUpEvent>), FollowUpError> {
        self.ensure_due()?;
        let missed_from = calendar::add_days(self.due, profile.follow_up.missed_after_days);
        if on < missed_from {
            return Err(FollowUpError::NotYetMissed { missed_from });
        }
        let next = FollowUpPlan {
            id: catch_up,
            due: on,
            origin: PlanOrigin::CatchUp(self.id),
            state: PlanState::Due,
            unreachable_attempts: 0,
            remind_on: None,
            ..self.clone()
        };
        let events = vec![
            FollowUpEvent::PlanMissed { plan: self.id, on },
            FollowUpEvent::PlanScheduled {
                plan: next.id,
                enrolment: next.enrolment,
                due: next.due,
                origin: next.origin,
            },
        ];
        let missed = FollowUpPlan {
            state: PlanState::Missed { on },
            ..self
        };
        Ok((missed, next, events))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::followup::fixtures::{plan, profile};
    use crate::rule::RuleId;
    use crate::vocabulary::tests::check_kinds;
    use time::macros::date;

    #[test]
    fn outreach_is_only_for_overdue_plans() {
        let p = profile();
        let err = plan()
            .record_outreach(date!(2026 - 01 - 15), OutreachOutcome::Unreachable, &p)
            .unwrap_err();
        assert_eq!(
            err,
            FollowUpError::NotOverdue {
                overdue_from: date!(2026 - 01 - 16)
            }
        );
    }

    #[test]
    fn three_unreachable_attempts_lose_the_patient() {
        let p = profile();
        let mut plan = plan();
        for (i, day) in [
            date!(2026 - 01 - 20),
            date!(2026 - 01 - 22),
            date!(2026 - 01 - 24),
        ]
        .into_iter()
        .enumerate()
        {
            let (next, events) = plan
                .record_outreach(day, OutreachOutcome::Unreachable, &p)
                .unwrap();
            plan = next;
            assert_eq!(events.len(), if i == 2 { 2 } else { 1 });
        }
        assert_eq!(
            plan.state(),
            PlanState::LostToFollowUp {
                on: date!(2026 - 01 - 24)
            }
        );
        assert_eq!(
            plan.status_on(date!(2026 - 02 - 01), &p),
            PlanStatus::LostToFollowUp
        );
        assert!(
            plan.explain_status(date!(2026 - 02 - 01), &p)
                .rules
                .contains(RuleId::FollowUpLost)
        );
    }

    #[test]
    fn refusal_moving_away_and_death_close_the_plan_with_their_reason() {
        let p = profile();
        for (outcome, reason) in [
            (OutreachOutcome::Refused, CloseReason::Refused),
            (OutreachOutcome::MovedAway, CloseReason::MovedOut),
            (OutreachOutcome::Died, CloseReason::Death),
        ] {
            let (closed, _) = plan()
                .record_outreach(date!(2026 - 01 - 20), outcome, &p)
                .unwrap();
            assert_eq!(
                closed.state(),
                PlanState::Closed {
                    on: date!(2026 - 01 - 20),
                    reason
                }
            );
        }
    }

    #[test]
    fn a_plan_is_missed_only_after_the_window_and_a_catch_up_is_due_at_once() {
        let p = profile();
        let err = plan()
            .mark_missed(date!(2026 - 02 - 13), PlanId::from_u128(20), &p)
            .unwrap_err();
        assert_eq!(
            err,
            FollowUpError::NotYetMissed {
                missed_from: date!(2026 - 02 - 14)
            }
        );
        let (missed, catch_up, events) = plan()
            .mark_missed(date!(2026 - 02 - 14), PlanId::from_u128(20), &p)
            .unwrap();
        assert_eq!(
            missed.status_on(date!(2026 - 02 - 14), &p),
            PlanStatus::Missed
        );
        assert_eq!(catch_up.due(), date!(2026 - 02 - 14));
        assert_eq!(catch_up.origin(), PlanOrigin::CatchUp(PlanId::from_u128(6)));
        assert_eq!(events.len(), 2);
    }

    #[test]
    fn outreach_outcome_codes_are_the_serde_tags() {
        let on = date!(2026 - 03 - 01);
        check_kinds(
            &[
                OutreachOutcome::Reached { remind_on: on },
                OutreachOutcome::Unreachable,
                OutreachOutcome::Refused,
                OutreachOutcome::MovedAway,
                OutreachOutcome::Died,
            ],
            OutreachOutcome::CODES,
            OutreachOutcome::code,
            "outcome",
        );
    }
}
