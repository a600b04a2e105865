//! What a record is found by besides its identity document: a phone, exactly, and a name, by
//! its beginning. The store keeps only keyed hashes of these terms (a blind index, as for the
//! document), so the rule of which terms a record answers to lives here, once.
//!
//! - A phone finds the resident it belongs to and the resident it is the contact phone of: a
//!   village doctor often knows an elderly patient by a son's or daughter's number.
//! - A name finds its resident by every beginning of its search form
//!   ([`super::search_form`]) up to [`NAME_PREFIX_MAX_CHARS`] characters. A longer query is
//!   looked up by its first [`NAME_PREFIX_MAX_CHARS`] and then compared whole
//!   ([`ResidentQuery::matches`]), so an index of bounded size still answers any prefix.

use std::collections::BTreeSet;

use super::{NAME_MAX_CHARS, PersonalError, PersonalInfo, Phone, search_form};
use crate::text::TextError;

/// The longest name beginning kept in the index: a Chinese name is two to four characters, a
/// transliterated one is told apart well before ten.
pub const NAME_PREFIX_MAX_CHARS: usize = 10;

/// One term a record answers to: what the store hashes, under [`SearchTerm::context`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SearchTerm {
    /// A phone's digits.
    Phone(String),
    /// A beginning of a name's search form.
    NamePrefix(String),
}

impl SearchTerm {
    /// The hash context of the term's kind: a phone and a name never share a hash.
    pub fn context(&self) -> &'static str {
        match self {
            Self::Phone(_) => "resident.phone",
            Self::NamePrefix(_) => "resident.name_prefix",
        }
    }

    /// The value hashed. Never log it.
    pub fn value(&self) -> &str {
        match self {
            Self::Phone(v) | Self::NamePrefix(v) => v,
        }
    }
}

impl PersonalInfo {
    /// Every term the record answers to: its phone and its contact's, and each beginning of its
    /// name of one to [`NAME_PREFIX_MAX_CHARS`] characters.
    pub fn search_terms(&self) -> BTreeSet<SearchTerm> {
        let mut terms = BTreeSet::new();
        for phone in [self.phone.as_ref(), self.contact.as_ref().map(|c| &c.phone)]
            .into_iter()
            .flatten()
        {
            terms.insert(SearchTerm::Phone(phone.expose().to_owned()));
        }
        if let Some(name) = &self.name {
            let form = name.search_form();
            let mut prefix = String::new();
            for c in form.chars().take(NAME_PREFIX_MAX_CHARS) {
                prefix.push(c);
                terms.insert(SearchTerm::NamePrefix(prefix.clone()));
            }
        }
        terms
    }
}

/// A search for residents other than by identity document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResidentQuery {
    /// The resident with this phone, or with it as the contact's phone.
    Phone(Phone),
    /// Residents whose name begins so (in search form: lowercase, no separators).
    NamePrefix(String),
}

impl ResidentQuery {
    /// A search by the beginning of a name: at least one letter, at most a name's length.
    pub fn name_prefix(raw: &str) -> Result<Self, PersonalError> {
        let form = search_form(raw);
        let chars = form.chars().count();
        if chars == 0 {
            return Err(PersonalError::Text(TextError::TooShort { min: 1 }));
        }
        if chars > NAME_MAX_CHARS {
            return Err(PersonalError::Text(TextError::TooLong {
                max: NAME_MAX_CHARS,
            }));
        }
        Ok(Self::NamePrefix(form))
    }

    /// The indexed term to look up: every record that matches answers to it.
    pub fn term(&self) -> SearchTerm {
        match self {
            Self::Phone(p) => SearchTerm::Phone(p.expose().to_owned()),
            Self::NamePrefix(p) => {
                SearchTerm::NamePrefix(p.chars().take(NAME_PREFIX_MAX_CHARS).collect())
            }
        }
    }

    /// Whether the record `info` answers this search: what decides, once the index has found
    /// the candidates (a prefix longer than the index's, or a hash collision, is settled here).
    pub fn matches(&self, info: &PersonalInfo) -> bool {
        match self {
            Self::Phone(p) => {
                info.phone.as_ref() == Some(p)
                    || info.contact.as_ref().is_some_and(|c| &c.phone == p)
            }
            Self::NamePrefix(prefix) => info
                .name
                .as_ref()
                .is_some_and(|n| n.search_form().starts_with(prefix.as_str())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::personal::{Contact, PersonName};
    use proptest::prelude::*;

    fn named(name: &str) -> PersonalInfo {
        PersonalInfo {
            name: Some(PersonName::parse(name).unwrap()),
            ..PersonalInfo::default()
        }
    }

    #[test]
    fn a_phone_finds_its_resident_and_the_one_it_is_the_contact_of() {
        let own = Phone::parse("13800138000").unwrap();
        let sons = Phone::parse("139-0013-9000").unwrap();
        let info = PersonalInfo {
            phone: Some(own.clone()),
            contact: Some(Contact {
                name: PersonName::parse("王建国").unwrap(),
                phone: sons.clone(),
            }),
            ..PersonalInfo::default()
        };
        for p in [own, sons] {
            let q = ResidentQuery::Phone(p);
            assert!(info.search_terms().contains(&q.term()));
            assert!(q.matches(&info));
        }
        let other = ResidentQuery::Phone(Phone::parse("13700137000").unwrap());
        assert!(!info.search_terms().contains(&other.term()));
        assert!(!other.matches(&info));
        // The contact's name is no term: only the resident's own.
        assert!(
            !info
                .search_terms()
                .contains(&SearchTerm::NamePrefix("王".into()))
        );
    }

    #[test]
    fn a_name_answers_to_each_beginning_up_to_the_index_length() {
        let info = named("阿依古丽·买买提");
        let prefixes: Vec<_> = info
            .search_terms()
            .into_iter()
            .filter_map(|t| match t {
                SearchTerm::NamePrefix(p) => Some(p),
                SearchTerm::Phone(_) => None,
            })
            .collect();
        assert_eq!(prefixes.len(), 7);
        assert!(prefixes.contains(&"阿依古丽买".to_owned()));
        let long = named("Ayiguli Maimaiti");
        assert_eq!(long.search_terms().len(), NAME_PREFIX_MAX_CHARS);
        let q = ResidentQuery::name_prefix("ayiguli·maim").unwrap();
        assert_eq!(q.term(), SearchTerm::NamePrefix("ayigulimai".into()));
        assert!(q.matches(&long));
        let wrong = ResidentQuery::name_prefix("ayigulimaix").unwrap();
        assert_eq!(wrong.term(), q.term());
        assert!(!wrong.matches(&long), "the whole query decides");
    }

    #[test]
    fn a_name_search_needs_a_letter_and_no_more_than_a_name() {
        assert!(ResidentQuery::name_prefix(" · ").is_err());
        assert!(ResidentQuery::name_prefix("").is_err());
        assert!(ResidentQuery::name_prefix(&"张".repeat(NAME_MAX_CHARS + 1)).is_err());
        assert_eq!(
            ResidentQuery::name_prefix(" 张 ").unwrap(),
            ResidentQuery::NamePrefix("张".into())
        );
    }

    #[test]
    fn a_phone_and_a_name_never_share_a_context() {
        let p = SearchTerm::Phone("1".into());
        let n = SearchTerm::NamePrefix("1".into());
        assert_ne!(p.context(), n.context());
    }

    proptest! {
        /// Found exactly when it matches: every beginning of a name finds it through the index,
        /// and a query that is no beginning of it is refused by `matches`.
        #[test]
        fn a_name_is_found_by_exactly_its_beginnings(
            name in "[张王李赵阿依古丽a-zA-Z]{1,16}",
            query in "[张王李赵阿依古丽a-zA-Z]{1,16}",
        ) {
            let info = named(&name);
            let form = search_form(&name);
            for end in 1..=form.chars().count() {
                let prefix: String = form.chars().take(end).collect();
                let q = ResidentQuery::name_prefix(&prefix).unwrap();
                prop_assert!(info.search_terms().contains(&q.term()), "{}", prefix);
                prop_assert!(q.matches(&info));
            }
            let q = ResidentQuery::name_prefix(&query).unwrap();
            prop_assert_eq!(q.matches(&info), form.starts_with(&search_form(&query)));
            if q.matches(&info) {
                prop_assert!(info.search_terms().contains(&q.term()));
            }
        }
    }
}
