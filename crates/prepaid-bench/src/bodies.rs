//! The vendors' documented 200 bodies (the examples of `/work/shared/vendor-docs`, as the
//! `prepaid --demo` emulation serves them), and where each is served on the loopback server.

use prepaid::Provider;

/// Runcrate `GET /billing/balance`: credits and accruing usage, USD.
pub const RUNCRATE: &[u8] = br#"{"data":{"creditsBalance":42.5,"activeUsageCost":1.25}}"#;

/// ngrok AI Gateway `GET /credits/balance`: integer cents.
pub const NGROK_AI_GATEWAY: &[u8] = br#"{"balanceCents":1234}"#;

/// runtools `GET /v1/billing/credits`: integer cents, wrapped in `data`.
pub const RUNTOOLS_CREDITS: &[u8] = br#"{"data":{"balanceCents":1250,"totalGrantedCents":2500,"totalUsedCents":1250,"freeCreditsUsed":true}}"#;

/// runtools `GET /v1/billing/plan`: the plan that goes with the credits (a balance fetch
/// reads both).
pub const RUNTOOLS_PLAN: &[u8] = br#"{"data":{"orgId":"6f1c2a34-8d0e-4b7a-9c55-0e2f3a4b5c6d","plan":"free","balanceCents":1250,"totalGrantedCents":2500,"totalUsedCents":1250}}"#;

/// Venice `GET /billing/balance`: USD and DIEM (the example of Venice's spec).
pub const VENICE: &[u8] = br#"{"canConsume":true,"consumptionCurrency":"DIEM","balances":{"diem":90.5,"usd":25},"diemEpochAllocation":100}"#;

/// The body of a request without credentials.
pub const UNAUTHORIZED: &[u8] = br#"{"error":"missing credentials"}"#;

/// The body of a path no vendor serves.
pub const NOT_FOUND: &[u8] = br#"{"error":"not found"}"#;

/// Where `provider` is emulated on the loopback server: each vendor under its own prefix,
/// which is the end of the base URL given to the facade.
pub fn prefix(provider: Provider) -> &'static str {
    match provider {
        Provider::Runcrate => "/runcrate/api/v1",
        Provider::NgrokAiGateway => "/ngrok",
        Provider::Runtools => "/runtools",
        Provider::Venice => "/venice/api/v1",
    }
}

/// The paths (after [`prefix`]) one balance fetch of `provider` requests: runtools reads
/// its credits and its plan, the others one path.
pub fn paths(provider: Provider) -> &'static [&'static str] {
    match provider {
        Provider::Runcrate => &["/billing/balance"],
        Provider::NgrokAiGateway => &["/credits/balance"],
        Provider::Runtools => &["/v1/billing/credits", "/v1/billing/plan"],
        Provider::Venice => &["/billing/balance"],
    }
}

/// The documented body served at `path` (a full path: prefix and vendor path), if any.
pub fn for_path(path: &str) -> Option<&'static [u8]> {
    Some(match path {
        "/runcrate/api/v1/billing/balance" => RUNCRATE,
        "/ngrok/credits/balance" => NGROK_AI_GATEWAY,
        "/runtools/v1/billing/credits" => RUNTOOLS_CREDITS,
        "/runtools/v1/billing/plan" => RUNTOOLS_PLAN,
        "/venice/api/v1/billing/balance" => VENICE,
        _ => return None,
    })
}

/// `origin` (`http://127.0.0.1:PORT`) plus `provider`'s prefix: the base URL to configure.
pub fn base_url(origin: &str, provider: Provider) -> String {
    format!("{origin}{}", prefix(provider))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fetched_path_has_a_body() {
        for provider in Provider::ALL {
            for path in paths(provider) {
                let full = format!("{}{path}", prefix(provider));
                assert!(for_path(&full).is_some(), "{full}");
            }
        }
    }
}
