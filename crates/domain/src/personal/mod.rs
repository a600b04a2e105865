//! The personal basic information form of the health record (个人基本信息表, BPHS-3;
//! `domain-rules.md` §10): who the resident is beyond the identity document.
//!
//! Every field is optional, as the form is filled over visits; what is given is valid (a
//! phone that can be dialled, a tumour with its site, dates between birth and today). Name,
//! phones and contact are sensitive personal information: masked in `Debug`, exposed only for
//! storage and the wire, and (in the store) sealed with the rest of the record.

mod contact;
mod history;
mod search;
mod vocabulary;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::Date;

pub use contact::{Contact, NAME_MAX_CHARS, PersonName, Phone, search_form};
pub use history::{
    Disease, FamilyDisease, FamilyHistory, HistoryError, MAX_ENTRIES, NOTE_MAX_CHARS, Note,
    PastDisease, PastEvent, PastHistory,
};
pub use search::{NAME_PREFIX_MAX_CHARS, ResidentQuery, SearchTerm};
pub use vocabulary::{
    Abo, BloodType, Disability, DrugAllergen, Ethnicity, PaymentType, ResidenceType, Rh,
};

use crate::text::TextError;
use crate::vocabulary::codes;

/// A value of the form that cannot be kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonalError {
    /// Text of the wrong length.
    #[error("{0}")]
    Text(TextError),
    /// A name with characters no name has.
    #[error("a name is letters and marks, with spaces, `·`, `-`, `'` or `.` between them")]
    Name,
    /// A number that cannot be dialled.
    #[error(
        "not a phone number: 11 digits of a mobile (1, then 3 to 9), a landline with its area \
         code (0, then 9 to 11 digits), or a local number of 7 or 8 digits"
    )]
    Phone,
    /// Not a GB/T 3304 code.
    #[error("an ethnicity is a two-digit GB/T 3304 code: 01 to 56, 97 or 98")]
    Ethnicity,
    /// Dated before the person was born.
    #[error("{date} is before the birth date {birth}")]
    BeforeBirth {
        /// The date given.
        date: Date,
        /// The birth date.
        birth: Date,
    },
    /// Dated after today.
    #[error("{date} has not happened yet")]
    InFuture {
        /// The date given.
        date: Date,
    },
    /// A list longer than the form keeps.
    #[error("at most {max} entries")]
    TooMany {
        /// The most entries allowed.
        max: usize,
    },
    /// A disease the form asks "which one" of, without the answer.
    #[error("{disease} needs a detail saying which one")]
    DetailRequired {
        /// The disease's code.
        disease: &'static str,
    },
    /// The same entry twice.
    #[error("the same entry is listed twice")]
    Duplicate,
}

/// The personal basic information form. `Default` is the empty form of a record registered
/// with its identity document only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PersonalInfo {
    /// 姓名.
    pub name: Option<PersonName>,
    /// 本人电话.
    pub phone: Option<Phone>,
    /// 联系人 and 联系人电话.
    pub contact: Option<Contact>,
    /// 常住类型.
    pub residence: Option<ResidenceType>,
    /// 民族.
    pub ethnicity: Option<Ethnicity>,
    /// 血型.
    pub blood_type: BloodType,
    /// 医疗费用支付方式.
    pub payment: BTreeSet<PaymentType>,
    /// 药物过敏史: the drugs the form lists.
    pub drug_allergies: BTreeSet<DrugAllergen>,
    /// 药物过敏史: any other drug, written out.
    pub other_drug_allergy: Option<Note>,
    /// 既往史.
    pub past_history: PastHistory,
    /// 家族史.
    pub family_history: FamilyHistory,
    /// 残疾情况; empty is 无残疾.
    pub disabilities: BTreeSet<Disability>,
}

/// A field of the form, as an update names it (the wire's field-mask path after `personal.`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonalField {
    /// [`PersonalInfo::name`].
    DisplayName,
    /// [`PersonalInfo::phone`].
    Phone,
    /// [`PersonalInfo::contact`].
    Contact,
    /// [`PersonalInfo::residence`].
    ResidenceType,
    /// [`PersonalInfo::ethnicity`].
    Ethnicity,
    /// [`PersonalInfo::blood_type`].
    BloodType,
    /// [`PersonalInfo::payment`].
    PaymentTypes,
    /// [`PersonalInfo::drug_allergies`] with [`PersonalInfo::other_drug_allergy`].
    DrugAllergies,
    /// [`PersonalInfo::past_history`].
    PastHistory,
    /// [`PersonalInfo::family_history`].
    FamilyHistory,
    /// [`PersonalInfo::disabilities`].
    Disabilities,
}

codes!(PersonalField {
    DisplayName => "display_name",
    Phone => "phone",
    Contact => "contact",
    ResidenceType => "residence_type",
    Ethnicity => "ethnicity",
    BloodType => "blood_type",
    PaymentTypes => "payment_types",
    DrugAllergies => "drug_allergies",
    PastHistory => "past_history",
    FamilyHistory => "family_history",
    Disabilities => "disabilities",
});

/// A form that cannot be kept, with the path of the field at fault (`past_history.diseases`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct FormError {
    /// The field's path within the form.
    pub field: &'static str,
    /// Why, naming the entry of a list.
    pub error: HistoryError,
}

impl PersonalInfo {
    /// Checks what only the whole record can: the past history's dates against the birth date
    /// and today, and its entries ([`PastHistory::check`]).
    pub fn check(&self, birth: Date, today: Date) -> Result<(), FormError> {
        self.past_history
            .check(birth, today)
            .map_err(|error| FormError {
                field: match error.list {
                    "diseases" => "past_history.diseases",
                    "operations" => "past_history.operations",
                    "injuries" => "past_history.injuries",
                    _ => "past_history.transfusions",
                },
                error,
            })
    }

    /// This form with `fields` taken from `from` (AIP-134: a named field absent in `from` is
    /// cleared).
    pub fn replaced(mut self, from: PersonalInfo, fields: &BTreeSet<PersonalField>) -> Self {
        for f in fields {
            match f {
                PersonalField::DisplayName => self.name = from.name.clone(),
                PersonalField::Phone => self.phone = from.phone.clone(),
                PersonalField::Contact => self.contact = from.contact.clone(),
                PersonalField::ResidenceType => self.residence = from.residence,
                PersonalField::Ethnicity => self.ethnicity = from.ethnicity,
                PersonalField::BloodType => self.blood_type = from.blood_type,
                PersonalField::PaymentTypes => self.payment = from.payment.clone(),
                PersonalField::DrugAllergies => {
                    self.drug_allergies = from.drug_allergies.clone();
                    self.other_drug_allergy = from.other_drug_allergy.clone();
                }
                PersonalField::PastHistory => self.past_history = from.past_history.clone(),
                PersonalField::FamilyHistory => self.family_history = from.family_history.clone(),
                PersonalField::Disabilities => self.disabilities = from.disabilities.clone(),
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::tests::check_unit;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn field_codes_are_serde_names() {
        check_unit(
            PersonalField::ALL,
            PersonalField::code,
            PersonalField::from_code,
        );
    }

    fn filled() -> PersonalInfo {
        PersonalInfo {
            name: Some(PersonName::parse("李秀英").unwrap()),
            phone: Some(Phone::parse("13800138000").unwrap()),
            contact: Some(Contact {
                name: PersonName::parse("王建国").unwrap(),
                phone: Phone::parse("13900139000").unwrap(),
            }),
            residence: Some(ResidenceType::Registered),
            ethnicity: Some(Ethnicity::HAN),
            blood_type: BloodType {
                abo: Some(Abo::O),
                rh: Some(Rh::Positive),
            },
            payment: [PaymentType::RuralCooperative].into(),
            drug_allergies: [DrugAllergen::Penicillin].into(),
            other_drug_allergy: Some(Note::parse("头孢").unwrap()),
            past_history: PastHistory {
                diseases: vec![PastDisease {
                    disease: Disease::Hypertension,
                    detail: None,
                    diagnosed_on: date!(2015 - 06 - 01),
                }],
                ..PastHistory::default()
            },
            family_history: FamilyHistory {
                father: [FamilyDisease::Stroke].into(),
                ..FamilyHistory::default()
            },
            disabilities: [Disability::Hearing].into(),
        }
    }

    #[test]
    fn the_debug_form_shows_no_name_or_phone() {
        let shown = format!("{:?}", filled());
        for secret in ["李秀英", "王建国", "13800138000", "13900139000", "头孢"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }

    #[test]
    fn a_form_survives_its_stored_json_and_an_old_record_reads_as_empty() {
        let f = filled();
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(serde_json::from_str::<PersonalInfo>(&json).unwrap(), f);
        assert_eq!(
            serde_json::from_str::<PersonalInfo>("{}").unwrap(),
            PersonalInfo::default()
        );
    }

    #[test]
    fn a_history_error_names_its_list() {
        let mut f = filled();
        f.past_history.diseases[0].diagnosed_on = date!(1900 - 01 - 01);
        let e = f
            .check(date!(1950 - 01 - 01), date!(2026 - 12 - 03))
            .unwrap_err();
        assert_eq!(e.field, "past_history.diseases");
        assert_eq!(
            e.to_string(),
            "entry 0: 1900-01-01 is before the birth date 1950-01-01"
        );
    }

    proptest! {
        /// Replacing exactly the named fields: a named field takes the new value (or is
        /// cleared), every other keeps the old.
        #[test]
        fn replaced_changes_exactly_the_named_fields(mask in proptest::collection::btree_set(0..PersonalField::ALL.len(), 0..=11)) {
            let fields: BTreeSet<PersonalField> = mask.iter().map(|&i| PersonalField::ALL[i]).collect();
            let old = filled();
            let new = old.clone().replaced(PersonalInfo::default(), &fields);
            let kept = old.clone().replaced(PersonalInfo::default(), &BTreeSet::new());
            prop_assert_eq!(&kept, &old);
            for f in PersonalField::ALL {
                let cleared = PersonalInfo::default().replaced(new.clone(), &[*f].into());
                let was = PersonalInfo::default().replaced(old.clone(), &[*f].into());
                if fields.contains(f) {
                    prop_assert_eq!(&cleared, &PersonalInfo::default(), "{:?}", f);
                } else {
                    prop_assert_eq!(&cleared, &was, "{:?}", f);
                }
            }
        }
    }
}
