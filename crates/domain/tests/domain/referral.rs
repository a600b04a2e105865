//! Referral scenarios: network rules, approval, deadlines, follow-ups, recognition, quota.

use time::Duration;
use time::macros::date;
use yigong_domain::event::DomainEvent;
use yigong_domain::followup::{
    Condition, Confirmation, EnrolPatient, Enrolment, FollowUpError, PlanOrigin, PlanStatus,
};
use yigong_domain::ids::{EnrolmentId, InstitutionId, PlanId, TeamId};
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::{
    Appointment, AttachedResult, Command, Direction, DischargeSummary, ExternalEvidence,
    ReasonCode, Referral, ReferralError, ReferralEvent, ReferralState, SlotKind, SlotQuota,
    StateName, TestCode, Urgency,
};
use yigong_domain::rule::{BrokenRule, RuleId};

use crate::support::*;

fn names(events: &[ReferralEvent]) -> Vec<&'static str> {
    events
        .iter()
        .map(|e| DomainEvent::from(e.clone()).type_name())
        .collect()
}

fn appointment(days: i64) -> Appointment {
    Appointment {
        at: NOW + Duration::days(days),
        slot: SlotKind::General,
    }
}

fn summary() -> DischargeSummary {
    report(
        "BP controlled on amlodipine 5 mg",
        "low-salt diet, walk 30 min a day",
    )
    .unwrap()
}

#[test]
fn an_upward_referral_makes_the_sender_follow_up_due_within_14_days() {
    let (r, events) = Referral::create(
        upward(1, Urgency::Routine),
        &route(TOWNSHIP, COUNTY),
        &[],
        NOW,
        &RuleProfile::bphs3(),
    )
    .unwrap();
    assert_eq!(
        names(&events),
        [
            "referral.referral_requested",
            "referral.sender_follow_up_due"
        ]
    );
    assert!(events.contains(&ReferralEvent::SenderFollowUpDue {
        referral: r.id(),
        patient: r.patient(),
        institution: TOWNSHIP,
        due: date!(2026 - 03 - 16),
    }));
    assert_eq!(r.respond_by(), Some(NOW + Duration::hours(24)));
    assert_eq!(r.community(), Some(COMMUNITY_A));
    // The referral carries the follow-up, and the plans the sender brought forward to it.
    assert_eq!(
        r.sender_follow_up().map(|f| (f.due, f.plans.len())),
        Some((date!(2026 - 03 - 16), 0))
    );
    let plan = PlanId::from_u128(77);
    let r = r.followed_up_by(vec![plan]);
    assert_eq!(r.sender_follow_up().unwrap().plans, [plan]);
}

#[test]
fn a_downward_referral_has_no_senders_follow_up_whatever_plans_are_offered() {
    let (r, _) = Referral::create(
        downward(2),
        &route(COUNTY, TOWNSHIP),
        &[],
        NOW,
        &RuleProfile::bphs3(),
    )
    .unwrap();
    assert_eq!(r.sender_follow_up(), None);
    assert_eq!(
        r.followed_up_by(vec![PlanId::from_u128(1)])
            .sender_follow_up(),
        None
    );
}

#[test]
fn same_level_referrals_are_rejected() {
    let err = Referral::create(
        upward(1, Urgency::Routine),
        &route(COUNTY, TCM),
        &[],
        NOW,
        &RuleProfile::bphs3(),
    )
    .unwrap_err();
    assert_eq!(err.rule(), RuleId::ReferralDirection);
}

#[test]
fn upward_referrals_stay_inside_the_community() {
    let err = Referral::create(
        upward(1, Urgency::Routine),
        &route(TOWNSHIP, TCM),
        &[],
        NOW,
        &RuleProfile::bphs3(),
    )
    .unwrap_err();
    assert_eq!(err, ReferralError::OutsideCommunity);
}

#[test]
fn only_the_lead_hospital_refers_beyond_the_county() {
    let p = RuleProfile::bphs3();
    let err = Referral::create(
        upward(1, Urgency::Routine),
        &route(TOWNSHIP, CITY),
        &[],
        NOW,
        &p,
    )
    .unwrap_err();
    assert_eq!(err, ReferralError::NotFromLeadHospital);
    assert!(
        Referral::create(
            upward(1, Urgency::Routine),
            &route(COUNTY, CITY),
            &[],
            NOW,
            &p
        )
        .is_ok()
    );
}

#[test]
fn a_patient_has_at_most_one_open_referral_per_direction() {
    let p = RuleProfile::bphs3();
    let err = Referral::create(
        upward(2, Urgency::Routine),
        &route(TOWNSHIP, COUNTY),
        &[Direction::Upward],
        NOW,
        &p,
    )
    .unwrap_err();
    assert_eq!(err, ReferralError::OpenReferralExists(Direction::Upward));
    assert!(
        Referral::create(
            downward(3),
            &route(COUNTY, TOWNSHIP),
            &[Direction::Upward],
            NOW,
            &p
        )
        .is_ok()
    );
}

#[test]
fn reasons_must_fit_the_direction() {
    let mut cmd = downward(1);
    cmd.reasons = vec![ReasonCode::DangerSign];
    let err = Referral::create(
        cmd,
        &route(COUNTY, TOWNSHIP),
        &[],
        NOW,
        &RuleProfile::bphs3(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        ReferralError::ReasonDirection {
            reason: ReasonCode::DangerSign,
            expected: Direction::Upward
        }
    );
    let mut cmd = downward(1);
    cmd.reasons = vec![];
    assert_eq!(
        Referral::create(
            cmd,
            &route(COUNTY, TOWNSHIP),
            &[],
            NOW,
            &RuleProfile::bphs3()
        )
        .unwrap_err(),
        ReferralError::NoReason
    );
}

#[test]
fn an_emergency_arrives_through_the_green_channel_before_acceptance() {
    let p = RuleProfile::bphs3();
    let (r, _) = Referral::create(
        upward(1, Urgency::Emergency),
        &route(VILLAGE, COUNTY),
        &[],
        NOW,
        &p,
    )
    .unwrap();
    assert_eq!(r.respond_by(), None);
    let (r, events) = r.arrive(NOW + Duration::hours(1)).unwrap();
    assert!(matches!(
        events[0],
        ReferralEvent::PatientArrived {
            green_channel: true,
            ..
        }
    ));
    assert!(matches!(r.state(), ReferralState::Arrived { .. }));
}

#[test]
fn a_routine_referral_cannot_arrive_before_acceptance() {
    let p = RuleProfile::bphs3();
    let (r, _) = Referral::create(
        upward(1, Urgency::Routine),
        &route(VILLAGE, COUNTY),
        &[],
        NOW,
        &p,
    )
    .unwrap();
    assert!(matches!(
        r.arrive(NOW).unwrap_err(),
        ReferralError::IllegalTransition {
            state: StateName::Requested,
            ..
        }
    ));
}

#[test]
fn a_completed_downward_referral_makes_a_follow_up_due_at_the_receiver_within_14_days() {
    let p = RuleProfile::bphs3();
    let (r, _) = Referral::create(downward(1), &route(COUNTY, TOWNSHIP), &[], NOW, &p).unwrap();
    let (r, _) = r
        .accept(appointment(1), receiving(), None, NOW, &p)
        .unwrap();
    let (r, _) = r.arrive(NOW + Duration::days(1)).unwrap();
    let done_at = NOW + Duration::days(1) + Duration::hours(2);
    let (r, events) = r.complete(summary(), done_at, &p).unwrap();
    assert_eq!(
        names(&events),
        [
            "referral.referral_completed",
            "referral.downward_follow_up_due"
        ]
    );
    assert!(events.contains(&ReferralEvent::DownwardFollowUpDue {
        referral: r.id(),
        patient: r.patient(),
        institution: TOWNSHIP,
        due: date!(2026 - 03 - 17),
    }));
    assert!(
        r.explanation()
            .rules
            .contains(RuleId::ReferralDownwardFollowUp)
    );

    // The receiving township's team schedules the plan from the completed referral.
    let enrolment = township_enrolment(&p);
    let (plan, _) = enrolment
        .schedule_after_downward_referral(&r, PlanId::from_u128(2), &p)
        .unwrap();
    assert_eq!(plan.due(), date!(2026 - 03 - 17));
    assert_eq!(plan.origin(), PlanOrigin::DownwardReferral(r.id()));
    // Overdue after its date.
    assert!(matches!(
        plan.status_on(date!(2026 - 03 - 18), &p),
        PlanStatus::Overdue { days: 1 }
    ));
}

#[test]
fn only_a_completed_downward_referral_schedules_the_receivers_follow_up() {
    let p = RuleProfile::bphs3();
    let (up, _) = Referral::create(
        upward(1, Urgency::Emergency),
        &route(TOWNSHIP, COUNTY),
        &[],
        NOW,
        &p,
    )
    .unwrap();
    let (up, _) = up.arrive(NOW).unwrap();
    let (up, _) = up.complete(summary(), NOW, &p).unwrap();
    let enrolment = township_enrolment(&p);
    assert_eq!(
        enrolment
            .schedule_after_downward_referral(&up, PlanId::from_u128(2), &p)
            .unwrap_err(),
        FollowUpError::NotACompletedDownwardReferral
    );
}

#[test]
fn completion_needs_both_summary_and_guidance() {
    assert_eq!(
        report("  ", "walk"),
        Err(ReferralError::Missing("discharge summary"))
    );
    assert_eq!(
        report("ok", ""),
        Err(ReferralError::Missing("rehabilitation guidance"))
    );
}

#[test]
fn past_the_deadline_a_request_escalates_once_to_the_referral_desk() {
    let p = RuleProfile::bphs3();
    let (r, _) = requested(&p);
    let early = NOW + Duration::hours(23);
    assert!(!r.is_due_for_escalation(early));
    assert!(matches!(
        r.clone().escalate(early).unwrap_err(),
        ReferralError::DeadlineNotPassed { .. }
    ));
    let late = NOW + Duration::hours(24);
    assert!(r.is_due_for_escalation(late));
    let (r, events) = r.escalate(late).unwrap();
    assert_eq!(
        events,
        vec![ReferralEvent::ReferralEscalated {
            referral: r.id(),
            community: Some(COMMUNITY_A),
            at: late
        }]
    );
    assert_eq!(
        r.clone().escalate(late).unwrap_err(),
        ReferralError::AlreadyEscalated
    );
    assert!(!r.is_due_for_escalation(late));
    // Escalation does not change the state: the receiver can still answer.
    assert!(
        r.accept(appointment(2), receiving(), None, late, &p)
            .is_ok()
    );
}

#[test]
fn with_approval_in_the_profile_routine_upward_referrals_wait_for_the_desk() {
    let p = RuleProfile::from_toml("base = \"bphs3\"\nid = \"desk\"\n[referral]\napproval_required = true\nresponse_hours = 48\n").unwrap();
    let (r, events) = requested(&p);
    assert_eq!(r.state(), &ReferralState::AwaitingApproval);
    assert!(matches!(
        events[0],
        ReferralEvent::ReferralRequested {
            awaiting_approval: true,
            respond_by: None,
            ..
        }
    ));
    assert!(r.explanation().rules.contains(RuleId::ReferralApproval));
    let later = NOW + Duration::hours(3);
    let (r, _) = r.approve(later, &p).unwrap();
    assert_eq!(r.respond_by(), Some(later + Duration::hours(48)));
    // Emergencies skip the desk.
    let (e, _) = Referral::create(
        upward(2, Urgency::Emergency),
        &route(TOWNSHIP, COUNTY),
        &[],
        NOW,
        &p,
    )
    .unwrap();
    assert_eq!(e.state(), &ReferralState::Requested);
}

#[test]
fn external_evidence_closes_an_open_referral_and_nothing_else() {
    let p = RuleProfile::bphs3();
    let (r, _) = requested(&p);
    let (r, events) = r.close_on_evidence(ExternalEvidence::PatientDied).unwrap();
    assert_eq!(names(&events), ["referral.referral_closed"]);
    assert!(
        r.clone()
            .close_on_evidence(ExternalEvidence::AdmittedElsewhere)
            .is_err()
    );
}

#[test]
fn results_inside_their_validity_window_are_recognised() {
    let p = RuleProfile::bphs3();
    let result = |test: &str, taken_on| AttachedResult {
        test: TestCode::parse(test).unwrap(),
        taken_on,
        by: InstitutionId::from_u128(10),
        value: Some("正常".to_owned()),
        report: None,
    };
    let on = date!(2026 - 03 - 10);
    assert!(result("blood_routine", date!(2026 - 03 - 03)).is_recognised_on(on, &p));
    assert!(!result("blood_routine", date!(2026 - 03 - 02)).is_recognised_on(on, &p));
    assert!(result("hba1c", date!(2026 - 01 - 01)).is_recognised_on(on, &p));
    assert!(!result("unlisted_test", date!(2026 - 03 - 10)).is_recognised_on(on, &p));
    assert!(
        !result("ecg", date!(2026 - 03 - 11)).is_recognised_on(on, &p),
        "a result from the future"
    );
    let judged = result("blood_routine", date!(2026 - 03 - 03)).recognition(on, &p);
    assert_eq!(judged.valid_until, Some(date!(2026 - 03 - 10)));
    assert_eq!(judged.rule, RuleId::ReferralMutualRecognition);
}

#[test]
fn a_result_is_attached_only_from_the_catalogue_with_a_value_or_report_and_not_from_the_future() {
    let p = RuleProfile::bphs3();
    let today = NOW.date();
    let by = InstitutionId::from_u128(10);
    let ok = AttachedResult::new("hba1c", today, by, "7.2 %", "", today, &p).unwrap();
    assert_eq!(ok.value.as_deref(), Some("7.2 %"));
    let field = |test, on, value, report| {
        AttachedResult::new(test, on, by, value, report, today, &p)
            .unwrap_err()
            .field
    };
    assert_eq!(field("karaoke", today, "1", ""), "test");
    assert_eq!(field("HbA1c", today, "1", ""), "test");
    assert_eq!(
        field("hba1c", today + Duration::days(1), "1", ""),
        "taken_date"
    );
    assert_eq!(field("hba1c", today, " ", "\u{200B}"), "value");
    assert!(AttachedResult::new("ct", today, by, "", "PACS-2026-0001", today, &p).is_ok());
}

#[test]
fn results_attach_to_an_open_referral_once_each_and_are_judged_on_the_day_the_patient_is_seen() {
    let p = RuleProfile::bphs3();
    let (r, _) = Referral::create(
        upward(1, Urgency::Routine),
        &route(TOWNSHIP, COUNTY),
        &[],
        NOW,
        &p,
    )
    .unwrap();
    let taken = NOW.date() - Duration::days(5);
    let blood = AttachedResult::new(
        "blood_routine",
        taken,
        TOWNSHIP,
        "WBC 6.1",
        "",
        NOW.date(),
        &p,
    )
    .unwrap();
    let (r, events) = r.attach(blood.clone()).unwrap();
    assert!(matches!(
        events[..],
        [ReferralEvent::ResultAttached { ref test, taken_on, .. }] if test.as_str() == "blood_routine" && taken_on == taken
    ));
    assert_eq!(
        r.clone().attach(blood.clone()).unwrap_err(),
        ReferralError::ResultAttachedTwice {
            test: "blood_routine".to_owned()
        }
    );
    // Valid for 7 days: recognised today, but the appointment in five days is past its window.
    assert!(
        r.recognised_results(r.recognition_day(NOW.date()), &p)[0]
            .1
            .recognised
    );
    let (accepted, _) = r
        .accept(appointment(5), receiving(), None, NOW, &p)
        .unwrap();
    let day = accepted.recognition_day(NOW.date());
    assert_eq!(day, (NOW + Duration::days(5)).date());
    assert!(!accepted.recognised_results(day, &p)[0].1.recognised);
    assert_eq!(accepted.receiving(), Some(&receiving()));
    let (arrived, _) = accepted.arrive(NOW + Duration::days(1)).unwrap();
    assert_eq!(
        arrived.recognition_day(NOW.date() + Duration::days(30)),
        (NOW + Duration::days(1)).date()
    );
    let (done, _) = arrived
        .complete(summary(), NOW + Duration::days(2), &p)
        .unwrap();
    assert_eq!(
        done.clone()
            .attach(AttachedResult {
                taken_on: taken - Duration::days(1),
                ..blood
            })
            .unwrap_err(),
        ReferralError::IllegalTransition {
            command: Command::Attach,
            state: StateName::Completed
        }
    );
    let ReferralState::Completed {
        summary: report, ..
    } = done.state()
    else {
        panic!("completed");
    };
    assert_eq!(report.diagnosis().map(|d| d.code().as_str()), Some("I10"));
}

#[test]
fn a_referral_carries_at_most_twenty_results() {
    let p = RuleProfile::bphs3();
    let mut cmd = upward(1, Urgency::Routine);
    cmd.attachments = (0..=Referral::MAX_RESULTS as i64)
        .map(|i| {
            AttachedResult::new(
                "hba1c",
                NOW.date() - Duration::days(i),
                TOWNSHIP,
                "7",
                "",
                NOW.date(),
                &p,
            )
            .unwrap()
        })
        .collect();
    assert_eq!(
        Referral::create(cmd, &route(TOWNSHIP, COUNTY), &[], NOW, &p).unwrap_err(),
        ReferralError::TooManyResults { max: 20 }
    );
}

#[test]
fn reserved_slots_follow_the_quota() {
    let p = RuleProfile::bphs3();
    let (r, _) = requested(&p);
    let slot = Appointment {
        at: NOW + Duration::days(20),
        slot: SlotKind::Reserved,
    };
    let quota = SlotQuota {
        slot_date: slot.at.date(),
        total: 40,
        reserved: 12,
        booked: 12,
        released_on: NOW.date(),
    };
    assert_eq!(
        r.clone()
            .accept(slot, receiving(), None, NOW, &p)
            .unwrap_err(),
        ReferralError::QuotaMissing
    );
    assert_eq!(
        r.clone()
            .accept(slot, receiving(), Some(&quota), NOW, &p)
            .unwrap_err(),
        ReferralError::QuotaExhausted
    );
    let thin = SlotQuota {
        reserved: 11,
        booked: 0,
        ..quota
    };
    assert!(matches!(
        r.clone()
            .accept(slot, receiving(), Some(&thin), NOW, &p)
            .unwrap_err(),
        ReferralError::ReservedShareTooLow { .. }
    ));
    let late = SlotQuota {
        booked: 0,
        released_on: slot.at.date() - Duration::days(13),
        ..quota
    };
    assert!(matches!(
        r.clone()
            .accept(slot, receiving(), Some(&late), NOW, &p)
            .unwrap_err(),
        ReferralError::ReleasedTooLate { .. }
    ));
    let open = SlotQuota {
        booked: 11,
        ..quota
    };
    assert!(r.accept(slot, receiving(), Some(&open), NOW, &p).is_ok());
    let booked = open.book().unwrap();
    assert_eq!(booked.remaining(), 0);
    assert_eq!(booked.book().unwrap_err(), ReferralError::QuotaExhausted);
}

/// The patient's hypertension enrolment with a team of the township.
fn township_enrolment(p: &RuleProfile) -> Enrolment {
    Enrolment::enrol(
        EnrolPatient {
            id: EnrolmentId::from_u128(1),
            patient: PATIENT,
            confirmation: Confirmation {
                condition: Condition::Hypertension,
                confirmed_by: COUNTY,
                level: yigong_domain::network::Level::County,
                confirmed_on: date!(2026 - 01 - 01),
            },
            team: TeamId::from_u128(3),
            institution: TOWNSHIP,
            on: date!(2026 - 01 - 01),
            first_plan: PlanId::from_u128(1),
        },
        p,
    )
    .unwrap()
    .0
}

/// A routine upward referral from the township to the county hospital, created at NOW.
fn requested(p: &RuleProfile) -> (Referral, Vec<ReferralEvent>) {
    Referral::create(
        upward(1, Urgency::Routine),
        &route(TOWNSHIP, COUNTY),
        &[],
        NOW,
        p,
    )
    .unwrap()
}

/// The named state sets, drawn from one list: every state once, and each set inside "open".
#[test]
fn the_named_state_sets_are_open_states_and_all_lists_every_state_once() {
    let all = StateName::ALL;
    for &s in all {
        // An exhaustive match: a new state fails to compile here until it is listed in ALL.
        let listed = match s {
            StateName::AwaitingApproval
            | StateName::Requested
            | StateName::Accepted
            | StateName::Rejected
            | StateName::Cancelled
            | StateName::Arrived
            | StateName::Completed
            | StateName::Closed => all.iter().filter(|t| **t == s).count(),
        };
        assert_eq!(listed, 1, "{s:?} is listed once");
        if s.awaits_receiver() || s.grants_receiver_access() {
            assert!(
                s.is_open(),
                "{s:?} is in a set of open states but is not open"
            );
        }
    }
    assert_eq!(
        StateName::matching(StateName::awaits_receiver),
        [
            StateName::AwaitingApproval,
            StateName::Requested,
            StateName::Accepted
        ]
    );
    assert_eq!(
        StateName::matching(StateName::grants_receiver_access),
        [
            StateName::Requested,
            StateName::Accepted,
            StateName::Arrived
        ]
    );
    // Access is not granted before the desk approves: the receiver has nothing to act on yet.
    assert!(!StateName::AwaitingApproval.grants_receiver_access());
}

/// REF-ARRIVAL-DEADLINE: an accepted patient not arrived by the appointment plus the profile's
/// grace days is escalated to the desk once; before then, after arrival, or twice, it is not.
#[test]
fn a_missed_arrival_escalates_once_after_the_grace_days() {
    let p = RuleProfile::bphs3();
    let (r, _) = Referral::create(
        upward(1, Urgency::Routine),
        &route(TOWNSHIP, COUNTY),
        &[],
        NOW,
        &p,
    )
    .unwrap();
    let (accepted, _) = r
        .accept(appointment(2), receiving(), None, NOW, &p)
        .unwrap();
    let deadline = NOW + Duration::days(2 + i64::from(p.referral.arrival_grace_days));
    assert_eq!(accepted.arrive_by(), Some(deadline));
    // The answer's time is what the response time is measured to.
    assert_eq!(accepted.answered_at(), Some(NOW));
    let early = deadline - Duration::seconds(1);
    assert!(!accepted.is_due_for_missed_arrival(early));
    assert!(matches!(
        accepted.clone().miss_arrival(early),
        Err(ReferralError::DeadlineNotPassed { .. })
    ));
    assert!(accepted.is_due_for_missed_arrival(deadline));
    let (missed, events) = accepted.clone().miss_arrival(deadline).unwrap();
    assert_eq!(
        events,
        [ReferralEvent::ArrivalMissed {
            referral: missed.id(),
            community: Some(COMMUNITY_A),
            appointment: NOW + Duration::days(2),
            at: deadline,
        }]
    );
    assert_eq!(missed.state().name(), StateName::Accepted);
    assert!(missed.arrival_missed() && !missed.is_due_for_missed_arrival(deadline));
    assert!(matches!(
        missed.clone().miss_arrival(deadline),
        Err(ReferralError::AlreadyEscalated)
    ));
    // The patient comes late after all: arrival is still recorded, and nothing is missed.
    let (arrived, _) = missed.arrive(deadline + Duration::hours(1)).unwrap();
    assert!(!arrived.is_due_for_missed_arrival(deadline + Duration::days(9)));
    assert!(matches!(
        arrived.miss_arrival(deadline + Duration::days(9)),
        Err(ReferralError::IllegalTransition { .. })
    ));
}

#[test]
fn a_rejection_is_an_answer_at_its_time_and_a_request_has_none() {
    let p = RuleProfile::bphs3();
    let (r, _) = Referral::create(
        upward(1, Urgency::Routine),
        &route(TOWNSHIP, COUNTY),
        &[],
        NOW,
        &p,
    )
    .unwrap();
    assert_eq!(r.answered_at(), None);
    let later = NOW + Duration::hours(5);
    let (rejected, _) = r.reject("no cardiology beds", later).unwrap();
    assert_eq!(rejected.answered_at(), Some(later));
}

/// The referral figures: directions, answers in time and their median, escalations,
/// rejections by reason, report-backs and results judged, over a small county's referrals.
#[test]
fn referral_figures_tally_what_each_referral_shows() {
    use yigong_domain::indicator::ReferralFigures;
    let p = RuleProfile::bphs3();
    let create = |cmd: yigong_domain::referral::CreateReferral, from, to| {
        Referral::create(cmd, &route(from, to), &[], NOW, &p)
            .unwrap()
            .0
    };
    // Accepted in 2 h (in time), rejected after 30 h (late), escalated, completed with its
    // report, and a downward one still open.
    let quick = create(upward(1, Urgency::Routine), TOWNSHIP, COUNTY)
        .accept(
            appointment(2),
            receiving(),
            None,
            NOW + Duration::hours(2),
            &p,
        )
        .unwrap()
        .0;
    let late = create(upward(2, Urgency::Routine), TOWNSHIP, COUNTY)
        .reject("no cardiology beds", NOW + Duration::hours(30))
        .unwrap()
        .0;
    let escalated = create(upward(3, Urgency::Routine), TOWNSHIP, COUNTY)
        .escalate(NOW + Duration::hours(25))
        .unwrap()
        .0;
    let (done, _) = quick
        .clone()
        .arrive(NOW + Duration::days(2))
        .unwrap()
        .0
        .complete(summary(), NOW + Duration::days(5), &p)
        .unwrap();
    let down = create(downward(5), COUNTY, TOWNSHIP);
    // Two upward referrals of a managed patient: one whose plan was done by the follow-up day,
    // one whose plan is still waiting.
    let enrolment = township_enrolment(&p);
    let plan = |id: u128| {
        enrolment
            .schedule(
                PlanId::from_u128(id),
                VISIT_DAY + Duration::days(10),
                yigong_domain::followup::PlanOrigin::Enrolment,
            )
            .unwrap()
            .0
    };
    let visited = plan(70)
        .record_visit(
            yigong_domain::ids::VisitId::from_u128(9),
            &yigong_domain::followup::Visit::Hypertension(htn(128, 78)),
            60,
            PlanId::from_u128(71),
            &p,
        )
        .unwrap()
        .done;
    let followed = create(upward(6, Urgency::Routine), TOWNSHIP, COUNTY)
        .followed_up_by(vec![PlanId::from_u128(70)]);
    let waiting = create(upward(7, Urgency::Routine), TOWNSHIP, COUNTY)
        .followed_up_by(vec![PlanId::from_u128(80)]);
    let plans: std::collections::HashMap<_, _> =
        [(visited.id(), visited), (PlanId::from_u128(80), plan(80))].into();
    let counted = [&quick, &late, &escalated, &done, &down];
    let f = ReferralFigures::tally(counted, &plans, VISIT_DAY, &p);
    assert_eq!((f.upward, f.downward), (4, 1));
    // quick and done were answered at 2 h (in time), late at 30 h (past its 24 h).
    assert_eq!((f.answered, f.answered_in_time), (3, 2));
    assert_eq!(f.median_answer_minutes, Some(120));
    assert_eq!(f.escalated, 1);
    assert_eq!(f.rejected.get("no cardiology beds"), Some(&1));
    assert_eq!((f.completed, f.reported_back), (1, 1));
    assert_eq!((f.results_recognised, f.results_repeated), (0, 0));
    // None of those four upward referrals names a plan of the sender.
    assert_eq!((f.follow_ups_unplanned, f.follow_ups_due), (4, 0));
    // The follow-up day (14 days on) has not come today; 20 days on, one of two was done.
    let soon = ReferralFigures::tally([&followed, &waiting], &plans, VISIT_DAY, &p);
    assert_eq!((soon.follow_ups_due, soon.follow_ups_done), (0, 0));
    let later = VISIT_DAY + Duration::days(20);
    let f = ReferralFigures::tally([&followed, &waiting], &plans, later, &p);
    assert_eq!((f.follow_ups_due, f.follow_ups_done), (2, 1));
}
