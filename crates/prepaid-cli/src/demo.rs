//! `--demo`: an embedded emulation of all four vendors on loopback (an httpmock server
//! serving the responses their specs document), so the whole command runs with no keys and
//! no network. `--demo-failures` puts each vendor in a different failure state.

use httpmock::prelude::*;
use prepaid::{Prepaid, Provider, ProviderConfig, RetryPolicy};
use serde_json::json;

/// The running emulation; the vendors stop answering when it is dropped.
pub struct Demo {
    server: MockServer,
}

/// The key every emulated vendor expects (not a secret: it only opens the local emulation).
const DEMO_KEY: &str = "demo-key";

impl Demo {
    /// Start the emulation: healthy vendors, or (with `failures`) each failing differently.
    pub async fn start(failures: bool) -> Self {
        let server = MockServer::start_async().await;
        if failures {
            serve_failures(&server).await;
        } else {
            serve_healthy(&server).await;
        }
        Self { server }
    }

    /// Where `provider` is emulated (each vendor under its own path prefix).
    pub fn base_url(&self, provider: Provider) -> String {
        let prefix = match provider {
            Provider::Runcrate => "/runcrate/api/v1",
            Provider::NgrokAiGateway => "/ngrok",
            Provider::Runtools => "/runtools",
            Provider::Venice => "/venice/api/v1",
        };
        format!("{}{prefix}", self.server.base_url())
    }

    /// A facade configured for all four emulated vendors.
    pub fn prepaid(
        &self,
        configure: impl Fn(ProviderConfig) -> ProviderConfig,
        retry: bool,
    ) -> Result<Prepaid, prepaid::Error> {
        let mut builder = Prepaid::builder();
        for provider in Provider::ALL {
            builder = builder.provider(configure(
                ProviderConfig::new(provider, DEMO_KEY).base_url(self.base_url(provider)),
            ));
        }
        if !retry {
            builder = builder.retry_policy(RetryPolicy::none());
        }
        builder.build()
    }
}

async fn ok(server: &MockServer, path: &str, body: serde_json::Value) {
    server
        .mock_async(|when, then| {
            when.method(GET).path(path);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(body);
        })
        .await;
}

async fn serve_healthy(server: &MockServer) {
    ok(
        server,
        "/runcrate/api/v1/billing/balance",
        json!({ "data": { "creditsBalance": 42.5, "activeUsageCost": 1.25 } }),
    )
    .await;
    ok(
        server,
        "/ngrok/credits/balance",
        json!({ "balanceCents": 1234 }),
    )
    .await;
    ok(server, "/runtools/v1/billing/credits", json!({ "data": {
        "balanceCents": 1250, "totalGrantedCents": 2500, "totalUsedCents": 1250, "freeCreditsUsed": true } })).await;
    ok(
        server,
        "/runtools/v1/billing/plan",
        json!({ "data": {
        "orgId": "6f1c2a34-8d0e-4b7a-9c55-0e2f3a4b5c6d", "plan": "free",
        "balanceCents": 1250, "totalGrantedCents": 2500, "totalUsedCents": 1250 } }),
    )
    .await;
    ok(server, "/runtools/v1/billing/credits/history", json!({ "data": [
        { "id": "0d7e3f0a-1111-4222-8333-944455556666", "orgId": "6f1c2a34-8d0e-4b7a-9c55-0e2f3a4b5c6d",
          "type": "usage", "amountCents": -1250, "resource": "sandbox", "description": "Sandbox runtime",
          "referenceId": "run_42", "balanceAfterCents": 1250, "createdAt": "2026-11-24T18:00:00Z" },
        { "id": "1a2b3c4d-2222-4333-8444-955566667777", "orgId": "6f1c2a34-8d0e-4b7a-9c55-0e2f3a4b5c6d",
          "type": "topup", "amountCents": 2500, "resource": "stripe", "description": "Free credits",
          "referenceId": "cs_demo", "balanceAfterCents": 2500, "createdAt": "2026-11-01T09:00:00Z" },
    ] })).await;
    ok(
        server,
        "/runtools/v1/billing/my-usage",
        json!({ "data": {
        "tokens": { "input": 120000, "output": 30000, "total": 150000 },
        "modelUsage": { "claude-sonnet": { "tokens": 150000 } },
        "sandboxRuntime": { "settledSeconds": 3600, "pendingSeconds": 120 },
        "storageUsage": { "byteSeconds": 1000000 },
        "toolExecutions": 42,
        "resourceCharges": {} } }),
    )
    .await;
    ok(server, "/runtools/v1/billing/auto-topup", json!({ "data": {
        "enabled": true, "thresholdCents": 1000, "topupAmountCents": 2500, "hasSavedPaymentMethod": true,
        "lastTopupAt": "2026-11-01T09:00:00Z" } })).await;
    ok(
        server,
        "/venice/api/v1/billing/balance",
        json!({
        "canConsume": true, "consumptionCurrency": "DIEM",
        "balances": { "diem": 90.5, "usd": 25 }, "diemEpochAllocation": 100 }),
    )
    .await;
}

async fn serve_failures(server: &MockServer) {
    let fail = |path: &'static str, status: u16, body: &'static str| async move {
        server
            .mock_async(|when, then| {
                when.path(path);
                then.status(status)
                    .header("content-type", "application/json")
                    .body(body);
            })
            .await;
    };
    fail(
        "/runcrate/api/v1/billing/balance",
        401,
        r#"{"error":{"code":"unauthorized","message":"Invalid API key"}}"#,
    )
    .await;
    fail(
        "/ngrok/credits/balance",
        429,
        r#"{"statusCode":429,"msg":"too many requests","details":{}}"#,
    )
    .await;
    fail(
        "/runtools/v1/billing/credits",
        200,
        "<html><body>502 Bad Gateway</body></html>",
    )
    .await;
    fail(
        "/runtools/v1/billing/plan",
        200,
        "<html><body>502 Bad Gateway</body></html>",
    )
    .await;
    fail(
        "/venice/api/v1/billing/balance",
        403,
        r#"{"error":"Forbidden"}"#,
    )
    .await;
}
