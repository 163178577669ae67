//! End-to-end: the built `prepaid` binary against its demo emulation and against httpmock
//! vendors, checking output (insta snapshots) and exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use httpmock::prelude::*;
use serde_json::{Value, json};

/// Run `prepaid` with only the given environment (no vendor keys leak in from the host).
fn prepaid(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prepaid"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Snapshot settings that hide what changes between runs: fetch times and durations.
fn stable() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
        "[time]",
    );
    settings.add_filter(
        r"(prepaid_fetch_duration_seconds\{[^}]*\}) \d+\.\d+",
        "$1 [seconds]",
    );
    settings.add_filter(r"http://127\.0\.0\.1:\d+", "http://127.0.0.1:[port]");
    settings.add_filter(
        r"(prepaid_last_success_timestamp_seconds\{[^}]*\}) \d+\.\d+",
        "$1 [unix time]",
    );
    settings
}

#[test]
fn demo_table_shows_all_four_providers_and_exits_0() {
    let output = prepaid(&["--demo"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "",
        "no spinner when stderr is not a terminal"
    );
    stable().bind(|| insta::assert_snapshot!("demo-table", stdout(&output)));
}

#[test]
fn demo_json_is_the_facade_model_and_validates_against_the_schema() {
    let output = prepaid(&["--demo", "--format", "json"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let schema: Value = serde_json::from_slice(&prepaid(&["schema"], &[]).stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // Exact decimals are strings.
    assert_eq!(
        json[0]["available"][0],
        json!({ "value": "42.5", "unit": "USD" })
    );
    stable().bind(|| insta::assert_snapshot!("demo-json", stdout(&output)));
}

#[test]
fn demo_failures_show_each_error_in_plain_words_as_json_that_validates_too() {
    let output = prepaid(&["--demo", "--demo-failures"], &[]);
    assert_eq!(output.status.code(), Some(3));
    stable().bind(|| insta::assert_snapshot!("demo-failures-table", stdout(&output)));

    let output = prepaid(&["--demo", "--demo-failures", "--format", "json"], &[]);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let schema: Value = serde_json::from_slice(&prepaid(&["schema"], &[]).stdout).unwrap();
    assert!(jsonschema::validator_for(&schema).unwrap().is_valid(&json));
    let kinds: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["error"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["unauthorized", "rate_limited", "undecodable", "forbidden"]
    );
}

#[test]
fn schema_is_stable() {
    insta::assert_snapshot!("schema", stdout(&prepaid(&["schema"], &[])));
}

#[test]
fn demo_prometheus_output_parses_as_the_exposition_format() {
    let output = prepaid(&["--demo", "--format", "prometheus"], &[]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    let lines = text.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).unwrap();
    let value = |name: &str, provider: &str, currency: Option<&str>| {
        scrape
            .samples
            .iter()
            .find(|s| {
                s.metric == name
                    && s.labels.get("provider") == Some(provider)
                    && s.labels.get("currency") == currency
            })
            .map(|s| match s.value {
                prometheus_parse::Value::Gauge(v) => v,
                ref other => panic!("{name} is not a gauge: {other:?}"),
            })
    };
    assert_eq!(
        value("prepaid_balance", "ngrok-ai-gateway", Some("USD")),
        Some(12.34)
    );
    assert_eq!(value("prepaid_balance", "venice", Some("DIEM")), Some(90.5));
    assert_eq!(
        value("prepaid_accruing_usage", "runcrate", Some("USD")),
        Some(1.25)
    );
    assert_eq!(value("prepaid_can_consume", "venice", None), Some(1.0));
    assert_eq!(value("prepaid_fetch_success", "runtools", None), Some(1.0));
    assert!(value("prepaid_fetch_duration_seconds", "runcrate", None).is_some());
    // Every family is declared a gauge, with help, before its samples.
    for family in [
        "prepaid_balance",
        "prepaid_accruing_usage",
        "prepaid_can_consume",
        "prepaid_fetch_success",
        "prepaid_fetch_duration_seconds",
    ] {
        assert!(
            text.contains(&format!("# TYPE {family} gauge\n")),
            "{family}"
        );
        assert!(text.contains(&format!("# HELP {family} ")), "{family}");
    }
    stable().bind(|| insta::assert_snapshot!("demo-prometheus", text));
}

#[test]
fn a_failed_provider_is_fetch_success_0_not_a_zero_balance() {
    let output = prepaid(
        &["--demo", "--demo-failures", "--format", "prometheus"],
        &[],
    );
    let text = stdout(&output);
    assert!(
        text.contains("prepaid_fetch_success{provider=\"venice\",account=\"venice\"} 0\n"),
        "{text}"
    );
    assert!(!text.contains("prepaid_balance{"), "{text}");
}

#[test]
fn help_documents_flags_environment_and_exit_codes() {
    let output = prepaid(&["--help"], &[]);
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!("help", stdout(&output));
}

/// A named configuration-error case: arguments and environment.
type ConfigCase<'a> = (&'a str, &'a [&'a str], &'a [(&'a str, &'a str)]);

#[test]
fn configuration_errors_are_one_line_saying_what_to_set() {
    let cases: [ConfigCase<'_>; 5] = [
        ("no-provider", &[], &[]),
        (
            "key-with-space",
            &[],
            &[("VENICE_API_KEY", "sk-SENTINEL abc")],
        ),
        ("empty-key", &[], &[("RUNCRATE_API_KEY", "")]),
        (
            "plain-http-url",
            &[],
            &[
                ("RUNTOOLS_API_KEY", "rt_SENTINEL"),
                ("RUNTOOLS_BASE_URL", "http://billing.example.com"),
            ],
        ),
        (
            "not-a-url",
            &[],
            &[
                ("NGROK_AI_GATEWAY_API_KEY", "k"),
                ("NGROK_AI_GATEWAY_BASE_URL", "ftp://x"),
            ],
        ),
    ];
    for (name, args, env) in cases {
        let output = prepaid(args, env);
        assert_eq!(output.status.code(), Some(2), "{name}");
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(!err.contains("SENTINEL"), "{name}: the key leaked: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("backtrace"),
            "{name}: {err}"
        );
        insta::assert_snapshot!(format!("config-error-{name}"), err);
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(prepaid(&["--format", "xml"], &[]).status.code(), Some(2));
    assert_eq!(prepaid(&["--min", "venice"], &[]).status.code(), Some(2));
    assert_eq!(prepaid(&["--timeout", "soon"], &[]).status.code(), Some(2));
    let output = prepaid(&["--demo-failures"], &[]);
    assert_eq!(
        (output.status.code(), stderr(&output).as_str()),
        (Some(2), "error: --demo-failures goes with --demo\n")
    );
}

/// A local Venice and ngrok serving `venice` and `ngrok_cents`; the env to reach them.
async fn vendors(
    server: &MockServer,
    venice_status: u16,
    delay: Duration,
) -> Vec<(String, String)> {
    server
        .mock_async(|when, then| {
            when.path("/venice/billing/balance").header("authorization", "Bearer venice-key");
            then.status(venice_status).delay(delay).json_body(if venice_status == 200 {
                json!({ "canConsume": true, "consumptionCurrency": "USD", "balances": { "diem": null, "usd": 25 }, "diemEpochAllocation": 0 })
            } else {
                json!({ "error": "Inference processing failed" })
            });
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/ngrok/credits/balance")
                .header("authorization", "Bearer ngrok-key");
            then.status(200)
                .body(prepaid_emulator::bodies::NGROK_AI_GATEWAY);
        })
        .await;
    vec![
        ("VENICE_API_KEY".into(), "venice-key".into()),
        (
            "VENICE_BASE_URL".into(),
            format!("{}/venice", server.base_url()),
        ),
        ("NGROK_AI_GATEWAY_API_KEY".into(), "ngrok-key".into()),
        (
            "NGROK_AI_GATEWAY_BASE_URL".into(),
            format!("{}/ngrok", server.base_url()),
        ),
    ]
}

fn run_with(args: &[&str], env: &[(String, String)]) -> Output {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    prepaid(args, &env)
}

#[tokio::test]
async fn exit_codes_0_1_and_3() {
    let server = MockServer::start_async().await;
    let env = vendors(&server, 200, Duration::ZERO).await;
    let fine = run_with(&["--min-usd", "10"], &env);
    assert_eq!(fine.status.code(), Some(0), "{}", stderr(&fine));
    let table = stdout(&fine);
    assert!(table.contains("venice            25 USD"), "{table}");

    // 12.34 USD at ngrok is below 20; Venice's 25 is not.
    let low = run_with(&["--min-usd", "20"], &env);
    assert_eq!(low.status.code(), Some(1));
    assert!(
        stdout(&low).contains("BELOW 20 USD (has 12.34 USD)"),
        "{}",
        stdout(&low)
    );
    // A per-provider threshold in another unit ignores USD amounts: no DIEM at all here.
    assert_eq!(
        run_with(&["--min", "venice=50DIEM"], &env).status.code(),
        Some(0)
    );
    assert_eq!(
        run_with(&["--min", "venice=30USD"], &env).status.code(),
        Some(1)
    );
    // The threshold from the environment too.
    let mut with_env = env.clone();
    with_env.push(("PREPAID_MIN".into(), "ngrok-ai-gateway=13USD".into()));
    assert_eq!(run_with(&[], &with_env).status.code(), Some(1));

    let server = MockServer::start_async().await;
    let env = vendors(&server, 500, Duration::ZERO).await;
    let failed = run_with(&["--min-usd", "20"], &env);
    assert_eq!(failed.status.code(), Some(3), "3 wins over 1");
    let table = stdout(&failed);
    assert!(
        table.contains("FAILED: server error (HTTP 500): Inference processing failed"),
        "{table}"
    );
    assert!(
        table.contains("ngrok-ai-gateway  12.34 USD"),
        "the others still show: {table}"
    );
}

#[tokio::test]
async fn a_hung_vendor_is_bounded_by_the_timeout() {
    let server = MockServer::start_async().await;
    let env = vendors(&server, 200, Duration::from_secs(20)).await;
    let start = Instant::now();
    let output = run_with(&["--timeout", "500ms"], &env);
    let elapsed = start.elapsed();
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stdout(&output).contains("FAILED: timed out after 500 ms"),
        "{}",
        stdout(&output)
    );
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    let mut env = env;
    env.push(("PREPAID_TIMEOUT".into(), "300ms".into()));
    assert!(stdout(&run_with(&[], &env)).contains("timed out after 300 ms"));
}

#[test]
fn runtools_extras_from_the_demo() {
    let history = prepaid(&["--demo", "history", "runtools", "--limit", "2"], &[]);
    assert_eq!(history.status.code(), Some(0), "{}", stderr(&history));
    insta::assert_snapshot!("demo-history", stdout(&history));
    let usage = prepaid(&["--demo", "usage", "runtools", "--period", "30d"], &[]);
    assert_eq!(usage.status.code(), Some(0), "{}", stderr(&usage));
    insta::assert_snapshot!("demo-usage", stdout(&usage));
    let auto = prepaid(&["--demo", "auto-topup", "runtools"], &[]);
    assert_eq!(auto.status.code(), Some(0), "{}", stderr(&auto));
    insta::assert_snapshot!("demo-auto-topup", stdout(&auto));
    assert_eq!(
        prepaid(&["--demo", "history", "runtools", "--limit", "0"], &[])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn watch_samples_and_stops_after_count() {
    let output = prepaid(
        &["--demo", "watch", "--interval", "50ms", "--count", "2"],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text.matches("PROVIDER").count(), 2);
    assert!(text.contains("needs 2 samples"), "{text}");
    // The demo's balances do not move: nothing burns, so no time to zero.
    assert!(
        text.contains("runcrate          42.5 USD   1.25 USD  0 USD/h    -"),
        "{text}"
    );
}
