//! (d) `fetch_all` over the four vendors, each answering 200 ms after the request, against
//! the same requests sent at once with a bare `reqwest::Client`. Target: facade <= 1.1x
//! 200 ms (220 ms).
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode};
use prepaid::{Prepaid, Provider, ProviderConfig};
use prepaid_bench::bare::{self, BareAccount};
use prepaid_bench::{Loopback, machine};

/// How long each emulated vendor takes to answer.
const DELAY: Duration = Duration::from_millis(200);
/// The target for one `fetch_all`, in milliseconds.
const TARGET_MS: f64 = 220.0;
/// Calls timed one by one after criterion.
const CALLS: usize = 10;

fn fetch_all(c: &mut Criterion) {
    let loopback = Loopback::start(DELAY).expect("loopback server");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let mut builder = Prepaid::builder();
    for &provider in Provider::ALL {
        builder = builder
            .provider(ProviderConfig::new(provider, "key-0").base_url(loopback.base_url(provider)));
    }
    let prepaid = builder.build().expect("facade");
    let client = bare::client(prepaid::DEFAULT_CONCURRENCY).expect("bare client");
    let accounts: Vec<BareAccount> = Provider::ALL
        .iter()
        .map(|&provider| {
            BareAccount::new(&loopback.origin(), provider, "key-0").expect("bare account")
        })
        .collect();
    let bare_all = || async {
        let fetches = accounts.iter().map(|account| account.fetch(&client));
        futures_util::future::join_all(fetches).await
    };
    runtime.block_on(async {
        for fetched in prepaid.fetch_all().await {
            assert!(
                fetched.result.is_ok(),
                "facade fetch of {}: {:?}",
                fetched.account.name,
                fetched.result.err()
            );
        }
        for result in bare_all().await {
            result.expect("bare fetch");
        }
    });

    let mut group = c.benchmark_group("fetch_all/four_vendors_200ms");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.bench_function("bare_reqwest", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(bare_all().await) })
    });
    group.bench_function("facade", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(prepaid.fetch_all().await) })
    });
    group.finish();

    // Each call against the target, not only the mean.
    let mut calls: Vec<f64> = runtime.block_on(async {
        let mut calls = Vec::new();
        for _ in 0..CALLS {
            let started = std::time::Instant::now();
            black_box(prepaid.fetch_all().await);
            calls.push(started.elapsed().as_secs_f64() * 1e3);
        }
        calls
    });
    calls.sort_by(f64::total_cmp);
    let (median, worst) = (calls[calls.len() / 2], calls[calls.len() - 1]);
    println!(
        "fetch_all/four_vendors_200ms facade: {CALLS} calls, median {median:.1} ms, slowest {worst:.1} ms; \
         target <= {TARGET_MS} ms (1.1x 200 ms): {}",
        if median <= TARGET_MS {
            "met"
        } else {
            "NOT met"
        }
    );
}

fn main() {
    println!("machine before: {}", machine::load());
    let mut criterion = Criterion::default().configure_from_args();
    fetch_all(&mut criterion);
    criterion.final_summary();
    println!("machine after: {}", machine::load());
}
