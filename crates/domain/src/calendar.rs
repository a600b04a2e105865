//! Calendar arithmetic the rules need: whole years of age, calendar months, day offsets.
//!
//! All saturating: the domain never panics on a date near the end of time; a date that
//! cannot be represented becomes `Date::MAX`, which no real deadline reaches.

use time::{Date, Duration, Month};

/// `date` plus `days`, saturating at the representable range.
pub fn add_days(date: Date, days: u16) -> Date {
    date.checked_add(Duration::days(i64::from(days)))
        .unwrap_or(Date::MAX)
}

/// 1 January of `date`'s year: where the calendar-year rates and the annual check start.
pub fn year_start(date: Date) -> Date {
    // Day 1 exists in every year a `Date` can hold.
    Date::from_ordinal_date(date.year(), 1).unwrap_or(date)
}

/// `date` plus `months` calendar months; the day is clamped to the target month's last day
/// (31 January + 1 month = 28/29 February), as registries do.
pub fn add_months(date: Date, months: u16) -> Date {
    let total =
        i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1 + i64::from(months);
    let Ok(year) = i32::try_from(total.div_euclid(12)) else {
        return Date::MAX;
    };
    let month_index = u8::try_from(total.rem_euclid(12) + 1).unwrap_or(12);
    let Ok(month) = Month::try_from(month_index) else {
        return Date::MAX;
    };
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MAX)
}

/// Completed years between `birth` and `on`; `None` if `on` is before `birth`.
pub fn years_between(birth: Date, on: Date) -> Option<u16> {
    if on < birth {
        return None;
    }
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u16::try_from(years).ok()
}

/// Whole days from `from` to `to` (negative if `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i64 {
    (to - from).whole_days()
}

/// A date after the day it is recorded, for something that has already happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("lies in the future (today is {today})")]
pub struct FutureDate {
    /// The day of recording.
    pub today: Date,
}

/// `on`, if it is not after `today`: visits, readings, enrolments, closures, moves and deaths
/// are recorded after the fact, never ahead of it.
pub fn not_after(on: Date, today: Date) -> Result<Date, FutureDate> {
    if on > today {
        Err(FutureDate { today })
    } else {
        Ok(on)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_birthday_completes_the_year() {
        assert_eq!(
            years_between(date!(1949 - 12 - 31), date!(2026 - 12 - 30)),
            Some(76)
        );
        assert_eq!(
            years_between(date!(1949 - 12 - 31), date!(2026 - 12 - 31)),
            Some(77)
        );
        assert_eq!(
            years_between(date!(2000 - 02 - 29), date!(2001 - 02 - 28)),
            Some(0)
        );
        assert_eq!(
            years_between(date!(2000 - 02 - 29), date!(2001 - 03 - 01)),
            Some(1)
        );
        assert_eq!(
            years_between(date!(2020 - 01 - 02), date!(2020 - 01 - 01)),
            None
        );
    }

    #[test]
    fn a_past_date_is_today_at_the_latest() {
        let today = date!(2026 - 03 - 05);
        assert_eq!(not_after(today, today), Ok(today));
        assert_eq!(
            not_after(date!(1900 - 01 - 01), today),
            Ok(date!(1900 - 01 - 01))
        );
        assert_eq!(
            not_after(date!(2026 - 03 - 06), today),
            Err(FutureDate { today })
        );
    }

    #[test]
    fn month_arithmetic_clamps_to_the_month_end() {
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2024 - 01 - 31), 1), date!(2024 - 02 - 29));
        assert_eq!(add_months(date!(2026 - 11 - 15), 6), date!(2027 - 05 - 15));
        assert_eq!(add_months(date!(2026 - 11 - 15), 12), date!(2027 - 11 - 15));
    }
}
