//! (c) 10,000 accounts over the four vendors (runtools' are two requests each: 12,500
//! requests a round), at most 256 at once: the facade's `fetch_accounts` against a bare
//! `reqwest` loop (`buffer_unordered(256)`), both against the loopback server.
//!
//! First, peak memory: each mode runs alone in a fresh `prepaid-bench-scale` process (three
//! rounds, the first cold) against this process's server, which reads its own `VmHWM`;
//! each mode twice, alternating. Then criterion measures the throughput of both in this
//! process. Targets: facade >= 0.8x the baseline's accounts/s; facade peak RSS < 64 MiB.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput};
use prepaid_bench::Loopback;
use prepaid_bench::scale::{self, ACCOUNTS, CONCURRENCY, Job, Mode, Report};

/// The peak-RSS target for the facade, in KiB.
const RSS_TARGET_KIB: u64 = 64 * 1024;
/// The throughput target: facade / baseline.
const THROUGHPUT_TARGET: f64 = 0.8;

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Each mode in fresh processes, alternating; prints every report and the comparison.
fn peak_rss(loopback: &Loopback) {
    let exe = Path::new(env!("CARGO_BIN_EXE_prepaid-bench-scale"));
    let mut reports: Vec<Report> = Vec::new();
    for _ in 0..2 {
        for mode in [Mode::Bare, Mode::Facade] {
            let job = Job {
                mode,
                origin: loopback.origin(),
                accounts: ACCOUNTS,
                concurrency: CONCURRENCY,
                rounds: 3,
            };
            let report = scale::spawn(exe, &job, Duration::from_secs(180)).expect("scale process");
            println!(
                "scale/process/{:<6} peak RSS {:6.1} MiB (at start {:4.1} MiB); rounds {:?} s; warm {:8.0} accounts/s",
                mode.as_str(),
                mib(report.peak_rss_kib),
                mib(report.start_rss_kib),
                report
                    .round_secs
                    .iter()
                    .map(|s| (s * 1000.0).round() / 1000.0)
                    .collect::<Vec<_>>(),
                report.warm_accounts_per_sec(),
            );
            reports.push(report);
        }
    }
    let of = |mode: Mode| reports.iter().filter(move |r| r.mode == mode);
    let peak = |mode: Mode| of(mode).map(|r| r.peak_rss_kib).max().unwrap_or(0);
    let rate = |mode: Mode| {
        let rates: Vec<f64> = of(mode).map(Report::warm_accounts_per_sec).collect();
        rates.iter().sum::<f64>() / rates.len().max(1) as f64
    };
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    let facade_peak = peak(Mode::Facade);
    println!(
        "scale/process peak RSS: facade {:.1} MiB, bare {:.1} MiB (facade/bare {:.2}x); target facade < 64 MiB: {}",
        mib(facade_peak),
        mib(peak(Mode::Bare)),
        facade_peak as f64 / peak(Mode::Bare).max(1) as f64,
        met(facade_peak < RSS_TARGET_KIB),
    );
    let ratio = rate(Mode::Facade) / rate(Mode::Bare).max(f64::MIN_POSITIVE);
    println!(
        "scale/process warm throughput: facade {:.0} accounts/s, bare {:.0} accounts/s, facade/bare {ratio:.2}x; target >= {THROUGHPUT_TARGET}x: {}",
        rate(Mode::Facade),
        rate(Mode::Bare),
        met(ratio >= THROUGHPUT_TARGET),
    );
}

/// Both modes' throughput in this process, with criterion.
fn throughput(c: &mut Criterion, loopback: &Loopback) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let origin = loopback.origin();
    let prepaid = scale::facade(&origin, ACCOUNTS, CONCURRENCY).expect("facade");
    let client = prepaid_bench::bare::client(CONCURRENCY).expect("bare client");
    let accounts = scale::bare_accounts(&origin, ACCOUNTS).expect("bare accounts");
    runtime.block_on(async {
        scale::check(&scale::facade_round(&prepaid).await, ACCOUNTS).expect("facade round");
        scale::check(
            &scale::bare_round(&client, &accounts, CONCURRENCY).await,
            ACCOUNTS,
        )
        .expect("bare round");
    });

    let mut group = c.benchmark_group("scale/10k_accounts_256_at_once");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(12))
        .throughput(Throughput::Elements(ACCOUNTS as u64));
    group.bench_function("bare_reqwest", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(scale::bare_round(&client, &accounts, CONCURRENCY).await) })
    });
    group.bench_function("facade", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(scale::facade_round(&prepaid).await) })
    });
    group.finish();
}

fn main() {
    let loopback = Loopback::start(Duration::ZERO).expect("loopback server");
    // `cargo test --benches` and `--list` only check that the benchmarks run.
    let quick = std::env::args().any(|arg| arg == "--test" || arg == "--list");
    if !quick {
        peak_rss(&loopback);
    }
    let mut criterion = Criterion::default().configure_from_args();
    throughput(&mut criterion, &loopback);
    criterion.final_summary();
}
