//! What was acquired, as the county's systems identify it (FHIR `ImagingStudy.identifier`,
//! `Specimen.identifier`): a DICOM Study Instance UID with its accession number, an ECG file
//! id, or a specimen id. UIDs are checked by their grammar (DICOM PS3.5 §9.1, DX-UID).

use serde::{Deserialize, Serialize};

use super::modality::{AcquisitionKind, Modality};
use crate::text;

/// Why an acquisition was refused, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct AcquisitionError {
    /// The field at fault.
    pub field: &'static str,
    /// Why.
    pub reason: String,
}

fn bad(field: &'static str, reason: impl ToString) -> AcquisitionError {
    AcquisitionError {
        field,
        reason: reason.to_string(),
    }
}

/// A DICOM UID: components of digits separated by dots, at most 64 characters, no component
/// empty or with a leading zero (unless it is `0` itself).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StudyUid(String);

/// The longest UID DICOM allows.
pub const MAX_UID: usize = 64;

impl StudyUid {
    /// Parses `raw` by the UID grammar.
    pub fn parse(raw: &str) -> Result<StudyUid, AcquisitionError> {
        let field = "study_instance_uid";
        if raw.is_empty() {
            return Err(bad(field, "required"));
        }
        if raw.len() > MAX_UID {
            return Err(bad(field, format!("longer than {MAX_UID} characters")));
        }
        if raw.split('.').count() < 2 {
            return Err(bad(field, "a UID has at least two components"));
        }
        for component in raw.split('.') {
            if component.is_empty() || !component.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(field, "components are digits separated by single dots"));
            }
            if component.len() > 1 && component.starts_with('0') {
                return Err(bad(field, "a component other than 0 starts with no zero"));
            }
        }
        Ok(StudyUid(raw.to_owned()))
    }

    /// As written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StudyUid {
    type Error = AcquisitionError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        StudyUid::parse(&s)
    }
}

impl From<StudyUid> for String {
    fn from(u: StudyUid) -> String {
        u.0
    }
}

/// An identifier the county's systems issue (accession number: DICOM SH, 16 characters; a file
/// or specimen id: up to 64): visible characters, no backslash (DICOM's value separator).
fn identifier(field: &'static str, raw: &str, max: usize) -> Result<String, AcquisitionError> {
    let value = text::required(raw, 1, max).map_err(|e| bad(field, e))?;
    if value.chars().any(|c| c == '\\' || c.is_control()) {
        return Err(bad(field, "holds a backslash or a control character"));
    }
    Ok(value)
}

/// What was acquired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Acquisition {
    /// A study in the county PACS.
    ImagingStudy {
        /// Its Study Instance UID (0020,000D).
        study_uid: StudyUid,
        /// Its accession number (0008,0050).
        accession: String,
    },
    /// An ECG file.
    EcgFile {
        /// The file's id in the ECG system.
        file_id: String,
    },
    /// A specimen.
    Specimen {
        /// The specimen's barcode or id.
        specimen_id: String,
    },
}

/// An acquisition as a system states it: the identifiers it gives, unchecked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcquisitionForm {
    /// DICOM Study Instance UID (imaging).
    pub study_instance_uid: String,
    /// Accession number (imaging).
    pub accession_number: String,
    /// ECG file id (ECG).
    pub ecg_file_id: String,
    /// Specimen id (laboratory, pathology).
    pub specimen_id: String,
}

impl AcquisitionForm {
    /// The acquisition of a `modality` request: its own identifiers required and checked,
    /// another kind's refused.
    pub fn validate(&self, modality: Modality) -> Result<Acquisition, AcquisitionError> {
        let kind = modality.acquisition_kind();
        let given = [
            (
                "study_instance_uid",
                &self.study_instance_uid,
                AcquisitionKind::ImagingStudy,
            ),
            (
                "accession_number",
                &self.accession_number,
                AcquisitionKind::ImagingStudy,
            ),
            ("ecg_file_id", &self.ecg_file_id, AcquisitionKind::EcgFile),
            ("specimen_id", &self.specimen_id, AcquisitionKind::Specimen),
        ];
        if let Some((field, _, _)) = given
            .iter()
            .find(|(_, value, of)| *of != kind && !value.is_empty())
        {
            return Err(bad(
                field,
                format!("a {} request is not identified by it", modality.code()),
            ));
        }
        Ok(match kind {
            AcquisitionKind::ImagingStudy => Acquisition::ImagingStudy {
                study_uid: StudyUid::parse(&self.study_instance_uid)?,
                accession: identifier("accession_number", &self.accession_number, 16)?,
            },
            AcquisitionKind::EcgFile => Acquisition::EcgFile {
                file_id: identifier("ecg_file_id", &self.ecg_file_id, 64)?,
            },
            AcquisitionKind::Specimen => Acquisition::Specimen {
                specimen_id: identifier("specimen_id", &self.specimen_id, 64)?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uid_is_digits_and_dots_without_leading_zeros_up_to_64() {
        for good in ["1.2", "1.2.840.10008.5.1.4.1.1.2", "0.0", "2.25.0.10"] {
            assert!(StudyUid::parse(good).is_ok(), "{good}");
        }
        let longest = format!("1.{}", "9".repeat(62));
        assert_eq!(longest.len(), 64);
        assert!(StudyUid::parse(&longest).is_ok());
        for bad in [
            "",
            "1",
            "1..2",
            ".1.2",
            "1.2.",
            "1.02",
            "1.2a",
            "1.2 ",
            "１.２",
            &format!("1.{}", "9".repeat(63)),
        ] {
            let err = StudyUid::parse(bad).unwrap_err();
            assert_eq!(err.field, "study_instance_uid", "{bad}");
        }
    }

    #[test]
    fn each_modality_is_identified_by_its_own_kind() {
        let form = AcquisitionForm {
            study_instance_uid: "1.2.3".into(),
            accession_number: "A2026-001".into(),
            ..AcquisitionForm::default()
        };
        assert!(matches!(
            form.validate(Modality::Ct),
            Ok(Acquisition::ImagingStudy { .. })
        ));
        assert_eq!(
            form.validate(Modality::Ecg).unwrap_err().field,
            "study_instance_uid"
        );
        let no_accession = AcquisitionForm {
            accession_number: String::new(),
            ..form.clone()
        };
        assert_eq!(
            no_accession.validate(Modality::Dr).unwrap_err().field,
            "accession_number"
        );
        let long = AcquisitionForm {
            accession_number: "A".repeat(17),
            ..form
        };
        assert_eq!(
            long.validate(Modality::Dr).unwrap_err().field,
            "accession_number"
        );
        let ecg = AcquisitionForm {
            ecg_file_id: "ECG\\1".into(),
            ..AcquisitionForm::default()
        };
        assert_eq!(
            ecg.validate(Modality::Ecg).unwrap_err().field,
            "ecg_file_id"
        );
        let specimen = AcquisitionForm {
            specimen_id: "S-0001".into(),
            ..AcquisitionForm::default()
        };
        assert!(specimen.validate(Modality::Laboratory).is_ok());
        assert_eq!(
            specimen.validate(Modality::Ecg).unwrap_err().field,
            "specimen_id"
        );
    }
}
