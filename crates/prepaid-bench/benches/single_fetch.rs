//! (a) One balance fetch through the facade (`Prepaid::fetch(Provider::Venice)`) against
//! the same request with a bare `reqwest::Client` read into `serde_json::Value`, both
//! against the loopback server, both with one client reused. Target: facade <= 1.10x bare.
//!
//! Criterion measures each side; then a paired comparison (alternating batches, see
//! `prepaid_bench::paired`) gives the ratio with the load's drift cancelled out, and three
//! more break it down: the generated `venice-client` alone, its response-size cap, and the
//! facade's own layer (retries, timeout, tracing span, exact decoding into a `Balance`).
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::Criterion;
use prepaid::{Prepaid, Provider, ProviderConfig};
use prepaid_bench::bare::{self, BareAccount};
use prepaid_bench::{Loopback, machine, paired};

/// Fetches per batch of the paired comparison.
const BATCH: usize = 400;
/// Pairs of batches for the target.
const PAIRS: usize = 20;
/// Pairs of batches for each step of the breakdown.
const STEP_PAIRS: usize = 12;
/// The target: facade / bare.
const TARGET: f64 = 1.10;

fn single_fetch(c: &mut Criterion, quick: bool) {
    let loopback = Loopback::start(Duration::ZERO).expect("loopback server");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let prepaid = Prepaid::builder()
        .provider(
            ProviderConfig::new(Provider::Venice, "key-0")
                .base_url(loopback.base_url(Provider::Venice)),
        )
        .build()
        .expect("facade");
    let client = bare::client(prepaid::DEFAULT_CONCURRENCY).expect("bare client");
    let account =
        BareAccount::new(&loopback.origin(), Provider::Venice, "key-0").expect("bare account");
    // Both succeed before either is timed.
    runtime.block_on(async {
        prepaid.fetch(Provider::Venice).await.expect("facade fetch");
        account.fetch(&client).await.expect("bare fetch");
    });

    let mut group = c.benchmark_group("single_fetch/venice");
    group
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5));
    group.bench_function("bare_reqwest", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(account.fetch(&client).await.expect("bare fetch")) })
    });
    group.bench_function("facade", |b| {
        b.to_async(&runtime).iter(|| async {
            black_box(prepaid.fetch(Provider::Venice).await.expect("facade fetch"))
        })
    });
    group.finish();

    if quick {
        return;
    }
    // The generated client alone, on the same `reqwest::Client` as the baseline: without a
    // body cap, and with the 1 MiB cap the facade configures.
    let generated = |max_response_bytes: Option<u64>| {
        let credentials = venice_client::auth::api_key("key-0").expect("credentials");
        let config = venice_client::ClientConfig::from(credentials)
            .with_max_response_bytes(max_response_bytes);
        venice_client::Client::with_config(
            &loopback.base_url(Provider::Venice),
            client.clone(),
            config,
        )
    };
    let (uncapped, capped) = (
        generated(None),
        generated(Some(prepaid::DEFAULT_MAX_RESPONSE_BYTES)),
    );
    let (prepaid, client, account) = (&prepaid, &client, &account);
    let (uncapped, capped) = (&uncapped, &capped);
    let bare = move || async move {
        for _ in 0..BATCH {
            black_box(account.fetch(client).await.expect("bare fetch"));
        }
    };
    let facade = move || async move {
        for _ in 0..BATCH {
            black_box(prepaid.fetch(Provider::Venice).await.expect("facade fetch"));
        }
    };
    let generated = |client: &'static str, generated: &venice_client::Client| {
        let generated = generated.clone();
        move || {
            let generated = generated.clone();
            async move {
                for _ in 0..BATCH {
                    let balance = generated.get_billing_balance().send().await;
                    black_box(balance.expect(client));
                }
            }
        }
    };
    let uncapped = generated("generated client", uncapped);
    let capped = generated("generated client with a cap", capped);

    // Whether each side reuses its connection: a new one per fetch would be measured too.
    let before = loopback.server().connections();
    runtime.block_on(bare());
    let bare_opened = loopback.server().connections() - before;
    let before = loopback.server().connections();
    runtime.block_on(facade());
    let facade_opened = loopback.server().connections() - before;
    println!(
        "single_fetch/venice connections opened for {BATCH} sequential fetches: bare {bare_opened}, facade {facade_opened}"
    );

    let paired = runtime.block_on(paired::compare(PAIRS, bare, facade));
    println!(
        "single_fetch/venice paired, {BATCH} fetches a batch, candidate = facade, baseline = bare: {}",
        paired.summary()
    );
    println!(
        "single_fetch/venice facade/bare median {:.3}x; target <= {TARGET}x: {}",
        paired.median(),
        if paired.median() <= TARGET {
            "met"
        } else {
            "NOT met"
        }
    );
    // Where the difference is: bare -> generated client -> its body cap -> the facade.
    for (step, paired) in [
        (
            "generated client (no body cap) vs bare",
            runtime.block_on(paired::compare(STEP_PAIRS, bare, uncapped.clone())),
        ),
        (
            "generated client with the 1 MiB body cap vs without",
            runtime.block_on(paired::compare(STEP_PAIRS, uncapped, capped.clone())),
        ),
        (
            "facade vs generated client with the body cap",
            runtime.block_on(paired::compare(STEP_PAIRS, capped, facade)),
        ),
    ] {
        println!("single_fetch/venice step: {step}: {}", paired.summary());
    }
}

fn main() {
    // `cargo test --benches` and `--list` only check that the benchmarks run.
    let quick = std::env::args().any(|arg| arg == "--test" || arg == "--list");
    println!("machine before: {}", machine::load());
    let mut criterion = Criterion::default().configure_from_args();
    single_fetch(&mut criterion, quick);
    criterion.final_summary();
    println!("machine after: {}", machine::load());
}
