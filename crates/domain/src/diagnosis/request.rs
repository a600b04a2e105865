//! A remote-diagnosis request (FHIR `ServiceRequest`, with the study as `ImagingStudy` and the
//! report as `DiagnosticReport`): requested → acquired → in reading (one reader's claim) →
//! preliminary report → verified by a second reader of the profile's grade → acknowledged by
//! the requesting institution; cancelled only before acquisition (DX-STATES). A verified
//! report changes only as a new version with a reason (DX-AMEND); every version stays.
//!
//! Two clocks run on a request: the turnaround from acquisition to verification
//! (DX-TURNAROUND, per priority) and, once a reader flags a critical value, its
//! acknowledgment (DX-CRITICAL). The deadline jobs ask each request when its next deadline is.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::acquisition::Acquisition;
use super::centre::DiagnosisCentre;
use super::error::DiagnosisError;
use super::event::{DiagnosisEvent, EscalationLevel};
use super::modality::{Grade, Modality, Priority};
use crate::ids::{DiagnosisCentreId, DiagnosisRequestId, InstitutionId, ResidentId};
use crate::network::Network;
use crate::profile::RuleProfile;
use crate::vocabulary::codes;

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Requested; nothing acquired yet.
    Requested,
    /// The study, file or specimen is at the centre, waiting for a reader.
    Acquired,
    /// Claimed by one reader.
    InReading,
    /// The reader's preliminary report waits for verification.
    Preliminary,
    /// Verified: the report is final (and may be amended).
    Verified,
    /// The requesting institution has read the verified report.
    Acknowledged,
    /// Cancelled before acquisition.
    Cancelled,
}

codes!(Status {
    Requested => "requested",
    Acquired => "acquired",
    InReading => "in_reading",
    Preliminary => "preliminary",
    Verified => "verified",
    Acknowledged => "acknowledged",
    Cancelled => "cancelled",
});

impl Status {
    /// Waiting for the centre: on its readers' worklist.
    pub const fn awaits_reader(self) -> bool {
        matches!(
            self,
            Status::Acquired | Status::InReading | Status::Preliminary
        )
    }

    /// What a reader's watch of the worklist shows: a request on it, or one its verification
    /// just took off it (the only way off: a request is cancelled before it is acquired).
    pub const fn watched_by_readers(self) -> bool {
        self.awaits_reader() || matches!(self, Status::Verified)
    }
}

/// Who asked: the requesting institution and its clinician.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requester {
    /// The institution.
    pub institution: InstitutionId,
    /// The clinician (their user id).
    pub clinician: String,
}

/// A reader at the centre, with their grade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reader {
    /// Their user id.
    pub user: String,
    /// Their grade.
    pub grade: Grade,
}

/// A request as a requesting clinician states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRequest {
    /// Its id.
    pub id: DiagnosisRequestId,
    /// The patient.
    pub patient: ResidentId,
    /// Who asks.
    pub requester: Requester,
    /// What is acquired.
    pub modality: Modality,
    /// The exam item (`ServiceRequest.code`), e.g. 胸部正位片, 十二导联心电图.
    pub exam_item: String,
    /// Clinical information for the reader (`ServiceRequest.reasonCode` and `note`).
    pub clinical_info: String,
    /// How urgently.
    pub priority: Priority,
}

/// A report as a reader writes it (`DiagnosticReport.presentedForm` and `conclusion`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportForm {
    /// What was seen (所见).
    pub findings: String,
    /// The conclusion (诊断意见).
    pub impression: String,
    /// Whether the result is positive (abnormal), for the positive rate.
    pub positive: bool,
    /// A critical value (危急值) found, if any.
    pub critical: Option<String>,
}

impl ReportForm {
    fn checked(self) -> Result<ReportForm, DiagnosisError> {
        Ok(ReportForm {
            findings: DiagnosisError::text("findings", &self.findings, 4000)?,
            impression: DiagnosisError::text("impression", &self.impression, 1000)?,
            positive: self.positive || self.critical.is_some(),
            critical: self
                .critical
                .as_deref()
                .map(|c| DiagnosisError::text("critical", c, 500))
                .transpose()?,
        })
    }
}

/// One version of the verified report; version 1 is the verified preliminary report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportVersion {
    /// 1, 2, …
    pub version: u16,
    /// The report.
    pub report: ReportForm,
    /// Who wrote it.
    pub author: Reader,
    /// Who verified it (the author, for an amendment by a reader of the verifying grade).
    pub verifier: Reader,
    /// When it became final.
    pub at: OffsetDateTime,
    /// Why it replaced the one before (amendments only).
    pub reason: Option<String>,
}

/// A critical value flagged on the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriticalValue {
    /// What was found.
    pub finding: String,
    /// When the reader flagged it.
    pub flagged_at: OffsetDateTime,
    /// Who acknowledged it and when.
    pub acknowledged: Option<(String, OffsetDateTime)>,
    /// The escalations so far: duty desk, then community desk.
    pub escalated: Vec<(EscalationLevel, OffsetDateTime)>,
}

/// A remote-diagnosis request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosisRequest {
    id: DiagnosisRequestId,
    patient: ResidentId,
    centre: DiagnosisCentreId,
    centre_institution: InstitutionId,
    requester: Requester,
    modality: Modality,
    exam_item: String,
    clinical_info: String,
    priority: Priority,
    requested_at: OffsetDateTime,
    status: Status,
    acquisition: Option<(Acquisition, OffsetDateTime)>,
    claim: Option<(Reader, OffsetDateTime)>,
    preliminary: Option<(ReportForm, OffsetDateTime)>,
    reports: Vec<ReportVersion>,
    acknowledged: Option<(String, OffsetDateTime)>,
    cancelled: Option<(String, OffsetDateTime)>,
    critical: Option<CriticalValue>,
    turnaround_breached: Option<OffsetDateTime>,
}

type Changed = Result<(DiagnosisRequest, Vec<DiagnosisEvent>), DiagnosisError>;

impl DiagnosisRequest {
    /// Creates a request of `centre`, which must read the modality and serve the requesting
    /// institution's medical community (DX-CENTRE).
    pub fn create(
        new: NewRequest,
        centre: &DiagnosisCentre,
        network: &Network,
        at: OffsetDateTime,
    ) -> Changed {
        if !centre.reads(new.modality) {
            return Err(DiagnosisError::ModalityNotServed(new.modality));
        }
        let served = network
            .community(centre.community())
            .is_ok_and(|c| c.contains(new.requester.institution));
        if !served {
            return Err(DiagnosisError::OutsideCommunity);
        }
        let request = DiagnosisRequest {
            id: new.id,
            patient: new.patient,
            centre: centre.id(),
            centre_institution: centre.institution(),
            requester: Requester {
                institution: new.requester.institution,
                clinician: DiagnosisError::text("clinician", &new.requester.clinician, 128)?,
            },
            modality: new.modality,
            exam_item: DiagnosisError::text("exam_item", &new.exam_item, 200)?,
            clinical_info: DiagnosisError::text("clinical_info", &new.clinical_info, 2000)?,
            priority: new.priority,
            requested_at: at,
            status: Status::Requested,
            acquisition: None,
            claim: None,
            preliminary: None,
            reports: Vec::new(),
            acknowledged: None,
            cancelled: None,
            critical: None,
            turnaround_breached: None,
        };
        let event = DiagnosisEvent::DiagnosisRequested {
            request: request.id,
            patient: request.patient,
            centre: request.centre,
            modality: request.modality,
            priority: request.priority,
            at,
        };
        Ok((request, vec![event]))
    }

    fn expect(&self, allowed: &[Status], command: &'static str) -> Result<(), DiagnosisError> {
        if allowed.contains(&self.status) {
            Ok(())
        } else {
            Err(DiagnosisError::WrongState {
                status: self.status,
                command,
            })
        }
    }

    /// The study, file or specimen arrived (its identifiers checked against the modality by
    /// [`AcquisitionForm::validate`](super::AcquisitionForm::validate)).
    pub fn acquire(mut self, acquisition: Acquisition, at: OffsetDateTime) -> Changed {
        self.expect(&[Status::Requested], "acquired")?;
        if acquisition_kind(&acquisition) != self.modality.acquisition_kind() {
            return Err(DiagnosisError::ModalityNotServed(self.modality));
        }
        self.acquisition = Some((acquisition, at));
        self.status = Status::Acquired;
        let event = DiagnosisEvent::StudyAcquired {
            request: self.id,
            at,
        };
        Ok((self, vec![event]))
    }

    /// Cancelled before anything was acquired.
    pub fn cancel(mut self, reason: &str, at: OffsetDateTime) -> Changed {
        self.expect(&[Status::Requested], "cancelled")?;
        let reason = DiagnosisError::text("reason", reason, 500)?;
        self.cancelled = Some((reason.clone(), at));
        self.status = Status::Cancelled;
        let event = DiagnosisEvent::DiagnosisCancelled {
            request: self.id,
            reason,
            at,
        };
        Ok((self, vec![event]))
    }

    /// A reader claims the request: exactly one claim stands (DX-CLAIM); the holder claiming
    /// again changes nothing.
    pub fn claim(mut self, reader: Reader, at: OffsetDateTime) -> Changed {
        if self.status == Status::InReading {
            return match &self.claim {
                Some((holder, _)) if holder.user == reader.user => Ok((self, Vec::new())),
                _ => Err(DiagnosisError::ClaimedByAnother),
            };
        }
        self.expect(&[Status::Acquired], "claimed")?;
        let event = DiagnosisEvent::ReadingClaimed {
            request: self.id,
            reader: reader.user.clone(),
            at,
        };
        self.claim = Some((reader, at));
        self.status = Status::InReading;
        Ok((self, vec![event]))
    }

    fn holder(&self, reader: &Reader) -> Result<(), DiagnosisError> {
        match &self.claim {
            Some((holder, _)) if holder.user == reader.user => Ok(()),
            _ => Err(DiagnosisError::ClaimedByAnother),
        }
    }

    /// The holder gives the request back to the worklist.
    pub fn release(mut self, reader: &Reader, at: OffsetDateTime) -> Changed {
        self.expect(&[Status::InReading], "released")?;
        self.holder(reader)?;
        self.claim = None;
        self.status = Status::Acquired;
        let event = DiagnosisEvent::ReadingReleased {
            request: self.id,
            reader: reader.user.clone(),
            at,
        };
        Ok((self, vec![event]))
    }

    /// The holder writes the preliminary report; a critical value in it is flagged at once,
    /// before verification (DX-CRITICAL: the clinician must not wait for the second reader).
    pub fn report(mut self, reader: &Reader, form: ReportForm, at: OffsetDateTime) -> Changed {
        self.expect(&[Status::InReading], "reported")?;
        self.holder(reader)?;
        let form = form.checked()?;
        let mut events = vec![DiagnosisEvent::PreliminaryReported {
            request: self.id,
            reader: reader.user.clone(),
            positive: form.positive,
            at,
        }];
        events.extend(self.flag(form.critical.as_deref(), at));
        self.preliminary = Some((form, at));
        self.status = Status::Preliminary;
        Ok((self, events))
    }

    /// Flags `critical` unless one waits for acknowledgment already.
    fn flag(&mut self, critical: Option<&str>, at: OffsetDateTime) -> Option<DiagnosisEvent> {
        let finding = critical?;
        if self
            .critical
            .as_ref()
            .is_some_and(|c| c.acknowledged.is_none())
        {
            return None;
        }
        self.critical = Some(CriticalValue {
            finding: finding.to_owned(),
            flagged_at: at,
            acknowledged: None,
            escalated: Vec::new(),
        });
        Some(DiagnosisEvent::CriticalValueFlagged {
            request: self.id,
            at,
        })
    }

    fn may_verify(verifier: &Reader, profile: &RuleProfile) -> Result<(), DiagnosisError> {
        let required = profile.diagnosis.verifier_grade;
        if verifier.grade < required {
            return Err(DiagnosisError::GradeTooLow {
                grade: verifier.grade,
                required,
            });
        }
        Ok(())
    }

    /// A second reader of the profile's grade verifies the preliminary report (DX-VERIFY):
    /// it becomes version 1.
    pub fn verify(
        mut self,
        verifier: Reader,
        at: OffsetDateTime,
        profile: &RuleProfile,
    ) -> Changed {
        self.expect(&[Status::Preliminary], "verified")?;
        let Some(((author, _), (report, _))) = self.claim.clone().zip(self.preliminary.take())
        else {
            return Err(DiagnosisError::WrongState {
                status: self.status,
                command: "verified",
            });
        };
        if author.user == verifier.user {
            return Err(DiagnosisError::SameReader);
        }
        Self::may_verify(&verifier, profile)?;
        let event = DiagnosisEvent::ReportVerified {
            request: self.id,
            verifier: verifier.user.clone(),
            version: 1,
            at,
        };
        self.reports.push(ReportVersion {
            version: 1,
            report,
            author,
            verifier,
            at,
            reason: None,
        });
        self.status = Status::Verified;
        Ok((self, vec![event]))
    }

    /// A verified report amended as a new version with its reason, by a reader of the
    /// verifying grade (DX-AMEND). The requester acknowledges the new version again.
    pub fn amend(
        mut self,
        by: Reader,
        form: ReportForm,
        reason: &str,
        at: OffsetDateTime,
        profile: &RuleProfile,
    ) -> Changed {
        self.expect(&[Status::Verified, Status::Acknowledged], "amended")?;
        Self::may_verify(&by, profile)?;
        let reason = DiagnosisError::text("reason", reason, 500)?;
        let form = form.checked()?;
        let version = self
            .reports
            .last()
            .map_or(1, |r| r.version.saturating_add(1));
        let mut events = vec![DiagnosisEvent::ReportAmended {
            request: self.id,
            version,
            reason: reason.clone(),
            at,
        }];
        events.extend(self.flag(form.critical.as_deref(), at));
        self.reports.push(ReportVersion {
            version,
            report: form,
            author: by.clone(),
            verifier: by,
            at,
            reason: Some(reason),
        });
        self.acknowledged = None;
        self.status = Status::Verified;
        Ok((self, events))
    }

    /// The requesting institution's clinician has read the verified report (DX-ACK).
    pub fn acknowledge(
        mut self,
        institution: InstitutionId,
        clinician: &str,
        at: OffsetDateTime,
    ) -> Changed {
        self.expect(&[Status::Verified], "acknowledged")?;
        if institution != self.requester.institution {
            return Err(DiagnosisError::NotTheRequester);
        }
        let clinician = DiagnosisError::text("clinician", clinician, 128)?;
        self.acknowledged = Some((clinician.clone(), at));
        self.status = Status::Acknowledged;
        let event = DiagnosisEvent::ReportAcknowledged {
            request: self.id,
            by: clinician,
            at,
        };
        Ok((self, vec![event]))
    }

    /// The requesting institution acknowledges the critical value that waits.
    pub fn acknowledge_critical(
        mut self,
        institution: InstitutionId,
        clinician: &str,
        at: OffsetDateTime,
    ) -> Changed {
        if institution != self.requester.institution {
            return Err(DiagnosisError::NotTheRequester);
        }
        let clinician = DiagnosisError::text("clinician", clinician, 128)?;
        let Some(critical) = self.critical.as_mut().filter(|c| c.acknowledged.is_none()) else {
            return Err(DiagnosisError::NoCriticalValue);
        };
        critical.acknowledged = Some((clinician.clone(), at));
        let event = DiagnosisEvent::CriticalValueAcknowledged {
            request: self.id,
            by: clinician,
            at,
        };
        Ok((self, vec![event]))
    }

    /// When the turnaround target falls: acquisition plus the priority's minutes, while the
    /// report is not yet verified (DX-TURNAROUND).
    pub fn turnaround_due(&self, profile: &RuleProfile) -> Option<OffsetDateTime> {
        let (_, acquired) = self.acquisition.as_ref()?;
        let d = &profile.diagnosis;
        let minutes = match self.priority {
            Priority::Emergency => d.emergency_minutes,
            Priority::Urgent => d.urgent_minutes,
            Priority::Routine => d.routine_minutes,
        };
        Some(*acquired + Duration::minutes(i64::from(minutes)))
    }

    /// Whether the first verification came within the target; `None` until verified.
    pub fn within_target(&self, profile: &RuleProfile) -> Option<bool> {
        let verified = self.reports.first()?.at;
        Some(verified <= self.turnaround_due(profile)?)
    }

    /// The next deadline a job must act on, and what it is: the turnaround breach of a report
    /// not yet verified, or the next escalation of an unacknowledged critical value.
    pub fn next_deadline(&self, profile: &RuleProfile) -> Option<OffsetDateTime> {
        let breach = (self.turnaround_breached.is_none() && self.status.awaits_reader())
            .then(|| self.turnaround_due(profile))
            .flatten();
        let critical = self.critical_escalation_due(profile).map(|(at, _)| at);
        match (breach, critical) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The next escalation of an unacknowledged critical value: the duty desk after the
    /// profile's minutes, the community's desk after as many again.
    pub fn critical_escalation_due(
        &self,
        profile: &RuleProfile,
    ) -> Option<(OffsetDateTime, EscalationLevel)> {
        let c = self
            .critical
            .as_ref()
            .filter(|c| c.acknowledged.is_none())?;
        let level = match c.escalated.len() {
            0 => EscalationLevel::DutyDesk,
            1 => EscalationLevel::CommunityDesk,
            _ => return None,
        };
        let steps = i64::try_from(c.escalated.len() + 1).unwrap_or(i64::MAX);
        let minutes = i64::from(profile.diagnosis.critical_ack_minutes).saturating_mul(steps);
        Some((c.flagged_at + Duration::minutes(minutes), level))
    }

    /// Whether a flagged critical value was acknowledged in time: before its first escalation
    /// fell due (the boundary [`DiagnosisRequest::run_deadlines`] escalates at); `None` with no
    /// critical value.
    pub fn critical_acknowledged_in_time(&self, profile: &RuleProfile) -> Option<bool> {
        let c = self.critical.as_ref()?;
        let due =
            c.flagged_at + Duration::minutes(i64::from(profile.diagnosis.critical_ack_minutes));
        Some(c.acknowledged.as_ref().is_some_and(|(_, at)| *at < due))
    }

    /// Runs whatever deadline has passed at `now`: a turnaround breach escalates to the
    /// centre's duty desk once; an unacknowledged critical value escalates a level. Nothing
    /// due is no change.
    pub fn run_deadlines(mut self, now: OffsetDateTime, profile: &RuleProfile) -> Changed {
        let mut events = Vec::new();
        if self.turnaround_breached.is_none()
            && self.status.awaits_reader()
            && let Some(due) = self.turnaround_due(profile)
            && due <= now
        {
            self.turnaround_breached = Some(now);
            events.push(DiagnosisEvent::TurnaroundBreached {
                request: self.id,
                centre: self.centre,
                priority: self.priority,
                due,
                at: now,
            });
        }
        while let Some((due, level)) = self.critical_escalation_due(profile)
            && due <= now
        {
            if let Some(c) = self.critical.as_mut() {
                c.escalated.push((level, now));
            }
            events.push(DiagnosisEvent::CriticalValueEscalated {
                request: self.id,
                level,
                at: now,
            });
        }
        Ok((self, events))
    }

    /// Its id.
    pub fn id(&self) -> DiagnosisRequestId {
        self.id
    }
    /// The patient.
    pub fn patient(&self) -> ResidentId {
        self.patient
    }
    /// The centre.
    pub fn centre(&self) -> DiagnosisCentreId {
        self.centre
    }
    /// The centre's institution.
    pub fn centre_institution(&self) -> InstitutionId {
        self.centre_institution
    }
    /// Who asked.
    pub fn requester(&self) -> &Requester {
        &self.requester
    }
    /// The modality.
    pub fn modality(&self) -> Modality {
        self.modality
    }
    /// The exam item.
    pub fn exam_item(&self) -> &str {
        &self.exam_item
    }
    /// The clinical information.
    pub fn clinical_info(&self) -> &str {
        &self.clinical_info
    }
    /// The priority.
    pub fn priority(&self) -> Priority {
        self.priority
    }
    /// When requested.
    pub fn requested_at(&self) -> OffsetDateTime {
        self.requested_at
    }
    /// Where it stands.
    pub fn status(&self) -> Status {
        self.status
    }
    /// What was acquired, and when.
    pub fn acquisition(&self) -> Option<&(Acquisition, OffsetDateTime)> {
        self.acquisition.as_ref()
    }
    /// The reader holding it, and since when (kept after the report, as its author).
    pub fn claim_holder(&self) -> Option<&(Reader, OffsetDateTime)> {
        self.claim.as_ref()
    }
    /// The preliminary report waiting for verification.
    pub fn preliminary(&self) -> Option<&(ReportForm, OffsetDateTime)> {
        self.preliminary.as_ref()
    }
    /// Every verified version, oldest first.
    pub fn reports(&self) -> &[ReportVersion] {
        &self.reports
    }
    /// Who acknowledged the current version, and when.
    pub fn acknowledged(&self) -> Option<&(String, OffsetDateTime)> {
        self.acknowledged.as_ref()
    }
    /// Why and when it was cancelled.
    pub fn cancelled(&self) -> Option<&(String, OffsetDateTime)> {
        self.cancelled.as_ref()
    }
    /// The critical value flagged, if any.
    pub fn critical(&self) -> Option<&CriticalValue> {
        self.critical.as_ref()
    }
    /// When the turnaround breach escalated, if it did.
    pub fn turnaround_breached(&self) -> Option<OffsetDateTime> {
        self.turnaround_breached
    }
}

fn acquisition_kind(a: &Acquisition) -> super::modality::AcquisitionKind {
    use super::modality::AcquisitionKind as K;
    match a {
        Acquisition::ImagingStudy { .. } => K::ImagingStudy,
        Acquisition::EcgFile { .. } => K::EcgFile,
        Acquisition::Specimen { .. } => K::Specimen,
    }
}
