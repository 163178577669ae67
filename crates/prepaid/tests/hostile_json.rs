//! Hostile JSON through every vendor's decode path, as property tests.
//!
//! Each case is a body the facade decodes with `prepaid::providers::decode` (the mapping a
//! fetch uses) and that an independent reference decoder, written here from the vendor's
//! documented shape and serde's rules, decodes too. They must agree: the reference says the
//! body is a balance exactly when the facade returns one, and then every amount is the
//! exact decimal of the number's text in the body. Anything else must be a typed
//! [`ErrorKind::Undecodable`]; nothing may panic. Bodies are arbitrary JSON, the documented
//! example mutated (fields removed, duplicated, retyped, numbers at the edges, strings for
//! numbers, objects as arrays, nesting thousands deep), the example's bytes truncated or
//! flipped, and arbitrary bytes. `tests/decode_http.rs` checks a fetch decodes like these.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod exact;

use exact::{canonical, exactly, kept_as_sent, positive};
use prepaid::providers::decode;
use prepaid::{Amount, Balance, Error, ErrorKind, Provider, Unit};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;

/// Cases per property: enough to hit every mutation of every field many times, few enough
/// that the whole file runs in a few seconds.
const CASES: u32 = 256;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---- JSON with numbers as text ----------------------------------------------------------

/// A JSON value whose numbers keep their text (so `1e400` and 40-digit numbers survive),
/// whose objects may repeat keys, and whose nesting may be deep without recursion.
#[derive(Clone, Debug)]
enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
    /// `depth` nested arrays (or objects `{"deep": …}`) around `null`.
    Deep {
        object: bool,
        depth: u32,
    },
}

impl J {
    fn text(&self) -> String {
        let mut out = String::new();
        self.render(&mut out);
        out
    }

    fn render(&self, out: &mut String) {
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(text) => out.push_str(text),
            J::Str(s) => out.push_str(&serde_json::to_string(s).unwrap()),
            J::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.render(out);
                }
                out.push(']');
            }
            J::Obj(entries) => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(key).unwrap());
                    out.push(':');
                    value.render(out);
                }
                out.push('}');
            }
            J::Deep { object, depth } => {
                let (open, close) = if *object {
                    ("{\"deep\":", "}")
                } else {
                    ("[", "]")
                };
                for _ in 0..*depth {
                    out.push_str(open);
                }
                out.push_str("null");
                for _ in 0..*depth {
                    out.push_str(close);
                }
            }
        }
    }

    /// One level of a `Deep`: an array of (or an object with key `deep` holding) the rest.
    fn unwrap_deep(object: bool, depth: u32) -> J {
        let inner = if depth > 1 {
            J::Deep {
                object,
                depth: depth - 1,
            }
        } else {
            J::Null
        };
        if object {
            J::Obj(vec![("deep".to_string(), inner)])
        } else {
            J::Arr(vec![inner])
        }
    }

    /// Every node's path (indices into arrays and objects), the root first.
    fn paths(&self) -> Vec<Vec<usize>> {
        let mut all = vec![Vec::new()];
        let children: Vec<&J> = match self {
            J::Arr(items) => items.iter().collect(),
            J::Obj(entries) => entries.iter().map(|(_, v)| v).collect(),
            _ => Vec::new(),
        };
        for (i, child) in children.into_iter().enumerate() {
            for mut path in child.paths() {
                path.insert(0, i);
                all.push(path);
            }
        }
        all
    }

    fn at_mut(&mut self, path: &[usize]) -> &mut J {
        match path.split_first() {
            None => self,
            Some((&i, rest)) => match self {
                J::Arr(items) => items[i].at_mut(rest),
                J::Obj(entries) => entries[i].1.at_mut(rest),
                _ => unreachable!("paths only lead through arrays and objects"),
            },
        }
    }
}

/// JSON text back into a [`J`], keeping number text; `None` unless serde_json accepts the
/// text as JSON and every string in it is one serde_json reads as a `String`.
fn parse_j(bytes: &[u8]) -> Option<J> {
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).ok()?;
    let mut at = 0;
    let value = parse_value(bytes, &mut at)?;
    Some(value)
}

fn skip_ws(s: &[u8], at: &mut usize) {
    while *at < s.len() && matches!(s[*at], b' ' | b'\t' | b'\n' | b'\r') {
        *at += 1;
    }
}

fn parse_string(s: &[u8], at: &mut usize) -> Option<String> {
    let start = *at;
    *at += 1;
    while s[*at] != b'"' {
        *at += if s[*at] == b'\\' { 2 } else { 1 };
    }
    *at += 1;
    serde_json::from_slice(&s[start..*at]).ok()
}

fn parse_value(s: &[u8], at: &mut usize) -> Option<J> {
    skip_ws(s, at);
    let value = match s[*at] {
        b'{' => {
            *at += 1;
            let mut entries = Vec::new();
            loop {
                skip_ws(s, at);
                match s[*at] {
                    b'}' => break,
                    b',' => *at += 1,
                    _ => {
                        let key = parse_string(s, at)?;
                        skip_ws(s, at);
                        *at += 1; // ':'
                        entries.push((key, parse_value(s, at)?));
                    }
                }
            }
            *at += 1;
            J::Obj(entries)
        }
        b'[' => {
            *at += 1;
            let mut items = Vec::new();
            loop {
                skip_ws(s, at);
                match s[*at] {
                    b']' => break,
                    b',' => *at += 1,
                    _ => items.push(parse_value(s, at)?),
                }
            }
            *at += 1;
            J::Arr(items)
        }
        b'"' => J::Str(parse_string(s, at)?),
        b't' => {
            *at += 4;
            J::Bool(true)
        }
        b'f' => {
            *at += 5;
            J::Bool(false)
        }
        b'n' => {
            *at += 4;
            J::Null
        }
        _ => {
            let start = *at;
            while *at < s.len() && matches!(s[*at], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
            {
                *at += 1;
            }
            J::Num(String::from_utf8(s[start..*at].to_vec()).ok()?)
        }
    };
    Some(value)
}

/// Whether a `rust_decimal::Decimal` holds the value exactly: at most 28 decimal places
/// and a mantissa below 2^96, once trailing zeros are dropped.
fn representable(text: &str) -> bool {
    const MAX: &str = "79228162514264337593543950335";
    let (_, digits, exponent) = canonical(text, 0);
    if digits.is_empty() {
        return true;
    }
    let below_max = |d: &str| d.len() < MAX.len() || (d.len() == MAX.len() && d <= MAX);
    if exponent >= 0 {
        exponent <= 29 && below_max(&format!("{digits}{}", "0".repeat(exponent as usize)))
    } else {
        exponent >= -28 && below_max(&digits)
    }
}

// ---- The reference decoder ----------------------------------------------------------------

/// What a body must decode to: each amount as the number's text and the power of ten it
/// is scaled by (`-2` for cents).
#[derive(Debug, Default)]
struct Expected {
    available: Vec<(Unit, String, i64)>,
    accruing: Option<(String, i64)>,
    granted: Option<(String, i64)>,
    used: Option<(String, i64)>,
    allocation: Option<(String, i64)>,
    can_consume: Option<bool>,
    consumption_currency: Option<String>,
    free_credits_used: Option<bool>,
}

type R<T> = Result<T, ()>;

/// A struct with these fields (in declaration order), as serde derives it: an object by
/// name (a repeated field is an error, unknown fields are skipped) or an array by position
/// (exactly one element per field).
fn fields<'a>(value: &'a J, names: &[&str], deep: &'a mut Option<J>) -> R<Vec<Option<&'a J>>> {
    let value = match value {
        J::Deep { object, depth } => &*deep.insert(J::unwrap_deep(*object, *depth)),
        other => other,
    };
    match value {
        J::Obj(entries) => {
            let mut found = vec![None; names.len()];
            for (key, v) in entries {
                if let Some(i) = names.iter().position(|n| n == key) {
                    if found[i].is_some() {
                        return Err(());
                    }
                    found[i] = Some(v);
                }
            }
            Ok(found)
        }
        J::Arr(items) if items.len() == names.len() => Ok(items.iter().map(Some).collect()),
        _ => Err(()),
    }
}

/// A JSON `number` read exactly (`ExactNumber`, then a decimal).
fn exact(value: Option<&J>) -> R<String> {
    match value {
        Some(J::Num(text)) if representable(text) => Ok(text.clone()),
        _ => Err(()),
    }
}

/// An `i64`: an integer literal in range (serde_json reads `-0` as a float).
fn int(value: &J) -> R<String> {
    let J::Num(text) = value else { return Err(()) };
    if text.contains(['.', 'e', 'E']) || text == "-0" {
        return Err(());
    }
    text.parse::<i64>().map(|_| text.clone()).map_err(|_| ())
}

fn boolean(value: Option<&J>) -> R<bool> {
    match value {
        Some(J::Bool(b)) => Ok(*b),
        _ => Err(()),
    }
}

/// An `Option<T>` field: absent or `null` is `None`.
fn optional<T>(value: Option<&J>, read: impl Fn(&J) -> R<T>) -> R<Option<T>> {
    match value {
        None | Some(J::Null) => Ok(None),
        Some(v) => read(v).map(Some),
    }
}

/// A nullable field that must be present (`deserialize_with = Option::deserialize`).
fn nullable<T>(value: Option<&J>, read: impl Fn(Option<&J>) -> R<T>) -> R<Option<T>> {
    match value {
        None => Err(()),
        Some(J::Null) => Ok(None),
        Some(v) => read(Some(v)).map(Some),
    }
}

/// Whether `value` is a JSON object (not a struct given positionally as an array) with each
/// key once: an auxiliary field is tolerated absent only inside objects, where it can be
/// named, and the tolerant reading refuses a key given twice in each object on the way to
/// it (even one serde skips as unknown).
fn is_object(value: &J) -> bool {
    match value {
        J::Obj(entries) => entries
            .iter()
            .enumerate()
            .all(|(i, (key, _))| entries[..i].iter().all(|(other, _)| other != key)),
        J::Deep { object, .. } => *object,
        _ => false,
    }
}

fn expect_runcrate(body: &J) -> R<Expected> {
    let mut deep = None;
    let data = fields(body, &["data"], &mut deep)?[0].ok_or(())?;
    let objects = is_object(body) && is_object(data);
    let mut deep = None;
    let f = fields(data, &["activeUsageCost", "creditsBalance"], &mut deep)?;
    // `activeUsageCost` is auxiliary: left out when absent (the balance does not need it).
    if f[0].is_none() && !objects {
        return Err(());
    }
    let accruing = f[0].map(|v| exact(Some(v))).transpose()?;
    let available = exact(f[1])?;
    Ok(Expected {
        can_consume: Some(positive(&available)),
        available: vec![(Unit::Usd, available, 0)],
        accruing: accruing.map(|a| (a, 0)),
        ..Expected::default()
    })
}

fn expect_ngrok(body: &J) -> R<Expected> {
    let mut deep = None;
    let cents = int(fields(body, &["balanceCents"], &mut deep)?[0].ok_or(())?)?;
    Ok(Expected {
        can_consume: Some(positive(&cents)),
        available: vec![(Unit::Usd, cents, -2)],
        ..Expected::default()
    })
}

fn expect_runtools(body: &J) -> R<Expected> {
    let mut deep = None;
    let data = fields(body, &["data"], &mut deep)?[0].ok_or(())?;
    let mut deep = None;
    let f = fields(
        data,
        &[
            "balanceCents",
            "freeCreditsUsed",
            "totalGrantedCents",
            "totalUsedCents",
        ],
        &mut deep,
    )?;
    let balance = optional(f[0], int)?;
    let free = optional(f[1], |v| boolean(Some(v)))?;
    let granted = optional(f[2], int)?;
    let used = optional(f[3], int)?;
    // A missing balance is the facade's own error, never a zero.
    let balance = balance.ok_or(())?;
    Ok(Expected {
        can_consume: Some(positive(&balance)),
        available: vec![(Unit::Usd, balance, -2)],
        granted: granted.map(|t| (t, -2)),
        used: used.map(|t| (t, -2)),
        free_credits_used: free,
        ..Expected::default()
    })
}

fn expect_venice(body: &J) -> R<Expected> {
    let mut deep = None;
    let f = fields(
        body,
        &[
            "balances",
            "canConsume",
            "consumptionCurrency",
            "diemEpochAllocation",
        ],
        &mut deep,
    )?;
    let mut deep = None;
    let amounts = f[0].ok_or(())?;
    let balances = fields(amounts, &["diem", "usd"], &mut deep)?;
    // Either amount absent (from objects) reads like `null`; both absent is no balance.
    match balances[..] {
        [None, None] => return Err(()),
        [None, _] | [_, None] if !(is_object(body) && is_object(amounts)) => return Err(()),
        _ => {}
    }
    let diem = optional(balances[0], |v| exact(Some(v)))?;
    let usd = optional(balances[1], |v| exact(Some(v)))?;
    // `canConsume`, `consumptionCurrency` and `diemEpochAllocation` are auxiliary: left
    // out when absent (from an object).
    if f[1..].iter().any(Option::is_none) && !is_object(body) {
        return Err(());
    }
    let can_consume = f[1].map(|v| boolean(Some(v))).transpose()?;
    let currency = match f[2] {
        None => None,
        some => nullable(some, |v| match v {
            Some(J::Str(s)) => Ok(s.clone()),
            _ => Err(()),
        })?,
    };
    let allocation = f[3].map(|v| exact(Some(v))).transpose()?;
    let mut available = Vec::new();
    if let Some(usd) = usd {
        available.push((Unit::Usd, usd, 0));
    }
    if let Some(diem) = diem {
        available.push((Unit::Diem, diem, 0));
    }
    Ok(Expected {
        available,
        allocation: allocation.map(|a| (a, 0)),
        can_consume,
        consumption_currency: currency,
        ..Expected::default()
    })
}

fn expected(provider: Provider, body: &J) -> R<Expected> {
    match provider {
        Provider::Runcrate => expect_runcrate(body),
        Provider::NgrokAiGateway => expect_ngrok(body),
        Provider::Runtools => expect_runtools(body),
        Provider::Venice => expect_venice(body),
        other => panic!("no expectation for {other}"),
    }
}

// ---- The check every case goes through -----------------------------------------------------

fn same_amount(got: &Option<Amount>, want: &Option<(String, i64)>, unit: Unit) -> bool {
    match (got, want) {
        (None, None) => true,
        (Some(amount), Some((text, shift))) => {
            amount.unit == unit && exactly(&amount.value, text, *shift)
        }
        _ => false,
    }
}

/// `result` is a typed error for the provider, bounded, never a panic in `Display`.
fn assert_undecodable(provider: Provider, error: &Error) -> Result<(), TestCaseError> {
    let (Some(reason), Some(excerpt)) = (error.detail(), error.body_excerpt()) else {
        return Err(TestCaseError::fail(format!("not Undecodable: {error:?}")));
    };
    prop_assert_eq!(error.kind(), ErrorKind::Undecodable);
    prop_assert_eq!(error.provider(), provider);
    prop_assert_eq!(error.status(), Some(200));
    prop_assert!(!reason.is_empty());
    prop_assert!(excerpt.chars().count() <= 201, "{}", excerpt.len());
    prop_assert!(!error.to_string().is_empty());
    Ok(())
}

fn assert_matches(
    provider: Provider,
    got: &Balance,
    want: &Expected,
    body: &str,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.provider, provider);
    prop_assert_eq!(
        got.available.len(),
        want.available.len(),
        "{:?} {}",
        got,
        body
    );
    for (amount, (unit, text, shift)) in got.available.iter().zip(&want.available) {
        prop_assert_eq!(&amount.unit, unit);
        prop_assert!(
            exactly(&amount.value, text, *shift),
            "{} is not exactly {}e{} in {}",
            amount.value,
            text,
            shift,
            body
        );
    }
    prop_assert!(
        same_amount(&got.accruing, &want.accruing, Unit::Usd),
        "{:?}",
        got.accruing
    );
    prop_assert!(
        same_amount(&got.granted, &want.granted, Unit::Usd),
        "{:?}",
        got.granted
    );
    prop_assert!(
        same_amount(&got.used, &want.used, Unit::Usd),
        "{:?}",
        got.used
    );
    prop_assert!(
        same_amount(&got.allocation, &want.allocation, Unit::Diem),
        "{:?}",
        got.allocation
    );
    prop_assert_eq!(got.can_consume, want.can_consume);
    prop_assert_eq!(&got.consumption_currency, &want.consumption_currency);
    prop_assert_eq!(got.free_credits_used, want.free_credits_used);
    // Amounts serialize as exact strings that read back to the same value.
    let json = serde_json::to_string(got).unwrap();
    let back: Balance = serde_json::from_str(&json).unwrap();
    prop_assert_eq!(&back.available, &got.available);
    Ok(())
}

/// Decode `body` (the text of `tree`, when known) and compare with the reference decoder.
fn check(provider: Provider, body: &[u8], tree: Option<&J>) -> Result<(), TestCaseError> {
    let got = decode::balance(provider, body);
    let parsed;
    let tree = match tree {
        Some(tree) => Some(tree),
        None => {
            parsed = parse_j(body);
            parsed.as_ref()
        }
    };
    let shown = String::from_utf8_lossy(body);
    let shown: String = shown.chars().take(600).collect();
    if let Ok(balance) = &got {
        kept_as_sent(body, balance.source.raw.get())
            .map_err(|e| TestCaseError::fail(format!("{e}: {shown}")))?;
        prop_assert!(
            serde_json::to_string(&balance.source.raw).is_ok(),
            "{}",
            shown
        );
    }
    match (tree.map(|t| expected(provider, t)), &got) {
        (Some(Ok(want)), Ok(balance)) => assert_matches(provider, balance, &want, &shown),
        (Some(Ok(want)), Err(error)) => Err(TestCaseError::fail(format!(
            "refused a valid body {shown}: {error:?}; expected {want:?}"
        ))),
        (Some(Err(())), Ok(balance)) => Err(TestCaseError::fail(format!(
            "accepted an invalid body {shown}: {balance:?}"
        ))),
        (Some(Err(())), Err(error)) => assert_undecodable(provider, error),
        // Not JSON at all: only a typed error will do.
        (None, Err(error)) => {
            if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err() {
                assert_undecodable(provider, error)
            } else {
                Ok(()) // a string serde_json reads only loosely; no reference answer
            }
        }
        (None, Ok(balance)) => {
            prop_assert!(
                serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok(),
                "a balance from text that is not JSON: {shown}: {balance:?}"
            );
            Ok(())
        }
    }
}

// ---- Strategies ----------------------------------------------------------------------------

/// Numbers at the edges, all valid JSON number text.
const EDGE_NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-0.0",
    "0.000",
    "0e400",
    "1",
    "-1",
    "0.1",
    "12.50",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "1e309",
    "1e400",
    "-1e400",
    "1e-400",
    "5e-324",
    "2.2250738585072014e-308",
    "12345678901234567890",
    "-12345678901234567890",
    "99999999999999999999",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "79228162514264337593543950335",
    "79228162514264337593543950336",
    "-79228162514264337593543950335",
    "7.9228162514264337593543950335",
    "0.1234567890123456789012345678",
    "0.12345678901234567890123456789",
    "0.0000000000000000000000000001",
    "0.00000000000000000000000000001",
    "1e-28",
    "1e-29",
    "1e28",
    "1e29",
    "1E+2",
    "2.5e-3",
    "1.5E-0",
    "100e-30",
    "12.500000000000000000000000000000",
    "9.0000000000000000000000000000",
    "1000000000000000000000000000000000000000e-40",
    "1e-9223372036854775808",
    "1e9223372036854775807",
    "1e99999999999999999999",
];

fn digits(len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(0u8..10, len)
        .prop_map(|ds| ds.into_iter().map(|d| char::from(b'0' + d)).collect())
}

/// Any JSON number text: edges, machine integers, and generated decimals of up to 45
/// digits with exponents up to ±400 (leading zeros in the exponent too).
fn number() -> impl Strategy<Value = String> {
    let generated = (
        any::<bool>(),
        prop_oneof![
            Just("0".to_string()),
            (1u8..10, digits(0..30)).prop_map(|(d, rest)| format!("{d}{rest}"))
        ],
        prop::option::of(digits(1..35)),
        prop::option::of((
            prop::sample::select(vec!["e", "E"]),
            prop::sample::select(vec!["", "+", "-"]),
            prop_oneof![0u32..40, 0u32..400],
            any::<bool>(),
        )),
    )
        .prop_map(|(negative, int, frac, exp)| {
            let mut text = String::new();
            if negative {
                text.push('-');
            }
            text.push_str(&int);
            if let Some(frac) = frac {
                text.push('.');
                text.push_str(&frac);
            }
            if let Some((e, sign, value, padded)) = exp {
                let zero = if padded { "00" } else { "" };
                text.push_str(&format!("{e}{sign}{zero}{value}"));
            }
            text
        });
    prop_oneof![
        3 => prop::sample::select(EDGE_NUMBERS).prop_map(str::to_string),
        2 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<i128>().prop_map(|n| n.to_string()),
        1 => any::<u64>().prop_map(|n| n.to_string()),
        4 => generated,
    ]
}

/// Every field name of every vendor's balance body, and a few near misses.
const KEYS: &[&str] = &[
    "data",
    "creditsBalance",
    "activeUsageCost",
    "balanceCents",
    "totalGrantedCents",
    "totalUsedCents",
    "freeCreditsUsed",
    "balances",
    "usd",
    "diem",
    "canConsume",
    "consumptionCurrency",
    "diemEpochAllocation",
    "Data",
    "balance_cents",
    "",
    "deep",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_string),
        1 => any::<String>(),
    ]
}

fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "",
            "USD",
            "DIEM",
            "VCU",
            "BUNDLED_CREDITS",
            "usd",
            "12.5",
            "1250",
            "-0",
            "1e400",
            "null",
            "true",
            "NaN",
            "Infinity",
            "\u{0}",
            "é😀",
            "\u{FEFF}12",
        ])
        .prop_map(str::to_string),
        any::<String>(),
    ]
}

fn leaf() -> impl Strategy<Value = J> {
    prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        number().prop_map(J::Num),
        string().prop_map(J::Str),
        (
            any::<bool>(),
            prop_oneof![1u32..8, 100u32..200, 1000u32..5000]
        )
            .prop_map(|(object, depth)| J::Deep { object, depth }),
    ]
}

/// Arbitrary JSON, up to five levels, keys mostly the vendors' field names.
fn json() -> impl Strategy<Value = J> {
    leaf().prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(J::Arr),
            prop::collection::vec((key(), inner), 0..6).prop_map(J::Obj),
        ]
    })
}

/// One change to a body.
#[derive(Clone, Debug)]
enum Mutation {
    /// Drop the node from its parent.
    Remove,
    /// Replace the node with any JSON.
    Replace(J),
    /// Replace the node with a number (at the edges, usually).
    Number(String),
    /// Replace the node with a string, often a number's text.
    Text(String),
    /// Repeat the node's entry in its parent object, with another value.
    Duplicate(J),
    /// Add a field (any name) to the node if it is an object.
    Insert(String, J),
    /// The node's values as an array, positionally.
    AsArray,
    /// Wrap the node in an array.
    Wrap,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => Just(Mutation::Remove),
        2 => json().prop_map(Mutation::Replace),
        6 => number().prop_map(Mutation::Number),
        2 => prop_oneof![number(), string()].prop_map(Mutation::Text),
        1 => json().prop_map(Mutation::Duplicate),
        1 => (key(), json()).prop_map(|(k, v)| Mutation::Insert(k, v)),
        1 => Just(Mutation::AsArray),
        1 => Just(Mutation::Wrap),
    ]
}

fn apply(body: &mut J, at: Index, mutation: Mutation) {
    let paths = body.paths();
    let path = at.get(&paths).clone();
    match mutation {
        Mutation::Remove | Mutation::Duplicate(_) => {
            let Some((&last, parent)) = path.split_last() else {
                return;
            };
            match body.at_mut(parent) {
                J::Arr(items) => {
                    if let Mutation::Duplicate(value) = mutation {
                        items.insert(last, value);
                    } else {
                        items.remove(last);
                    }
                }
                J::Obj(entries) => {
                    if let Mutation::Duplicate(value) = mutation {
                        let key = entries[last].0.clone();
                        entries.push((key, value));
                    } else {
                        entries.remove(last);
                    }
                }
                _ => {}
            }
        }
        Mutation::Replace(value) => *body.at_mut(&path) = value,
        Mutation::Number(text) => *body.at_mut(&path) = J::Num(text),
        Mutation::Text(text) => *body.at_mut(&path) = J::Str(text),
        Mutation::Insert(key, value) => {
            if let J::Obj(entries) = body.at_mut(&path) {
                entries.push((key, value));
            }
        }
        Mutation::AsArray => {
            let node = body.at_mut(&path);
            if let J::Obj(entries) = node {
                let values = std::mem::take(entries).into_iter().map(|(_, v)| v);
                *node = J::Arr(values.collect());
            }
        }
        Mutation::Wrap => {
            let node = body.at_mut(&path);
            *node = J::Arr(vec![std::mem::replace(node, J::Null)]);
        }
    }
}

// ---- The documented examples ---------------------------------------------------------------

fn num(text: &str) -> J {
    J::Num(text.to_string())
}

fn obj(entries: Vec<(&str, J)>) -> J {
    J::Obj(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn example(provider: Provider) -> J {
    match provider {
        Provider::Runcrate => obj(vec![(
            "data",
            obj(vec![
                ("creditsBalance", num("12.5")),
                ("activeUsageCost", num("0.75")),
            ]),
        )]),
        Provider::NgrokAiGateway => obj(vec![("balanceCents", num("1234"))]),
        Provider::Runtools => obj(vec![(
            "data",
            obj(vec![
                ("balanceCents", num("1250")),
                ("totalGrantedCents", num("2500")),
                ("totalUsedCents", num("1250")),
                ("freeCreditsUsed", J::Bool(true)),
            ]),
        )]),
        Provider::Venice => obj(vec![
            ("canConsume", J::Bool(true)),
            ("consumptionCurrency", J::Str("DIEM".to_string())),
            (
                "balances",
                obj(vec![("diem", num("90.5")), ("usd", num("25"))]),
            ),
            ("diemEpochAllocation", num("100")),
        ]),
        other => panic!("no example for {other}"),
    }
}

/// The example with one to three mutations.
fn mutated(provider: Provider) -> impl Strategy<Value = J> {
    prop::collection::vec((any::<Index>(), mutation()), 1..4).prop_map(move |changes| {
        let mut body = example(provider);
        for (at, change) in changes {
            apply(&mut body, at, change);
        }
        body
    })
}

/// A value a field of the documented shape could plausibly hold, valid or not.
fn plausible() -> impl Strategy<Value = J> {
    prop_oneof![
        6 => number().prop_map(J::Num),
        3 => representable_number().prop_map(J::Num),
        2 => Just(J::Null),
        1 => any::<bool>().prop_map(J::Bool),
        1 => prop_oneof![number(), string()].prop_map(J::Str),
    ]
}

/// Numbers a decimal holds (mostly): up to 28 digits, small exponents.
fn representable_number() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        1u8..10,
        digits(0..14),
        prop::option::of(digits(1..14)),
        -30i32..30,
        any::<bool>(),
    )
        .prop_map(|(negative, first, int, frac, exp, with_exp)| {
            let sign = if negative { "-" } else { "" };
            let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
            let exp = if with_exp {
                format!("e{exp}")
            } else {
                String::new()
            };
            format!("{sign}{first}{int}{frac}{exp}")
        })
}

/// The example with each leaf kept or, half the time, replaced by a plausible value.
fn retyped(provider: Provider) -> impl Strategy<Value = J> {
    let example = example(provider);
    let leaves: Vec<Vec<usize>> = example
        .paths()
        .into_iter()
        .filter(|p| !matches!(example.clone().at_mut(p), J::Obj(_) | J::Arr(_)))
        .collect();
    prop::collection::vec(prop::option::of(plausible()), leaves.len()).prop_map(move |values| {
        let mut body = example.clone();
        for (path, value) in leaves.iter().zip(values) {
            if let Some(value) = value {
                *body.at_mut(path) = value;
            }
        }
        body
    })
}

/// The example's text cut short or with a byte changed, inserted or removed.
fn damaged(provider: Provider) -> impl Strategy<Value = Vec<u8>> {
    let text = example(provider).text().into_bytes();
    let len = text.len();
    (0usize..4, any::<Index>(), any::<u8>()).prop_map(move |(how, at, byte)| {
        let mut bytes = text.clone();
        let i = at.index(len);
        match how {
            0 => bytes.truncate(i),
            1 => bytes[i] = byte,
            2 => bytes.insert(i, byte),
            _ => {
                bytes.remove(i);
            }
        }
        bytes
    })
}

// ---- The properties --------------------------------------------------------------------------

#[test]
fn the_documented_examples_decode_exactly() {
    for &provider in Provider::ALL {
        let body = example(provider);
        check(provider, body.text().as_bytes(), Some(&body)).unwrap();
        assert!(decode::balance(provider, body.text().as_bytes()).is_ok());
    }
}

#[test]
fn every_edge_value_in_every_field_is_exact_or_undecodable() {
    // Each leaf of each example set to each edge number (as a number and as a string), to
    // null, true, false, {} and [], and removed.
    for &provider in Provider::ALL {
        let example = example(provider);
        for path in example.paths() {
            if matches!(example.clone().at_mut(&path), J::Obj(_) | J::Arr(_)) {
                continue;
            }
            let mut values = vec![
                J::Null,
                J::Bool(true),
                J::Bool(false),
                J::Obj(Vec::new()),
                J::Arr(Vec::new()),
            ];
            for text in EDGE_NUMBERS {
                values.push(J::Num(text.to_string()));
                values.push(J::Str(text.to_string()));
            }
            for value in values {
                let mut body = example.clone();
                *body.at_mut(&path) = value;
                check(provider, body.text().as_bytes(), Some(&body))
                    .unwrap_or_else(|e| panic!("{provider}: {}: {e}", body.text()));
            }
            let mut body = example.clone();
            let (&last, parent) = path.split_last().unwrap();
            if let J::Obj(entries) = body.at_mut(parent) {
                entries.remove(last);
            }
            check(provider, body.text().as_bytes(), Some(&body))
                .unwrap_or_else(|e| panic!("{provider}: {}: {e}", body.text()));
        }
    }
}

#[test]
fn twenty_digit_and_zero_padded_amounts_are_exact_not_rounded() {
    let body = br#"{"data":{"creditsBalance":12345678901234567890,"activeUsageCost":-0}}"#;
    let balance = decode::runcrate(body).unwrap();
    assert_eq!(
        balance.available[0].value.to_string(),
        "12345678901234567890"
    );
    assert!(balance.accruing.unwrap().value.is_zero());
    let long = format!(
        r#"{{"canConsume":true,"consumptionCurrency":"USD","balances":{{"diem":null,"usd":12.5{}}},"diemEpochAllocation":1e2}}"#,
        "0".repeat(30)
    );
    let balance = decode::venice(long.as_bytes()).unwrap();
    assert_eq!(balance.available[0].value.to_string(), "12.5");
    assert_eq!(balance.allocation.unwrap().value.to_string(), "100");
    // One digit too many is an error, not a rounded value.
    let body =
        br#"{"data":{"creditsBalance":0.12345678901234567890123456789,"activeUsageCost":0}}"#;
    assert!(
        decode::runcrate(body).is_err_and(|e| e.kind() == ErrorKind::Undecodable
            && e.provider() == Provider::Runcrate
            && e.status() == Some(200)
            && e.detail().is_some_and(|d| d.contains("creditsBalance")))
    );
    // Cents beyond i64 and `-0` (a float to serde_json) are not cents.
    for cents in ["9223372036854775808", "-0", "12.0", "1e3"] {
        let body = format!(r#"{{"balanceCents":{cents}}}"#);
        assert!(
            decode::ngrok_ai_gateway(body.as_bytes())
                .is_err_and(|e| e.kind() == ErrorKind::Undecodable),
            "{cents}"
        );
    }
}

#[test]
fn nesting_far_beyond_the_recursion_limit_is_an_error_or_skipped() {
    for &provider in Provider::ALL {
        for object in [false, true] {
            let deep = J::Deep {
                object,
                depth: 100_000,
            };
            // As the whole body, and as a field's value.
            let mut in_field = example(provider);
            if let J::Obj(entries) = &mut in_field {
                entries[0].1 = deep.clone();
            }
            let mut unknown = example(provider);
            if let J::Obj(entries) = &mut unknown {
                entries.push(("padding".to_string(), deep.clone()));
            }
            for body in [deep.clone(), in_field, unknown] {
                check(provider, body.text().as_bytes(), Some(&body)).unwrap();
            }
        }
    }
}

#[test]
fn a_plan_that_does_not_decode_only_adds_a_note() {
    let credits = example(Provider::Runtools).text();
    let without = decode::runtools(credits.as_bytes(), None).unwrap();
    for plan in [
        &b"{\"data\":{\"plan\":\"free\"}}"[..],
        b"{\"data\":{\"plan\":7}}",
        b"{\"data\":{\"orgId\":\"not-a-uuid\"}}",
        b"[[[[",
        b"",
    ] {
        let with = decode::runtools(credits.as_bytes(), Some(plan)).unwrap();
        assert_eq!(with.available, without.available);
        assert_eq!(with.granted, without.granted);
        assert!(
            with.plan.as_deref() == Some("free") || with.notes.iter().any(|n| n.contains("plan")),
            "{with:?}"
        );
    }
}

macro_rules! vendor_properties {
    ($name:ident, $provider:expr) => {
        mod $name {
            use super::*;

            proptest! {
                #![proptest_config(config())]

                #[test]
                fn arbitrary_json_is_a_correct_balance_or_undecodable(body in json()) {
                    check($provider, body.text().as_bytes(), Some(&body))?;
                }

                #[test]
                fn the_mutated_example_is_a_correct_balance_or_undecodable(body in mutated($provider)) {
                    check($provider, body.text().as_bytes(), Some(&body))?;
                }

                #[test]
                fn the_retyped_example_is_a_correct_balance_or_undecodable(body in retyped($provider)) {
                    check($provider, body.text().as_bytes(), Some(&body))?;
                }

                #[test]
                fn the_damaged_example_is_a_correct_balance_or_undecodable(bytes in damaged($provider)) {
                    check($provider, &bytes, None)?;
                }

                #[test]
                fn arbitrary_bytes_are_undecodable_never_a_panic(
                    bytes in prop::collection::vec(any::<u8>(), 0..512)
                ) {
                    check($provider, &bytes, None)?;
                }
            }
        }
    };
}

vendor_properties!(runcrate, Provider::Runcrate);
vendor_properties!(ngrok_ai_gateway, Provider::NgrokAiGateway);
vendor_properties!(runtools, Provider::Runtools);
vendor_properties!(venice, Provider::Venice);

proptest! {
    #![proptest_config(config())]

    /// runtools with any plan body: the balance is the credits' alone.
    #[test]
    fn runtools_plan_bodies_never_change_the_balance(plan in json(), credits in mutated(Provider::Runtools)) {
        let credits_text = credits.text();
        let alone = decode::runtools(credits_text.as_bytes(), None);
        let with = decode::runtools(credits_text.as_bytes(), Some(plan.text().as_bytes()));
        match (&alone, &with) {
            (Ok(a), Ok(w)) => {
                prop_assert_eq!(&a.available, &w.available);
                prop_assert_eq!(&a.granted, &w.granted);
                prop_assert_eq!(&a.used, &w.used);
            }
            (Err(a), Err(w)) => prop_assert_eq!(a.to_string(), w.to_string()),
            _ => prop_assert!(false, "{:?} vs {:?}", alone, with),
        }
    }
}
