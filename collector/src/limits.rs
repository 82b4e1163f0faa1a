//! Token buckets per client IP and per install token (two buckets each: per minute and per day).
//!
//! Memory is bounded: at most `max_keys` keys are tracked; when full, keys whose buckets have
//! refilled completely (indistinguishable from new keys) are dropped, and if none can be, new
//! keys are refused with 429 until some refill.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// A limit: requests per minute and per day (0 = no limit).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Burst and refill per minute.
    pub per_minute: f64,
    /// Burst and refill per day.
    pub per_day: f64,
}

impl Rate {
    /// Parses `5/min,300/day` (or `off`).
    ///
    /// # Errors
    /// A message naming the expected shape.
    pub fn parse(s: &str) -> Result<Option<Rate>, String> {
        if s == "off" {
            return Ok(None);
        }
        let mut r = Rate { per_minute: 0.0, per_day: 0.0 };
        for part in s.split(',') {
            let (n, unit) = part.trim().split_once('/').ok_or_else(|| format!("`{part}`: expected N/min or N/day"))?;
            let n: f64 = n
                .trim()
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite() && *n > 0.0)
                .ok_or_else(|| format!("`{part}`: N must be a positive number"))?;
            match unit.trim() {
                "min" => r.per_minute = n,
                "day" => r.per_day = n,
                _ => return Err(format!("`{part}`: unit must be min or day")),
            }
        }
        Ok(Some(r))
    }
}

#[derive(Clone, Copy)]
struct Bucket {
    minute: f64,
    day: f64,
    at: Instant,
}

/// One limiter (one key space).
pub struct Limiter {
    rate: Rate,
    max_keys: usize,
    map: Mutex<HashMap<String, Bucket>>,
}

impl Limiter {
    /// A limiter with `rate` tracking at most `max_keys` keys.
    pub fn new(rate: Rate, max_keys: usize) -> Self {
        Limiter { rate, max_keys, map: Mutex::new(HashMap::new()) }
    }

    fn refill(&self, b: &mut Bucket, now: Instant) {
        let dt = now.saturating_duration_since(b.at).as_secs_f64();
        if self.rate.per_minute > 0.0 {
            b.minute = (b.minute + dt * self.rate.per_minute / 60.0).min(self.rate.per_minute);
        }
        if self.rate.per_day > 0.0 {
            b.day = (b.day + dt * self.rate.per_day / 86_400.0).min(self.rate.per_day);
        }
        b.at = now;
    }

    fn full(&self, b: &Bucket) -> bool {
        (self.rate.per_minute == 0.0 || b.minute >= self.rate.per_minute)
            && (self.rate.per_day == 0.0 || b.day >= self.rate.per_day)
    }

    /// Takes one token for `key`. `Err(seconds)` = refused; retry after that many seconds.
    pub fn take(&self, key: &str, now: Instant) -> Result<(), u64> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if !map.contains_key(key) && map.len() >= self.max_keys {
            let mut stale: Vec<String> = Vec::new();
            for (k, b) in map.iter_mut() {
                let mut c = *b;
                self.refill(&mut c, now);
                if self.full(&c) {
                    stale.push(k.clone());
                }
            }
            for k in stale {
                map.remove(&k);
            }
            if map.len() >= self.max_keys {
                return Err(60);
            }
        }
        let b = map.entry(key.to_string()).or_insert(Bucket {
            minute: self.rate.per_minute,
            day: self.rate.per_day,
            at: now,
        });
        self.refill(b, now);
        let mut wait: f64 = 0.0;
        if self.rate.per_minute > 0.0 && b.minute < 1.0 {
            wait = wait.max((1.0 - b.minute) * 60.0 / self.rate.per_minute);
        }
        if self.rate.per_day > 0.0 && b.day < 1.0 {
            wait = wait.max((1.0 - b.day) * 86_400.0 / self.rate.per_day);
        }
        if wait > 0.0 {
            return Err(wait.ceil().max(1.0) as u64);
        }
        if self.rate.per_minute > 0.0 {
            b.minute -= 1.0;
        }
        if self.rate.per_day > 0.0 {
            b.day -= 1.0;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn five_per_minute_then_retry_after() {
        let l = Limiter::new(Rate::parse("5/min,300/day").unwrap().unwrap(), 10);
        let t = Instant::now();
        for _ in 0..5 {
            assert_eq!(l.take("1.2.3.4", t), Ok(()));
        }
        assert_eq!(l.take("1.2.3.4", t), Err(12));
        assert_eq!(l.take("5.6.7.8", t), Ok(()));
        assert_eq!(l.take("1.2.3.4", t + Duration::from_secs(12)), Ok(()));
    }

    #[test]
    fn day_limit_and_bounded_keys() {
        let l = Limiter::new(Rate::parse("1000/min,3/day").unwrap().unwrap(), 2);
        let t = Instant::now();
        for _ in 0..3 {
            l.take("a", t).unwrap();
        }
        assert_eq!(l.take("a", t), Err(28_800));
        l.take("b", t).unwrap();
        assert!(l.take("c", t).is_err(), "no room: a and b are not refilled");
        assert_eq!(l.take("c", t + Duration::from_secs(86_400)), Ok(()), "full buckets are dropped");
        assert!(Rate::parse("5/hour").is_err());
        assert_eq!(Rate::parse("off"), Ok(None));
    }
}
