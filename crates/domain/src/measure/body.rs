//! Body size: BMI from height and weight, exactly at the thresholds.

use super::{Bmi, Height, MeasureError, Weight};

impl Bmi {
    /// The BMI of a height and weight, in tenths **truncated**, not rounded: the thresholds are
    /// in tenths, so `computed ≥ 24.0` holds exactly when weight / height² ≥ 24 (23.98 stays
    /// below, where rounding would have lifted it to 24.0).
    pub fn from_body(height: Height, weight: Weight) -> Result<Self, MeasureError> {
        // kg/m² in tenths = (w/10) / (h/1000)² × 10 = w × 10⁶ / h², with w and h in tenths.
        let h = u64::from(height.tenths());
        let tenths = u64::from(weight.tenths()) * 1_000_000 / (h * h);
        Self::from_tenths(u16::try_from(tenths).unwrap_or(u16::MAX))
    }
}

/// The BMI a reading carries: the one given, the one of its height and weight, or none. Given
/// with both, they must agree within 0.1 (a rounding on paper), and the computed one is kept.
pub fn body_mass_index(
    given: Option<Bmi>,
    height: Option<Height>,
    weight: Option<Weight>,
) -> Result<Option<Bmi>, MeasureError> {
    let computed = match (height, weight) {
        (Some(h), Some(w)) => Some(Bmi::from_body(h, w)?),
        _ => None,
    };
    match (given, computed) {
        (Some(g), Some(c)) if g.tenths().abs_diff(c.tenths()) > 1 => {
            Err(MeasureError::BmiDisagrees {
                given: g.tenths(),
                computed: c.tenths(),
            })
        }
        (_, Some(c)) => Ok(Some(c)),
        (g, None) => Ok(g),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bmi(height_tenths: u16, weight_tenths: u16) -> Result<Bmi, MeasureError> {
        Bmi::from_body(
            Height::from_tenths(height_tenths)?,
            Weight::from_tenths(weight_tenths)?,
        )
    }

    #[test]
    fn bmi_is_truncated_so_the_threshold_is_exact() {
        // 69.3 kg at 170 cm is 23.979…: below 24.0, though it rounds to 24.0.
        assert_eq!(bmi(1700, 693).map(Bmi::tenths), Ok(239));
        // 69.4 kg is 24.014…
        assert_eq!(bmi(1700, 694).map(Bmi::tenths), Ok(240));
        // 160 cm, 61.44 kg would be exactly 24.0; 61.5 kg is 24.02.
        assert_eq!(bmi(1600, 615).map(Bmi::tenths), Ok(240));
    }

    #[test]
    fn an_implausible_bmi_from_the_body_is_refused() {
        assert_eq!(bmi(2500, 20), Err(MeasureError::BmiOutOfRange(3)));
        assert!(matches!(
            bmi(500, 3000),
            Err(MeasureError::BmiOutOfRange(_))
        ));
    }

    #[test]
    fn a_given_bmi_must_agree_with_the_body() {
        let h = Height::from_tenths(1700).ok();
        let w = Weight::from_tenths(694).ok();
        let given = |t| Bmi::from_tenths(t).ok();
        assert_eq!(
            body_mass_index(given(241), h, w).map(|b| b.map(Bmi::tenths)),
            Ok(Some(240))
        );
        assert_eq!(
            body_mass_index(given(260), h, w),
            Err(MeasureError::BmiDisagrees {
                given: 260,
                computed: 240
            })
        );
        assert_eq!(body_mass_index(given(260), h, None), Ok(given(260)));
        assert_eq!(body_mass_index(None, h, None), Ok(None));
    }

    proptest! {
        /// Against exact rational arithmetic: the truncated BMI reaches a tenths threshold
        /// exactly when weight / height² does.
        #[test]
        fn bmi_reaches_a_threshold_exactly_when_the_ratio_does(
            h in 1200u16..=2200, w in 300u16..=1500, threshold in 150u16..=350,
        ) {
            let b = bmi(h, w);
            prop_assume!(b.is_ok(), "an implausible BMI is refused (tested above)");
            let b = b.unwrap();
            // w/10 kg / (h/1000 m)² ≥ threshold/10  ⟺  w × 10⁶ ≥ threshold × h²
            let exact = u64::from(w) * 1_000_000 >= u64::from(threshold) * u64::from(h) * u64::from(h);
            prop_assert_eq!(b.tenths() >= threshold, exact);
        }
    }
}
