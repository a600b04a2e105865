//! Classifying a visit (BPHS-3): danger signs first, then the class, the next due date and the
//! referral the visit calls for, with the rules that fired.

use serde::{Deserialize, Serialize};
use time::Date;

use super::visit::{
    DiabetesVisit, HypertensionVisit, Insight, MentalDisorderVisit, SocialFunction, Symptoms, Visit,
};
use super::vocabulary::{AdverseReaction, Complication, DM_SIGNS, HTN_SIGNS};
use crate::calendar;
use crate::measure::Glucose;
use crate::profile::{ProfileStamp, RuleProfile};
use crate::referral::{ReasonCode, Urgency};
use crate::rule::{Explanation, RuleId, RuleSet};
use crate::vocabulary::codes;

/// The class of a visit, across conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitClass {
    /// 控制满意 (HTN, DM).
    Controlled,
    /// 控制不满意, first time (HTN, DM).
    UncontrolledFirst,
    /// Uncontrolled twice, hard ADR or complication: refer (HTN, DM).
    Refer,
    /// A danger sign: emergency referral (HTN, DM).
    Emergency,
    /// 病情稳定 (SMD).
    Stable,
    /// 基本稳定 (SMD).
    BasicallyStable,
    /// 病情不稳定 (SMD).
    Unstable,
}

codes!(VisitClass {
    Controlled => "controlled",
    UncontrolledFirst => "uncontrolled_first",
    Refer => "refer",
    Emergency => "emergency",
    Stable => "stable",
    BasicallyStable => "basically_stable",
    Unstable => "unstable",
});

impl VisitClass {
    /// Whether the visit was on target (controlled, or a stable SMD patient).
    pub const fn is_controlled(self) -> bool {
        matches!(self, VisitClass::Controlled | VisitClass::Stable)
    }

    /// Risk rank for worklists, 0 (on target) to 3 (emergency, unstable).
    pub const fn risk(self) -> u8 {
        match self {
            VisitClass::Controlled | VisitClass::Stable => 0,
            VisitClass::UncontrolledFirst | VisitClass::BasicallyStable => 1,
            VisitClass::Refer => 2,
            VisitClass::Emergency | VisitClass::Unstable => 3,
        }
    }
}

/// A referral a visit calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralNeed {
    /// Emergency (green channel) or routine.
    pub urgency: Urgency,
    /// The coded reason.
    pub reason: ReasonCode,
}

/// What the patient's history contributes to a classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VisitContext {
    /// Age on the visit date.
    pub age: u16,
    /// Class of the most recent completed visit, if any ("two consecutive").
    pub previous: Option<VisitClass>,
}

/// The outcome of classifying a visit: class, next due date, the referral it calls for, and
/// why (profile stamp and rules fired).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// The class.
    pub class: VisitClass,
    /// When the next follow-up is due.
    pub next_due: Date,
    /// A referral the visit calls for.
    pub referral: Option<ReferralNeed>,
    /// Why.
    pub explanation: Explanation,
}

impl Assessment {
    /// The emergency referral the visit sends through the green channel, when it calls for
    /// one: a danger sign refers the patient upward at once (§6), so the visit may name the
    /// receiving institution and the referral goes in the visit's own transaction. A routine
    /// referral (the `refer` class) is the team's to send, not the visit's.
    pub fn green_channel(&self) -> Option<ReferralNeed> {
        self.referral.filter(|n| n.urgency == Urgency::Emergency)
    }
}

fn assessment(
    stamp: ProfileStamp,
    class: VisitClass,
    date: Date,
    days: u16,
    referral: Option<ReferralNeed>,
    rules: RuleSet,
) -> Assessment {
    Assessment {
        class,
        next_due: calendar::add_days(date, days),
        referral,
        explanation: Explanation::new(stamp, rules),
    }
}

/// A danger sign: emergency referral, and the sender's follow-up of that referral.
fn danger_sign(
    stamp: ProfileStamp,
    date: Date,
    fu: &crate::profile::FollowUpRules,
    rule: RuleId,
) -> Assessment {
    assessment(
        stamp,
        VisitClass::Emergency,
        date,
        fu.post_referral_days,
        Some(ReferralNeed {
            urgency: Urgency::Emergency,
            reason: ReasonCode::DangerSign,
        }),
        RuleSet::of(rule).with(RuleId::FollowUpAfterReferral),
    )
}

/// Whether the previous visit counts as uncontrolled for "two consecutive".
const fn was_uncontrolled(previous: Option<VisitClass>) -> bool {
    matches!(
        previous,
        Some(VisitClass::UncontrolledFirst | VisitClass::Refer | VisitClass::Emergency)
    )
}

/// Classifies a hypertension visit (BPHS-3): danger signs, then control against the
/// age-dependent target, then "two consecutive", adverse reaction and complications.
pub fn classify_hypertension(
    v: &HypertensionVisit,
    ctx: VisitContext,
    profile: &RuleProfile,
) -> Assessment {
    let d = &profile.danger;
    let fu = &profile.follow_up;
    let h = &fu.hypertension;
    let stamp = profile.stamp();
    let emergency = |rule: RuleId| danger_sign(stamp, v.date, fu, rule);
    if v.bp.reaches(d.sbp, d.dbp) {
        return emergency(RuleId::HtnDangerBloodPressure);
    }
    if v.signs.any_of(HTN_SIGNS)
        || v.heart_rate
            .is_some_and(|hr| hr.per_minute() > d.heart_rate_above)
    {
        return emergency(RuleId::HtnDangerSymptom);
    }
    let mut rules = RuleSet::EMPTY;
    let (target_sbp, target_dbp) = if ctx.age >= u16::from(h.elderly_age) {
        rules.insert(RuleId::HtnElderlyTarget);
        (h.elderly_target_sbp, h.elderly_target_dbp)
    } else {
        (h.target_sbp, h.target_dbp)
    };
    let on_target = v.bp.below(target_sbp, target_dbp);
    uncontrolled_path(
        stamp,
        v.date,
        on_target,
        v.adverse_reaction,
        v.complication,
        ctx.previous,
        rules,
        fu,
        Rules {
            controlled: RuleId::HtnControlled,
            first: RuleId::HtnUncontrolledFirst,
            two: RuleId::HtnTwoConsecutive,
            adr: RuleId::HtnAdverseReactionHard,
            complication: RuleId::HtnComplication,
            two_reason: ReasonCode::HtnTargetNotReached,
            adr_reason: ReasonCode::HtnAdverseReaction,
        },
    )
}

/// The rule ids and reasons of one condition's control path.
struct Rules {
    controlled: RuleId,
    first: RuleId,
    two: RuleId,
    adr: RuleId,
    complication: RuleId,
    two_reason: ReasonCode,
    adr_reason: ReasonCode,
}

#[allow(clippy::too_many_arguments)] // one private helper shared by HTN and DM, inlined
#[inline]
fn uncontrolled_path(
    stamp: ProfileStamp,
    date: Date,
    on_target: bool,
    adr: AdverseReaction,
    complication: Complication,
    previous: Option<VisitClass>,
    mut rules: RuleSet,
    fu: &crate::profile::FollowUpRules,
    r: Rules,
) -> Assessment {
    let refer = |rules: RuleSet, reason: ReasonCode| {
        assessment(
            stamp,
            VisitClass::Refer,
            date,
            fu.post_referral_days,
            Some(ReferralNeed {
                urgency: Urgency::Routine,
                reason,
            }),
            rules.with(RuleId::FollowUpAfterReferral),
        )
    };
    if complication == Complication::NewOrWorse {
        return refer(rules.with(r.complication), ReasonCode::ComplicationWorse);
    }
    if adr == AdverseReaction::HardToControl {
        return refer(rules.with(r.adr), r.adr_reason);
    }
    if on_target && adr == AdverseReaction::None {
        rules.insert(r.controlled);
        rules.insert(RuleId::FollowUpRoutine);
        return assessment(
            stamp,
            VisitClass::Controlled,
            date,
            fu.routine_interval_days,
            None,
            rules,
        );
    }
    if was_uncontrolled(previous) {
        return refer(rules.with(r.two), r.two_reason);
    }
    assessment(
        stamp,
        VisitClass::UncontrolledFirst,
        date,
        fu.short_interval_days,
        None,
        rules.with(r.first),
    )
}

/// Classifies a type 2 diabetes visit (BPHS-3): danger signs (glucose, BP, symptoms, heart
/// rate, temperature), then fasting glucose against the target.
pub fn classify_diabetes(
    v: &DiabetesVisit,
    ctx: VisitContext,
    profile: &RuleProfile,
) -> Assessment {
    let d = &profile.danger;
    let fu = &profile.follow_up;
    let stamp = profile.stamp();
    let emergency = |rule: RuleId| danger_sign(stamp, v.date, fu, rule);
    let glucose_danger = |g: Glucose| {
        g.at_least_tenths(d.glucose_high_tenths) || g.at_most_tenths(d.glucose_low_tenths)
    };
    if glucose_danger(v.fasting_glucose) || v.random_glucose.is_some_and(glucose_danger) {
        return emergency(RuleId::DmDangerGlucose);
    }
    if v.bp.is_some_and(|bp| bp.reaches(d.sbp, d.dbp)) {
        return emergency(RuleId::DmDangerBloodPressure);
    }
    if v.signs.any_of(DM_SIGNS)
        || v.heart_rate
            .is_some_and(|hr| hr.per_minute() > d.heart_rate_above)
        || v.temperature
            .is_some_and(|t| t.tenths() > d.temperature_above_tenths)
    {
        return emergency(RuleId::DmDangerSymptom);
    }
    let _ = ctx.age; // the diabetes target does not depend on age in BPHS-3
    let on_target = !v
        .fasting_glucose
        .at_least_tenths(fu.diabetes.target_fasting_tenths);
    uncontrolled_path(
        stamp,
        v.date,
        on_target,
        v.adverse_reaction,
        v.complication,
        ctx.previous,
        RuleSet::EMPTY,
        fu,
        Rules {
            controlled: RuleId::DmControlled,
            first: RuleId::DmUncontrolledFirst,
            two: RuleId::DmTwoConsecutive,
            adr: RuleId::DmAdverseReactionHard,
            complication: RuleId::DmComplication,
            two_reason: ReasonCode::DmTargetNotReached,
            adr_reason: ReasonCode::DmAdverseReaction,
        },
    )
}

/// Classifies a severe mental disorder visit (BPHS-3): unstable, then basically stable, then
/// stable. A basically stable patient is reviewed in 14 days; still not stable at that review
/// (the previous visit was not stable either), the next visit is in 1 month.
pub fn classify_mental_disorder(
    v: &MentalDisorderVisit,
    ctx: VisitContext,
    profile: &RuleProfile,
) -> Assessment {
    let smd = &profile.follow_up.mental_disorder;
    let stamp = profile.stamp();
    let level = v.dangerousness.level();
    if level >= 3
        || v.symptoms == Symptoms::Marked
        || v.insight == Insight::Absent
        || v.serious_adverse_reaction
        || v.serious_physical_illness
    {
        return assessment(
            stamp,
            VisitClass::Unstable,
            v.date,
            smd.review_days,
            Some(ReferralNeed {
                urgency: Urgency::Emergency,
                reason: ReasonCode::MentalDisorderUnstable,
            }),
            RuleSet::of(RuleId::SmdUnstable).with(RuleId::FollowUpAfterReferral),
        );
    }
    if level >= 1
        || v.symptoms == Symptoms::Present
        || v.insight == Insight::Partial
        || v.social_function == SocialFunction::Poor
    {
        let reviewing = matches!(
            ctx.previous,
            Some(VisitClass::BasicallyStable | VisitClass::Unstable)
        );
        let (days, rules) = if reviewing {
            (
                smd.not_stabilised_interval_days,
                RuleSet::of(RuleId::SmdBasicallyStable).with(RuleId::SmdNotStabilised),
            )
        } else {
            (smd.review_days, RuleSet::of(RuleId::SmdBasicallyStable))
        };
        return assessment(
            stamp,
            VisitClass::BasicallyStable,
            v.date,
            days,
            None,
            rules,
        );
    }
    assessment(
        stamp,
        VisitClass::Stable,
        v.date,
        smd.stable_interval_days,
        None,
        RuleSet::of(RuleId::SmdStable),
    )
}

/// Classifies any visit.
pub fn classify(visit: &Visit, ctx: VisitContext, profile: &RuleProfile) -> Assessment {
    match visit {
        Visit::Hypertension(v) => classify_hypertension(v, ctx, profile),
        Visit::Diabetes(v) => classify_diabetes(v, ctx, profile),
        Visit::MentalDisorder(v) => classify_mental_disorder(v, ctx, profile),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::tests::check_unit;

    #[test]
    fn visit_class_codes_are_the_serde_names_and_parse_back() {
        check_unit(VisitClass::ALL, VisitClass::code, VisitClass::from_code);
    }
}
