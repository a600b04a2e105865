//! The referral a bench creates is a full one, as issue 19's benchmark asks: a slip with every
//! part written and two attached results (one recognised, one to be repeated), accepted with
//! the receiving department and doctor. The service and the raw baselines carry the same.

use time::{Date, Duration};
use yigong_domain::ids::InstitutionId;
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::{AttachedResult, Diagnosis, Receiving, Slip};
use yigong_proto::v1 as pb;
use yigong_service::ResultInput;

use crate::store::err;

const DIAGNOSIS: (&str, &str) = ("I10.x00", "原发性高血压");
const COMPLAINT: &str = "头晕、血压控制不佳两月";
const HISTORY: &str = "氨氯地平 5 mg qd 三月，连续两次随访血压未达标";
pub(crate) const DEPARTMENT: &str = "心血管内科";
pub(crate) const DOCTOR: &str = "王医生";

/// (test, days before today, value, report reference)
const RESULTS: [(&str, i64, &str, &str); 2] = [
    ("blood_routine", 2, "WBC 6.2×10⁹/L, Hb 132 g/L", ""),
    ("ecg", 75, "窦性心律，左室高电压", "ECG-2026-000123"),
];

/// The slip, as the domain holds it.
pub(crate) fn slip() -> Result<Slip, String> {
    let dx = Diagnosis::new(DIAGNOSIS.0, DIAGNOSIS.1).map_err(err)?;
    Slip::new(dx, COMPLAINT, HISTORY, DEPARTMENT).map_err(err)
}

/// The results, as the service takes them.
pub(crate) fn results(today: Date, by: InstitutionId) -> Vec<ResultInput> {
    RESULTS
        .iter()
        .map(|(test, ago, value, report)| ResultInput {
            test: (*test).to_owned(),
            taken_on: today - Duration::days(*ago),
            by,
            value: (*value).to_owned(),
            report: (*report).to_owned(),
        })
        .collect()
}

/// The results, as the domain holds them (for the raw baselines, which run the domain too).
pub(crate) fn attached(
    today: Date,
    by: InstitutionId,
    profile: &RuleProfile,
) -> Result<Vec<AttachedResult>, String> {
    results(today, by)
        .into_iter()
        .map(|r| {
            AttachedResult::new(&r.test, r.taken_on, by, &r.value, &r.report, today, profile)
                .map_err(err)
        })
        .collect()
}

/// Who takes the patient.
pub(crate) fn receiving() -> Result<Receiving, String> {
    Receiving::new(DEPARTMENT, DOCTOR).map_err(err)
}

/// The slip on the wire.
pub(crate) fn wire_slip() -> pb::Slip {
    pb::Slip {
        preliminary_diagnosis: Some(pb::Diagnosis {
            code: DIAGNOSIS.0.to_owned(),
            text: DIAGNOSIS.1.to_owned(),
        }),
        chief_complaint: COMPLAINT.to_owned(),
        history: HISTORY.to_owned(),
        requested_department: DEPARTMENT.to_owned(),
    }
}

/// The results on the wire.
pub(crate) fn wire_results(today: Date, by: InstitutionId) -> Vec<pb::TestResult> {
    RESULTS
        .iter()
        .map(|(test, ago, value, report)| pb::TestResult {
            test: (*test).to_owned(),
            taken_date: Some(yigong_grpc::wire::date(today - Duration::days(*ago))),
            issuing_institution: format!("institutions/{}", by.as_uuid()),
            value: (*value).to_owned(),
            report_reference: (*report).to_owned(),
        })
        .collect()
}
