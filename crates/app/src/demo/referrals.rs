//! The demo county's referrals: upward ones of managed patients left in every state, and
//! downward ones back to their townships, with Chinese slips and attached results.

use time::{Date, Duration};
use yigong_domain::ids::{InstitutionId, ResidentId};
use yigong_domain::referral::{
    Appointment, Diagnosis, Direction, DischargeSummary, ReasonCode, Receiving, Slip, SlotKind,
    Urgency,
};
use yigong_service::{
    Deps, NewReferral, Principal, ReferralService, ResultInput, Role, ServiceError,
};

use super::{DemoClock, Township, at};

/// Upward referrals of managed patients from each township to its lead hospital, left in
/// each state (requested, accepted, arrived, completed, rejected, cancelled, an emergency),
/// and downward referrals of completed ones back to their township.
pub(super) async fn referrals(
    deps: &Deps,
    clock: &DemoClock,
    townships: &[Township],
    hospitals: &[InstitutionId; 2],
    managed: &[(usize, ResidentId)],
    today: Date,
) -> Result<usize, ServiceError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Leave {
        Requested,
        Emergency,
        Accepted,
        Arrived,
        Completed,
        Downward,
        Rejected,
        Cancelled,
    }
    const PLAN: [Leave; 8] = [
        Leave::Requested,
        Leave::Emergency,
        Leave::Accepted,
        Leave::Arrived,
        Leave::Completed,
        Leave::Downward,
        Leave::Rejected,
        Leave::Cancelled,
    ];
    let service = ReferralService::new(deps.clone());
    let mut created = 0;
    let half = townships.len().div_ceil(2);
    for (t, township) in townships.iter().enumerate() {
        let lead = hospitals[usize::from(t >= half)];
        let receiver = Principal {
            user: "demo-county-doctor".to_owned(),
            role: Role::Clinician,
            institution: lead,
            community: township.clinician[0].community,
            team: None,
        };
        let sender = Principal {
            team: None,
            ..township.clinician[0].clone()
        };
        let patients = managed.iter().filter(|(m, _)| *m == t).map(|(_, p)| *p);
        for (n, (patient, leave)) in patients
            .zip(PLAN.iter().copied().cycle())
            .take(16)
            .enumerate()
        {
            // Spread over the last two weeks so deadlines and inbox order look lived-in.
            let day = today - Duration::days(14 - i64::try_from(n).unwrap_or(0) % 14);
            clock.set(at(day, 8));
            let urgency = if leave == Leave::Emergency {
                Urgency::Emergency
            } else {
                Urgency::Routine
            };
            let reason = if leave == Leave::Emergency {
                ReasonCode::DangerSign
            } else {
                ReasonCode::HtnTargetNotReached
            };
            let referral = service
                .create(
                    &sender,
                    NewReferral {
                        request_id: format!("demo/referral/{t}/{n}"),
                        patient,
                        to: lead,
                        direction: Direction::Upward,
                        urgency,
                        reasons: vec![reason],
                        slip: slip(leave == Leave::Emergency)?,
                        // Two results from the township's own laboratory: the blood routine
                        // of two days ago (recognised at the county) and an ECG of last
                        // quarter (to be repeated).
                        results: vec![
                            ResultInput {
                                test: "blood_routine".to_owned(),
                                taken_on: day - Duration::days(2),
                                by: sender.institution,
                                value: "WBC 6.2×10⁹/L, Hb 132 g/L".to_owned(),
                                report: String::new(),
                            },
                            ResultInput {
                                test: "ecg".to_owned(),
                                taken_on: day - Duration::days(75),
                                by: sender.institution,
                                value: "窦性心律，左室高电压".to_owned(),
                                report: format!("ECG-{t}-{n}"),
                            },
                        ],
                    },
                )
                .await?;
            created += 1;
            let id = referral.value.id();
            clock.set(at(day, 10));
            match leave {
                Leave::Requested | Leave::Emergency => continue,
                Leave::Rejected => {
                    service
                        .reject(&receiver, id, "no cardiology beds this week", None)
                        .await?;
                    continue;
                }
                Leave::Cancelled => {
                    service
                        .cancel(&sender, id, "the patient chose the TCM hospital", None)
                        .await?;
                    continue;
                }
                _ => {}
            }
            let appointment = Appointment {
                at: at(day + Duration::days(1), 1),
                slot: SlotKind::General,
            };
            let receiving = Receiving::new("心血管内科", "县医院心内科门诊")
                .map_err(|e| ServiceError::invalid("receiver", e))?;
            service
                .accept(&receiver, id, appointment, receiving, None, None)
                .await?;
            if leave == Leave::Accepted {
                continue;
            }
            clock.set(at(day + Duration::days(1), 2));
            service.arrive(&receiver, id, None).await?;
            if leave == Leave::Arrived {
                continue;
            }
            clock.set(at(day + Duration::days(4), 7));
            let summary = DischargeSummary::new(
                Diagnosis::new("I10.x00x002", "高血压 2 级（中危）")
                    .map_err(|e| ServiceError::invalid("discharge_diagnosis", e))?,
                "Antihypertensives adjusted: amlodipine 5 mg daily added; BP 132/84 at discharge.",
                "Home BP twice daily for two weeks, low-salt diet, follow-up at the township.",
            )
            .map_err(|e| ServiceError::InvalidArgument {
                field: "summary",
                reason: e.to_string(),
            })?;
            service.complete(&receiver, id, summary, None).await?;
            if leave == Leave::Downward {
                let down = service
                    .create(
                        &receiver,
                        NewReferral {
                            request_id: format!("demo/referral/{t}/{n}/down"),
                            patient,
                            to: township.center,
                            direction: Direction::Downward,
                            urgency: Urgency::Routine,
                            reasons: vec![ReasonCode::ConditionStable],
                            slip: Slip::new(
                                Diagnosis::new("I10.x00x002", "高血压 2 级（中危）")
                                    .map_err(|e| ServiceError::invalid("slip", e))?,
                                "血压控制达标，转回乡镇卫生院管理",
                                "住院 3 天，加用氨氯地平 5 mg qd，出院血压 132/84 mmHg",
                                "",
                            )
                            .map_err(|e| ServiceError::invalid("slip", e))?,
                            results: Vec::new(),
                        },
                    )
                    .await?;
                created += 1;
                let _ = down;
            }
        }
    }
    Ok(created)
}

/// A township's slip: a danger sign at a follow-up visit, or blood pressure not at target.
fn slip(emergency: bool) -> Result<Slip, ServiceError> {
    let (dx, complaint) = if emergency {
        (
            Diagnosis::new("I10", "高血压危象？"),
            "随访时血压 186/112 mmHg，伴剧烈头痛、视物模糊",
        )
    } else {
        (
            Diagnosis::new("I10.x00", "原发性高血压"),
            "规律服药三月，连续两次随访血压未达标",
        )
    };
    let dx = dx.map_err(|e| ServiceError::invalid("slip", e))?;
    Slip::new(
        dx,
        complaint,
        "氨氯地平 5 mg qd 三月，低盐饮食",
        "心血管内科",
    )
    .map_err(|e| ServiceError::invalid("slip", e))
}
