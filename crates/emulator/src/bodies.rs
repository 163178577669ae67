//! The vendors' documented bodies (the examples of each vendor's own pages), and where each
//! is served: every vendor under its own path prefix, which ends the base URL a client is
//! given.

use crate::Scenario;

/// The vendors emulated, by the names `prepaid` gives them.
pub const VENDORS: [&str; EMULATED.len()] = {
    let mut names = [""; EMULATED.len()];
    let mut n = 0;
    while n < names.len() {
        names[n] = EMULATED[n].name;
        n += 1;
    }
    names
};

/// One emulated vendor: where it is served, what it answers, and how it fails.
struct Emulated {
    /// The name `prepaid` gives it.
    name: &'static str,
    /// Where it is served: the end of the base URL a client is given.
    prefix: &'static str,
    /// The paths (after the prefix) one balance fetch requests.
    balance: &'static [&'static str],
    /// Every path it serves (after the prefix), with its documented body.
    routes: &'static [(&'static str, &'static [u8])],
    /// What its balance paths answer in [`Scenario::Failures`]: each vendor differently.
    failure: (u16, &'static [u8]),
}

/// Every emulated vendor, each named once.
const EMULATED: &[Emulated] = &[
    Emulated {
        name: "runcrate",
        prefix: "/runcrate/api/v1",
        balance: &["/billing/balance"],
        routes: &[("/billing/balance", RUNCRATE)],
        failure: (
            401,
            br#"{"error":{"code":"unauthorized","message":"Invalid API key"}}"#,
        ),
    },
    Emulated {
        name: "ngrok-ai-gateway",
        prefix: "/ngrok",
        balance: &["/credits/balance"],
        routes: &[("/credits/balance", NGROK_AI_GATEWAY)],
        failure: (
            429,
            br#"{"statusCode":429,"msg":"too many requests","details":{}}"#,
        ),
    },
    Emulated {
        name: "runtools",
        prefix: "/runtools",
        // A balance fetch reads the credits and the plan.
        balance: &["/v1/billing/credits", "/v1/billing/plan"],
        routes: &[
            ("/v1/billing/credits", RUNTOOLS_CREDITS),
            ("/v1/billing/plan", RUNTOOLS_PLAN),
            ("/v1/billing/credits/history", RUNTOOLS_HISTORY),
            ("/v1/billing/my-usage", RUNTOOLS_USAGE),
            ("/v1/billing/auto-topup", RUNTOOLS_AUTO_TOPUP),
        ],
        // An HTML page where JSON belongs.
        failure: (200, b"<html><body>502 Bad Gateway</body></html>"),
    },
    Emulated {
        name: "venice",
        prefix: "/venice/api/v1",
        balance: &["/billing/balance"],
        routes: &[("/billing/balance", VENICE)],
        failure: (403, br#"{"error":"Forbidden"}"#),
    },
];

/// Runcrate `GET /billing/balance`: credits and accruing usage, USD.
pub const RUNCRATE: &[u8] = br#"{"data":{"creditsBalance":42.5,"activeUsageCost":1.25}}"#;

/// ngrok AI Gateway `GET /credits/balance`: integer cents.
pub const NGROK_AI_GATEWAY: &[u8] = br#"{"balanceCents":1234}"#;

/// runtools `GET /v1/billing/credits`: integer cents, wrapped in `data`.
pub const RUNTOOLS_CREDITS: &[u8] = br#"{"data":{"balanceCents":1250,"totalGrantedCents":2500,"totalUsedCents":1250,"freeCreditsUsed":true}}"#;

/// runtools `GET /v1/billing/plan`: the plan that goes with the credits (a balance fetch
/// reads both).
pub const RUNTOOLS_PLAN: &[u8] = br#"{"data":{"orgId":"6f1c2a34-8d0e-4b7a-9c55-0e2f3a4b5c6d","plan":"free","balanceCents":1250,"totalGrantedCents":2500,"totalUsedCents":1250}}"#;

/// runtools `GET /v1/billing/credits/history`: the credit ledger, newest first.
pub const RUNTOOLS_HISTORY: &[u8] = br#"{"data":[{"id":"0d7e3f0a-1111-4222-8333-944455556666","orgId":"6f1c2a34-8d0e-4b7a-9c55-0e2f3a4b5c6d","type":"usage","amountCents":-1250,"resource":"sandbox","description":"Sandbox runtime","referenceId":"run_42","balanceAfterCents":1250,"createdAt":"2026-11-24T18:00:00Z"},{"id":"1a2b3c4d-2222-4333-8444-955566667777","orgId":"6f1c2a34-8d0e-4b7a-9c55-0e2f3a4b5c6d","type":"topup","amountCents":2500,"resource":"stripe","description":"Free credits","referenceId":"cs_demo","balanceAfterCents":2500,"createdAt":"2026-11-01T09:00:00Z"}]}"#;

/// runtools `GET /v1/billing/my-usage`: usage over the period asked for.
pub const RUNTOOLS_USAGE: &[u8] = br#"{"data":{"tokens":{"input":120000,"output":30000,"total":150000},"modelUsage":{"claude-sonnet":{"tokens":150000}},"sandboxRuntime":{"settledSeconds":3600,"pendingSeconds":120},"storageUsage":{"byteSeconds":1000000},"toolExecutions":42,"resourceCharges":{}}}"#;

/// runtools `GET /v1/billing/auto-topup`: the auto-top-up settings.
pub const RUNTOOLS_AUTO_TOPUP: &[u8] = br#"{"data":{"enabled":true,"thresholdCents":1000,"topupAmountCents":2500,"hasSavedPaymentMethod":true,"lastTopupAt":"2026-11-01T09:00:00Z"}}"#;

/// Venice `GET /billing/balance`: USD and DIEM (the example of Venice's spec).
pub const VENICE: &[u8] = br#"{"canConsume":true,"consumptionCurrency":"DIEM","balances":{"diem":90.5,"usd":25},"diemEpochAllocation":100}"#;

/// The body of a request without credentials.
pub const UNAUTHORIZED: &[u8] = br#"{"error":"missing credentials"}"#;

/// The body of a path no vendor serves.
pub const NOT_FOUND: &[u8] = br#"{"error":"not found"}"#;

/// The emulated vendor called `vendor`.
fn emulated(vendor: &str) -> Option<&'static Emulated> {
    EMULATED.iter().find(|e| e.name == vendor)
}

/// Where `vendor` is emulated, or `None` for a name not in [`VENDORS`].
pub fn prefix(vendor: &str) -> Option<&'static str> {
    emulated(vendor).map(|e| e.prefix)
}

/// The paths (after [`prefix`]) one balance fetch of `vendor` requests: runtools reads its
/// credits and its plan, the others one path.
pub fn paths(vendor: &str) -> &'static [&'static str] {
    emulated(vendor).map_or(&[], |e| e.balance)
}

/// `origin` (`http://127.0.0.1:PORT`) plus `vendor`'s [`prefix`]: the base URL to configure.
pub fn base_url(origin: &str, vendor: &str) -> Option<String> {
    prefix(vendor).map(|prefix| format!("{origin}{prefix}"))
}

/// The status and body served at `path` (prefix and vendor path) in `scenario`.
pub fn response(scenario: Scenario, path: &str) -> (u16, &'static [u8]) {
    for vendor in EMULATED {
        let Some(rest) = path.strip_prefix(vendor.prefix) else {
            continue;
        };
        let Some((_, body)) = vendor.routes.iter().find(|(route, _)| *route == rest) else {
            continue;
        };
        return match scenario {
            Scenario::Failures if vendor.balance.contains(&rest) => vendor.failure,
            _ => (200, body),
        };
    }
    (404, NOT_FOUND)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fetched_path_has_a_body_in_each_scenario() {
        for vendor in VENDORS {
            let prefix = prefix(vendor).unwrap_or_default();
            assert!(!prefix.is_empty(), "{vendor}");
            for path in paths(vendor) {
                let full = format!("{prefix}{path}");
                assert_eq!(response(Scenario::Healthy, &full).0, 200, "{full}");
                assert_ne!(response(Scenario::Failures, &full).0, 404, "{full}");
            }
        }
        // In the failure scenario each vendor's balance fails, each differently, and the
        // other paths still answer.
        let failures: Vec<(u16, &[u8])> = VENDORS
            .iter()
            .map(|v| {
                response(
                    Scenario::Failures,
                    &format!("{}{}", prefix(v).unwrap_or_default(), paths(v)[0]),
                )
            })
            .collect();
        for (n, failure) in failures.iter().enumerate() {
            assert!(!failures[..n].contains(failure), "{failures:?}");
        }
        assert_eq!(
            response(Scenario::Failures, "/runtools/v1/billing/my-usage"),
            (200, RUNTOOLS_USAGE)
        );
        assert_eq!(prefix("acme"), None);
        assert_eq!(response(Scenario::Healthy, "/nowhere"), (404, NOT_FOUND));
    }
}
