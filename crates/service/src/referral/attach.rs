//! Results on a referral, for the receiver to recognise or repeat (REF-MUTUAL-RECOGNITION): a
//! result the sender states, or a remote-diagnosis centre's verified report of the same
//! patient (DX-RESULT).

use yigong_domain::diagnosis::DiagnosisError;
use yigong_domain::ids::{DiagnosisRequestId, ReferralId};
use yigong_domain::referral::Referral;
use yigong_ports::{AuditEntry, AuditOutcome, Versioned};

use super::{ReferralService, ResultInput};
use crate::access::ATTACH;
use crate::deps::{abandon, audit_entry};
use crate::{Principal, ServiceError};

/// The audited read of a diagnostic report attached to a referral.
const READ_REPORT: &str = "diagnosis.attach_to_referral";

impl ReferralService {
    /// The sender attaches a test result to an open referral, for the receiver to recognise
    /// or repeat.
    #[tracing::instrument(skip_all, fields(user = %who.user, referral = %id))]
    pub async fn attach(
        &self,
        who: &Principal,
        id: ReferralId,
        result: ResultInput,
        expected_version: Option<i64>,
    ) -> Result<Versioned<Referral>, ServiceError> {
        let today = self.deps.clock.now().date();
        let result = self.result("result", None, result, today)?;
        self.transition(who, id, ATTACH, expected_version, move |r, _| {
            r.attach(result)
        })
        .await
    }

    /// The sender attaches a remote-diagnosis centre's verified report of the same patient as
    /// a result (DX-RESULT), read in the referral's transaction. The sender must be the
    /// institution that asked for it (as `DiagnosisService::get_request` requires of a
    /// requester); `report_field` names the wire field a missing, another institution's or
    /// another patient's request is refused by, alike, so nothing about it leaks. The read of
    /// the report is audited with the attachment, a refusal as denied.
    #[tracing::instrument(skip_all, fields(user = %who.user, referral = %id))]
    pub async fn attach_report(
        &self,
        who: &Principal,
        id: ReferralId,
        report: DiagnosisRequestId,
        report_field: &'static str,
        expected_version: Option<i64>,
    ) -> Result<Versioned<Referral>, ServiceError> {
        let (mut tx, loaded, now) = self.open(who, id, &ATTACH, expected_version).await?;
        let patient = loaded.value.patient();
        let read = audit_entry(
            who,
            READ_REPORT,
            format!("diagnosis-requests/{report}"),
            patient,
            now,
        );
        let result = match tx.load_request(report).await? {
            Some(found) if found.value.patient() == patient && who.requests_for(&found.value) => {
                found
                    .value
                    .as_result(now.date(), &self.deps.profile)
                    .map_err(|e| match e {
                        DiagnosisError::NotAResult(_) => ServiceError::invalid(report_field, e),
                        other => other.into(),
                    })
            }
            _ => Err(ServiceError::invalid(
                report_field,
                "no remote-diagnosis request of the referral's patient that the caller's \
                 institution asked for",
            )),
        };
        let result = match result {
            Ok(result) => result,
            Err(e) => {
                abandon(tx).await;
                self.deps
                    .audit_refusal(&AuditEntry {
                        outcome: AuditOutcome::Denied,
                        ..read
                    })
                    .await;
                return Err(e);
            }
        };
        let (referral, events) = loaded.value.attach(result)?;
        tx.append_audit(&read).await?;
        self.finish(
            tx,
            who,
            ATTACH.action,
            (referral, Some(loaded.version), events),
            now,
        )
        .await
    }
}
