//! The balance history end to end: runs against a loopback vendor whose balance falls give a
//! run-out estimate in JSON, the table and Prometheus; a history file that cannot be used
//! never costs a balance or changes the exit code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use httpmock::prelude::*;
use serde_json::Value;

fn prepaid(args: &[&str], env: &[(&str, String)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prepaid"))
        .args(args)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// When these tests start: 2026-11-25 00:00 UTC.
fn start() -> chrono::DateTime<chrono::Utc> {
    "2026-11-25T00:00:00Z".parse().unwrap()
}

/// `env` with the command's clock fixed `minutes` after [`start`] (`PREPAID_TEST_NOW`, read
/// by debug builds only): each run's samples are taken at exactly that time, however long
/// the runs themselves take. (A release build refuses the variable, saying so on stderr.)
fn at_minute(env: &[(&'static str, String)], minutes: i64) -> Vec<(&'static str, String)> {
    let now = start() + chrono::TimeDelta::minutes(minutes);
    let mut env = env.to_vec();
    env.push(("PREPAID_TEST_NOW", now.to_rfc3339()));
    env
}

/// Venice with `usd` left (the amount's JSON text, never a float).
async fn venice_with<'a>(server: &'a MockServer, usd: &str) -> httpmock::Mock<'a> {
    let body = format!(
        r#"{{"canConsume":true,"consumptionCurrency":"USD","balances":{{"diem":null,"usd":{usd}}},"diemEpochAllocation":0}}"#
    );
    server
        .mock_async(|when, then| {
            when.path("/venice/billing/balance");
            then.status(200)
                .header("content-type", "application/json")
                .body(body);
        })
        .await
}

/// Run `prepaid` at `minutes` after [`start`] against Venice with `usd` left.
async fn venice_run(
    server: &MockServer,
    usd: &str,
    minutes: i64,
    args: &[&str],
    env: &[(&'static str, String)],
) -> Output {
    let mock = venice_with(server, usd).await;
    let output = prepaid(args, &at_minute(env, minutes));
    mock.delete_async().await;
    output
}

#[tokio::test]
async fn runs_a_few_minutes_apart_give_a_run_out_estimate_everywhere() {
    let server = MockServer::start_async().await;
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("state/history.sqlite");
    let env = [
        ("VENICE_API_KEY", "key".to_string()),
        ("VENICE_BASE_URL", format!("{}/venice", server.base_url())),
        ("PREPAID_HISTORY", history.display().to_string()),
    ];
    // 30, 29, 28 USD, ten minutes apart: 6 USD an hour, 28 / 6 hours left (4 h 40 min),
    // and each later run one USD less ten minutes later, on the same line: every estimate
    // says 05:00.
    let mut output = None;
    for (minutes, usd) in [(0, "30"), (10, "29"), (20, "28")] {
        output = Some(venice_run(&server, usd, minutes, &["--format", "json"], &env).await);
    }
    let output = output.unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["accounts"][0]["balance"]["fetched_at"], "2026-11-25T00:20:00Z",
        "{json}"
    );
    assert_eq!(
        json["accounts"][0]["run_out"],
        serde_json::json!([{
            "burn_per_hour": { "value": "6", "unit": "USD" },
            "runs_out_at": "2026-11-25T05:00:00Z",
            "basis": "history",
            "samples": 3,
            "since": "2026-11-25T00:00:00Z",
        }]),
        "{json}"
    );

    // --min-hours: 4 h 30 min left is too soon for 5 hours (the exit code; nothing else
    // changes); the table says it as people do.
    let table = venice_run(&server, "27", 30, &["--min-hours", "5"], &env).await;
    assert_eq!(table.status.code(), Some(1), "4.5 h left, 5 h asked");
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.contains("RUNS OUT WITHIN 5 h (USD)"), "{table}");
    assert!(table.contains("~4.5 h"), "27 USD at 6 an hour:\n{table}");
    // 4 h 20 min left is too soon for 4.35 h (4 h 21 min); ten minutes later, 4 h 10 min
    // left is not for 4.1 h (4 h 6 min).
    let soon = venice_run(
        &server,
        "26",
        40,
        &["--format", "json", "--min-hours", "4.35"],
        &env,
    )
    .await;
    assert_eq!(soon.status.code(), Some(1), "{}", stderr(&soon));
    let soon: Value = serde_json::from_slice(&soon.stdout).unwrap();
    assert_eq!(
        soon["accounts"][0]["run_out"][0]["runs_out_at"],
        "2026-11-25T05:00:00Z"
    );
    assert_eq!(
        soon["accounts"][0]["run_out"][0]["burn_per_hour"]["value"],
        "6"
    );
    let fine = venice_run(
        &server,
        "25",
        50,
        &["--format", "json", "--min-hours", "4.1"],
        &env,
    )
    .await;
    assert_eq!(fine.status.code(), Some(0), "{}", stderr(&fine));
    let fine: Value = serde_json::from_slice(&fine.stdout).unwrap();
    assert_eq!(
        fine["accounts"][0]["run_out"][0]["runs_out_at"],
        "2026-11-25T05:00:00Z"
    );

    // Prometheus has both gauges, exact; 4 h left exactly is not too soon for 4 h.
    let metrics = venice_run(
        &server,
        "24",
        60,
        &[
            "--format",
            "prometheus",
            "--min-hours",
            "4",
            "--min-usd",
            "1",
        ],
        &env,
    )
    .await;
    assert_eq!(metrics.status.code(), Some(0), "{}", stderr(&metrics));
    let metrics = String::from_utf8(metrics.stdout).unwrap();
    assert!(
        metrics
            .contains("prepaid_runs_out_minimum_hours{provider=\"venice\",account=\"venice\"} 4\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("prepaid_burn_rate_per_hour{provider=\"venice\",account=\"venice\",currency=\"USD\"} 6\n"),
        "{metrics}"
    );
    let five = start() + chrono::TimeDelta::hours(5);
    assert!(
        metrics.contains(&format!("prepaid_runs_out_timestamp_seconds{{provider=\"venice\",account=\"venice\",currency=\"USD\"}} {}\n", five.timestamp())),
        "{metrics}"
    );

    dashboard_queries_name_exported_metrics(&metrics);

    // `prepaid history` reads the file alone: no key, no vendor.
    let only_history = at_minute(&[("PREPAID_HISTORY", history.display().to_string())], 70);
    let csv = prepaid(&["history", "--format", "csv"], &only_history);
    assert_eq!(csv.status.code(), Some(0), "{}", stderr(&csv));
    let csv = String::from_utf8(csv.stdout).unwrap();
    let mut expected = String::from("provider,account,unit,at,amount\n");
    for (minutes, usd) in (0..7).map(|n| (n * 10, 30 - n)) {
        let at = start() + chrono::TimeDelta::minutes(minutes);
        expected.push_str(&format!(
            "venice,venice,USD,{},{usd}\n",
            at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
        ));
    }
    assert_eq!(csv, expected);
    let table = prepaid(&["history", "venice", "--since", "2h"], &only_history);
    let table = String::from_utf8(table.stdout).unwrap();
    assert_eq!(
        table,
        "ACCOUNT  UNIT  FIRST  LAST  CHANGE  SAMPLES  TREND\n\
         venice   USD      30    24      -6        7  █▇▆▅▃▂▁\n"
    );
    let json = prepaid(
        &["history", "--format", "json", "--account", "nobody"],
        &only_history,
    );
    assert_eq!(
        String::from_utf8(json.stdout).unwrap(),
        "{\n  \"version\": 1,\n  \"series\": []\n}\n"
    );
}

#[tokio::test]
async fn runtools_is_estimated_from_its_ledger_until_the_history_can() {
    let server = MockServer::start_async().await;
    let ago = |minutes: i64| (start() - chrono::TimeDelta::minutes(minutes)).to_rfc3339();
    let data = |body: &str| format!(r#"{{"data":{body}}}"#);
    let credits = data(r#"{"balanceCents":1000,"totalGrantedCents":1900,"totalUsedCents":900}"#);
    let _credits = server
        .mock_async(|when, then| {
            when.path("/v1/billing/credits");
            then.status(200)
                .header("content-type", "application/json")
                .body(credits);
        })
        .await;
    let plan = data(r#"{"plan":"free","balanceCents":1000}"#);
    let _plan = server
        .mock_async(|when, then| {
            when.path("/v1/billing/plan");
            then.status(200)
                .header("content-type", "application/json")
                .body(plan);
        })
        .await;
    // Newest first, as runtools sends it: a burn from 14.00 since a top-up 2.5 hours ago
    // (the 5.00 before it is another run), and now 10.00: 1.60 USD an hour.
    let entries = [
        (30, "usage", 1100),
        (60, "usage", 1200),
        (120, "usage", 1300),
        (150, "topup", 1400),
        (180, "usage", 500),
    ]
    .map(|(minutes, kind, after)| {
        format!(
            r#"{{"type":"{kind}","balanceAfterCents":{after},"createdAt":"{}"}}"#,
            ago(minutes)
        )
    })
    .join(",");
    let ledger = server
        .mock_async(|when, then| {
            when.path("/v1/billing/credits/history")
                .query_param("limit", "100")
                .header("x-api-key", "rt_key");
            then.status(200)
                .header("content-type", "application/json")
                .body(data(&format!("[{entries}]")));
        })
        .await;
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("RUNTOOLS_API_KEY", "rt_key".to_string()),
        ("RUNTOOLS_BASE_URL", server.base_url()),
        (
            "PREPAID_HISTORY",
            dir.path().join("h.sqlite").display().to_string(),
        ),
    ];
    let output = prepaid(&["--format", "json"], &at_minute(&env, 0));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    // 4.00 USD from the top-up to the balance fetched, 2.5 hours later: 1.60 an hour, and
    // 10.00 left lasts 6 h 15 min.
    assert_eq!(
        json["accounts"][0]["run_out"],
        serde_json::json!([{
            "burn_per_hour": { "value": "1.60", "unit": "USD" },
            "runs_out_at": "2026-11-25T06:15:00Z",
            "basis": "ledger",
            "samples": 5,
            "since": "2026-11-24T21:30:00Z",
        }]),
        "the top-up and after, and now: {json}"
    );
    assert_eq!(ledger.calls_async().await, 1);

    // Without the history, no estimates at all, and the ledger is not read.
    let off = prepaid(
        &["--format", "json", "--no-history"],
        &at_minute(&env[..2], 0),
    );
    let json: Value = serde_json::from_slice(&off.stdout).unwrap();
    assert!(
        json["accounts"][0]["run_out"] == serde_json::json!([]),
        "{json}"
    );
    assert_eq!(ledger.calls_async().await, 1);

    // Once the history has three balances over 15 minutes, it is the basis.
    prepaid(&["--format", "json"], &at_minute(&env, 10));
    let output = prepaid(&["--format", "json"], &at_minute(&env, 20));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["accounts"][0]["run_out"],
        serde_json::json!([{
            "burn_per_hour": { "value": "0", "unit": "USD" },
            "runs_out_at": null,
            "basis": "history",
            "samples": 3,
            "since": "2026-11-25T00:00:00Z",
        }]),
        "10.00 USD all along: not spending, no run-out: {json}"
    );
    assert_eq!(
        ledger.calls_async().await,
        2,
        "read by the second run, not the third"
    );
}

#[test]
fn a_test_clock_that_is_not_a_time_is_refused() {
    let output = prepaid(
        &["--demo", "--format", "json"],
        &[("PREPAID_TEST_NOW", "yesterday".to_string())],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(output.stdout, b"");
    let err = stderr(&output);
    assert!(
        err.starts_with("error: PREPAID_TEST_NOW=\"yesterday\" is not an RFC 3339 time"),
        "{err}"
    );
}

#[tokio::test]
async fn a_history_that_cannot_be_used_costs_no_balance() {
    let server = MockServer::start_async().await;
    let _mock = venice_with(&server, "12.5").await;
    let dir = tempfile::tempdir().unwrap();
    let run = |history: &Path| {
        prepaid(
            &["--format", "json"],
            &[
                ("VENICE_API_KEY", "key".to_string()),
                ("VENICE_BASE_URL", format!("{}/venice", server.base_url())),
                ("PREPAID_HISTORY", history.display().to_string()),
                ("PREPAID_HISTORY_WAIT", "300ms".to_string()),
            ],
        )
    };

    // A history another process holds for longer than this run waits.
    let locked = dir.path().join("locked.sqlite");
    assert_eq!(stderr(&run(&locked)), "", "a usable history first");
    let holder = rusqlite::Connection::open(&locked).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let corrupt = dir.path().join("corrupt.sqlite");
    std::fs::write(
        &corrupt,
        "this is not a database, it is a note to self\n".repeat(200),
    )
    .unwrap();
    let newer = dir.path().join("newer.sqlite");
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let folder = dir.path().join("a-folder.sqlite");
    std::fs::create_dir(&folder).unwrap();

    for (history, said) in [
        (&corrupt, "not a prepaid history"),
        (&newer, "written by a newer prepaid (schema 99"),
        (&folder, "warning: history: "),
        (&locked, "busy for more than 300ms"),
    ] {
        let output = run(history);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{history:?}: the exit code is the balances'"
        );
        let json: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(
            json["accounts"][0]["balance"]["available"][0]["value"], "12.5",
            "{history:?}"
        );
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(
            err.starts_with("warning: history: ") && err.contains(said),
            "{err}"
        );
    }
    holder.execute_batch("COMMIT").unwrap();

    // A full disk: the file-size limit (`ulimit -f`, 512 bytes) stops the history growing,
    // and SIGXFSZ is ignored (as `trap ''` leaves it across `exec`) so that the write
    // fails, as on a full disk, instead of the signal ending the process.
    let full = dir.path().join("full.sqlite");
    assert_eq!(stderr(&run(&full)), "", "a usable history first");
    let before = std::fs::read(&full).unwrap();
    let output = Command::new("sh")
        .args(["-c", "trap '' XFSZ; ulimit -f 1; exec \"$0\" --format json"])
        .arg(env!("CARGO_BIN_EXE_prepaid"))
        .env_clear()
        .env("VENICE_API_KEY", "key")
        .env("VENICE_BASE_URL", format!("{}/venice", server.base_url()))
        .env("PREPAID_HISTORY", &full)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["accounts"][0]["balance"]["available"][0]["value"],
        "12.5"
    );
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.starts_with("warning: history: ") && err.contains("this run was not recorded"),
        "{err}"
    );
    assert_eq!(std::fs::read(&full).unwrap(), before, "the file as it was");

    // The files it could not use are left as they were.
    assert!(
        std::fs::read_to_string(&corrupt)
            .unwrap()
            .starts_with("this is not a database")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_writing_at_once_lose_no_record() {
    let server = MockServer::start_async().await;
    let _mock = venice_with(&server, "10").await;
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history.sqlite");
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let config = dir.path().join(format!("writer-{writer}.toml"));
            std::fs::write(
                &config,
                format!(
                    "[[accounts]]\nprovider = \"venice\"\nname = \"w{writer}\"\nkey_env = \"K\"\nbase_url = \"{}/venice\"\n",
                    server.base_url()
                ),
            )
            .unwrap();
            let history = history.clone();
            std::thread::spawn(move || {
                for run in 0..50 {
                    // Each run's sample has its own minute (the writers' runs interleave
                    // however the machine schedules them).
                    let env = [
                        ("K", "key".to_string()),
                        ("PREPAID_HISTORY", history.display().to_string()),
                    ];
                    let output = prepaid(
                        &["--format", "json", "--config", config.to_str().unwrap()],
                        &at_minute(&env, run),
                    );
                    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
                    assert_eq!(stderr(&output), "", "no history warning");
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let connection = rusqlite::Connection::open(&history).unwrap();
    let count: i64 = connection
        .query_row("SELECT count(*) FROM samples", [], |row| row.get(0))
        .unwrap();
    assert_eq!(count, 400);
    let per_writer: i64 = connection
        .query_row(
            "SELECT min(n) FROM (SELECT count(*) AS n FROM samples GROUP BY series)",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(per_writer, 50);
    let series: i64 = connection
        .query_row("SELECT count(DISTINCT series) FROM samples", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(series, 8, "one series a writer");
    let amounts: Vec<String> = connection
        .prepare("SELECT DISTINCT amount FROM samples")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(amounts, ["10"], "stored as the decimal's text");
}

/// Every metric the Grafana dashboard (docs/grafana/prepaid.json) queries is one `metrics`
/// (an export with balances, thresholds and estimates) declares.
fn dashboard_queries_name_exported_metrics(metrics: &str) {
    let exported: Vec<&str> = metrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/grafana/prepaid.json");
    let dashboard: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut queries: Vec<String> = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            queries.push(target["expr"].as_str().unwrap().to_string());
        }
    }
    for variable in dashboard["templating"]["list"].as_array().unwrap() {
        if let Some(query) = variable["query"].as_str() {
            queries.push(query.to_string());
        }
    }
    assert!(queries.len() >= 6, "{queries:?}");
    let mut named = 0;
    for query in &queries {
        let mut rest = query.as_str();
        while let Some(start) = rest.find("prepaid_") {
            let name: String = rest[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                exported.contains(&name.as_str()),
                "{name} (in `{query}`) is not exported: {exported:?}"
            );
            named += 1;
            rest = &rest[start + name.len()..];
        }
    }
    assert!(named >= 7, "{named} metric names in {queries:?}");
}
