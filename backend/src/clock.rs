//! Time is injected. Services ask the clock, never `Utc::now()`, so tests can
//! stand on the day after a batch expires.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// China has one time zone and no daylight saving: business dates (expiry,
/// "today") are taken at UTC+8.
pub fn business_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

pub fn business_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&business_offset()).date_naive()
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    // The one reader of the system time.
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

#[cfg(any(test, feature = "testkit"))]
pub use manual::ManualClock;

#[cfg(any(test, feature = "testkit"))]
mod manual {
    use super::Clock;
    use chrono::{DateTime, Duration, Utc};
    use std::sync::{Arc, Mutex};

    /// A clock tests can set and advance. It still moves forward by itself
    /// (from the set instant) so ordering by time stays meaningful.
    #[derive(Debug, Clone)]
    pub struct ManualClock {
        inner: Arc<Mutex<(DateTime<Utc>, std::time::Instant)>>,
    }

    impl ManualClock {
        pub fn new(at: DateTime<Utc>) -> Self {
            Self {
                inner: Arc::new(Mutex::new((at, std::time::Instant::now()))),
            }
        }

        pub fn set(&self, at: DateTime<Utc>) {
            if let Ok(mut guard) = self.inner.lock() {
                *guard = (at, std::time::Instant::now());
            }
        }

        pub fn advance(&self, by: Duration) {
            let now = self.now();
            self.set(now + by);
        }
    }

    impl Clock for ManualClock {
        fn now(&self) -> DateTime<Utc> {
            match self.inner.lock() {
                Ok(guard) => {
                    let elapsed = Duration::from_std(guard.1.elapsed()).unwrap_or_default();
                    guard.0 + elapsed
                }
                Err(poisoned) => poisoned.into_inner().0,
            }
        }
    }
}
