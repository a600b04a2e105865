//! Rule profiles: the rules' numbers as data.
//!
//! Counties adapt the national rules. Every number marked *(profile)* in `domain-rules.md` lives
//! in a [`RuleProfile`], loaded from TOML and validated before use, so a county can publish its
//! own values without a code change. The national default [`RuleProfile::bphs3`] is shipped in
//! the crate (`profiles/bphs3.toml`). A county profile names `base = "bphs3"` and overrides only
//! what it changes; the merged result is validated as a whole.
//!
//! Every decision records the [`ProfileStamp`] (id and version) it was taken under.
//!
//! The profile depends on no other module of the crate: the vocabularies its rules are keyed by
//! (team roles, test codes) are defined here, in `terms`, and published where they belong
//! (`contract::TeamRole`, `referral::TestCode`).
//!
//! ## Files
//! - `id`: [`ProfileId`] and [`ProfileStamp`], what every decision records.
//! - `rules`: the rules of each section, e.g. [`FollowUpRules`], [`ReferralRules`].
//! - `rule_profile`: the whole [`RuleProfile`], loaded from TOML with county overrides merged.
//! - `validate`: the consistency rules [`RuleProfile::validate`] checks.
//! - `terms`: team roles and test codes.
//! - `error`: [`ProfileError`].

mod error;
mod id;
mod rule_profile;
mod rules;
pub(crate) mod terms;
mod validate;

pub use error::ProfileError;
pub use id::{ProfileId, ProfileStamp};
pub use rule_profile::{BPHS3_TOML, RuleProfile};
pub use rules::{
    BpScreeningRules, ContractRules, DangerThresholds, DiabetesRules, DiagnosisRules,
    ElderlyCheckRules, FollowUpRules, GlucoseScreeningRules, HypertensionRules, IndicatorRules,
    KeyPopulationRules, MentalDisorderRules, RecordRules, ReferralRules, ResidencyRules,
    ScreeningRules, TeamRules, TwoCancerRules,
};
