//! One Venice balance fetched N times in a row, one way, against a running loopback server
//! (`prepaid-bench-scale serve SECONDS` prints its origin): for instruction counts under
//! `valgrind --tool=callgrind`, which, unlike wall time, a busy machine does not move.
//!
//! ```text
//! cargo run --release -p prepaid-bench --example fetch_loop -- bare|generated|facade http://127.0.0.1:PORT N
//! ```
#![allow(clippy::expect_used)]

use std::hint::black_box;

use prepaid::{Prepaid, Provider, ProviderConfig};
use prepaid_bench::bare::{self, BareAccount};
use prepaid_bench::bodies;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, origin, count] = args.as_slice() else {
        eprintln!("usage: fetch_loop bare|generated|facade http://127.0.0.1:PORT N");
        std::process::exit(2);
    };
    let count: usize = count.parse().expect("N is a number");
    let base_url = bodies::base_url(origin, Provider::Venice);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let http = bare::client(prepaid::DEFAULT_CONCURRENCY).expect("client");
    let account = BareAccount::new(origin, Provider::Venice, "key-0").expect("account");
    // The generated client as the facade configures it: with the 1 MiB body cap.
    let generated = venice_client::Client::with_config(
        &base_url,
        http.clone(),
        venice_client::ClientConfig::from(venice_client::auth::api_key("key-0").expect("key"))
            .with_max_response_bytes(Some(prepaid::DEFAULT_MAX_RESPONSE_BYTES)),
    );
    let facade = Prepaid::builder()
        .provider(ProviderConfig::new(Provider::Venice, "key-0").base_url(base_url))
        .build()
        .expect("facade");
    let started = std::time::Instant::now();
    runtime.block_on(async {
        for _ in 0..count {
            match mode.as_str() {
                "bare" => drop(black_box(account.fetch(&http).await.expect("bare"))),
                "generated" => {
                    let balance = generated.get_billing_balance().send().await;
                    drop(black_box(balance.expect("generated")));
                }
                _ => drop(black_box(
                    facade.fetch(Provider::Venice).await.expect("facade"),
                )),
            }
        }
    });
    let per_fetch = started.elapsed().as_secs_f64() * 1e6 / count.max(1) as f64;
    println!("{mode}: {count} fetches, {per_fetch:.1} us each");
}
