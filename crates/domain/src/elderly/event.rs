//! What a recorded check tells the rest of the county: that it was done, whether it counts for
//! elderly management, and what it found (an emergency among them goes to the desk as advice).

use serde::{Deserialize, Serialize};
use time::Date;

use super::assess::{CheckAssessment, CheckFinding};
use super::form::HealthCheck;
use crate::followup::Condition;
use crate::ids::{ElderlyCheckId, ResidentId};

/// A change to a resident's checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ElderlyCheckEvent {
    /// A check was recorded.
    CheckRecorded {
        /// The check.
        check: ElderlyCheckId,
        /// The resident.
        resident: ResidentId,
        /// The day of the check.
        on: Date,
        /// Fed back with guidance: counted for elderly management.
        guided: bool,
        /// The managed conditions whose annual check it is.
        annual_check_of: Vec<Condition>,
        /// What it found, most urgent first.
        findings: Vec<CheckFinding>,
    },
}

impl ElderlyCheckEvent {
    /// The event of a check just recorded.
    pub fn recorded(
        check: ElderlyCheckId,
        resident: ResidentId,
        form: &HealthCheck,
        assessment: &CheckAssessment,
    ) -> Self {
        ElderlyCheckEvent::CheckRecorded {
            check,
            resident,
            on: form.on,
            guided: assessment.guided,
            annual_check_of: assessment.annual_check_of.clone(),
            findings: assessment.findings.clone(),
        }
    }
}
