//! Remote-diagnosis events as their messages.

use yigong_domain::diagnosis::DiagnosisEvent as E;
use yigong_proto::v1;
use yigong_proto::v1::event::Payload;

use super::{code, timestamp};

fn id(request: yigong_domain::ids::DiagnosisRequestId) -> String {
    request.as_uuid().to_string()
}

/// The message of a remote-diagnosis event.
pub(super) fn payload(event: E) -> Result<Payload, String> {
    Ok(match event {
        E::CentreOpened {
            centre,
            institution,
            modalities,
        } => Payload::CentreOpened(v1::CentreOpened {
            centre: centre.as_uuid().to_string(),
            institution: institution.as_uuid().to_string(),
            modalities: modalities.iter().map(|m| m.code().to_owned()).collect(),
        }),
        E::ReaderAppointed {
            centre,
            reader,
            grade,
        } => Payload::ReaderAppointed(v1::ReaderAppointed {
            centre: centre.as_uuid().to_string(),
            reader,
            grade: grade.code().to_owned(),
        }),
        E::DiagnosisRequested {
            request,
            patient,
            centre,
            modality,
            priority,
            at,
        } => Payload::DiagnosisRequested(v1::DiagnosisRequested {
            request: id(request),
            patient: patient.as_uuid().to_string(),
            centre: centre.as_uuid().to_string(),
            modality: code(&modality)?,
            priority: code(&priority)?,
            at: Some(timestamp(at)),
        }),
        E::StudyAcquired { request, at } => Payload::StudyAcquired(v1::StudyAcquired {
            request: id(request),
            at: Some(timestamp(at)),
        }),
        E::ReadingClaimed {
            request,
            reader,
            at,
        } => Payload::ReadingClaimed(v1::ReadingClaimed {
            request: id(request),
            reader,
            at: Some(timestamp(at)),
        }),
        E::ReadingReleased {
            request,
            reader,
            at,
        } => Payload::ReadingReleased(v1::ReadingReleased {
            request: id(request),
            reader,
            at: Some(timestamp(at)),
        }),
        E::PreliminaryReported {
            request,
            reader,
            positive,
            at,
        } => Payload::PreliminaryReported(v1::PreliminaryReported {
            request: id(request),
            reader,
            positive,
            at: Some(timestamp(at)),
        }),
        E::ReportVerified {
            request,
            verifier,
            version,
            at,
        } => Payload::ReportVerified(v1::ReportVerified {
            request: id(request),
            verifier,
            version: u32::from(version),
            at: Some(timestamp(at)),
        }),
        E::ReportAmended {
            request,
            version,
            reason,
            at,
        } => Payload::ReportAmended(v1::ReportAmended {
            request: id(request),
            version: u32::from(version),
            reason,
            at: Some(timestamp(at)),
        }),
        E::ReportAcknowledged { request, by, at } => {
            Payload::ReportAcknowledged(v1::ReportAcknowledged {
                request: id(request),
                by,
                at: Some(timestamp(at)),
            })
        }
        E::DiagnosisCancelled {
            request,
            reason,
            at,
        } => Payload::DiagnosisCancelled(v1::DiagnosisCancelled {
            request: id(request),
            reason,
            at: Some(timestamp(at)),
        }),
        E::CriticalValueFlagged { request, at } => {
            Payload::CriticalValueFlagged(v1::CriticalValueFlagged {
                request: id(request),
                at: Some(timestamp(at)),
            })
        }
        E::CriticalValueAcknowledged { request, by, at } => {
            Payload::CriticalValueAcknowledged(v1::CriticalValueAcknowledged {
                request: id(request),
                by,
                at: Some(timestamp(at)),
            })
        }
        E::CriticalValueEscalated { request, level, at } => {
            Payload::CriticalValueEscalated(v1::CriticalValueEscalated {
                request: id(request),
                level: code(&level)?,
                at: Some(timestamp(at)),
            })
        }
        E::TurnaroundBreached {
            request,
            centre,
            priority,
            due,
            at,
        } => Payload::TurnaroundBreached(v1::TurnaroundBreached {
            request: id(request),
            centre: centre.as_uuid().to_string(),
            priority: code(&priority)?,
            due: Some(timestamp(due)),
            at: Some(timestamp(at)),
        }),
    })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;
    use yigong_domain::diagnosis::{DiagnosisEvent, EscalationLevel, Modality, Priority};
    use yigong_domain::event::DomainEvent;
    use yigong_domain::ids::{DiagnosisCentreId, DiagnosisRequestId, ResidentId};

    use super::payload;

    /// `diagnosis.report_verified` → `ReportVerified`.
    fn message_name(type_name: &str) -> String {
        let event = type_name.split_once('.').map_or(type_name, |(_, e)| e);
        event
            .split('_')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect()
    }

    #[test]
    fn each_event_is_the_message_of_its_name() {
        let request = DiagnosisRequestId::from_u128(1);
        let at = datetime!(2026-05-04 08:00 UTC);
        let by = "dr-wang".to_owned();
        let centre = DiagnosisCentreId::from_u128(3);
        let events = [
            DiagnosisEvent::CentreOpened {
                centre,
                institution: yigong_domain::ids::InstitutionId::from_u128(4),
                modalities: vec![Modality::Ecg],
            },
            DiagnosisEvent::ReaderAppointed {
                centre,
                reader: by.clone(),
                grade: yigong_domain::diagnosis::Grade::Chief,
            },
            DiagnosisEvent::DiagnosisRequested {
                request,
                patient: ResidentId::from_u128(2),
                centre: DiagnosisCentreId::from_u128(3),
                modality: Modality::Ecg,
                priority: Priority::Urgent,
                at,
            },
            DiagnosisEvent::StudyAcquired { request, at },
            DiagnosisEvent::ReadingClaimed {
                request,
                reader: by.clone(),
                at,
            },
            DiagnosisEvent::ReadingReleased {
                request,
                reader: by.clone(),
                at,
            },
            DiagnosisEvent::PreliminaryReported {
                request,
                reader: by.clone(),
                positive: true,
                at,
            },
            DiagnosisEvent::ReportVerified {
                request,
                verifier: by.clone(),
                version: 1,
                at,
            },
            DiagnosisEvent::ReportAmended {
                request,
                version: 2,
                reason: "补充".to_owned(),
                at,
            },
            DiagnosisEvent::ReportAcknowledged {
                request,
                by: by.clone(),
                at,
            },
            DiagnosisEvent::DiagnosisCancelled {
                request,
                reason: "重复申请".to_owned(),
                at,
            },
            DiagnosisEvent::CriticalValueFlagged { request, at },
            DiagnosisEvent::CriticalValueAcknowledged { request, by, at },
            DiagnosisEvent::CriticalValueEscalated {
                request,
                level: EscalationLevel::CommunityDesk,
                at,
            },
            DiagnosisEvent::TurnaroundBreached {
                request,
                centre: DiagnosisCentreId::from_u128(3),
                priority: Priority::Emergency,
                due: at,
                at,
            },
        ];
        for event in events {
            let domain = DomainEvent::from(event.clone());
            let json = serde_json::to_value(&domain).unwrap();
            assert_eq!(serde_json::from_value::<DomainEvent>(json).unwrap(), domain);
            let name = message_name(domain.type_name());
            let message = format!("{:?}", payload(event).unwrap());
            assert!(
                message.starts_with(&format!("{name}(")),
                "{name}: {message}"
            );
            assert!(
                message.contains(&request.as_uuid().to_string())
                    || message.contains(&centre.as_uuid().to_string()),
                "{message}"
            );
        }
    }
}
