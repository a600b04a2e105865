//! The closed lists of the personal information form (BPHS-3 个人基本信息表), each with its one
//! spelling ([`codes!`](crate::vocabulary)).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::PersonalError;
use crate::vocabulary::codes;

/// Residence type (常住类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResidenceType {
    /// 户籍: registered in the county's household register.
    Registered,
    /// 非户籍: living here without local registration.
    NotRegistered,
}

codes!(ResidenceType {
    Registered => "registered",
    NotRegistered => "not_registered",
});

/// ABO blood group; unknown (不详) is its absence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Abo {
    /// A.
    A,
    /// B.
    B,
    /// O.
    O,
    /// AB.
    Ab,
}

codes!(Abo { A => "a", B => "b", O => "o", Ab => "ab" });

/// Rh blood group; unknown (不详) is its absence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rh {
    /// Rh positive.
    Positive,
    /// Rh negative.
    Negative,
}

codes!(Rh {
    Positive => "positive",
    Negative => "negative",
});

/// Blood type (血型), each part unknown until tested.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BloodType {
    /// ABO group.
    pub abo: Option<Abo>,
    /// Rh group.
    pub rh: Option<Rh>,
}

/// Who pays for care (医疗费用支付方式); a resident may have several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentType {
    /// 城镇职工基本医疗保险.
    UrbanEmployeeInsurance,
    /// 城镇居民基本医疗保险 (now the urban and rural residents' scheme).
    UrbanResidentInsurance,
    /// 新型农村合作医疗.
    RuralCooperative,
    /// 贫困救助.
    PovertyRelief,
    /// 商业医疗保险.
    Commercial,
    /// 全公费.
    FullyPublic,
    /// 全自费.
    FullySelfPaid,
    /// 其他.
    Other,
}

codes!(PaymentType {
    UrbanEmployeeInsurance => "urban_employee_insurance",
    UrbanResidentInsurance => "urban_resident_insurance",
    RuralCooperative => "rural_cooperative",
    PovertyRelief => "poverty_relief",
    Commercial => "commercial",
    FullyPublic => "fully_public",
    FullySelfPaid => "fully_self_paid",
    Other => "other",
});

/// The drugs the form asks about (药物过敏史); any other is written out beside them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrugAllergen {
    /// 青霉素.
    Penicillin,
    /// 磺胺.
    Sulfonamide,
    /// 链霉素.
    Streptomycin,
}

codes!(DrugAllergen {
    Penicillin => "penicillin",
    Sulfonamide => "sulfonamide",
    Streptomycin => "streptomycin",
});

/// Disability (残疾情况), as the form lists it. Any one makes the resident a key population.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disability {
    /// 视力残疾.
    Visual,
    /// 听力残疾.
    Hearing,
    /// 言语残疾.
    Speech,
    /// 肢体残疾.
    Physical,
    /// 智力残疾.
    Intellectual,
    /// 精神残疾.
    Mental,
}

codes!(Disability {
    Visual => "visual",
    Hearing => "hearing",
    Speech => "speech",
    Physical => "physical",
    Intellectual => "intellectual",
    Mental => "mental",
});

/// The ethnic groups of GB/T 3304-1991 in code order: `01` 汉族 to `56` 基诺族.
const ETHNIC_GROUPS: [&str; 56] = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
];

/// Ethnicity (民族) by its GB/T 3304 code: `01`–`56`, `97` (other, not yet identified) or `98`
/// (of foreign origin, of Chinese nationality). The form itself asks 汉族 or 少数民族; the code
/// keeps which one, as hospital systems exchange it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ethnicity(u8);

impl Ethnicity {
    /// 汉族.
    pub const HAN: Ethnicity = Ethnicity(1);

    /// The ethnicity of a two-digit code.
    pub fn from_code(code: &str) -> Result<Self, PersonalError> {
        let n: u8 = match code.as_bytes() {
            [a @ b'0'..=b'9', b @ b'0'..=b'9'] => (a - b'0') * 10 + (b - b'0'),
            _ => return Err(PersonalError::Ethnicity),
        };
        match n {
            1..=56 | 97 | 98 => Ok(Self(n)),
            _ => Err(PersonalError::Ethnicity),
        }
    }

    /// The two-digit code.
    pub fn code(self) -> String {
        format!("{:02}", self.0)
    }

    /// The name in Chinese, as people read it.
    pub fn name_zh(self) -> &'static str {
        match self.0 {
            97 => "其他",
            98 => "外国血统中国籍人士",
            n => ETHNIC_GROUPS[usize::from(n) - 1],
        }
    }
}

impl TryFrom<String> for Ethnicity {
    type Error = PersonalError;
    fn try_from(code: String) -> Result<Self, Self::Error> {
        Self::from_code(&code)
    }
}

impl From<Ethnicity> for String {
    fn from(e: Ethnicity) -> Self {
        e.code()
    }
}

impl fmt::Debug for Ethnicity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ethnicity({})", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::tests::check_unit;

    #[test]
    fn codes_are_serde_names() {
        check_unit(
            ResidenceType::ALL,
            ResidenceType::code,
            ResidenceType::from_code,
        );
        check_unit(Abo::ALL, Abo::code, Abo::from_code);
        check_unit(Rh::ALL, Rh::code, Rh::from_code);
        check_unit(PaymentType::ALL, PaymentType::code, PaymentType::from_code);
        check_unit(
            DrugAllergen::ALL,
            DrugAllergen::code,
            DrugAllergen::from_code,
        );
        check_unit(Disability::ALL, Disability::code, Disability::from_code);
    }

    #[test]
    fn every_gb_3304_code_and_only_those_is_an_ethnicity() {
        let valid: Vec<u8> = (1..=56).chain([97, 98]).collect();
        for n in 0..=99u8 {
            let code = format!("{n:02}");
            assert_eq!(
                Ethnicity::from_code(&code).is_ok(),
                valid.contains(&n),
                "{code}"
            );
        }
        for bad in ["1", "001", "", "0a", "١٢"] {
            assert_eq!(Ethnicity::from_code(bad), Err(PersonalError::Ethnicity));
        }
        assert_eq!(Ethnicity::HAN.name_zh(), "汉族");
        assert_eq!(Ethnicity::from_code("56").unwrap().name_zh(), "基诺族");
        assert_eq!(Ethnicity::from_code("08").unwrap().name_zh(), "壮族");
        let json = serde_json::to_string(&Ethnicity::HAN).unwrap();
        assert_eq!(json, "\"01\"");
        assert_eq!(
            serde_json::from_str::<Ethnicity>(&json).unwrap(),
            Ethnicity::HAN
        );
    }
}
