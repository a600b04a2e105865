//! Builders shared by the domain's integration tests.

use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};
use yigong_domain::followup::{
    AdverseReaction, Complication, ContactMode, DangerSigns, DiabetesVisit, HypertensionVisit,
};
use yigong_domain::ids::{CommunityId, InstitutionId, ReferralId, ResidentId};
use yigong_domain::measure::{BloodPressure, Glucose};
use yigong_domain::network::{Institution, InstitutionKind, Network};
use yigong_domain::referral::{
    CreateReferral, Diagnosis, Direction, DischargeSummary, ReasonCode, Receiving, Route, Slip,
    Urgency,
};

pub const VISIT_DAY: Date = date!(2026 - 03 - 02);
pub const NOW: OffsetDateTime = datetime!(2026 - 03 - 02 9:00 UTC);

pub fn htn(sbp: u16, dbp: u16) -> HypertensionVisit {
    HypertensionVisit {
        date: VISIT_DAY,
        mode: ContactMode::Clinic,
        bp: BloodPressure::new(sbp, dbp).unwrap(),
        heart_rate: None,
        signs: DangerSigns::NONE,
        adverse_reaction: AdverseReaction::None,
        complication: Complication::Unchanged,
    }
}

pub fn dm(fasting: &str) -> DiabetesVisit {
    DiabetesVisit {
        date: VISIT_DAY,
        mode: ContactMode::Clinic,
        fasting_glucose: fasting.parse::<Glucose>().unwrap(),
        random_glucose: None,
        bp: None,
        heart_rate: None,
        temperature: None,
        signs: DangerSigns::NONE,
        adverse_reaction: AdverseReaction::None,
        complication: Complication::Unchanged,
    }
}

/// The patient of the referral builders.
pub const PATIENT: ResidentId = ResidentId::from_u128(42);
pub const COUNTY: InstitutionId = InstitutionId::from_u128(1);
pub const TCM: InstitutionId = InstitutionId::from_u128(2);
pub const TOWNSHIP: InstitutionId = InstitutionId::from_u128(10);
pub const VILLAGE: InstitutionId = InstitutionId::from_u128(100);
pub const OTHER_TOWNSHIP: InstitutionId = InstitutionId::from_u128(11);
pub const CITY: InstitutionId = InstitutionId::from_u128(1000);
pub const COMMUNITY_A: CommunityId = CommunityId::from_u128(500);
pub const COMMUNITY_B: CommunityId = CommunityId::from_u128(501);

/// Two communities: the county hospital leads a township and a village clinic; the TCM
/// hospital leads another township. A city hospital sits outside.
pub fn network() -> Network {
    let mut n = Network::new();
    for (id, kind) in [
        (COUNTY, InstitutionKind::CountyGeneralHospital),
        (TCM, InstitutionKind::CountyTcmHospital),
        (TOWNSHIP, InstitutionKind::TownshipHealthCenter),
        (OTHER_TOWNSHIP, InstitutionKind::TownshipHealthCenter),
        (VILLAGE, InstitutionKind::VillageClinic),
        (CITY, InstitutionKind::CityHospital),
    ] {
        n.add_institution(Institution {
            id,
            name: format!("{kind:?}"),
            kind,
        })
        .unwrap();
    }
    n.found_community(COMMUNITY_A, "A", COUNTY).unwrap();
    n.found_community(COMMUNITY_B, "B", TCM).unwrap();
    n.join(COMMUNITY_A, TOWNSHIP).unwrap();
    n.join(COMMUNITY_A, VILLAGE).unwrap();
    n.join(COMMUNITY_B, OTHER_TOWNSHIP).unwrap();
    n
}

pub fn route(from: InstitutionId, to: InstitutionId) -> Route {
    Route::in_network(&network(), from, to).unwrap()
}

pub fn upward(id: u128, urgency: Urgency) -> CreateReferral {
    CreateReferral {
        id: ReferralId::from_u128(id),
        patient: PATIENT,
        direction: Direction::Upward,
        urgency,
        reasons: vec![ReasonCode::HtnTargetNotReached],
        slip: slip(),
        attachments: vec![],
    }
}

pub fn downward(id: u128) -> CreateReferral {
    CreateReferral {
        id: ReferralId::from_u128(id),
        patient: PATIENT,
        direction: Direction::Downward,
        urgency: Urgency::Routine,
        reasons: vec![ReasonCode::ConditionStable],
        slip: slip(),
        attachments: vec![],
    }
}

/// A slip as a township writes it.
pub fn slip() -> Slip {
    Slip::new(
        Diagnosis::new("I10.x00", "原发性高血压").unwrap(),
        "头晕、血压控制不佳两月",
        "氨氯地平 5 mg qd 三月",
        "心内科",
    )
    .unwrap()
}

/// Who takes the patient at the county.
pub fn receiving() -> Receiving {
    Receiving::new("心内科", "王医生").unwrap()
}

/// A discharge report.
pub fn report(
    summary: &str,
    guidance: &str,
) -> Result<DischargeSummary, yigong_domain::referral::ReferralError> {
    DischargeSummary::new(
        Diagnosis::new("I10", "高血压 2 级").unwrap(),
        summary,
        guidance,
    )
}
