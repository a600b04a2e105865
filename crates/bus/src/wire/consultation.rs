//! Remote-consultation events as their messages.

use yigong_domain::consultation::ConsultationEvent as E;
use yigong_domain::ids::ConsultationId;
use yigong_proto::v1;
use yigong_proto::v1::event::Payload;

use super::timestamp;

fn id(consultation: ConsultationId) -> String {
    consultation.as_uuid().to_string()
}

/// The message of a remote-consultation event.
pub(super) fn payload(event: E) -> Payload {
    match event {
        E::ConsultationRequested {
            consultation,
            patient,
            requester_institution,
            consultant,
            proposed_at,
            at,
        } => Payload::ConsultationRequested(v1::ConsultationRequested {
            consultation: id(consultation),
            patient: patient.as_uuid().to_string(),
            requester_institution: requester_institution.as_uuid().to_string(),
            consultant: consultant.as_uuid().to_string(),
            proposed_time: Some(timestamp(proposed_at)),
            at: Some(timestamp(at)),
        }),
        E::ConsultationScheduled {
            consultation,
            specialist,
            scheduled_for,
            at,
        } => Payload::ConsultationScheduled(v1::ConsultationScheduled {
            consultation: id(consultation),
            specialist,
            scheduled_time: Some(timestamp(scheduled_for)),
            at: Some(timestamp(at)),
        }),
        E::ConsultationAnswered {
            consultation,
            specialist,
            at,
        } => Payload::ConsultationAnswered(v1::ConsultationAnswered {
            consultation: id(consultation),
            specialist,
            at: Some(timestamp(at)),
        }),
        E::ConsultationDeclined { consultation, at } => {
            Payload::ConsultationDeclined(v1::ConsultationDeclined {
                consultation: id(consultation),
                at: Some(timestamp(at)),
            })
        }
        E::ConsultationCancelled { consultation, at } => {
            Payload::ConsultationCancelled(v1::ConsultationCancelled {
                consultation: id(consultation),
                at: Some(timestamp(at)),
            })
        }
    }
}
