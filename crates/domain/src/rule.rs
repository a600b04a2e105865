//! Rule ids, their sources, and the explanation every decision carries.
//!
//! A decision of the domain (a follow-up class, a screening outcome, a referral requirement)
//! records which profile it used and which rules fired, so an operator can answer
//! "why is this patient overdue?" or "why was this referral required?" long after the fact,
//! and replay the decision with the same profile. Rule ids are stable strings: they are
//! stored, sent over the wire and quoted in errors.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::profile::ProfileStamp;

macro_rules! rules {
    ($($variant:ident = $code:literal, $source:literal, $summary:literal;)+) => {
        /// One rule of `domain-rules.md`, with a stable code and its national source.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        #[non_exhaustive]
        pub enum RuleId {
            $(
                #[doc = $summary]
                $variant,
            )+
        }

        impl RuleId {
            /// Every rule, in declaration order.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant),+];

            /// The stable code, e.g. `HTN-TWO-CONSECUTIVE`.
            pub const fn code(self) -> &'static str {
                match self { $(RuleId::$variant => $code,)+ }
            }

            /// The document the rule comes from.
            pub const fn source(self) -> &'static str {
                match self { $(RuleId::$variant => $source,)+ }
            }

            /// One line saying what the rule requires.
            pub const fn summary(self) -> &'static str {
                match self { $(RuleId::$variant => $summary,)+ }
            }

            /// Looks a rule up by its code.
            pub fn from_code(code: &str) -> Option<RuleId> {
                match code { $($code => Some(RuleId::$variant),)+ _ => None }
            }
        }
    };
}

rules! {
    // Identity and residency (section 2)
    IdCheckCharacter = "ID-CHECK", "GB 11643-1999", "the 18th character is the ISO 7064 MOD 11-2 check of the first 17";
    IdBirthDate = "ID-BIRTH", "GB 11643-1999", "characters 7-14 are a real birth date, not in the future";
    IdDocumentType = "ID-DOCUMENT", "BPHS-3", "documents other than the citizen identity number carry an explicit type";
    PermanentResident = "RES-PERMANENT", "BPHS-3", "a permanent resident has lived in the jurisdiction for at least the profile's months";
    // Network (section 2)
    NetworkLevels = "NET-LEVEL", "BPHS-3", "an institution's level follows from its kind";
    NetworkOneCommunity = "NET-ONE-COMMUNITY", "County-2022", "every primary institution belongs to exactly one medical community";
    NetworkLeadHospital = "NET-LEAD", "County-2022", "a community is led by one county-level hospital";
    NetworkClosed = "NET-CLOSED", "County-2022", "a closed institution keeps its history but takes no new member, referral or sign-in; a lead hospital neither closes nor leaves while it leads";
    // Grid management (section 3)
    GridAreaShape = "GRID-AREA-SHAPE", "BPHS-3", "the area tree follows the rural or urban levels";
    GridOneGridPerHousehold = "GRID-ONE-GRID", "BPHS-3", "a household belongs to exactly one grid";
    GridOneTeam = "GRID-ONE-TEAM", "FD-2018", "a grid has at most one responsible team at a time, with effective-dated history";
    GridNoOrphan = "GRID-NO-ORPHAN", "BPHS-3", "reassign, split and merge keep every household in exactly one grid";
    GridResponsible = "GRID-RESPONSIBLE", "BPHS-3", "a township's or subdistrict's area is the charge of one primary institution (township or community health centre), inherited by every node below; its grids are served by teams of that institution's community";
    // Contracts (section 4)
    ContractTeamRoles = "FD-TEAM-ROLES", "FD-2018", "a team follows the 3+1+N pattern of the profile";
    ContractOneActive = "FD-ONE-ACTIVE", "FD-2018", "a resident holds at most one active contract";
    ContractPeriod = "FD-PERIOD", "FD-2018", "a contract lasts at least the profile's minimum period";
    ContractRenewal = "FD-RENEWAL", "FD-2018", "at expiry the resident renews or signs with another team";
    KeyPopulationElderly = "FD-KEY-65", "FD-2018", "residents aged 65 and over are a key population";
    KeyPopulationChild = "FD-KEY-CHILD", "FD-2018", "children aged 0-6 are a key population";
    KeyPopulationMaternal = "FD-KEY-MATERNAL", "FD-2018", "pregnant and postpartum women are a key population";
    KeyPopulationChronic = "FD-KEY-CHRONIC", "FD-2018", "managed hypertension, type 2 diabetes, severe mental disorder and tuberculosis patients are key populations";
    KeyPopulationDisabled = "FD-KEY-DISABLED", "FD-2018", "disabled residents are a key population";
    KeyPopulationLocal = "FD-KEY-LOCAL", "FD-2018", "locally listed groups are key populations";
    // Screening (section 5)
    ScreenBpEligible = "SCR-BP-ELIGIBLE", "BPHS-3", "permanent residents aged 35+ are screened for blood pressure yearly";
    ScreenBpEmergency = "SCR-BP-EMERGENCY", "BPHS-3", "SBP >= 180 or DBP >= 110 at screening is an emergency referral";
    ScreenBpRecheck = "SCR-BP-RECHECK", "BPHS-3", "a first SBP >= 140 or DBP >= 90 needs a recheck on another day";
    ScreenBpThreeDays = "SCR-BP-3-DAYS", "BPHS-3", "elevated on 3 readings on 3 different days is a preliminary diagnosis, referred upward for confirmation";
    ScreenBpDiagnosisFollowUp = "SCR-BP-FOLLOW-UP-14", "BPHS-3", "the screening institution follows up a preliminary diagnosis within 14 days";
    ScreenRiskHighNormal = "SCR-RISK-HIGH-NORMAL", "BPHS-3", "SBP 130-139 or DBP 85-89 is a high-risk factor";
    ScreenRiskBodySize = "SCR-RISK-BODY", "BPHS-3", "BMI >= 24, or waist >= 90 cm (men) / 85 cm (women), is a high-risk factor";
    ScreenRiskFamilyHistory = "SCR-RISK-FAMILY", "BPHS-3", "a family history of hypertension is a high-risk factor";
    ScreenRiskSalt = "SCR-RISK-SALT", "BPHS-3", "a long-term high-salt diet is a high-risk factor";
    ScreenRiskDrinking = "SCR-RISK-DRINKING", "BPHS-3", "long-term heavy drinking is a high-risk factor";
    ScreenRiskAge = "SCR-RISK-AGE", "BPHS-3", "age 55 or over is a high-risk factor";
    ScreenBpHighRisk = "SCR-BP-HIGH-RISK", "BPHS-3", "a high-risk person is rescreened every 6 months";
    ScreenBpNormal = "SCR-BP-NORMAL", "BPHS-3", "otherwise blood pressure is rescreened yearly";
    ScreenGlucoseEligible = "SCR-GLU-ELIGIBLE", "BPHS-3", "high-risk people aged 35+ get a fasting glucose test at least yearly";
    ScreenGlucoseEmergency = "SCR-GLU-EMERGENCY", "BPHS-3", "glucose >= 16.7 or <= 3.9 mmol/L is an emergency";
    ScreenGlucoseSuspected = "SCR-GLU-SUSPECTED", "WHO-1999", "fasting >= 7.0, or random/2-h >= 11.1 with symptoms, is suspected diabetes, confirmed on another day";
    ScreenGlucoseImpaired = "SCR-GLU-IFG", "WHO-1999", "6.1 <= fasting < 7.0 is impaired fasting glucose (high risk)";
    ScreenGlucoseNormal = "SCR-GLU-NORMAL", "WHO-1999", "otherwise glucose is normal";
    ScreenOpportunistic = "SCR-OPPORTUNISTIC", "BPHS-3", "a reading of someone outside the programme's ages is opportunistic: assessed, but not counted in the programme";
    ScreenElderlyCheck = "SCR-ELDERLY", "BPHS-3", "residents aged 65+ get a health check once a calendar year; due again on 1 January after the last";
    ScreenSelfCare = "SCR-SELF-CARE", "BPHS-3", "the elderly self-care score grades dependence 0-3 / 4-8 / 9-18 / 19+";
    ElderlyCheckForm = "ELD-CHECK", "BPHS-3", "the 65+ check records lifestyle and health status with the self-care score, the physical examination, the auxiliary tests and the guidance fed back";
    ElderlyFinding = "ELD-FINDING", "BPHS-3", "newly found hypertension or diabetes is referred to confirm and enrolled; other abnormal findings are rechecked or referred";
    ElderlyAnnualCheck = "ELD-ANNUAL-CHECK", "BPHS-3", "the 65+ check of a managed hypertension or diabetes patient is that patient's annual check";
    ElderlyGuided = "ELD-GUIDED", "BPHS-3", "a check counts for elderly management once its results are fed back with guidance";
    ScreenTwoCancerEligible = "SCR-2C-ELIGIBLE", "CS-2022", "women aged 35-64 are screened for cervical and breast cancer once per cycle";
    ScreenTwoCancerCase = "SCR-2C-CASE", "CS-2022", "an abnormal result opens a case that stays open until closed with a result";
    // Follow-up (section 6)
    FollowUpEnrolment = "FU-ENROL", "BPHS-3", "only confirmed patients are enrolled in management";
    FollowUpConfirmingLevel = "FU-CONFIRMED-BY", "BPHS-3", "a diagnosis is confirmed by an institution of the profile's level (county by default): lower levels find and refer";
    FollowUpVisitOrder = "FU-VISIT-ORDER", "BPHS-3", "visits are recorded in date order: one dated before the latest recorded visit is refused";
    HtnDangerBloodPressure = "HTN-DANGER-BP", "BPHS-3", "SBP >= 180 or DBP >= 110 at a visit forces emergency referral";
    HtnDangerSymptom = "HTN-DANGER-SIGN", "BPHS-3", "a hypertension danger sign forces emergency referral";
    HtnControlled = "HTN-CONTROLLED", "BPHS-3", "SBP < 140 and DBP < 90, no adverse reaction, no new complication, is controlled";
    HtnElderlyTarget = "HTN-TARGET-65", "BPHS-3", "from age 65 the target is SBP < 150 and DBP < 90";
    HtnUncontrolledFirst = "HTN-UNCONTROLLED-FIRST", "BPHS-3", "BP above target for the first time, or an adverse reaction: adjust and revisit in 14 days";
    HtnTwoConsecutive = "HTN-TWO-CONSECUTIVE", "BPHS-3", "uncontrolled at two consecutive visits: refer upward, follow up in 14 days";
    HtnAdverseReactionHard = "HTN-ADR-HARD", "BPHS-3", "an adverse reaction hard to control: refer upward";
    HtnComplication = "HTN-COMPLICATION", "BPHS-3", "a new or worse complication: refer upward";
    DmDangerGlucose = "DM-DANGER-GLU", "BPHS-3", "glucose >= 16.7 or <= 3.9 at a visit forces emergency referral";
    DmDangerBloodPressure = "DM-DANGER-BP", "BPHS-3", "SBP >= 180 or DBP >= 110 at a diabetes visit forces emergency referral";
    DmDangerSymptom = "DM-DANGER-SIGN", "BPHS-3", "a diabetes danger sign forces emergency referral";
    DmControlled = "DM-CONTROLLED", "BPHS-3", "fasting glucose < 7.0, no adverse reaction, no new complication, is controlled";
    DmUncontrolledFirst = "DM-UNCONTROLLED-FIRST", "BPHS-3", "glucose above target for the first time, or an adverse reaction: adjust and revisit in 14 days";
    DmTwoConsecutive = "DM-TWO-CONSECUTIVE", "BPHS-3", "uncontrolled at two consecutive visits: refer upward, follow up in 14 days";
    DmAdverseReactionHard = "DM-ADR-HARD", "BPHS-3", "an adverse reaction hard to control: refer upward";
    DmComplication = "DM-COMPLICATION", "BPHS-3", "a new or worse complication: refer upward";
    SmdUnstable = "SMD-UNSTABLE", "BPHS-3", "dangerousness 3-5, marked symptoms, no insight, serious ADR or physical illness: refer at once, follow up in 14 days";
    SmdBasicallyStable = "SMD-BASICALLY-STABLE", "BPHS-3", "dangerousness 1-2 or any of symptoms, insight, social function poor: review in 14 days";
    SmdNotStabilised = "SMD-NOT-STABILISED", "BPHS-3", "still not stable at the 14-day review: next visit in 1 month";
    SmdStable = "SMD-STABLE", "BPHS-3", "dangerousness 0 and all else good: next visit in 3 months";
    FollowUpRoutine = "FU-ROUTINE", "BPHS-3", "a controlled patient's next routine visit follows the profile interval";
    FollowUpOverdue = "FU-OVERDUE", "BPHS-3", "a plan past its due date plus grace days and not done is overdue";
    FollowUpMissed = "FU-MISSED", "BPHS-3", "a plan overdue beyond the profile window is recorded missed and the next one scheduled";
    FollowUpLost = "FU-LOST", "BPHS-3", "a patient unreachable at the profile's number of outreach attempts is lost to follow-up";
    FollowUpFaceToFace = "FU-FACE-TO-FACE-4", "BPHS-3", "at least 4 face-to-face follow-ups a year; phone contacts do not count";
    FollowUpAnnualCheck = "FU-ANNUAL-CHECK", "BPHS-3", "one annual health check a year";
    FollowUpAfterReferral = "FU-AFTER-REFERRAL-14", "BPHS-3", "every upward referral from management creates a 14-day follow-up for the sending team";
    // Indicators (section 6; §11; FD-2018)
    IndicatorManagement = "IND-MANAGEMENT", "BPHS-3", "management rate = managed patients / the estimate, adults times the profile's prevalence";
    IndicatorStandardized = "IND-STANDARDIZED", "BPHS-3", "standardized management rate = managed patients with >= 4 face-to-face follow-ups and the annual check in the year / managed patients";
    IndicatorControl = "IND-CONTROL", "BPHS-3", "control rate = managed patients whose latest follow-up of the year was on target / managed patients; no follow-up is not controlled";
    IndicatorMentalStable = "IND-SMD-STABLE", "BPHS-3", "stable rate = severe mental disorder patients whose latest follow-up of the year was stable / managed patients";
    IndicatorElderly = "IND-ELDERLY", "BPHS-3", "elderly management rate = 65+ with record, check and guidance in the year / 65+ permanent residents";
    IndicatorElderlyCheck = "IND-ELDERLY-CHECK", "BPHS-3", "65+ check coverage = 65+ permanent residents checked in the year / 65+ permanent residents";
    IndicatorScreening = "IND-SCREENING", "BPHS-3", "screening coverage = residents the blood-pressure programme covers, screened by it in the year / those it covers; opportunistic readings do not count";
    IndicatorTwoCancer = "IND-TWO-CANCER", "CS-2022", "two-cancer coverage = women 35-64 (permanent residents) the programme examined for the cancer in the cycle up to the date / those women; opportunistic exams do not count";
    IndicatorRenewal = "IND-RENEWAL", "FD-2018", "renewal rate = contracts that ran to their end in the year and were renewed with the same team / those that ran to their end";
    // Remote diagnosis (section 12)
    DiagnosisCentre = "DX-CENTRE", "CMC-2023", "a diagnosis centre is a department of a county-level institution reading its modalities for its own medical community's members";
    DiagnosisStates = "DX-STATES", "CMC-2023", "requested -> acquired -> in reading -> preliminary -> verified -> acknowledged; cancelled only before acquisition";
    DiagnosisUid = "DX-UID", "DICOM PS3.5", "a Study Instance UID is digits and dots, at most 64 characters, no empty component, no leading zero unless the component is 0";
    DiagnosisClaim = "DX-CLAIM", "CMC-2023", "one reader claims a request; exactly one claim stands";
    DiagnosisVerify = "DX-VERIFY", "CMC-2023", "a preliminary report is verified by a second reader of the profile's grade";
    DiagnosisAmend = "DX-AMEND", "CMC-2023", "a verified report changes only as a new version with a reason; every version stays readable";
    DiagnosisAcknowledge = "DX-ACK", "CMC-2023", "the requesting institution acknowledges the verified report";
    DiagnosisTurnaround = "DX-TURNAROUND", "CMC-2023", "from acquisition to verification within the profile's minutes per priority (30 emergency, 120 urgent, 1440 routine), else it escalates to the centre's duty desk";
    DiagnosisCritical = "DX-CRITICAL", "NHC-2018", "a critical value is flagged at once and acknowledged by the requesting institution within the profile's minutes (15), else it escalates to the duty desk, then the community's desk";
    DiagnosisResult = "DX-RESULT", "County-2022", "a verified report is a test result a referral attaches and mutual recognition judges: the profile's test for its modality, taken on the acquisition day, issued by the centre's institution";
    // Remote consultation (section 12)
    ConsultationParties = "CONSULT-PARTIES", "CMC-2023", "a consultation asks a county-level institution of the requester's medical community, not the requester itself";
    ConsultationStates = "CONSULT-STATES", "CMC-2023", "requested -> scheduled -> answered; declined or cancelled while open";
    ConsultationTime = "CONSULT-TIME", "CMC-2023", "the proposed and the scheduled time lie no earlier than the moment they are given and at most 366 days after it";
    ConsultationAttach = "CONSULT-ATTACH", "CMC-2023", "at most 10 attachments, none repeated: a diagnostic report, or a document with a title, an absolute URI and a media type";
    ConsultationAnswer = "CONSULT-ANSWER", "CMC-2023", "once scheduled, the scheduled specialist answers";
    // Referral (section 7)
    ReferralDirection = "REF-DIRECTION", "TC-2015", "the direction follows the levels: upward to a higher level, downward to a lower one";
    ReferralInNetwork = "REF-IN-NETWORK", "County-2022", "upward referrals stay in the community; beyond the lead hospital they leave from it";
    ReferralReasonDirection = "REF-REASON", "TC-2015", "each reason code belongs to a direction";
    ReferralGreenChannel = "REF-GREEN-CHANNEL", "County-2022", "an emergency referral may arrive before acceptance";
    ReferralStateMachine = "REF-STATE", "TC-2015", "only the transitions of section 7 are allowed";
    ReferralApproval = "REF-APPROVAL", "County-2022", "where the profile asks, the community's referral desk approves routine upward referrals";
    ReferralResponseDeadline = "REF-RESPONSE-DEADLINE", "County-2022", "the receiver answers a routine request within the profile's hours, else it escalates";
    ReferralOneOpenPerDirection = "REF-ONE-OPEN", "TC-2015", "a patient has at most one open referral per direction";
    ReferralSenderFollowUp = "REF-SENDER-FOLLOW-UP-14", "BPHS-3", "the sender follows up every upward referral within 14 days";
    ReferralDownwardFollowUp = "REF-DOWNWARD-FOLLOW-UP-14", "TC-2015", "a completed downward referral creates a follow-up at the receiver within 14 days";
    ReferralReservedSlots = "REF-RESERVED-SLOTS", "County-2022", "the lead hospital reserves a share of specialist slots for referrals, released ahead";
    ReferralMutualRecognition = "REF-MUTUAL-RECOGNITION", "County-2022", "a test result within its validity window is recognised, not repeated";
    ReferralArrivalDeadline = "REF-ARRIVAL-DEADLINE", "County-2022", "an accepted patient not arrived by the appointment plus the profile's days escalates to the community's referral desk";
    ReferralUnreferredEmergency = "REF-UNREFERRED-EMERGENCY", "BPHS-3", "an emergency without a referral lands on the community's referral desk and escalates after the profile's minutes";
    ReferralAdviceTracked = "REF-ADVICE-TRACKED", "BPHS-3", "a recommended referral stays on the team's list until sent or declined with a reason";
    ReferralExternalClose = "REF-EXTERNAL-CLOSE", "County-2022", "an open referral closes when the patient died or was admitted elsewhere";
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        RuleId::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown rule id `{code}`")))
    }
}

/// A set of rules, as a bitset: recording which rules fired costs no allocation on the
/// classification hot path (millions of visits a second).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RuleSet(u128);

const _: () = assert!(RuleId::ALL.len() <= 128, "RuleSet holds at most 128 rules");

impl RuleSet {
    /// No rule.
    pub const EMPTY: RuleSet = RuleSet(0);

    /// A set of one rule.
    pub const fn of(rule: RuleId) -> RuleSet {
        RuleSet(1 << rule as u8)
    }

    /// This set plus `rule`.
    #[must_use]
    pub const fn with(self, rule: RuleId) -> RuleSet {
        RuleSet(self.0 | 1 << rule as u8)
    }

    /// Adds `rule`.
    pub fn insert(&mut self, rule: RuleId) {
        self.0 |= 1 << rule as u8;
    }

    /// Whether `rule` fired.
    pub const fn contains(self, rule: RuleId) -> bool {
        self.0 & (1 << rule as u8) != 0
    }

    /// Whether no rule fired.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The rules, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = RuleId> {
        RuleId::ALL
            .iter()
            .copied()
            .filter(move |r| self.contains(*r))
    }
}

impl FromIterator<RuleId> for RuleSet {
    fn from_iter<I: IntoIterator<Item = RuleId>>(iter: I) -> Self {
        let mut set = RuleSet::EMPTY;
        for rule in iter {
            set.insert(rule);
        }
        set
    }
}

impl fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.iter().map(RuleId::code))
            .finish()
    }
}

impl Serialize for RuleSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for RuleSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Vec::<RuleId>::deserialize(deserializer)?
            .into_iter()
            .collect())
    }
}

/// Why a decision was taken: the profile it used and the rules that fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The rule profile (id and version) the decision used.
    pub profile: ProfileStamp,
    /// The rules that fired, in declaration order.
    pub rules: RuleSet,
}

impl Explanation {
    /// An explanation under `profile` with the given rules.
    pub const fn new(profile: ProfileStamp, rules: RuleSet) -> Self {
        Self { profile, rules }
    }

    /// Human-readable lines: `HTN-TWO-CONSECUTIVE (BPHS-3): uncontrolled at two ...`.
    pub fn lines(&self) -> Vec<String> {
        self.rules
            .iter()
            .map(|r| format!("{} ({}): {}", r.code(), r.source(), r.summary()))
            .collect()
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "profile {}", self.profile)?;
        for rule in self.rules.iter() {
            write!(f, "; {} ({})", rule.code(), rule.source())?;
        }
        Ok(())
    }
}

/// An error that breaks a named rule: every domain error can say which one.
pub trait BrokenRule {
    /// The rule the failed command would have broken.
    fn rule(&self) -> RuleId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_codes_are_unique_and_round_trip() {
        let mut seen = std::collections::BTreeSet::new();
        for rule in RuleId::ALL {
            assert!(seen.insert(rule.code()), "duplicate code {}", rule.code());
            assert_eq!(RuleId::from_code(rule.code()), Some(*rule));
        }
    }

    #[test]
    fn a_rule_set_holds_exactly_what_was_inserted() {
        let set = RuleSet::of(RuleId::HtnTwoConsecutive).with(RuleId::FollowUpAfterReferral);
        assert!(set.contains(RuleId::HtnTwoConsecutive));
        assert!(!set.contains(RuleId::HtnControlled));
        assert_eq!(set.iter().count(), 2);
    }
}
