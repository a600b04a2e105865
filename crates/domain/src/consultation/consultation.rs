//! A remote consultation (FHIR `ServiceRequest`, category consultation): requested →
//! scheduled (optional, and again to reschedule) → answered in writing; declined by the
//! county or cancelled by the requester while open (CONSULT-STATES). Once a specialist is
//! scheduled, the answer is theirs (CONSULT-ANSWER): the requester was told who would answer.
//!
//! Times are the requester's and the county's promises, so neither may lie in the past when
//! made (CONSULT-TIME); who may issue which command (the requester's side cancels, the
//! consultant's side schedules, answers and declines) is the service's check.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::attachment::{self, Attachment};
use super::error::ConsultationError;
use super::event::ConsultationEvent;
use crate::diagnosis::Requester;
use crate::ids::{ConsultationId, InstitutionId, ResidentId};
use crate::network::{Level, Network};
use crate::referral::Department;
use crate::vocabulary::codes;

/// The longest user id kept (a clinician's or a specialist's).
const MAX_USER: usize = 128;
/// The longest question kept.
const MAX_QUESTION: usize = 4000;
/// The longest opinion kept.
const MAX_OPINION: usize = 8000;
/// The longest reason for declining or cancelling kept.
const MAX_REASON: usize = 500;

/// Where a consultation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Asked; no specialist scheduled yet.
    Requested,
    /// A specialist and a time are agreed.
    Scheduled,
    /// The specialist's written opinion is in.
    Answered,
    /// The county declined.
    Declined,
    /// The requester cancelled.
    Cancelled,
}

codes!(Status {
    Requested => "requested",
    Scheduled => "scheduled",
    Answered => "answered",
    Declined => "declined",
    Cancelled => "cancelled",
});

impl Status {
    /// Waiting for the county: it may still be scheduled, answered, declined or cancelled.
    pub const fn is_open(self) -> bool {
        matches!(self, Status::Requested | Status::Scheduled)
    }
}

/// A consultation as the requesting clinician states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewConsultation {
    /// Its id.
    pub id: ConsultationId,
    /// The patient (`ServiceRequest.subject`).
    pub patient: ResidentId,
    /// Who asks.
    pub requester: Requester,
    /// The county-level institution asked (`ServiceRequest.performer`).
    pub consultant: InstitutionId,
    /// The specialty asked for, e.g. 心内科 (`ServiceRequest.performerType`).
    pub department: Department,
    /// What the requester wants to know (`ServiceRequest.reasonCode`, `note`), up to 4,000
    /// characters.
    pub question: String,
    /// What comes with it, at most [`super::MAX_ATTACHMENTS`].
    pub attachments: Vec<Attachment>,
    /// When the requester proposes to talk (`ServiceRequest.occurrence`).
    pub proposed_at: OffsetDateTime,
}

/// The specialist's written opinion (`Communication.payload`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The specialist's user id.
    pub specialist: String,
    /// The opinion, up to 8,000 characters.
    pub opinion: String,
    /// When it was given.
    pub at: OffsetDateTime,
}

/// How an open consultation closed without an answer: who closed it, why, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closing {
    /// The user id.
    pub by: String,
    /// Why, up to 500 characters.
    pub reason: String,
    /// When.
    pub at: OffsetDateTime,
}

/// A remote consultation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consultation {
    id: ConsultationId,
    patient: ResidentId,
    requester: Requester,
    consultant: InstitutionId,
    department: Department,
    question: String,
    attachments: Vec<Attachment>,
    proposed_at: OffsetDateTime,
    requested_at: OffsetDateTime,
    status: Status,
    schedule: Option<(String, OffsetDateTime)>,
    answer: Option<Answer>,
    declined: Option<Closing>,
    cancelled: Option<Closing>,
}

type Changed = Result<(Consultation, Vec<ConsultationEvent>), ConsultationError>;

/// How far ahead a consultation is proposed or scheduled, at most (CONSULT-TIME): a year and
/// a day, so next year's date of this year's request is still one.
pub const MAX_DAYS_AHEAD: i64 = 366;

/// `time` unless it lies before `now` (a promise is not made for the past) or more than
/// [`MAX_DAYS_AHEAD`] days after it.
fn not_before(
    field: &'static str,
    time: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<OffsetDateTime, ConsultationError> {
    if time < now {
        return Err(ConsultationError::InThePast { field });
    }
    if time > now + time::Duration::days(MAX_DAYS_AHEAD) {
        return Err(ConsultationError::TooFarAhead { field });
    }
    Ok(time)
}

/// The county institution `consultant` may be asked by `requester` (CONSULT-PARTIES): another
/// institution, open, at county level, in a medical community that holds the requester.
fn check_parties(
    requester: InstitutionId,
    consultant: InstitutionId,
    network: &Network,
) -> Result<(), ConsultationError> {
    if consultant == requester {
        return Err(ConsultationError::SameInstitution);
    }
    let held = network
        .open_institution(consultant)
        .map_err(|_| ConsultationError::ConsultantNotCounty)?;
    if held.level() != Level::County {
        return Err(ConsultationError::ConsultantNotCounty);
    }
    let serves = network
        .community_of(consultant)
        .is_some_and(|c| c.contains(requester));
    if !serves {
        return Err(ConsultationError::OutsideCommunity);
    }
    Ok(())
}

impl Consultation {
    /// Asks `new.consultant` for an opinion at `at`: the parties per CONSULT-PARTIES, the
    /// proposed time not before `at` (CONSULT-TIME), the attachments per CONSULT-ATTACH.
    pub fn ask(new: NewConsultation, network: &Network, at: OffsetDateTime) -> Changed {
        check_parties(new.requester.institution, new.consultant, network)?;
        let consultation = Consultation {
            id: new.id,
            patient: new.patient,
            requester: Requester {
                institution: new.requester.institution,
                clinician: ConsultationError::text(
                    "clinician",
                    &new.requester.clinician,
                    MAX_USER,
                )?,
            },
            consultant: new.consultant,
            department: new.department,
            question: ConsultationError::text("question", &new.question, MAX_QUESTION)?,
            proposed_at: not_before("proposed_time", new.proposed_at, at)?,
            attachments: attachment::checked_all(new.attachments)?,
            requested_at: at,
            status: Status::Requested,
            schedule: None,
            answer: None,
            declined: None,
            cancelled: None,
        };
        let event = ConsultationEvent::ConsultationRequested {
            consultation: consultation.id,
            patient: consultation.patient,
            requester_institution: consultation.requester.institution,
            consultant: consultation.consultant,
            proposed_at: consultation.proposed_at,
            at,
        };
        Ok((consultation, vec![event]))
    }

    fn expect_open(&self, command: &'static str) -> Result<(), ConsultationError> {
        if self.status.is_open() {
            Ok(())
        } else {
            Err(ConsultationError::WrongState {
                status: self.status,
                command,
            })
        }
    }

    /// The county schedules `specialist` for `scheduled_for` (not before `at`, CONSULT-TIME);
    /// again to reschedule, replacing the specialist and the time. The same schedule again
    /// changes nothing.
    pub fn schedule(
        mut self,
        specialist: String,
        scheduled_for: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Changed {
        self.expect_open("scheduled")?;
        let specialist = ConsultationError::text("specialist", &specialist, MAX_USER)?;
        let scheduled_for = not_before("scheduled_time", scheduled_for, at)?;
        if self
            .schedule
            .as_ref()
            .is_some_and(|(s, t)| *s == specialist && *t == scheduled_for)
        {
            return Ok((self, Vec::new()));
        }
        let event = ConsultationEvent::ConsultationScheduled {
            consultation: self.id,
            specialist: specialist.clone(),
            scheduled_for,
            at,
        };
        self.schedule = Some((specialist, scheduled_for));
        self.status = Status::Scheduled;
        Ok((self, vec![event]))
    }

    /// The specialist answers in writing; once one is scheduled, only they (CONSULT-ANSWER).
    pub fn answer(mut self, specialist: String, opinion: String, at: OffsetDateTime) -> Changed {
        self.expect_open("answered")?;
        let specialist = ConsultationError::text("specialist", &specialist, MAX_USER)?;
        let opinion = ConsultationError::text("opinion", &opinion, MAX_OPINION)?;
        if self
            .schedule
            .as_ref()
            .is_some_and(|(scheduled, _)| *scheduled != specialist)
        {
            return Err(ConsultationError::NotTheSpecialist);
        }
        let event = ConsultationEvent::ConsultationAnswered {
            consultation: self.id,
            specialist: specialist.clone(),
            at,
        };
        self.answer = Some(Answer {
            specialist,
            opinion,
            at,
        });
        self.status = Status::Answered;
        Ok((self, vec![event]))
    }

    /// `by` at the county declines, with a reason.
    pub fn decline(mut self, by: String, reason: String, at: OffsetDateTime) -> Changed {
        self.expect_open("declined")?;
        self.declined = Some(Self::closing("specialist", &by, &reason, at)?);
        self.status = Status::Declined;
        let event = ConsultationEvent::ConsultationDeclined {
            consultation: self.id,
            at,
        };
        Ok((self, vec![event]))
    }

    /// `by` on the requester's side cancels before the answer, with a reason.
    pub fn cancel(mut self, by: String, reason: String, at: OffsetDateTime) -> Changed {
        self.expect_open("cancelled")?;
        self.cancelled = Some(Self::closing("clinician", &by, &reason, at)?);
        self.status = Status::Cancelled;
        let event = ConsultationEvent::ConsultationCancelled {
            consultation: self.id,
            at,
        };
        Ok((self, vec![event]))
    }

    fn closing(
        by_field: &'static str,
        by: &str,
        reason: &str,
        at: OffsetDateTime,
    ) -> Result<Closing, ConsultationError> {
        Ok(Closing {
            by: ConsultationError::text(by_field, by, MAX_USER)?,
            reason: ConsultationError::text("reason", reason, MAX_REASON)?,
            at,
        })
    }

    /// Its id.
    pub fn id(&self) -> ConsultationId {
        self.id
    }
    /// The patient.
    pub fn patient(&self) -> ResidentId {
        self.patient
    }
    /// Who asked.
    pub fn requester(&self) -> &Requester {
        &self.requester
    }
    /// The county institution asked.
    pub fn consultant(&self) -> InstitutionId {
        self.consultant
    }
    /// The specialty asked for.
    pub fn department(&self) -> &Department {
        &self.department
    }
    /// The question.
    pub fn question(&self) -> &str {
        &self.question
    }
    /// The attachments, in the order given.
    pub fn attachments(&self) -> &[Attachment] {
        &self.attachments
    }
    /// The time the requester proposed.
    pub fn proposed_at(&self) -> OffsetDateTime {
        self.proposed_at
    }
    /// When it was asked.
    pub fn requested_at(&self) -> OffsetDateTime {
        self.requested_at
    }
    /// Where it stands.
    pub fn status(&self) -> Status {
        self.status
    }
    /// The specialist scheduled and the agreed time (the latest schedule; kept after the
    /// answer or a closing).
    pub fn scheduled(&self) -> Option<(&str, OffsetDateTime)> {
        self.schedule.as_ref().map(|(s, t)| (s.as_str(), *t))
    }
    /// The written answer.
    pub fn answered(&self) -> Option<&Answer> {
        self.answer.as_ref()
    }
    /// Who declined, why and when.
    pub fn declined(&self) -> Option<&Closing> {
        self.declined.as_ref()
    }
    /// Who cancelled, why and when.
    pub fn cancelled(&self) -> Option<&Closing> {
        self.cancelled.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;
    use time::macros::datetime;

    use super::*;
    use crate::ids::{CommunityId, DiagnosisRequestId};
    use crate::network::{Institution, InstitutionKind};
    use crate::rule::{BrokenRule, RuleId};
    use crate::vocabulary::tests::check_unit;

    const T0: OffsetDateTime = datetime!(2026-05-04 08:00 UTC);
    const COUNTY: InstitutionId = InstitutionId::from_u128(1);
    const TOWNSHIP: InstitutionId = InstitutionId::from_u128(10);

    fn network() -> Network {
        let mut n = Network::new();
        for (id, kind) in [
            (COUNTY, InstitutionKind::CountyGeneralHospital),
            (TOWNSHIP, InstitutionKind::TownshipHealthCenter),
        ] {
            n.add_institution(Institution {
                id,
                name: format!("{kind:?}"),
                kind,
            })
            .unwrap();
        }
        n.found_community(CommunityId::from_u128(500), "A", COUNTY)
            .unwrap();
        n.join(CommunityId::from_u128(500), TOWNSHIP).unwrap();
        n
    }

    fn report(i: u128) -> Attachment {
        Attachment::DiagnosticReport {
            request: DiagnosisRequestId::from_u128(i),
        }
    }

    fn new() -> NewConsultation {
        NewConsultation {
            id: ConsultationId::from_u128(7),
            patient: ResidentId::from_u128(8),
            requester: Requester {
                institution: TOWNSHIP,
                clinician: "dr-wang".to_owned(),
            },
            consultant: COUNTY,
            department: Department::new("department", "心内科").unwrap(),
            question: "胸闷三天，心电图ST段压低，是否需要上转？".to_owned(),
            attachments: vec![report(1)],
            proposed_at: T0 + Duration::hours(2),
        }
    }

    fn ask(new: NewConsultation) -> Changed {
        Consultation::ask(new, &network(), T0)
    }

    fn asked() -> Consultation {
        ask(new()).unwrap().0
    }

    #[test]
    fn each_status_code_is_its_serde_name_and_open_is_requested_or_scheduled() {
        check_unit(Status::ALL, Status::code, Status::from_code);
        let open: Vec<Status> = Status::ALL
            .iter()
            .copied()
            .filter(|s| s.is_open())
            .collect();
        assert_eq!(open, [Status::Requested, Status::Scheduled]);
    }

    #[test]
    fn a_proposed_time_at_the_moment_of_asking_is_accepted_a_nanosecond_before_is_not() {
        let mut now = new();
        now.proposed_at = T0;
        assert!(ask(now.clone()).is_ok());
        now.proposed_at = T0 - Duration::nanoseconds(1);
        let e = ask(now).unwrap_err();
        assert_eq!(
            e,
            ConsultationError::InThePast {
                field: "proposed_time"
            }
        );
        assert_eq!(e.rule(), RuleId::ConsultationTime);
    }

    #[test]
    fn a_time_366_days_ahead_is_accepted_a_nanosecond_later_is_not() {
        let mut now = new();
        let last = T0 + Duration::days(MAX_DAYS_AHEAD);
        now.proposed_at = last;
        assert!(ask(now.clone()).is_ok());
        now.proposed_at = last + Duration::nanoseconds(1);
        let e = ask(now).unwrap_err();
        assert_eq!(
            e,
            ConsultationError::TooFarAhead {
                field: "proposed_time"
            }
        );
        assert_eq!(e.rule(), RuleId::ConsultationTime);
        let at = T0 + Duration::minutes(5);
        let e = asked()
            .schedule(
                "dr-li".to_owned(),
                at + Duration::days(MAX_DAYS_AHEAD) + Duration::nanoseconds(1),
                at,
            )
            .unwrap_err();
        assert_eq!(e.field(), Some("scheduled_time"));
    }

    #[test]
    fn a_scheduled_time_at_the_moment_of_scheduling_is_accepted_a_nanosecond_before_is_not() {
        let at = T0 + Duration::minutes(5);
        let e = asked()
            .schedule("dr-li".to_owned(), at - Duration::nanoseconds(1), at)
            .unwrap_err();
        assert_eq!(e.field(), Some("scheduled_time"));
        assert_eq!(e.rule(), RuleId::ConsultationTime);
        let (c, events) = asked().schedule("dr-li".to_owned(), at, at).unwrap();
        assert_eq!(c.scheduled(), Some(("dr-li", at)));
        assert!(matches!(
            events[..],
            [ConsultationEvent::ConsultationScheduled { .. }]
        ));
    }

    #[test]
    fn ten_attachments_are_accepted_eleven_are_not_nor_a_repeated_one() {
        let mut ten = new();
        ten.attachments = (1..=10).map(report).collect();
        assert_eq!(
            ask(ten.clone()).unwrap().0.attachments().len(),
            attachment::MAX_ATTACHMENTS
        );
        let mut eleven = ten.clone();
        eleven.attachments.push(report(11));
        let e = ask(eleven).unwrap_err();
        assert_eq!(e, ConsultationError::TooManyAttachments { count: 11 });
        assert_eq!(e.rule(), RuleId::ConsultationAttach);
        assert_eq!(e.field(), Some("attachments"));
        let mut repeated = new();
        let document = |title: &str, url: &str| Attachment::Document {
            title: title.to_owned(),
            url: url.to_owned(),
            media_type: "application/pdf".to_owned(),
        };
        repeated.attachments = vec![
            report(1),
            document("报告", "https://x/1"),
            document("另一个标题", "HTTPS://x/1"),
        ];
        assert_eq!(
            ask(repeated.clone()).unwrap_err(),
            ConsultationError::DuplicateAttachment { index: 2 },
            "the same URL, its scheme in another case"
        );
        repeated.attachments = vec![report(1), report(1)];
        assert_eq!(
            ask(repeated).unwrap_err(),
            ConsultationError::DuplicateAttachment { index: 1 }
        );
    }

    #[test]
    fn an_attachment_built_by_hand_is_checked_as_a_form_would_be() {
        let mut n = new();
        n.attachments = vec![Attachment::Document {
            title: " 出院小结 ".to_owned(),
            url: "notes/1.pdf".to_owned(),
            media_type: "application/pdf".to_owned(),
        }];
        let e = ask(n.clone()).unwrap_err();
        assert_eq!(e.field(), Some("attachments.url"));
        assert_eq!(e.rule(), RuleId::ConsultationAttach);
        n.attachments = vec![Attachment::Document {
            title: " ".to_owned(),
            url: "https://x/1".to_owned(),
            media_type: "application/pdf".to_owned(),
        }];
        assert_eq!(ask(n).unwrap_err().rule(), RuleId::ConsultationAttach);
    }

    #[test]
    fn a_question_holds_4000_characters_not_4001_nor_none() {
        let mut n = new();
        n.question = "问".repeat(MAX_QUESTION);
        assert!(ask(n.clone()).is_ok());
        n.question.push('问');
        let e = ask(n.clone()).unwrap_err();
        assert_eq!(e.field(), Some("question"));
        assert_eq!(e.rule(), RuleId::ConsultationStates);
        n.question = "\u{200B}  ".to_owned();
        assert_eq!(ask(n).unwrap_err().field(), Some("question"));
    }

    #[test]
    fn an_opinion_holds_8000_characters_and_a_reason_500() {
        let at = T0 + Duration::minutes(1);
        let e = asked()
            .answer("dr-li".to_owned(), "答".repeat(MAX_OPINION + 1), at)
            .unwrap_err();
        assert_eq!(e.field(), Some("opinion"));
        let (c, _) = asked()
            .answer("dr-li".to_owned(), "答".repeat(MAX_OPINION), at)
            .unwrap();
        assert_eq!(
            c.answered().map(|a| a.opinion.chars().count()),
            Some(MAX_OPINION)
        );
        let e = asked()
            .decline("dr-li".to_owned(), "因".repeat(MAX_REASON + 1), at)
            .unwrap_err();
        assert_eq!(e.field(), Some("reason"));
        let (c, _) = asked()
            .cancel("dr-wang".to_owned(), "因".repeat(MAX_REASON), at)
            .unwrap();
        assert_eq!(c.cancelled().map(|c| c.by.as_str()), Some("dr-wang"));
        let e = asked()
            .cancel(" ".to_owned(), "患者已转诊".to_owned(), at)
            .unwrap_err();
        assert_eq!(e.field(), Some("clinician"));
        let e = asked()
            .decline(" ".to_owned(), "无此专科".to_owned(), at)
            .unwrap_err();
        assert_eq!(e.field(), Some("specialist"));
    }

    #[test]
    fn the_aggregate_round_trips_through_json_and_its_events_carry_no_text() {
        let (c, mut events) = asked()
            .schedule("dr-li".to_owned(), T0 + Duration::hours(3), T0)
            .unwrap();
        let (c, more) = c
            .answer(
                "dr-li".to_owned(),
                "建议上转心内科".to_owned(),
                T0 + Duration::hours(3),
            )
            .unwrap();
        events.extend(more);
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Consultation>(&json).unwrap(), c);
        for e in events {
            let json = serde_json::to_string(&e).unwrap();
            assert!(!json.contains("建议") && !json.contains("胸闷"), "{json}");
            assert_eq!(serde_json::from_str::<ConsultationEvent>(&json).unwrap(), e);
        }
    }
}
