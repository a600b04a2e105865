//! Referral advice (转诊建议): a referral a visit or a screening calls for but did not send.
//!
//! No danger sign is dropped (§6, §7): a visit or screening classed emergency either sends its
//! referral through the green channel, or leaves an emergency advice on the community referral
//! desk's list that escalates after the profile's minutes; a visit classed `refer` leaves a
//! routine advice on the team's list. Either stays open until a referral of the patient is sent
//! or it is declined with a reason; an emergency cannot be declined as "managed locally".

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::reason::ReasonCode;
use super::route::Urgency;
use crate::ids::{AdviceId, CommunityId, InstitutionId, ReferralId, ResidentId, ScreeningId};
use crate::ids::{ElderlyCheckId, TeamId, VisitId};
use crate::profile::RuleProfile;
use crate::rule::{BrokenRule, RuleId};
use crate::vocabulary::codes;

/// What gave the advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum AdviceSource {
    /// A follow-up visit.
    Visit(VisitId),
    /// A screening result.
    Screening(ScreeningId),
    /// A 65+ check.
    ElderlyCheck(ElderlyCheckId),
}

/// Why an advice was closed without a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclineReason {
    /// The patient refused the referral (患者拒绝转诊).
    PatientRefused,
    /// The patient went to a hospital on their own (已自行就医).
    SeenElsewhere,
    /// The emergency service (120) took the patient.
    Ambulance,
    /// The patient died.
    PatientDied,
    /// The clinician judged the patient manageable here; not for an emergency.
    ManagedLocally,
}

codes!(DeclineReason {
    PatientRefused => "patient_refused",
    SeenElsewhere => "seen_elsewhere",
    Ambulance => "ambulance",
    PatientDied => "patient_died",
    ManagedLocally => "managed_locally",
});

impl DeclineReason {
    /// Whether the reason may close an emergency advice: a danger sign forces a referral
    /// (§6), so only the patient's refusal or care found elsewhere ends it.
    pub const fn closes_emergency(self) -> bool {
        !matches!(self, DeclineReason::ManagedLocally)
    }
}

/// How an advice was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AdviceOutcome {
    /// A referral of the patient was sent.
    Referred {
        /// The referral.
        referral: ReferralId,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Declined with a reason.
    Declined {
        /// Why.
        reason: DeclineReason,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

/// A change to an advice, for the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AdviceEvent {
    /// A visit or screening advised a referral it did not send.
    ReferralAdvised {
        /// The advice.
        advice: AdviceId,
        /// The patient.
        patient: ResidentId,
        /// The advising institution.
        institution: InstitutionId,
        /// The responsible team, for a visit.
        team: Option<TeamId>,
        /// Emergency or routine.
        urgency: Urgency,
        /// The coded reason.
        reason: ReasonCode,
        /// When an emergency escalates if no referral is sent.
        #[serde(with = "time::serde::rfc3339::option")]
        escalate_at: Option<OffsetDateTime>,
    },
    /// A referral of the patient was sent.
    AdviceReferred {
        /// The advice.
        advice: AdviceId,
        /// The referral.
        referral: ReferralId,
    },
    /// Declined with a reason.
    AdviceDeclined {
        /// The advice.
        advice: AdviceId,
        /// Why.
        reason: DeclineReason,
    },
    /// An emergency advice had no referral by its deadline: the desk is told.
    AdviceEscalated {
        /// The advice.
        advice: AdviceId,
        /// The community whose desk is told.
        community: Option<CommunityId>,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

/// Why a change to an advice was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdviceError {
    /// It was closed already.
    #[error("the advice is closed already")]
    Closed,
    /// Only an emergency escalates.
    #[error("only an emergency advice escalates")]
    NotEmergency,
    /// It escalated already.
    #[error("the advice escalated already")]
    AlreadyEscalated,
    /// Its deadline has not passed.
    #[error("the escalation deadline {deadline} has not passed")]
    DeadlineNotPassed {
        /// The deadline.
        deadline: OffsetDateTime,
    },
    /// A danger sign forces a referral: managing the patient locally does not close it.
    #[error("an emergency advice cannot be declined as `{}`", reason.code())]
    EmergencyNotDeclinable {
        /// The reason given.
        reason: DeclineReason,
    },
}

impl BrokenRule for AdviceError {
    fn rule(&self) -> RuleId {
        match self {
            AdviceError::Closed => RuleId::ReferralAdviceTracked,
            AdviceError::NotEmergency
            | AdviceError::AlreadyEscalated
            | AdviceError::DeadlineNotPassed { .. }
            | AdviceError::EmergencyNotDeclinable { .. } => RuleId::ReferralUnreferredEmergency,
        }
    }
}

/// A new advice, as the visit or screening that gives it knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewAdvice {
    /// Its id.
    pub id: AdviceId,
    /// The patient.
    pub patient: ResidentId,
    /// The patient's community, whose desk an emergency goes to.
    pub community: Option<CommunityId>,
    /// The advising institution.
    pub institution: InstitutionId,
    /// The responsible team, for a visit.
    pub team: Option<TeamId>,
    /// Emergency or routine, as the visit or screening classed it.
    pub urgency: Urgency,
    /// The coded reason.
    pub reason: ReasonCode,
    /// What gave it.
    pub source: AdviceSource,
    /// When.
    pub at: OffsetDateTime,
}

/// A referral advice and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralAdvice {
    id: AdviceId,
    patient: ResidentId,
    community: Option<CommunityId>,
    institution: InstitutionId,
    team: Option<TeamId>,
    urgency: Urgency,
    reason: ReasonCode,
    source: AdviceSource,
    #[serde(with = "time::serde::rfc3339")]
    advised_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    escalate_at: Option<OffsetDateTime>,
    escalated: bool,
    outcome: Option<AdviceOutcome>,
}

impl ReferralAdvice {
    /// Records the advice; an emergency gets its escalation deadline, the advice time plus
    /// the profile's `referral.unreferred_emergency_minutes`.
    pub fn advise(new: NewAdvice, profile: &RuleProfile) -> (ReferralAdvice, Vec<AdviceEvent>) {
        let escalate_at = (new.urgency == Urgency::Emergency).then(|| {
            new.at + Duration::minutes(i64::from(profile.referral.unreferred_emergency_minutes))
        });
        let advice = ReferralAdvice {
            id: new.id,
            patient: new.patient,
            community: new.community,
            institution: new.institution,
            team: new.team,
            urgency: new.urgency,
            reason: new.reason,
            source: new.source,
            advised_at: new.at,
            escalate_at,
            escalated: false,
            outcome: None,
        };
        let event = AdviceEvent::ReferralAdvised {
            advice: advice.id,
            patient: advice.patient,
            institution: advice.institution,
            team: advice.team,
            urgency: advice.urgency,
            reason: advice.reason,
            escalate_at,
        };
        (advice, vec![event])
    }

    /// Closes the advice by the patient's referral.
    pub fn referred(
        self,
        referral: ReferralId,
        at: OffsetDateTime,
    ) -> Result<(ReferralAdvice, Vec<AdviceEvent>), AdviceError> {
        self.close(AdviceOutcome::Referred { referral, at })
    }

    /// Declines the advice with a reason; an emergency only for a reason that ends it.
    pub fn decline(
        self,
        reason: DeclineReason,
        at: OffsetDateTime,
    ) -> Result<(ReferralAdvice, Vec<AdviceEvent>), AdviceError> {
        if self.urgency == Urgency::Emergency && !reason.closes_emergency() {
            return Err(AdviceError::EmergencyNotDeclinable { reason });
        }
        self.close(AdviceOutcome::Declined { reason, at })
    }

    fn close(
        self,
        outcome: AdviceOutcome,
    ) -> Result<(ReferralAdvice, Vec<AdviceEvent>), AdviceError> {
        if self.outcome.is_some() {
            return Err(AdviceError::Closed);
        }
        let event = match outcome {
            AdviceOutcome::Referred { referral, .. } => AdviceEvent::AdviceReferred {
                advice: self.id,
                referral,
            },
            AdviceOutcome::Declined { reason, .. } => AdviceEvent::AdviceDeclined {
                advice: self.id,
                reason,
            },
        };
        let closed = ReferralAdvice {
            outcome: Some(outcome),
            ..self
        };
        Ok((closed, vec![event]))
    }

    /// Whether [`ReferralAdvice::escalate`] would escalate it at `now`: open, an emergency,
    /// not yet escalated, its deadline passed.
    pub fn is_due_for_escalation(&self, now: OffsetDateTime) -> bool {
        self.outcome.is_none() && !self.escalated && self.escalate_at.is_some_and(|d| now >= d)
    }

    /// Escalates an open emergency advice past its deadline to the community's desk; once.
    pub fn escalate(
        self,
        now: OffsetDateTime,
    ) -> Result<(ReferralAdvice, Vec<AdviceEvent>), AdviceError> {
        if self.outcome.is_some() {
            return Err(AdviceError::Closed);
        }
        let Some(deadline) = self.escalate_at else {
            return Err(AdviceError::NotEmergency);
        };
        if self.escalated {
            return Err(AdviceError::AlreadyEscalated);
        }
        if now < deadline {
            return Err(AdviceError::DeadlineNotPassed { deadline });
        }
        let event = AdviceEvent::AdviceEscalated {
            advice: self.id,
            community: self.community,
            at: now,
        };
        let escalated = ReferralAdvice {
            escalated: true,
            ..self
        };
        Ok((escalated, vec![event]))
    }

    /// Its id.
    pub fn id(&self) -> AdviceId {
        self.id
    }

    /// The patient.
    pub fn patient(&self) -> ResidentId {
        self.patient
    }

    /// The patient's community.
    pub fn community(&self) -> Option<CommunityId> {
        self.community
    }

    /// The advising institution.
    pub fn institution(&self) -> InstitutionId {
        self.institution
    }

    /// The responsible team, for a visit.
    pub fn team(&self) -> Option<TeamId> {
        self.team
    }

    /// Emergency or routine.
    pub fn urgency(&self) -> Urgency {
        self.urgency
    }

    /// The coded reason.
    pub fn reason(&self) -> ReasonCode {
        self.reason
    }

    /// What gave it.
    pub fn source(&self) -> AdviceSource {
        self.source
    }

    /// When it was given.
    pub fn advised_at(&self) -> OffsetDateTime {
        self.advised_at
    }

    /// When an emergency escalates if no referral is sent.
    pub fn escalate_at(&self) -> Option<OffsetDateTime> {
        self.escalate_at
    }

    /// Whether it escalated.
    pub fn escalated(&self) -> bool {
        self.escalated
    }

    /// How it was closed; `None` while open.
    pub fn outcome(&self) -> Option<AdviceOutcome> {
        self.outcome
    }

    /// Whether it is still open.
    pub fn is_open(&self) -> bool {
        self.outcome.is_none()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::datetime;
    use uuid::Uuid;

    use super::*;
    use crate::profile::RuleProfile;

    const AT: OffsetDateTime = datetime!(2026-03-02 09:00 UTC);

    fn advice(urgency: Urgency) -> (ReferralAdvice, RuleProfile) {
        let profile = RuleProfile::bphs3();
        let (advice, _) = ReferralAdvice::advise(
            NewAdvice {
                id: AdviceId::from_uuid(Uuid::from_u128(1)),
                patient: ResidentId::from_uuid(Uuid::from_u128(2)),
                community: Some(CommunityId::from_uuid(Uuid::from_u128(3))),
                institution: InstitutionId::from_uuid(Uuid::from_u128(4)),
                team: Some(TeamId::from_uuid(Uuid::from_u128(5))),
                urgency,
                reason: ReasonCode::DangerSign,
                source: AdviceSource::Visit(VisitId::from_uuid(Uuid::from_u128(6))),
                at: AT,
            },
            &profile,
        );
        (advice, profile)
    }

    #[test]
    fn an_emergency_escalates_after_the_profile_minutes_and_once() {
        let (a, p) = advice(Urgency::Emergency);
        let minutes = i64::from(p.referral.unreferred_emergency_minutes);
        let deadline = AT + Duration::minutes(minutes);
        assert_eq!(a.escalate_at(), Some(deadline));
        let early = a.clone().escalate(deadline - Duration::seconds(1));
        assert_eq!(early, Err(AdviceError::DeadlineNotPassed { deadline }));
        let (up, events) = a.escalate(deadline).unwrap();
        assert!(up.escalated());
        assert!(matches!(events[..], [AdviceEvent::AdviceEscalated { .. }]));
        assert_eq!(up.escalate(deadline), Err(AdviceError::AlreadyEscalated));
    }

    #[test]
    fn a_routine_advice_never_escalates() {
        let (a, _) = advice(Urgency::Routine);
        assert_eq!(a.escalate_at(), None);
        let later = AT + Duration::days(30);
        assert_eq!(a.escalate(later), Err(AdviceError::NotEmergency));
    }

    #[test]
    fn an_emergency_is_not_declined_as_managed_locally() {
        let (a, _) = advice(Urgency::Emergency);
        let refused = a.clone().decline(DeclineReason::ManagedLocally, AT);
        assert_eq!(
            refused,
            Err(AdviceError::EmergencyNotDeclinable {
                reason: DeclineReason::ManagedLocally
            })
        );
        let (closed, _) = a.decline(DeclineReason::Ambulance, AT).unwrap();
        assert!(!closed.is_open());
        let (routine, _) = advice(Urgency::Routine);
        assert!(routine.decline(DeclineReason::ManagedLocally, AT).is_ok());
    }

    #[test]
    fn decline_codes_are_the_serde_names() {
        for r in DeclineReason::ALL {
            let json = serde_json::to_string(r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.code()));
            assert_eq!(DeclineReason::from_code(r.code()), Some(*r));
        }
    }

    proptest! {
        /// Once closed, by referral or decline, nothing changes an advice: no second close, no
        /// escalation, whatever the order of commands and times.
        #[test]
        fn a_closed_advice_stays_as_it_was_closed(
            emergency in any::<bool>(),
            close_by_referral in any::<bool>(),
            reason in proptest::sample::select(DeclineReason::ALL),
            minutes in 0i64..10_000,
            then in proptest::collection::vec(0u8..3, 0..6),
        ) {
            let urgency = if emergency { Urgency::Emergency } else { Urgency::Routine };
            let (a, _) = advice(urgency);
            let at = AT + Duration::minutes(minutes);
            let referral = ReferralId::from_uuid(Uuid::from_u128(9));
            let first = if close_by_referral { a.referred(referral, at) } else { a.decline(reason, at) };
            let Ok((closed, _)) = first else {
                prop_assert!(emergency && !reason.closes_emergency());
                return Ok(());
            };
            for step in then {
                let later = at + Duration::days(1);
                let result = match step {
                    0 => closed.clone().referred(referral, later),
                    1 => closed.clone().decline(DeclineReason::PatientRefused, later),
                    _ => closed.clone().escalate(later),
                };
                prop_assert_eq!(result, Err(AdviceError::Closed));
            }
            prop_assert!(!closed.is_open());
        }
    }
}
