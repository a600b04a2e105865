//! The coded answers of the 65+ check form (BPHS-3 健康体检表), one spelling each.

use serde::{Deserialize, Serialize};

use crate::vocabulary::codes;

/// Self-rated health (老年人健康状态自我评估).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfRatedHealth {
    /// 满意.
    Satisfied,
    /// 基本满意.
    FairlySatisfied,
    /// 说不清楚.
    Unsure,
    /// 不太满意.
    NotQuiteSatisfied,
    /// 不满意.
    Unsatisfied,
}

codes!(SelfRatedHealth {
    Satisfied => "satisfied",
    FairlySatisfied => "fairly_satisfied",
    Unsure => "unsure",
    NotQuiteSatisfied => "not_quite_satisfied",
    Unsatisfied => "unsatisfied",
});

/// Smoking (吸烟情况).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Smoking {
    /// 从不吸烟.
    Never,
    /// 已戒烟.
    Quit,
    /// 吸烟.
    Current,
}

codes!(Smoking {
    Never => "never",
    Quit => "quit",
    Current => "current",
});

/// Drinking frequency (饮酒频率).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Drinking {
    /// 从不.
    Never,
    /// 偶尔.
    Occasionally,
    /// 经常.
    Often,
    /// 每天.
    Daily,
}

codes!(Drinking {
    Never => "never",
    Occasionally => "occasionally",
    Often => "often",
    Daily => "daily",
});

/// Physical exercise (体育锻炼).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exercise {
    /// 每天.
    Daily,
    /// 每周一次以上.
    Weekly,
    /// 偶尔.
    Occasionally,
    /// 不锻炼.
    Never,
}

codes!(Exercise {
    Daily => "daily",
    Weekly => "weekly",
    Occasionally => "occasionally",
    Never => "never",
});

/// A site of the physical examination that is normal unless recorded abnormal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExamSite {
    /// 皮肤.
    Skin,
    /// 巩膜.
    Sclera,
    /// 淋巴结.
    LymphNodes,
    /// 心脏.
    Heart,
    /// 肺.
    Lungs,
    /// 腹部.
    Abdomen,
}

codes!(ExamSite {
    Skin => "skin",
    Sclera => "sclera",
    LymphNodes => "lymph_nodes",
    Heart => "heart",
    Lungs => "lungs",
    Abdomen => "abdomen",
});

/// Hearing (听力).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hearing {
    /// 听见.
    Hears,
    /// 听不清或无法听见.
    Impaired,
}

codes!(Hearing {
    Hears => "hears",
    Impaired => "impaired",
});

/// Motor function (运动功能): the form's standing, reaching and picking-up tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MotorFunction {
    /// 可顺利完成.
    Completes,
    /// 无法独立完成其中任何一个动作.
    CannotComplete,
}

codes!(MotorFunction {
    Completes => "completes",
    CannotComplete => "cannot_complete",
});

/// An auxiliary test of the check (辅助检查).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuxiliaryTest {
    /// 血常规.
    BloodRoutine,
    /// 尿常规.
    UrineRoutine,
    /// 肝功能.
    LiverFunction,
    /// 肾功能.
    KidneyFunction,
    /// 空腹血糖.
    FastingGlucose,
    /// 血脂.
    Lipids,
    /// 心电图.
    Ecg,
    /// 腹部B超 (liver, gallbladder, pancreas, spleen).
    AbdominalUltrasound,
}

codes!(AuxiliaryTest {
    BloodRoutine => "blood_routine",
    UrineRoutine => "urine_routine",
    LiverFunction => "liver_function",
    KidneyFunction => "kidney_function",
    FastingGlucose => "fasting_glucose",
    Lipids => "lipids",
    Ecg => "ecg",
    AbdominalUltrasound => "abdominal_ultrasound",
});

/// Health guidance given with the results (健康指导).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Guidance {
    /// Lifestyle (diet, exercise, smoking, drinking).
    Lifestyle,
    /// Vaccination.
    Vaccination,
    /// Falls prevention.
    FallPrevention,
    /// Fraud prevention.
    FraudPrevention,
    /// Included in chronic-disease management (newly found hypertension or diabetes).
    ChronicDiseaseManagement,
    /// Recheck advised.
    Recheck,
    /// Referral advised.
    Referral,
}

codes!(Guidance {
    Lifestyle => "lifestyle",
    Vaccination => "vaccination",
    FallPrevention => "fall_prevention",
    FraudPrevention => "fraud_prevention",
    ChronicDiseaseManagement => "chronic_disease_management",
    Recheck => "recheck",
    Referral => "referral",
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::tests::check_unit;

    #[test]
    fn the_check_forms_codes_are_the_serde_names_and_parse_back() {
        check_unit(
            SelfRatedHealth::ALL,
            SelfRatedHealth::code,
            SelfRatedHealth::from_code,
        );
        check_unit(Smoking::ALL, Smoking::code, Smoking::from_code);
        check_unit(Drinking::ALL, Drinking::code, Drinking::from_code);
        check_unit(Exercise::ALL, Exercise::code, Exercise::from_code);
        check_unit(ExamSite::ALL, ExamSite::code, ExamSite::from_code);
        check_unit(Hearing::ALL, Hearing::code, Hearing::from_code);
        check_unit(
            MotorFunction::ALL,
            MotorFunction::code,
            MotorFunction::from_code,
        );
        check_unit(
            AuxiliaryTest::ALL,
            AuxiliaryTest::code,
            AuxiliaryTest::from_code,
        );
        check_unit(Guidance::ALL, Guidance::code, Guidance::from_code);
    }
}
