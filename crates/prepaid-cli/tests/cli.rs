//! End-to-end: the built `prepaid` binary against its demo emulation and against httpmock
//! vendors, checking output (insta snapshots) and exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use httpmock::prelude::*;
use serde_json::{Value, json};

/// Run `prepaid` with only the given environment (no vendor keys leak in from the host).
/// No history unless the test gives one: a run never writes the user's own.
fn prepaid(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_prepaid"));
    command.args(args).env_clear().envs(env.iter().copied());
    if !env
        .iter()
        .any(|(name, _)| name.starts_with("PREPAID_HISTORY"))
    {
        command.env("PREPAID_NO_HISTORY", "1");
    }
    command.output().unwrap()
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
        r#"prepaid_build_info\{version="[^"]+"\}"#,
        r#"prepaid_build_info{version="[version]"}"#,
    );
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
    assert_eq!(json["version"], 1);
    let first = &json["accounts"][0];
    assert_eq!(first["status"], "ok");
    assert_eq!(first["provider"], "runcrate");
    assert!(first.get("error").is_none(), "{first}");
    // Exact decimals are strings.
    assert_eq!(
        first["balance"]["available"][0],
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
    let entries = json["accounts"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .all(|e| e["status"] == "error" && e.get("balance").is_none()),
        "a failure carries no balance: {json}"
    );
    let kinds: Vec<&str> = entries
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
fn thresholds_are_exported_with_the_balances_they_judge() {
    let output = prepaid(
        &[
            "--demo",
            "--format",
            "prometheus",
            "--min-usd",
            "20",
            "--min",
            "venice=100DIEM",
            "--min",
            "ngrok-ai-gateway=5USD",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(1), "some balance is below");
    let text = stdout(&output);
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();
    // The series as text, so amounts are compared exactly.
    let series = |name: &str, provider: &str, currency: &str| -> Option<String> {
        let prefix = format!(
            "{name}{{provider=\"{provider}\",account=\"{provider}\",currency=\"{currency}\"}} "
        );
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .map(str::to_string)
    };
    // ngrok: 12.34 USD; --min-usd 20 and ngrok=5USD both apply: the higher one, 20, counts.
    assert_eq!(
        series("prepaid_balance_minimum", "ngrok-ai-gateway", "USD").as_deref(),
        Some("20")
    );
    assert_eq!(
        series("prepaid_below_minimum", "ngrok-ai-gateway", "USD").as_deref(),
        Some("1")
    );
    // Venice: 90.5 DIEM against 100.
    assert_eq!(
        series("prepaid_balance_minimum", "venice", "DIEM").as_deref(),
        Some("100")
    );
    assert_eq!(
        series("prepaid_below_minimum", "venice", "DIEM").as_deref(),
        Some("1")
    );
    // Runcrate's 42.5 USD is above its minimum.
    assert_eq!(
        series("prepaid_below_minimum", "runcrate", "USD").as_deref(),
        Some("0")
    );
    assert!(
        scrape
            .samples
            .iter()
            .any(|s| s.metric == "prepaid_build_info")
    );
    for family in [
        "prepaid_balance_minimum",
        "prepaid_below_minimum",
        "prepaid_build_info",
    ] {
        assert!(
            text.contains(&format!("# TYPE {family} gauge\n")),
            "{family}"
        );
    }

    // A failed fetch: the minimum is still exported, whether it is below is not (unknown).
    let failed = prepaid(
        &[
            "--demo",
            "--demo-failures",
            "--format",
            "prometheus",
            "--min-usd",
            "20",
        ],
        &[],
    );
    let text = stdout(&failed);
    assert!(
        text.contains(
            "prepaid_balance_minimum{provider=\"venice\",account=\"venice\",currency=\"USD\"} 20\n"
        ),
        "{text}"
    );
    assert!(
        !text.contains("prepaid_below_minimum{provider=\"venice\""),
        "{text}"
    );
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
    // Help shows each variable's value: run it with none set, as a user would.
    let output = Command::new(env!("CARGO_BIN_EXE_prepaid"))
        .arg("--help")
        .env_clear()
        .output()
        .unwrap();
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
    // A threshold that could never fire: Runcrate reports no DIEM.
    let output = prepaid(&["--demo", "--min", "runcrate=5DIEM"], &[]);
    assert_eq!(
        (output.status.code(), stderr(&output).as_str()),
        (
            Some(2),
            "error: threshold runcrate=5DIEM: runcrate reports its balance in USD, never DIEM\n"
        )
    );
    assert_eq!(stdout(&output), "", "nothing is fetched or printed");
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
async fn exit_codes_0_1_3_and_4() {
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
    // Venice fails; ngrok's 12.34 USD is below 20: both are told (4), neither hides the other.
    let failed = run_with(&["--min-usd", "20"], &env);
    assert_eq!(failed.status.code(), Some(4), "{}", stderr(&failed));
    // Venice fails and nothing is below its threshold: 3.
    assert_eq!(run_with(&["--min-usd", "10"], &env).status.code(), Some(3));
    // The JSON tells both as well: one entry failed, the other fetched.
    let json = run_with(&["--min-usd", "20", "--format", "json"], &env);
    assert_eq!(json.status.code(), Some(4), "{}", stderr(&json));
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    let statuses: Vec<(&str, &str)> = json["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["account"].as_str().unwrap(),
                e["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [("ngrok-ai-gateway", "ok"), ("venice", "error")],
        "{json}"
    );
    assert_eq!(json["accounts"][1]["error"]["kind"], "server_error");
    assert_eq!(json["accounts"][1]["error"]["status"], 500);
    assert_eq!(
        json["accounts"][1]["error"]["vendor_message"],
        "Inference processing failed"
    );
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
    let ledger = prepaid(&["--demo", "ledger", "runtools", "--limit", "2"], &[]);
    assert_eq!(ledger.status.code(), Some(0), "{}", stderr(&ledger));
    insta::assert_snapshot!("demo-ledger", stdout(&ledger));
    // The ledger's old name points to its new one, in one line.
    let old = prepaid(&["--demo", "history", "runtools", "--limit", "2"], &[]);
    assert_eq!(old.status.code(), Some(2));
    assert_eq!(
        stderr(&old),
        "error: `history` now shows the recorded balances; runtools' credit ledger is `prepaid ledger runtools --limit N`\n"
    );
    let usage = prepaid(&["--demo", "usage", "runtools", "--period", "30d"], &[]);
    assert_eq!(usage.status.code(), Some(0), "{}", stderr(&usage));
    insta::assert_snapshot!("demo-usage", stdout(&usage));
    let auto = prepaid(&["--demo", "auto-topup", "runtools"], &[]);
    assert_eq!(auto.status.code(), Some(0), "{}", stderr(&auto));
    insta::assert_snapshot!("demo-auto-topup", stdout(&auto));
    assert_eq!(
        prepaid(&["--demo", "ledger", "runtools", "--limit", "0"], &[])
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
    // An estimate needs 3 samples over 15 minutes: two fetches 50 ms apart say so.
    assert!(text.contains("BURN RATE"), "{text}");
    assert!(text.contains("RUNS OUT"), "{text}");
    assert!(text.contains("1 of 3 samples"), "{text}");
    assert!(text.contains("2 of 3 samples"), "{text}");
    assert!(!text.contains("HOURS REMAINING"), "{text}");
}

#[test]
fn runtools_extras_honour_the_format_or_refuse_it() {
    let usage = prepaid(&["--demo", "usage", "runtools", "--format", "json"], &[]);
    assert_eq!(usage.status.code(), Some(0), "{}", stderr(&usage));
    let json: Value = serde_json::from_str(&stdout(&usage)).unwrap();
    assert!(json.is_object(), "{json}");
    let table = stdout(&prepaid(&["--demo", "usage", "runtools"], &[]));
    assert!(table.starts_with("USAGE "), "{table}");
    for command in ["ledger", "usage", "auto-topup"] {
        let output = prepaid(
            &["--demo", command, "runtools", "--format", "prometheus"],
            &[],
        );
        assert_eq!(output.status.code(), Some(2), "{command}");
        assert_eq!(
            stderr(&output),
            format!("error: `{command}` has no Prometheus form: use --format table or json\n")
        );
        assert_eq!(stdout(&output), "");
    }
}

#[tokio::test]
async fn runtools_extras_name_one_of_several_accounts_and_their_json_is_versioned() {
    let server = MockServer::start_async().await;
    let mut ledgers = Vec::new();
    for (key, cents) in [("key-a", 100), ("key-b", 200)] {
        let ledger = server
            .mock_async(|when, then| {
                when.path("/v1/billing/credits/history")
                    .header("x-api-key", key);
                then.status(200).body(format!(
                    r#"{{"data":[{{"id":"0d7e3f0a-1111-4222-8333-944455556666","orgId":"6f1c2a34-8d0e-4b7a-9c55-0e2f3a4b5c6d","type":"topup","amountCents":{cents},"resource":"stripe","description":"Top-up","referenceId":"cs_1","balanceAfterCents":{cents},"createdAt":"2026-11-01T09:00:00Z"}}]}}"#
                ));
            })
            .await;
        ledgers.push(ledger);
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prepaid.toml");
    std::fs::write(
        &config,
        format!(
            "[[accounts]]\nprovider = \"runtools\"\nname = \"a\"\nkey_env = \"KEY_A\"\nbase_url = \"{url}\"\n\n\
             [[accounts]]\nprovider = \"runtools\"\nname = \"b\"\nkey_env = \"KEY_B\"\nbase_url = \"{url}\"\n",
            url = server.base_url()
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let env = [("KEY_A", "key-a"), ("KEY_B", "key-b")];

    // Two runtools accounts and none named: refused, saying how to choose; nothing fetched.
    let refused = prepaid(&["--config", &config, "ledger", "runtools"], &env);
    assert_eq!(refused.status.code(), Some(2));
    let said = stderr(&refused);
    assert!(
        said.starts_with("error: ") && said.contains("name one with --account"),
        "{said}"
    );
    assert_eq!(said.lines().count(), 1, "{said}");
    assert_eq!(
        ledgers[0].calls_async().await + ledgers[1].calls_async().await,
        0
    );

    // Named: that account's key goes, and its name is in the versioned document.
    let b = prepaid(
        &[
            "--config",
            &config,
            "ledger",
            "runtools",
            "--account",
            "b",
            "--format",
            "json",
        ],
        &env,
    );
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    let json: Value = serde_json::from_slice(&b.stdout).unwrap();
    assert_eq!(json["version"], 1, "{json}");
    assert_eq!(json["account"], "b", "{json}");
    assert_eq!(json["ledger"][0]["amount"]["value"], "2.00", "{json}");
    assert_eq!(ledgers[0].calls_async().await, 0);
    assert_eq!(ledgers[1].calls_async().await, 1);

    // An account that is not there: one line naming it.
    let none = prepaid(
        &["--config", &config, "usage", "runtools", "--account", "c"],
        &env,
    );
    assert_eq!(none.status.code(), Some(2));
    assert!(stderr(&none).contains("`c`"), "{}", stderr(&none));
}

#[test]
fn boolean_variables_take_1_0_true_false() {
    for on in ["1", "true", "yes", "on"] {
        let output = prepaid(&["--format", "json"], &[("PREPAID_DEMO", on)]);
        assert_eq!(output.status.code(), Some(0), "{on}: {}", stderr(&output));
    }
    for off in ["0", "false", "no", "off"] {
        let output = prepaid(&[], &[("PREPAID_DEMO", off)]);
        assert_eq!(output.status.code(), Some(2), "{off}: no demo, no keys");
        assert!(stderr(&output).contains("no provider configured"), "{off}");
    }
    let output = prepaid(&[], &[("PREPAID_DEMO", "maybe")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("'maybe'"), "{}", stderr(&output));
}

#[test]
fn completions_are_valid_scripts_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = prepaid(&["completions", shell], &[]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{shell}: {}",
            stderr(&output)
        );
        let script = stdout(&output);
        for word in ["serve", "min-usd", "output"] {
            assert!(script.contains(word), "{shell} completes {word}");
        }
    }
    // bash is on every machine this runs on: check the script's syntax with it.
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("prepaid.bash");
    std::fs::write(&script, prepaid(&["completions", "bash"], &[]).stdout).unwrap();
    let checked = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
}

#[test]
fn the_man_page_renders() {
    let output = prepaid(&["man"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let page = stdout(&output);
    assert!(page.contains(".TH prepaid 1"), "{page}");
    for section in ["NAME", "SYNOPSIS", "OPTIONS", "SUBCOMMANDS"] {
        assert!(page.contains(&format!(".SH {section}")), "{section}");
    }
    // Rendered as `man` would, where groff is installed (it is in CI's image).
    let Ok(mut groff) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        return;
    };
    use std::io::Write as _;
    groff
        .stdin
        .take()
        .unwrap()
        .write_all(page.as_bytes())
        .unwrap();
    let rendered = groff.wait_with_output().unwrap();
    assert!(rendered.status.success());
    assert_eq!(
        String::from_utf8_lossy(&rendered.stderr),
        "",
        "groff warnings"
    );
}

#[test]
fn output_writes_the_file_whole_with_mode_0644_and_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prepaid.prom");
    std::fs::write(&file, "old\n").unwrap();
    let target = file.to_str().unwrap();
    let output = prepaid(
        &["--demo", "--format", "prometheus", "--output", target],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    let written = std::fs::read_to_string(&file).unwrap();
    let printed = stdout(&prepaid(&["--demo", "--format", "prometheus"], &[]));
    let lines = |text: &str| {
        text.lines()
            .filter(|l| !l.contains("duration") && !l.contains("timestamp"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(lines(&written), lines(&printed));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
    }
    // Nothing else is left in the folder: the temporary file was renamed.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    // A folder that does not exist: exit 5 (an I/O failure, not a usage error), one line
    // naming the file.
    let missing = dir.path().join("no/such/folder/prepaid.prom");
    let output = prepaid(&["--demo", "--output", missing.to_str().unwrap()], &[]);
    assert_eq!(output.status.code(), Some(5));
    assert!(stderr(&output).starts_with(&format!("error: --output {}", missing.display())));
    // Commands that do not print once refuse it.
    for command in ["watch", "serve"] {
        let output = prepaid(&["--demo", command, "--output", target], &[]);
        assert_eq!(output.status.code(), Some(2), "{command}");
    }
}

#[test]
fn output_interrupted_at_any_moment_leaves_the_old_file_or_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prepaid.prom");
    let old = "# the previous run's metrics\nprepaid_balance{provider=\"venice\"} 1\n";
    std::fs::write(&file, old).unwrap();
    for round in 0..20u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_prepaid"))
            .args(["--demo", "--format", "prometheus", "--output"])
            .arg(&file)
            .env_clear()
            .env("PREPAID_NO_HISTORY", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Killed (SIGKILL: no cleanup) anywhere from start-up to after the write.
        std::thread::sleep(Duration::from_millis(round * 10));
        let _ = child.kill();
        let _ = child.wait();
        let text = std::fs::read_to_string(&file).unwrap();
        let whole = text == old
            || (text.starts_with("# HELP prepaid_balance ")
                && text.ends_with('\n')
                && text.contains("prepaid_fetch_success"));
        assert!(whole, "round {round}: {text}");
    }
    let prom_files = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".prom"))
        .count();
    assert_eq!(prom_files, 1, "a killed run leaves no other *.prom file");
}

#[tokio::test]
async fn no_key_in_any_output_at_any_verbosity() {
    const KEY: &str = "sk-SENTINEL-7f3a9c";
    let server = MockServer::start_async().await;
    // Venice echoes the key in its error; Runcrate is rate limited (retried), echoing it too.
    server
        .mock_async(|when, then| {
            when.path("/venice/billing/balance");
            then.status(401)
                .json_body(json!({ "error": format!("invalid key {KEY}") }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/runcrate/billing/balance");
            then.status(429)
                .header("retry-after", "0")
                .body(format!("slow down, {KEY}"));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/ngrok/credits/balance");
            then.status(200)
                .body(prepaid_emulator::bodies::NGROK_AI_GATEWAY);
        })
        .await;
    let mut env: Vec<(String, String)> = Vec::new();
    for (prefix, path) in [
        ("VENICE", "venice"),
        ("RUNCRATE", "runcrate"),
        ("NGROK_AI_GATEWAY", "ngrok"),
    ] {
        env.push((format!("{prefix}_API_KEY"), KEY.into()));
        env.push((
            format!("{prefix}_BASE_URL"),
            format!("{}/{path}", server.base_url()),
        ));
    }
    let verbosities: [(&[&str], Option<&str>); 6] = [
        (&[], None),
        (&["-v"], None),
        (&["-vv"], None),
        (&["-vvv"], None),
        (&[], Some("trace")),
        (&["-v"], Some("prepaid=trace,reqwest=trace,hyper=trace")),
    ];
    for (flags, rust_log) in verbosities {
        let mut run_env = env.clone();
        if let Some(filter) = rust_log {
            run_env.push(("RUST_LOG".into(), filter.into()));
        }
        for format in ["table", "json", "prometheus"] {
            let mut args = flags.to_vec();
            args.extend(["--format", format, "--timeout", "5s"]);
            let output = run_with(&args, &run_env);
            assert_eq!(output.status.code(), Some(3), "{args:?}");
            for shown in [stdout(&output), stderr(&output)] {
                for mark in [KEY, "SENTINEL", "7f3a9c"] {
                    assert!(
                        !shown.contains(mark),
                        "{args:?} RUST_LOG={rust_log:?}:\n{shown}"
                    );
                }
            }
            if flags == ["-vvv"] {
                let logged = stderr(&output);
                assert!(logged.contains("TRACE"), "-vvv logs at TRACE: {logged}");
                assert!(logged.contains("retrying"), "{logged}");
            }
        }
    }
}

#[test]
fn logs_go_to_stderr_and_rust_log_is_checked() {
    let quiet = prepaid(&["--demo", "--format", "json"], &[]);
    assert_eq!(stderr(&quiet), "", "nothing logged by default");
    let verbose = prepaid(&["--demo", "--format", "json", "-v"], &[]);
    assert!(stderr(&verbose).contains("fetched"), "{}", stderr(&verbose));
    // The logs stay off stdout: it is still the JSON document alone.
    let document: Value = serde_json::from_str(&stdout(&verbose)).unwrap();
    assert_eq!(document["accounts"].as_array().map(Vec::len), Some(4));
    let bad = prepaid(&["--demo"], &[("RUST_LOG", "prepaid=[")]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).starts_with("error: RUST_LOG=\"prepaid=[\" is not a log filter"));
}
