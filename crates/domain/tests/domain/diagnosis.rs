//! Remote diagnosis: the request's state machine against a reference model written from the
//! rules' words (DX-STATES, DX-CLAIM, DX-VERIFY, DX-AMEND, DX-ACK, DX-CRITICAL), on random
//! command sequences; the turnaround and critical-value clocks at their edges; the centre and
//! community rules.

use proptest::prelude::*;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use yigong_domain::diagnosis::{
    AcquisitionForm, DiagnosisCentre, DiagnosisError, DiagnosisEvent, DiagnosisRequest,
    EscalationLevel, Grade, Modality, NewRequest, Priority, Reader, ReportForm, Requester, Status,
};
use yigong_domain::ids::{DiagnosisCentreId, DiagnosisRequestId, ResidentId};
use yigong_domain::profile::RuleProfile;

use crate::support::*;

const T0: OffsetDateTime = datetime!(2026-05-04 08:00 UTC);

fn centre() -> DiagnosisCentre {
    DiagnosisCentre::new(
        DiagnosisCentreId::from_u128(1),
        COUNTY,
        "心电诊断中心",
        [Modality::Ecg, Modality::Dr],
        &network(),
    )
    .unwrap()
}

fn new_request(priority: Priority) -> NewRequest {
    NewRequest {
        id: DiagnosisRequestId::from_u128(7),
        patient: ResidentId::from_u128(8),
        requester: Requester {
            institution: TOWNSHIP,
            clinician: "dr-wang".to_owned(),
        },
        modality: Modality::Ecg,
        exam_item: "十二导联心电图".to_owned(),
        clinical_info: "胸闷三天".to_owned(),
        priority,
    }
}

fn ecg() -> yigong_domain::diagnosis::Acquisition {
    AcquisitionForm {
        ecg_file_id: "ECG-2026-0001".to_owned(),
        ..AcquisitionForm::default()
    }
    .validate(Modality::Ecg)
    .unwrap()
}

fn reader(i: u8) -> Reader {
    Reader {
        user: format!("reader-{i}"),
        grade: [Grade::Resident, Grade::Attending, Grade::Chief][usize::from(i % 3)],
    }
}

fn form(critical: bool) -> ReportForm {
    ReportForm {
        findings: "窦性心律，ST段压低".to_owned(),
        impression: "心肌缺血可能".to_owned(),
        positive: true,
        critical: critical.then(|| "急性ST段抬高".to_owned()),
    }
}

#[derive(Debug, Clone)]
enum Command {
    Acquire,
    Cancel,
    Claim(u8),
    Release(u8),
    Report(u8, bool),
    Verify(u8),
    Amend(u8, bool),
    Acknowledge(bool),
    AcknowledgeCritical(bool),
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        Just(Command::Acquire),
        Just(Command::Cancel),
        (0u8..3).prop_map(Command::Claim),
        (0u8..3).prop_map(Command::Release),
        (0u8..3, any::<bool>()).prop_map(|(r, c)| Command::Report(r, c)),
        (0u8..3).prop_map(Command::Verify),
        (0u8..3, any::<bool>()).prop_map(|(r, c)| Command::Amend(r, c)),
        any::<bool>().prop_map(Command::Acknowledge),
        any::<bool>().prop_map(Command::AcknowledgeCritical),
    ]
}

/// The rules' words, as plainly as they can be said.
#[derive(Debug, Clone, PartialEq)]
struct Model {
    status: Status,
    holder: Option<u8>,
    versions: usize,
    critical_waiting: bool,
}

impl Model {
    /// Whether the command is allowed, and the model after it.
    fn apply(&self, c: &Command) -> Option<Model> {
        let mut m = self.clone();
        let verifying = |r: u8| reader(r).grade >= Grade::Attending;
        let flag = |m: &mut Model, critical: bool| m.critical_waiting |= critical;
        match *c {
            Command::Acquire if m.status == Status::Requested => m.status = Status::Acquired,
            Command::Cancel if m.status == Status::Requested => m.status = Status::Cancelled,
            Command::Claim(r) if m.status == Status::InReading && m.holder == Some(r) => {}
            Command::Claim(r) if m.status == Status::Acquired => {
                m.status = Status::InReading;
                m.holder = Some(r);
            }
            Command::Release(r) if m.status == Status::InReading && m.holder == Some(r) => {
                m.status = Status::Acquired;
                m.holder = None;
            }
            Command::Report(r, critical)
                if m.status == Status::InReading && m.holder == Some(r) =>
            {
                m.status = Status::Preliminary;
                flag(&mut m, critical);
            }
            Command::Verify(r)
                if m.status == Status::Preliminary && m.holder != Some(r) && verifying(r) =>
            {
                m.status = Status::Verified;
                m.versions = 1;
            }
            Command::Amend(r, critical)
                if matches!(m.status, Status::Verified | Status::Acknowledged) && verifying(r) =>
            {
                m.status = Status::Verified;
                m.versions += 1;
                flag(&mut m, critical);
            }
            Command::Acknowledge(true) if m.status == Status::Verified => {
                m.status = Status::Acknowledged;
            }
            Command::AcknowledgeCritical(true) if m.critical_waiting => {
                m.critical_waiting = false;
            }
            _ => return None,
        }
        Some(m)
    }
}

fn run(
    r: DiagnosisRequest,
    c: &Command,
    at: OffsetDateTime,
    p: &RuleProfile,
) -> Result<(DiagnosisRequest, Vec<DiagnosisEvent>), DiagnosisError> {
    let from = |requester: bool| if requester { TOWNSHIP } else { OTHER_TOWNSHIP };
    match *c {
        Command::Acquire => r.acquire(ecg(), at),
        Command::Cancel => r.cancel("患者已转诊", at),
        Command::Claim(i) => r.claim(reader(i), at),
        Command::Release(i) => r.release(&reader(i), at),
        Command::Report(i, critical) => r.report(&reader(i), form(critical), at),
        Command::Verify(i) => r.verify(reader(i), at, p),
        Command::Amend(i, critical) => r.amend(reader(i), form(critical), "补充描述", at, p),
        Command::Acknowledge(req) => r.acknowledge(from(req), "dr-wang", at),
        Command::AcknowledgeCritical(req) => r.acknowledge_critical(from(req), "dr-wang", at),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_request_follows_the_reference_model(commands in proptest::collection::vec(command(), 0..24)) {
        let p = RuleProfile::bphs3();
        let (mut request, _) = DiagnosisRequest::create(new_request(Priority::Routine), &centre(), &network(), T0).unwrap();
        let mut model = Model { status: Status::Requested, holder: None, versions: 0, critical_waiting: false };
        for (n, c) in commands.iter().enumerate() {
            let at = T0 + Duration::minutes(n as i64 + 1);
            let expected = model.apply(c);
            match run(request.clone(), c, at, &p) {
                Ok((next, events)) => {
                    let Some(m) = expected else {
                        return Err(TestCaseError::fail(format!("{c:?} was allowed in {model:?}")));
                    };
                    // A change of state is always told; a repeated claim changes nothing.
                    prop_assert_eq!(events.is_empty(), next == request, "{:?}", c);
                    prop_assert!(events.iter().all(|e| e.aggregate() == next.id().as_uuid()));
                    request = next;
                    model = m;
                }
                Err(e) => prop_assert!(expected.is_none(), "{:?} refused in {:?}: {}", c, model, e),
            }
            prop_assert_eq!(request.status(), model.status);
            prop_assert_eq!(request.reports().len(), model.versions);
            prop_assert_eq!(
                request.critical().is_some_and(|c| c.acknowledged.is_none()),
                model.critical_waiting
            );
            // Every version stays, numbered from 1; an amendment carries its reason.
            for (i, v) in request.reports().iter().enumerate() {
                prop_assert_eq!(usize::from(v.version), i + 1);
                prop_assert_eq!(v.reason.is_some(), i > 0);
            }
            // A result for a referral exactly when verified, of the latest version (DX-RESULT).
            match request.as_result(at.date(), &p) {
                Ok(result) => {
                    prop_assert!(model.versions > 0, "a result in {:?}", model);
                    prop_assert_eq!(result.test.as_str(), "ecg");
                    prop_assert_eq!(result.by, COUNTY);
                    prop_assert_eq!(result.taken_on, T0.date());
                    let latest = request.reports().last().unwrap();
                    prop_assert_eq!(result.value.as_deref(), Some(latest.report.impression.as_str()));
                    let reference = format!("diagnosis-requests/{}@{}", request.id(), model.versions);
                    prop_assert_eq!(result.report.as_deref(), Some(reference.as_str()));
                }
                Err(e) => {
                    prop_assert_eq!(model.versions, 0, "{}", e);
                    let wrong_state = matches!(e, DiagnosisError::WrongState { .. });
                    prop_assert!(wrong_state);
                }
            }
        }
    }
}

/// A verified chest film on a referral, in a county that maps its DR reports to chest films:
/// recognised for the profile's 30 days of a `chest_xray` from its acquisition day, repeated
/// after. The national profile maps no radiograph (not every film is of the chest), and a
/// laboratory report is no one test.
#[test]
fn a_verified_report_is_a_result_mutual_recognition_judges() {
    let national = RuleProfile::bphs3();
    let p =
        RuleProfile::from_toml("base = \"bphs3\"\n[diagnosis.result_tests]\ndr = \"chest_xray\"\n")
            .unwrap();
    let film = NewRequest {
        modality: Modality::Dr,
        ..new_request(Priority::Routine)
    };
    let (r, _) = DiagnosisRequest::create(film, &centre(), &network(), T0).unwrap();
    let imaging = AcquisitionForm {
        study_instance_uid: "1.2.840.113619.2.55.3".to_owned(),
        accession_number: "A0001".to_owned(),
        ..AcquisitionForm::default()
    };
    let (r, _) = r
        .acquire(imaging.validate(Modality::Dr).unwrap(), T0)
        .unwrap();
    let (r, _) = r.claim(reader(0), T0).unwrap();
    let (r, _) = r.report(&reader(0), form(false), T0).unwrap();
    let preliminary = r.as_result(T0.date(), &p).unwrap_err();
    assert!(matches!(preliminary, DiagnosisError::WrongState { .. }));
    let (r, _) = r.verify(reader(1), T0 + Duration::hours(2), &p).unwrap();
    assert_eq!(
        r.as_result(T0.date(), &national).unwrap_err(),
        DiagnosisError::NotAResult(Modality::Dr)
    );
    let result = r.as_result(T0.date() + Duration::days(3), &p).unwrap();
    assert_eq!(result.test.as_str(), "chest_xray");
    let last = T0.date() + Duration::days(30);
    assert!(result.recognition(last, &p).recognised);
    assert!(!result.recognition(last + Duration::days(1), &p).recognised);

    let lab = DiagnosisCentre::new(
        DiagnosisCentreId::from_u128(2),
        COUNTY,
        "检验中心",
        [Modality::Laboratory],
        &network(),
    )
    .unwrap();
    let blood = NewRequest {
        modality: Modality::Laboratory,
        ..new_request(Priority::Routine)
    };
    let (r, _) = DiagnosisRequest::create(blood, &lab, &network(), T0).unwrap();
    let specimen = AcquisitionForm {
        specimen_id: "S0001".to_owned(),
        ..AcquisitionForm::default()
    };
    let (r, _) = r
        .acquire(specimen.validate(Modality::Laboratory).unwrap(), T0)
        .unwrap();
    let (r, _) = r.claim(reader(0), T0).unwrap();
    let (r, _) = r.report(&reader(0), form(false), T0).unwrap();
    let (r, _) = r.verify(reader(1), T0, &p).unwrap();
    assert_eq!(
        r.as_result(T0.date(), &p).unwrap_err(),
        DiagnosisError::NotAResult(Modality::Laboratory)
    );
}

#[test]
fn the_turnaround_target_runs_from_acquisition_per_priority_and_breaches_once() {
    let p = RuleProfile::bphs3();
    for (priority, minutes) in [
        (Priority::Emergency, 30),
        (Priority::Urgent, 120),
        (Priority::Routine, 1440),
    ] {
        let (r, _) =
            DiagnosisRequest::create(new_request(priority), &centre(), &network(), T0).unwrap();
        assert_eq!(r.turnaround_due(&p), None, "no clock before acquisition");
        let acquired = T0 + Duration::minutes(5);
        let (r, _) = r.acquire(ecg(), acquired).unwrap();
        let due = acquired + Duration::minutes(minutes);
        assert_eq!(r.turnaround_due(&p), Some(due));
        assert_eq!(r.next_deadline(&p), Some(due));
        let (r, events) = r.run_deadlines(due - Duration::seconds(1), &p).unwrap();
        assert!(events.is_empty());
        let (r, events) = r.run_deadlines(due, &p).unwrap();
        assert!(
            matches!(events[..], [DiagnosisEvent::TurnaroundBreached { .. }]),
            "{events:?}"
        );
        assert_eq!(r.next_deadline(&p), None, "breached once");
        let (_, again) = r.run_deadlines(due + Duration::hours(5), &p).unwrap();
        assert!(again.is_empty());
    }
    // Verified at the target's minute: within it.
    let (r, _) =
        DiagnosisRequest::create(new_request(Priority::Emergency), &centre(), &network(), T0)
            .unwrap();
    let (r, _) = r.acquire(ecg(), T0).unwrap();
    let (r, _) = r.claim(reader(0), T0).unwrap();
    let (r, _) = r.report(&reader(0), form(false), T0).unwrap();
    let (r, _) = r.verify(reader(1), T0 + Duration::minutes(30), &p).unwrap();
    assert_eq!(r.within_target(&p), Some(true));
    assert_eq!(
        r.next_deadline(&p),
        None,
        "a verified report has no turnaround left"
    );
}

#[test]
fn an_unacknowledged_critical_value_escalates_to_the_duty_desk_then_the_community() {
    let p = RuleProfile::bphs3();
    let (r, _) =
        DiagnosisRequest::create(new_request(Priority::Urgent), &centre(), &network(), T0).unwrap();
    let (r, _) = r.acquire(ecg(), T0).unwrap();
    let (r, _) = r.claim(reader(0), T0).unwrap();
    let flagged = T0 + Duration::minutes(10);
    let (r, events) = r.report(&reader(0), form(true), flagged).unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, DiagnosisEvent::CriticalValueFlagged { .. }))
    );
    let first = flagged + Duration::minutes(15);
    assert_eq!(
        r.critical_escalation_due(&p),
        Some((first, EscalationLevel::DutyDesk))
    );
    let (r, events) = r.run_deadlines(first - Duration::seconds(1), &p).unwrap();
    assert!(events.is_empty());
    let (r, events) = r.run_deadlines(first, &p).unwrap();
    assert!(matches!(
        events[..],
        [DiagnosisEvent::CriticalValueEscalated {
            level: EscalationLevel::DutyDesk,
            ..
        }]
    ));
    let second = flagged + Duration::minutes(30);
    assert_eq!(
        r.critical_escalation_due(&p),
        Some((second, EscalationLevel::CommunityDesk))
    );
    // Another institution cannot acknowledge it; the requester can, and the clock stops.
    assert_eq!(
        r.clone()
            .acknowledge_critical(OTHER_TOWNSHIP, "dr-li", second)
            .unwrap_err(),
        DiagnosisError::NotTheRequester
    );
    let (r, _) = r.acknowledge_critical(TOWNSHIP, "dr-wang", second).unwrap();
    assert_eq!(r.critical_escalation_due(&p), None);
    // Both levels at once after a long outage of the jobs.
    let (r, _) =
        DiagnosisRequest::create(new_request(Priority::Urgent), &centre(), &network(), T0).unwrap();
    let (r, _) = r.acquire(ecg(), T0).unwrap();
    let (r, _) = r.claim(reader(0), T0).unwrap();
    let (r, _) = r.report(&reader(0), form(true), T0).unwrap();
    let (r, events) = r.run_deadlines(T0 + Duration::hours(1), &p).unwrap();
    let levels: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            DiagnosisEvent::CriticalValueEscalated { level, .. } => Some(*level),
            _ => None,
        })
        .collect();
    assert_eq!(
        levels,
        [EscalationLevel::DutyDesk, EscalationLevel::CommunityDesk]
    );
    assert_eq!(
        r.critical_escalation_due(&p),
        None,
        "nothing above the community"
    );
}

#[test]
fn a_centre_is_a_county_department_and_serves_its_community_in_its_modalities() {
    let n = network();
    let id = DiagnosisCentreId::from_u128(2);
    assert_eq!(
        DiagnosisCentre::new(id, TOWNSHIP, "影像中心", [Modality::Dr], &n).unwrap_err(),
        DiagnosisError::CentreNotCounty
    );
    assert_eq!(
        DiagnosisCentre::new(id, COUNTY, "影像中心", [], &n).unwrap_err(),
        DiagnosisError::NoModality
    );
    let c = centre();
    let mut ct = new_request(Priority::Routine);
    ct.modality = Modality::Ct;
    assert_eq!(
        DiagnosisRequest::create(ct, &c, &n, T0).unwrap_err(),
        DiagnosisError::ModalityNotServed(Modality::Ct)
    );
    let mut foreign = new_request(Priority::Routine);
    foreign.requester.institution = OTHER_TOWNSHIP;
    assert_eq!(
        DiagnosisRequest::create(foreign, &c, &n, T0).unwrap_err(),
        DiagnosisError::OutsideCommunity
    );
    let mut blank = new_request(Priority::Routine);
    blank.exam_item = "  ".to_owned();
    assert!(matches!(
        DiagnosisRequest::create(blank, &c, &n, T0).unwrap_err(),
        DiagnosisError::Text {
            field: "exam_item",
            ..
        }
    ));
}

#[test]
fn a_centres_readers_are_appointed_with_their_grade() {
    let (c, events) = centre().appoint("reader-9", Grade::Chief).unwrap();
    assert!(matches!(
        events[..],
        [DiagnosisEvent::ReaderAppointed { .. }]
    ));
    assert_eq!(c.reader("reader-9").map(|r| r.grade), Some(Grade::Chief));
    assert_eq!(c.reader("reader-8"), None, "off the roster reads nothing");
    let (c, again) = c.appoint("reader-9", Grade::Chief).unwrap();
    assert!(again.is_empty(), "the same appointment changes nothing");
    let (c, _) = c.appoint("reader-9", Grade::Attending).unwrap();
    assert_eq!(
        c.reader("reader-9").map(|r| r.grade),
        Some(Grade::Attending)
    );
    assert!(c.appoint(" ", Grade::Chief).is_err());
}

/// One request of a random history: its priority, who asked, minutes from acquisition to
/// verification (none: still waiting), whether the report is positive, and the minutes to
/// the acknowledgment of a critical value (outer none: no critical value; inner: never).
type Story = (u8, bool, Option<i64>, bool, Option<Option<i64>>);

fn story() -> impl Strategy<Value = Story> {
    (
        0u8..3,
        any::<bool>(),
        proptest::option::of(0i64..3000),
        any::<bool>(),
        proptest::option::of(proptest::option::of(0i64..60)),
    )
}

fn walk(n: usize, s: &Story, p: &RuleProfile) -> DiagnosisRequest {
    let (priority, other, verify, positive, critical) = *s;
    let priority =
        [Priority::Emergency, Priority::Urgent, Priority::Routine][usize::from(priority)];
    let mut new = new_request(priority);
    new.id = DiagnosisRequestId::from_u128(1000 + n as u128);
    new.requester.institution = asker(other);
    let (r, _) = DiagnosisRequest::create(new, &centre(), &network(), T0).unwrap();
    if cancelled(s) {
        return r.cancel("患者未到", T0).unwrap().0;
    }
    let (r, _) = r.acquire(ecg(), T0).unwrap();
    let (r, _) = r.claim(reader(0), T0).unwrap();
    let mut report = form(critical.is_some());
    report.positive = positive;
    let (mut r, _) = r.report(&reader(0), report, T0).unwrap();
    if let Some(Some(after)) = critical {
        r = r
            .acknowledge_critical(asker(other), "dr-wang", T0 + Duration::minutes(after))
            .unwrap()
            .0;
    }
    if let Some(after) = verify {
        r = r
            .verify(reader(1), T0 + Duration::minutes(after), p)
            .unwrap()
            .0;
    }
    r.run_deadlines(T0 + Duration::days(3), p).unwrap().0
}

/// The unverified, uncritical emergencies of a history are requests cancelled before
/// acquisition.
fn cancelled(s: &Story) -> bool {
    s.2.is_none() && s.4.is_none() && s.0 == 0
}

/// The township, or a village clinic of the same community.
fn asker(village: bool) -> yigong_domain::ids::InstitutionId {
    if village { VILLAGE } else { TOWNSHIP }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The centre's figures against a count written from the indicators' words.
    #[test]
    fn the_figures_count_what_the_requests_say(stories in proptest::collection::vec(story(), 0..40)) {
        let p = RuleProfile::bphs3();
        let requests: Vec<DiagnosisRequest> =
            stories.iter().enumerate().map(|(n, s)| walk(n, s, &p)).collect();
        let f = yigong_domain::indicator::DiagnosisFigures::tally(&requests, &p);
        prop_assert_eq!(f.requests as usize, stories.len());
        prop_assert_eq!(f.cancelled as usize, stories.iter().filter(|s| cancelled(s)).count());
        let verified: Vec<&Story> = stories.iter().filter(|s| s.2.is_some()).collect();
        prop_assert_eq!(f.verified as usize, verified.len());
        // A critical report is always positive.
        prop_assert_eq!(f.positive as usize, verified.iter().filter(|s| s.3 || s.4.is_some()).count());
        prop_assert_eq!(f.critical as usize, stories.iter().filter(|s| s.4.is_some()).count());
        prop_assert_eq!(
            f.critical_in_time as usize,
            stories.iter().filter(|s| matches!(s.4, Some(Some(m)) if m < 15)).count()
        );
        let targets = [30i64, 120, 1440];
        for (k, priority) in [Priority::Emergency, Priority::Urgent, Priority::Routine].into_iter().enumerate() {
            let mut minutes: Vec<i64> = verified
                .iter()
                .filter(|s| usize::from(s.0) == k)
                .filter_map(|s| s.2)
                .collect();
            minutes.sort_unstable();
            let t = f.turnaround.get(&priority).cloned().unwrap_or_default();
            prop_assert_eq!(t.verified as usize, minutes.len());
            prop_assert_eq!(t.within_target as usize, minutes.iter().filter(|m| **m <= targets[k]).count());
            // The smallest value with at least q% of the values at or below it.
            let rank = |q: usize| {
                minutes
                    .iter()
                    .enumerate()
                    .find(|(i, _)| (i + 1) * 100 >= q * minutes.len())
                    .map(|(_, m)| *m)
            };
            prop_assert_eq!(t.p50_minutes, rank(50));
            prop_assert_eq!(t.p90_minutes, rank(90));
        }
        let breached = stories
            .iter()
            .filter(|s| !cancelled(s) && s.2.is_none_or(|m| m > targets[usize::from(s.0)]))
            .count();
        prop_assert_eq!(f.breached as usize, breached);
        let members = stories.iter().map(|s| s.1).collect::<std::collections::BTreeSet<_>>().len();
        prop_assert_eq!(f.members.len(), members);
        // Of community A's township-level members (the township; the lead and the village
        // clinic do not count), the share that asked.
        let township_asked = stories.iter().any(|s| !s.1);
        prop_assert_eq!(f.coverage(&network(), COMMUNITY_A), (u32::from(township_asked), 1));
    }
}
