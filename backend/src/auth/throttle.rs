//! Sign-in throttling that an outsider cannot use to lock a real user out.
//!
//! Two counters live in the database, so every server instance sees them:
//!
//! - **pair** (username, client address): each attempt is counted *before*
//!   the password is checked, in the same locked read-modify-write, so no
//!   number of concurrent guesses gets more than `pair_max_failures` checks.
//!   Reaching the limit locks the pair, each lock twice as long as the last.
//!   A success clears the pair. An address that has not failed is not
//!   touched by another address's lock, so the right password still works
//!   from the user's own clinic while someone guesses elsewhere.
//! - **user** (username across addresses): failures from everywhere. Past
//!   `user_max_failures` in the window, only addresses that have *never*
//!   failed for this user may still try: a distributed guesser gets one try
//!   per address, the real user is not locked out.
//!
//! Keys are SHA-256 hashes: what was typed as a username may be a password.
//! A third limit, per address and on every attempt, is in memory
//! ([`super::gate::AddressLimiter`]): it protects the server (argon2 and the
//! writer), not an account.

use crate::db::WriteTxn;
use crate::entity::sign_in_throttle;
use crate::error::Result;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set,
};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failed checks per (username, address) in a window before it locks.
    pub pair_max_failures: i32,
    /// Failures per username from all addresses in a window, past which
    /// only addresses that have not failed may try.
    pub user_max_failures: i32,
    pub window: Duration,
    /// The first lock of a pair; each further lock doubles it, up to
    /// `max_lockout`.
    pub first_lockout: Duration,
    pub max_lockout: Duration,
    /// Attempts per address that the in-memory limiter lets through at once,
    /// and how many more per minute after that.
    pub address_burst: u32,
    pub address_per_minute: u32,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            pair_max_failures: 5,
            user_max_failures: 20,
            window: Duration::minutes(15),
            first_lockout: Duration::minutes(5),
            max_lockout: Duration::hours(1),
            address_burst: 30,
            address_per_minute: 30,
        }
    }
}

impl ThrottlePolicy {
    fn lockout(&self, previous_lockouts: i32) -> Duration {
        let doublings = previous_lockouts.clamp(0, 16) as u32;
        let minutes = self
            .first_lockout
            .num_minutes()
            .saturating_mul(1i64 << doublings);
        Duration::minutes(minutes).min(self.max_lockout)
    }
}

/// Why an attempt was refused before its password was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// This username from this address failed too often.
    PairLocked,
    /// This username failed too often from many addresses, and this address
    /// has failed for it before.
    UserUnderAttack,
    /// Too many attempts from this address (the in-memory limiter).
    AddressFlood,
    /// Every password checker is busy and the queue is full.
    Busy,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::PairLocked => "PAIR_LOCKED",
            Refusal::UserUnderAttack => "USER_UNDER_ATTACK",
            Refusal::AddressFlood => "ADDRESS_FLOOD",
            Refusal::Busy => "BUSY",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Keys {
    pub pair: String,
    pub user: String,
}

fn hashed(scope: &str, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    format!("{scope}:{}", crate::idempotency::hex(&h.finalize()))
}

impl Keys {
    pub fn new(username: &str, address: &str) -> Keys {
        Keys {
            pair: hashed("pair", &[username, address]),
            user: hashed("user", &[username]),
        }
    }
}

/// A short, stable stand-in for a typed username that matches no user, so
/// that the audit trail can group repeated attempts without keeping what was
/// typed.
pub fn username_fingerprint(username: &str) -> String {
    hashed("name", &[username])[5..21].to_string()
}

/// One counter as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counter {
    pub failures: i32,
    pub window_started_at: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
    pub lockouts: i32,
}

impl Counter {
    fn new(now: DateTime<Utc>) -> Counter {
        Counter {
            failures: 0,
            window_started_at: now,
            locked_until: None,
            lockouts: 0,
        }
    }

    /// Forgets what has aged out: an ended lock, a window that has passed,
    /// and (after a quiet day) the lock history.
    fn age(&mut self, now: DateTime<Utc>, policy: &ThrottlePolicy) {
        if self.locked_until.is_some_and(|u| u <= now) {
            self.locked_until = None;
        }
        if self.locked_until.is_none() && now - self.window_started_at >= policy.window {
            if now - self.window_started_at >= Duration::days(1) {
                self.lockouts = 0;
            }
            self.failures = 0;
            self.window_started_at = now;
        }
    }

    fn locked(&self, now: DateTime<Utc>) -> Option<i64> {
        self.locked_until
            .filter(|u| *u > now)
            .map(|u| whole_seconds_until(now, u))
    }
}

/// Rounded up, and at least one: "try again in 0 s" helps nobody.
fn whole_seconds_until(now: DateTime<Utc>, until: DateTime<Utc>) -> i64 {
    let ms = (until - now).num_milliseconds();
    ((ms + 999) / 1000).max(1)
}

/// The decision for one attempt, and the counters to store with it. Pure,
/// so the rules are tested without a database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    Admit {
        pair: Counter,
        user: Counter,
    },
    Refuse {
        refusal: Refusal,
        retry_after_secs: i64,
    },
}

pub(crate) fn decide(
    pair: Option<Counter>,
    user: Option<Counter>,
    now: DateTime<Utc>,
    policy: &ThrottlePolicy,
) -> Decision {
    let mut pair = pair.unwrap_or_else(|| Counter::new(now));
    let mut user = user.unwrap_or_else(|| Counter::new(now));
    pair.age(now, policy);
    user.age(now, policy);
    if let Some(secs) = pair.locked(now) {
        return Decision::Refuse {
            refusal: Refusal::PairLocked,
            retry_after_secs: secs,
        };
    }
    let has_failed_here = pair.failures > 0 || pair.lockouts > 0;
    if user.failures >= policy.user_max_failures && has_failed_here {
        let secs = whole_seconds_until(now, user.window_started_at + policy.window);
        return Decision::Refuse {
            refusal: Refusal::UserUnderAttack,
            retry_after_secs: secs,
        };
    }
    // Counted as failed until the password proves otherwise; a success
    // undoes it (see `succeeded`).
    pair.failures += 1;
    if pair.failures >= policy.pair_max_failures {
        pair.locked_until = Some(now + policy.lockout(pair.lockouts));
        pair.lockouts += 1;
        pair.failures = 0;
        pair.window_started_at = now;
    }
    user.failures = user.failures.saturating_add(1);
    Decision::Admit { pair, user }
}

fn counter(m: &sign_in_throttle::Model) -> Counter {
    Counter {
        failures: m.failures,
        window_started_at: m.window_started_at,
        locked_until: m.locked_until,
        lockouts: m.lockouts,
    }
}

/// Counts an attempt before its password is checked, and says whether it
/// may be checked at all. The rows are locked for the rest of the
/// transaction (PostgreSQL `FOR UPDATE`; on SQLite the transaction holds the
/// database's write lock from `BEGIN IMMEDIATE`), so concurrent attempts are
/// counted one after the other.
pub(crate) async fn admit(
    txn: &WriteTxn,
    keys: &Keys,
    now: DateTime<Utc>,
    policy: &ThrottlePolicy,
) -> Result<Decision> {
    use sign_in_throttle::Column as C;
    let fresh = |key: &str| sign_in_throttle::ActiveModel {
        key: Set(key.to_string()),
        failures: Set(0),
        window_started_at: Set(now),
        locked_until: Set(None),
        lockouts: Set(0),
    };
    sign_in_throttle::Entity::insert_many([fresh(&keys.pair), fresh(&keys.user)])
        .on_conflict(OnConflict::column(C::Key).do_nothing().to_owned())
        .exec_without_returning(&**txn)
        .await?;
    let rows = sign_in_throttle::Entity::find()
        .filter(C::Key.is_in([keys.pair.clone(), keys.user.clone()]))
        .lock_exclusive()
        .all(&**txn)
        .await?;
    let find = |key: &str| rows.iter().find(|r| r.key == key);
    let decision = decide(
        find(&keys.pair).map(counter),
        find(&keys.user).map(counter),
        now,
        policy,
    );
    if let Decision::Admit { pair, user } = &decision {
        for (key, c) in [(&keys.pair, pair), (&keys.user, user)] {
            sign_in_throttle::ActiveModel {
                key: Set(key.clone()),
                failures: Set(c.failures),
                window_started_at: Set(c.window_started_at),
                locked_until: Set(c.locked_until),
                lockouts: Set(c.lockouts),
            }
            .update(&**txn)
            .await?;
        }
    }
    Ok(decision)
}

/// The password was right: this address is in good standing again, and the
/// attempt no longer counts against the username.
pub(crate) async fn succeeded(txn: &WriteTxn, keys: &Keys) -> Result<()> {
    sign_in_throttle::Entity::delete_by_id(keys.pair.clone())
        .exec(&**txn)
        .await?;
    if let Some(row) = sign_in_throttle::Entity::find_by_id(keys.user.clone())
        .one(&**txn)
        .await?
    {
        let failures = (row.failures - 1).max(0);
        let mut active = row.into_active_model();
        active.failures = Set(failures);
        active.update(&**txn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 15, 2, 0, 0).unwrap()
    }

    /// Runs `n` failed attempts for one pair; returns how many were admitted.
    fn fail_n(
        n: usize,
        pair: &mut Option<Counter>,
        user: &mut Option<Counter>,
        now: DateTime<Utc>,
        policy: &ThrottlePolicy,
    ) -> usize {
        let mut admitted = 0;
        for _ in 0..n {
            if let Decision::Admit { pair: p, user: u } = decide(*pair, *user, now, policy) {
                *pair = Some(p);
                *user = Some(u);
                admitted += 1;
            }
        }
        admitted
    }

    #[test]
    fn a_pair_gets_exactly_the_allowed_checks_then_locks() {
        let policy = ThrottlePolicy::default();
        let (mut pair, mut user) = (None, None);
        assert_eq!(fail_n(50, &mut pair, &mut user, t0(), &policy), 5);
        match decide(pair, user, t0(), &policy) {
            Decision::Refuse {
                refusal,
                retry_after_secs,
            } => {
                assert_eq!(refusal, Refusal::PairLocked);
                assert_eq!(retry_after_secs, 300);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn each_lock_lasts_longer() {
        let policy = ThrottlePolicy::default();
        let (mut pair, mut user) = (None, None);
        let mut now = t0();
        let mut locks = Vec::new();
        for _ in 0..6 {
            fail_n(5, &mut pair, &mut user, now, &policy);
            let until = pair.and_then(|p| p.locked_until).unwrap();
            locks.push((until - now).num_minutes());
            now = until;
        }
        assert_eq!(locks, vec![5, 10, 20, 40, 60, 60]);
    }

    #[test]
    fn a_fresh_address_is_never_locked_out_by_other_addresses() {
        let policy = ThrottlePolicy::default();
        let mut user = None;
        // Many addresses fail, each up to its own lock.
        for _ in 0..10 {
            let mut pair = None;
            fail_n(5, &mut pair, &mut user, t0(), &policy);
        }
        assert!(user.unwrap().failures >= policy.user_max_failures);
        // The real user's own clinic, which never failed: admitted.
        assert!(matches!(
            decide(None, user, t0(), &policy),
            Decision::Admit { .. }
        ));
        // An address that failed once before: refused while the attack lasts.
        let mut once = None;
        let mut fresh_user = None;
        fail_n(1, &mut once, &mut fresh_user, t0(), &policy);
        assert!(matches!(
            decide(once, user, t0(), &policy),
            Decision::Refuse {
                refusal: Refusal::UserUnderAttack,
                ..
            }
        ));
    }

    #[test]
    fn counters_age_out_after_the_window() {
        let policy = ThrottlePolicy::default();
        let (mut pair, mut user) = (None, None);
        assert_eq!(fail_n(4, &mut pair, &mut user, t0(), &policy), 4);
        let later = t0() + policy.window;
        // The window has passed: four more attempts before a lock, not one.
        assert_eq!(fail_n(4, &mut pair, &mut user, later, &policy), 4);
        assert!(pair.unwrap().locked_until.is_none());
    }

    #[test]
    fn keys_do_not_contain_what_was_typed() {
        let keys = Keys::new("hunter2-password", "10.1.2.3");
        assert!(!keys.pair.contains("hunter2"));
        assert!(!keys.user.contains("hunter2"));
        assert!(keys.pair.len() <= 80 && keys.user.len() <= 80);
        assert_ne!(Keys::new("a", "x").pair, Keys::new("a", "y").pair);
        assert_eq!(Keys::new("a", "x").user, Keys::new("a", "y").user);
        assert_eq!(username_fingerprint("abc").len(), 16);
    }
}
