//! What a centre reads and how urgently: the modalities (FHIR `ServiceRequest.category` /
//! DICOM modality codes where one exists) and the request's priority (`ServiceRequest.priority`).

use serde::{Deserialize, Serialize};

use crate::vocabulary::codes;

pub use crate::profile::terms::{Grade, Modality};

/// How a modality's acquisition is identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AcquisitionKind {
    /// A DICOM study in the county PACS: Study Instance UID and accession number.
    ImagingStudy,
    /// An ECG file.
    EcgFile,
    /// A specimen.
    Specimen,
}

impl Modality {
    /// How what it acquires is identified.
    pub const fn acquisition_kind(self) -> AcquisitionKind {
        match self {
            Modality::Dr | Modality::Ct | Modality::Mr | Modality::Ultrasound => {
                AcquisitionKind::ImagingStudy
            }
            Modality::Ecg => AcquisitionKind::EcgFile,
            Modality::Laboratory | Modality::Pathology => AcquisitionKind::Specimen,
        }
    }
}

/// How urgently a request is read (FHIR `routine`, `urgent`, `stat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Emergency (急诊, FHIR `stat`): read first.
    Emergency,
    /// Urgent (加急).
    Urgent,
    /// Routine (常规).
    Routine,
}

codes!(Priority {
    Emergency => "emergency",
    Urgent => "urgent",
    Routine => "routine",
});

impl Priority {
    /// Its place on a reader's worklist: 0 is read first.
    pub const fn rank(self) -> u8 {
        match self {
            Priority::Emergency => 0,
            Priority::Urgent => 1,
            Priority::Routine => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::tests::check_unit;

    #[test]
    fn each_code_is_its_serde_name_and_grades_rise() {
        check_unit(Modality::ALL, Modality::code, Modality::from_code);
        check_unit(Priority::ALL, Priority::code, Priority::from_code);
        check_unit(Grade::ALL, Grade::code, Grade::from_code);
        assert!(Grade::Resident < Grade::Attending && Grade::AssociateChief < Grade::Chief);
        assert!(
            Priority::Emergency < Priority::Routine,
            "emergencies sort first"
        );
        assert_eq!(Modality::Ecg.acquisition_kind(), AcquisitionKind::EcgFile);
    }
}
