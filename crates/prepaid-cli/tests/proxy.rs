//! Proxies: the standard variables (`HTTP_PROXY`, with `NO_PROXY`), `--proxy` instead of them,
//! and `--no-proxy`; each checked by which loopback server the request reached.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

use httpmock::prelude::*;

/// A server answering Venice's balance at `/venice`, for the test key; its mock, to count.
async fn venice_at(server: &MockServer) -> httpmock::Mock<'_> {
    server
        .mock_async(|when, then| {
            when.path("/venice/billing/balance")
                .header("authorization", "Bearer venice-key");
            then.status(200).body(prepaid_emulator::bodies::VENICE);
        })
        .await
}

fn prepaid(vendor: &MockServer, args: &[&str], env: &[(&str, String)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prepaid"))
        .args(args)
        .env_clear()
        .env("PREPAID_NO_HISTORY", "1")
        .env("VENICE_API_KEY", "venice-key")
        .env("VENICE_BASE_URL", format!("{}/venice", vendor.base_url()))
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap()
}

#[tokio::test]
async fn requests_go_through_the_proxy_the_variables_or_the_flag_name() {
    let vendor = MockServer::start_async().await;
    let direct = venice_at(&vendor).await;
    let from_env = MockServer::start_async().await;
    let through_env = venice_at(&from_env).await;
    let from_flag = MockServer::start_async().await;
    let through_flag = venice_at(&from_flag).await;
    let proxy_env = [("HTTP_PROXY", from_env.base_url())];
    let ok = |output: &Output| {
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };

    // HTTP_PROXY: the proxy gets the request, the vendor's address none.
    ok(&prepaid(&vendor, &[], &proxy_env));
    assert_eq!(
        (through_env.calls_async().await, direct.calls_async().await),
        (1, 0)
    );
    // NO_PROXY naming the vendor's host: straight there.
    let mut bypass = proxy_env.to_vec();
    bypass.push(("NO_PROXY", "127.0.0.1".to_string()));
    ok(&prepaid(&vendor, &[], &bypass));
    assert_eq!(
        (through_env.calls_async().await, direct.calls_async().await),
        (1, 1)
    );
    // --proxy instead of the variables.
    ok(&prepaid(
        &vendor,
        &["--proxy", &from_flag.base_url()],
        &proxy_env,
    ));
    assert_eq!(
        (
            through_flag.calls_async().await,
            through_env.calls_async().await
        ),
        (1, 1)
    );
    // --no-proxy: none, whatever the variables say.
    ok(&prepaid(&vendor, &["--no-proxy"], &proxy_env));
    assert_eq!(
        (through_env.calls_async().await, direct.calls_async().await),
        (1, 2)
    );
    // A proxy that is not a URL: one line, without the text given (it may hold a password).
    let bad = prepaid(&vendor, &["--proxy", "::secret-pass"], &[]);
    assert_eq!(bad.status.code(), Some(2));
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(said.contains("the proxy is not a URL"), "{said}");
    assert!(!said.contains("secret-pass"), "{said}");
}
