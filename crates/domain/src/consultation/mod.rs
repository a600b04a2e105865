//! Remote consultation (远程会诊, `domain-rules.md` §12): a clinician at a township or village
//! institution asks a specialist of a county-level institution in the same medical community
//! for a written opinion on a patient, with attachments, a question and a proposed time. The
//! county schedules a specialist (optional: the video call itself runs outside Yigong) and
//! answers in writing, or declines; the requester may cancel before the answer.
//!
//! The opinion is written because it is what stays in the patient's record and what the
//! requester acts on; the call is only how the specialist came to it. The record model follows
//! FHIR R4: the request is a `ServiceRequest` (category consultation), the agreed time an
//! `Appointment`, the attachments `Attachment`s or `DiagnosticReport`s, the answer a
//! `Communication` in response (`docs/domain.md` names the counterpart of each field).
//!
//! ## Files
//! - `consultation`: the [`Consultation`] and its states ([`Status`]), the written [`Answer`],
//!   how one closed without an answer ([`Closing`]).
//! - `attachment`: what comes with the question ([`Attachment`]): a Yigong diagnostic report or
//!   a document by its URL and media type, checked by their grammar ([`AttachmentForm`]).
//! - `event`: [`ConsultationEvent`], one per transition.
//! - `error`: [`ConsultationError`].

mod attachment;
// The file is named for its aggregate, like every other file of a folder per concept.
#[allow(clippy::module_inception)]
mod consultation;
mod error;
mod event;

pub use attachment::{Attachment, AttachmentForm, MAX_ATTACHMENTS, MAX_URL};
pub use consultation::{Answer, Closing, Consultation, MAX_DAYS_AHEAD, NewConsultation, Status};
pub use error::ConsultationError;
pub use event::ConsultationEvent;

/// Who asks: the same requester as a remote-diagnosis request's (institution and clinician).
pub use crate::diagnosis::Requester;
