//! Every constructor a generated client has, called as its users call them, under the TLS
//! feature this crate was built with: none may panic, each must send the key only to the
//! origin it was given, and an exact amount must arrive exactly. Prints one line per check
//! and `N passed, N failed`; exits non-zero on a failure.

use std::process::ExitCode;

use httpmock::prelude::*;
use venice_client::mock::MockServerExt;
use venice_client::types::GetBillingBalanceResponse;
use venice_client::ClientInfo;

/// Twenty digits before the point and twenty after: more than an `f64` holds.
const EXACT_USD: &str = "12345678901234567890.12345678901234567890";
const KEY: &str = "outside-user-key";

type Check = Result<(), String>;

#[tokio::main]
async fn main() -> ExitCode {
    let checks: Vec<(&str, Check)> = vec![
        ("venice Client::new", venice_new().await),
        (
            "venice Client::new_with_client",
            venice_new_with_client().await,
        ),
        ("venice Client::with_config", venice_with_config().await),
        ("venice Client::with_api_key", venice_with_api_key()),
        (
            "runtools Client::new refuses a redirect to another origin",
            runtools_new_keeps_the_key_home().await,
        ),
    ];
    let failed = checks.iter().filter(|(_, check)| check.is_err()).count();
    for (name, check) in &checks {
        match check {
            Ok(()) => println!("ok   {name}"),
            Err(why) => println!("FAIL {name}: {why}"),
        }
    }
    println!("{} passed, {failed} failed", checks.len() - failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn config() -> Result<venice_client::ClientConfig, String> {
    let credentials = venice_client::auth::api_key(KEY).map_err(|e| e.to_string())?;
    Ok(venice_client::ClientConfig::from(credentials))
}

/// A loopback server whose typed mock answers the balance with [`EXACT_USD`] to the key.
async fn venice_server() -> Result<MockServer, String> {
    let body: GetBillingBalanceResponse = serde_json::from_str(&format!(
        r#"{{"canConsume":true,"consumptionCurrency":"USD","diemEpochAllocation":0,
            "balances":{{"diem":null,"usd":{EXACT_USD}}}}}"#
    ))
    .map_err(|e| e.to_string())?;
    let server = MockServer::start_async().await;
    server.get_billing_balance(|when, then| {
        when.into_inner()
            .header("authorization", format!("Bearer {KEY}"));
        then.ok(&body);
    });
    Ok(server)
}

/// Ask `client` for the balance and check the amount is [`EXACT_USD`], digit for digit.
async fn reads_the_exact_amount(client: &venice_client::Client) -> Check {
    let balance = client
        .get_billing_balance()
        .send()
        .await
        .map_err(|e| e.to_string())?
        .into_inner();
    match balance.balances.usd {
        Some(usd) if usd.as_str() == EXACT_USD => Ok(()),
        other => Err(format!("usd is {other:?}, not {EXACT_USD}")),
    }
}

async fn venice_new() -> Check {
    let server = venice_server().await?;
    // progenitor's documented constructor, with nothing else set up by the caller.
    let client = venice_client::Client::new(&server.base_url(), config()?);
    reads_the_exact_amount(&client).await
}

async fn venice_new_with_client() -> Check {
    let server = venice_server().await?;
    let http = venice_client::http_client().map_err(|e| e.to_string())?;
    let client = venice_client::Client::new_with_client(&server.base_url(), http, config()?);
    reads_the_exact_amount(&client).await
}

async fn venice_with_config() -> Check {
    let server = venice_server().await?;
    let http = venice_client::http_client().map_err(|e| e.to_string())?;
    let url = format!("{}/", server.base_url());
    let client = venice_client::Client::with_config(&url, http, config()?);
    reads_the_exact_amount(&client).await
}

fn venice_with_api_key() -> Check {
    // It talks to the vendor's own host: built, not called.
    let client = venice_client::Client::with_api_key(KEY).map_err(|e| e.to_string())?;
    match client.baseurl() {
        url if url == venice_client::servers::DEFAULT_BASE_URL => Ok(()),
        url => Err(format!("base URL {url}")),
    }
}

async fn runtools_new_keeps_the_key_home() -> Check {
    let elsewhere = MockServer::start_async().await;
    let stolen = elsewhere.mock(|_, then| {
        then.status(200).body("{}");
    });
    let vendor = MockServer::start_async().await;
    vendor.mock(|when, then| {
        when.any_request();
        then.status(302)
            .header("location", format!("{}/credits", elsewhere.base_url()));
    });
    let credentials = runtools_client::auth::api_key(KEY).map_err(|e| e.to_string())?;
    let client = runtools_client::Client::new(
        &vendor.base_url(),
        runtools_client::ClientConfig::from(credentials),
    );
    let result = client.get_credits().send().await;
    if stolen.calls() > 0 {
        return Err("the key's request reached another origin".into());
    }
    match result {
        Err(error) => {
            let mut chain = String::new();
            let mut source: Option<&dyn std::error::Error> = Some(&error);
            while let Some(e) = source {
                chain.push_str(&format!("{e}; "));
                source = e.source();
            }
            if chain.contains("another origin") {
                Ok(())
            } else {
                Err(format!("failed, but not for the redirect: {chain}"))
            }
        }
        Ok(_) => Err("a redirect to another origin was followed".into()),
    }
}
