//! Password hashing and checking (argon2id with the argon2 crate's defaults: 19 MiB of memory
//! and two passes per computation), behind one process-wide gate.
//!
//! Each computation holds 19 MiB for tens of milliseconds, and a wrong password costs as much
//! as a right one: 95 sign-ins at once took a server from 93 MB to 1.7 GB. So at most
//! [`MAX_CONCURRENT`] computations run at once, at most [`MAX_WAITING`] more wait (each at
//! most [`MAX_WAIT`]) and any beyond are refused at once with [`AppError::Busy`] ("too many
//! sign-ins at once"), which the web answers with 503. Memory for passwords is then bounded
//! by `MAX_CONCURRENT` × 19 MiB whatever arrives.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

use crate::AppError;

/// Most argon2 computations running at once in the process.
pub const MAX_CONCURRENT: usize = 2;
/// Most computations waiting for a turn; any beyond are refused at once.
pub const MAX_WAITING: usize = 16;
/// Longest a computation waits for its turn before it is refused.
pub const MAX_WAIT: Duration = Duration::from_secs(5);
/// Longest password accepted, in bytes (longer ones are refused before any hashing).
pub const MAX_PASSWORD_BYTES: usize = 1_024;

/// Checked against when the user does not exist, so an unknown email costs as much time as
/// a wrong password (the hash of no password anyone knows, with the default parameters).
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3y2ft1yFOXRfRZfQK+SBDYsYK35nMfbaJsWjD+HB2F0";

/// What a login without a password holds until its owner chooses one: no hash, so no
/// password matches it.
pub const UNUSABLE: &str = "!";

static GATE: Gate = Gate::new(MAX_CONCURRENT, MAX_WAITING, MAX_WAIT);

/// Shortest new password, in characters (sign-up, change, first password, reset).
pub const MIN_CHARS: usize = 12;

/// The one policy of a new password: at least [`MIN_CHARS`] characters, at most
/// [`MAX_PASSWORD_BYTES`] bytes, and typed the same twice. The errors name the form's fields
/// `new` and `repeat`; nothing is hashed before this passes.
pub fn check_new(new: &str, repeat: &str) -> Result<(), AppError> {
    if new != repeat {
        return Err(AppError::invalid(
            "repeat",
            "the new password and its repetition differ",
        ));
    }
    if new.chars().count() < MIN_CHARS {
        return Err(AppError::invalid(
            "new",
            format!("the new password must have at least {MIN_CHARS} characters"),
        ));
    }
    if new.len() > MAX_PASSWORD_BYTES {
        return Err(AppError::invalid(
            "new",
            format!("the new password is longer than {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// The argon2id hash of a new password, in the PHC string form stored in `users`.
pub fn hash(password: &str) -> Result<String, AppError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AppError::invalid(
            "password",
            format!("the password is longer than {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    GATE.run(|| {
        Argon2::default()
            .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))
            .map(|hash| hash.to_string())
            .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
    })?
}

/// Whether `password` matches the stored hash. `None` (no such user) and a stored value that
/// is no hash ([`UNUSABLE`]) are checked against a dummy hash, so the answer takes as long,
/// and never match.
pub fn verify(password: &str, stored: Option<&str>) -> Result<bool, AppError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Ok(false);
    }
    // A login without a usable password yet (a new member who has not chosen one) is checked
    // against the dummy hash too, so it answers like a wrong password and as slowly.
    let real = stored.and_then(|s| PasswordHash::new(s).ok());
    let Ok(dummy) = PasswordHash::new(DUMMY_HASH) else {
        return Ok(false);
    };
    let usable = real.is_some();
    let parsed = real.unwrap_or(dummy);
    let matches = GATE.run(|| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })?;
    Ok(matches && usable)
}

/// Counts of the gate, under its lock.
#[derive(Debug, Default)]
struct GateState {
    running: usize,
    waiting: usize,
    /// The most that ever ran at once (read by tests).
    peak: usize,
}

/// A counting gate: at most `max_running` closures at once, at most `max_waiting` waiting.
struct Gate {
    state: Mutex<GateState>,
    freed: Condvar,
    max_running: usize,
    max_waiting: usize,
    max_wait: Duration,
}

impl Gate {
    const fn new(max_running: usize, max_waiting: usize, max_wait: Duration) -> Self {
        Self {
            state: Mutex::new(GateState {
                running: 0,
                waiting: 0,
                peak: 0,
            }),
            freed: Condvar::new(),
            max_running,
            max_waiting,
            max_wait,
        }
    }

    /// The counters stay consistent even if a closure panicked while another held the lock.
    fn lock(&self) -> MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `work` when a turn is free, or refuses with [`AppError::Busy`].
    fn run<T>(&self, work: impl FnOnce() -> T) -> Result<T, AppError> {
        let _turn = self.enter()?;
        Ok(work())
    }

    fn enter(&self) -> Result<Turn<'_>, AppError> {
        let busy = || AppError::Busy("too many sign-ins at once; try again in a moment".into());
        let mut state = self.lock();
        if state.running >= self.max_running {
            if state.waiting >= self.max_waiting {
                return Err(busy());
            }
            state.waiting += 1;
            let deadline = Instant::now() + self.max_wait;
            while state.running >= self.max_running {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    state.waiting -= 1;
                    return Err(busy());
                }
                state = self
                    .freed
                    .wait_timeout(state, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            state.waiting -= 1;
        }
        state.running += 1;
        state.peak = state.peak.max(state.running);
        Ok(Turn { gate: self })
    }
}

/// A running computation's place; leaving frees it for the next waiter.
struct Turn<'a> {
    gate: &'a Gate,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.gate.lock().running -= 1;
        self.gate.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{mpsc, Arc, Barrier};

    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash("correct horse battery staple").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify("correct horse battery staple", Some(&hash)).unwrap());
        assert!(!verify("correct horse battery stable", Some(&hash)).unwrap());
        assert!(!verify("anything", None).unwrap(), "no such user");
        assert!(!verify("anything", Some("not a hash")).unwrap());
        let long = "x".repeat(MAX_PASSWORD_BYTES + 1);
        assert!(!verify(&long, Some(&hash)).unwrap());
        assert_eq!(hash_err(&long), Some("password".to_owned()));
    }

    fn hash_err(password: &str) -> Option<String> {
        hash(password)
            .err()
            .and_then(|e| e.field().map(str::to_owned))
    }

    /// 12 sign-ins arrive together at a gate of 2 running and 4 waiting: 2 run, 4 wait, 6 are
    /// refused at once; the waiting ones run when a turn frees, never more than 2 at a time.
    #[test]
    fn at_most_the_cap_run_at_once_and_the_rest_wait_or_are_refused() {
        let gate = Arc::new(Gate::new(2, 4, Duration::from_secs(30)));
        let inside = Arc::new(AtomicUsize::new(0));
        let most_inside = Arc::new(AtomicUsize::new(0));
        let (release, released) = mpsc::channel::<()>();
        let released = Arc::new(Mutex::new(released));
        let start = Arc::new(Barrier::new(12));
        let threads: Vec<_> = (0..12)
            .map(|_| {
                let (gate, inside, most_inside) = (
                    Arc::clone(&gate),
                    Arc::clone(&inside),
                    Arc::clone(&most_inside),
                );
                let (released, start) = (Arc::clone(&released), Arc::clone(&start));
                std::thread::spawn(move || {
                    start.wait();
                    gate.run(|| {
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most_inside.fetch_max(now, Ordering::SeqCst);
                        // A real computation, then hold the turn until the test says so.
                        let _ = Argon2::default()
                            .hash_password(b"password", &SaltString::generate(&mut OsRng));
                        let _ = released.lock().unwrap().recv();
                        inside.fetch_sub(1, Ordering::SeqCst);
                    })
                })
            })
            .collect();
        // Wait until every thread has either a turn, a place in the queue or its refusal.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let finished = threads.iter().filter(|t| t.is_finished()).count();
            let state = gate.lock();
            if state.running == 2 && state.waiting == 4 && finished == 6 {
                break;
            }
            drop(state);
            assert!(Instant::now() < deadline, "the gate never settled");
            std::thread::sleep(Duration::from_millis(5));
        }
        for _ in 0..6 {
            release.send(()).unwrap();
        }
        let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let refused = results
            .iter()
            .filter(|r| matches!(r, Err(AppError::Busy(_))))
            .count();
        assert_eq!(refused, 6, "{results:?}");
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 6);
        assert_eq!(most_inside.load(Ordering::SeqCst), 2);
        assert_eq!(gate.lock().peak, 2);
        let message = results
            .iter()
            .find_map(|r| r.as_ref().err())
            .unwrap()
            .to_string();
        assert!(message.contains("too many sign-ins at once"), "{message}");
    }

    #[test]
    fn a_waiter_gives_up_after_the_longest_wait() {
        let gate = Arc::new(Gate::new(1, 1, Duration::from_millis(50)));
        let turn = gate.enter().unwrap();
        let started = Instant::now();
        let waited = std::thread::spawn({
            let gate = Arc::clone(&gate);
            move || gate.run(|| ()).map_err(|e| e.code())
        })
        .join()
        .unwrap();
        assert_eq!(waited, Err("busy"));
        assert!(started.elapsed() >= Duration::from_millis(50));
        drop(turn);
        assert!(gate.run(|| ()).is_ok(), "the turn came back");
    }

    /// The public functions go through the process-wide gate: 24 sign-ins at once never run
    /// more than MAX_CONCURRENT argon2 computations together (any beyond the queue are
    /// refused, which the test above counts exactly).
    #[test]
    fn concurrent_sign_ins_share_the_process_wide_cap() {
        let stored = hash("a password of twelve").unwrap();
        let start = Arc::new(Barrier::new(24));
        let threads: Vec<_> = (0..24)
            .map(|i| {
                let (stored, start) = (stored.clone(), Arc::clone(&start));
                std::thread::spawn(move || {
                    start.wait();
                    verify(
                        if i % 2 == 0 {
                            "a password of twelve"
                        } else {
                            "wrong"
                        },
                        Some(&stored),
                    )
                })
            })
            .collect();
        let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let peak = GATE.lock().peak;
        assert!((1..=MAX_CONCURRENT).contains(&peak), "peak {peak}");
        for (i, result) in results.iter().enumerate() {
            if let Ok(matched) = result {
                assert_eq!(*matched, i % 2 == 0, "sign-in {i}");
            }
        }
    }
}
