//! The follow-up plan: one scheduled contact with a managed patient. It stores what happened
//! ([`PlanState`]); its status on a date, overdue included, is derived ([`PlanStatus`]).
//! Recording a visit classifies it and schedules the next plan.

use serde::{Deserialize, Serialize};
use time::Date;

use super::classify::{Assessment, VisitClass, VisitContext, classify};
use super::error::FollowUpError;
use super::event::FollowUpEvent;
use super::visit::Visit;
use super::vocabulary::{CloseReason, Condition};
use crate::calendar;
use crate::ids::{EnrolmentId, PlanId, ReferralId, ResidentId, TeamId, VisitId};
use crate::profile::RuleProfile;
use crate::rule::{Explanation, RuleId, RuleSet};
use crate::vocabulary::codes;

/// Why a plan exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum PlanOrigin {
    /// The first plan after enrolment.
    Enrolment,
    /// Scheduled by the previous visit's classification.
    Visit(VisitId),
    /// The sender's 14-day follow-up of an upward referral.
    UpwardReferral(ReferralId),
    /// The receiver's follow-up of a completed downward referral.
    DownwardReferral(ReferralId),
    /// A catch-up after a missed plan.
    CatchUp(PlanId),
}

codes!(PlanOrigin by kind {
    PlanOrigin::Enrolment => "enrolment",
    PlanOrigin::Visit(_) => "visit",
    PlanOrigin::UpwardReferral(_) => "upward_referral",
    PlanOrigin::DownwardReferral(_) => "downward_referral",
    PlanOrigin::CatchUp(_) => "catch_up",
});

/// What happened to a plan (overdue is not here: it is derived).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PlanState {
    /// Waiting for a visit (overdue once past due + grace).
    Due,
    /// Done by a visit.
    Done {
        /// The visit.
        visit: VisitId,
        /// Its date.
        on: Date,
    },
    /// The window passed without a visit.
    Missed {
        /// When recorded.
        on: Date,
    },
    /// Unreachable too many times.
    LostToFollowUp {
        /// When recorded.
        on: Date,
    },
    /// Closed with a reason.
    Closed {
        /// When.
        on: Date,
        /// Why.
        reason: CloseReason,
    },
}

codes!(PlanState by kind {
    PlanState::Due => "due",
    PlanState::Done { .. } => "done",
    PlanState::Missed { .. } => "missed",
    PlanState::LostToFollowUp { .. } => "lost_to_follow_up",
    PlanState::Closed { .. } => "closed",
});

/// A plan's status on a date, with overdue derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PlanStatus {
    /// Due, not yet overdue.
    Due,
    /// Past due + grace and not done.
    Overdue {
        /// Days past the due date.
        days: u32,
    },
    /// Done.
    Done,
    /// Missed.
    Missed,
    /// Lost to follow-up.
    LostToFollowUp,
    /// Closed.
    Closed,
}

/// A follow-up plan: one scheduled contact with a managed patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpPlan {
    pub(super) id: PlanId,
    pub(super) enrolment: EnrolmentId,
    pub(super) patient: ResidentId,
    pub(super) condition: Condition,
    pub(super) team: TeamId,
    pub(super) due: Date,
    pub(super) origin: PlanOrigin,
    pub(super) state: PlanState,
    pub(super) unreachable_attempts: u8,
    pub(super) remind_on: Option<Date>,
    pub(super) last_class: Option<VisitClass>,
    pub(super) last_visit_on: Option<Date>,
}

/// A plan's stored form: what persistence writes and reads back. [`FollowUpPlan::restore`]
/// trusts it (it was produced by [`FollowUpPlan::to_record`] from a valid plan); commands on the
/// restored plan check their rules as usual.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRecord {
    /// The plan.
    pub id: PlanId,
    /// Its enrolment.
    pub enrolment: EnrolmentId,
    /// The patient.
    pub patient: ResidentId,
    /// The condition.
    pub condition: Condition,
    /// The responsible team.
    pub team: TeamId,
    /// Due date.
    pub due: Date,
    /// Why the plan exists.
    pub origin: PlanOrigin,
    /// What happened to it.
    pub state: PlanState,
    /// Unreachable outreach attempts.
    pub unreachable_attempts: u8,
    /// Remind-on date.
    pub remind_on: Option<Date>,
    /// Class of the visit that scheduled it.
    pub last_class: Option<VisitClass>,
    /// Date of the enrolment's latest recorded visit (none before the first; plans stored
    /// before it was kept read as none).
    #[serde(default)]
    pub last_visit_on: Option<Date>,
}

/// The result of recording a visit: the completed plan, the next plan, the assessment, events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRecorded {
    /// The plan, now done.
    pub done: FollowUpPlan,
    /// The next plan, due per the assessment.
    pub next: FollowUpPlan,
    /// The classification.
    pub assessment: Assessment,
    /// Events to publish.
    pub events: Vec<FollowUpEvent>,
}

impl FollowUpPlan {
    /// Rebuilds a plan from its stored form.
    pub fn restore(r: PlanRecord) -> FollowUpPlan {
        FollowUpPlan {
            id: r.id,
            enrolment: r.enrolment,
            patient: r.patient,
            condition: r.condition,
            team: r.team,
            due: r.due,
            origin: r.origin,
            state: r.state,
            unreachable_attempts: r.unreachable_attempts,
            remind_on: r.remind_on,
            last_class: r.last_class,
            last_visit_on: r.last_visit_on,
        }
    }

    /// The stored form.
    pub fn to_record(&self) -> PlanRecord {
        PlanRecord {
            id: self.id,
            enrolment: self.enrolment,
            patient: self.patient,
            condition: self.condition,
            team: self.team,
            due: self.due,
            origin: self.origin,
            state: self.state,
            unreachable_attempts: self.unreachable_attempts,
            remind_on: self.remind_on,
            last_class: self.last_class,
            last_visit_on: self.last_visit_on,
        }
    }

    /// The status on `date`: overdue is derived from the due date and the grace days.
    pub fn status_on(&self, date: Date, profile: &RuleProfile) -> PlanStatus {
        match self.state {
            PlanState::Due => {
                let overdue_from = self.overdue_from(profile);
                if date >= overdue_from {
                    let days = calendar::days_between(self.due, date);
                    PlanStatus::Overdue {
                        days: u32::try_from(days).unwrap_or(u32::MAX),
                    }
                } else {
                    PlanStatus::Due
                }
            }
            PlanState::Done { .. } => PlanStatus::Done,
            PlanState::Missed { .. } => PlanStatus::Missed,
            PlanState::LostToFollowUp { .. } => PlanStatus::LostToFollowUp,
            PlanState::Closed { .. } => PlanStatus::Closed,
        }
    }

    /// The first day the plan is overdue if not done: due + grace + 1.
    pub fn overdue_from(&self, profile: &RuleProfile) -> Date {
        calendar::add_days(self.due, profile.follow_up.grace_days.saturating_add(1))
    }

    /// The cutoff a store filters waiting plans by: on `on`, a waiting plan is overdue exactly
    /// when its due date is before the returned date (on ≥ due + grace + 1 ⇔ due < on − grace).
    /// `None` when no date is that early: nothing can be overdue yet.
    pub fn overdue_if_due_before(on: Date, profile: &RuleProfile) -> Option<Date> {
        on.checked_sub(time::Duration::days(i64::from(
            profile.follow_up.grace_days,
        )))
    }

    /// The deadline job's "falls due" announcement: on or after the due date of a plan still
    /// waiting for its visit; `None` otherwise.
    pub fn due_notice(&self, today: Date) -> Option<FollowUpEvent> {
        (self.state == PlanState::Due && today >= self.due).then_some(FollowUpEvent::PlanFellDue {
            plan: self.id,
            enrolment: self.enrolment,
            patient: self.patient,
            team: self.team,
            due: self.due,
            origin: self.origin,
        })
    }

    /// The deadline job's "overdue" announcement: from the first overdue day of a plan still
    /// waiting for its visit; `None` otherwise.
    pub fn overdue_notice(&self, today: Date, profile: &RuleProfile) -> Option<FollowUpEvent> {
        let since = self.overdue_from(profile);
        (self.state == PlanState::Due && today >= since).then_some(FollowUpEvent::PlanOverdue {
            plan: self.id,
            enrolment: self.enrolment,
            patient: self.patient,
            team: self.team,
            due: self.due,
            since,
        })
    }

    /// Why the plan is (or is not) overdue on `date`, for "why is this patient overdue?".
    pub fn explain_status(&self, date: Date, profile: &RuleProfile) -> Explanation {
        let mut rules = RuleSet::EMPTY;
        match self.status_on(date, profile) {
            PlanStatus::Overdue { .. } => rules.insert(RuleId::FollowUpOverdue),
            PlanStatus::Missed => rules.insert(RuleId::FollowUpMissed),
            PlanStatus::LostToFollowUp => rules.insert(RuleId::FollowUpLost),
            _ => {}
        }
        match self.origin {
            PlanOrigin::UpwardReferral(_) => rules.insert(RuleId::FollowUpAfterReferral),
            PlanOrigin::DownwardReferral(_) => rules.insert(RuleId::ReferralDownwardFollowUp),
            _ => rules.insert(RuleId::FollowUpRoutine),
        }
        Explanation::new(profile.stamp(), rules)
    }

    pub(super) fn ensure_due(&self) -> Result<(), FollowUpError> {
        match self.state {
            PlanState::Due => Ok(()),
            PlanState::Done { .. } => Err(FollowUpError::NotDue("done")),
            PlanState::Missed { .. } => Err(FollowUpError::NotDue("missed")),
            PlanState::LostToFollowUp { .. } => Err(FollowUpError::NotDue("lost to follow-up")),
            PlanState::Closed { .. } => Err(FollowUpError::NotDue("closed")),
        }
    }

    /// Records a visit on this plan: classifies it, marks the plan done, and schedules the next
    /// plan at the assessed date. A visit that calls for an upward referral makes the next plan
    /// the sender's 14-day post-referral follow-up and emits `ReferralRecommended`.
    pub fn record_visit(
        self,
        visit_id: VisitId,
        visit: &Visit,
        age: u16,
        next_plan: PlanId,
        profile: &RuleProfile,
    ) -> Result<VisitRecorded, FollowUpError> {
        self.ensure_due()?;
        if !visit.fits(self.condition) {
            return Err(FollowUpError::VisitDoesNotFit {
                visit: visit.kind(),
                condition: self.condition,
            });
        }
        if let Some(sign) = visit.foreign_sign() {
            return Err(FollowUpError::SignOfAnotherCondition {
                sign,
                visit: visit.kind(),
            });
        }
        if let Some(latest) = self.last_visit_on.filter(|latest| visit.date() < *latest) {
            return Err(FollowUpError::VisitBeforeLatest {
                visit: visit.date(),
                latest,
            });
        }
        let ctx = VisitContext {
            age,
            previous: self.last_class,
        };
        let assessment = classify(visit, ctx, profile);
        let date = visit.date();
        let mut events = vec![FollowUpEvent::VisitRecorded {
            plan: self.id,
            visit: visit_id,
            patient: self.patient,
            on: date,
            face_to_face: visit.mode().is_face_to_face(),
            class: assessment.class,
            explanation: assessment.explanation,
        }];
        if let Some(need) = assessment.referral {
            events.push(FollowUpEvent::ReferralRecommended {
                plan: self.id,
                patient: self.patient,
                need,
            });
        }
        let next = FollowUpPlan {
            id: next_plan,
            due: assessment.next_due,
            origin: PlanOrigin::Visit(visit_id),
            state: PlanState::Due,
            unreachable_attempts: 0,
            remind_on: None,
            last_class: Some(assessment.class),
            last_visit_on: Some(date),
            ..self.clone()
        };
        events.push(FollowUpEvent::PlanScheduled {
            plan: next.id,
            enrolment: next.enrolment,
            due: next.due,
            origin: next.origin,
        });
        let done = FollowUpPlan {
            state: PlanState::Done {
                visit: visit_id,
                on: date,
            },
            ..self
        };
        Ok(VisitRecorded {
            done,
            next,
            assessment,
            events,
        })
    }

    /// Closes the plan with a reason.
    pub fn close(
        self,
        on: Date,
        reason: CloseReason,
    ) -> Result<(FollowUpPlan, Vec<FollowUpEvent>), FollowUpError> {
        self.ensure_due()?;
        let event = FollowUpEvent::PlanClosed {
            plan: self.id,
            on,
            reason,
        };
        Ok((
            FollowUpPlan {
                state: PlanState::Closed { on, reason },
                ..self
            },
            vec![event],
        ))
    }

    /// Its id.
    pub fn id(&self) -> PlanId {
        self.id
    }

    /// The enrolment.
    pub fn enrolment(&self) -> EnrolmentId {
        self.enrolment
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

    /// Due date.
    pub fn due(&self) -> Date {
        self.due
    }

    /// Why the plan exists.
    pub fn origin(&self) -> PlanOrigin {
        self.origin
    }

    /// What happened to it.
    pub fn state(&self) -> PlanState {
        self.state
    }

    /// Remind-on date set by a reached outreach.
    pub fn remind_on(&self) -> Option<Date> {
        self.remind_on
    }

    /// Class of the visit that scheduled this plan ("two consecutive" and worklist risk).
    pub fn last_class(&self) -> Option<VisitClass> {
        self.last_class
    }

    /// Unreachable outreach attempts so far.
    pub fn unreachable_attempts(&self) -> u8 {
        self.unreachable_attempts
    }

    /// Makes this plan the sender's follow-up of an upward referral (due within the profile's
    /// days of the referral), as every upward referral from management requires.
    #[must_use]
    pub fn for_upward_referral(
        self,
        referral: ReferralId,
        referred_on: Date,
        profile: &RuleProfile,
    ) -> Self {
        let due = calendar::add_days(referred_on, profile.referral.sender_follow_up_days);
        FollowUpPlan {
            due: self.due.min(due),
            origin: PlanOrigin::UpwardReferral(referral),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::followup::fixtures::{htn_visit, plan, profile};
    use crate::followup::{
        AdverseReaction, Complication, ContactMode, DangerSign, DangerSigns, DiabetesVisit,
        HypertensionVisit, ReferralNeed,
    };
    use crate::measure::{BloodPressure, Glucose};
    use crate::referral::Urgency;
    use crate::rule::BrokenRule;
    use crate::vocabulary::tests::check_kinds;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn a_visit_completes_the_plan_and_schedules_the_next() {
        let p = profile();
        let out = plan()
            .record_visit(
                VisitId::from_u128(9),
                &htn_visit(date!(2026 - 01 - 14), 130, ContactMode::Clinic),
                50,
                PlanId::from_u128(10),
                &p,
            )
            .unwrap();
        assert_eq!(
            out.done.state(),
            PlanState::Done {
                visit: VisitId::from_u128(9),
                on: date!(2026 - 01 - 14)
            }
        );
        assert_eq!(out.next.due(), date!(2026 - 04 - 14));
        assert_eq!(out.next.last_class(), Some(VisitClass::Controlled));
        assert!(matches!(
            out.events[0],
            FollowUpEvent::VisitRecorded {
                face_to_face: true,
                ..
            }
        ));
        // A done plan takes no second visit.
        let again = out.done.record_visit(
            VisitId::from_u128(11),
            &htn_visit(date!(2026 - 01 - 20), 130, ContactMode::Clinic),
            50,
            PlanId::from_u128(12),
            &p,
        );
        assert_eq!(again.unwrap_err(), FollowUpError::NotDue("done"));
    }

    #[test]
    fn an_emergency_visit_recommends_a_referral_and_a_14_day_follow_up() {
        let out = plan()
            .record_visit(
                VisitId::from_u128(9),
                &htn_visit(date!(2026 - 01 - 14), 185, ContactMode::Phone),
                50,
                PlanId::from_u128(10),
                &profile(),
            )
            .unwrap();
        assert!(out.events.iter().any(|e| matches!(
            e,
            FollowUpEvent::ReferralRecommended {
                need: ReferralNeed {
                    urgency: Urgency::Emergency,
                    ..
                },
                ..
            }
        )));
        assert!(matches!(
            out.events[0],
            FollowUpEvent::VisitRecorded {
                face_to_face: false,
                ..
            }
        ));
        assert_eq!(out.next.due(), date!(2026 - 01 - 28));
    }

    #[test]
    fn a_visit_of_another_condition_does_not_fit() {
        let visit = Visit::Diabetes(DiabetesVisit {
            date: date!(2026 - 01 - 14),
            mode: ContactMode::Clinic,
            fasting_glucose: Glucose::from_tenths(60).unwrap(),
            random_glucose: None,
            bp: None,
            heart_rate: None,
            temperature: None,
            signs: DangerSigns::NONE,
            adverse_reaction: AdverseReaction::None,
            complication: Complication::Unchanged,
        });
        let err = plan()
            .record_visit(
                VisitId::from_u128(9),
                &visit,
                50,
                PlanId::from_u128(10),
                &profile(),
            )
            .unwrap_err();
        assert!(matches!(err, FollowUpError::VisitDoesNotFit { .. }));
    }

    fn with_sign(diabetes: bool, sign: DangerSign) -> Visit {
        let (date, mode, signs) = (
            date!(2026 - 01 - 14),
            ContactMode::Clinic,
            DangerSigns::NONE.with(sign),
        );
        if diabetes {
            Visit::Diabetes(DiabetesVisit {
                date,
                mode,
                fasting_glucose: Glucose::from_tenths(60).unwrap(),
                random_glucose: None,
                bp: None,
                heart_rate: None,
                temperature: None,
                signs,
                adverse_reaction: AdverseReaction::None,
                complication: Complication::Unchanged,
            })
        } else {
            Visit::Hypertension(HypertensionVisit {
                date,
                mode,
                bp: BloodPressure::new(128, 80).unwrap(),
                heart_rate: None,
                signs,
                adverse_reaction: AdverseReaction::None,
                complication: Complication::Unchanged,
            })
        }
    }

    /// The lists of `domain-rules.md` §6, written out here rather than read from the masks.
    const HTN_LIST: [&str; 9] = [
        "altered_consciousness",
        "severe_headache_or_dizziness",
        "nausea_or_vomiting",
        "blurred_vision_or_eye_pain",
        "chest_pain_or_tightness",
        "palpitations",
        "dyspnoea",
        "pregnancy_or_lactation",
        "beyond_capability",
    ];
    const DM_LIST: [&str; 11] = [
        "altered_consciousness",
        "nausea_or_vomiting",
        "abdominal_pain",
        "sudden_vision_loss",
        "palpitations",
        "sweating",
        "deep_breathing",
        "acetone_breath",
        "polydipsia_polyuria",
        "pregnancy_or_lactation",
        "beyond_capability",
    ];

    #[test]
    fn a_danger_sign_of_another_condition_is_refused_not_ignored() {
        let p = profile();
        let mut dm = plan();
        dm.condition = Condition::Type2Diabetes;
        for sign in DangerSign::ALL {
            for diabetes in [false, true] {
                let (plan, list, kind) = if diabetes {
                    (dm.clone(), &DM_LIST[..], "diabetes")
                } else {
                    (plan(), &HTN_LIST[..], "hypertension")
                };
                let out = plan.record_visit(
                    VisitId::from_u128(9),
                    &with_sign(diabetes, *sign),
                    50,
                    PlanId::from_u128(10),
                    &p,
                );
                if list.contains(&sign.code()) {
                    // The visit's own sign: an emergency, as always.
                    assert_eq!(out.unwrap().assessment.class, VisitClass::Emergency);
                } else {
                    let err = out.unwrap_err();
                    assert_eq!(
                        err,
                        FollowUpError::SignOfAnotherCondition {
                            sign: *sign,
                            visit: kind
                        }
                    );
                    let rule = if diabetes {
                        RuleId::DmDangerSymptom
                    } else {
                        RuleId::HtnDangerSymptom
                    };
                    assert_eq!(err.rule(), rule);
                }
            }
        }
    }

    #[test]
    fn a_visit_dated_before_the_latest_recorded_one_is_refused() {
        let p = profile();
        let first = plan()
            .record_visit(
                VisitId::from_u128(9),
                &htn_visit(date!(2026 - 01 - 14), 128, ContactMode::Clinic),
                50,
                PlanId::from_u128(10),
                &p,
            )
            .unwrap();
        let record = |on| {
            first.next.clone().record_visit(
                VisitId::from_u128(11),
                &htn_visit(on, 128, ContactMode::Clinic),
                50,
                PlanId::from_u128(12),
                &p,
            )
        };
        let err = record(date!(2026 - 01 - 13)).unwrap_err();
        assert_eq!(
            err,
            FollowUpError::VisitBeforeLatest {
                visit: date!(2026 - 01 - 13),
                latest: date!(2026 - 01 - 14)
            }
        );
        assert_eq!(err.rule(), RuleId::FollowUpVisitOrder);
        assert!(record(date!(2026 - 01 - 14)).is_ok(), "the same day");
        // The date is stored with the plan; a plan stored before it was kept reads as none.
        let stored = first.next.to_record();
        assert_eq!(stored.last_visit_on, Some(date!(2026 - 01 - 14)));
        let mut json = serde_json::to_value(stored).unwrap();
        json.as_object_mut().unwrap().remove("last_visit_on");
        let old: PlanRecord = serde_json::from_value(json).unwrap();
        assert_eq!(old.last_visit_on, None);
    }

    proptest! {
        /// Whatever order visits are entered in, each one is taken only if it is not older
        /// than the latest taken, and the next plan is always due after the visit it follows:
        /// no next-due date comes from an older visit.
        #[test]
        fn visits_are_taken_in_date_order_only(days in prop::collection::vec(0i64..60, 1..10)) {
            let p = profile();
            let mut current = plan();
            let mut latest: Option<Date> = None;
            for (k, day) in (0u128..).zip(&days) {
                let on = date!(2026 - 01 - 01) + time::Duration::days(*day);
                let out = current.clone().record_visit(
                    VisitId::from_u128(100 + k),
                    &htn_visit(on, 128, ContactMode::Clinic),
                    50,
                    PlanId::from_u128(200 + k),
                    &p,
                );
                match (out, latest) {
                    (Ok(recorded), _) => {
                        prop_assert!(latest.is_none_or(|l| on >= l));
                        prop_assert!(recorded.next.due() > on);
                        latest = Some(on);
                        current = recorded.next;
                    }
                    (Err(e), Some(l)) => {
                        prop_assert!(on < l);
                        prop_assert_eq!(e, FollowUpError::VisitBeforeLatest { visit: on, latest: l });
                    }
                    (Err(e), None) => prop_assert!(false, "the first visit was refused: {e}"),
                }
            }
        }
    }

    #[test]
    fn an_upward_referral_makes_the_next_plan_due_within_14_days() {
        let p = profile();
        let plan = plan().for_upward_referral(ReferralId::from_u128(1), date!(2026 - 01 - 03), &p);
        assert_eq!(plan.due(), date!(2026 - 01 - 15));
        let far =
            plan.clone()
                .for_upward_referral(ReferralId::from_u128(1), date!(2025 - 12 - 20), &p);
        assert_eq!(far.due(), date!(2026 - 01 - 03));
        assert!(
            far.explain_status(date!(2026 - 01 - 10), &p)
                .rules
                .contains(RuleId::FollowUpOverdue)
        );
    }

    #[test]
    fn plan_state_and_origin_codes_are_the_serde_tags() {
        let on = date!(2026 - 03 - 01);
        check_kinds(
            &[
                PlanState::Due,
                PlanState::Done {
                    visit: VisitId::from_u128(1),
                    on,
                },
                PlanState::Missed { on },
                PlanState::LostToFollowUp { on },
                PlanState::Closed {
                    on,
                    reason: CloseReason::Death,
                },
            ],
            PlanState::CODES,
            PlanState::code,
            "state",
        );
        check_kinds(
            &[
                PlanOrigin::Enrolment,
                PlanOrigin::Visit(VisitId::from_u128(1)),
                PlanOrigin::UpwardReferral(ReferralId::from_u128(1)),
                PlanOrigin::DownwardReferral(ReferralId::from_u128(1)),
                PlanOrigin::CatchUp(PlanId::from_u128(1)),
            ],
            PlanOrigin::CODES,
            PlanOrigin::code,
            "kind",
        );
    }
}
