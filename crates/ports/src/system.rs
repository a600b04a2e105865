//! Time and identity sources: ports so that use cases stay deterministic under test.

use time::OffsetDateTime;
use uuid::Uuid;

/// The current instant. The domain never reads the clock; the use cases ask this port.
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// New ids for created records.
pub trait IdSource: Send + Sync {
    /// A fresh, unique id.
    fn new_id(&self) -> Uuid;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// Random (v4) UUIDs.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomIds;

impl IdSource for RandomIds {
    fn new_id(&self) -> Uuid {
        Uuid::new_v4()
    }
}
