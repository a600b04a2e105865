//! A clock a test sets: what the store stamps and the use cases decide by is the moment the
//! test names, not the wall clock.

use std::sync::{Mutex, PoisonError};

use time::OffsetDateTime;
use yigong_ports::Clock;

/// A clock that says what it is told.
#[derive(Debug)]
pub struct SetClock(Mutex<OffsetDateTime>);

impl SetClock {
    /// A clock at `at`.
    pub fn at(at: OffsetDateTime) -> Self {
        Self(Mutex::new(at))
    }

    /// Moves it to `at`.
    pub fn set(&self, at: OffsetDateTime) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = at;
    }
}

impl Clock for SetClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
