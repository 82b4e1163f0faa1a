//! Time and byte budgets. The engine has no clock of its own: the caller passes one in (the
//! native CLI uses `std::time::Instant`, the wasm build `performance.now()`).

/// A monotonic clock in microseconds.
pub trait Clock {
    /// Microseconds since an arbitrary fixed origin; never decreases.
    fn now_us(&self) -> u64;
}

/// A clock that never advances: scans under it never run out of time (deterministic tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct FrozenClock;

impl Clock for FrozenClock {
    fn now_us(&self) -> u64 {
        0
    }
}

impl<F: Fn() -> u64> Clock for F {
    fn now_us(&self) -> u64 {
        self()
    }
}

/// How much one page scan may spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall time for the whole scan (µs). The spec's hard limit is 200 ms.
    pub time_us: u64,
    /// Bytes of text, HTML and inline script examined in total.
    pub bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { time_us: 200_000, bytes: 4 * 1024 * 1024 }
    }
}

/// A running budget: a deadline on the injected clock plus a byte allowance.
pub struct Budget<'c> {
    clock: &'c dyn Clock,
    start_us: u64,
    deadline_us: u64,
    bytes_left: usize,
    exhausted: bool,
}

impl<'c> Budget<'c> {
    /// Starts a budget now.
    pub fn start(clock: &'c dyn Clock, limits: Limits) -> Self {
        let start_us = clock.now_us();
        Self {
            clock,
            start_us,
            deadline_us: start_us.saturating_add(limits.time_us),
            bytes_left: limits.bytes,
            exhausted: false,
        }
    }

    /// True once time or bytes ran out (sticky).
    pub fn exhausted(&self) -> bool {
        self.exhausted
    }

    /// Marks the budget as exhausted (a component stopped early).
    pub fn mark_exhausted(&mut self) {
        self.exhausted = true;
    }

    /// Checks the deadline; returns false (and becomes exhausted) when it has passed.
    pub fn check_time(&mut self) -> bool {
        if self.clock.now_us() > self.deadline_us {
            self.exhausted = true;
        }
        !self.exhausted
    }

    /// Microseconds left before the deadline.
    pub fn time_left_us(&self) -> u64 {
        self.deadline_us.saturating_sub(self.clock.now_us())
    }

    /// The deadline on the injected clock (µs).
    pub fn deadline_us(&self) -> u64 {
        self.deadline_us
    }

    /// The clock the budget runs on.
    pub fn clock(&self) -> &'c dyn Clock {
        self.clock
    }

    /// Takes up to `want` bytes from the allowance; returns how many were granted. Granting
    /// fewer than asked marks the budget exhausted.
    pub fn take_bytes(&mut self, want: usize) -> usize {
        let got = want.min(self.bytes_left);
        self.bytes_left -= got;
        if got < want {
            self.exhausted = true;
        }
        got
    }

    /// Microseconds since the budget started.
    pub fn elapsed_us(&self) -> u64 {
        self.clock.now_us().saturating_sub(self.start_us)
    }
}
