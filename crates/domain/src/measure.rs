//! Clinical measurements as values that cannot be implausible.
//!
//! A reading that could not come from a living patient (DBP above SBP, glucose of 300 mmol/L)
//! is a data-entry error and is rejected at the boundary, so every rule downstream can trust
//! its input. Decimal quantities are held as integers (tenths, glucose in hundredths): rules
//! compare `7.0 mmol/L` exactly, never through floats.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

mod glucose;

pub use body::body_mass_index;
pub use glucose::Glucose;

/// A measurement outside its plausible range, or text that is not a measurement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MeasureError {
    /// Systolic pressure outside 50–300 mmHg.
    #[error("systolic pressure {0} mmHg is outside the plausible 50-300")]
    SystolicOutOfRange(u16),
    /// Diastolic pressure outside 20–200 mmHg.
    #[error("diastolic pressure {0} mmHg is outside the plausible 20-200")]
    DiastolicOutOfRange(u16),
    /// DBP must be below SBP.
    #[error("diastolic pressure {dbp} must be below systolic pressure {sbp}")]
    DiastolicNotBelowSystolic {
        /// Systolic.
        sbp: u16,
        /// Diastolic.
        dbp: u16,
    },
    /// Glucose outside 0.50–60.00 mmol/L.
    #[error("glucose {0} hundredths of mmol/L is outside the plausible 0.50-60.00 mmol/L")]
    GlucoseOutOfRange(u32),
    /// Heart rate outside 20–300/min.
    #[error("heart rate {0}/min is outside the plausible 20-300")]
    HeartRateOutOfRange(u16),
    /// Temperature outside 30.0–45.0 °C.
    #[error("temperature {0} tenths of °C is outside the plausible 30.0-45.0")]
    TemperatureOutOfRange(u16),
    /// BMI outside 10.0–80.0.
    #[error("BMI {0} tenths is outside the plausible 10.0-80.0")]
    BmiOutOfRange(u16),
    /// Waist outside 30–250 cm.
    #[error("waist {0} cm is outside the plausible 30-250")]
    WaistOutOfRange(u16),
    /// Height outside 50.0–250.0 cm.
    #[error("height {0} tenths of cm is outside the plausible 50.0-250.0")]
    HeightOutOfRange(u16),
    /// Weight outside 2.0–300.0 kg.
    #[error("weight {0} tenths of kg is outside the plausible 2.0-300.0")]
    WeightOutOfRange(u16),
    /// A BMI given with height and weight that disagrees with them by more than 0.1.
    #[error("BMI {given} does not match {computed} from height and weight")]
    BmiDisagrees {
        /// The BMI given, tenths.
        given: u16,
        /// The BMI of the height and weight, tenths.
        computed: u16,
    },
    /// Text that is not a decimal with at most `digits` fractional digits (its
    /// [`excerpt`](crate::text::excerpt)).
    #[error("{text} is not a decimal with at most {digits} digit(s) after the point")]
    NotADecimal {
        /// The text's excerpt.
        text: String,
        /// The fractional digits allowed.
        digits: u8,
    },
}

/// A blood-pressure reading: SBP 50–300 mmHg, DBP 20–200 mmHg, DBP below SBP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawBloodPressure", into = "RawBloodPressure")]
pub struct BloodPressure {
    sbp: u16,
    dbp: u16,
}

#[derive(Serialize, Deserialize)]
struct RawBloodPressure {
    sbp: u16,
    dbp: u16,
}

impl BloodPressure {
    /// Checks the plausible ranges and DBP < SBP.
    pub fn new(sbp: u16, dbp: u16) -> Result<Self, MeasureError> {
        if !(50..=300).contains(&sbp) {
            return Err(MeasureError::SystolicOutOfRange(sbp));
        }
        if !(20..=200).contains(&dbp) {
            return Err(MeasureError::DiastolicOutOfRange(dbp));
        }
        if dbp >= sbp {
            return Err(MeasureError::DiastolicNotBelowSystolic { sbp, dbp });
        }
        Ok(Self { sbp, dbp })
    }

    /// Systolic pressure, mmHg.
    pub const fn sbp(self) -> u16 {
        self.sbp
    }

    /// Diastolic pressure, mmHg.
    pub const fn dbp(self) -> u16 {
        self.dbp
    }

    /// Whether SBP or DBP reaches the given thresholds (the "or" of every BP rule).
    pub const fn reaches(self, sbp: u16, dbp: u16) -> bool {
        self.sbp >= sbp || self.dbp >= dbp
    }

    /// Whether both SBP and DBP are below the given target (the "and" of control).
    pub const fn below(self, sbp: u16, dbp: u16) -> bool {
        self.sbp < sbp && self.dbp < dbp
    }
}

impl TryFrom<RawBloodPressure> for BloodPressure {
    type Error = MeasureError;
    fn try_from(raw: RawBloodPressure) -> Result<Self, Self::Error> {
        Self::new(raw.sbp, raw.dbp)
    }
}

impl From<BloodPressure> for RawBloodPressure {
    fn from(bp: BloodPressure) -> Self {
        Self {
            sbp: bp.sbp,
            dbp: bp.dbp,
        }
    }
}

impl fmt::Display for BloodPressure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{} mmHg", self.sbp, self.dbp)
    }
}

/// Parses `"7.0"`, `"16.7"` or `"6"` into tenths, exactly.
fn parse_tenths(text: &str) -> Result<u16, MeasureError> {
    let bad = || MeasureError::NotADecimal {
        text: crate::text::excerpt(text),
        digits: 1,
    };
    let scaled = parse_fixed(text, 1).ok_or_else(bad)?;
    u16::try_from(scaled).map_err(|_| bad())
}

/// A decimal with at most `digits` fractional digits, scaled by 10^`digits`, exactly (no
/// float ever sees it); `None` for anything else.
fn parse_fixed(text: &str, digits: u32) -> Option<u32> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 5
        || frac.len() > digits as usize
        || (text.contains('.') && frac.is_empty())
        || !digits_only(whole)
        || !digits_only(frac)
    {
        return None;
    }
    let mut scaled: u32 = whole.parse().ok()?;
    for i in 0..digits as usize {
        let d = frac.as_bytes().get(i).map_or(0, |b| u32::from(b - b'0'));
        scaled = scaled.checked_mul(10)?.checked_add(d)?;
    }
    Some(scaled)
}

fn fmt_tenths(tenths: u16, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{}.{}", tenths / 10, tenths % 10)
}

macro_rules! tenths_quantity {
    ($(#[$meta:meta])* $name:ident, $range:expr, $err:ident, $unit:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "u16", into = "u16")]
        pub struct $name(u16);

        impl $name {
            /// Checks the plausible range; the value is in tenths of the unit.
            pub fn from_tenths(tenths: u16) -> Result<Self, MeasureError> {
                if ($range).contains(&tenths) {
                    Ok(Self(tenths))
                } else {
                    Err(MeasureError::$err(tenths))
                }
            }

            /// The value in tenths of the unit.
            pub const fn tenths(self) -> u16 {
                self.0
            }
        }

        impl TryFrom<u16> for $name {
            type Error = MeasureError;
            fn try_from(tenths: u16) -> Result<Self, Self::Error> {
                Self::from_tenths(tenths)
            }
        }

        impl From<$name> for u16 {
            fn from(value: $name) -> u16 {
                value.0
            }
        }

        impl FromStr for $name {
            type Err = MeasureError;
            /// Parses a decimal such as `7.0`.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_tenths(parse_tenths(s)?)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt_tenths(self.0, f)?;
                f.write_str($unit)
            }
        }
    };
}

tenths_quantity!(
    /// Body temperature in tenths of °C (30.0–45.0).
    Temperature, 300..=450, TemperatureOutOfRange, " °C"
);
tenths_quantity!(
    /// Body-mass index in tenths of kg/m² (10.0–80.0).
    Bmi, 100..=800, BmiOutOfRange, " kg/m²"
);

tenths_quantity!(
    /// Body height in tenths of cm (50.0–250.0).
    Height, 500..=2500, HeightOutOfRange, " cm"
);
tenths_quantity!(
    /// Body weight in tenths of kg (2.0–300.0).
    Weight, 20..=3000, WeightOutOfRange, " kg"
);

mod body;

/// Heart rate, beats per minute (20–300).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct HeartRate(u16);

impl HeartRate {
    /// Checks the plausible range.
    pub fn new(per_minute: u16) -> Result<Self, MeasureError> {
        if (20..=300).contains(&per_minute) {
            Ok(Self(per_minute))
        } else {
            Err(MeasureError::HeartRateOutOfRange(per_minute))
        }
    }

    /// Beats per minute.
    pub const fn per_minute(self) -> u16 {
        self.0
    }
}

impl TryFrom<u16> for HeartRate {
    type Error = MeasureError;
    fn try_from(v: u16) -> Result<Self, Self::Error> {
        Self::new(v)
    }
}

impl From<HeartRate> for u16 {
    fn from(v: HeartRate) -> u16 {
        v.0
    }
}

/// Waist circumference in whole centimetres (30–250).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct Waist(u16);

impl Waist {
    /// Checks the plausible range.
    pub fn from_cm(cm: u16) -> Result<Self, MeasureError> {
        if (30..=250).contains(&cm) {
            Ok(Self(cm))
        } else {
            Err(MeasureError::WaistOutOfRange(cm))
        }
    }

    /// Centimetres.
    pub const fn cm(self) -> u16 {
        self.0
    }
}

impl TryFrom<u16> for Waist {
    type Error = MeasureError;
    fn try_from(v: u16) -> Result<Self, Self::Error> {
        Self::from_cm(v)
    }
}

impl From<Waist> for u16 {
    fn from(v: Waist) -> u16 {
        v.0
    }
}

/// A share between 0 and 1 held as basis points (0–10 000), for rates and quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct Percentage(u16);

/// A percentage above 100%.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} basis points is above 100%")]
pub struct PercentageError(pub u16);

impl Percentage {
    /// Checks `basis_points <= 10_000`.
    pub fn from_basis_points(basis_points: u16) -> Result<Self, PercentageError> {
        if basis_points <= 10_000 {
            Ok(Self(basis_points))
        } else {
            Err(PercentageError(basis_points))
        }
    }

    /// `numerator / denominator`, rounded half up to a basis point; `None` when the
    /// denominator is zero or the numerator exceeds it.
    pub fn of(numerator: u64, denominator: u64) -> Option<Self> {
        if denominator == 0 || numerator > denominator {
            return None;
        }
        let bp = (u128::from(numerator) * 10_000 * 2 + u128::from(denominator))
            / (u128::from(denominator) * 2);
        u16::try_from(bp).ok().map(Self)
    }

    /// Basis points, 0–10 000.
    pub const fn basis_points(self) -> u16 {
        self.0
    }

    /// The share as a float in [0, 1], for display only.
    pub fn as_fraction(self) -> f64 {
        f64::from(self.0) / 10_000.0
    }
}

impl TryFrom<u16> for Percentage {
    type Error = PercentageError;
    fn try_from(v: u16) -> Result<Self, Self::Error> {
        Self::from_basis_points(v)
    }
}

impl From<Percentage> for u16 {
    fn from(v: Percentage) -> u16 {
        v.0
    }
}

impl fmt::Display for Percentage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}%", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_diastolic_above_systolic_is_rejected() {
        assert_eq!(
            BloodPressure::new(120, 130),
            Err(MeasureError::DiastolicNotBelowSystolic { sbp: 120, dbp: 130 })
        );
    }

    #[test]
    fn an_implausible_systolic_is_rejected() {
        assert_eq!(
            BloodPressure::new(400, 90),
            Err(MeasureError::SystolicOutOfRange(400))
        );
    }

    #[test]
    fn a_percentage_rounds_half_up() {
        assert_eq!(
            Percentage::of(2, 3).map(Percentage::basis_points),
            Some(6667)
        );
        assert_eq!(Percentage::of(1, 0), None);
        assert_eq!(Percentage::of(0, 5).map(Percentage::basis_points), Some(0));
    }

    proptest! {
        #[test]
        fn blood_pressure_accepts_exactly_the_plausible_pairs(sbp in 0u16..400, dbp in 0u16..300) {
            let plausible = (50..=300).contains(&sbp) && (20..=200).contains(&dbp) && dbp < sbp;
            prop_assert_eq!(BloodPressure::new(sbp, dbp).is_ok(), plausible);
        }

        #[test]
        fn a_percentage_lies_in_range(n in 0u64..1_000_000, extra in 0u64..1_000_000) {
            let d = n + extra;
            match Percentage::of(n, d) {
                None => prop_assert_eq!(d, 0),
                Some(p) => prop_assert!(p.basis_points() <= 10_000),
            }
        }
    }
}
