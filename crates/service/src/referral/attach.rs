//! Results on a referral, for the receiver to recognise or repeat (REF-MUTUAL-RECOGNITION): a
//! result the sender states, or a remote-diagnosis centre's verified report of the same
//! patient (DX-RESULT).

use yigong_domain::diagnosis::DiagnosisError;
use yigong_domain::ids::{DiagnosisRequestId, ReferralId};
use yigong_domain::referral::Referral;
use yigong_ports::Versioned;

use super::{ReferralService, ResultInput};
use crate::access::ATTACH;
use crate::deps::abandon;
use crate::{Principal, ServiceError};

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
    /// a result (DX-RESULT), read in the referral's transaction: `report_field` names the
    /// wire field a missing, unverified, unmapped or other patient's report is refused by.
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
        let result = match tx.load_request(report).await? {
            // Another patient's report answers as a missing one: nothing about it leaks.
            Some(found) if found.value.patient() == patient => found
                .value
                .as_result(now.date(), &self.deps.profile)
                .map_err(|e| match e {
                    DiagnosisError::NotAResult(_) => ServiceError::invalid(report_field, e),
                    other => other.into(),
                }),
            _ => Err(ServiceError::invalid(
                report_field,
                "no remote-diagnosis request of the referral's patient",
            )),
        };
        let result = match result {
            Ok(result) => result,
            Err(e) => {
                abandon(tx).await;
                return Err(e);
            }
        };
        let (referral, events) = loaded.value.attach(result)?;
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
