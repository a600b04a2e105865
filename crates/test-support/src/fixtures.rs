//! Domain values for the contract, service, gRPC and event fault tests: a county hospital and a
//! township health centre in one community, routine upward referrals between them, and the
//! record of a resident held by an institution.

use time::OffsetDateTime;
use time::macros::{date, datetime};
use yigong_domain::identity::{CitizenId, DocumentKind, OtherDocument, Resident, Sex};
use yigong_domain::ids::{CommunityId, InstitutionId, ReferralId, ResidentId};
use yigong_domain::network::{Institution, InstitutionKind, Network};
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::{
    CreateReferral, Diagnosis, Direction, DischargeSummary, ReasonCode, Receiving, Referral, Route,
    Slip, Urgency,
};
use yigong_ports::{PatientRecord, PatientScope, RequestKey};

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

/// A township's slip for a hypertension patient not at target.
pub fn slip() -> Slip {
    Slip::new(
        Diagnosis::new("I10.x00", "原发性高血压").unwrap(),
        "头晕、血压控制不佳两月",
        "氨氯地平 5 mg qd 三月",
        "心内科",
    )
    .unwrap()
}

/// The county's department and doctor taking the patient.
pub fn receiving() -> Receiving {
    Receiving::new("心内科", "王医生").unwrap()
}

/// The county's report back: discharge diagnosis, summary, guidance.
pub fn report() -> DischargeSummary {
    DischargeSummary::new(
        Diagnosis::new("I10", "高血压 2 级").unwrap(),
        "BP controlled on amlodipine 5 mg",
        "low-salt diet, walk 30 min a day",
    )
    .unwrap()
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
            slip: slip(),
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

/// The record of `id` held by `institution` in `community`, in no grid: a woman born
/// 1960-05-01, identified by a passport numbered after `id`, registered on 2000-01-01.
pub fn patient(
    id: ResidentId,
    institution: InstitutionId,
    community: CommunityId,
) -> PatientRecord {
    let passport = format!("P{:08}", id.as_uuid().as_u128());
    let resident = Resident::with_document(
        id,
        OtherDocument::new(DocumentKind::Passport, &passport).unwrap(),
        date!(1960 - 05 - 01),
        Sex::Female,
        None,
        date!(2000 - 01 - 01),
    )
    .unwrap();
    held(resident, institution, community)
}

/// As [`patient`], identified by a citizen id instead (birth date and sex are the id's).
pub fn citizen(
    id: ResidentId,
    citizen_id: &str,
    institution: InstitutionId,
    community: CommunityId,
) -> PatientRecord {
    let citizen_id = CitizenId::parse(citizen_id, NOW.date()).unwrap();
    let resident = Resident::with_citizen_id(id, citizen_id, None, date!(2000 - 01 - 01)).unwrap();
    held(resident, institution, community)
}

fn held(resident: Resident, institution: InstitutionId, community: CommunityId) -> PatientRecord {
    PatientRecord {
        resident,
        scope: PatientScope {
            community: Some(community),
            institution,
            grid: None,
        },
    }
}

/// The key of a township user's request `request_id` for `command`, creating `resource`.
pub fn request_key(command: &str, request_id: &str, resource: uuid::Uuid) -> RequestKey {
    RequestKey {
        caller: format!("{TOWNSHIP}/importer"),
        command: command.to_owned(),
        request_id: request_id.to_owned(),
        fingerprint: "0".repeat(64),
        resource_id: resource,
    }
}
