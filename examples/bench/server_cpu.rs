//! The server's own CPU time, read from /proc while a scenario is measured. On a machine whose
//! cores the load generator shares with the server, requests per second mix both processes'
//! costs and whatever else runs; CPU time per request is the server's cost alone.

use std::time::Instant;

/// Clock ticks of user and system time the process `pid` has used (all its threads).
fn ticks(pid: u32) -> Result<u64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|e| format!("--server-pid {pid}: {e}"))?;
    // The command name may hold spaces; the fields after it are fixed.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or_else(|| format!("/proc/{pid}/stat: unreadable"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let field = |i: usize| -> Result<u64, String> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| format!("/proc/{pid}/stat: no field {i}"))
    };
    Ok(field(11)? + field(12)?)
}

fn ticks_per_second() -> u64 {
    // SAFETY: sysconf has no preconditions; a failure answers -1.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz > 0 {
        hz as u64
    } else {
        100
    }
}

/// A reading taken when the measured window begins.
pub struct Meter {
    pid: u32,
    start: u64,
}

impl Meter {
    /// Waits until `at`, then reads the server's CPU time.
    pub async fn start_at(pid: u32, at: Instant) -> Result<Meter, String> {
        tokio::time::sleep_until(at.into()).await;
        Ok(Meter {
            pid,
            start: ticks(pid)?,
        })
    }

    /// Server CPU milliseconds spent since the start, per request of `requests`.
    pub fn ms_per_request(&self, requests: usize) -> Result<f64, String> {
        let used = ticks(self.pid)?.saturating_sub(self.start);
        let ms = used as f64 * 1000.0 / ticks_per_second() as f64;
        Ok(ms / requests.max(1) as f64)
    }
}
