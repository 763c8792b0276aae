//! One SQLite write transaction at a time within this process, queued on a condition variable
//! rather than in SQLite's busy handler. That handler sleeps and polls (1, 2, 5 … up to 100 ms
//! between tries), so under concurrent writes a writer mostly sleeps on past the moment the lock
//! was freed; here the next writer is woken when the previous one commits. Writers in other
//! processes (the CLI, a seeder) still meet SQLite's own lock and busy timeout.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

static TAKEN: Mutex<bool> = Mutex::new(false);
static FREED: Condvar = Condvar::new();

/// The right to write, held until dropped. A writer that waited `patience` in vain goes on
/// without it, to SQLite's own lock, so that the gate can never wait forever.
#[must_use]
pub struct Turn {
    held: bool,
}

pub fn enter(patience: Duration) -> Turn {
    let deadline = Instant::now() + patience;
    let mut taken = TAKEN.lock().unwrap_or_else(|e| e.into_inner());
    while *taken {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Turn { held: false };
        }
        taken = FREED
            .wait_timeout(taken, left)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
    *taken = true;
    Turn { held: true }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if self.held {
            *TAKEN.lock().unwrap_or_else(|e| e.into_inner()) = false;
            FREED.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn one_writer_at_a_time_and_a_bounded_wait() {
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let writers: Vec<_> = (0..4)
            .map(|_| {
                let (inside, most) = (Arc::clone(&inside), Arc::clone(&most));
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let _turn = super::enter(Duration::from_secs(5));
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);

        let held = super::enter(Duration::from_secs(5));
        assert!(held.held);
        let impatient = super::enter(Duration::from_millis(20));
        assert!(
            !impatient.held,
            "a writer gives up waiting after its patience"
        );
    }
}
