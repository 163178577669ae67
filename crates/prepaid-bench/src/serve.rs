//! What the benchmarks of `prepaid serve` share: the release command of this checkout, a
//! 10,000-account file on the emulation, a started `serve` and its stop, and times.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use prepaid_emulator::{Emulator, bodies::VENDORS};

/// `cargo build --release -p prepaid-cli --bin prepaid`; the binary's path.
pub fn build_release_prepaid() -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "-p",
            "prepaid-cli",
            "--bin",
            "prepaid",
        ])
        .status()
        .map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err("building the prepaid command failed".into());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    Ok(target.join("release/prepaid"))
}

/// `accounts` accounts over the four vendors (runtools' take two requests each), each with
/// a label and a threshold, all on `emulator`, their key in `PREPAID_BENCH_KEY`.
pub fn accounts_file(emulator: &Emulator, accounts: usize) -> Result<String, String> {
    let mut text = String::from("concurrency = 256\n");
    for n in 0..accounts {
        let vendor = VENDORS[n % VENDORS.len()];
        let base_url = emulator
            .base_url(vendor)
            .ok_or_else(|| format!("{vendor} is not emulated"))?;
        text.push_str(&format!(
            "\n[[accounts]]\nprovider = \"{vendor}\"\nname = \"acct-{n}\"\nkey_env = \"PREPAID_BENCH_KEY\"\nbase_url = \"{base_url}\"\nmin = \"5USD\"\nlabels = {{ team = \"t{}\" }}\n",
            n % 7
        ));
    }
    Ok(text)
}

/// Run a benchmark's `run` on a multi-threaded runtime, unless this is `cargo test
/// --benches` (which passes `--test`) or a listing: nothing to measure then.
pub fn bench_main(run: impl std::future::Future<Output = ()>) {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(run),
        Err(error) => eprintln!("no runtime: {error}"),
    }
}

/// `binary` to run in an environment of only the bench key (`PREPAID_BENCH_KEY`).
pub fn command(binary: &Path) -> Command {
    let mut command = Command::new(binary);
    command.env_clear().env("PREPAID_BENCH_KEY", "bench-key");
    command
}

/// Start `binary serve --listen 127.0.0.1:0` with `args` in an environment of only the
/// bench key and `envs`, its stderr to `stderr`; the child and the URL it listens on.
pub fn start_serve(
    binary: &Path,
    args: &[&str],
    envs: &[(&str, &str)],
    stderr: Stdio,
) -> Result<(Child, String), String> {
    let mut child = command(binary)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    let mut line = String::new();
    let stdout = child.stdout.as_mut().ok_or("no stdout")?;
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("the listening line: {e}"))?;
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .ok_or_else(|| format!("no URL in {line:?}"))?
        .to_string();
    Ok((child, url))
}

/// Stop a started `serve` as an operator would (SIGTERM) and wait for it.
pub fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

/// Milliseconds, sorted.
#[derive(Debug, Clone, Default)]
pub struct Times(Vec<f64>);

impl Times {
    /// The times in `values`.
    pub fn new(mut values: Vec<f64>) -> Self {
        values.sort_by(f64::total_cmp);
        Self(values)
    }

    /// The `q` quantile (nearest rank); NaN when empty.
    pub fn quantile(&self, q: f64) -> f64 {
        let rank = ((q * self.0.len() as f64).ceil() as usize).clamp(1, self.0.len().max(1));
        self.0.get(rank - 1).copied().unwrap_or(f64::NAN)
    }

    /// The median.
    pub fn median(&self) -> f64 {
        self.quantile(0.5)
    }
}

impl std::fmt::Display for Times {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "median {:.2} ms (p90 {:.2}, max {:.2})",
            self.median(),
            self.quantile(0.9),
            self.quantile(1.0)
        )
    }
}
