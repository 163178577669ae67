//! One mode of the scale benchmark in a fresh process, so its peak resident set size
//! (`VmHWM`) is its own:
//!
//! ```text
//! prepaid-bench-scale facade|facade-unlabelled|bare http://127.0.0.1:PORT ACCOUNTS CONCURRENCY ROUNDS
//! ```
//!
//! fetches every account ROUNDS times from a running loopback server and prints one JSON
//! line (see `prepaid_bench::scale::Report`). The `scale` benchmark starts the server and
//! runs this binary once per mode.
//!
//! `prepaid-bench-scale serve SECONDS` runs the loopback server alone for SECONDS (at most
//! an hour), printing its origin, for runs by hand or under a profiler.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use prepaid_bench::scale::{Job, run_process};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.as_slice() {
        [serve, seconds] if serve == "serve" => serve_for(seconds),
        _ => Job::from_args(&args)
            .and_then(|job| run_process(&job))
            .map(|report| println!("{}", report.to_json())),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("prepaid-bench-scale: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve_for(seconds: &str) -> Result<(), String> {
    let seconds: u64 = seconds
        .parse()
        .map_err(|_| format!("not a number of seconds: {seconds}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async {
        let server = prepaid_bench::server::start(Duration::ZERO)
            .await
            .map_err(|e| format!("cannot start the server: {e}"))?;
        println!("{}", server.origin());
        let _ = std::io::stdout().flush();
        tokio::time::sleep(Duration::from_secs(seconds.min(3600))).await;
        Ok(())
    })
}
