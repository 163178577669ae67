//! This process's memory and CPU time, from `/proc/self` (Linux).

/// A `/proc/self/status` field in KiB (e.g. `VmHWM`, the peak resident set size, or
/// `VmRSS`, the current one), or `None` where there is no such file or field.
pub fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_status_kib(&status, field)
}

/// `field` of a `/proc/<pid>/status` text, in KiB.
pub fn parse_status_kib(status: &str, field: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

/// Clock ticks a second in `/proc/<pid>/stat` (`USER_HZ`, 100 on every Linux platform
/// Rust supports).
const TICKS_PER_SEC: f64 = 100.0;

/// CPU time this process has used so far, user and system, all threads (exited ones
/// included), in seconds (10 ms resolution), or `None` where there is no `/proc/self/stat`.
pub fn cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    parse_stat_cpu_secs(&stat)
}

/// `utime + stime` of a `/proc/<pid>/stat` line, in seconds.
pub fn parse_stat_cpu_secs(stat: &str) -> Option<f64> {
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace().skip(11); // field 3 (state) is the first
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) as f64 / TICKS_PER_SEC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_field_in_kib() {
        let status = "Name:\tx\nVmPeak:\t  20000 kB\nVmHWM:\t    5120 kB\nVmRSS:\t    4096 kB\n";
        assert_eq!(parse_status_kib(status, "VmHWM"), Some(5120));
        assert_eq!(parse_status_kib(status, "VmRSS"), Some(4096));
        assert_eq!(parse_status_kib(status, "VmSwap"), None);
    }

    #[test]
    fn reads_user_and_system_time() {
        let stat = "42 (a b) S 1 42 42 0 -1 4194560 300 0 0 0 250 50 0 0 20 0 3 0 100 0 0";
        assert_eq!(parse_stat_cpu_secs(stat), Some(3.0));
    }
}
