//! What every fuzz target checks of one decode (`prepaid::providers::decode`): the result
//! is a typed [`ErrorKind::Undecodable`] for the provider, bounded, or a [`Balance`] whose every
//! amount is exactly the decimal of the number text at its place in the body (read again
//! here with `serde_json::value::RawValue`, so no float is involved). Anything else panics,
//! which libFuzzer reports as a crash.

#[path = "../../crates/prepaid/tests/exact/mod.rs"]
mod exact;

use prepaid::providers::decode;
use prepaid::{Amount, Balance, Error, Provider};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Decode `data` as `provider`'s balance body and check the result. For runtools, a NUL
/// byte splits `data` into the credits body and the plan body.
pub fn check(provider: Provider, data: &[u8]) {
    let (body, plan) = match (provider, data.iter().position(|b| *b == 0)) {
        (Provider::Runtools, Some(nul)) => (&data[..nul], Some(&data[nul + 1..])),
        _ => (data, None),
    };
    let result = match provider {
        Provider::Runtools => decode::runtools(body, plan),
        other => decode::balance(other, body),
    };
    match result {
        Err(error) => check_error(provider, &error),
        Ok(balance) => check_balance(provider, body, &balance),
    }
}

fn check_error(provider: Provider, error: &Error) {
    match error {
        ErrorKind::Undecodable {
            provider: p,
            status: Some(200),
            reason,
            excerpt,
        } => {
            assert_eq!(*p, provider);
            assert!(!reason.is_empty());
            assert!(reason.chars().count() <= 501, "{reason}");
            assert!(excerpt.chars().count() <= 201, "{excerpt}");
            assert!(!error.to_string().is_empty());
        }
        other => panic!("not Undecodable: {other:?}"),
    }
}

// ---- The body read again, numbers as their text --------------------------------------------

#[derive(Deserialize)]
struct Runcrate<'a> {
    #[serde(borrow)]
    data: RuncrateData<'a>,
}

#[derive(Deserialize)]
struct RuncrateData<'a> {
    // Auxiliary: the balance is read without it (and says so).
    #[serde(rename = "activeUsageCost", default, borrow)]
    accruing: Option<&'a RawValue>,
    #[serde(rename = "creditsBalance", borrow)]
    credits: &'a RawValue,
}

#[derive(Deserialize)]
struct Ngrok<'a> {
    #[serde(rename = "balanceCents", borrow)]
    cents: &'a RawValue,
}

#[derive(Deserialize)]
struct Runtools<'a> {
    #[serde(borrow)]
    data: RuntoolsData<'a>,
}

#[derive(Deserialize)]
struct RuntoolsData<'a> {
    #[serde(rename = "balanceCents", borrow)]
    balance: Option<&'a RawValue>,
    #[serde(rename = "freeCreditsUsed")]
    free: Option<bool>,
    #[serde(rename = "totalGrantedCents", borrow)]
    granted: Option<&'a RawValue>,
    #[serde(rename = "totalUsedCents", borrow)]
    used: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Venice<'a> {
    #[serde(borrow)]
    balances: VeniceBalances<'a>,
    // Auxiliary, all three: the balance is read without them (and says so).
    #[serde(rename = "canConsume", default)]
    can_consume: Option<bool>,
    #[serde(rename = "consumptionCurrency", default)]
    currency: Option<String>,
    #[serde(rename = "diemEpochAllocation", default, borrow)]
    allocation: Option<&'a RawValue>,
}

/// Each amount's text as sent (`null` too), `None` when not sent: either may be missing
/// (read like `null`, with a note), but a body without both is `Undecodable`, never a
/// balance.
#[derive(Deserialize)]
struct VeniceBalances<'a> {
    #[serde(borrow, default, deserialize_with = "sent")]
    diem: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "sent")]
    usd: Option<&'a RawValue>,
}

/// A field that is there, whatever it holds (`null` included).
fn sent<'de: 'a, 'a, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<&'a RawValue>, D::Error> {
    <&RawValue>::deserialize(deserializer).map(Some)
}

fn read<'a, T: Deserialize<'a>>(body: &'a [u8]) -> T {
    match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => panic!("a balance from a body that does not have the documented shape: {e}"),
    }
}

/// `amount` is exactly `raw` × 10^`shift`, in `unit`.
fn assert_exact(amount: &Amount, raw: &RawValue, shift: i64, unit: &str) {
    assert_eq!(amount.unit.as_str(), unit);
    assert!(
        exact::exactly(&amount.value, raw.get(), shift),
        "{} is not exactly {} × 10^{shift}",
        amount.value,
        raw.get()
    );
}

fn assert_optional(amount: &Option<Amount>, raw: Option<&RawValue>, shift: i64) {
    let raw = raw.filter(|r| r.get() != "null");
    match (amount, raw) {
        (None, None) => {}
        (Some(amount), Some(raw)) => assert_exact(amount, raw, shift, "USD"),
        (amount, raw) => panic!("{amount:?} for {raw:?}"),
    }
}

fn positive(raw: &RawValue) -> bool {
    exact::positive(raw.get())
}

fn check_balance(provider: Provider, body: &[u8], balance: &Balance) {
    assert_eq!(balance.provider, provider);
    if let Err(e) = exact::kept_as_sent(body, balance.source.raw.get()) {
        panic!("{e}");
    }
    match provider {
        Provider::Runcrate => {
            let read: Runcrate = read(body);
            assert_eq!(balance.available.len(), 1);
            assert_exact(&balance.available[0], read.data.credits, 0, "USD");
            assert_optional(&balance.accruing, read.data.accruing, 0);
            assert_eq!(balance.can_consume, Some(positive(read.data.credits)));
        }
        Provider::NgrokAiGateway => {
            let read: Ngrok = read(body);
            assert_eq!(balance.available.len(), 1);
            assert_exact(&balance.available[0], read.cents, -2, "USD");
            assert_eq!(balance.can_consume, Some(positive(read.cents)));
        }
        Provider::Runtools => {
            let read: Runtools = read(body);
            let cents = read.data.balance.filter(|r| r.get() != "null");
            let Some(cents) = cents else {
                panic!("a balance without balanceCents");
            };
            assert_eq!(balance.available.len(), 1);
            assert_exact(&balance.available[0], cents, -2, "USD");
            assert_optional(&balance.granted, read.data.granted, -2);
            assert_optional(&balance.used, read.data.used, -2);
            assert_eq!(balance.free_credits_used, read.data.free);
            assert_eq!(balance.can_consume, Some(positive(cents)));
        }
        Provider::Venice => {
            let read: Venice = read(body);
            let (usd, diem) = (read.balances.usd, read.balances.diem);
            assert!(
                usd.is_some() || diem.is_some(),
                "a balance without `usd` and `diem`"
            );
            let mut expected = Vec::new();
            if let Some(usd) = usd.filter(|r| r.get() != "null") {
                expected.push((usd, "USD"));
            }
            if let Some(diem) = diem.filter(|r| r.get() != "null") {
                expected.push((diem, "DIEM"));
            }
            assert_eq!(balance.available.len(), expected.len());
            for (amount, (raw, unit)) in balance.available.iter().zip(expected) {
                assert_exact(amount, raw, 0, unit);
            }
            match (&balance.allocation, read.allocation) {
                (None, None) => {}
                (Some(allocation), Some(raw)) => assert_exact(allocation, raw, 0, "DIEM"),
                (allocation, raw) => panic!("allocation {allocation:?} for {raw:?}"),
            }
            assert_eq!(balance.can_consume, read.can_consume);
            assert_eq!(balance.consumption_currency, read.currency);
        }
        other => panic!("no check for {other}"),
    }
    // Amounts serialize as strings that read back to the same values.
    let json = serde_json::to_string(balance).unwrap_or_default();
    let back: Balance = match serde_json::from_str(&json) {
        Ok(back) => back,
        Err(e) => panic!("a balance that does not read back: {e}: {json}"),
    };
    assert_eq!(back.available, balance.available);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The examples and a few hostile bodies go through `check` without a panic (runs on
    /// stable: `cargo test --manifest-path fuzz/Cargo.toml`).
    #[test]
    fn seeds_pass_the_checks() {
        for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/seeds"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let provider = match entry.file_name().to_str() {
                Some("decode_runcrate") => Provider::Runcrate,
                Some("decode_ngrok_ai_gateway") => Provider::NgrokAiGateway,
                Some("decode_runtools") => Provider::Runtools,
                Some("decode_venice") => Provider::Venice,
                _ => continue,
            };
            for seed in std::fs::read_dir(entry.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let bytes = std::fs::read(seed.path()).unwrap_or_default();
                check(provider, &bytes);
            }
        }
    }
}
