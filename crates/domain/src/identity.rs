//! Residents and their identity documents.
//!
//! The citizen identity number (GB 11643-1999) is parsed once into [`CitizenId`], which
//! guarantees the check character, a real birth date and exposes the sex. Its `Debug` and
//! `Display` are masked, so an identity number cannot reach a log by accident; only
//! [`CitizenId::expose`] gives the full text, for storage and the wire.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::calendar;
use crate::ids::{HouseholdId, ResidentId};
use crate::personal::{FormError, PersonalField, PersonalInfo};
use crate::profile::RuleProfile;
use crate::rule::{BrokenRule, RuleId};

/// Why an identity document or resident was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// Not 17 digits followed by a digit or `X`.
    #[error("identity number must be 17 digits and a check digit or X (got {0} characters)")]
    Format(usize),
    /// The region code's province part is not a province.
    #[error("identity number region code does not start with a province code")]
    Region,
    /// The birth date is not a calendar date.
    #[error("identity number birth date is not a real date")]
    BirthDate,
    /// The birth date lies after the reference date.
    #[error("identity number birth date lies in the future")]
    BirthInFuture,
    /// The check character does not match.
    #[error("identity number check character is wrong (expected {expected})")]
    CheckCharacter {
        /// The check character the first 17 digits call for.
        expected: char,
    },
    /// Another document's number is empty, too long or has bad characters.
    #[error("{kind:?} number must be 5-32 letters or digits")]
    DocumentNumber {
        /// The document type.
        kind: DocumentKind,
    },
    /// A citizen identity number given as an "other" document.
    #[error("a citizen identity number must be given as a citizen identity document")]
    CitizenIdAsOther,
    /// A date (moving in or out, death) before the resident's birth.
    #[error("{what} ({date}) lies before the birth date")]
    BeforeBirth {
        /// Which date.
        what: &'static str,
        /// The date given.
        date: Date,
    },
}

impl BrokenRule for IdentityError {
    fn rule(&self) -> RuleId {
        match self {
            IdentityError::CheckCharacter { .. }
            | IdentityError::Format(_)
            | IdentityError::Region => RuleId::IdCheckCharacter,
            IdentityError::BirthDate
            | IdentityError::BirthInFuture
            | IdentityError::BeforeBirth { .. } => RuleId::IdBirthDate,
            IdentityError::DocumentNumber { .. } | IdentityError::CitizenIdAsOther => {
                RuleId::IdDocumentType
            }
        }
    }
}

/// Biological sex as recorded on the identity document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Male (odd sequence number).
    Male,
    /// Female (even sequence number).
    Female,
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = *b"10X98765432";

/// The ISO 7064 MOD 11-2 check character of 17 digits.
pub fn check_character(first17: &[u8; 17]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    char::from(CHECK[(sum % 11) as usize])
}

/// A citizen identity number (居民身份证号码) that passed every GB 11643 check.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CitizenId([u8; 18]);

impl CitizenId {
    /// Parses and checks an identity number against `today`: 18 characters, a province
    /// region code, a real birth date not after `today`, and the check character.
    /// A lowercase `x` is accepted and stored as `X`.
    pub fn parse(text: &str, today: Date) -> Result<Self, IdentityError> {
        let id = Self::parse_stored(text)?;
        if id.birth_date() > today {
            return Err(IdentityError::BirthInFuture);
        }
        Ok(id)
    }

    /// Parses a number that was checked against a date when it was first recorded: every
    /// check of [`CitizenId::parse`] but the one against today. For reading storage back.
    pub fn parse_stored(text: &str) -> Result<Self, IdentityError> {
        let bytes = text.as_bytes();
        if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
            return Err(IdentityError::Format(text.chars().count()));
        }
        let mut raw = [0u8; 18];
        raw.copy_from_slice(bytes);
        raw[17] = raw[17].to_ascii_uppercase();
        if !(raw[17].is_ascii_digit() || raw[17] == b'X') {
            return Err(IdentityError::Format(18));
        }
        let province = u32::from(raw[0] - b'0') * 10 + u32::from(raw[1] - b'0');
        if !(11..=91).contains(&province) {
            return Err(IdentityError::Region);
        }
        birth_date_of(&raw).ok_or(IdentityError::BirthDate)?;
        let mut first17 = [0u8; 17];
        first17.copy_from_slice(&raw[..17]);
        let expected = check_character(&first17);
        if char::from(raw[17]) != expected {
            return Err(IdentityError::CheckCharacter { expected });
        }
        Ok(Self(raw))
    }

    /// The birth date in characters 7–14.
    pub fn birth_date(&self) -> Date {
        // Checked at parse time.
        birth_date_of(&self.0).unwrap_or(Date::MIN)
    }

    /// The sex from the parity of the sequence number (character 17).
    pub fn sex(&self) -> Sex {
        if (self.0[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The 6-digit administrative region code where the number was issued.
    pub fn region_code(&self) -> &str {
        std::str::from_utf8(&self.0[..6]).unwrap_or_default()
    }

    /// The full number, for storage and the wire only; never log it.
    pub fn expose(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// A masked form safe for logs and screens: `1101**********002X`.
    pub fn masked(&self) -> String {
        let full = self.expose();
        format!("{}**********{}", &full[..4], &full[14..])
    }
}

fn birth_date_of(raw: &[u8; 18]) -> Option<Date> {
    let num = |range: std::ops::Range<usize>| -> u32 {
        raw[range]
            .iter()
            .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let year = i32::try_from(num(6..10)).ok()?;
    if year < 1850 {
        return None;
    }
    let month = Month::try_from(u8::try_from(num(10..12)).ok()?).ok()?;
    let day = u8::try_from(num(12..14)).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

impl fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CitizenId({})", self.masked())
    }
}

impl fmt::Display for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl Serialize for CitizenId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for CitizenId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        CitizenId::parse_stored(&text).map_err(serde::de::Error::custom)
    }
}

/// Identity documents other than the citizen identity number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Citizen identity number (居民身份证).
    CitizenId,
    /// Passport.
    Passport,
    /// Mainland travel permit for Hong Kong and Macao residents.
    HongKongMacaoPermit,
    /// Mainland travel permit for Taiwan residents.
    TaiwanPermit,
    /// Foreigner's permanent residence ID card.
    ForeignPermanentResidentCard,
    /// Household register booklet number for children without an ID card.
    HouseholdRegister,
}

/// A resident's identity document.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "number", rename_all = "snake_case")]
pub enum IdentityDocument {
    /// The citizen identity number, fully checked.
    CitizenId(CitizenId),
    /// Another document, with its explicit type.
    Other(OtherDocument),
}

/// Another document: its type and number (5–32 ASCII letters or digits, upper-cased).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OtherDocument {
    kind: DocumentKind,
    number: String,
}

impl OtherDocument {
    /// Checks the number's shape; a citizen id must use [`IdentityDocument::CitizenId`].
    pub fn new(kind: DocumentKind, number: &str) -> Result<Self, IdentityError> {
        if kind == DocumentKind::CitizenId {
            return Err(IdentityError::CitizenIdAsOther);
        }
        let number = number.trim();
        if !(5..=32).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(IdentityError::DocumentNumber { kind });
        }
        Ok(Self {
            kind,
            number: number.to_ascii_uppercase(),
        })
    }

    /// The document type.
    pub fn kind(&self) -> DocumentKind {
        self.kind
    }

    /// The full number, for storage only; never log it.
    pub fn expose(&self) -> &str {
        &self.number
    }
}

impl IdentityDocument {
    /// The document type.
    pub fn kind(&self) -> DocumentKind {
        match self {
            IdentityDocument::CitizenId(_) => DocumentKind::CitizenId,
            IdentityDocument::Other(o) => o.kind,
        }
    }

    /// The full number, for storage and the wire only; never log it.
    pub fn expose(&self) -> &str {
        match self {
            IdentityDocument::CitizenId(id) => id.expose(),
            IdentityDocument::Other(o) => &o.number,
        }
    }

    /// A masked form safe for logs.
    pub fn masked(&self) -> String {
        match self {
            IdentityDocument::CitizenId(id) => id.masked(),
            IdentityDocument::Other(o) => {
                let n = &o.number;
                format!("{}***{}", &n[..2], &n[n.len() - 2..])
            }
        }
    }
}

impl fmt::Debug for IdentityDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}({})", self.kind(), self.masked())
    }
}

impl fmt::Debug for OtherDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&IdentityDocument::Other(self.clone()), f)
    }
}

/// A resident with a health record (健康档案).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resident {
    id: ResidentId,
    document: IdentityDocument,
    birth_date: Date,
    sex: Sex,
    household: Option<HouseholdId>,
    /// When the resident started living in the jurisdiction.
    resident_since: Date,
    moved_out_on: Option<Date>,
    died_on: Option<Date>,
    /// The personal information form; empty in records written before it existed.
    #[serde(default)]
    personal: PersonalInfo,
}

impl Resident {
    /// A resident identified by a citizen id: birth date and sex come from the number.
    pub fn with_citizen_id(
        id: ResidentId,
        citizen_id: CitizenId,
        household: Option<HouseholdId>,
        resident_since: Date,
    ) -> Result<Self, IdentityError> {
        let birth_date = citizen_id.birth_date();
        let sex = citizen_id.sex();
        Self::new(
            id,
            IdentityDocument::CitizenId(citizen_id),
            birth_date,
            sex,
            household,
            resident_since,
        )
    }

    /// A resident identified by another document, with birth date and sex given.
    pub fn with_document(
        id: ResidentId,
        document: OtherDocument,
        birth_date: Date,
        sex: Sex,
        household: Option<HouseholdId>,
        resident_since: Date,
    ) -> Result<Self, IdentityError> {
        Self::new(
            id,
            IdentityDocument::Other(document),
            birth_date,
            sex,
            household,
            resident_since,
        )
    }

    fn new(
        id: ResidentId,
        document: IdentityDocument,
        birth_date: Date,
        sex: Sex,
        household: Option<HouseholdId>,
        resident_since: Date,
    ) -> Result<Self, IdentityError> {
        if resident_since < birth_date {
            return Err(IdentityError::BeforeBirth {
                what: "resident since",
                date: resident_since,
            });
        }
        Ok(Self {
            id,
            document,
            birth_date,
            sex,
            household,
            resident_since,
            moved_out_on: None,
            died_on: None,
            personal: PersonalInfo::default(),
        })
    }

    /// The record with its personal information form filled in at registration, checked
    /// against the birth date and `today` ([`PersonalInfo::check`]).
    pub fn with_personal(self, personal: PersonalInfo, today: Date) -> Result<Self, FormError> {
        personal.check(self.birth_date, today)?;
        Ok(Self { personal, ..self })
    }

    /// The personal information form.
    pub fn personal(&self) -> &PersonalInfo {
        &self.personal
    }

    /// Replaces the named `fields` of the form with those of `from` (a named field absent
    /// there is cleared), checked as at registration. No event when nothing changes.
    pub fn update_personal(
        self,
        from: PersonalInfo,
        fields: &BTreeSet<PersonalField>,
        today: Date,
    ) -> Result<(Self, Vec<ResidentEvent>), FormError> {
        let personal = self.personal.clone().replaced(from, fields);
        personal.check(self.birth_date, today)?;
        if personal == self.personal {
            return Ok((self, Vec::new()));
        }
        let changed: BTreeSet<PersonalField> = PersonalField::ALL
            .iter()
            .copied()
            .filter(|f| {
                let one = BTreeSet::from([*f]);
                PersonalInfo::default().replaced(personal.clone(), &one)
                    != PersonalInfo::default().replaced(self.personal.clone(), &one)
            })
            .collect();
        let event = ResidentEvent::PersonalInfoChanged {
            resident: self.id,
            fields: changed,
        };
        Ok((Self { personal, ..self }, vec![event]))
    }

    /// The resident's id.
    pub fn id(&self) -> ResidentId {
        self.id
    }

    /// The identity document.
    pub fn document(&self) -> &IdentityDocument {
        &self.document
    }

    /// Birth date.
    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// Sex.
    pub fn sex(&self) -> Sex {
        self.sex
    }

    /// The household, if registered in one.
    pub fn household(&self) -> Option<HouseholdId> {
        self.household
    }

    /// When residence in the jurisdiction began.
    pub fn resident_since(&self) -> Date {
        self.resident_since
    }

    /// The date of moving out, if any.
    pub fn moved_out_on(&self) -> Option<Date> {
        self.moved_out_on
    }

    /// The date of death, if any.
    pub fn died_on(&self) -> Option<Date> {
        self.died_on
    }

    /// Completed years of age on `date` (0 before birth: a resident has no negative age).
    pub fn age_on(&self, date: Date) -> u16 {
        calendar::years_between(self.birth_date, date).unwrap_or(0)
    }

    /// Whether the resident lived in the jurisdiction on `date` (not yet moved out or dead).
    pub fn lives_here_on(&self, date: Date) -> bool {
        date >= self.resident_since
            && self.moved_out_on.is_none_or(|d| date < d)
            && self.died_on.is_none_or(|d| date < d)
    }

    /// 常住居民: living here on `date` for at least the profile's months. Only permanent
    /// residents count in indicator denominators.
    pub fn is_permanent_on(&self, date: Date, profile: &RuleProfile) -> bool {
        self.lives_here_on(date)
            && calendar::add_months(self.resident_since, profile.residency.permanent_min_months)
                <= date
    }

    /// The event that registers this resident, for the outbox.
    pub fn registered(&self) -> ResidentEvent {
        ResidentEvent::ResidentRegistered {
            resident: self.id,
            household: self.household,
            resident_since: self.resident_since,
        }
    }

    /// Moves the resident to another household.
    pub fn move_household(self, household: HouseholdId) -> (Self, Vec<ResidentEvent>) {
        let event = ResidentEvent::HouseholdChanged {
            resident: self.id,
            household,
        };
        (
            Self {
                household: Some(household),
                ..self
            },
            vec![event],
        )
    }

    /// Records moving out of the jurisdiction.
    pub fn move_out(self, on: Date) -> Result<(Self, Vec<ResidentEvent>), IdentityError> {
        if on < self.birth_date {
            return Err(IdentityError::BeforeBirth {
                what: "moved out",
                date: on,
            });
        }
        let event = ResidentEvent::ResidentMovedOut {
            resident: self.id,
            on,
        };
        Ok((
            Self {
                moved_out_on: Some(on),
                ..self
            },
            vec![event],
        ))
    }

    /// Records death.
    pub fn record_death(self, on: Date) -> Result<(Self, Vec<ResidentEvent>), IdentityError> {
        if on < self.birth_date {
            return Err(IdentityError::BeforeBirth {
                what: "died",
                date: on,
            });
        }
        let event = ResidentEvent::ResidentDied {
            resident: self.id,
            on,
        };
        Ok((
            Self {
                died_on: Some(on),
                ..self
            },
            vec![event],
        ))
    }
}

/// A change to a resident's record, for the outbox. Carries no identity number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResidentEvent {
    /// A resident was registered.
    ResidentRegistered {
        /// The resident.
        resident: ResidentId,
        /// The household.
        household: Option<HouseholdId>,
        /// Start of residence.
        resident_since: Date,
    },
    /// The resident joined another household.
    HouseholdChanged {
        /// The resident.
        resident: ResidentId,
        /// The new household.
        household: HouseholdId,
    },
    /// The resident moved out.
    ResidentMovedOut {
        /// The resident.
        resident: ResidentId,
        /// Date.
        on: Date,
    },
    /// The resident died.
    ResidentDied {
        /// The resident.
        resident: ResidentId,
        /// Date.
        on: Date,
    },
    /// Fields of the personal information form changed: which, never their values.
    PersonalInfoChanged {
        /// The resident.
        resident: ResidentId,
        /// The fields whose values changed.
        fields: BTreeSet<PersonalField>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 23);

    #[test]
    fn v15_a_valid_female_id_born_1949_12_31() {
        let id = CitizenId::parse("11010519491231002X", TODAY).unwrap();
        assert_eq!(id.birth_date(), date!(1949 - 12 - 31));
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.region_code(), "110105");
    }

    #[test]
    fn v16_a_wrong_check_character_is_rejected() {
        assert_eq!(
            CitizenId::parse("110105194912310021", TODAY),
            Err(IdentityError::CheckCharacter { expected: 'X' })
        );
    }

    #[test]
    fn a_lowercase_x_is_accepted_and_normalised() {
        let id = CitizenId::parse("11010519491231002x", TODAY).unwrap();
        assert_eq!(id.expose(), "11010519491231002X");
    }

    #[test]
    fn an_impossible_birth_date_is_rejected() {
        // 1949-02-30, check character recomputed so only the date is wrong.
        let first17 = *b"11010519490230002";
        let text = format!(
            "{}{}",
            std::str::from_utf8(&first17).unwrap(),
            check_character(&first17)
        );
        assert_eq!(
            CitizenId::parse(&text, TODAY),
            Err(IdentityError::BirthDate)
        );
    }

    #[test]
    fn a_birth_date_in_the_future_is_rejected() {
        let first17 = *b"11010520301231002";
        let text = format!(
            "{}{}",
            std::str::from_utf8(&first17).unwrap(),
            check_character(&first17)
        );
        assert_eq!(
            CitizenId::parse(&text, TODAY),
            Err(IdentityError::BirthInFuture)
        );
        assert!(CitizenId::parse_stored(&text).is_ok());
    }

    #[test]
    fn identity_numbers_are_masked_in_debug_and_display() {
        let id = CitizenId::parse("11010519491231002X", TODAY).unwrap();
        assert_eq!(format!("{id}"), "1101**********002X");
        assert!(!format!("{id:?}").contains("19491231"));
        let doc = IdentityDocument::CitizenId(id);
        assert!(!format!("{doc:?}").contains("19491231"));
    }

    #[test]
    fn other_documents_need_a_plausible_number() {
        assert!(OtherDocument::new(DocumentKind::Passport, "E12345678").is_ok());
        assert_eq!(
            OtherDocument::new(DocumentKind::Passport, "E1"),
            Err(IdentityError::DocumentNumber {
                kind: DocumentKind::Passport
            })
        );
        assert_eq!(
            OtherDocument::new(DocumentKind::CitizenId, "11010519491231002X"),
            Err(IdentityError::CitizenIdAsOther)
        );
    }

    #[test]
    fn permanent_residence_needs_six_months() {
        let id = CitizenId::parse("11010519491231002X", TODAY).unwrap();
        let r =
            Resident::with_citizen_id(ResidentId::from_u128(1), id, None, date!(2026 - 05 - 24))
                .unwrap();
        let p = RuleProfile::bphs3();
        assert!(!r.is_permanent_on(date!(2026 - 11 - 23), &p));
        assert!(r.is_permanent_on(date!(2026 - 11 - 24), &p));
        let (moved, events) = r.move_out(date!(2026 - 12 - 01)).unwrap();
        assert_eq!(events.len(), 1);
        assert!(!moved.is_permanent_on(date!(2026 - 12 - 01), &p));
    }

    fn valid_id() -> impl Strategy<Value = String> {
        (11u32..=65, 0u32..10_000, 0i32..36_000, 0u32..1000).prop_map(
            |(prov, region, days, seq)| {
                let birth = date!(1926 - 01 - 01) + time::Duration::days(i64::from(days));
                let first17 = format!(
                    "{prov:02}{region:04}{:04}{:02}{:02}{seq:03}",
                    birth.year(),
                    u8::from(birth.month()),
                    birth.day()
                );
                let bytes: [u8; 17] = first17.as_bytes().try_into().unwrap();
                format!("{first17}{}", check_character(&bytes))
            },
        )
    }

    proptest! {
        #[test]
        fn identity_numbers_round_trip(text in valid_id()) {
            let id = CitizenId::parse(&text, TODAY).unwrap();
            prop_assert_eq!(id.expose(), text.as_str());
            let json = serde_json_like(&id);
            prop_assert_eq!(CitizenId::parse_stored(&json).unwrap(), id);
        }

        #[test]
        fn a_single_changed_character_is_always_detected(text in valid_id(), pos in 0usize..18, delta in 1u8..11) {
            let mut bytes = text.into_bytes();
            let alphabet = b"0123456789X";
            let current = alphabet.iter().position(|c| *c == bytes[pos]).unwrap();
            let size = if pos == 17 { 11 } else { 10 };
            let replacement = alphabet[(current + usize::from(delta)) % size];
            prop_assume!(replacement != bytes[pos]);
            bytes[pos] = replacement;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(CitizenId::parse_stored(&changed).is_err(), "{} accepted", changed);
        }
    }

    fn registered() -> Resident {
        let id = CitizenId::parse("11010519491231002X", TODAY).unwrap();
        Resident::with_citizen_id(ResidentId::from_u128(9), id, None, date!(1990 - 01 - 01))
            .unwrap()
    }

    #[test]
    fn a_record_written_before_the_form_reads_with_an_empty_form() {
        let r = registered();
        let mut json = serde_json::to_value(&r).unwrap();
        json.as_object_mut().unwrap().remove("personal");
        let old: Resident = serde_json::from_value(json).unwrap();
        assert_eq!(old, r);
        assert_eq!(old.personal(), &PersonalInfo::default());
    }

    #[test]
    fn updating_the_form_names_only_the_fields_that_changed() {
        use crate::personal::{PersonName, Phone};
        let form = PersonalInfo {
            name: Some(PersonName::parse("李秀英").unwrap()),
            ..PersonalInfo::default()
        };
        let r = registered().with_personal(form.clone(), TODAY).unwrap();
        let new = PersonalInfo {
            name: form.name.clone(),
            phone: Some(Phone::parse("13800138000").unwrap()),
            ..PersonalInfo::default()
        };
        let mask = BTreeSet::from([PersonalField::DisplayName, PersonalField::Phone]);
        let (r, events) = r.update_personal(new, &mask, TODAY).unwrap();
        assert_eq!(
            events,
            vec![ResidentEvent::PersonalInfoChanged {
                resident: r.id(),
                fields: BTreeSet::from([PersonalField::Phone]),
            }]
        );
        let (same, none) = r
            .clone()
            .update_personal(r.personal().clone(), &mask, TODAY)
            .unwrap();
        assert!(none.is_empty());
        assert_eq!(same, r);
    }

    #[test]
    fn a_history_dated_before_birth_is_refused_on_update_and_the_record_is_unchanged() {
        use crate::personal::{Note, PastEvent, PastHistory};
        let form = PersonalInfo {
            past_history: PastHistory {
                operations: vec![PastEvent {
                    what: Note::parse("阑尾切除术").unwrap(),
                    on: date!(1949 - 12 - 30),
                }],
                ..PastHistory::default()
            },
            ..PersonalInfo::default()
        };
        let e = registered()
            .update_personal(form, &BTreeSet::from([PersonalField::PastHistory]), TODAY)
            .unwrap_err();
        assert_eq!(e.field, "past_history.operations");
    }

    fn serde_json_like(id: &CitizenId) -> String {
        id.expose().to_owned()
    }
}
