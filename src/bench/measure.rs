//! Repeated timings with their minimum and median, and the process's peak
//! resident memory.

use std::time::{Duration, Instant};

use serde::Serialize;

/// The durations of N runs of one measurement.
#[derive(Debug, Clone, Default)]
pub struct Samples(Vec<Duration>);

/// Minimum and median of samples, in milliseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Summary {
    pub min_ms: f64,
    pub median_ms: f64,
}

impl Samples {
    pub fn push(&mut self, duration: Duration) {
        self.0.push(duration);
    }

    pub fn summary(&self) -> Summary {
        let mut sorted = self.0.clone();
        sorted.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let median = match sorted.len() {
            0 => Duration::ZERO,
            n if n % 2 == 1 => sorted[n / 2],
            n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
        };
        Summary {
            min_ms: sorted.first().copied().map_or(0.0, ms),
            median_ms: ms(median),
        }
    }
}

/// Runs `f` `runs` times (at least once) and records each duration; the
/// first error stops the measurement.
pub fn time_runs<E>(runs: usize, mut f: impl FnMut() -> Result<(), E>) -> Result<Samples, E> {
    let mut samples = Samples::default();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        f()?;
        samples.push(started.elapsed());
    }
    Ok(samples)
}

/// Peak resident set size of this process in KiB (`VmHWM` in
/// /proc/self/status); None where that file does not exist.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm(&status)
}

/// Current resident set size of this process in KiB (`VmRSS`).
pub fn current_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_status_kib(&status, "VmRSS:")
}

fn parse_vm_hwm(status: &str) -> Option<u64> {
    parse_status_kib(status, "VmHWM:")
}

fn parse_status_kib(status: &str, field: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        let mut odd = Samples::default();
        for ms in [30, 10, 20] {
            odd.push(Duration::from_millis(ms));
        }
        assert_eq!(odd.summary().median_ms, 20.0);
        assert_eq!(odd.summary().min_ms, 10.0);
        odd.push(Duration::from_millis(40));
        assert_eq!(odd.summary().median_ms, 25.0);
    }

    #[test]
    fn vm_hwm_is_read_from_status_text() {
        let status = "Name:\tplumb\nVmPeak:\t  9000 kB\nVmHWM:\t    5120 kB\nVmRSS:\t 4000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(5120));
        assert_eq!(parse_status_kib(status, "VmRSS:"), Some(4000));
        assert_eq!(parse_vm_hwm("Name: x\n"), None);
    }
}
