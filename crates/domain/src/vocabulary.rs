//! One spelling per vocabulary: [`codes!`] gives a domain enumeration its `code()` (what the
//! store writes in a column and the wire sends as a string) next to its definition, so no
//! adapter spells a value of its own. Each code equals the value's serde name, so the JSON
//! bodies the store keeps and the codes never diverge: the test next to each invocation checks
//! every variant with `tests::check_unit` or `tests::check_kinds`.
//!
//! Unit-only enumerations get `ALL`, `code()` and `from_code()`; enumerations whose values carry
//! data get `CODES` and `code()` of the value's kind (the data travels beside the code).

/// Implements the codes of a vocabulary; see the module documentation.
macro_rules! codes {
    ($ty:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The value's one spelling in storage and on the wire.
            pub const fn code(self) -> &'static str {
                match self { $($ty::$variant => $code),+ }
            }

            /// The value spelled `code`; `None` for an unknown code.
            pub fn from_code(code: &str) -> Option<$ty> {
                match code { $($code => Some($ty::$variant),)+ _ => None }
            }
        }
    };
    ($ty:ident by kind { $($pat:pat => $code:literal),+ $(,)? }) => {
        impl $ty {
            /// The code of every kind of value, in declaration order.
            pub const CODES: &'static [&'static str] = &[$($code),+];

            /// The one spelling of the value's kind in storage and on the wire.
            pub const fn code(&self) -> &'static str {
                match self { $($pat => $code),+ }
            }
        }
    };
}

pub(crate) use codes;

/// The checks of a vocabulary's codes against its serde names, for the test next to each
/// [`codes!`] invocation.
#[cfg(test)]
pub(crate) mod tests {
    use serde::Serialize;

    /// The serde name of a value: the string itself, or the tag of an internally or adjacently
    /// tagged enum.
    fn serde_name(value: &impl Serialize, tag: &str) -> String {
        match serde_json::to_value(value).unwrap() {
            serde_json::Value::String(s) => s,
            serde_json::Value::Object(o) => o[tag].as_str().unwrap().to_owned(),
            other => panic!("no name in {other}"),
        }
    }

    /// A unit-only vocabulary: every code is the serde name and parses back.
    pub(crate) fn check_unit<T: Serialize + Copy + PartialEq + std::fmt::Debug>(
        all: &[T],
        code: fn(T) -> &'static str,
        from_code: fn(&str) -> Option<T>,
    ) {
        for v in all {
            assert_eq!(code(*v), serde_name(v, ""), "{v:?}");
            assert_eq!(from_code(code(*v)), Some(*v));
        }
        assert_eq!(from_code("no_such_code"), None);
    }

    /// A vocabulary by kind: `values` (one of every kind, in order) spell `codes`, each the
    /// serde tag `tag`.
    pub(crate) fn check_kinds<T: Serialize>(
        values: &[T],
        codes: &[&str],
        code: fn(&T) -> &'static str,
        tag: &str,
    ) {
        let spelled: Vec<&str> = values.iter().map(code).collect();
        assert_eq!(spelled, codes, "one value of every kind, in order");
        for v in values {
            assert_eq!(code(v), serde_name(v, tag));
        }
    }
}
