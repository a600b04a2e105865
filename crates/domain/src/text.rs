//! Free text as people type it, and as errors may quote it.
//!
//! A rule that requires text (a break-glass reason, a discharge summary, a name) counts what a
//! reader sees: ten zero-width spaces are not a reason. Text is trimmed of whitespace and of
//! invisible characters (Unicode controls and format characters such as U+200B, U+FEFF, U+2060)
//! at both ends, and its length is counted in visible characters: letters, numbers,
//! punctuation and symbols (a combining mark decorates the character before it; the Hangul
//! fillers are letters that show nothing).
//!
//! An error never copies a value whole: [`excerpt`] quotes a short, escaped prefix, so a
//! 5,000-character input cannot grow an error past what a client accepts.

use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

/// How many characters of a value an error quotes.
pub const EXCERPT_CHARS: usize = 32;

/// Text that fails a length rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Fewer visible characters than the rule asks.
    #[error("must have at least {min} visible characters")]
    TooShort {
        /// The fewest visible characters allowed.
        min: usize,
    },
    /// More characters than may be kept.
    #[error("must have at most {max} characters")]
    TooLong {
        /// The most characters allowed (every character counts here: it is stored).
        max: usize,
    },
}

/// Whether a reader sees `c`.
pub fn is_visible(c: char) -> bool {
    if matches!(c, '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}') {
        return false;
    }
    matches!(
        c.general_category_group(),
        GeneralCategoryGroup::Letter
            | GeneralCategoryGroup::Number
            | GeneralCategoryGroup::Punctuation
            | GeneralCategoryGroup::Symbol
    )
}

/// Whether `c` may be trimmed from either end: whitespace, controls and format characters.
fn is_blank(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c.general_category(),
            GeneralCategory::Control | GeneralCategory::Format
        )
}

/// `raw` without whitespace and invisible characters at either end.
pub fn trim(raw: &str) -> &str {
    raw.trim_matches(is_blank)
}

/// How many characters of `text` a reader sees.
pub fn visible_len(text: &str) -> usize {
    text.chars().filter(|&c| is_visible(c)).count()
}

/// `raw` trimmed, if a reader sees anything in it.
pub fn nonblank(raw: &str) -> Option<&str> {
    let text = trim(raw);
    (visible_len(text) > 0).then_some(text)
}

/// Required text: trimmed ([`trim`]), with at least `min` visible characters and at most `max`
/// characters in all.
pub fn required(raw: &str, min: usize, max: usize) -> Result<String, TextError> {
    let text = trim(raw);
    if visible_len(text) < min.max(1) {
        return Err(TextError::TooShort { min: min.max(1) });
    }
    if text.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(text.to_owned())
}

/// A value as an error may quote it: at most [`EXCERPT_CHARS`] characters, escaped (quotes,
/// controls and invisible characters as `\u{…}`), marked when cut with the full length.
pub fn excerpt(value: &str) -> String {
    let total = value.chars().count();
    let shown: String = value
        .chars()
        .take(EXCERPT_CHARS)
        .flat_map(char::escape_debug)
        .collect();
    if total > EXCERPT_CHARS {
        format!("\"{shown}…\" ({total} characters)")
    } else {
        format!("\"{shown}\"")
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn invisible_characters_are_not_text() {
        let zero_width = "\u{200B}".repeat(10);
        assert_eq!(visible_len(&zero_width), 0);
        assert_eq!(
            required(&zero_width, 10, 500),
            Err(TextError::TooShort { min: 10 })
        );
        let fillers = "\u{3164}\u{FEFF}\u{2060}\u{00AD} \u{3000}\t";
        assert_eq!(
            required(fillers, 1, 10),
            Err(TextError::TooShort { min: 1 })
        );
        assert_eq!(
            required("\u{200B} 胸痛伴大汗，血压测不到 \u{FEFF}", 10, 500).as_deref(),
            Ok("胸痛伴大汗，血压测不到")
        );
    }

    #[test]
    fn a_long_value_is_quoted_as_a_short_escaped_prefix() {
        let long = "a\"\n".repeat(2000);
        let quoted = excerpt(&long);
        assert!(quoted.len() < 200, "{quoted}");
        assert!(quoted.ends_with("(6000 characters)"), "{quoted}");
        assert!(!quoted.contains('\n'));
        assert_eq!(excerpt("residents/x"), "\"residents/x\"");
    }

    proptest! {
        /// Whatever was sent, the quote is bounded, and required text is trimmed, visible
        /// enough and not too long.
        #[test]
        fn quotes_are_bounded_and_required_text_holds_its_bounds(
            raw in any::<String>(), min in 1usize..20, max in 20usize..200,
        ) {
            prop_assert!(excerpt(&raw).chars().count() <= EXCERPT_CHARS * 10 + 40);
            match required(&raw, min, max) {
                Ok(text) => {
                    prop_assert!(visible_len(&text) >= min);
                    prop_assert!(text.chars().count() <= max);
                    prop_assert_eq!(trim(&text), text.as_str());
                }
                Err(TextError::TooShort { .. }) => prop_assert!(visible_len(&raw) < min),
                Err(TextError::TooLong { .. }) => {
                    prop_assert!(trim(&raw).chars().count() > max);
                }
            }
        }
    }
}
