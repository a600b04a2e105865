//! Events as protobuf messages (`yigong.v1.Event`, `proto/yigong/v1/events.proto`): what goes
//! on the wire to consumers in any language. The outbox keeps the domain's JSON; this module
//! decodes it into the domain event and maps each kind to its message.

use prost_types::Timestamp;
use time::OffsetDateTime;
use yigong_domain::contract::ContractEvent;
use yigong_domain::elderly::ElderlyCheckEvent;
use yigong_domain::event::DomainEvent;
use yigong_domain::followup::FollowUpEvent;
use yigong_domain::grid::GridEvent;
use yigong_domain::identity::ResidentEvent;
use yigong_domain::network::NetworkEvent;
use yigong_domain::referral::{AdviceEvent, ReferralEvent};
use yigong_domain::schedule::ScheduleEvent;
use yigong_domain::screening::{CaseEvent, ScreeningEvent};
use yigong_ports::StoredEvent;
use yigong_proto::google::r#type::Date;
use yigong_proto::v1;
use yigong_proto::v1::event::Payload;

mod consultation;
mod diagnosis;

/// Why an outbox row cannot be encoded: its payload is not an event this version knows (a
/// newer writer, a damaged row). The relay treats it as a refusal: retried, then dead-lettered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {event_id} ({event_type}) cannot be encoded: {reason}")]
pub struct EncodeError {
    /// The event.
    pub event_id: uuid::Uuid,
    /// Its type name.
    pub event_type: String,
    /// Why.
    pub reason: String,
}

/// The protobuf message of a stored event.
pub fn event_message(stored: &StoredEvent) -> Result<v1::Event, EncodeError> {
    let e = &stored.event;
    let fail = |reason: String| EncodeError {
        event_id: e.event_id,
        event_type: e.event_type.clone(),
        reason,
    };
    // Deserialized from the stored value by reference: no copy of the payload per event.
    let domain = <DomainEvent as serde::Deserialize>::deserialize(&e.payload)
        .map_err(|err| fail(err.to_string()))?;
    Ok(v1::Event {
        event_id: e.event_id.to_string(),
        schema_version: e.schema_version,
        event_type: e.event_type.clone(),
        community: e
            .community
            .map(|c| c.as_uuid().to_string())
            .unwrap_or_default(),
        aggregate_kind: e.aggregate_kind.clone(),
        aggregate_id: e.aggregate_id.to_string(),
        aggregate_sequence: stored.aggregate_sequence,
        sequence: stored.sequence,
        occurred_at: Some(timestamp(e.occurred_at)),
        payload: Some(payload(domain).map_err(fail)?),
    })
}

fn timestamp(at: OffsetDateTime) -> Timestamp {
    Timestamp {
        seconds: at.unix_timestamp(),
        nanos: i32::try_from(at.nanosecond()).unwrap_or(0),
    }
}

fn date(d: time::Date) -> Date {
    Date {
        year: d.year(),
        month: i32::from(u8::from(d.month())),
        day: i32::from(d.day()),
    }
}

/// A domain value's wire form: its `snake_case` code for a plain enum, its JSON text for a
/// value that carries data (an explanation, an appointment).
fn code<T: serde::Serialize>(value: &T) -> Result<String, String> {
    match serde_json::to_value(value).map_err(|e| e.to_string())? {
        serde_json::Value::String(code) => Ok(code),
        other => Ok(other.to_string()),
    }
}

#[allow(clippy::too_many_lines, reason = "one arm per event kind")]
fn payload(event: DomainEvent) -> Result<Payload, String> {
    Ok(match event {
        DomainEvent::Network(NetworkEvent::InstitutionRegistered { institution, kind }) => {
            Payload::InstitutionRegistered(v1::InstitutionRegistered {
                institution: institution.as_uuid().to_string(),
                kind: code(&kind)?,
            })
        }
        DomainEvent::Network(NetworkEvent::CommunityFounded { community, lead }) => {
            Payload::CommunityFounded(v1::CommunityFounded {
                community: community.as_uuid().to_string(),
                lead: lead.as_uuid().to_string(),
            })
        }
        DomainEvent::Network(NetworkEvent::InstitutionJoined {
            community,
            institution,
        }) => Payload::InstitutionJoined(v1::InstitutionJoined {
            community: community.as_uuid().to_string(),
            institution: institution.as_uuid().to_string(),
        }),
        DomainEvent::Network(NetworkEvent::InstitutionRenamed { institution }) => {
            Payload::InstitutionRenamed(v1::InstitutionRenamed {
                institution: institution.as_uuid().to_string(),
            })
        }
        DomainEvent::Network(NetworkEvent::InstitutionClosed { institution, on }) => {
            Payload::InstitutionClosed(v1::InstitutionClosed {
                institution: institution.as_uuid().to_string(),
                on: Some(date(on)),
            })
        }
        DomainEvent::Network(NetworkEvent::InstitutionLeft {
            community,
            institution,
        }) => Payload::InstitutionLeft(v1::InstitutionLeft {
            community: community.as_uuid().to_string(),
            institution: institution.as_uuid().to_string(),
        }),
        DomainEvent::Resident(ResidentEvent::ResidentRegistered {
            resident,
            household,
            resident_since,
        }) => Payload::ResidentRegistered(v1::ResidentRegistered {
            resident: resident.as_uuid().to_string(),
            household: household
                .map(|i| i.as_uuid().to_string())
                .unwrap_or_default(),
            resident_since: Some(date(resident_since)),
        }),
        DomainEvent::Resident(ResidentEvent::HouseholdChanged {
            resident,
            household,
        }) => Payload::HouseholdChanged(v1::HouseholdChanged {
            resident: resident.as_uuid().to_string(),
            household: household.as_uuid().to_string(),
        }),
        DomainEvent::Resident(ResidentEvent::ResidentMovedOut { resident, on }) => {
            Payload::ResidentMovedOut(v1::ResidentMovedOut {
                resident: resident.as_uuid().to_string(),
                on: Some(date(on)),
            })
        }
        DomainEvent::Resident(ResidentEvent::ResidentDied { resident, on }) => {
            Payload::ResidentDied(v1::ResidentDied {
                resident: resident.as_uuid().to_string(),
                on: Some(date(on)),
            })
        }
        DomainEvent::Resident(ResidentEvent::PersonalInfoChanged { resident, fields }) => {
            Payload::PersonalInfoChanged(v1::PersonalInfoChanged {
                resident: resident.as_uuid().to_string(),
                fields: fields.iter().map(|f| f.code().to_owned()).collect(),
            })
        }
        DomainEvent::Grid(GridEvent::AreaNodeAdded { node, kind, parent }) => {
            Payload::AreaNodeAdded(v1::AreaNodeAdded {
                node: node.as_uuid().to_string(),
                kind: code(&kind)?,
                parent: parent.map(|i| i.as_uuid().to_string()).unwrap_or_default(),
            })
        }
        DomainEvent::Grid(GridEvent::GridCreated { grid, area }) => {
            Payload::GridCreated(v1::GridCreated {
                grid: grid.as_uuid().to_string(),
                area: area.as_uuid().to_string(),
            })
        }
        DomainEvent::Grid(GridEvent::HouseholdAssigned { household, grid }) => {
            Payload::HouseholdAssigned(v1::HouseholdAssigned {
                household: household.as_uuid().to_string(),
                grid: grid.as_uuid().to_string(),
            })
        }
        DomainEvent::Grid(GridEvent::HouseholdsReassigned { households, to }) => {
            Payload::HouseholdsReassigned(v1::HouseholdsReassigned {
                households: households.iter().map(|i| i.as_uuid().to_string()).collect(),
                to: to.as_uuid().to_string(),
            })
        }
        DomainEvent::Grid(GridEvent::GridSplit { from, into, on }) => {
            Payload::GridSplit(v1::GridSplit {
                from: from.as_uuid().to_string(),
                into: into.iter().map(|i| i.as_uuid().to_string()).collect(),
                on: Some(date(on)),
            })
        }
        DomainEvent::Grid(GridEvent::GridsMerged { from, into, on }) => {
            Payload::GridsMerged(v1::GridsMerged {
                from: from.iter().map(|i| i.as_uuid().to_string()).collect(),
                into: into.as_uuid().to_string(),
                on: Some(date(on)),
            })
        }
        DomainEvent::Grid(GridEvent::TeamAssigned { grid, team, from }) => {
            Payload::TeamAssigned(v1::TeamAssigned {
                grid: grid.as_uuid().to_string(),
                team: team.as_uuid().to_string(),
                from: Some(date(from)),
            })
        }
        DomainEvent::Grid(GridEvent::TeamUnassigned { grid, team, on }) => {
            Payload::TeamUnassigned(v1::TeamUnassigned {
                grid: grid.as_uuid().to_string(),
                team: team.as_uuid().to_string(),
                on: Some(date(on)),
            })
        }
        DomainEvent::Contract(ContractEvent::TeamFormed {
            team,
            institution,
            members,
        }) => Payload::TeamFormed(v1::TeamFormed {
            team: team.as_uuid().to_string(),
            institution: institution.as_uuid().to_string(),
            members: u32::try_from(members).unwrap_or(u32::MAX),
        }),
        DomainEvent::Contract(ContractEvent::ContractSigned {
            contract,
            resident,
            team,
            start,
            end,
        }) => Payload::ContractSigned(v1::ContractSigned {
            contract: contract.as_uuid().to_string(),
            resident: resident.as_uuid().to_string(),
            team: team.as_uuid().to_string(),
            start: Some(date(start)),
            end: Some(date(end)),
        }),
        DomainEvent::Contract(ContractEvent::ContractRenewed { contract, renewal }) => {
            Payload::ContractRenewed(v1::ContractRenewed {
                contract: contract.as_uuid().to_string(),
                renewal: renewal.as_uuid().to_string(),
            })
        }
        DomainEvent::Contract(ContractEvent::ContractSwitched {
            contract,
            new_contract,
            team,
        }) => Payload::ContractSwitched(v1::ContractSwitched {
            contract: contract.as_uuid().to_string(),
            new_contract: new_contract.as_uuid().to_string(),
            team: team.as_uuid().to_string(),
        }),
        DomainEvent::Contract(ContractEvent::ContractExpiring {
            contract,
            resident,
            team,
            end,
        }) => Payload::ContractExpiring(v1::ContractExpiring {
            contract: contract.as_uuid().to_string(),
            resident: resident.as_uuid().to_string(),
            team: team.as_uuid().to_string(),
            end: Some(date(end)),
        }),
        DomainEvent::Contract(ContractEvent::ContractTerminated {
            contract,
            on,
            reason,
        }) => Payload::ContractTerminated(v1::ContractTerminated {
            contract: contract.as_uuid().to_string(),
            on: Some(date(on)),
            reason: code(&reason)?,
        }),
        DomainEvent::Screening(ScreeningEvent::ScreeningRecorded {
            screening,
            resident,
            programme,
            on,
            explanation,
        }) => Payload::ScreeningRecorded(v1::ScreeningRecorded {
            screening: screening.as_uuid().to_string(),
            resident: resident.as_uuid().to_string(),
            programme: code(&programme)?,
            on: Some(date(on)),
            explanation: code(&explanation)?,
        }),
        DomainEvent::Screening(ScreeningEvent::SuspectedCaseFlagged {
            screening,
            resident,
            programme,
            emergency,
            follow_up_by,
        }) => Payload::SuspectedCaseFlagged(v1::SuspectedCaseFlagged {
            screening: screening.as_uuid().to_string(),
            resident: resident.as_uuid().to_string(),
            programme: code(&programme)?,
            emergency,
            follow_up_by: follow_up_by.map(date),
        }),
        DomainEvent::CancerCase(CaseEvent::CaseOpened {
            case,
            resident,
            cancer,
            step,
            on,
        }) => Payload::CaseOpened(v1::CaseOpened {
            case: case.as_uuid().to_string(),
            resident: resident.as_uuid().to_string(),
            cancer: code(&cancer)?,
            step: code(&step)?,
            on: Some(date(on)),
        }),
        DomainEvent::CancerCase(CaseEvent::StepRecorded {
            case,
            step,
            abnormal,
            on,
        }) => Payload::StepRecorded(v1::StepRecorded {
            case: case.as_uuid().to_string(),
            step: code(&step)?,
            abnormal,
            on: Some(date(on)),
        }),
        DomainEvent::CancerCase(CaseEvent::ExamRecorded {
            exam,
            resident,
            step,
            abnormal,
            on,
        }) => Payload::ExamRecorded(v1::ExamRecorded {
            exam: exam.as_uuid().to_string(),
            resident: resident.as_uuid().to_string(),
            step: code(&step)?,
            abnormal,
            on: Some(date(on)),
        }),
        DomainEvent::Screening(ScreeningEvent::BatchImported { batch, rows }) => {
            Payload::ScreeningBatchImported(v1::ScreeningBatchImported {
                batch: batch.to_string(),
                rows,
            })
        }
        DomainEvent::CancerCase(CaseEvent::CaseClosed { case, result, on }) => {
            Payload::CaseClosed(v1::CaseClosed {
                case: case.as_uuid().to_string(),
                result: code(&result)?,
                on: Some(date(on)),
            })
        }
        DomainEvent::ElderlyCheck(ElderlyCheckEvent::CheckRecorded {
            check,
            resident,
            on,
            guided,
            annual_check_of,
            findings,
        }) => Payload::CheckRecorded(v1::CheckRecorded {
            check: check.as_uuid().to_string(),
            resident: resident.as_uuid().to_string(),
            on: Some(date(on)),
            guided,
            annual_check_of: annual_check_of
                .iter()
                .map(|c| c.code().to_owned())
                .collect(),
            findings: findings.iter().map(|f| f.code().to_owned()).collect(),
        }),
        DomainEvent::FollowUp(FollowUpEvent::PatientEnrolled {
            enrolment,
            patient,
            condition,
            team,
            on,
        }) => Payload::PatientEnrolled(v1::PatientEnrolled {
            enrolment: enrolment.as_uuid().to_string(),
            patient: patient.as_uuid().to_string(),
            condition: code(&condition)?,
            team: team.as_uuid().to_string(),
            on: Some(date(on)),
        }),
        DomainEvent::FollowUp(FollowUpEvent::EnrolmentClosed {
            enrolment,
            on,
            reason,
        }) => Payload::EnrolmentClosed(v1::EnrolmentClosed {
            enrolment: enrolment.as_uuid().to_string(),
            on: Some(date(on)),
            reason: code(&reason)?,
        }),
        DomainEvent::FollowUp(FollowUpEvent::PlanScheduled {
            plan,
            enrolment,
            due,
            origin,
        }) => Payload::PlanScheduled(v1::PlanScheduled {
            plan: plan.as_uuid().to_string(),
            enrolment: enrolment.as_uuid().to_string(),
            due: Some(date(due)),
            origin: code(&origin)?,
        }),
        DomainEvent::FollowUp(FollowUpEvent::VisitRecorded {
            plan,
            visit,
            patient,
            on,
            face_to_face,
            class,
            explanation,
        }) => Payload::VisitRecorded(v1::VisitRecorded {
            plan: plan.as_uuid().to_string(),
            visit: visit.as_uuid().to_string(),
            patient: patient.as_uuid().to_string(),
            on: Some(date(on)),
            face_to_face,
            class: code(&class)?,
            explanation: code(&explanation)?,
        }),
        DomainEvent::FollowUp(FollowUpEvent::ReferralRecommended {
            plan,
            patient,
            need,
        }) => Payload::ReferralRecommended(v1::ReferralRecommended {
            plan: plan.as_uuid().to_string(),
            patient: patient.as_uuid().to_string(),
            need: code(&need)?,
        }),
        DomainEvent::FollowUp(FollowUpEvent::OutreachRecorded { plan, on, outcome }) => {
            Payload::OutreachRecorded(v1::OutreachRecorded {
                plan: plan.as_uuid().to_string(),
                on: Some(date(on)),
                outcome: code(&outcome)?,
            })
        }
        DomainEvent::FollowUp(FollowUpEvent::PlanMissed { plan, on }) => {
            Payload::PlanMissed(v1::PlanMissed {
                plan: plan.as_uuid().to_string(),
                on: Some(date(on)),
            })
        }
        DomainEvent::FollowUp(FollowUpEvent::PatientLost { plan, patient, on }) => {
            Payload::PatientLost(v1::PatientLost {
                plan: plan.as_uuid().to_string(),
                patient: patient.as_uuid().to_string(),
                on: Some(date(on)),
            })
        }
        DomainEvent::FollowUp(FollowUpEvent::PlanClosed { plan, on, reason }) => {
            Payload::PlanClosed(v1::PlanClosed {
                plan: plan.as_uuid().to_string(),
                on: Some(date(on)),
                reason: code(&reason)?,
            })
        }
        DomainEvent::FollowUp(FollowUpEvent::PlanFellDue {
            plan,
            enrolment,
            patient,
            team,
            due,
            origin,
        }) => Payload::PlanFellDue(v1::PlanFellDue {
            plan: plan.as_uuid().to_string(),
            enrolment: enrolment.as_uuid().to_string(),
            patient: patient.as_uuid().to_string(),
            team: team.as_uuid().to_string(),
            due: Some(date(due)),
            origin: code(&origin)?,
        }),
        DomainEvent::FollowUp(FollowUpEvent::PlanOverdue {
            plan,
            enrolment,
            patient,
            team,
            due,
            since,
        }) => Payload::PlanOverdue(v1::PlanOverdue {
            plan: plan.as_uuid().to_string(),
            enrolment: enrolment.as_uuid().to_string(),
            patient: patient.as_uuid().to_string(),
            team: team.as_uuid().to_string(),
            due: Some(date(due)),
            since: Some(date(since)),
        }),
        DomainEvent::Referral(ReferralEvent::ReferralRequested {
            referral,
            patient,
            from,
            to,
            direction,
            urgency,
            awaiting_approval,
            respond_by,
        }) => Payload::ReferralRequested(v1::ReferralRequested {
            referral: referral.as_uuid().to_string(),
            patient: patient.as_uuid().to_string(),
            from: from.as_uuid().to_string(),
            to: to.as_uuid().to_string(),
            direction: code(&direction)?,
            urgency: code(&urgency)?,
            awaiting_approval,
            respond_by: respond_by.map(timestamp),
        }),
        DomainEvent::Referral(ReferralEvent::ReferralApproved {
            referral,
            respond_by,
        }) => Payload::ReferralApproved(v1::ReferralApproved {
            referral: referral.as_uuid().to_string(),
            respond_by: respond_by.map(timestamp),
        }),
        DomainEvent::Referral(ReferralEvent::ReferralAccepted {
            referral,
            appointment,
        }) => Payload::ReferralAccepted(v1::ReferralAccepted {
            referral: referral.as_uuid().to_string(),
            appointment: code(&appointment)?,
        }),
        DomainEvent::Referral(ReferralEvent::ReferralRejected { referral, reason }) => {
            Payload::ReferralRejected(v1::ReferralRejected {
                referral: referral.as_uuid().to_string(),
                reason,
            })
        }
        DomainEvent::Referral(ReferralEvent::ReferralCancelled { referral, reason }) => {
            Payload::ReferralCancelled(v1::ReferralCancelled {
                referral: referral.as_uuid().to_string(),
                reason,
            })
        }
        DomainEvent::Referral(ReferralEvent::PatientArrived {
            referral,
            at,
            green_channel,
        }) => Payload::PatientArrived(v1::PatientArrived {
            referral: referral.as_uuid().to_string(),
            at: Some(timestamp(at)),
            green_channel,
        }),
        DomainEvent::Referral(ReferralEvent::ReferralCompleted { referral, at }) => {
            Payload::ReferralCompleted(v1::ReferralCompleted {
                referral: referral.as_uuid().to_string(),
                at: Some(timestamp(at)),
            })
        }
        DomainEvent::Referral(ReferralEvent::ReferralEscalated {
            referral,
            community,
            at,
        }) => Payload::ReferralEscalated(v1::ReferralEscalated {
            referral: referral.as_uuid().to_string(),
            community: community
                .map(|i| i.as_uuid().to_string())
                .unwrap_or_default(),
            at: Some(timestamp(at)),
        }),
        DomainEvent::Referral(ReferralEvent::ArrivalMissed {
            referral,
            community,
            appointment,
            at,
        }) => Payload::ArrivalMissed(v1::ArrivalMissed {
            referral: referral.as_uuid().to_string(),
            community: community
                .map(|i| i.as_uuid().to_string())
                .unwrap_or_default(),
            appointment_time: Some(timestamp(appointment)),
            at: Some(timestamp(at)),
        }),
        DomainEvent::Session(ScheduleEvent::SessionPublished {
            session,
            held_at,
            date: day,
            capacity,
            reserved,
        }) => Payload::SessionPublished(v1::SessionPublished {
            session: session.as_uuid().to_string(),
            held_at: held_at.as_uuid().to_string(),
            date: Some(date(day)),
            capacity,
            reserved,
        }),
        DomainEvent::Session(ScheduleEvent::SlotBooked {
            session,
            referral,
            reserved,
        }) => Payload::SlotBooked(v1::SlotBooked {
            session: session.as_uuid().to_string(),
            referral: referral.as_uuid().to_string(),
            reserved,
        }),
        DomainEvent::Session(ScheduleEvent::SlotReleased { session, referral }) => {
            Payload::SlotReleased(v1::SlotReleased {
                session: session.as_uuid().to_string(),
                referral: referral.as_uuid().to_string(),
            })
        }
        DomainEvent::Advice(AdviceEvent::ReferralAdvised {
            advice,
            patient,
            institution,
            team,
            urgency,
            reason,
            escalate_at,
        }) => Payload::ReferralAdvised(v1::ReferralAdvised {
            advice: advice.as_uuid().to_string(),
            patient: patient.as_uuid().to_string(),
            institution: institution.as_uuid().to_string(),
            team: team.map(|t| t.as_uuid().to_string()).unwrap_or_default(),
            urgency: code(&urgency)?,
            reason: reason.code().to_owned(),
            escalate_time: escalate_at.map(timestamp),
        }),
        DomainEvent::Advice(AdviceEvent::AdviceReferred { advice, referral }) => {
            Payload::AdviceReferred(v1::AdviceReferred {
                advice: advice.as_uuid().to_string(),
                referral: referral.as_uuid().to_string(),
            })
        }
        DomainEvent::Advice(AdviceEvent::AdviceDeclined { advice, reason }) => {
            Payload::AdviceDeclined(v1::AdviceDeclined {
                advice: advice.as_uuid().to_string(),
                reason: reason.code().to_owned(),
            })
        }
        DomainEvent::Advice(AdviceEvent::AdviceEscalated {
            advice,
            community,
            at,
        }) => Payload::AdviceEscalated(v1::AdviceEscalated {
            advice: advice.as_uuid().to_string(),
            community: community
                .map(|i| i.as_uuid().to_string())
                .unwrap_or_default(),
            at: Some(timestamp(at)),
        }),
        DomainEvent::Session(ScheduleEvent::PatientsSeen { session, seen }) => {
            Payload::PatientsSeen(v1::PatientsSeen {
                session: session.as_uuid().to_string(),
                seen,
            })
        }
        DomainEvent::Referral(ReferralEvent::ReferralClosed { referral, evidence }) => {
            Payload::ReferralClosed(v1::ReferralClosed {
                referral: referral.as_uuid().to_string(),
                evidence: code(&evidence)?,
            })
        }
        DomainEvent::Referral(ReferralEvent::ResultAttached {
            referral,
            test,
            taken_on,
        }) => Payload::ResultAttached(v1::ResultAttached {
            referral: referral.as_uuid().to_string(),
            test: test.as_str().to_owned(),
            taken_date: Some(date(taken_on)),
        }),
        DomainEvent::Referral(ReferralEvent::SenderFollowUpDue {
            referral,
            patient,
            institution,
            due,
        }) => Payload::SenderFollowUpDue(v1::SenderFollowUpDue {
            referral: referral.as_uuid().to_string(),
            patient: patient.as_uuid().to_string(),
            institution: institution.as_uuid().to_string(),
            due: Some(date(due)),
        }),
        DomainEvent::Referral(ReferralEvent::DownwardFollowUpDue {
            referral,
            patient,
            institution,
            due,
        }) => Payload::DownwardFollowUpDue(v1::DownwardFollowUpDue {
            referral: referral.as_uuid().to_string(),
            patient: patient.as_uuid().to_string(),
            institution: institution.as_uuid().to_string(),
            due: Some(date(due)),
        }),
        DomainEvent::Diagnosis(e) => diagnosis::payload(e)?,
        DomainEvent::Consultation(e) => consultation::payload(e),
    })
}
