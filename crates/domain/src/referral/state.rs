//! The referral's states, their names and the named sets of them (open, awaiting the receiver,
//! granting the receiver access), the commands, and what the final states carry.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::error::ReferralError;
use super::slip::Diagnosis;
use super::slot::Appointment;
use crate::vocabulary::codes;

/// The receiver's report back on completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DischargeSummary {
    // Reports stored before the discharge diagnosis was asked for have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    diagnosis: Option<Diagnosis>,
    summary: String,
    rehabilitation_guidance: String,
}

impl DischargeSummary {
    /// Every part is required (section 7: the discharge diagnosis, the summary and the
    /// rehabilitation guidance go back to the sender).
    pub fn new(
        diagnosis: Diagnosis,
        summary: &str,
        rehabilitation_guidance: &str,
    ) -> Result<Self, ReferralError> {
        Ok(Self {
            diagnosis: Some(diagnosis),
            summary: ReferralError::required(summary, "discharge summary")?,
            rehabilitation_guidance: ReferralError::required(
                rehabilitation_guidance,
                "rehabilitation guidance",
            )?,
        })
    }

    /// The discharge diagnosis (出院诊断); `None` only on reports stored before it was asked.
    pub fn diagnosis(&self) -> Option<&Diagnosis> {
        self.diagnosis.as_ref()
    }

    /// The summary.
    pub fn summary(&self) -> &str {
        &self.summary
    }

    /// The guidance.
    pub fn rehabilitation_guidance(&self) -> &str {
        &self.rehabilitation_guidance
    }
}

/// External evidence that closes an open referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExternalEvidence {
    /// The patient died.
    PatientDied,
    /// The patient was admitted elsewhere.
    AdmittedElsewhere,
}

/// The state of a referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReferralState {
    /// Waiting for the community referral desk.
    AwaitingApproval,
    /// Sent; waiting for the receiver.
    Requested,
    /// Accepted with an appointment or bed.
    Accepted {
        /// The appointment.
        appointment: Appointment,
    },
    /// Rejected, with a reason.
    Rejected {
        /// Why.
        reason: String,
    },
    /// Cancelled by the sender.
    Cancelled {
        /// Why.
        reason: String,
    },
    /// The patient arrived.
    Arrived {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Completed with the receiver's report.
    Completed {
        /// The report.
        summary: DischargeSummary,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Closed on external evidence.
    Closed {
        /// The evidence.
        evidence: ExternalEvidence,
    },
}

/// The states' names, for errors and state-machine tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateName {
    /// See [`ReferralState::AwaitingApproval`].
    AwaitingApproval,
    /// See [`ReferralState::Requested`].
    Requested,
    /// See [`ReferralState::Accepted`].
    Accepted,
    /// See [`ReferralState::Rejected`].
    Rejected,
    /// See [`ReferralState::Cancelled`].
    Cancelled,
    /// See [`ReferralState::Arrived`].
    Arrived,
    /// See [`ReferralState::Completed`].
    Completed,
    /// See [`ReferralState::Closed`].
    Closed,
}

codes!(StateName {
    AwaitingApproval => "awaiting_approval",
    Requested => "requested",
    Accepted => "accepted",
    Rejected => "rejected",
    Cancelled => "cancelled",
    Arrived => "arrived",
    Completed => "completed",
    Closed => "closed",
});

impl ReferralState {
    /// The state's name.
    pub fn name(&self) -> StateName {
        match self {
            ReferralState::AwaitingApproval => StateName::AwaitingApproval,
            ReferralState::Requested => StateName::Requested,
            ReferralState::Accepted { .. } => StateName::Accepted,
            ReferralState::Rejected { .. } => StateName::Rejected,
            ReferralState::Cancelled { .. } => StateName::Cancelled,
            ReferralState::Arrived { .. } => StateName::Arrived,
            ReferralState::Completed { .. } => StateName::Completed,
            ReferralState::Closed { .. } => StateName::Closed,
        }
    }
}

impl StateName {
    /// Whether a referral in this state is still open (counts toward one open per direction).
    pub const fn is_open(self) -> bool {
        matches!(
            self,
            StateName::AwaitingApproval
                | StateName::Requested
                | StateName::Accepted
                | StateName::Arrived
        )
    }

    /// Whether the patient has yet to reach the receiver: waiting for the desk's approval, the
    /// receiver's answer, or the patient's arrival. What an inbox lists when no state is named.
    pub const fn awaits_receiver(self) -> bool {
        matches!(
            self,
            StateName::AwaitingApproval | StateName::Requested | StateName::Accepted
        )
    }

    /// Whether the receiver may read the patient's record: from the moment the referral is
    /// sent to it (after any approval) until the care it asked for ends: completion,
    /// rejection, cancellation or closure ends it.
    pub const fn grants_receiver_access(self) -> bool {
        matches!(
            self,
            StateName::Requested | StateName::Accepted | StateName::Arrived
        )
    }

    /// The states where `set` holds, in declaration order (for a storage filter or a
    /// wire default).
    pub fn matching(set: fn(StateName) -> bool) -> Vec<StateName> {
        Self::ALL.iter().copied().filter(|s| set(*s)).collect()
    }
}

/// Commands, named for errors and state-machine tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Approve by the referral desk.
    Approve,
    /// Accept by the receiver.
    Accept,
    /// Reject.
    Reject,
    /// Cancel by the sender.
    Cancel,
    /// Record arrival.
    Arrive,
    /// Complete.
    Complete,
    /// Escalate past the response deadline.
    Escalate,
    /// Escalate an accepted patient who did not arrive.
    MissArrival,
    /// Close on external evidence.
    Close,
    /// Attach a test result.
    Attach,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::tests::check_unit;

    #[test]
    fn state_name_codes_are_the_serde_names_and_parse_back() {
        check_unit(StateName::ALL, StateName::code, StateName::from_code);
    }
}
