//! The referral slip (转诊单): created under the direction, network and reason rules, then moved
//! through its states by one method per transition, each returning the new slip and its events.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use super::error::ReferralError;
use super::event::ReferralEvent;
use super::reason::ReasonCode;
use super::recognition::{AttachedResult, Recognition};
use super::route::{Direction, Route, Urgency};
use super::sender_follow_up::SenderFollowUp;
use super::slip::{Receiving, Slip};
use super::slot::{Appointment, SlotKind, SlotQuota};
use super::state::{Command, DischargeSummary, ExternalEvidence, ReferralState};
use crate::calendar;
use crate::ids::{CommunityId, InstitutionId, PlanId, ReferralId, ResidentId, SessionId};
use crate::network::Level;
use crate::profile::RuleProfile;
use crate::rule::{Explanation, RuleId, RuleSet};

/// What a new referral asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateReferral {
    /// The new referral's id.
    pub id: ReferralId,
    /// The patient.
    pub patient: ResidentId,
    /// The declared direction, checked against the levels.
    pub direction: Direction,
    /// Urgency.
    pub urgency: Urgency,
    /// Coded reasons, at least one.
    pub reasons: Vec<ReasonCode>,
    /// The slip's clinical part.
    pub slip: Slip,
    /// Attached test results, at most [`Referral::MAX_RESULTS`].
    pub attachments: Vec<AttachedResult>,
}

/// A referral slip (转诊单).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    id: ReferralId,
    patient: ResidentId,
    from: InstitutionId,
    to: InstitutionId,
    community: Option<CommunityId>,
    direction: Direction,
    urgency: Urgency,
    reasons: Vec<ReasonCode>,
    // Referrals stored before the slip existed have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    slip: Option<Slip>,
    attachments: Vec<AttachedResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    receiving: Option<Receiving>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    arrived_at: Option<OffsetDateTime>,
    // Upward referrals stored before it was kept have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sender_follow_up: Option<SenderFollowUp>,
    state: ReferralState,
    #[serde(with = "time::serde::rfc3339")]
    requested_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    respond_by: Option<OffsetDateTime>,
    escalated: bool,
    // Referrals accepted before the arrival deadline was kept have none.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    arrive_by: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    arrival_missed: bool,
    // The specialist session whose slot the acceptance booked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    session: Option<SessionId>,
    // When the receiver (or, before approval, the desk) answered; none for referrals answered
    // before it was kept.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    answered_at: Option<OffsetDateTime>,
    explanation: Explanation,
}

impl Referral {
    /// The most results a referral carries.
    pub const MAX_RESULTS: usize = 20;

    /// Creates a referral: the direction must match the levels, upward referrals stay in the
    /// community (beyond the county they leave from the lead hospital), reasons fit the
    /// direction, and the patient has no open referral that way (`open` lists the directions
    /// of the patient's open referrals). Upward referrals also make the sender's 14-day
    /// follow-up due.
    pub fn create(
        cmd: CreateReferral,
        route: &Route,
        open: &[Direction],
        now: OffsetDateTime,
        profile: &RuleProfile,
    ) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        let (from_level, to_level) = (route.from.level(), route.to.level());
        let actual = route
            .direction()
            .ok_or(ReferralError::SameLevel(from_level))?;
        if actual != cmd.direction {
            return Err(ReferralError::DirectionMismatch {
                declared: cmd.direction,
                from: from_level,
                to: to_level,
            });
        }
        let mut rules = RuleSet::of(RuleId::ReferralDirection);
        if actual == Direction::Upward {
            if to_level > Level::County {
                let is_lead = route
                    .from_community
                    .as_ref()
                    .is_some_and(|c| c.lead() == route.from.id);
                if !is_lead {
                    return Err(ReferralError::NotFromLeadHospital);
                }
            } else {
                let same = matches!(
                    (&route.from_community, &route.to_community),
                    (Some(a), Some(b)) if a.id() == b.id()
                );
                if !same {
                    return Err(ReferralError::OutsideCommunity);
                }
            }
            rules.insert(RuleId::ReferralInNetwork);
        }
        if cmd.urgency == Urgency::Emergency && actual == Direction::Downward {
            return Err(ReferralError::EmergencyDownward);
        }
        if cmd.reasons.is_empty() {
            return Err(ReferralError::NoReason);
        }
        for reason in &cmd.reasons {
            if let Some(expected) = reason.direction()
                && expected != actual
            {
                return Err(ReferralError::ReasonDirection {
                    reason: *reason,
                    expected,
                });
            }
        }
        if open.contains(&actual) {
            return Err(ReferralError::OpenReferralExists(actual));
        }
        check_results(&cmd.attachments)?;
        rules.insert(RuleId::ReferralOneOpenPerDirection);
        let awaiting = profile.referral.approval_required
            && cmd.urgency == Urgency::Routine
            && actual == Direction::Upward;
        let (state, respond_by) = if awaiting {
            rules.insert(RuleId::ReferralApproval);
            (ReferralState::AwaitingApproval, None)
        } else {
            (
                ReferralState::Requested,
                response_deadline(cmd.urgency, now, profile),
            )
        };
        match cmd.urgency {
            Urgency::Emergency => rules.insert(RuleId::ReferralGreenChannel),
            Urgency::Routine if !awaiting => rules.insert(RuleId::ReferralResponseDeadline),
            Urgency::Routine => {}
        }
        let mut reasons = cmd.reasons;
        reasons.sort_unstable();
        reasons.dedup();
        let referral = Referral {
            id: cmd.id,
            patient: cmd.patient,
            from: route.from.id,
            to: route.to.id,
            community: route.community(),
            direction: actual,
            urgency: cmd.urgency,
            reasons,
            slip: Some(cmd.slip),
            attachments: cmd.attachments,
            receiving: None,
            arrived_at: None,
            sender_follow_up: None,
            state,
            requested_at: now,
            respond_by,
            escalated: false,
            arrive_by: None,
            arrival_missed: false,
            session: None,
            answered_at: None,
            explanation: Explanation::new(profile.stamp(), RuleSet::EMPTY),
        };
        let mut events = vec![ReferralEvent::ReferralRequested {
            referral: referral.id,
            patient: referral.patient,
            from: referral.from,
            to: referral.to,
            direction: actual,
            urgency: referral.urgency,
            awaiting_approval: awaiting,
            respond_by,
        }];
        let mut sender_follow_up = None;
        if actual == Direction::Upward {
            rules.insert(RuleId::ReferralSenderFollowUp);
            let due = calendar::add_days(now.date(), profile.referral.sender_follow_up_days);
            events.push(ReferralEvent::SenderFollowUpDue {
                referral: referral.id,
                patient: referral.patient,
                institution: referral.from,
                due,
            });
            sender_follow_up = Some(SenderFollowUp {
                due,
                plans: Vec::new(),
            });
        }
        let referral = Referral {
            explanation: Explanation::new(profile.stamp(), rules),
            sender_follow_up,
            ..referral
        };
        Ok((referral, events))
    }

    /// Records the sender's plans brought forward to the follow-up day (in id order), in the
    /// transaction that creates the referral. A downward referral has no sender's follow-up and stays as
    /// it is.
    #[must_use]
    pub fn followed_up_by(self, mut plans: Vec<PlanId>) -> Referral {
        // One order however the store listed them.
        plans.sort_unstable();
        plans.dedup();
        let sender_follow_up = self.sender_follow_up.map(|f| SenderFollowUp { plans, ..f });
        Referral {
            sender_follow_up,
            ..self
        }
    }

    /// Records the specialist session whose slot the acceptance booked (in the accepting
    /// transaction), so that closing the referral gives the slot back.
    #[must_use]
    pub fn booked_in(self, session: SessionId) -> Referral {
        Referral {
            session: Some(session),
            ..self
        }
    }

    fn illegal(&self, command: Command) -> ReferralError {
        ReferralError::IllegalTransition {
            command,
            state: self.state.name(),
        }
    }

    /// The community referral desk approves a routine upward referral; the answer deadline
    /// starts now.
    pub fn approve(
        self,
        now: OffsetDateTime,
        profile: &RuleProfile,
    ) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        if self.state != ReferralState::AwaitingApproval {
            return Err(self.illegal(Command::Approve));
        }
        let respond_by = response_deadline(self.urgency, now, profile);
        let event = ReferralEvent::ReferralApproved {
            referral: self.id,
            respond_by,
        };
        Ok((
            Referral {
                state: ReferralState::Requested,
                respond_by,
                ..self
            },
            vec![event],
        ))
    }

    /// The receiver accepts with an appointment, naming the department (and doctor) taking the
    /// patient. A reserved slot needs the day's quota with a valid reservation plan and a free
    /// slot; the caller books it with [`SlotQuota::book`] in the same transaction.
    pub fn accept(
        self,
        appointment: Appointment,
        receiving: Receiving,
        quota: Option<&SlotQuota>,
        now: OffsetDateTime,
        profile: &RuleProfile,
    ) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        if self.state != ReferralState::Requested {
            return Err(self.illegal(Command::Accept));
        }
        if appointment.at < now {
            return Err(ReferralError::AppointmentInPast);
        }
        if appointment.slot == SlotKind::Reserved {
            let quota = quota
                .filter(|q| q.slot_date == appointment.at.date())
                .ok_or(ReferralError::QuotaMissing)?;
            quota.check_plan(profile)?;
            if quota.remaining() == 0 {
                return Err(ReferralError::QuotaExhausted);
            }
        }
        let event = ReferralEvent::ReferralAccepted {
            referral: self.id,
            appointment,
        };
        let arrive_by = appointment.at.checked_add(Duration::days(i64::from(
            profile.referral.arrival_grace_days,
        )));
        let mut explanation = self.explanation;
        explanation.rules.insert(RuleId::ReferralArrivalDeadline);
        Ok((
            Referral {
                state: ReferralState::Accepted { appointment },
                receiving: Some(receiving),
                arrive_by,
                answered_at: Some(now),
                explanation,
                ..self
            },
            vec![event],
        ))
    }

    /// The receiver (or, before approval, the referral desk) rejects, with a reason.
    pub fn reject(
        self,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        if !matches!(
            self.state,
            ReferralState::Requested | ReferralState::AwaitingApproval
        ) {
            return Err(self.illegal(Command::Reject));
        }
        let reason = ReferralError::required(reason, "a rejection reason")?;
        let event = ReferralEvent::ReferralRejected {
            referral: self.id,
            reason: reason.clone(),
        };
        Ok((
            Referral {
                state: ReferralState::Rejected { reason },
                answered_at: Some(now),
                ..self
            },
            vec![event],
        ))
    }

    /// The sender cancels a request that was not yet accepted.
    pub fn cancel(self, reason: &str) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        if !matches!(
            self.state,
            ReferralState::Requested | ReferralState::AwaitingApproval
        ) {
            return Err(self.illegal(Command::Cancel));
        }
        let reason = ReferralError::required(reason, "a cancellation reason")?;
        let event = ReferralEvent::ReferralCancelled {
            referral: self.id,
            reason: reason.clone(),
        };
        Ok((
            Referral {
                state: ReferralState::Cancelled { reason },
                ..self
            },
            vec![event],
        ))
    }

    /// The patient arrives: after acceptance, or directly for an emergency (green channel).
    pub fn arrive(
        self,
        now: OffsetDateTime,
    ) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        let green_channel = match self.state {
            ReferralState::Accepted { .. } => false,
            ReferralState::Requested if self.urgency == Urgency::Emergency => true,
            _ => return Err(self.illegal(Command::Arrive)),
        };
        let event = ReferralEvent::PatientArrived {
            referral: self.id,
            at: now,
            green_channel,
        };
        Ok((
            Referral {
                state: ReferralState::Arrived { at: now },
                arrived_at: Some(now),
                ..self
            },
            vec![event],
        ))
    }

    /// The receiver completes the referral with its report. A completed downward referral makes
    /// a follow-up due at the receiving primary institution within the profile's days.
    pub fn complete(
        self,
        summary: DischargeSummary,
        now: OffsetDateTime,
        profile: &RuleProfile,
    ) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        if !matches!(self.state, ReferralState::Arrived { .. }) {
            return Err(self.illegal(Command::Complete));
        }
        let mut events = vec![ReferralEvent::ReferralCompleted {
            referral: self.id,
            at: now,
        }];
        if self.direction == Direction::Downward {
            events.push(ReferralEvent::DownwardFollowUpDue {
                referral: self.id,
                patient: self.patient,
                institution: self.to,
                due: calendar::add_days(now.date(), profile.referral.downward_follow_up_days),
            });
        }
        let mut explanation = self.explanation;
        if self.direction == Direction::Downward {
            explanation.rules.insert(RuleId::ReferralDownwardFollowUp);
        }
        Ok((
            Referral {
                state: ReferralState::Completed { summary, at: now },
                explanation,
                ..self
            },
            events,
        ))
    }

    /// Escalates a routine request past its answer deadline to the community's referral desk;
    /// at most once.
    pub fn escalate(
        self,
        now: OffsetDateTime,
    ) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        if self.state != ReferralState::Requested {
            return Err(self.illegal(Command::Escalate));
        }
        let Some(deadline) = self.respond_by else {
            return Err(self.illegal(Command::Escalate));
        };
        if self.escalated {
            return Err(ReferralError::AlreadyEscalated);
        }
        if now < deadline {
            return Err(ReferralError::DeadlineNotPassed { deadline });
        }
        let event = ReferralEvent::ReferralEscalated {
            referral: self.id,
            community: self.community,
            at: now,
        };
        Ok((
            Referral {
                escalated: true,
                ..self
            },
            vec![event],
        ))
    }

    /// Escalates an accepted referral whose patient has not arrived by its arrival deadline
    /// (the appointment plus the profile's grace days) to the community's referral desk; at
    /// most once.
    pub fn miss_arrival(
        self,
        now: OffsetDateTime,
    ) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        let ReferralState::Accepted { appointment } = self.state else {
            return Err(self.illegal(Command::MissArrival));
        };
        let Some(deadline) = self.arrive_by else {
            return Err(self.illegal(Command::MissArrival));
        };
        if self.arrival_missed {
            return Err(ReferralError::AlreadyEscalated);
        }
        if now < deadline {
            return Err(ReferralError::DeadlineNotPassed { deadline });
        }
        let event = ReferralEvent::ArrivalMissed {
            referral: self.id,
            community: self.community,
            appointment: appointment.at,
            at: now,
        };
        Ok((
            Referral {
                arrival_missed: true,
                ..self
            },
            vec![event],
        ))
    }

    /// Closes an open referral on external evidence (the patient died or was admitted elsewhere).
    pub fn close_on_evidence(
        self,
        evidence: ExternalEvidence,
    ) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        if !self.state.name().is_open() {
            return Err(self.illegal(Command::Close));
        }
        let event = ReferralEvent::ReferralClosed {
            referral: self.id,
            evidence,
        };
        let mut explanation = self.explanation;
        explanation.rules.insert(RuleId::ReferralExternalClose);
        Ok((
            Referral {
                state: ReferralState::Closed { evidence },
                explanation,
                ..self
            },
            vec![event],
        ))
    }

    /// The sender (or its hospital system) attaches a result to an open referral, for the
    /// receiver to recognise or repeat. The same result twice, or more than
    /// [`Referral::MAX_RESULTS`], is refused.
    pub fn attach(
        self,
        result: AttachedResult,
    ) -> Result<(Referral, Vec<ReferralEvent>), ReferralError> {
        if !self.state.name().is_open() {
            return Err(self.illegal(Command::Attach));
        }
        let event = ReferralEvent::ResultAttached {
            referral: self.id,
            test: result.test.clone(),
            taken_on: result.taken_on,
        };
        let mut attachments = self.attachments;
        attachments.push(result);
        check_results(&attachments)?;
        Ok((
            Referral {
                attachments,
                ..self
            },
            vec![event],
        ))
    }

    /// The day the receiver judges the attached results on: the day the patient arrived, else
    /// the appointment's day, else `today` (a result valid today may have expired by the
    /// appointment, and is then to be repeated).
    pub fn recognition_day(&self, today: time::Date) -> time::Date {
        match (&self.arrived_at, &self.state) {
            (Some(at), _) => at.date(),
            (None, ReferralState::Accepted { appointment }) => appointment.at.date().max(today),
            _ => today,
        }
    }

    /// Whether the answer deadline has passed without escalation yet (for the deadline job).
    pub fn is_due_for_escalation(&self, now: OffsetDateTime) -> bool {
        self.state == ReferralState::Requested
            && !self.escalated
            && self.respond_by.is_some_and(|d| now >= d)
    }

    /// The attached results and how each is judged on `on`.
    pub fn recognised_results(
        &self,
        on: Date,
        profile: &RuleProfile,
    ) -> Vec<(&AttachedResult, Recognition)> {
        self.attachments
            .iter()
            .map(|a| (a, a.recognition(on, profile)))
            .collect()
    }

    /// Its id.
    pub fn id(&self) -> ReferralId {
        self.id
    }

    /// The patient.
    pub fn patient(&self) -> ResidentId {
        self.patient
    }

    /// Sender.
    pub fn from(&self) -> InstitutionId {
        self.from
    }

    /// Receiver.
    pub fn to(&self) -> InstitutionId {
        self.to
    }

    /// The overseeing community.
    pub fn community(&self) -> Option<CommunityId> {
        self.community
    }

    /// Direction.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// Urgency.
    pub fn urgency(&self) -> Urgency {
        self.urgency
    }

    /// Reasons, sorted, without duplicates.
    pub fn reasons(&self) -> &[ReasonCode] {
        &self.reasons
    }

    /// Attached results.
    pub fn attachments(&self) -> &[AttachedResult] {
        &self.attachments
    }

    /// The slip's clinical part; `None` only for referrals stored before slips existed.
    pub fn slip(&self) -> Option<&Slip> {
        self.slip.as_ref()
    }

    /// Who took the patient, once accepted.
    pub fn receiving(&self) -> Option<&Receiving> {
        self.receiving.as_ref()
    }

    /// When the patient arrived, once they did.
    pub fn arrived_at(&self) -> Option<OffsetDateTime> {
        self.arrived_at
    }

    /// State.
    pub fn state(&self) -> &ReferralState {
        &self.state
    }

    /// When it was created.
    pub fn requested_at(&self) -> OffsetDateTime {
        self.requested_at
    }

    /// Answer deadline.
    pub fn respond_by(&self) -> Option<OffsetDateTime> {
        self.respond_by
    }

    /// The sender's follow-up, for an upward referral.
    pub fn sender_follow_up(&self) -> Option<&SenderFollowUp> {
        self.sender_follow_up.as_ref()
    }

    /// Whether it was escalated.
    pub fn escalated(&self) -> bool {
        self.escalated
    }

    /// When the referral was answered (accepted or rejected): what its response time is
    /// measured to.
    pub fn answered_at(&self) -> Option<OffsetDateTime> {
        self.answered_at
    }

    /// The specialist session whose slot the acceptance booked.
    pub fn session(&self) -> Option<SessionId> {
        self.session
    }

    /// When an accepted referral's patient should have arrived by.
    pub fn arrive_by(&self) -> Option<OffsetDateTime> {
        self.arrive_by
    }

    /// Whether the patient missed the arrival deadline and the desk was told.
    pub fn arrival_missed(&self) -> bool {
        self.arrival_missed
    }

    /// Whether [`Referral::miss_arrival`] would escalate now: accepted, past its arrival
    /// deadline, not yet escalated for it.
    pub fn is_due_for_missed_arrival(&self, now: OffsetDateTime) -> bool {
        matches!(self.state, ReferralState::Accepted { .. })
            && !self.arrival_missed
            && self.arrive_by.is_some_and(|d| now >= d)
    }

    /// Why it was created as it was (rules and profile).
    pub fn explanation(&self) -> Explanation {
        self.explanation
    }
}

/// At most [`Referral::MAX_RESULTS`], none twice.
fn check_results(results: &[AttachedResult]) -> Result<(), ReferralError> {
    if results.len() > Referral::MAX_RESULTS {
        return Err(ReferralError::TooManyResults {
            max: Referral::MAX_RESULTS,
        });
    }
    for (i, r) in results.iter().enumerate() {
        if results[..i].iter().any(|earlier| earlier.same_as(r)) {
            return Err(ReferralError::ResultAttachedTwice {
                test: r.test.as_str().to_owned(),
            });
        }
    }
    Ok(())
}

fn response_deadline(
    urgency: Urgency,
    now: OffsetDateTime,
    profile: &RuleProfile,
) -> Option<OffsetDateTime> {
    match urgency {
        Urgency::Emergency => None,
        Urgency::Routine => {
            now.checked_add(Duration::hours(i64::from(profile.referral.response_hours)))
        }
    }
}
