//! Remote consultation: the consultation's state machine against a reference model written
//! from the rules' words (CONSULT-STATES, CONSULT-TIME, CONSULT-ANSWER), on random command
//! sequences; who may be asked (CONSULT-PARTIES).

use proptest::prelude::*;
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};
use yigong_domain::consultation::{
    Attachment, AttachmentForm, Consultation, ConsultationError, ConsultationEvent,
    NewConsultation, Requester, Status,
};
use yigong_domain::event::DomainEvent;
use yigong_domain::ids::{ConsultationId, DiagnosisRequestId, InstitutionId, ResidentId};
use yigong_domain::network::{Institution, InstitutionKind, Network};
use yigong_domain::referral::Department;
use yigong_domain::rule::{BrokenRule, RuleId};

use crate::support::*;

const T0: OffsetDateTime = datetime!(2026-05-04 08:00 UTC);

fn new_consultation(requester: InstitutionId, consultant: InstitutionId) -> NewConsultation {
    NewConsultation {
        id: ConsultationId::from_u128(7),
        patient: ResidentId::from_u128(8),
        requester: Requester {
            institution: requester,
            clinician: "dr-wang".to_owned(),
        },
        consultant,
        department: Department::new("department", "心内科").unwrap(),
        question: "胸闷三天，心电图ST段压低，是否需要上转？".to_owned(),
        attachments: vec![
            Attachment::DiagnosticReport {
                request: DiagnosisRequestId::from_u128(3),
            },
            AttachmentForm {
                title: "门诊病历".to_owned(),
                url: "https://emr.township.example/notes/1".to_owned(),
                media_type: "application/pdf".to_owned(),
                ..AttachmentForm::default()
            }
            .validate()
            .unwrap(),
        ],
        proposed_at: T0 + Duration::hours(2),
    }
}

fn asked() -> Consultation {
    Consultation::ask(new_consultation(TOWNSHIP, COUNTY), &network(), T0)
        .unwrap()
        .0
}

fn specialist(i: u8) -> String {
    format!("dr-{i}")
}

/// A command as a user gives it; `None` is a blank user id, `true` a blank text.
#[derive(Debug, Clone)]
enum Command {
    /// Schedule a specialist for so many minutes after T0.
    Schedule(Option<u8>, i64),
    Answer(Option<u8>, bool),
    Decline(bool),
    Cancel(bool),
}

fn command() -> impl Strategy<Value = Command> {
    let who = proptest::option::weighted(0.9, 0u8..3);
    prop_oneof![
        3 => (who.clone(), prop_oneof![Just(0i64), Just(5), Just(10), Just(20), Just(40)])
            .prop_map(|(s, m)| Command::Schedule(s, m)),
        2 => (who, proptest::bool::weighted(0.1)).prop_map(|(s, b)| Command::Answer(s, b)),
        1 => proptest::bool::weighted(0.2).prop_map(Command::Decline),
        1 => proptest::bool::weighted(0.2).prop_map(Command::Cancel),
    ]
}

/// The rules' words, as plainly as they can be said.
#[derive(Debug, Clone, PartialEq)]
struct Model {
    status: Status,
    /// The specialist scheduled and the minutes after T0 they are scheduled for.
    scheduled: Option<(u8, i64)>,
    answered_by: Option<u8>,
}

impl Model {
    /// At `now` (minutes after T0): the rule that refuses the command, or the model after it
    /// and whether anything changed.
    fn apply(&self, c: &Command, now: i64) -> Result<(Model, bool), RuleId> {
        // Only an open consultation (requested or scheduled) takes a command; a blank user id
        // or text refuses it as well.
        let open = matches!(self.status, Status::Requested | Status::Scheduled);
        if !open {
            return Err(RuleId::ConsultationStates);
        }
        let mut m = self.clone();
        match *c {
            Command::Schedule(None, _)
            | Command::Answer(None, _)
            | Command::Answer(_, true)
            | Command::Decline(true)
            | Command::Cancel(true) => return Err(RuleId::ConsultationStates),
            // Not for a time already past; the same schedule again changes nothing.
            Command::Schedule(_, minutes) if minutes < now => return Err(RuleId::ConsultationTime),
            Command::Schedule(Some(s), minutes) => {
                if m.scheduled == Some((s, minutes)) {
                    return Ok((m, false));
                }
                m.scheduled = Some((s, minutes));
                m.status = Status::Scheduled;
            }
            // Once scheduled, the scheduled specialist answers; before, anyone at the county.
            Command::Answer(Some(s), false) => {
                if m.scheduled.is_some_and(|(scheduled, _)| scheduled != s) {
                    return Err(RuleId::ConsultationAnswer);
                }
                m.answered_by = Some(s);
                m.status = Status::Answered;
            }
            Command::Decline(false) => m.status = Status::Declined,
            Command::Cancel(false) => m.status = Status::Cancelled,
        }
        Ok((m, true))
    }
}

fn run(
    c: Consultation,
    command: &Command,
    at: OffsetDateTime,
) -> Result<(Consultation, Vec<ConsultationEvent>), ConsultationError> {
    let user = |s: Option<u8>| s.map_or_else(|| " \u{200B}".to_owned(), specialist);
    let text = |blank: bool, t: &str| if blank { "  ".to_owned() } else { t.to_owned() };
    match *command {
        Command::Schedule(s, minutes) => c.schedule(user(s), T0 + Duration::minutes(minutes), at),
        Command::Answer(s, blank) => c.answer(user(s), text(blank, "建议上转心内科"), at),
        Command::Decline(blank) => c.decline("dr-chen".to_owned(), text(blank, "无此专科"), at),
        Command::Cancel(blank) => c.cancel("dr-wang".to_owned(), text(blank, "患者已转诊"), at),
    }
}

/// The event a command that changed something tells.
fn told(command: &Command, event: &ConsultationEvent) -> bool {
    matches!(
        (command, event),
        (
            Command::Schedule(..),
            ConsultationEvent::ConsultationScheduled { .. }
        ) | (
            Command::Answer(..),
            ConsultationEvent::ConsultationAnswered { .. }
        ) | (
            Command::Decline(_),
            ConsultationEvent::ConsultationDeclined { .. }
        ) | (
            Command::Cancel(_),
            ConsultationEvent::ConsultationCancelled { .. }
        )
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_consultation_follows_the_reference_model(commands in proptest::collection::vec(command(), 0..16)) {
        let mut consultation = asked();
        let mut model = Model { status: Status::Requested, scheduled: None, answered_by: None };
        for (n, c) in commands.iter().enumerate() {
            let now = n as i64 + 1;
            let at = T0 + Duration::minutes(now);
            let expected = model.apply(c, now);
            match run(consultation.clone(), c, at) {
                Ok((next, events)) => {
                    let Ok((m, changed)) = expected else {
                        return Err(TestCaseError::fail(format!("{c:?} was allowed in {model:?} at {now}")));
                    };
                    prop_assert_eq!(events.len(), usize::from(changed), "{:?}", c);
                    prop_assert_eq!(next == consultation, !changed, "{:?}", c);
                    for e in &events {
                        prop_assert!(told(c, e), "{:?} told {:?}", c, e);
                        prop_assert_eq!(e.aggregate(), next.id().as_uuid());
                        let name = DomainEvent::from(e.clone()).type_name();
                        prop_assert!(name.starts_with("consultation.consultation_"), "{}", name);
                    }
                    consultation = next;
                    model = m;
                }
                Err(e) => match expected {
                    Ok(_) => return Err(TestCaseError::fail(format!("{c:?} refused in {model:?} at {now}: {e}"))),
                    Err(rule) => prop_assert_eq!(e.rule(), rule, "{:?} in {:?}: {}", c, model, e),
                },
            }
            prop_assert_eq!(consultation.status(), model.status);
            let scheduled = model.scheduled.map(|(s, m)| (specialist(s), T0 + Duration::minutes(m)));
            prop_assert_eq!(
                consultation.scheduled().map(|(s, t)| (s.to_owned(), t)),
                scheduled
            );
            prop_assert_eq!(
                consultation.answered().map(|a| a.specialist.clone()),
                model.answered_by.map(specialist)
            );
            prop_assert_eq!(consultation.declined().is_some(), model.status == Status::Declined);
            prop_assert_eq!(consultation.cancelled().is_some(), model.status == Status::Cancelled);
        }
        // The store keeps it as a JSON body.
        let json = serde_json::to_string(&consultation).unwrap();
        prop_assert_eq!(serde_json::from_str::<Consultation>(&json).unwrap(), consultation);
    }
}

#[test]
fn a_rescheduled_consultation_is_answered_by_the_latest_specialist() {
    let (c, events) = Consultation::ask(new_consultation(VILLAGE, COUNTY), &network(), T0).unwrap();
    assert!(matches!(
        events[..],
        [ConsultationEvent::ConsultationRequested {
            requester_institution: VILLAGE,
            consultant: COUNTY,
            ..
        }]
    ));
    let at = T0 + Duration::minutes(1);
    let (c, _) = c
        .schedule("dr-1".to_owned(), T0 + Duration::hours(3), at)
        .unwrap();
    let (c, _) = c
        .schedule("dr-2".to_owned(), T0 + Duration::hours(4), at)
        .unwrap();
    assert_eq!(c.scheduled(), Some(("dr-2", T0 + Duration::hours(4))));
    let e = c
        .clone()
        .answer("dr-1".to_owned(), "建议上转".to_owned(), at)
        .unwrap_err();
    assert_eq!(e, ConsultationError::NotTheSpecialist);
    assert_eq!(e.rule(), RuleId::ConsultationAnswer);
    assert_eq!(e.field(), None);
    let (c, events) = c
        .answer(" dr-2 ".to_owned(), "建议上转".to_owned(), at)
        .unwrap();
    assert_eq!(c.status(), Status::Answered);
    assert_eq!(c.answered().map(|a| a.specialist.as_str()), Some("dr-2"));
    assert!(matches!(
        &events[..],
        [ConsultationEvent::ConsultationAnswered { specialist, .. }] if specialist == "dr-2"
    ));
    let e = c
        .cancel("dr-wang".to_owned(), "不需要了".to_owned(), at)
        .unwrap_err();
    assert_eq!(
        e,
        ConsultationError::WrongState {
            status: Status::Answered,
            command: "cancelled"
        }
    );
    assert_eq!(
        e.to_string(),
        "the consultation is answered: it cannot be cancelled"
    );
}

/// A county maternal and child hospital of community A, and the network with it.
const MCH: InstitutionId = InstitutionId::from_u128(3);

fn network_with_mch() -> Network {
    let mut n = network();
    n.add_institution(Institution {
        id: MCH,
        name: "县妇幼保健院".to_owned(),
        kind: InstitutionKind::CountyMaternalChildHospital,
    })
    .unwrap();
    n.join(COMMUNITY_A, MCH).unwrap();
    n
}

#[test]
fn a_consultation_asks_another_open_county_institution_of_the_requesters_community() {
    let n = network_with_mch();
    let check = |requester, consultant, n: &Network| {
        Consultation::ask(new_consultation(requester, consultant), n, T0).map(|_| ())
    };
    assert_eq!(check(TOWNSHIP, COUNTY, &n), Ok(()));
    assert_eq!(check(VILLAGE, MCH, &n), Ok(()));
    assert_eq!(
        check(COUNTY, MCH, &n),
        Ok(()),
        "county to county, one community"
    );
    for (requester, consultant, error) in [
        (TOWNSHIP, TCM, ConsultationError::OutsideCommunity),
        (OTHER_TOWNSHIP, COUNTY, ConsultationError::OutsideCommunity),
        (
            TOWNSHIP,
            OTHER_TOWNSHIP,
            ConsultationError::ConsultantNotCounty,
        ),
        (TOWNSHIP, VILLAGE, ConsultationError::ConsultantNotCounty),
        (TOWNSHIP, CITY, ConsultationError::ConsultantNotCounty),
        (
            TOWNSHIP,
            InstitutionId::from_u128(999),
            ConsultationError::ConsultantNotCounty,
        ),
        (COUNTY, COUNTY, ConsultationError::SameInstitution),
        (TOWNSHIP, TOWNSHIP, ConsultationError::SameInstitution),
    ] {
        let e = check(requester, consultant, &n).unwrap_err();
        assert_eq!(e, error, "{requester} asks {consultant}");
        assert_eq!(e.rule(), RuleId::ConsultationParties);
        assert_eq!(e.field(), Some("consultant"));
    }
    let mut closed = n.clone();
    closed.close(MCH, date!(2026 - 05 - 01)).unwrap();
    assert_eq!(
        check(TOWNSHIP, MCH, &closed).unwrap_err(),
        ConsultationError::ConsultantNotCounty,
        "a closed institution takes no consultation"
    );
}

#[test]
fn every_consultation_rule_is_broken_by_some_refusal() {
    let n = network();
    let mut past = new_consultation(TOWNSHIP, COUNTY);
    past.proposed_at = T0 - Duration::nanoseconds(1);
    let mut blank = new_consultation(TOWNSHIP, COUNTY);
    blank.requester.clinician = "\u{3000}".to_owned();
    let mut many = new_consultation(TOWNSHIP, COUNTY);
    many.attachments = (0..11)
        .map(|i| Attachment::DiagnosticReport {
            request: DiagnosisRequestId::from_u128(i),
        })
        .collect();
    let refusals = [
        (
            new_consultation(TOWNSHIP, TCM),
            RuleId::ConsultationParties,
            Some("consultant"),
        ),
        (past, RuleId::ConsultationTime, Some("proposed_time")),
        (blank, RuleId::ConsultationStates, Some("clinician")),
        (many, RuleId::ConsultationAttach, Some("attachments")),
    ];
    for (new, rule, field) in refusals {
        let e = Consultation::ask(new, &n, T0).unwrap_err();
        assert_eq!((e.rule(), e.field()), (rule, field), "{e}");
    }
    let consult: Vec<&str> = RuleId::ALL
        .iter()
        .map(|r| r.code())
        .filter(|c| c.starts_with("CONSULT-"))
        .collect();
    assert_eq!(
        consult,
        [
            "CONSULT-PARTIES",
            "CONSULT-STATES",
            "CONSULT-TIME",
            "CONSULT-ATTACH",
            "CONSULT-ANSWER"
        ]
    );
}
