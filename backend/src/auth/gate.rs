//! What keeps sign-in from taking the server down: password checks are
//! argon2id (about 19 MiB and tens of milliseconds of CPU each, on purpose),
//! so at most one runs per core, a short queue waits, and the rest are
//! refused at once. And a per-address limit on attempts, kept in memory so
//! that a flood costs no database write.

use super::throttle::{Refusal, ThrottlePolicy};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// How long a password check may wait for a free core before it is refused.
const QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(Debug)]
pub struct ArgonGate {
    permits: Semaphore,
    waiting: AtomicUsize,
    max_waiting: usize,
}

impl Default for ArgonGate {
    fn default() -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        ArgonGate::new(cores, cores * 4)
    }
}

fn busy() -> Error {
    Error::RateLimited {
        retry_after_secs: 1,
        refusal: Refusal::Busy,
    }
}

impl ArgonGate {
    pub fn new(concurrent: usize, max_waiting: usize) -> Self {
        ArgonGate {
            permits: Semaphore::new(concurrent.max(1)),
            waiting: AtomicUsize::new(0),
            max_waiting,
        }
    }

    /// Runs `work` (an argon2 hash or verification) on the blocking pool once
    /// a core is free; refuses with `RATE_LIMITED` when the queue is full or
    /// the wait too long.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let queued = self.waiting.fetch_add(1, Ordering::SeqCst);
        struct Leave<'a>(&'a AtomicUsize);
        impl Drop for Leave<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let leave = Leave(&self.waiting);
        if self.permits.available_permits() == 0 && queued >= self.max_waiting {
            return Err(busy());
        }
        let permit = tokio::time::timeout(QUEUE_WAIT, self.permits.acquire())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        drop(leave);
        let result = tokio::task::spawn_blocking(work).await;
        drop(permit);
        result.map_err(|e| Error::internal(format_args!("password check task failed: {e}")))
    }
}

/// A token bucket per client address, in whole milli-tokens so that no
/// float is involved.
#[derive(Debug, Default)]
pub struct AddressLimiter {
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    milli_tokens: i64,
    at: DateTime<Utc>,
}

/// Addresses kept before idle ones are forgotten.
const MAX_TRACKED: usize = 10_000;

impl AddressLimiter {
    /// Takes one attempt from `address`'s allowance, or says how long to
    /// wait. `None` (no address known) shares one allowance.
    pub fn take(
        &self,
        address: Option<IpAddr>,
        now: DateTime<Utc>,
        policy: &ThrottlePolicy,
    ) -> Result<()> {
        let address = address.unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let capacity = i64::from(policy.address_burst.max(1)) * 1000;
        // Milli-tokens regained per second.
        let per_second = i64::from(policy.address_per_minute) * 1000 / 60;
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|_, b| refill(*b, now, capacity, per_second).milli_tokens < capacity);
        }
        let bucket = buckets.entry(address).or_insert(Bucket {
            milli_tokens: capacity,
            at: now,
        });
        let mut b = refill(*bucket, now, capacity, per_second);
        if b.milli_tokens < 1000 {
            *bucket = b;
            let missing = 1000 - b.milli_tokens;
            let secs = if per_second > 0 {
                (missing + per_second - 1) / per_second
            } else {
                3600
            };
            return Err(Error::RateLimited {
                retry_after_secs: secs.max(1),
                refusal: Refusal::AddressFlood,
            });
        }
        b.milli_tokens -= 1000;
        *bucket = b;
        Ok(())
    }
}

fn refill(b: Bucket, now: DateTime<Utc>, capacity: i64, per_second: i64) -> Bucket {
    let elapsed_ms = (now - b.at).num_milliseconds().max(0);
    let gained = elapsed_ms.saturating_mul(per_second) / 1000;
    Bucket {
        milli_tokens: b.milli_tokens.saturating_add(gained).min(capacity),
        at: now,
    }
}

/// The address a throttle counts by: IPv4 as is, IPv6 by its /64, since one
/// client easily holds a whole /64.
pub fn throttle_address(address: Option<IpAddr>) -> String {
    match address {
        None => "unknown".into(),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Shared by every clone of a `Backend`.
#[derive(Debug, Default, Clone)]
pub struct SignInGuards {
    pub argon: Arc<ArgonGate>,
    pub addresses: Arc<AddressLimiter>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn an_address_gets_its_burst_then_waits_for_refill() {
        let policy = ThrottlePolicy {
            address_burst: 3,
            address_per_minute: 6,
            ..ThrottlePolicy::default()
        };
        let limiter = AddressLimiter::default();
        let now = Utc.with_ymd_and_hms(2026, 6, 15, 2, 0, 0).unwrap();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..3 {
            limiter.take(Some(a), now, &policy).unwrap();
        }
        match limiter.take(Some(a), now, &policy) {
            Err(Error::RateLimited {
                retry_after_secs,
                refusal,
            }) => {
                assert_eq!(refusal, Refusal::AddressFlood);
                assert_eq!(retry_after_secs, 10);
            }
            other => panic!("expected RATE_LIMITED, got {other:?}"),
        }
        // Another address is not affected.
        limiter.take(Some(b), now, &policy).unwrap();
        // Ten seconds later, one more attempt.
        let later = now + Duration::seconds(10);
        limiter.take(Some(a), later, &policy).unwrap();
        assert!(limiter.take(Some(a), later, &policy).is_err());
    }

    #[test]
    fn ipv6_counts_by_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(throttle_address(Some(a)), throttle_address(Some(b)));
        let mapped: IpAddr = "::ffff:10.1.2.3".parse().unwrap();
        assert_eq!(throttle_address(Some(mapped)), "10.1.2.3");
    }

    #[tokio::test]
    async fn the_gate_refuses_past_its_queue() {
        let gate = Arc::new(ArgonGate::new(1, 1));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let g = gate.clone();
        let first = tokio::spawn(async move {
            g.run(move || {
                let _ = rx.recv();
            })
            .await
        });
        // Let the first take the only permit.
        while gate.permits.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let g = gate.clone();
        let second = tokio::spawn(async move { g.run(|| ()).await });
        while gate.waiting.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        // The queue (one) is full: a third is refused at once.
        assert!(matches!(
            gate.run(|| ()).await,
            Err(Error::RateLimited { .. })
        ));
        tx.send(()).unwrap();
        assert!(first.await.unwrap().is_ok());
        assert!(second.await.unwrap().is_ok());
    }
}
