//! How fast the sync writes: a throttle shared by every worker, and a concurrency that backs
//! off when the target says "slow down" (AIMD).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use contacts_core::Sleeper;

/// Time since any fixed start: the system's monotonic clock, or a test's.
pub(crate) type Clock = dyn Fn() -> Duration + Send + Sync;

/// A throttle shared by every worker: each request takes the next free slot, `interval` after
/// the one before, and nothing passes before a pause the target asked for is over. The lock
/// is held only to take a slot, never while waiting for it, so a pause set meanwhile (the
/// thread that runs the sync, on a 429) never waits behind a sleeping worker.
pub(crate) struct Throttle {
    interval: Option<Duration>,
    /// When the next request may pass, on `clock`.
    next: Mutex<Duration>,
    clock: Arc<Clock>,
    sleeper: Arc<dyn Sleeper>,
}

/// The margin kept under a documented rate: 1% slower than `60 s ÷ rate` between requests, so
/// a worker that wakes late for its slot (or a request slower on the wire than the next one)
/// never makes one request too many in the provider's window: at 120 a minute, the margin
/// over a window is 0.6 s.
const MARGIN_PERCENT: u32 = 1;

/// How often a wait looks whether the run was asked to stop (SIGINT, SIGTERM): a signal ends
/// any wait within this, whatever the slot or the pause.
const STOP_CHECK: Duration = Duration::from_millis(250);

impl Throttle {
    /// A throttle of `per_minute` requests a minute (none: only pauses). The first request
    /// waits one interval too: the plan's reads count against the same limit.
    pub(crate) fn new(per_minute: Option<u32>, clock: Arc<Clock>, sleeper: Arc<dyn Sleeper>) -> Throttle {
        let interval = per_minute.map(|n| Duration::from_secs(60) * (100 + MARGIN_PERCENT) / 100 / n.max(1));
        let now = clock();
        Throttle { interval, next: Mutex::new(now + interval.unwrap_or_default()), clock, sleeper }
    }

    /// Takes the next slot and blocks until it comes — or, when `stop` is set meanwhile, until
    /// the next quarter second: a run asked to stop never waits out a long slot or pause.
    /// Returns `false` when it stopped waiting.
    pub(crate) fn acquire(&self, stop: Option<&AtomicBool>) -> bool {
        let (now, slot) = {
            let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
            let now = (self.clock)();
            let slot = now.max(*next);
            *next = slot + self.interval.unwrap_or_default();
            (now, slot)
        };
        let Some(stop) = stop else {
            if slot > now {
                self.sleeper.sleep(slot - now);
            }
            return true;
        };
        let mut left = slot.saturating_sub(now);
        while !left.is_zero() {
            if stop.load(Ordering::SeqCst) {
                return false;
            }
            let step = left.min(STOP_CHECK);
            self.sleeper.sleep(step);
            left -= step;
        }
        !stop.load(Ordering::SeqCst)
    }

    /// Nothing passes for `wait` from now (the target's `Retry-After`).
    pub(crate) fn pause(&self, wait: Duration) {
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        let until = (self.clock)() + wait;
        if until > *next {
            *next = until;
        }
    }
}

/// How many writes may be in flight: starts at the concurrency asked for, halves when the
/// target answers 429 (or 503 with `Retry-After`), and climbs back by one after each full
/// window of successes (additive increase, multiplicative decrease, as TCP does).
#[derive(Debug)]
pub(crate) struct Window {
    max: u32,
    limit: u32,
    lowest: u32,
    successes: u32,
    /// Requests sent up to the last cut: their 429s are the same overload, not a new one.
    cut_at: u64,
}

impl Window {
    pub(crate) fn new(max: u32) -> Window {
        let max = max.max(1);
        Window { max, limit: max, lowest: max, successes: 0, cut_at: 0 }
    }

    /// How many writes may be in flight now.
    pub(crate) fn limit(&self) -> u32 {
        self.limit
    }

    /// The lowest the limit went.
    pub(crate) fn lowest(&self) -> u32 {
        self.lowest
    }

    /// A write succeeded.
    pub(crate) fn success(&mut self) {
        if self.limit >= self.max {
            return;
        }
        self.successes += 1;
        if self.successes >= self.limit {
            self.limit += 1;
            self.successes = 0;
            log::info!(target: "contacts_sync", "concurrency back up to {}", self.limit);
        }
    }

    /// Whether a "slow down" for request `seq` is a new overload: it was sent after the last
    /// cut (the requests already in flight then meet the same overload).
    pub(crate) fn is_new_overload(&self, seq: u64) -> bool {
        seq > self.cut_at
    }

    /// The request numbered `seq` was told to slow down; `sent` requests have been sent so
    /// far. Halves the limit once per overload: the other requests already in flight when it
    /// was cut meet the same overload and do not cut it again. Returns whether it was cut.
    pub(crate) fn slow_down(&mut self, seq: u64, sent: u64) -> bool {
        self.successes = 0;
        if seq <= self.cut_at {
            return false;
        }
        self.cut_at = sent;
        let before = self.limit;
        self.limit = (self.limit / 2).max(1);
        self.lowest = self.lowest.min(self.limit);
        log::info!(target: "contacts_sync", "the target asked to slow down: concurrency {before} -> {}", self.limit);
        true
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, PoisonError};
    use std::time::Duration;

    use super::{Throttle, Window};

    #[test]
    fn the_window_halves_once_per_overload_and_climbs_back_one_at_a_time() {
        let mut w = Window::new(8);
        // Requests 1..=8 are in flight; 3 and 5 are answered 429.
        assert!(w.slow_down(3, 8));
        assert_eq!(w.limit(), 4);
        assert!(!w.slow_down(5, 8), "the same overload cuts once");
        assert_eq!(w.limit(), 4);
        // A 429 to a request sent after the cut is a new overload.
        assert!(w.slow_down(9, 10));
        assert_eq!((w.limit(), w.lowest()), (2, 2));
        for _ in 0..2 {
            w.success();
        }
        assert_eq!(w.limit(), 3);
        for _ in 0..3 + 4 + 5 + 6 + 7 {
            w.success();
        }
        assert_eq!(w.limit(), 8);
        w.success();
        assert_eq!((w.limit(), w.lowest()), (8, 2));
        let mut one = Window::new(1);
        one.slow_down(1, 1);
        assert_eq!(one.limit(), 1, "never below one");
    }

    #[derive(Debug)]
    struct Fake(Arc<AtomicU64>);
    impl contacts_core::Sleeper for Fake {
        fn sleep(&self, d: Duration) {
            self.0.fetch_add(d.as_millis() as u64, Ordering::SeqCst);
        }
    }

    #[test]
    fn the_throttle_spaces_requests_a_hair_under_the_rate_and_honours_pauses() {
        let ms = Arc::new(AtomicU64::new(0));
        let clock_ms = Arc::clone(&ms);
        let clock = Arc::new(move || Duration::from_millis(clock_ms.load(Ordering::SeqCst)));
        let t = Throttle::new(Some(120), clock, Arc::new(Fake(Arc::clone(&ms))));
        let mut passed = Vec::new();
        for _ in 0..3 {
            t.acquire(None);
            passed.push(ms.load(Ordering::SeqCst));
        }
        assert_eq!(passed, vec![505, 1010, 1515]);
        t.pause(Duration::from_secs(10));
        t.acquire(None);
        assert_eq!(ms.load(Ordering::SeqCst), 11_515);
        let none = Throttle::new(None, Arc::new(|| Duration::ZERO), Arc::new(Fake(Arc::new(AtomicU64::new(0)))));
        none.acquire(None);
        none.acquire(None);
    }

    /// Sleeps until the test says so.
    #[derive(Debug)]
    struct Held {
        asleep: std::sync::Mutex<std::sync::mpsc::Sender<()>>,
        wake: std::sync::Mutex<std::sync::mpsc::Receiver<()>>,
    }
    impl contacts_core::Sleeper for Held {
        fn sleep(&self, _: Duration) {
            let _ = self.asleep.lock().unwrap_or_else(PoisonError::into_inner).send(());
            let _ = self.wake.lock().unwrap_or_else(PoisonError::into_inner).recv();
        }
    }

    #[test]
    fn a_pause_is_set_at_once_while_a_worker_waits_for_its_slot() {
        // Before: the lock was held while sleeping, so the sync's thread, setting the pause a
        // 429 asked for, waited behind a worker's minute-long wait and then paused again.
        use std::sync::mpsc;
        let (asleep, is_asleep) = mpsc::channel();
        let (wake, woken) = mpsc::channel();
        let held = Held { asleep: std::sync::Mutex::new(asleep), wake: std::sync::Mutex::new(woken) };
        let t = Throttle::new(None, Arc::new(|| Duration::ZERO), Arc::new(held));
        t.pause(Duration::from_secs(60));
        std::thread::scope(|s| {
            s.spawn(|| t.acquire(None));
            assert!(is_asleep.recv().is_ok(), "the worker waits for its slot");
            let (done, is_done) = mpsc::channel();
            let t = &t;
            s.spawn(move || {
                t.pause(Duration::from_secs(30));
                let _ = done.send(());
            });
            let set = is_done.recv_timeout(Duration::from_secs(10));
            let _ = wake.send(());
            assert!(set.is_ok(), "the pause waited behind the sleeping worker");
        });
        assert_eq!(
            *t.next.lock().unwrap_or_else(PoisonError::into_inner),
            Duration::from_secs(60),
            "the later of the two pauses"
        );
    }
}
