//! The consistency rules of a profile: every number in its range, every threshold in order;
//! each error names the field at fault.

use std::fmt;

use super::error::ProfileError;
use super::rule_profile::RuleProfile;
use super::terms::TestCode;

impl RuleProfile {
    /// Checks the consistency rules; every error names the field at fault.
    pub fn validate(&self) -> Result<(), ProfileError> {
        let d = &self.danger;
        let bp = &self.screening.blood_pressure;
        let glu = &self.screening.glucose;
        let htn = &self.follow_up.hypertension;
        let fu = &self.follow_up;
        let smd = &fu.mental_disorder;
        let c = &self.contract;
        let r = &self.referral;

        ensure(self.version >= 1, "version", "must be at least 1")?;
        ensure(!self.name.trim().is_empty(), "name", "must not be empty")?;
        ensure(
            self.residency.permanent_min_months >= 1,
            "residency.permanent_min_months",
            "must be at least 1",
        )?;
        ensure(
            self.records.dynamic_window_days >= 1,
            "records.dynamic_window_days",
            "must be at least 1",
        )?;
        in_range(d.sbp, 120..=260, "danger.sbp")?;
        in_range(d.dbp, 70..=160, "danger.dbp")?;
        in_range(d.glucose_low_tenths, 10..=60, "danger.glucose_low_tenths")?;
        in_range(
            d.glucose_high_tenths,
            100..=400,
            "danger.glucose_high_tenths",
        )?;
        in_range(d.heart_rate_above, 60..=200, "danger.heart_rate_above")?;
        in_range(
            d.temperature_above_tenths,
            370..=420,
            "danger.temperature_above_tenths",
        )?;

        in_range(c.min_period_months, 1..=60, "contract.min_period_months")?;
        ensure(
            c.default_period_months >= c.min_period_months && c.default_period_months <= 60,
            "contract.default_period_months",
            "must lie between contract.min_period_months and 60",
        )?;
        ensure(
            c.team.min_core_members >= 1,
            "contract.team.min_core_members",
            "must be at least 1",
        )?;
        ensure(
            usize::from(c.team.min_core_members) <= c.team.core_roles.len() * 8,
            "contract.team.min_core_members",
            "cannot be reached with the listed core roles",
        )?;
        ensure(
            !c.team.lead_roles.is_empty(),
            "contract.team.lead_roles",
            "must name at least one role",
        )?;
        in_range(
            c.key_population.elderly_min_age,
            50..=80,
            "contract.key_population.elderly_min_age",
        )?;
        in_range(
            c.key_population.child_max_age,
            1..=14,
            "contract.key_population.child_max_age",
        )?;
        in_range(
            c.key_population.postpartum_days,
            1..=365,
            "contract.key_population.postpartum_days",
        )?;

        in_range(bp.min_age, 1..=120, "screening.blood_pressure.min_age")?;
        in_range(
            bp.interval_months,
            1..=60,
            "screening.blood_pressure.interval_months",
        )?;
        ensure(
            bp.high_risk_interval_months >= 1 && bp.high_risk_interval_months <= bp.interval_months,
            "screening.blood_pressure.high_risk_interval_months",
            "must lie between 1 and screening.blood_pressure.interval_months",
        )?;
        ensure(
            bp.high_normal_sbp < bp.elevated_sbp && bp.elevated_sbp < d.sbp,
            "screening.blood_pressure.elevated_sbp",
            "must lie above high_normal_sbp and below danger.sbp",
        )?;
        ensure(
            bp.high_normal_dbp < bp.elevated_dbp && bp.elevated_dbp < d.dbp,
            "screening.blood_pressure.elevated_dbp",
            "must lie above high_normal_dbp and below danger.dbp",
        )?;
        in_range(
            bp.diagnosis_readings,
            1..=10,
            "screening.blood_pressure.diagnosis_readings",
        )?;
        in_range(
            bp.diagnosis_follow_up_days,
            1..=90,
            "screening.blood_pressure.diagnosis_follow_up_days",
        )?;
        in_range(
            bp.high_risk_bmi_tenths,
            150..=400,
            "screening.blood_pressure.high_risk_bmi_tenths",
        )?;
        in_range(
            bp.high_risk_waist_cm_male,
            50..=150,
            "screening.blood_pressure.high_risk_waist_cm_male",
        )?;
        in_range(
            bp.high_risk_waist_cm_female,
            50..=150,
            "screening.blood_pressure.high_risk_waist_cm_female",
        )?;
        in_range(
            bp.high_risk_age,
            1..=120,
            "screening.blood_pressure.high_risk_age",
        )?;

        in_range(glu.min_age, 1..=120, "screening.glucose.min_age")?;
        in_range(
            glu.interval_months,
            1..=60,
            "screening.glucose.interval_months",
        )?;
        ensure(
            d.glucose_low_tenths < glu.impaired_fasting_tenths
                && glu.impaired_fasting_tenths < glu.diabetic_fasting_tenths
                && glu.diabetic_fasting_tenths < d.glucose_high_tenths,
            "screening.glucose.diabetic_fasting_tenths",
            "must satisfy danger.glucose_low < impaired_fasting < diabetic_fasting < danger.glucose_high",
        )?;
        ensure(
            glu.diabetic_random_tenths > glu.diabetic_fasting_tenths
                && glu.diabetic_random_tenths < d.glucose_high_tenths,
            "screening.glucose.diabetic_random_tenths",
            "must lie above diabetic_fasting_tenths and below danger.glucose_high_tenths",
        )?;
        in_range(
            self.screening.elderly.min_age,
            50..=90,
            "screening.elderly.min_age",
        )?;
        in_range(
            self.screening.elderly.interval_months,
            1..=60,
            "screening.elderly.interval_months",
        )?;
        let tc = &self.screening.two_cancer;
        ensure(
            tc.min_age >= 1 && tc.min_age <= tc.max_age && tc.max_age <= 120,
            "screening.two_cancer.max_age",
            "must be at least screening.two_cancer.min_age (and min_age at least 1)",
        )?;
        in_range(tc.cycle_years, 1..=10, "screening.two_cancer.cycle_years")?;

        in_range(fu.grace_days, 0..=60, "follow_up.grace_days")?;
        in_range(
            fu.routine_interval_days,
            1..=366,
            "follow_up.routine_interval_days",
        )?;
        in_range(
            fu.short_interval_days,
            1..=90,
            "follow_up.short_interval_days",
        )?;
        in_range(
            fu.post_referral_days,
            1..=90,
            "follow_up.post_referral_days",
        )?;
        in_range(
            fu.min_face_to_face_per_year,
            1..=24,
            "follow_up.min_face_to_face_per_year",
        )?;
        ensure(
            fu.missed_after_days > fu.grace_days && fu.missed_after_days <= 366,
            "follow_up.missed_after_days",
            "must lie above follow_up.grace_days and at most 366",
        )?;
        in_range(
            fu.lost_after_unreachable,
            1..=20,
            "follow_up.lost_after_unreachable",
        )?;
        ensure(
            htn.target_sbp <= htn.elderly_target_sbp && htn.elderly_target_sbp < d.sbp,
            "follow_up.hypertension.elderly_target_sbp",
            "must lie between target_sbp and danger.sbp",
        )?;
        ensure(
            htn.target_sbp >= 90,
            "follow_up.hypertension.target_sbp",
            "must be at least 90",
        )?;
        ensure(
            htn.target_dbp >= 50
                && htn.target_dbp < d.dbp
                && htn.elderly_target_dbp >= 50
                && htn.elderly_target_dbp < d.dbp,
            "follow_up.hypertension.target_dbp",
            "targets must lie between 50 and danger.dbp",
        )?;
        in_range(
            htn.elderly_age,
            50..=90,
            "follow_up.hypertension.elderly_age",
        )?;
        ensure(
            fu.diabetes.target_fasting_tenths > d.glucose_low_tenths
                && fu.diabetes.target_fasting_tenths < d.glucose_high_tenths,
            "follow_up.diabetes.target_fasting_tenths",
            "must lie between the danger glucose thresholds",
        )?;
        in_range(
            smd.review_days,
            1..=90,
            "follow_up.mental_disorder.review_days",
        )?;
        in_range(
            smd.stable_interval_days,
            1..=366,
            "follow_up.mental_disorder.stable_interval_days",
        )?;
        in_range(
            smd.not_stabilised_interval_days,
            1..=366,
            "follow_up.mental_disorder.not_stabilised_interval_days",
        )?;

        let ind = &self.indicators;
        in_range(ind.estimate_min_age, 0..=120, "indicators.estimate_min_age")?;
        in_range(
            ind.hypertension_prevalence_per_mille,
            0..=1000,
            "indicators.hypertension_prevalence_per_mille",
        )?;
        in_range(
            ind.diabetes_prevalence_per_mille,
            0..=1000,
            "indicators.diabetes_prevalence_per_mille",
        )?;

        let dx = &self.diagnosis;
        in_range(
            dx.emergency_minutes,
            1..=1440,
            "diagnosis.emergency_minutes",
        )?;
        in_range(
            dx.urgent_minutes,
            dx.emergency_minutes..=10_080,
            "diagnosis.urgent_minutes",
        )?;
        in_range(
            dx.routine_minutes,
            dx.urgent_minutes..=43_200,
            "diagnosis.routine_minutes",
        )?;
        in_range(
            dx.critical_ack_minutes,
            1..=240,
            "diagnosis.critical_ack_minutes",
        )?;
        for (modality, test) in &dx.result_tests {
            if !r.result_validity_days.contains_key(test) {
                return Err(ProfileError::Invalid {
                    field: format!("diagnosis.result_tests.{}", modality.code()),
                    reason: format!("`{test}` is not a test of referral.result_validity_days"),
                });
            }
        }

        in_range(r.response_hours, 1..=720, "referral.response_hours")?;
        in_range(
            r.sender_follow_up_days,
            1..=90,
            "referral.sender_follow_up_days",
        )?;
        in_range(
            r.downward_follow_up_days,
            1..=90,
            "referral.downward_follow_up_days",
        )?;
        in_range(r.arrival_grace_days, 0..=90, "referral.arrival_grace_days")?;
        in_range(
            r.unreferred_emergency_minutes,
            1..=1440,
            "referral.unreferred_emergency_minutes",
        )?;
        in_range(
            r.reserved_return_days_before,
            0..=30,
            "referral.reserved_return_days_before",
        )?;
        if r.reserved_return_days_before >= r.reserved_release_days_ahead
            && r.reserved_slot_percent > 0
        {
            return Err(ProfileError::Invalid {
                field: "referral.reserved_return_days_before".to_owned(),
                reason: "must be fewer days than reserved_release_days_ahead: reserved slots \
                         return only after they were released"
                    .to_owned(),
            });
        }
        in_range(
            r.reserved_slot_percent,
            0..=100,
            "referral.reserved_slot_percent",
        )?;
        in_range(
            r.reserved_release_days_ahead,
            0..=180,
            "referral.reserved_release_days_ahead",
        )?;
        for (code, days) in &r.result_validity_days {
            if TestCode::parse(code).is_err() {
                return Err(ProfileError::Invalid {
                    field: format!("referral.result_validity_days.{code}"),
                    reason: "test codes use a-z, 0-9 and '_'".to_owned(),
                });
            }
            if *days > 3650 {
                return Err(ProfileError::Invalid {
                    field: format!("referral.result_validity_days.{code}"),
                    reason: "must be at most 3650 days".to_owned(),
                });
            }
        }
        Ok(())
    }
}

fn ensure(condition: bool, field: &str, reason: &str) -> Result<(), ProfileError> {
    if condition {
        Ok(())
    } else {
        Err(ProfileError::Invalid {
            field: field.to_owned(),
            reason: reason.to_owned(),
        })
    }
}

fn in_range<T>(
    value: T,
    range: std::ops::RangeInclusive<T>,
    field: &str,
) -> Result<(), ProfileError>
where
    T: PartialOrd + fmt::Display,
{
    if range.contains(&value) {
        Ok(())
    } else {
        Err(ProfileError::Invalid {
            field: field.to_owned(),
            reason: format!("{value} is outside {}..={}", range.start(), range.end()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inconsistent_value_names_its_field() {
        let err = RuleProfile::from_toml(
            "base = \"bphs3\"\n[screening.blood_pressure]\nelevated_sbp = 185\n",
        )
        .unwrap_err();
        assert_eq!(
            err,
            ProfileError::Invalid {
                field: "screening.blood_pressure.elevated_sbp".to_owned(),
                reason: "must lie above high_normal_sbp and below danger.sbp".to_owned()
            }
        );
    }
}
