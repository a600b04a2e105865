//! Remote consultation (远程会诊): a township clinician asks a county institution of its
//! medical community for a specialist's opinion on a patient; the county schedules, answers
//! in writing or declines; the requester may cancel while it is open. The video call itself
//! is external.
//!
//! Who does what is [`Principal::asks_consultation`] (a clinician of the requesting
//! institution, who must also see the patient, in the command's transaction) and
//! [`Principal::consulted_on`] (a clinician of the institution asked: being asked is what lets
//! them read the consultation, as a referral's receiver reads its slip). The domain decides
//! every transition; the service loads, checks who, and writes.
//!
//! ## Files
//! - `command`: asking, and each transition.
//! - `list`: a consultation with the attached reports as they stand, and either party's list.

mod command;
mod list;

use std::sync::Arc;

use yigong_ports::{ConsultationQueries, DiagnosisQueries};

use crate::Deps;
#[cfg(doc)]
use crate::Principal;

pub use command::{ConsultationInput, ConsultationStep};
pub use list::{ConsultationRead, ConsultationView};

/// The remote-consultation use cases.
pub struct ConsultationService {
    deps: Deps,
    consultations: Arc<dyn ConsultationQueries>,
    /// The remote-diagnosis requests whose reports are attached.
    diagnosis: Arc<dyn DiagnosisQueries>,
}

impl ConsultationService {
    /// Builds the service over its ports.
    pub fn new(
        deps: Deps,
        consultations: Arc<dyn ConsultationQueries>,
        diagnosis: Arc<dyn DiagnosisQueries>,
    ) -> Self {
        Self {
            deps,
            consultations,
            diagnosis,
        }
    }
}
