//! Rate limits for the credential endpoints, two GCRA limiters:
//!
//! - [`ClientLimiter`]: per client address. IPv6 clients are limited per /64, the block
//!   one subscriber usually holds, so that rotating addresses within it does not buy more
//!   attempts.
//! - [`SerialLimiter`]: per serial number, whoever asks, so that guessing one holder's
//!   date of birth from many addresses still meets a wall. It is keyed by a MAC of the
//!   serial under a key made for this process, never by the serial itself, and it counts
//!   every attempt before the lookup, so a known and an unknown serial spend their
//!   attempts alike and its refusal reveals nothing.

use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::CredentialError;

/// A keyed GCRA limiter that forgets idle keys now and then, so its memory stays bounded
/// by the keys seen recently.
struct KeyedLimit<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    clock: DefaultClock,
    checks: AtomicU64,
}

impl<K: Hash + Eq + Clone> KeyedLimit<K> {
    fn new(quota: Quota) -> Self {
        KeyedLimit {
            limiter: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        }
    }

    fn check(&self, key: &K) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % 10_000 == 9_999 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.limiter.len()
    }

    #[cfg(test)]
    fn forget_idle(&self) {
        self.limiter.retain_recent();
    }
}

fn at_least_one(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

pub struct ClientLimiter(KeyedLimit<IpAddr>);

impl ClientLimiter {
    /// `per_minute` requests a minute per client, all of which may come at once.
    pub fn per_minute(per_minute: u32) -> Self {
        ClientLimiter(KeyedLimit::new(Quota::per_minute(at_least_one(per_minute))))
    }

    /// `Err(wait)` when the client must wait before its next request.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        self.0.check(&bucket(client))
    }
}

fn bucket(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

type HmacSha256 = Hmac<Sha256>;

/// 128 bits of a MAC of a serial: collisions between serials are negligible, and without
/// the process's key the table says nothing about which serials were asked for.
type SerialKey = [u8; 16];

pub struct SerialLimiter {
    limit: KeyedLimit<SerialKey>,
    mac_key: [u8; 32],
}

impl SerialLimiter {
    /// `per_hour` attempts per serial an hour, all of which may come at once; a spent
    /// attempt comes back every hour / `per_hour`.
    pub fn per_hour(per_hour: u32) -> Result<Self, CredentialError> {
        let mut mac_key = [0u8; 32];
        getrandom::fill(&mut mac_key).map_err(|e| {
            CredentialError::BadKey(format!("no randomness for the serial limiter: {e}"))
        })?;
        let per_hour = at_least_one(per_hour);
        Ok(SerialLimiter {
            limit: KeyedLimit::new(Quota::per_hour(per_hour)),
            mac_key,
        })
    }

    /// Spends one attempt on `serial` (normalised, as [`super::VerifyRequest`] holds it);
    /// `Err(wait)` when its attempts are spent.
    pub fn check(&self, serial: &str) -> Result<(), Duration> {
        self.limit.check(&self.key(serial))
    }

    fn key(&self, serial: &str) -> SerialKey {
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.mac_key)
            .expect("HMAC takes keys of any length");
        mac.update(serial.as_bytes());
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&full[..16]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_over_its_quota_waits_while_others_do_not() {
        let l = ClientLimiter::per_minute(2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(l.check(a).is_ok());
        assert!(l.check(a).is_ok());
        let wait = l.check(a).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(30));
        assert!(l.check(b).is_ok());
    }

    #[test]
    fn ipv6_addresses_in_one_64_share_a_quota() {
        let l = ClientLimiter::per_minute(1);
        assert!(l.check("2001:db8::1".parse().unwrap()).is_ok());
        assert!(l.check("2001:db8::2".parse().unwrap()).is_err());
        assert!(l.check("2001:db8:0:1::1".parse().unwrap()).is_ok());
    }

    #[test]
    fn a_serial_over_its_attempts_waits_while_other_serials_do_not() {
        let l = SerialLimiter::per_hour(3).unwrap();
        for _ in 0..3 {
            assert!(l.check("CD-2023-000123").is_ok());
        }
        let wait = l.check("CD-2023-000123").unwrap_err();
        // One attempt comes back every 20 minutes.
        assert!(wait > Duration::from_secs(19 * 60) && wait <= Duration::from_secs(20 * 60));
        assert!(l.check("CD-2023-000124").is_ok());
    }

    #[test]
    fn serials_are_kept_as_macs_under_a_key_of_this_process() {
        let a = SerialLimiter::per_hour(1).unwrap();
        let b = SerialLimiter::per_hour(1).unwrap();
        assert_eq!(a.key("X1"), a.key("X1"));
        assert_ne!(a.key("X1"), a.key("X2"));
        // Another process (another key) files the same serial elsewhere: the keys say
        // nothing without this process's secret.
        assert_ne!(a.key("X1"), b.key("X1"));
    }

    #[test]
    fn idle_keys_are_forgotten() {
        let l = KeyedLimit::<u32>::new(Quota::per_second(at_least_one(1000)));
        for k in 0..100 {
            assert!(l.check(&k).is_ok());
        }
        assert_eq!(l.tracked(), 100);
        // A key is idle once its bucket has refilled (1 ms per attempt at 1000/s).
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while l.tracked() > 0 {
            assert!(std::time::Instant::now() < deadline, "idle keys stay");
            std::thread::sleep(Duration::from_millis(1));
            l.forget_idle();
        }
    }
}
