//! The demo county's specialist sessions: the county hospital's outpatient clinics of the next
//! weeks (each with its reserved share for referrals), and eight weeks of county experts'
//! sessions at the township health centres of its community, with the patients they saw.

use std::sync::Arc;

use time::{Date, Duration};
use yigong_domain::ids::InstitutionId;
use yigong_domain::schedule::SessionKind;
use yigong_service::{Deps, Principal, ScheduleService, ServiceError, SessionInput};
use yigong_store::Store;

use super::{DemoClock, at};

/// The county's experts and their departments.
const EXPERTS: [(&str, &str); 3] = [
    ("心血管内科", "李建国主任"),
    ("内分泌科", "王秀英主任"),
    ("神经内科", "陈志强副主任"),
];

/// Publishes the sessions; how many.
pub(super) async fn seed(
    deps: &Deps,
    store: Arc<Store>,
    clock: &DemoClock,
    operator: &Principal,
    townships: &[InstitutionId],
    today: Date,
) -> Result<usize, ServiceError> {
    let schedule = ScheduleService::new(deps.clone(), store);
    let county = operator.institution;
    let mut published = 0;
    // Each township of the community is visited by one expert a week, in turn.
    for week in (1..=8i64).rev() {
        for (n, township) in townships.iter().enumerate() {
            let day = today - Duration::days(week * 7 - i64::try_from(n % 5).unwrap_or(0));
            let (department, doctor) = EXPERTS[n % EXPERTS.len()];
            clock.set(at(day, 7));
            let session = schedule
                .publish(
                    operator,
                    SessionInput {
                        institution: county,
                        held_at: *township,
                        department: department.to_owned(),
                        doctor: doctor.to_owned(),
                        kind: if week % 4 == 0 {
                            SessionKind::Teaching
                        } else {
                            SessionKind::Outpatient
                        },
                        date: day,
                        capacity: 40,
                    },
                )
                .await?;
            clock.set(at(day, 17));
            let seen =
                18 + u32::try_from((week * 7 + i64::try_from(n).unwrap_or(0)) % 17).unwrap_or(0);
            schedule
                .record_seen(operator, session.value.id(), seen, Some(session.version))
                .await?;
            published += 1;
        }
    }
    // The county's clinics of the coming weeks, published 15 or more days ahead so that their
    // reserved slots are bookable by the community's referrals.
    clock.set(at(today, 8));
    for (n, (department, doctor)) in EXPERTS.iter().enumerate() {
        for week in 0..3i64 {
            schedule
                .publish(
                    operator,
                    SessionInput {
                        institution: county,
                        held_at: county,
                        department: (*department).to_owned(),
                        doctor: (*doctor).to_owned(),
                        kind: SessionKind::Outpatient,
                        date: today + Duration::days(15 + week * 7 + i64::try_from(n).unwrap_or(0)),
                        capacity: 20,
                    },
                )
                .await?;
            published += 1;
        }
    }
    Ok(published)
}
