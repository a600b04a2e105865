//! Identifiers of the domain's entities.
//!
//! Each entity has its own id type so a `ResidentId` can never be passed where a `ReferralId`
//! is expected. Ids are UUIDs chosen by the caller (the id-source port), never by the domain,
//! which stays deterministic.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The text given for an id was not a UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a valid id (expected a UUID)")]
pub struct IdParseError(pub String);

macro_rules! define_id {
    ($($(#[$meta:meta])* $name:ident;)+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps a UUID produced by the id source.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// Builds an id from a number: deterministic ids for tests and the demo county.
            pub const fn from_u128(value: u128) -> Self {
                Self(Uuid::from_u128(value))
            }

            /// The UUID, for storage and the wire.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self).map_err(|_| IdParseError(s.to_owned()))
            }
        }
    )+};
}

define_id! {
    /// A health institution: hospital, health center, station or clinic.
    InstitutionId;
    /// A county medical community (医共体).
    CommunityId;
    /// A resident with a health record.
    ResidentId;
    /// A household, the unit a grid is made of.
    HouseholdId;
    /// A node of the jurisdiction's area tree.
    AreaNodeId;
    /// A responsibility grid (网格).
    GridId;
    /// A family doctor team.
    TeamId;
    /// A health worker (doctor, nurse, public-health physician...).
    WorkerId;
    /// A family doctor contract.
    ContractId;
    /// A screening record.
    ScreeningId;
    /// A 65+ annual health check (老年人健康体检).
    ElderlyCheckId;
    /// A remote diagnosis centre (影像/心电/检验/病理中心).
    DiagnosisCentreId;
    /// A remote diagnosis request (申请).
    DiagnosisRequestId;
    /// A remote consultation (远程会诊).
    ConsultationId;
    /// A two-cancer screening exam (两癌筛查).
    CancerExamId;
    /// A two-cancer screening case opened by an abnormal result.
    CancerCaseId;
    /// A managed patient's enrolment in chronic-disease management.
    EnrolmentId;
    /// A follow-up plan (one scheduled contact).
    PlanId;
    /// A completed follow-up visit.
    VisitId;
    /// A referral slip (转诊单).
    ReferralId;
    /// A specialist session (专家门诊, 坐诊, 查房, 带教).
    SessionId;
    /// A referral advice (转诊建议) a visit or screening left.
    AdviceId;
}
