//! The vocabularies a profile keys its rules by, defined here so that the profile depends on no
//! other module: team roles (published as `contract::TeamRole`), test codes (published as
//! `referral::TestCode`), levels of care (published as `network::Level`), readers' grades and
//! modalities (published as `diagnosis::Grade` and `diagnosis::Modality`).

use serde::{Deserialize, Serialize};

use crate::vocabulary::codes;

/// Levels of care, low to high.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Village clinics and community health stations.
    Village,
    /// Township health centers and community health centers.
    Township,
    /// County hospitals.
    County,
    /// City hospitals.
    City,
    /// Provincial hospitals.
    Province,
}

codes!(Level {
    Village => "village",
    Township => "township",
    County => "county",
    City => "city",
    Province => "province",
});

/// A reader's professional grade (卫生专业技术职务), lowest first (published as
/// `diagnosis::Grade`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 住院医师 / 医师.
    Resident,
    /// 主治医师.
    Attending,
    /// 副主任医师.
    AssociateChief,
    /// 主任医师.
    Chief,
}

codes!(Grade {
    Resident => "resident",
    Attending => "attending",
    AssociateChief => "associate_chief",
    Chief => "chief",
});

/// Roles in a family doctor team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamRole {
    /// 全科医生.
    GeneralPractitioner,
    /// 护士.
    Nurse,
    /// 公卫医生.
    PublicHealthPhysician,
    /// 乡村医生.
    VillageDoctor,
    /// 县级医院专科医生 (the "+1").
    CountySpecialist,
    /// 药师.
    Pharmacist,
    /// 康复治疗师.
    Rehabilitation,
    /// 健康管理师.
    HealthManager,
    /// Others (the "+N").
    Other,
}

/// A test code for mutual recognition (`a-z`, `0-9`, `_`; 1–40 characters), e.g. `hba1c`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TestCode(String);

/// A test code with characters outside `a-z`, `0-9`, `_`; it quotes the text's
/// [`excerpt`](crate::text::excerpt).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not a test code (1-40 characters of a-z, 0-9, '_')")]
pub struct TestCodeError(pub String);

impl TestCode {
    /// Parses a test code.
    pub fn parse(text: &str) -> Result<Self, TestCodeError> {
        if (1..=40).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            Ok(Self(text.to_owned()))
        } else {
            Err(TestCodeError(crate::text::excerpt(text)))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TestCode {
    type Error = TestCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<TestCode> for String {
    fn from(c: TestCode) -> String {
        c.0
    }
}

/// What a remote-diagnosis centre acquires and reads (FHIR `ServiceRequest.category`, DICOM
/// modality codes where one exists; published as `diagnosis::Modality`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Modality {
    /// Digital radiography (DICOM `DX`/`CR`).
    Dr,
    /// Computed tomography (`CT`).
    Ct,
    /// Magnetic resonance (`MR`).
    Mr,
    /// Ultrasound (`US`).
    Ultrasound,
    /// Electrocardiography (`ECG`).
    Ecg,
    /// Clinical laboratory.
    Laboratory,
    /// Pathology.
    Pathology,
}

codes!(Modality {
    Dr => "dr",
    Ct => "ct",
    Mr => "mr",
    Ultrasound => "ultrasound",
    Ecg => "ecg",
    Laboratory => "laboratory",
    Pathology => "pathology",
});
