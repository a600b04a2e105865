//! Remote diagnosis centres (影像/心电/检验/病理中心): a township asks, acquires and sends; a
//! county centre's readers claim, report and verify; the report and any critical value come
//! back to the requesting institution.
//!
//! Who does what is [`Principal::reader_at`] (a rostered reader of the centre) and
//! [`Principal::requests_for`] (a clinician of the requesting institution); every command on a
//! request is a command on its patient, so it also passes the visibility check a read does, in
//! the command's transaction, and is audited with the patient. The domain decides every
//! transition; the service loads, checks who, and writes with the request's next deadline.
//!
//! ## Files
//! - `centre`: opening a centre and appointing its readers (operators of its institution).
//! - `request`: creating a request and each transition.
//! - `list`: a request, the readers' worklist, the requester's list, the centres.
//! - `figures`: a centre's indicators over a period.

mod centre;
mod figures;
mod list;
mod request;

use std::sync::Arc;

use yigong_ports::DiagnosisQueries;

use crate::Deps;

pub use figures::{CentreFigures, Interval, MAX_FIGURES_DAYS};
pub use request::{RequestInput, Transition};

/// The remote-diagnosis use cases.
pub struct DiagnosisService {
    deps: Deps,
    diagnosis: Arc<dyn DiagnosisQueries>,
}

impl DiagnosisService {
    /// Builds the service over its ports.
    pub fn new(deps: Deps, diagnosis: Arc<dyn DiagnosisQueries>) -> Self {
        Self { deps, diagnosis }
    }

    /// The rule profile the service decides by (the wire shows each request's turnaround).
    pub fn profile(&self) -> &yigong_domain::profile::RuleProfile {
        &self.deps.profile
    }
}
