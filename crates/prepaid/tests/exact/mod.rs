//! Exact numbers, read independently of the facade's money module, and the exact body: the
//! reference both the property tests (`tests/hostile_json.rs`) and the fuzz targets
//! (`fuzz/src/lib.rs`, which includes this file by path) check balances against.

/// A JSON number's exact value: sign, digits without leading or trailing zeros, and the
/// power of ten of the last digit (zero is `(false, "", 0)`), scaled by 10^`shift`.
pub fn canonical(text: &str, shift: i64) -> (bool, String, i64) {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => {
            let exponent = &rest[i + 1..];
            let saturated = if exponent.starts_with('-') {
                i64::MIN
            } else {
                i64::MAX
            };
            (&rest[..i], exponent.parse::<i64>().unwrap_or(saturated))
        }
        None => (rest, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = format!("{int}{frac}");
    let digits = all.trim_start_matches('0');
    let trimmed = digits.trim_end_matches('0');
    if trimmed.is_empty() {
        return (false, String::new(), 0);
    }
    let zeros = i64::try_from(digits.len() - trimmed.len()).unwrap_or(i64::MAX);
    let frac_len = i64::try_from(frac.len()).unwrap_or(i64::MAX);
    let exponent = exponent
        .saturating_sub(frac_len)
        .saturating_add(zeros)
        .saturating_add(shift);
    (negative, trimmed.to_string(), exponent)
}

/// Whether `amount` is exactly the number `text` × 10^`shift`.
pub fn exactly(amount: &rust_decimal::Decimal, text: &str, shift: i64) -> bool {
    let decimal_text = format!("{}e-{}", amount.mantissa(), amount.scale());
    canonical(&decimal_text, 0) == canonical(text, shift)
}

/// Whether the number `text` is greater than zero.
pub fn positive(text: &str) -> bool {
    let (negative, digits, _) = canonical(text, 0);
    !negative && !digits.is_empty()
}

/// Why `raw`, the `source.raw` of a balance decoded from `body`, is not the body as sent.
/// The facade keeps a decoded body without a second JSON check (the generated type's parse
/// was one), so it must be the very text, and JSON, whenever it is UTF-8 (else `null`).
pub fn kept_as_sent(body: &[u8], raw: &str) -> Result<(), String> {
    let want =
        std::str::from_utf8(body).map_err(|_| "decoded a body that is not UTF-8".to_string())?;
    if raw != want {
        return Err(format!("kept {raw:?}, not the body as sent"));
    }
    serde_json::from_str::<serde::de::IgnoredAny>(raw)
        .map(|_| ())
        .map_err(|e| format!("kept a body that is not JSON: {e}"))
}
