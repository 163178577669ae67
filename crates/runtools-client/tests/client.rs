//! The generated runtools client against httpmock: all eight billing operations, each with
//! its path, auth header, parameters and the `{data: ...}` envelope decoded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use httpmock::prelude::*;
use runtools_client::types::GetMyUsagePeriod;
use runtools_client::{auth, servers, Client, ClientConfig, ClientInfo};
use serde_json::{json, Value};

const KEY: &str = "rt_test_key";
const ORG: &str = "6f1c2a34-8d0e-4b7a-9c55-0e2f3a4b5c6d";

fn client(server: &MockServer) -> Client {
    let config = ClientConfig::from(auth::api_key(KEY).unwrap());
    Client::with_config(
        &server.base_url(),
        runtools_client::http_client().unwrap(),
        config,
    )
}

/// Serve `body` for `method path` only to a request with runtools' `X-API-Key` header.
async fn serve<'a>(
    server: &'a MockServer,
    method: Method,
    path: &str,
    body: Value,
) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(method)
                .path(path)
                .header("x-api-key", KEY)
                .header_missing("api-version")
                .header_missing("authorization");
            then.status(200).json_body(body);
        })
        .await
}

#[test]
fn the_default_base_url_is_the_billing_service() {
    assert_eq!(servers::DEFAULT_BASE_URL, "https://billing.runtools.ai");
}

#[test]
fn api_keys_go_in_x_api_key_and_session_tokens_in_bearer() {
    assert_eq!(auth::api_key(KEY).unwrap().header_name(), Some("x-api-key"));
    assert_eq!(
        auth::bearer_auth("workos-session").unwrap().header_name(),
        Some("authorization")
    );
}

#[tokio::test]
async fn get_plan() {
    let server = MockServer::start_async().await;
    let mock = serve(&server, GET, "/v1/billing/plan", json!({ "data": {
        "orgId": ORG, "plan": "free", "balanceCents": 1250, "totalGrantedCents": 2500, "totalUsedCents": 1250 } })).await;
    let plan = client(&server)
        .get_plan()
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    mock.assert_async().await;
    assert_eq!(plan.plan.as_deref(), Some("free"));
    assert_eq!(plan.balance_cents, Some(1250));
    assert_eq!(plan.org_id.map(|id| id.to_string()).as_deref(), Some(ORG));
}

#[tokio::test]
async fn get_credits_with_an_org_id() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/billing/credits").query_param("orgId", ORG).header("x-api-key", KEY);
            then.status(200).json_body(json!({ "data": {
                "balanceCents": 1250, "totalGrantedCents": 2500, "totalUsedCents": 1250, "freeCreditsUsed": true,
                "newField": 1 } }));
        })
        .await;
    let credits = client(&server)
        .get_credits()
        .org_id(ORG.parse::<uuid::Uuid>().unwrap())
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    mock.assert_async().await;
    assert_eq!(
        (credits.balance_cents, credits.free_credits_used),
        (Some(1250), Some(true))
    );
}

#[tokio::test]
async fn get_credit_history_with_a_limit() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/billing/credits/history").query_param("limit", "2").header("x-api-key", KEY);
            then.status(200).json_body(json!({ "data": [{
                "id": "0d7e3f0a-1111-4222-8333-944455556666", "orgId": ORG, "type": "topup", "amountCents": 2500,
                "resource": "stripe", "description": "Top-up", "referenceId": "cs_1", "balanceAfterCents": 3750,
                "createdAt": "2026-11-20T10:00:00Z" }] }));
        })
        .await;
    let limit = std::num::NonZeroU64::new(2).unwrap();
    let history = client(&server)
        .get_credit_history()
        .limit(limit)
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    mock.assert_async().await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].type_.as_deref(), Some("topup"));
    assert_eq!(history[0].balance_after_cents, Some(3750));
    assert_eq!(
        history[0].created_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-11-20T10:00:00+00:00")
    );
}

#[tokio::test]
async fn get_my_usage_with_period_and_all() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/billing/my-usage")
                .query_param("period", "30d")
                .query_param("all", "true");
            then.status(200)
                .json_body(json!({ "data": { "toolExecutions": 12, "tokens": { "input": 5 } } }));
        })
        .await;
    let usage = client(&server)
        .get_my_usage()
        .period(GetMyUsagePeriod::X30d)
        .all(true)
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    mock.assert_async().await;
    assert_eq!(usage.tool_executions, Some(12));
    assert_eq!(usage.tokens.get("input"), Some(&json!(5)));
}

#[tokio::test]
async fn create_topup_posts_the_amount() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/billing/topup").header("x-api-key", KEY).json_body(json!({ "amountCents": 2500 }));
            then.status(200).json_body(json!({ "data": { "checkoutUrl": "https://checkout.example/cs_1", "sessionId": "cs_1" } }));
        })
        .await;
    let session = client(&server)
        .create_topup()
        .body(runtools_client::types::TopupRequest::builder().amount_cents(2500))
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    mock.assert_async().await;
    assert_eq!(session.session_id.as_deref(), Some("cs_1"));
}

#[tokio::test]
async fn verify_checkout_session() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/billing/success")
                .query_param("session_id", "cs_1")
                .header("x-api-key", KEY);
            then.status(200)
                .json_body(json!({ "data": { "status": "complete" } }));
        })
        .await;
    let result = client(&server)
        .verify_checkout_session()
        .session_id("cs_1")
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_eq!(result.data.get("status"), Some(&json!("complete")));
}

#[tokio::test]
async fn get_auto_topup() {
    let server = MockServer::start_async().await;
    let mock = serve(&server, GET, "/v1/billing/auto-topup", json!({ "data": {
        "enabled": true, "thresholdCents": 1000, "topupAmountCents": 501, "hasSavedPaymentMethod": true,
        "lastTopupAt": null } })).await;
    let settings = client(&server)
        .get_auto_topup()
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    mock.assert_async().await;
    assert_eq!(
        (
            settings.enabled,
            settings.threshold_cents,
            settings.topup_amount_cents
        ),
        (Some(true), Some(1000), Some(501))
    );
    assert_eq!(settings.last_topup_at, None);
}

#[tokio::test]
async fn update_auto_topup_puts_the_settings() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path("/v1/billing/auto-topup")
                .header("x-api-key", KEY)
                .json_body(
                    json!({ "enabled": true, "thresholdCents": 1000, "topupAmountCents": 2500 }),
                );
            then.status(200).body("Updated.");
        })
        .await;
    let update = runtools_client::types::AutoTopupUpdate::builder()
        .enabled(true)
        .threshold_cents(1000)
        .topup_amount_cents(2500);
    let response = client(&server)
        .update_auto_topup()
        .body(update)
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(response.status().as_u16(), 200);
}

#[test]
fn the_key_never_appears_in_debug_output() {
    let debug = format!("{:?}", Client::with_api_key(KEY).unwrap());
    assert!(!debug.contains(KEY), "{debug}");
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_with_the_key() {
    let vendor = MockServer::start_async().await;
    let elsewhere = MockServer::start_async().await;
    let stolen = elsewhere
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(json!({ "data": {} }));
        })
        .await;
    vendor
        .mock_async(|when, then| {
            when.path("/v1/billing/credits");
            then.status(302).header(
                "location",
                format!("{}/v1/billing/credits", elsewhere.base_url()),
            );
        })
        .await;
    // `with_api_key` targets the vendor's real host; point the same client at the mock.
    let client = Client::with_api_key(KEY).unwrap();
    let client = Client::with_config(
        &vendor.base_url(),
        client.client().clone(),
        client.inner().clone(),
    );
    let result = client.get_credits().send().await;
    let Err(runtools_client::Error::CommunicationError(error)) = &result else {
        panic!("expected the redirect to be refused, got {result:?}");
    };
    let refused = std::error::Error::source(error)
        .and_then(|e| e.downcast_ref::<runtools_client::CrossOriginRedirect>());
    assert_eq!(
        refused.map(|r| r.to.as_str()),
        Some(elsewhere.base_url().as_str()),
        "{error:?}"
    );
    assert_eq!(
        stolen.calls_async().await,
        0,
        "the key went to another host"
    );
}
