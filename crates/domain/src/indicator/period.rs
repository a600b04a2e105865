//! Reporting periods: calendar months, quarters and years, counted to today while they run
//! and kept as they stood at their close once they have closed (IND-SNAPSHOT).

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::vocabulary::codes;

/// The reporting periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// A calendar month.
    Month,
    /// A calendar quarter.
    Quarter,
    /// A calendar year.
    Year,
}

codes!(PeriodKind {
    Month => "month",
    Quarter => "quarter",
    Year => "year",
});

/// A calendar period, first and last day inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// The kind.
    pub kind: PeriodKind,
    /// Its first day.
    pub first: Date,
    /// Its last day.
    pub last: Date,
}

impl Period {
    /// The period of `kind` containing `day`.
    pub fn containing(kind: PeriodKind, day: Date) -> Period {
        let month = day.month() as u8;
        let (first_month, months) = match kind {
            PeriodKind::Month => (month, 1),
            PeriodKind::Quarter => ((month - 1) / 3 * 3 + 1, 3),
            PeriodKind::Year => (1, 12),
        };
        let year = day.year();
        // Months 1–12 and day 1 always exist in a year `day` itself lies in.
        let first = Month::try_from(first_month)
            .ok()
            .and_then(|m| Date::from_calendar_date(year, m, 1).ok())
            .unwrap_or(day);
        let last = crate::calendar::add_months(first, months)
            .previous_day()
            .unwrap_or(day);
        Period { kind, first, last }
    }

    /// The day the figures are counted to: the period's last day, or `today` while the period
    /// is still running; `None` for a period that has not begun.
    pub fn as_of(&self, today: Date) -> Option<Date> {
        (self.first <= today).then(|| self.last.min(today))
    }

    /// Whether the period has closed by `today` (its last day is past). A closed period's
    /// figures are kept as they stood when first counted after its close, and change only
    /// when it is re-opened (IND-SNAPSHOT); a running one is counted afresh to today.
    pub fn is_closed(&self, today: Date) -> bool {
        self.last < today
    }

    /// The period of the same kind just before this one; `None` before the calendar's first.
    pub fn previous(&self) -> Option<Period> {
        self.first
            .previous_day()
            .map(|day| Period::containing(self.kind, day))
    }

    /// The `n` periods of `kind` ending with the one running on `today`, oldest first: a
    /// trend's points (all closed but the last).
    pub fn up_to(kind: PeriodKind, today: Date, n: usize) -> Vec<Period> {
        let mut periods: Vec<Period> =
            std::iter::successors(Some(Period::containing(kind, today)), Period::previous)
                .take(n)
                .collect();
        periods.reverse();
        periods
    }

    /// The `n` closed periods of `kind` before the one running on `today`, newest first.
    pub fn closed_before(kind: PeriodKind, today: Date, n: usize) -> Vec<Period> {
        std::iter::successors(Period::containing(kind, today).previous(), Period::previous)
            .take(n)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::tests::check_unit;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn codes_are_the_serde_names() {
        check_unit(PeriodKind::ALL, PeriodKind::code, PeriodKind::from_code);
    }

    #[test]
    fn periods_are_calendar_months_quarters_and_years_counted_to_today_while_running() {
        let day = date!(2026 - 08 - 17);
        let q = Period::containing(PeriodKind::Quarter, day);
        assert_eq!(
            (q.first, q.last),
            (date!(2026 - 07 - 01), date!(2026 - 09 - 30))
        );
        let m = Period::containing(PeriodKind::Month, date!(2028 - 02 - 03));
        assert_eq!(m.last, date!(2028 - 02 - 29));
        let y = Period::containing(PeriodKind::Year, day);
        assert_eq!(
            (y.first, y.last),
            (date!(2026 - 01 - 01), date!(2026 - 12 - 31))
        );
        assert_eq!(q.as_of(date!(2026 - 08 - 20)), Some(date!(2026 - 08 - 20)));
        assert_eq!(q.as_of(date!(2027 - 01 - 05)), Some(date!(2026 - 09 - 30)));
        assert_eq!(q.as_of(date!(2026 - 06 - 30)), None);
    }

    #[test]
    fn a_period_closes_the_day_after_its_last() {
        let m = Period::containing(PeriodKind::Month, date!(2026 - 11 - 12));
        assert!(!m.is_closed(date!(2026 - 11 - 30)));
        assert!(m.is_closed(date!(2026 - 12 - 01)));
        let q = Period::containing(PeriodKind::Quarter, date!(2026 - 02 - 01));
        assert_eq!(
            q.previous().map(|p| (p.first, p.last)),
            Some((date!(2025 - 10 - 01), date!(2025 - 12 - 31)))
        );
        let months = Period::up_to(PeriodKind::Month, date!(2026 - 03 - 15), 4);
        let firsts: Vec<Date> = months.iter().map(|p| p.first).collect();
        assert_eq!(
            firsts,
            [
                date!(2025 - 12 - 01),
                date!(2026 - 01 - 01),
                date!(2026 - 02 - 01),
                date!(2026 - 03 - 01)
            ]
        );
        let closed = Period::closed_before(PeriodKind::Year, date!(2026 - 03 - 15), 1);
        assert_eq!(closed.first().map(|p| p.first), Some(date!(2025 - 01 - 01)));
    }

    fn kind() -> impl Strategy<Value = PeriodKind> {
        prop::sample::select(PeriodKind::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn a_trend_is_contiguous_and_all_closed_but_the_running_one(
            kind in kind(),
            days in 0..40_000i64,
            n in 1..30usize,
        ) {
            let today = date!(1950 - 01 - 01) + time::Duration::days(days);
            let trend = Period::up_to(kind, today, n);
            prop_assert_eq!(trend.len(), n);
            let running = trend[n - 1];
            prop_assert!(running.first <= today && today <= running.last);
            prop_assert!(!running.is_closed(today));
            prop_assert_eq!(running.as_of(today), Some(today));
            for pair in trend.windows(2) {
                prop_assert_eq!(pair[0].last.next_day(), Some(pair[1].first));
                prop_assert!(pair[0].is_closed(today));
                prop_assert_eq!(pair[0].as_of(today), Some(pair[0].last));
                prop_assert_eq!(pair[0].kind, kind);
            }
            let closed = Period::closed_before(kind, today, n - 1);
            let mut older: Vec<Period> = trend[..n - 1].to_vec();
            older.reverse();
            prop_assert_eq!(closed, older);
        }
    }
}
