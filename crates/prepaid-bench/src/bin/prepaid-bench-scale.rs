//! One mode of the scale benchmark in a fresh process, so its peak resident set size
//! (`VmHWM`) is its own: `prepaid-bench-scale facade|bare http://127.0.0.1:PORT ACCOUNTS
//! CONCURRENCY ROUNDS` fetches every account ROUNDS times from a running loopback server
//! and prints one JSON line (see `prepaid_bench::scale::Report`). The `scale` benchmark
//! starts the server and runs this binary once per mode.

use std::process::ExitCode;

use prepaid_bench::scale::{Job, run_process};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match Job::from_args(&args).and_then(|job| run_process(&job)) {
        Ok(report) => {
            println!("{}", report.to_json());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("prepaid-bench-scale: {e}");
            ExitCode::FAILURE
        }
    }
}
