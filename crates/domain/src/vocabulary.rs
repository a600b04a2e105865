//! One spelling per vocabulary: [`codes!`] gives a domain enumeration its `code()` (what the
//! store writes in a column and the wire sends as a string) next to its definition, so no
//! adapter spells a value of its own. Each code equals the value's serde name, so the JSON
//! bodies the store keeps and the codes never diverge (tested below for every variant).
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

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use time::macros::date;

    use crate::contract::ContractStatus;
    use crate::followup::{
        CloseReason, Condition, MentalDiagnosis, OutreachOutcome, PlanOrigin, PlanState,
    };
    use crate::ids::{ContractId, PlanId, ReferralId, VisitId};
    use crate::referral::{Direction, StateName, Urgency};
    use crate::screening::Programme;

    /// The serde name of a value: the string itself, or the tag of an internally or adjacently
    /// tagged enum.
    fn serde_name(value: &impl Serialize, tag: &str) -> String {
        match serde_json::to_value(value).unwrap() {
            serde_json::Value::String(s) => s,
            serde_json::Value::Object(o) => o[tag].as_str().unwrap().to_owned(),
            other => panic!("no name in {other}"),
        }
    }

    fn check_unit<T: Serialize + Copy + PartialEq + std::fmt::Debug>(
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

    #[test]
    fn unit_codes_are_the_serde_names_and_parse_back() {
        check_unit(StateName::ALL, StateName::code, StateName::from_code);
        check_unit(Direction::ALL, Direction::code, Direction::from_code);
        check_unit(Urgency::ALL, Urgency::code, Urgency::from_code);
        check_unit(Programme::ALL, Programme::code, Programme::from_code);
    }

    fn check_kinds<T: Serialize>(
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

    #[test]
    fn kind_codes_are_the_serde_tags() {
        let on = date!(2026 - 03 - 01);
        check_kinds(
            &[
                Condition::Hypertension,
                Condition::Type2Diabetes,
                Condition::SevereMentalDisorder(MentalDiagnosis::Schizophrenia),
            ],
            Condition::CODES,
            Condition::code,
            "kind",
        );
        check_kinds(
            &[
                PlanState::Due,
                PlanState::Done {
                    visit: VisitId::from_u128(1),
                    on,
                },
                PlanState::Missed { on },
                PlanState::LostToFollowUp { on },
                PlanState::Closed {
                    on,
                    reason: CloseReason::Death,
                },
            ],
            PlanState::CODES,
            PlanState::code,
            "state",
        );
        check_kinds(
            &[
                PlanOrigin::Enrolment,
                PlanOrigin::Visit(VisitId::from_u128(1)),
                PlanOrigin::UpwardReferral(ReferralId::from_u128(1)),
                PlanOrigin::DownwardReferral(ReferralId::from_u128(1)),
                PlanOrigin::CatchUp(PlanId::from_u128(1)),
            ],
            PlanOrigin::CODES,
            PlanOrigin::code,
            "kind",
        );
        check_kinds(
            &[
                OutreachOutcome::Reached { remind_on: on },
                OutreachOutcome::Unreachable,
                OutreachOutcome::Refused,
                OutreachOutcome::MovedAway,
                OutreachOutcome::Died,
            ],
            OutreachOutcome::CODES,
            OutreachOutcome::code,
            "outcome",
        );
        let c = ContractId::from_u128(1);
        check_kinds(
            &[
                ContractStatus::Current,
                ContractStatus::Renewed { by: c },
                ContractStatus::Switched { to: c },
                ContractStatus::Terminated {
                    on,
                    reason: crate::contract::TerminationReason::Died,
                },
            ],
            ContractStatus::CODES,
            ContractStatus::code,
            "status",
        );
    }
}
