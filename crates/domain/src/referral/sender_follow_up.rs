//! The sender's follow-up of an upward referral (§6 common rules, §7): every upward referral,
//! whatever its reason, is followed up by the sending institution within the profile's days
//! (14 by default), and the waiting plans of the patient's enrolments held there are brought
//! forward to that day ([`crate::followup::FollowUpPlan::for_upward_referral`]).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::ids::PlanId;

/// When the sender follows the patient up, and the plans that now carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderFollowUp {
    /// The day by which the sender follows up.
    pub due: Date,
    /// The sender's follow-up plans brought forward to `due`; empty when the patient is not
    /// managed there (the `SenderFollowUpDue` event then tells the sender to follow up).
    #[serde(default)]
    pub plans: Vec<PlanId>,
}
