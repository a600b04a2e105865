//! Blood glucose at laboratory precision.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{MeasureError, parse_fixed};

/// Blood glucose in hundredths of mmol/L (0.50–60.00): laboratories report two decimals, and a
/// fasting 6.99 must stay below the 7.0 threshold, so values and thresholds compare as
/// integers, never through floats.
///
/// Stored and sent as a decimal string (`"6.95"`). Records written when glucose was held in
/// tenths carry a bare integer; it still reads as tenths (`70` is 7.0 mmol/L).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Glucose(u16);

impl Glucose {
    /// Checks the plausible range; the value is in hundredths of mmol/L.
    pub fn from_hundredths(hundredths: u32) -> Result<Self, MeasureError> {
        match u16::try_from(hundredths) {
            Ok(h) if (50..=6000).contains(&h) => Ok(Self(h)),
            _ => Err(MeasureError::GlucoseOutOfRange(hundredths)),
        }
    }

    /// A value to one decimal, in tenths of mmol/L.
    pub fn from_tenths(tenths: u16) -> Result<Self, MeasureError> {
        Self::from_hundredths(u32::from(tenths) * 10)
    }

    /// The value in hundredths of mmol/L.
    pub const fn hundredths(self) -> u16 {
        self.0
    }

    /// Whether the value is at least a threshold given in tenths (as the profile's are).
    pub const fn at_least_tenths(self, tenths: u16) -> bool {
        self.0 as u32 >= tenths as u32 * 10
    }

    /// Whether the value is at most a threshold given in tenths.
    pub const fn at_most_tenths(self, tenths: u16) -> bool {
        self.0 as u32 <= tenths as u32 * 10
    }

    /// The number alone: one decimal when the second is zero (`7.0`), else two (`6.95`).
    fn number(self) -> String {
        let (whole, frac) = (self.0 / 100, self.0 % 100);
        if frac % 10 == 0 {
            format!("{whole}.{}", frac / 10)
        } else {
            format!("{whole}.{frac:02}")
        }
    }
}

impl FromStr for Glucose {
    type Err = MeasureError;
    /// Parses a decimal with at most two digits after the point, such as `7`, `7.0` or `6.95`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let hundredths = parse_fixed(s, 2).ok_or_else(|| MeasureError::NotADecimal {
            text: crate::text::excerpt(s),
            digits: 2,
        })?;
        Self::from_hundredths(hundredths)
    }
}

impl fmt::Display for Glucose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} mmol/L", self.number())
    }
}

impl Serialize for Glucose {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.number())
    }
}

impl<'de> Deserialize<'de> for Glucose {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Value;
        impl Visitor<'_> for Value {
            type Value = Glucose;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("glucose as a decimal string, or an integer in tenths")
            }
            fn visit_u64<E: de::Error>(self, tenths: u64) -> Result<Glucose, E> {
                u16::try_from(tenths)
                    .map_err(|_| E::custom("glucose out of range"))
                    .and_then(|t| Glucose::from_tenths(t).map_err(E::custom))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Glucose, E> {
                text.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn glucose_parses_exactly_to_two_decimals() {
        let h = |s: &str| s.parse::<Glucose>().map(Glucose::hundredths);
        assert_eq!(h("7.0"), Ok(700));
        assert_eq!(h("16.7"), Ok(1670));
        assert_eq!(h("6"), Ok(600));
        assert_eq!(h("6.95"), Ok(695));
        assert_eq!(h("0.50"), Ok(50));
        for bad in [
            "6.955", "-1.0", "abc", "6.", ".5", "0.49", "60.01", "1e1", "",
        ] {
            assert!(h(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn thresholds_in_tenths_compare_exactly() {
        let g = |s: &str| s.parse::<Glucose>().unwrap();
        assert!(!g("6.99").at_least_tenths(70));
        assert!(g("7.00").at_least_tenths(70));
        assert!(g("3.90").at_most_tenths(39));
        assert!(!g("3.91").at_most_tenths(39));
    }

    #[test]
    fn stored_tenths_still_read_and_new_values_are_decimal_strings() {
        let old: Glucose = serde_json::from_str("70").unwrap();
        assert_eq!(old.hundredths(), 700);
        let new = "6.95".parse::<Glucose>().unwrap();
        assert_eq!(serde_json::to_string(&new).unwrap(), "\"6.95\"");
        assert_eq!(serde_json::from_str::<Glucose>("\"6.95\"").unwrap(), new);
        assert!(serde_json::from_str::<Glucose>("7000").is_err());
        assert!(serde_json::from_str::<Glucose>("\"6.955\"").is_err());
    }

    proptest! {
        #[test]
        fn glucose_text_and_json_round_trip(hundredths in 50u32..=6000) {
            let g = Glucose::from_hundredths(hundredths).unwrap();
            let text = g.to_string();
            prop_assert_eq!(text.trim_end_matches(" mmol/L").parse::<Glucose>().unwrap(), g);
            let json = serde_json::to_string(&g).unwrap();
            prop_assert_eq!(serde_json::from_str::<Glucose>(&json).unwrap(), g);
        }

        #[test]
        fn glucose_accepts_exactly_the_plausible_range(hundredths in 0u32..70_000) {
            prop_assert_eq!(
                Glucose::from_hundredths(hundredths).is_ok(),
                (50..=6000).contains(&hundredths)
            );
        }
    }
}
