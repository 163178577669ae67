//! How busy the machine is: benchmarks print it before and after they run, since on a
//! shared machine other work is part of every figure.

/// `load <1 min> <5 min> <15 min>, cpu pressure some avg10=<%> avg60=<%>` from
/// `/proc/loadavg` and `/proc/pressure/cpu` (each part only where the file exists).
pub fn load() -> String {
    let mut parts = Vec::new();
    if let Ok(loadavg) = std::fs::read_to_string("/proc/loadavg") {
        let averages: Vec<&str> = loadavg.split_whitespace().take(3).collect();
        parts.push(format!("load {}", averages.join(" ")));
    }
    if let Ok(pressure) = std::fs::read_to_string("/proc/pressure/cpu")
        && let Some(some) = pressure.lines().find(|l| l.starts_with("some"))
    {
        let averages: Vec<&str> = some
            .split_whitespace()
            .filter(|f| f.starts_with("avg10=") || f.starts_with("avg60="))
            .collect();
        parts.push(format!("cpu pressure some {}", averages.join(" ")));
    }
    format!("{} cpus; {}", cpus(), parts.join(", "))
}

/// The CPUs this process may run on.
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
