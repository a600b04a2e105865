//! What the slip (转诊单) says about the patient: the preliminary diagnosis, the chief complaint,
//! the history and treatment so far, the department asked for; what the receiver answers on
//! acceptance (its department and doctor) and on completion (the discharge diagnosis).
//!
//! Every text is trimmed and bounded ([`crate::text`]), so what is stored is what a reader sees.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::{self, TextError};

/// Why a part of a slip was refused; `field` names the part, as the wire nests it under the
/// slip (`diagnosis.code`, `chief_complaint`, …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct SlipError {
    /// The part at fault.
    pub field: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl SlipError {
    fn text(field: &'static str, e: TextError) -> Self {
        SlipError {
            field,
            reason: e.to_string(),
        }
    }
}

fn bounded(field: &'static str, raw: &str, max: usize) -> Result<String, SlipError> {
    text::required(raw, 1, max).map_err(|e| SlipError::text(field, e))
}

fn optional(field: &'static str, raw: &str, max: usize) -> Result<Option<String>, SlipError> {
    match text::nonblank(raw) {
        None => Ok(None),
        Some(_) => bounded(field, raw, max).map(Some),
    }
}

/// An ICD-10 code as Chinese hospitals write it (GB/T 14396, the national clinical version):
/// a chapter letter and two digits (`I10`), optionally a dot and up to eight letters or digits
/// of the national extension (`E11.900`, `I10.x00x002`). The letter is kept upper-case, the
/// extension as written (its `x` is lower-case by convention).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Icd10Code(String);

impl Icd10Code {
    /// Parses a code; see the type for its grammar.
    pub fn parse(raw: &str) -> Result<Self, SlipError> {
        let code = raw.trim();
        let bytes = code.as_bytes();
        let category = bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1].is_ascii_digit()
            && bytes[2].is_ascii_digit();
        let extension = match bytes.get(3..) {
            None | Some([]) => true,
            Some([b'.', rest @ ..]) => {
                (1..=8).contains(&rest.len()) && rest.iter().all(u8::is_ascii_alphanumeric)
            }
            Some(_) => false,
        };
        if !(category && extension) {
            return Err(SlipError {
                field: "diagnosis.code",
                reason: format!(
                    "{} is not an ICD-10 code (a letter, two digits, optionally `.` and 1-8 letters or digits, e.g. I10 or E11.900)",
                    text::excerpt(raw)
                ),
            });
        }
        let mut code = code.to_owned();
        code[..1].make_ascii_uppercase();
        Ok(Icd10Code(code))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The three-character category (`I10` of `I10.x00`), which is what tallies group by.
    pub fn category(&self) -> &str {
        &self.0[..3]
    }
}

impl fmt::Display for Icd10Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Icd10Code {
    type Error = SlipError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Icd10Code> for String {
    fn from(c: Icd10Code) -> String {
        c.0
    }
}

/// A diagnosis: its ICD-10 code and the text the clinician wrote (up to 200 characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    code: Icd10Code,
    text: String,
}

impl Diagnosis {
    /// The most characters a diagnosis text keeps.
    pub const TEXT_MAX: usize = 200;

    /// A diagnosis from its code and text, both required.
    pub fn new(code: &str, text: &str) -> Result<Self, SlipError> {
        Ok(Diagnosis {
            code: Icd10Code::parse(code)?,
            text: bounded("diagnosis.text", text, Self::TEXT_MAX)?,
        })
    }

    /// The code.
    pub fn code(&self) -> &Icd10Code {
        &self.code
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// A hospital department as the institution names it (心内科, 内分泌科; up to 64 characters).
/// Names, not codes: the county's institutions do not share a department vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Department(String);

impl Department {
    /// The most characters a department name keeps.
    pub const MAX: usize = 64;

    /// A department name, required.
    pub fn new(field: &'static str, raw: &str) -> Result<Self, SlipError> {
        bounded(field, raw, Self::MAX).map(Department)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Department {
    type Error = SlipError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new("department", &s)
    }
}

impl From<Department> for String {
    fn from(d: Department) -> String {
        d.0
    }
}

/// The clinical part of a referral slip (转诊单), as the sender writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slip {
    diagnosis: Diagnosis,
    chief_complaint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    history: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    department: Option<Department>,
}

impl Slip {
    /// The most characters a chief complaint keeps.
    pub const COMPLAINT_MAX: usize = 500;
    /// The most characters the history and treatment so far keep.
    pub const HISTORY_MAX: usize = 4000;

    /// A slip: the preliminary diagnosis and chief complaint are required (the receiver
    /// triages by them); the history and treatment so far, and the department asked for, may
    /// be left blank (the receiver then chooses the department).
    pub fn new(
        diagnosis: Diagnosis,
        chief_complaint: &str,
        history: &str,
        department: &str,
    ) -> Result<Self, SlipError> {
        Ok(Slip {
            diagnosis,
            chief_complaint: bounded("chief_complaint", chief_complaint, Self::COMPLAINT_MAX)?,
            history: optional("history", history, Self::HISTORY_MAX)?,
            department: optional("requested_department", department, Department::MAX)?
                .map(Department),
        })
    }

    /// The preliminary diagnosis (初步诊断).
    pub fn diagnosis(&self) -> &Diagnosis {
        &self.diagnosis
    }

    /// The chief complaint (主诉).
    pub fn chief_complaint(&self) -> &str {
        &self.chief_complaint
    }

    /// The history and treatment so far (病史及诊疗经过), if written.
    pub fn history(&self) -> Option<&str> {
        self.history.as_deref()
    }

    /// The department asked for, if any.
    pub fn department(&self) -> Option<&Department> {
        self.department.as_ref()
    }
}

/// Who takes the patient on acceptance: the receiver's department, and its doctor when one is
/// named (a clinic may assign the doctor on the day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receiving {
    department: Department,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    doctor: Option<String>,
}

impl Receiving {
    /// The most characters a doctor's name keeps.
    pub const DOCTOR_MAX: usize = 64;

    /// The department is required, the doctor optional.
    pub fn new(department: &str, doctor: &str) -> Result<Self, SlipError> {
        Ok(Receiving {
            department: Department::new("receiver.department", department)?,
            doctor: optional("receiver.doctor", doctor, Self::DOCTOR_MAX)?,
        })
    }

    /// The department.
    pub fn department(&self) -> &Department {
        &self.department
    }

    /// The doctor, if named.
    pub fn doctor(&self) -> Option<&str> {
        self.doctor.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn icd10_codes_follow_the_grammar_of_the_national_version() {
        for ok in ["I10", "i10", "E11.900", "I10.x00x002", "F20.0", " J44.1 "] {
            assert!(Icd10Code::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(Icd10Code::parse("i10.x00").unwrap().as_str(), "I10.x00");
        assert_eq!(Icd10Code::parse("E11.900").unwrap().category(), "E11");
        for bad in [
            "",
            "I1",
            "110",
            "I10.",
            "I10x",
            "I10.123456789",
            "I1O",
            "I10.x0-",
            "高血压",
        ] {
            let e = Icd10Code::parse(bad).unwrap_err();
            assert_eq!(e.field, "diagnosis.code", "{bad}");
        }
    }

    #[test]
    fn a_slip_needs_a_diagnosis_and_a_complaint_and_names_the_part_at_fault() {
        let dx = Diagnosis::new("I10", "原发性高血压").unwrap();
        let slip = Slip::new(dx.clone(), " 头晕三天 ", "", "  ").unwrap();
        assert_eq!(slip.chief_complaint(), "头晕三天");
        assert_eq!(slip.history(), None);
        assert_eq!(slip.department(), None);
        assert_eq!(
            Slip::new(dx.clone(), "\u{200B}", "", "").unwrap_err().field,
            "chief_complaint"
        );
        let long = "字".repeat(Slip::HISTORY_MAX + 1);
        assert_eq!(
            Slip::new(dx, "头晕", &long, "").unwrap_err().field,
            "history"
        );
        assert_eq!(
            Diagnosis::new("I10", " ").unwrap_err().field,
            "diagnosis.text"
        );
        assert_eq!(
            Receiving::new("", "王医生").unwrap_err().field,
            "receiver.department"
        );
    }

    proptest! {
        /// Whatever is typed, a code either parses into the grammar (and round-trips through
        /// serde) or is refused naming its field, with a bounded quote.
        #[test]
        fn any_text_is_a_code_of_the_grammar_or_refused(raw in "\\PC{0,16}|[A-Za-z][0-9]{2}(\\.[0-9A-Za-z]{0,9})?") {
            match Icd10Code::parse(&raw) {
                Ok(code) => {
                    let s = code.as_str();
                    prop_assert!(s.as_bytes()[0].is_ascii_uppercase());
                    prop_assert!(s.len() == 3 || (s.as_bytes()[3] == b'.' && s.len() <= 12));
                    let json = serde_json::to_string(&code).unwrap();
                    prop_assert_eq!(serde_json::from_str::<Icd10Code>(&json).unwrap(), code);
                }
                Err(e) => {
                    prop_assert_eq!(e.field, "diagnosis.code");
                    prop_assert!(e.reason.len() < 300);
                }
            }
        }
    }
}
