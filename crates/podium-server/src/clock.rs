//! The time source. Production reads the system clock; tests drive a manual clock to cross
//! period boundaries without waiting.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use chrono::{DateTime, Utc};

/// Where "now" comes from.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    /// Microseconds since the epoch, set by the test.
    Manual(Arc<AtomicI64>),
}

impl Clock {
    pub fn manual(start: DateTime<Utc>) -> Self {
        Clock::Manual(Arc::new(AtomicI64::new(start.timestamp_micros())))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Manual(us) => {
                DateTime::from_timestamp_micros(us.load(Ordering::SeqCst)).unwrap_or_default()
            }
        }
    }

    /// Moves a manual clock; ignored by the system clock.
    pub fn set(&self, t: DateTime<Utc>) {
        if let Clock::Manual(us) = self {
            us.store(t.timestamp_micros(), Ordering::SeqCst);
        }
    }
}
