//! (b) Decoding each vendor's documented balance body into a `prepaid::Balance` (the
//! facade's own decode path, `prepaid::providers::decode`: the generated type read with
//! `serde_json::from_slice`, then exact money and the model) against parsing the same bytes
//! into a `serde_json::Value`. For the split, the generated type alone is measured too.
//! runtools' balance is two bodies (credits and plan): each side parses both.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use prepaid::providers::decode;
use prepaid_bench::{bodies, machine};
use serde_json::Value;

fn value(body: &[u8]) -> Value {
    serde_json::from_slice(body).expect("documented body is JSON")
}

fn decode_bodies(c: &mut Criterion) {
    // Every documented body decodes before anything is timed.
    decode::runcrate(bodies::RUNCRATE).expect("runcrate decodes");
    decode::ngrok_ai_gateway(bodies::NGROK_AI_GATEWAY).expect("ngrok decodes");
    decode::runtools(bodies::RUNTOOLS_CREDITS, Some(bodies::RUNTOOLS_PLAN))
        .expect("runtools decodes");
    decode::venice(bodies::VENICE).expect("venice decodes");

    let configure =
        |group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
         bytes: usize| {
            group
                .warm_up_time(Duration::from_millis(500))
                .measurement_time(Duration::from_secs(2))
                .throughput(Throughput::Bytes(bytes as u64));
        };

    let mut group = c.benchmark_group("decode/runcrate");
    configure(&mut group, bodies::RUNCRATE.len());
    group.bench_function("serde_json_value", |b| {
        b.iter(|| value(black_box(bodies::RUNCRATE)))
    });
    group.bench_function("generated_type", |b| {
        b.iter(|| {
            serde_json::from_slice::<runcrate_client::types::GetBalanceResponse>(black_box(
                bodies::RUNCRATE,
            ))
            .expect("generated type")
        })
    });
    group.bench_function("facade_decode", |b| {
        b.iter(|| decode::runcrate(black_box(bodies::RUNCRATE)).expect("decodes"))
    });
    group.finish();

    let mut group = c.benchmark_group("decode/ngrok_ai_gateway");
    configure(&mut group, bodies::NGROK_AI_GATEWAY.len());
    group.bench_function("serde_json_value", |b| {
        b.iter(|| value(black_box(bodies::NGROK_AI_GATEWAY)))
    });
    group.bench_function("generated_type", |b| {
        b.iter(|| {
            serde_json::from_slice::<ngrok_ai_gateway_client::types::CreditBalance>(black_box(
                bodies::NGROK_AI_GATEWAY,
            ))
            .expect("generated type")
        })
    });
    group.bench_function("facade_decode", |b| {
        b.iter(|| decode::ngrok_ai_gateway(black_box(bodies::NGROK_AI_GATEWAY)).expect("decodes"))
    });
    group.finish();

    let mut group = c.benchmark_group("decode/runtools");
    configure(
        &mut group,
        bodies::RUNTOOLS_CREDITS.len() + bodies::RUNTOOLS_PLAN.len(),
    );
    group.bench_function("serde_json_value", |b| {
        b.iter(|| {
            (
                value(black_box(bodies::RUNTOOLS_CREDITS)),
                value(black_box(bodies::RUNTOOLS_PLAN)),
            )
        })
    });
    group.bench_function("generated_type", |b| {
        b.iter(|| {
            (
                serde_json::from_slice::<runtools_client::types::GetCreditsResponse>(black_box(
                    bodies::RUNTOOLS_CREDITS,
                ))
                .expect("generated type"),
                serde_json::from_slice::<runtools_client::types::GetPlanResponse>(black_box(
                    bodies::RUNTOOLS_PLAN,
                ))
                .expect("generated type"),
            )
        })
    });
    group.bench_function("facade_decode", |b| {
        b.iter(|| {
            decode::runtools(
                black_box(bodies::RUNTOOLS_CREDITS),
                Some(black_box(bodies::RUNTOOLS_PLAN)),
            )
            .expect("decodes")
        })
    });
    group.finish();

    let mut group = c.benchmark_group("decode/venice");
    configure(&mut group, bodies::VENICE.len());
    group.bench_function("serde_json_value", |b| {
        b.iter(|| value(black_box(bodies::VENICE)))
    });
    group.bench_function("generated_type", |b| {
        b.iter(|| {
            serde_json::from_slice::<venice_client::types::GetBillingBalanceResponse>(black_box(
                bodies::VENICE,
            ))
            .expect("generated type")
        })
    });
    group.bench_function("facade_decode", |b| {
        b.iter(|| decode::venice(black_box(bodies::VENICE)).expect("decodes"))
    });
    group.finish();
}

fn main() {
    println!("machine before: {}", machine::load());
    let mut criterion = Criterion::default().configure_from_args();
    decode_bodies(&mut criterion);
    criterion.final_summary();
    println!("machine after: {}", machine::load());
}
