//! Follow-up of managed patients (随访): enrolment, visit classification, plans and worklists.
//!
//! Classification follows BPHS-3 in a fixed order: danger signs first (emergency referral),
//! then the class. "Two consecutive" looks only at the class of the patient's most recent
//! completed visit, passed in as [`VisitContext::previous`]. Classification is a pure, total
//! function that allocates nothing: a county classifies millions of visits in a report run.
//!
//! A plan stores only what happened (due date, done, missed, lost, closed, outreach);
//! **overdue is derived** from the date asked about ([`FollowUpPlan::status_on`]), never stored,
//! so it cannot go stale.

use crate::vocabulary::codes;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::calendar;
use crate::contract::ChronicCondition;
use crate::ids::{EnrolmentId, InstitutionId, PlanId, ReferralId, ResidentId, TeamId, VisitId};
use crate::measure::{BloodPressure, Glucose, HeartRate, Temperature};
use crate::profile::{ProfileStamp, RuleProfile};
use crate::referral::{Direction, ReasonCode, Referral, ReferralState, Urgency};
use crate::rule::{BrokenRule, Explanation, RuleId, RuleSet};

/// The six severe mental disorders under management.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MentalDiagnosis {
    /// 精神分裂症.
    Schizophrenia,
    /// 分裂情感性障碍.
    SchizoaffectiveDisorder,
    /// 偏执性精神病.
    ParanoidPsychosis,
    /// 双相（情感）障碍.
    BipolarDisorder,
    /// 癫痫所致精神障碍.
    EpilepsyMentalDisorder,
    /// 精神发育迟滞伴发精神障碍.
    IntellectualDisabilityWithPsychosis,
}

/// A condition under management.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "diagnosis", rename_all = "snake_case")]
pub enum Condition {
    /// Hypertension.
    Hypertension,
    /// Type 2 diabetes.
    Type2Diabetes,
    /// A severe mental disorder.
    SevereMentalDisorder(MentalDiagnosis),
}

codes!(Condition by kind {
    Condition::Hypertension => "hypertension",
    Condition::Type2Diabetes => "type2_diabetes",
    Condition::SevereMentalDisorder(_) => "severe_mental_disorder",
});

impl Condition {
    /// The chronic condition it makes a key population of.
    pub const fn chronic(self) -> ChronicCondition {
        match self {
            Condition::Hypertension => ChronicCondition::Hypertension,
            Condition::Type2Diabetes => ChronicCondition::Type2Diabetes,
            Condition::SevereMentalDisorder(_) => ChronicCondition::SevereMentalDisorder,
        }
    }
}

/// How the patient was contacted. Only face-to-face contacts count toward the yearly four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactMode {
    /// At the clinic.
    Clinic,
    /// At home (入户).
    Home,
    /// By telephone.
    Phone,
}

impl ContactMode {
    /// Whether the contact was face to face.
    pub const fn is_face_to_face(self) -> bool {
        matches!(self, ContactMode::Clinic | ContactMode::Home)
    }
}

/// Danger signs observed at a visit (symptoms; measured signs come from the readings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum DangerSign {
    /// 意识改变 (HTN, DM: consciousness or behaviour).
    AlteredConsciousness,
    /// 剧烈头痛或头晕 (HTN).
    SevereHeadacheOrDizziness,
    /// 恶心呕吐 (HTN, DM).
    NauseaOrVomiting,
    /// 腹痛 (DM).
    AbdominalPain,
    /// 视力模糊、眼痛 (HTN).
    BlurredVisionOrEyePain,
    /// 视力骤降 (DM).
    SuddenVisionLoss,
    /// 胸闷胸痛 (HTN).
    ChestPainOrTightness,
    /// 持续性心悸 (HTN) / 心慌 (DM).
    Palpitations,
    /// 出汗 (DM).
    Sweating,
    /// 喘憋不能平卧 (HTN).
    Dyspnoea,
    /// 深大呼吸 (DM).
    DeepBreathing,
    /// 呼气有烂苹果样丙酮味 (DM).
    AcetoneBreath,
    /// 多饮多尿 (DM).
    PolydipsiaPolyuria,
    /// Pregnant or lactating with raised BP (HTN) or raised glucose (DM).
    PregnancyOrLactation,
    /// Any other condition the institution cannot handle.
    BeyondCapability,
}

impl DangerSign {
    const fn bit(self) -> u32 {
        1 << self as u8
    }
}

/// A set of danger signs, as bits (no allocation on the hot path).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(from = "Vec<DangerSign>", into = "Vec<DangerSign>")]
pub struct DangerSigns(u32);

const ALL_SIGNS: [DangerSign; 15] = [
    DangerSign::AlteredConsciousness,
    DangerSign::SevereHeadacheOrDizziness,
    DangerSign::NauseaOrVomiting,
    DangerSign::AbdominalPain,
    DangerSign::BlurredVisionOrEyePain,
    DangerSign::SuddenVisionLoss,
    DangerSign::ChestPainOrTightness,
    DangerSign::Palpitations,
    DangerSign::Sweating,
    DangerSign::Dyspnoea,
    DangerSign::DeepBreathing,
    DangerSign::AcetoneBreath,
    DangerSign::PolydipsiaPolyuria,
    DangerSign::PregnancyOrLactation,
    DangerSign::BeyondCapability,
];

const HTN_SIGNS: u32 = DangerSign::AlteredConsciousness.bit()
    | DangerSign::SevereHeadacheOrDizziness.bit()
    | DangerSign::NauseaOrVomiting.bit()
    | DangerSign::BlurredVisionOrEyePain.bit()
    | DangerSign::ChestPainOrTightness.bit()
    | DangerSign::Palpitations.bit()
    | DangerSign::Dyspnoea.bit()
    | DangerSign::PregnancyOrLactation.bit()
    | DangerSign::BeyondCapability.bit();

const DM_SIGNS: u32 = DangerSign::AlteredConsciousness.bit()
    | DangerSign::NauseaOrVomiting.bit()
    | DangerSign::AbdominalPain.bit()
    | DangerSign::SuddenVisionLoss.bit()
    | DangerSign::Palpitations.bit()
    | DangerSign::Sweating.bit()
    | DangerSign::DeepBreathing.bit()
    | DangerSign::AcetoneBreath.bit()
    | DangerSign::PolydipsiaPolyuria.bit()
    | DangerSign::PregnancyOrLactation.bit()
    | DangerSign::BeyondCapability.bit();

impl DangerSigns {
    /// No sign.
    pub const NONE: DangerSigns = DangerSigns(0);

    /// This set plus `sign`.
    #[must_use]
    pub const fn with(self, sign: DangerSign) -> Self {
        DangerSigns(self.0 | sign.bit())
    }

    /// Whether `sign` is in the set.
    pub const fn contains(self, sign: DangerSign) -> bool {
        self.0 & sign.bit() != 0
    }

    /// The signs, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = DangerSign> {
        ALL_SIGNS.into_iter().filter(move |s| self.contains(*s))
    }

    const fn any_of(self, mask: u32) -> bool {
        self.0 & mask != 0
    }
}

impl From<Vec<DangerSign>> for DangerSigns {
    fn from(signs: Vec<DangerSign>) -> Self {
        signs.into_iter().fold(DangerSigns::NONE, DangerSigns::with)
    }
}

impl From<DangerSigns> for Vec<DangerSign> {
    fn from(signs: DangerSigns) -> Self {
        signs.iter().collect()
    }
}

impl FromIterator<DangerSign> for DangerSigns {
    fn from_iter<I: IntoIterator<Item = DangerSign>>(iter: I) -> Self {
        iter.into_iter().fold(DangerSigns::NONE, DangerSigns::with)
    }
}

/// Adverse drug reaction at a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdverseReaction {
    /// None.
    #[default]
    None,
    /// Present, manageable by adjusting treatment.
    Present,
    /// Hard to control: refer.
    HardToControl,
}

/// Complications since the last visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Complication {
    /// None new, none worse.
    #[default]
    Unchanged,
    /// A new complication or a worse one: refer.
    NewOrWorse,
}

/// A hypertension follow-up visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HypertensionVisit {
    /// Visit date.
    pub date: Date,
    /// Contact mode.
    pub mode: ContactMode,
    /// Blood pressure.
    pub bp: BloodPressure,
    /// Heart rate, if measured.
    pub heart_rate: Option<HeartRate>,
    /// Danger signs observed.
    pub signs: DangerSigns,
    /// Adverse drug reaction.
    pub adverse_reaction: AdverseReaction,
    /// Complications.
    pub complication: Complication,
}

/// A type 2 diabetes follow-up visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiabetesVisit {
    /// Visit date.
    pub date: Date,
    /// Contact mode.
    pub mode: ContactMode,
    /// Fasting glucose.
    pub fasting_glucose: Glucose,
    /// A random glucose, if measured (checked for danger).
    pub random_glucose: Option<Glucose>,
    /// Blood pressure, if measured.
    pub bp: Option<BloodPressure>,
    /// Heart rate, if measured.
    pub heart_rate: Option<HeartRate>,
    /// Temperature, if measured.
    pub temperature: Option<Temperature>,
    /// Danger signs observed.
    pub signs: DangerSigns,
    /// Adverse drug reaction.
    pub adverse_reaction: AdverseReaction,
    /// Complications.
    pub complication: Complication,
}

/// Dangerousness level 0–5 of a severe mental disorder patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Dangerousness(u8);

/// A dangerousness level above 5.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("dangerousness level {0} is outside 0-5")]
pub struct DangerousnessError(pub u8);

impl Dangerousness {
    /// Checks `level <= 5`.
    pub fn new(level: u8) -> Result<Self, DangerousnessError> {
        if level <= 5 {
            Ok(Self(level))
        } else {
            Err(DangerousnessError(level))
        }
    }

    /// The level.
    pub const fn level(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Dangerousness {
    type Error = DangerousnessError;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Self::new(v)
    }
}

impl From<Dangerousness> for u8 {
    fn from(d: Dangerousness) -> u8 {
        d.0
    }
}

/// Psychotic symptoms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Symptoms {
    /// Essentially gone.
    Resolved,
    /// Present.
    Present,
    /// Marked.
    Marked,
}

/// Insight into the illness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Insight {
    /// Essentially recovered.
    Full,
    /// Partial.
    Partial,
    /// None.
    Absent,
}

/// Social function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SocialFunction {
    /// Good.
    Good,
    /// Fair.
    Fair,
    /// Poor.
    Poor,
}

/// A severe mental disorder follow-up visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentalDisorderVisit {
    /// Visit date.
    pub date: Date,
    /// Contact mode.
    pub mode: ContactMode,
    /// Dangerousness level.
    pub dangerousness: Dangerousness,
    /// Psychotic symptoms.
    pub symptoms: Symptoms,
    /// Insight.
    pub insight: Insight,
    /// Social function.
    pub social_function: SocialFunction,
    /// A serious adverse drug reaction.
    pub serious_adverse_reaction: bool,
    /// A serious physical illness.
    pub serious_physical_illness: bool,
}

/// Any follow-up visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Visit {
    /// Hypertension.
    Hypertension(HypertensionVisit),
    /// Type 2 diabetes.
    Diabetes(DiabetesVisit),
    /// Severe mental disorder.
    MentalDisorder(MentalDisorderVisit),
}

impl Visit {
    /// Visit date.
    pub const fn date(&self) -> Date {
        match self {
            Visit::Hypertension(v) => v.date,
            Visit::Diabetes(v) => v.date,
            Visit::MentalDisorder(v) => v.date,
        }
    }

    /// Contact mode.
    pub const fn mode(&self) -> ContactMode {
        match self {
            Visit::Hypertension(v) => v.mode,
            Visit::Diabetes(v) => v.mode,
            Visit::MentalDisorder(v) => v.mode,
        }
    }

    /// Whether the visit's kind fits the condition.
    pub const fn fits(&self, condition: Condition) -> bool {
        matches!(
            (self, condition),
            (Visit::Hypertension(_), Condition::Hypertension)
                | (Visit::Diabetes(_), Condition::Type2Diabetes)
                | (Visit::MentalDisorder(_), Condition::SevereMentalDisorder(_))
        )
    }
}

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
    let glucose_danger =
        |g: Glucose| g.tenths() >= d.glucose_high_tenths || g.tenths() <= d.glucose_low_tenths;
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
    let on_target = v.fasting_glucose.tenths() < fu.diabetes.target_fasting_tenths;
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

/// Why a follow-up command was refused; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FollowUpError {
    /// The visit's kind does not fit the plan's condition.
    #[error("a {visit} visit cannot complete a {condition:?} plan")]
    VisitDoesNotFit {
        /// The visit kind.
        visit: &'static str,
        /// The plan's condition.
        condition: Condition,
    },
    /// The plan is done, missed, lost or closed.
    #[error("the plan is {0}, not due")]
    NotDue(&'static str),
    /// Outreach is recorded only on an overdue plan.
    #[error("outreach is recorded on an overdue plan; this one is due until {overdue_from}")]
    NotOverdue {
        /// First day the plan is overdue.
        overdue_from: Date,
    },
    /// A plan is recorded missed only after the profile's window.
    #[error("a plan is recorded missed from {missed_from}")]
    NotYetMissed {
        /// First day it may be recorded missed.
        missed_from: Date,
    },
    /// A remind-on date before the outreach.
    #[error("the remind-on date {remind_on} lies before the outreach on {on}")]
    RemindBeforeOutreach {
        /// Outreach date.
        on: Date,
        /// Remind-on date.
        remind_on: Date,
    },
    /// A visit dated before enrolment.
    #[error("the visit on {visit} lies before the enrolment on {enrolled}")]
    VisitBeforeEnrolment {
        /// Visit date.
        visit: Date,
        /// Enrolment date.
        enrolled: Date,
    },
    /// The enrolment is closed.
    #[error("the enrolment is closed")]
    EnrolmentClosed,
    /// Only a completed downward referral schedules the receiver's follow-up.
    #[error("the referral is not a completed downward referral")]
    NotACompletedDownwardReferral,
    /// The referral is another patient's.
    #[error("the referral is for another patient")]
    NotThisPatient,
}

impl BrokenRule for FollowUpError {
    fn rule(&self) -> RuleId {
        match self {
            FollowUpError::VisitDoesNotFit { .. }
            | FollowUpError::VisitBeforeEnrolment { .. }
            | FollowUpError::EnrolmentClosed => RuleId::FollowUpEnrolment,
            FollowUpError::NotDue(_) => RuleId::FollowUpRoutine,
            FollowUpError::NotOverdue { .. } | FollowUpError::RemindBeforeOutreach { .. } => {
                RuleId::FollowUpOverdue
            }
            FollowUpError::NotYetMissed { .. } => RuleId::FollowUpMissed,
            FollowUpError::NotACompletedDownwardReferral | FollowUpError::NotThisPatient => {
                RuleId::ReferralDownwardFollowUp
            }
        }
    }
}

/// Why a managed patient's plan or enrolment was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// The patient died.
    Death,
    /// The patient moved out.
    MovedOut,
    /// The patient refused management.
    Refused,
    /// The record was cancelled (e.g. diagnosis revised).
    RecordCancelled,
}

/// Evidence that a diagnosis was confirmed: only confirmed patients are enrolled. A screening's
/// preliminary diagnosis is not a confirmation; the confirming institution and date are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// The condition confirmed.
    pub condition: Condition,
    /// The institution that confirmed it.
    pub confirmed_by: InstitutionId,
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

/// A follow-up plan: one scheduled contact with a managed patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpPlan {
    id: PlanId,
    enrolment: EnrolmentId,
    patient: ResidentId,
    condition: Condition,
    team: TeamId,
    due: Date,
    origin: PlanOrigin,
    state: PlanState,
    unreachable_attempts: u8,
    remind_on: Option<Date>,
    last_class: Option<VisitClass>,
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
}

/// A change to follow-up, for the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FollowUpEvent {
    /// A confirmed patient was enrolled.
    PatientEnrolled {
        /// The enrolment.
        enrolment: EnrolmentId,
        /// The patient.
        patient: ResidentId,
        /// The condition.
        condition: Condition,
        /// The team.
        team: TeamId,
        /// Date.
        on: Date,
    },
    /// An enrolment was closed.
    EnrolmentClosed {
        /// The enrolment.
        enrolment: EnrolmentId,
        /// Date.
        on: Date,
        /// Why.
        reason: CloseReason,
    },
    /// A plan was scheduled.
    PlanScheduled {
        /// The plan.
        plan: PlanId,
        /// Its enrolment.
        enrolment: EnrolmentId,
        /// Due date.
        due: Date,
        /// Why.
        origin: PlanOrigin,
    },
    /// A visit completed a plan.
    VisitRecorded {
        /// The plan.
        plan: PlanId,
        /// The visit.
        visit: VisitId,
        /// The patient.
        patient: ResidentId,
        /// Visit date.
        on: Date,
        /// Whether it was face to face.
        face_to_face: bool,
        /// The class.
        class: VisitClass,
        /// Why.
        explanation: Explanation,
    },
    /// A visit calls for a referral (danger sign, two consecutive, unstable...).
    ReferralRecommended {
        /// The plan whose visit called for it.
        plan: PlanId,
        /// The patient.
        patient: ResidentId,
        /// What kind.
        need: ReferralNeed,
    },
    /// An outreach attempt on an overdue plan.
    OutreachRecorded {
        /// The plan.
        plan: PlanId,
        /// Date.
        on: Date,
        /// Outcome.
        outcome: OutreachOutcome,
    },
    /// A plan was recorded missed.
    PlanMissed {
        /// The plan.
        plan: PlanId,
        /// Date.
        on: Date,
    },
    /// A patient was lost to follow-up.
    PatientLost {
        /// The plan.
        plan: PlanId,
        /// The patient.
        patient: ResidentId,
        /// Date.
        on: Date,
    },
    /// A plan was closed.
    PlanClosed {
        /// The plan.
        plan: PlanId,
        /// Date.
        on: Date,
        /// Why.
        reason: CloseReason,
    },
    /// A waiting plan reached its due date (the deadline job announces it once): the team's
    /// day-list, including the 14-day follow-ups after a referral (`origin`).
    PlanFellDue {
        /// The plan.
        plan: PlanId,
        /// Its enrolment.
        enrolment: EnrolmentId,
        /// The patient.
        patient: ResidentId,
        /// The responsible team.
        team: TeamId,
        /// Due date.
        due: Date,
        /// Why the plan exists.
        origin: PlanOrigin,
    },
    /// A waiting plan became overdue (past due + grace; announced once).
    PlanOverdue {
        /// The plan.
        plan: PlanId,
        /// Its enrolment.
        enrolment: EnrolmentId,
        /// The patient.
        patient: ResidentId,
        /// The responsible team.
        team: TeamId,
        /// Due date.
        due: Date,
        /// The first overdue day.
        since: Date,
    },
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

    fn ensure_due(&self) -> Result<(), FollowUpError> {
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
            let kind = match visit {
                Visit::Hypertension(_) => "hypertension",
                Visit::Diabetes(_) => "diabetes",
                Visit::MentalDisorder(_) => "mental disorder",
            };
            return Err(FollowUpError::VisitDoesNotFit {
                visit: kind,
                condition: self.condition,
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

    /// Where this plan sits in its team's worklist, should it be overdue. Depends only on the
    /// stored plan (never on the day asked), so storage can index it and page through it.
    pub fn worklist_position(&self) -> WorklistPosition {
        WorklistPosition::new(
            self.last_class.map_or(0, VisitClass::risk),
            self.origin,
            self.due,
            self.id,
        )
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

/// One line of an overdue worklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorklistEntry {
    /// The plan.
    pub plan: PlanId,
    /// The patient.
    pub patient: ResidentId,
    /// The condition.
    pub condition: Condition,
    /// Due date.
    pub due: Date,
    /// Days past due.
    pub days_overdue: u32,
    /// Risk from the last visit, 0–3.
    pub risk: u8,
    /// Why the plan exists.
    pub origin: PlanOrigin,
}

/// A place in a worklist's order, ascending: higher last-visit risk first, then post-referral
/// plans, then the earliest due date (most days overdue), then plan id. Its derived `Ord` *is*
/// the worklist's order, so a page token is simply the position of a page's last line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct WorklistPosition {
    /// 0 (risk 3, after a referral) to 7 (risk 0, routine): risk and origin in one number.
    pub rank: u8,
    /// Due date.
    pub due: Date,
    /// The plan.
    pub plan: PlanId,
}

impl WorklistPosition {
    /// The last rank (risk 0, routine origin).
    pub const LOWEST_RANK: u8 = 7;

    /// The position of a plan with this risk (0–3, higher clamps to 3) and origin.
    pub fn new(risk: u8, origin: PlanOrigin, due: Date, plan: PlanId) -> WorklistPosition {
        let routine = u8::from(!is_referral(origin));
        WorklistPosition {
            rank: (3 - risk.min(3)) * 2 + routine,
            due,
            plan,
        }
    }
}

impl WorklistEntry {
    /// This line's place in the worklist's order.
    pub fn position(&self) -> WorklistPosition {
        WorklistPosition::new(self.risk, self.origin, self.due, self.plan)
    }
}

/// The risk-ordered overdue worklist of one team on `on`, in [`WorklistPosition`] order:
/// highest last-visit risk first, then post-referral plans, then most days overdue, then plan
/// id (deterministic). Plans whose patient was reached and asked to be reminded later stay off
/// the list until that date.
pub fn overdue_worklist<'a>(
    plans: impl IntoIterator<Item = &'a FollowUpPlan>,
    team: TeamId,
    on: Date,
    profile: &RuleProfile,
) -> Vec<WorklistEntry> {
    let mut entries: Vec<WorklistEntry> = plans
        .into_iter()
        .filter(|p| p.team == team && p.remind_on.is_none_or(|r| r <= on))
        .filter_map(|p| match p.status_on(on, profile) {
            PlanStatus::Overdue { days } => Some(WorklistEntry {
                plan: p.id,
                patient: p.patient,
                condition: p.condition,
                due: p.due,
                days_overdue: days,
                risk: p.last_class.map_or(0, VisitClass::risk),
                origin: p.origin,
            }),
            _ => None,
        })
        .collect();
    entries.sort_unstable_by_key(WorklistEntry::position);
    entries
}

const fn is_referral(origin: PlanOrigin) -> bool {
    matches!(
        origin,
        PlanOrigin::UpwardReferral(_) | PlanOrigin::DownwardReferral(_)
    )
}

/// A visit of the year, as the yearly rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitSummary {
    /// Date.
    pub date: Date,
    /// Whether face to face.
    pub face_to_face: bool,
    /// Class.
    pub class: VisitClass,
}

/// A managed patient's year, for standardized management and control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearOfCare {
    /// Face-to-face follow-ups in the year (phone contacts excluded).
    pub face_to_face: u16,
    /// Whether the annual health check was done.
    pub annual_check: bool,
    /// Class of the latest visit of the year, if any.
    pub latest_class: Option<VisitClass>,
}

impl YearOfCare {
    /// Summarises the visits of `year` (other years' visits are ignored).
    pub fn from_visits(visits: &[VisitSummary], year: i32, annual_check: bool) -> YearOfCare {
        let in_year = visits.iter().filter(|v| v.date.year() == year);
        let face_to_face = in_year.clone().filter(|v| v.face_to_face).count();
        let latest_class = in_year.max_by_key(|v| v.date).map(|v| v.class);
        YearOfCare {
            face_to_face: u16::try_from(face_to_face).unwrap_or(u16::MAX),
            annual_check,
            latest_class,
        }
    }

    /// 规范管理: at least the profile's face-to-face follow-ups and the annual check.
    pub fn is_standardized(&self, profile: &RuleProfile) -> bool {
        self.face_to_face >= u16::from(profile.follow_up.min_face_to_face_per_year)
            && self.annual_check
    }

    /// Controlled: the latest visit of the year was on target; no visit counts as not controlled.
    pub fn is_controlled(&self) -> bool {
        self.latest_class.is_some_and(VisitClass::is_controlled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn profile() -> RuleProfile {
        RuleProfile::bphs3()
    }

    fn plan() -> FollowUpPlan {
        let (_, plan, events) = Enrolment::enrol(
            EnrolPatient {
                id: EnrolmentId::from_u128(1),
                patient: ResidentId::from_u128(2),
                confirmation: Confirmation {
                    condition: Condition::Hypertension,
                    confirmed_by: InstitutionId::from_u128(3),
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

    fn htn_visit(date: Date, sbp: u16, mode: ContactMode) -> Visit {
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

    #[test]
    fn enrolment_before_confirmation_is_refused() {
        let err = Enrolment::enrol(
            EnrolPatient {
                id: EnrolmentId::from_u128(1),
                patient: ResidentId::from_u128(2),
                confirmation: Confirmation {
                    condition: Condition::Type2Diabetes,
                    confirmed_by: InstitutionId::from_u128(3),
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
    fn a_reached_patient_leaves_the_worklist_until_the_remind_on_date() {
        let p = profile();
        let team = TeamId::from_u128(4);
        let reached = OutreachOutcome::Reached {
            remind_on: date!(2026 - 01 - 25),
        };
        let (reminded, _) = plan()
            .record_outreach(date!(2026 - 01 - 20), reached, &p)
            .unwrap();
        assert!(overdue_worklist([&reminded], team, date!(2026 - 01 - 24), &p).is_empty());
        let list = overdue_worklist([&reminded], team, date!(2026 - 01 - 25), &p);
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].days_overdue, 10);
        let back = plan().record_outreach(
            date!(2026 - 01 - 20),
            OutreachOutcome::Reached {
                remind_on: date!(2026 - 01 - 19),
            },
            &p,
        );
        assert!(matches!(
            back,
            Err(FollowUpError::RemindBeforeOutreach { .. })
        ));
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
    fn the_four_face_to_face_rule_needs_the_annual_check_too() {
        let p = profile();
        let year = YearOfCare {
            face_to_face: 4,
            annual_check: false,
            latest_class: Some(VisitClass::Controlled),
        };
        assert!(!year.is_standardized(&p));
        assert!(
            YearOfCare {
                annual_check: true,
                ..year
            }
            .is_standardized(&p)
        );
        assert!(
            !YearOfCare {
                latest_class: None,
                ..year
            }
            .is_controlled()
        );
    }
}
