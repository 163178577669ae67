//! (d) `fetch_all` over the four vendors, each answering 200 ms after the request, against
//! the same requests sent at once with a bare `reqwest::Client`. Target: facade <= 1.1x
//! 200 ms (220 ms).
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode};
use prepaid::{Prepaid, Provider, ProviderConfig};
use prepaid_bench::Loopback;
use prepaid_bench::bare::{self, BareAccount};

/// How long each emulated vendor takes to answer.
const DELAY: Duration = Duration::from_millis(200);

fn fetch_all(c: &mut Criterion) {
    let loopback = Loopback::start(DELAY).expect("loopback server");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let mut builder = Prepaid::builder();
    for provider in Provider::ALL {
        builder = builder
            .provider(ProviderConfig::new(provider, "key-0").base_url(loopback.base_url(provider)));
    }
    let prepaid = builder.build().expect("facade");
    let client = bare::client(prepaid::DEFAULT_CONCURRENCY).expect("bare client");
    let accounts: Vec<BareAccount> = Provider::ALL
        .into_iter()
        .map(|provider| {
            BareAccount::new(&loopback.origin(), provider, "key-0").expect("bare account")
        })
        .collect();
    let bare_all = || async {
        let fetches = accounts.iter().map(|account| account.fetch(&client));
        futures_util::future::join_all(fetches).await
    };
    runtime.block_on(async {
        for (provider, result) in prepaid.fetch_all().await {
            assert!(
                result.is_ok(),
                "facade fetch of {provider}: {:?}",
                result.err()
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
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    fetch_all(&mut criterion);
    criterion.final_summary();
}
