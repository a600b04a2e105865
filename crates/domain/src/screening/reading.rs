//! The dates a screening reading may carry.

use time::Date;

use crate::calendar;

/// Why a screening reading's date cannot be right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReadingDateError {
    /// Dated after the day it is recorded.
    #[error("a reading cannot be dated in the future")]
    InTheFuture,
    /// Dated before the resident was born.
    #[error("the reading predates the resident's birth")]
    BeforeBirth,
}

/// A reading is a fact about a living person: taken on or after their birth, by today.
pub fn check_reading_date(on: Date, birth: Date, today: Date) -> Result<(), ReadingDateError> {
    if calendar::not_after(on, today).is_err() {
        Err(ReadingDateError::InTheFuture)
    } else if on < birth {
        Err(ReadingDateError::BeforeBirth)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_reading_is_dated_between_birth_and_today() {
        let birth = date!(1970 - 05 - 01);
        let today = date!(2026 - 03 - 05);
        assert_eq!(check_reading_date(today, birth, today), Ok(()));
        assert_eq!(check_reading_date(birth, birth, today), Ok(()));
        assert_eq!(
            check_reading_date(date!(2026 - 03 - 06), birth, today),
            Err(ReadingDateError::InTheFuture)
        );
        assert_eq!(
            check_reading_date(date!(1970 - 04 - 30), birth, today),
            Err(ReadingDateError::BeforeBirth)
        );
    }
}
