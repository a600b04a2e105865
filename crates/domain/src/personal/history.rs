//! Past and family history (既往史、家族史) as the form records them.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use super::PersonalError;
use crate::text;
use crate::vocabulary::codes;

/// The most characters a note of the form keeps (an operation's name, a tumour's site).
pub const NOTE_MAX_CHARS: usize = 200;

/// The most entries of each list of the past history: the paper form has six disease lines and
/// two of each other kind; a record may hold more, within reason.
pub const MAX_ENTRIES: usize = 30;

/// A short free-text entry of the form: 1 to [`NOTE_MAX_CHARS`] characters, trimmed.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Note(String);

impl Note {
    /// The note in `raw`, trimmed.
    pub fn parse(raw: &str) -> Result<Self, PersonalError> {
        text::required(raw, 1, NOTE_MAX_CHARS)
            .map(Self)
            .map_err(PersonalError::Text)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Note {
    type Error = PersonalError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Note> for String {
    fn from(n: Note) -> Self {
        n.0
    }
}

impl fmt::Debug for Note {
    // Notes are health information: their length, never their text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Note({} chars)", self.0.chars().count())
    }
}

/// The diseases of the past-history section (疾病).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disease {
    /// 高血压.
    Hypertension,
    /// 糖尿病.
    Diabetes,
    /// 冠心病.
    CoronaryHeartDisease,
    /// 慢性阻塞性肺疾病.
    Copd,
    /// 恶性肿瘤: which one goes in the detail.
    MalignantTumour,
    /// 脑卒中.
    Stroke,
    /// 严重精神障碍.
    SevereMentalDisorder,
    /// 结核病.
    Tuberculosis,
    /// 肝炎.
    Hepatitis,
    /// 其他法定传染病.
    OtherNotifiableInfectious,
    /// 职业病: which one goes in the detail.
    OccupationalDisease,
    /// 其他: named in the detail.
    Other,
}

codes!(Disease {
    Hypertension => "hypertension",
    Diabetes => "diabetes",
    CoronaryHeartDisease => "coronary_heart_disease",
    Copd => "copd",
    MalignantTumour => "malignant_tumour",
    Stroke => "stroke",
    SevereMentalDisorder => "severe_mental_disorder",
    Tuberculosis => "tuberculosis",
    Hepatitis => "hepatitis",
    OtherNotifiableInfectious => "other_notifiable_infectious",
    OccupationalDisease => "occupational_disease",
    Other => "other",
});

impl Disease {
    /// Whether the form asks which one (恶性肿瘤、职业病、其他 each have a blank to fill).
    pub fn needs_detail(self) -> bool {
        matches!(
            self,
            Disease::MalignantTumour | Disease::OccupationalDisease | Disease::Other
        )
    }
}

/// A disease of the past history, with the date of its diagnosis (确诊时间).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PastDisease {
    /// The disease.
    pub disease: Disease,
    /// Which one, where the form asks ([`Disease::needs_detail`]).
    pub detail: Option<Note>,
    /// When it was diagnosed.
    pub diagnosed_on: Date,
}

/// An operation, injury or transfusion of the past history: what, and when.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PastEvent {
    /// The operation's name, the injury, or the transfusion's reason.
    pub what: Note,
    /// When.
    pub on: Date,
}

/// Past history (既往史). Empty lists are the form's 无.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastHistory {
    /// Diseases with their diagnosis dates.
    pub diseases: Vec<PastDisease>,
    /// Operations (手术).
    pub operations: Vec<PastEvent>,
    /// Injuries (外伤).
    pub injuries: Vec<PastEvent>,
    /// Transfusions (输血).
    pub transfusions: Vec<PastEvent>,
}

impl PastHistory {
    /// Checks the history of a person born on `birth` as of `today`: each list within
    /// [`MAX_ENTRIES`], no entry listed twice, a detail where the form asks one, every date
    /// between birth and today. The error names the list and the entry (from 0).
    pub fn check(&self, birth: Date, today: Date) -> Result<(), HistoryError> {
        let dated = |list: &'static str, dates: Vec<Date>| {
            if dates.len() > MAX_ENTRIES {
                return Err(HistoryError::new(
                    list,
                    None,
                    PersonalError::TooMany { max: MAX_ENTRIES },
                ));
            }
            for (i, d) in dates.into_iter().enumerate() {
                let error = if d < birth {
                    PersonalError::BeforeBirth { date: d, birth }
                } else if d > today {
                    PersonalError::InFuture { date: d }
                } else {
                    continue;
                };
                return Err(HistoryError::new(list, Some(i), error));
            }
            Ok(())
        };
        dated(
            "diseases",
            self.diseases.iter().map(|d| d.diagnosed_on).collect(),
        )?;
        for (list, events) in [
            ("operations", &self.operations),
            ("injuries", &self.injuries),
            ("transfusions", &self.transfusions),
        ] {
            dated(list, events.iter().map(|e| e.on).collect())?;
            unique(list, events)?;
        }
        for (i, d) in self.diseases.iter().enumerate() {
            if d.disease.needs_detail() && d.detail.is_none() {
                return Err(HistoryError::new(
                    "diseases",
                    Some(i),
                    PersonalError::DetailRequired {
                        disease: d.disease.code(),
                    },
                ));
            }
        }
        unique("diseases", &self.diseases)
    }
}

fn unique<T: Ord>(list: &'static str, entries: &[T]) -> Result<(), HistoryError> {
    let mut seen = BTreeSet::new();
    for (i, e) in entries.iter().enumerate() {
        if !seen.insert(e) {
            return Err(HistoryError::new(list, Some(i), PersonalError::Duplicate));
        }
    }
    Ok(())
}

/// An invalid entry of the past history: which list, which entry, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", match .entry { Some(i) => format!("entry {i}: {error}"), None => error.to_string() })]
pub struct HistoryError {
    /// `diseases`, `operations`, `injuries` or `transfusions`.
    pub list: &'static str,
    /// The entry, counted from 0; `None` for the list as a whole.
    pub entry: Option<usize>,
    /// What is wrong with it.
    pub error: PersonalError,
}

impl HistoryError {
    fn new(list: &'static str, entry: Option<usize>, error: PersonalError) -> Self {
        Self { list, entry, error }
    }
}

/// The diseases of the family-history section (家族史).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FamilyDisease {
    /// 高血压.
    Hypertension,
    /// 糖尿病.
    Diabetes,
    /// 冠心病.
    CoronaryHeartDisease,
    /// 慢性阻塞性肺疾病.
    Copd,
    /// 恶性肿瘤.
    MalignantTumour,
    /// 脑卒中.
    Stroke,
    /// 严重精神障碍.
    SevereMentalDisorder,
    /// 结核病.
    Tuberculosis,
    /// 肝炎.
    Hepatitis,
    /// 先天畸形.
    CongenitalMalformation,
    /// 其他.
    Other,
}

codes!(FamilyDisease {
    Hypertension => "hypertension",
    Diabetes => "diabetes",
    CoronaryHeartDisease => "coronary_heart_disease",
    Copd => "copd",
    MalignantTumour => "malignant_tumour",
    Stroke => "stroke",
    SevereMentalDisorder => "severe_mental_disorder",
    Tuberculosis => "tuberculosis",
    Hepatitis => "hepatitis",
    CongenitalMalformation => "congenital_malformation",
    Other => "other",
});

/// Family history (家族史): the diseases of each relative the form asks about. Sets, so a
/// disease is listed once per relative.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyHistory {
    /// 父亲.
    pub father: BTreeSet<FamilyDisease>,
    /// 母亲.
    pub mother: BTreeSet<FamilyDisease>,
    /// 兄弟姐妹.
    pub siblings: BTreeSet<FamilyDisease>,
    /// 子女.
    pub children: BTreeSet<FamilyDisease>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::tests::check_unit;
    use time::macros::date;

    const BIRTH: Date = date!(1960 - 05 - 01);
    const TODAY: Date = date!(2026 - 12 - 03);

    fn disease(disease: Disease, on: Date) -> PastDisease {
        PastDisease {
            disease,
            detail: disease.needs_detail().then(|| Note::parse("肺癌").unwrap()),
            diagnosed_on: on,
        }
    }

    #[test]
    fn codes_are_serde_names() {
        check_unit(Disease::ALL, Disease::code, Disease::from_code);
        check_unit(
            FamilyDisease::ALL,
            FamilyDisease::code,
            FamilyDisease::from_code,
        );
    }

    #[test]
    fn a_tumour_without_its_site_is_refused_naming_the_entry() {
        let mut h = PastHistory {
            diseases: vec![disease(Disease::Hypertension, date!(2010 - 01 - 01))],
            ..PastHistory::default()
        };
        h.diseases.push(PastDisease {
            disease: Disease::MalignantTumour,
            detail: None,
            diagnosed_on: date!(2020 - 01 - 01),
        });
        let e = h.check(BIRTH, TODAY).unwrap_err();
        assert_eq!((e.list, e.entry), ("diseases", Some(1)));
        assert_eq!(
            e.error,
            PersonalError::DetailRequired {
                disease: "malignant_tumour"
            }
        );
    }

    #[test]
    fn dates_must_lie_between_birth_and_today() {
        for (on, expected) in [
            (
                date!(1960 - 04 - 30),
                Some(PersonalError::BeforeBirth {
                    date: date!(1960 - 04 - 30),
                    birth: BIRTH,
                }),
            ),
            (BIRTH, None),
            (TODAY, None),
            (
                date!(2026 - 12 - 04),
                Some(PersonalError::InFuture {
                    date: date!(2026 - 12 - 04),
                }),
            ),
        ] {
            let h = PastHistory {
                transfusions: vec![PastEvent {
                    what: Note::parse("产后出血").unwrap(),
                    on,
                }],
                ..PastHistory::default()
            };
            assert_eq!(
                h.check(BIRTH, TODAY).err().map(|e| e.error),
                expected,
                "{on}"
            );
        }
    }

    #[test]
    fn an_entry_listed_twice_is_refused() {
        let op = PastEvent {
            what: Note::parse("阑尾切除术").unwrap(),
            on: date!(1990 - 03 - 01),
        };
        let h = PastHistory {
            operations: vec![op.clone(), op],
            ..PastHistory::default()
        };
        let e = h.check(BIRTH, TODAY).unwrap_err();
        assert_eq!(
            (e.list, e.entry, e.error),
            ("operations", Some(1), PersonalError::Duplicate)
        );
    }

    #[test]
    fn too_many_entries_are_refused_as_a_list() {
        let h = PastHistory {
            injuries: (0..=MAX_ENTRIES)
                .map(|i| PastEvent {
                    what: Note::parse(&format!("骨折 {i}")).unwrap(),
                    on: date!(2000 - 01 - 01),
                })
                .collect(),
            ..PastHistory::default()
        };
        let e = h.check(BIRTH, TODAY).unwrap_err();
        assert_eq!((e.list, e.entry), ("injuries", None));
    }

    #[test]
    fn a_note_shows_its_length_not_its_text_in_debug() {
        assert_eq!(
            format!("{:?}", Note::parse("乳腺癌").unwrap()),
            "Note(3 chars)"
        );
    }
}
