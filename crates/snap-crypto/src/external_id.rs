use std::sync::atomic::{AtomicU64, Ordering};

use ring::rand::{SecureRandom, SystemRandom};
use time::OffsetDateTime;

use crate::{Clock, Error, SystemClock};

/// Largest X-EXTERNAL-ID length the standard allows.
const MAX_DIGITS: usize = 36;
/// Digits taken by the unique sequence part.
const SEQ_DIGITS: usize = 20;

/// Last sequence value handed out in this process: `unix_millis << 16 | counter`, strictly
/// increasing, so no two ids from one process share it even if the wall clock steps back.
static LAST: AtomicU64 = AtomicU64::new(0);

/// Generates numeric X-EXTERNAL-ID values, 32 digits by default.
///
/// The first 20 digits are a process-wide strictly increasing value derived from the time in
/// milliseconds, so ids never repeat within a process, across threads and generator instances;
/// the remaining digits are random (ring's `SystemRandom`) to keep separate processes apart.
///
/// ```
/// let ids = snap_crypto::ExternalIdGenerator::new();
/// let (a, b) = (ids.next_id(), ids.next_id());
/// assert_eq!(a.len(), 32);
/// assert!(a.bytes().all(|c| c.is_ascii_digit()));
/// assert_ne!(a, b);
/// ```
#[derive(Debug)]
pub struct ExternalIdGenerator {
    digits: usize,
    rng: SystemRandom,
}

impl Default for ExternalIdGenerator {
    fn default() -> Self {
        Self::new()
    }
}

impl ExternalIdGenerator {
    /// 32-digit ids.
    pub fn new() -> Self {
        Self {
            digits: 32,
            rng: SystemRandom::new(),
        }
    }

    /// Ids of `digits` digits, 20 to 36.
    pub fn with_digits(digits: usize) -> Result<Self, Error> {
        if !(SEQ_DIGITS..=MAX_DIGITS).contains(&digits) {
            return Err(Error::ExternalIdLength {
                got: digits,
                min: SEQ_DIGITS,
                max: MAX_DIGITS,
            });
        }
        Ok(Self {
            digits,
            rng: SystemRandom::new(),
        })
    }

    /// The id length.
    pub fn digits(&self) -> usize {
        self.digits
    }

    /// A new id, using the system clock.
    pub fn next_id(&self) -> String {
        self.next_id_at(SystemClock.now())
    }

    /// A new id, with the time part taken from `clock`.
    pub fn next_id_with(&self, clock: &(impl Clock + ?Sized)) -> String {
        self.next_id_at(clock.now())
    }

    fn next_id_at(&self, now: OffsetDateTime) -> String {
        let millis = u64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
        let floor = millis.saturating_mul(1 << 16);
        let mut prev = LAST.load(Ordering::Relaxed);
        let seq = loop {
            let next = floor.max(prev.saturating_add(1));
            match LAST.compare_exchange_weak(prev, next, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => break next,
                Err(actual) => prev = actual,
            }
        };
        let mut id = format!("{seq:020}");
        let random_digits = self.digits - SEQ_DIGITS;
        if random_digits > 0 {
            let mut bytes = [0u8; 16];
            // On failure the random part is zeros: ids stay unique within the process.
            let _ = self.rng.fill(&mut bytes);
            let r = u128::from_le_bytes(bytes) % 10u128.pow(random_digits as u32);
            id.push_str(&format!("{r:0random_digits$}"));
        }
        id
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn unique_across_threads() {
        let ids = std::sync::Arc::new(ExternalIdGenerator::with_digits(20).unwrap());
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let ids = ids.clone();
                std::thread::spawn(move || (0..20_000).map(|_| ids.next_id()).collect::<Vec<_>>())
            })
            .collect();
        let mut all = HashSet::new();
        for h in handles {
            for id in h.join().unwrap() {
                assert_eq!(id.len(), 20);
                assert!(all.insert(id));
            }
        }
    }

    #[test]
    fn lengths() {
        assert!(ExternalIdGenerator::with_digits(19).is_err());
        assert!(ExternalIdGenerator::with_digits(37).is_err());
        assert_eq!(
            ExternalIdGenerator::with_digits(36)
                .unwrap()
                .next_id()
                .len(),
            36
        );
    }
}
