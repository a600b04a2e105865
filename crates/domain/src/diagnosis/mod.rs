//! Remote diagnosis centres (县域影像/心电/检验/病理中心, `domain-rules.md` §12): a township
//! acquires, a county centre reads and reports back, and critical values never wait.
//!
//! The record model follows FHIR R4: a request is a `ServiceRequest`, what was acquired an
//! `ImagingStudy` (or `Media`/`Specimen`), the verified report a `DiagnosticReport`
//! (`docs/domain.md` names the counterpart of each field).
//!
//! ## Files
//! - `modality`: [`Modality`], [`Priority`] and the readers' [`Grade`].
//! - `acquisition`: what was acquired ([`Acquisition`]), DICOM UIDs by their grammar
//!   ([`StudyUid`]).
//! - `centre`: a [`DiagnosisCentre`] of a county institution, serving its community.
//! - `request`: the [`DiagnosisRequest`] and its states, its report versions, its turnaround
//!   and critical-value clocks.
//! - `result`: a verified report as the test result a referral attaches (DX-RESULT).
//! - `event`: [`DiagnosisEvent`], one per transition.
//! - `error`: [`DiagnosisError`].

mod acquisition;
mod centre;
mod error;
mod event;
mod modality;
mod request;
mod result;

pub use acquisition::{Acquisition, AcquisitionError, AcquisitionForm, MAX_UID, StudyUid};
pub use centre::DiagnosisCentre;
pub use error::DiagnosisError;
pub use event::{DiagnosisEvent, EscalationLevel};
pub use modality::{AcquisitionKind, Grade, Modality, Priority};
pub use request::{
    CriticalValue, DiagnosisRequest, NewRequest, Reader, ReportForm, ReportVersion, Requester,
    Status,
};
