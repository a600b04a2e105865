//! Domain values for the contract tests and the event fault tests: a county hospital and a
//! township health centre in one community, and routine upward referrals between them.

use time::OffsetDateTime;
use time::macros::datetime;
use yigong_domain::ids::{CommunityId, InstitutionId, ReferralId, ResidentId};
use yigong_domain::network::{Institution, InstitutionKind, Network};
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::{CreateReferral, Direction, ReasonCode, Referral, Route, Urgency};

/// The contract tests' "now".
pub const NOW: OffsetDateTime = datetime!(2026 - 03 - 02 9:00 UTC);
/// The county general hospital.
pub const COUNTY: InstitutionId = InstitutionId::from_u128(1);
/// The township health centre.
pub const TOWNSHIP: InstitutionId = InstitutionId::from_u128(10);

/// The route from `from` to `to` in a network of [`COUNTY`] and [`TOWNSHIP`] (one community).
pub fn route(from: InstitutionId, to: InstitutionId) -> Route {
    let mut n = Network::new();
    n.add_institution(Institution {
        id: COUNTY,
        name: "county".into(),
        kind: InstitutionKind::CountyGeneralHospital,
    })
    .unwrap();
    n.add_institution(Institution {
        id: TOWNSHIP,
        name: "township".into(),
        kind: InstitutionKind::TownshipHealthCenter,
    })
    .unwrap();
    n.found_community(CommunityId::from_u128(500), "A", COUNTY)
        .unwrap();
    n.join(CommunityId::from_u128(500), TOWNSHIP).unwrap();
    Route::in_network(&n, from, to).unwrap()
}

/// A routine upward referral of `patient`, requested `minutes` after NOW.
pub fn upward(id: u128, patient: u128, minutes: i64) -> Referral {
    Referral::create(
        CreateReferral {
            id: ReferralId::from_u128(id),
            patient: ResidentId::from_u128(patient),
            direction: Direction::Upward,
            urgency: Urgency::Routine,
            reasons: vec![ReasonCode::HtnTargetNotReached],
            attachments: vec![],
        },
        &route(TOWNSHIP, COUNTY),
        &[],
        NOW + time::Duration::minutes(minutes),
        &RuleProfile::bphs3(),
    )
    .unwrap()
    .0
}
