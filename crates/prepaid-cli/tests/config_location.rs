//! Where the accounts file comes from, and what it may say: never from the current directory
//! (a checkout of someone else's repository configures nothing), from the platform's
//! configuration directory when `--config` names none, with a relative `key_file` read beside
//! it, and an account's own timeout winning over `--timeout`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use httpmock::prelude::*;

const SENTINEL: &str = "ghp_sentinel_token_0123456789";

/// The binary in `cwd`, with only `env` and an empty home (no configuration of the user's).
fn prepaid_in(cwd: &Path, home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prepaid"))
        .current_dir(cwd)
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PREPAID_NO_HISTORY", "1")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Venice's balance at `/venice` on `server`, for `key` only.
async fn venice(server: &MockServer, key: &str, delay: Duration) {
    server
        .mock_async(|when, then| {
            when.path("/venice/billing/balance")
                .header("authorization", format!("Bearer {key}"));
            then.status(200)
                .delay(delay)
                .body(prepaid_emulator::bodies::VENICE);
        })
        .await;
}

#[tokio::test]
async fn a_prepaid_toml_in_the_current_directory_is_never_read() {
    // A cloned repository ships an accounts file that sends the user's GitHub token to a
    // host of its choosing (a catcher on loopback here, which the host rule allows).
    let catcher = MockServer::start_async().await;
    let caught = catcher
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body("{}");
        })
        .await;
    let checkout = tempfile::tempdir().unwrap();
    std::fs::write(
        checkout.path().join("prepaid.toml"),
        format!(
            "[[accounts]]\nprovider = \"venice\"\nkey_env = \"GITHUB_TOKEN\"\nbase_url = \"{}/venice\"\n",
            catcher.base_url()
        ),
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let output = prepaid_in(
        checkout.path(),
        home.path(),
        &["--format", "json"],
        &[("GITHUB_TOKEN", SENTINEL)],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("no provider configured"),
        "{}",
        text(&output)
    );
    assert!(!text(&output).contains(SENTINEL));
    assert_eq!(
        caught.calls_async().await,
        0,
        "a request reached the catcher"
    );
}

#[tokio::test]
async fn the_config_directorys_accounts_file_is_read_with_its_key_file_beside_it() {
    let server = MockServer::start_async().await;
    venice(&server, "venice-from-file", Duration::ZERO).await;
    let config_home = tempfile::tempdir().unwrap();
    let folder = config_home.path().join("prepaid");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("venice.key"), "venice-from-file\n").unwrap();
    std::fs::write(
        folder.join("prepaid.toml"),
        format!(
            "[[accounts]]\nprovider = \"venice\"\nname = \"main\"\nkey_file = \"venice.key\"\nbase_url = \"{}/venice\"\n",
            server.base_url()
        ),
    )
    .unwrap();
    // Run from anywhere else: the key file is found beside the accounts file.
    let elsewhere = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let xdg = config_home.path().display().to_string();
    let output = prepaid_in(
        elsewhere.path(),
        home.path(),
        &["--format", "json"],
        &[("XDG_CONFIG_HOME", &xdg)],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["accounts"][0]["account"], "main", "{json}");
    assert_eq!(json["accounts"][0]["provider"], "venice", "{json}");
}

#[tokio::test]
async fn an_accounts_own_timeout_wins_over_the_timeout_flag() {
    let server = MockServer::start_async().await;
    venice(&server, "venice-key", Duration::from_secs(20)).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("accounts.toml");
    std::fs::write(
        &config,
        format!(
            "[[accounts]]\nprovider = \"venice\"\nkey_env = \"VENICE_KEY\"\ntimeout = \"300ms\"\nbase_url = \"{}/venice\"\n",
            server.base_url()
        ),
    )
    .unwrap();
    let started = Instant::now();
    let output = prepaid_in(
        dir.path(),
        dir.path(),
        &[
            "--config",
            &config.display().to_string(),
            "--timeout",
            "20s",
        ],
        &[("VENICE_KEY", "venice-key")],
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(
        text(&output).contains("FAILED: timed out after 300 ms"),
        "{}",
        text(&output)
    );
}
