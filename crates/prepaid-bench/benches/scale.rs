//! (c) 10,000 accounts over the four vendors (runtools' are two requests each: 12,500
//! requests a round), at most 256 at once: the facade's `fetch_accounts` against a bare
//! `reqwest` loop (`buffer_unordered(256)`), both against the loopback server.
//!
//! First, peak memory: each mode runs alone in a fresh `prepaid-bench-scale` process (four
//! rounds, the first cold) against this process's server, which reads its own `VmHWM` and
//! CPU time; each mode twice, alternating. Then criterion measures the throughput of both in
//! this process, and a paired comparison (alternating rounds) their ratio. Targets: facade
//! >= 0.8x the baseline's accounts/s; facade peak RSS < 64 MiB.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput};
use prepaid_bench::scale::{self, ACCOUNTS, CONCURRENCY, Job, Mode, Report};
use prepaid_bench::{Loopback, machine, paired};

/// The peak-RSS target for the facade, in KiB.
const RSS_TARGET_KIB: u64 = 64 * 1024;
/// The throughput target: facade / baseline.
const THROUGHPUT_TARGET: f64 = 0.8;
/// Pairs of rounds in the in-process paired comparison.
const PAIRS: usize = 6;

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Each mode in fresh processes, alternating (and the facade without labels once, to show
/// what the labels weigh); prints every report and the comparison.
fn peak_rss(loopback: &Loopback) {
    let exe = Path::new(env!("CARGO_BIN_EXE_prepaid-bench-scale"));
    let modes = [
        Mode::Bare,
        Mode::Facade,
        Mode::Bare,
        Mode::Facade,
        Mode::FacadeUnlabelled,
    ];
    let mut reports: Vec<Report> = Vec::new();
    for mode in modes {
        let job = Job {
            mode,
            origin: loopback.origin(),
            accounts: ACCOUNTS,
            concurrency: CONCURRENCY,
            rounds: 4,
        };
        let before = loopback.server().connections();
        let report = scale::spawn(exe, &job, Duration::from_secs(180)).expect("scale process");
        let connections = loopback.server().connections() - before;
        println!(
            "scale/process/{:<17} peak RSS {:5.1} MiB (start {:3.1}, configured {:4.1}); rounds {:?} s; \
             warm {:6.0} accounts/s, {:5.1} us CPU/account; {connections} connections opened",
            mode.as_str(),
            mib(report.peak_rss_kib),
            mib(report.start_rss_kib),
            mib(report.configured_rss_kib),
            report
                .round_secs
                .iter()
                .map(|s| (s * 1000.0).round() / 1000.0)
                .collect::<Vec<_>>(),
            report.warm_accounts_per_sec(),
            report.warm_cpu_us_per_account(),
        );
        reports.push(report);
    }
    let of = |mode: Mode| reports.iter().filter(move |r| r.mode == mode);
    let peak = |mode: Mode| of(mode).map(|r| r.peak_rss_kib).max().unwrap_or(0);
    let mean = |mode: Mode, figure: fn(&Report) -> f64| {
        let figures: Vec<f64> = of(mode).map(figure).collect();
        figures.iter().sum::<f64>() / figures.len().max(1) as f64
    };
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    let (facade_peak, bare_peak) = (peak(Mode::Facade), peak(Mode::Bare));
    println!(
        "scale/process peak RSS (max of runs): facade {:.1} MiB, bare {:.1} MiB ({:.2}x), facade without labels {:.1} MiB; \
         target facade < 64 MiB: {}",
        mib(facade_peak),
        mib(bare_peak),
        facade_peak as f64 / bare_peak.max(1) as f64,
        mib(peak(Mode::FacadeUnlabelled)),
        met(facade_peak < RSS_TARGET_KIB),
    );
    let rate = |mode| mean(mode, Report::warm_accounts_per_sec);
    let ratio = rate(Mode::Facade) / rate(Mode::Bare).max(f64::MIN_POSITIVE);
    println!(
        "scale/process warm throughput (mean of runs): facade {:.0} accounts/s, bare {:.0} accounts/s, \
         facade/bare {ratio:.2}x; target >= {THROUGHPUT_TARGET}x: {}",
        rate(Mode::Facade),
        rate(Mode::Bare),
        met(ratio >= THROUGHPUT_TARGET),
    );
    let cpu = |mode| mean(mode, Report::warm_cpu_us_per_account);
    println!(
        "scale/process client CPU per account (mean of runs): facade {:.1} us, bare {:.1} us ({:.2}x)",
        cpu(Mode::Facade),
        cpu(Mode::Bare),
        cpu(Mode::Facade) / cpu(Mode::Bare).max(f64::MIN_POSITIVE),
    );
}

/// Both modes' throughput in this process, with criterion.
fn throughput(c: &mut Criterion, loopback: &Loopback, quick: bool) {
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
        .measurement_time(Duration::from_secs(10))
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

    if quick {
        return;
    }
    let (prepaid, client, accounts) = (&prepaid, &client, &accounts);
    let paired = runtime.block_on(paired::compare(
        PAIRS,
        move || async move {
            black_box(scale::bare_round(client, accounts, CONCURRENCY).await);
        },
        move || async move {
            black_box(scale::facade_round(prepaid).await);
        },
    ));
    println!(
        "scale/in-process paired, one round of {ACCOUNTS} accounts a batch, candidate = facade, baseline = bare: {}",
        paired.summary()
    );
    // Throughput is the inverse of time: facade/bare throughput = 1 / time ratio.
    let throughput = 1.0 / paired.median();
    println!(
        "scale/in-process facade/bare throughput (median pair) {throughput:.2}x; target >= {THROUGHPUT_TARGET}x: {}",
        if throughput >= THROUGHPUT_TARGET {
            "met"
        } else {
            "NOT met"
        }
    );
}

fn main() {
    println!("machine before: {}", machine::load());
    let loopback = Loopback::start(Duration::ZERO).expect("loopback server");
    // `cargo test --benches` and `--list` only check that the benchmarks run.
    let quick = std::env::args().any(|arg| arg == "--test" || arg == "--list");
    if !quick {
        peak_rss(&loopback);
    }
    let mut criterion = Criterion::default().configure_from_args();
    throughput(&mut criterion, &loopback, quick);
    criterion.final_summary();
    println!("machine after: {}", machine::load());
}
