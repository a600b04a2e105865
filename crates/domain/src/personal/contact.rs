//! A person's name and phone numbers as the form records them: sensitive personal information
//! (PIPL art. 28), so their `Debug` is masked and only [`PersonName::expose`] and
//! [`Phone::expose`] give the value, for storage and the wire.

use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

use super::PersonalError;
use crate::text;

/// The most characters a name keeps (a transliterated minority name with its middle dot runs
/// long; 50 is what GB/T 2261-style forms allow).
pub const NAME_MAX_CHARS: usize = 50;

/// A person's name (姓名): letters and marks of any script, with the separators names use
/// (space, the middle dot of transliterated minority names `·`, `-`, `'`, `.`), at most
/// [`NAME_MAX_CHARS`] characters. No digits: a name with a digit is a typing slip.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl PersonName {
    /// The name in `raw`, trimmed.
    pub fn parse(raw: &str) -> Result<Self, PersonalError> {
        let name = text::required(raw, 1, NAME_MAX_CHARS).map_err(PersonalError::Text)?;
        let allowed = |c: char| {
            matches!(
                c.general_category_group(),
                GeneralCategoryGroup::Letter | GeneralCategoryGroup::Mark
            ) || matches!(c, ' ' | '·' | '•' | '・' | '-' | '\'' | '.')
        };
        if !name.chars().all(allowed) {
            return Err(PersonalError::Name);
        }
        Ok(Self(name))
    }

    /// The name, for storage and the wire only; never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The form a name search compares: lowercase, without separators, so `Ayiguli·Maimaiti`,
    /// `ayiguli maimaiti` and `AyiguliMaimaiti` are one name.
    pub fn search_form(&self) -> String {
        search_form(&self.0)
    }

    /// The name masked for a log or a list a stranger may see: the first character, then `*`
    /// for each further one (张** for 张三丰).
    pub fn masked(&self) -> String {
        let mut chars = self.0.chars().filter(|c| !is_separator(*c));
        let first = chars.next().map(String::from).unwrap_or_default();
        first + &"*".repeat(chars.count().max(1))
    }
}

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '·' | '•' | '・' | '-' | '\'' | '.')
}

/// `raw` as a name search compares it (see [`PersonName::search_form`]); also applied to a
/// search's prefix, so both sides are spelled alike.
pub fn search_form(raw: &str) -> String {
    text::trim(raw)
        .chars()
        .filter(|c| !is_separator(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

impl TryFrom<String> for PersonName {
    type Error = PersonalError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<PersonName> for String {
    fn from(n: PersonName) -> Self {
        n.0
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonName({})", self.masked())
    }
}

/// A phone number of mainland China, kept as digits: a mobile number (11 digits, `1` then
/// `3`–`9`), a landline with its area code (`0`, then 9 to 11 digits), or a local landline
/// (7 or 8 digits, not starting with `0` or `1`). Spaces and hyphens are dropped and a leading
/// `+86` or `0086` is removed, so one number has one spelling and an exact search finds it.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// The number in `raw`.
    pub fn parse(raw: &str) -> Result<Self, PersonalError> {
        let mut digits: String = text::trim(raw)
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
            .collect();
        for prefix in ["+86", "0086"] {
            if let Some(rest) = digits.strip_prefix(prefix) {
                digits = rest.to_owned();
                break;
            }
        }
        if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PersonalError::Phone);
        }
        let b = digits.as_bytes();
        let valid = match b[0] {
            b'1' => b.len() == 11 && (b'3'..=b'9').contains(&b[1]),
            b'0' => (10..=12).contains(&b.len()) && b[1] != b'0',
            _ => (7..=8).contains(&b.len()),
        };
        if valid {
            Ok(Self(digits))
        } else {
            Err(PersonalError::Phone)
        }
    }

    /// The digits, for storage and the wire only; never log them.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The number masked: its first three and last four digits for a mobile (`138****5678`),
    /// its last two otherwise.
    pub fn masked(&self) -> String {
        let n = &self.0;
        if n.len() == 11 {
            format!("{}****{}", &n[..3], &n[7..])
        } else {
            format!("{}{}", "*".repeat(n.len() - 2), &n[n.len() - 2..])
        }
    }
}

impl TryFrom<String> for Phone {
    type Error = PersonalError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> Self {
        p.0
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

/// The person to call about the resident (联系人): a name and a phone, both required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Their name.
    pub name: PersonName,
    /// Their phone.
    pub phone: Phone,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_of_every_script_and_their_separators_are_accepted() {
        for raw in [
            "张三",
            " 欧阳娜娜 ",
            "阿依古丽·买买提",
            "Mary-Jane O'Neil",
            "Nguyễn Văn A",
        ] {
            assert_eq!(PersonName::parse(raw).unwrap().expose(), raw.trim());
        }
    }

    #[test]
    fn a_name_with_a_digit_or_nothing_visible_is_refused() {
        assert_eq!(PersonName::parse("张3"), Err(PersonalError::Name));
        assert!(matches!(
            PersonName::parse(" \u{200B} "),
            Err(PersonalError::Text(_))
        ));
        assert!(PersonName::parse(&"张".repeat(NAME_MAX_CHARS + 1)).is_err());
        assert!(PersonName::parse(&"张".repeat(NAME_MAX_CHARS)).is_ok());
    }

    #[test]
    fn a_name_is_masked_after_its_first_character() {
        assert_eq!(PersonName::parse("张三丰").unwrap().masked(), "张**");
        assert_eq!(PersonName::parse("李").unwrap().masked(), "李*");
        assert_eq!(
            format!("{:?}", PersonName::parse("王小明").unwrap()),
            "PersonName(王**)"
        );
    }

    #[test]
    fn search_forms_ignore_case_and_separators() {
        let a = PersonName::parse("Ayiguli·Maimaiti").unwrap();
        assert_eq!(a.search_form(), "ayigulimaimaiti");
        assert_eq!(search_form(" ayiguli maimaiti"), a.search_form());
    }

    #[test]
    fn phones_of_each_kind_are_kept_as_digits() {
        for (raw, kept) in [
            ("138 0013 8000", "13800138000"),
            ("+86 138-0013-8000", "13800138000"),
            ("0731-84561234", "073184561234"),
            ("010 6512 3456", "01065123456"),
            ("4561234", "4561234"),
        ] {
            assert_eq!(Phone::parse(raw).unwrap().expose(), kept, "{raw}");
        }
    }

    #[test]
    fn numbers_that_cannot_be_dialled_are_refused() {
        for raw in [
            "",
            "12800138000",
            "1380013800",
            "138001380001",
            "0012345678",
            "123456",
            "138a0013800",
            "001065123456789",
        ] {
            assert_eq!(Phone::parse(raw), Err(PersonalError::Phone), "{raw}");
        }
    }

    #[test]
    fn phones_are_masked() {
        assert_eq!(Phone::parse("13800138000").unwrap().masked(), "138****8000");
        assert_eq!(Phone::parse("4561234").unwrap().masked(), "*****34");
    }

    proptest! {
        #[test]
        fn every_mobile_number_parses_to_itself(second in 3u8..=9, rest in "[0-9]{9}") {
            let n = format!("1{second}{rest}");
            let p = Phone::parse(&n).unwrap();
            prop_assert_eq!(p.expose(), n.as_str());
        }

        #[test]
        fn a_parsed_phone_round_trips_through_its_digits(raw in "[+0-9 ()-]{0,20}") {
            if let Ok(p) = Phone::parse(&raw) {
                prop_assert_eq!(Phone::parse(p.expose()), Ok(p.clone()));
                prop_assert_eq!(p.masked().len(), p.expose().len());
                prop_assert_ne!(p.masked(), p.expose());
            }
        }

        #[test]
        fn a_parsed_name_round_trips_and_never_holds_a_digit(raw in "\\PC{0,60}") {
            if let Ok(n) = PersonName::parse(&raw) {
                prop_assert!(!n.expose().chars().any(|c| c.is_ascii_digit()));
                prop_assert_eq!(PersonName::parse(n.expose()), Ok(n.clone()));
            }
        }
    }
}
