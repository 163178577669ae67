//! Exact money conversions: a vendor's JSON number text or integer cents to a [`Decimal`],
//! never through `f64`, never rounded.

use std::fmt;

use rust_decimal::Decimal;

/// Why a JSON number cannot be held exactly by a [`Decimal`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InexactNumber {
    /// The number's text, cut to 64 characters.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for InexactNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the number `{}` {}", self.text, self.reason)
    }
}

impl std::error::Error for InexactNumber {}

/// The largest exponent magnitude worth expanding: a `Decimal` has at most 29 digits and a
/// scale of at most 28, so anything further out cannot be held (unless it is zero).
const MAX_EXPONENT: i64 = 64;

/// `cents` as an exact decimal amount: `1234` is exactly `12.34`.
pub fn from_cents(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

/// The exact value of a JSON number's text (`12.34`, `-5`, `1e2`, `2.5E-3`).
///
/// Plain decimals go through [`Decimal::from_str_exact`]; scientific notation is expanded
/// digit by digit into a plain decimal first, so nothing is ever rounded. The text's own
/// scale is kept (`12.50` stays `12.50`) unless only zeros make it too long for a decimal
/// (`1.000…0` with 30 places, `100e-30`): then the same value without those zeros. Every
/// result is re-checked against the input's significant digits. A value a `Decimal` cannot
/// hold exactly (too large, like `1e400`, or more than 28 decimal places) is an error.
pub fn parse_exact(text: &str) -> Result<Decimal, InexactNumber> {
    match parse_plain(text) {
        Some(value) => Ok(value),
        None => parse_general(text),
    }
}

/// The common case without allocating: a plain decimal (no exponent) of at most 28 digits,
/// which a `Decimal` always holds exactly at the text's own scale (`10^28 < 2^96`). `None`
/// for anything else, which [`parse_general`] decides.
fn parse_plain(text: &str) -> Option<Decimal> {
    const MAX_DIGITS: usize = 28;
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let has_point = int.len() < rest.len();
    let leading_zero = int.len() > 1 && int.starts_with('0');
    if int.is_empty() || leading_zero || (has_point && frac.is_empty()) {
        return None;
    }
    let int_digits = if int == "0" { 0 } else { int.len() };
    if int_digits + frac.len() > MAX_DIGITS {
        return None;
    }
    let mut mantissa: i128 = 0;
    for byte in int.bytes().chain(frac.bytes()) {
        if !byte.is_ascii_digit() {
            return None;
        }
        mantissa = mantissa * 10 + i128::from(byte - b'0');
    }
    if mantissa == 0 {
        return Some(Decimal::ZERO);
    }
    let scale = u32::try_from(frac.len()).ok()?;
    let signed = if negative { -mantissa } else { mantissa };
    Decimal::try_from_i128_with_scale(signed, scale).ok()
}

/// Any JSON number, scientific notation included, expanded digit by digit (see
/// [`parse_exact`]).
fn parse_general(text: &str) -> Result<Decimal, InexactNumber> {
    let fail = |reason| InexactNumber {
        text: text.chars().take(64).collect(),
        reason,
    };
    let parts = JsonNumber::parse(text).ok_or_else(|| fail("is not a JSON number"))?;
    if parts.digits.bytes().all(|b| b == b'0') {
        return Ok(Decimal::ZERO);
    }
    let fewest = parts.without_trailing_zeros();
    if fewest.exponent.unsigned_abs() > MAX_EXPONENT as u64 {
        return Err(fail("is out of the range a decimal can hold exactly"));
    }
    parts
        .to_decimal()
        .or_else(|| fewest.to_decimal())
        .ok_or_else(|| fail("has more digits than a decimal can hold exactly"))
}

/// A JSON number split into sign, digits (integer and fraction, no point) and the power of
/// ten the last digit stands for.
struct JsonNumber {
    negative: bool,
    digits: String,
    /// The value is `digits × 10^exponent`.
    exponent: i64,
}

impl JsonNumber {
    /// Parse JSON's grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn parse(text: &str) -> Option<Self> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, exp) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (int, frac) = match mantissa.split_once('.') {
            Some((int, frac)) => (int, frac),
            None => (mantissa, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || !all_digits(int) || (int.len() > 1 && int.starts_with('0')) {
            return None;
        }
        if mantissa.contains('.') && (frac.is_empty() || !all_digits(frac)) {
            return None;
        }
        let exp: i64 = match exp {
            None => 0,
            Some(e) => {
                let unsigned = e.strip_prefix(['+', '-']).unwrap_or(e);
                if unsigned.is_empty() || !all_digits(unsigned) {
                    return None;
                }
                // An exponent too long for i64 is certainly out of range: saturate.
                e.parse().unwrap_or(if e.starts_with('-') {
                    i64::MIN
                } else {
                    i64::MAX
                })
            }
        };
        let frac_len = i64::try_from(frac.len()).ok()?;
        Some(Self {
            negative,
            digits: format!("{int}{frac}"),
            exponent: exp.saturating_sub(frac_len),
        })
    }

    /// The same value with the trailing zeros of its digits moved into the exponent
    /// (`1.500` → `15 × 10^-1`).
    fn without_trailing_zeros(&self) -> Self {
        let digits = self.digits.trim_end_matches('0');
        let zeros = i64::try_from(self.digits.len() - digits.len()).unwrap_or(i64::MAX);
        Self {
            negative: self.negative,
            digits: digits.to_string(),
            exponent: self.exponent.saturating_add(zeros),
        }
    }

    /// The exact decimal of these digits at this exponent, if a `Decimal` holds it.
    fn to_decimal(&self) -> Option<Decimal> {
        if self.exponent.unsigned_abs() > MAX_EXPONENT as u64 {
            return None;
        }
        let plain = self.to_plain();
        let value = Decimal::from_str_exact(&plain).ok()?;
        // Belt and braces: the decimal must carry exactly the digits we were given.
        (canonical(&value.normalize().to_string()) == canonical(&plain)).then_some(value)
    }

    /// The same value written without an exponent, e.g. `1.5e2` → `150`, `25e-3` → `0.025`.
    fn to_plain(&self) -> String {
        let sign = if self.negative { "-" } else { "" };
        let digits = self.digits.trim_start_matches('0');
        let digits = if digits.is_empty() { "0" } else { digits };
        let exponent = self.exponent;
        if exponent >= 0 {
            let zeros = "0".repeat(usize::try_from(exponent).unwrap_or(0));
            format!("{sign}{digits}{zeros}")
        } else {
            let places = usize::try_from(exponent.unsigned_abs()).unwrap_or(usize::MAX);
            if digits.len() > places {
                let (int, frac) = digits.split_at(digits.len() - places);
                format!("{sign}{int}.{frac}")
            } else {
                format!("{sign}0.{}{digits}", "0".repeat(places - digits.len()))
            }
        }
    }
}

/// A plain decimal's text with leading integer zeros and trailing fraction zeros removed,
/// and no sign on zero: two texts are the same number exactly when these are equal.
fn canonical(plain: &str) -> String {
    let (negative, rest) = match plain.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, plain),
    };
    let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let body = if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    };
    if negative && body != "0" {
        format!("-{body}")
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn plain_decimals_are_exact() {
        assert_eq!(
            parse_exact("0.1").unwrap() + parse_exact("0.2").unwrap(),
            dec("0.3")
        );
        assert_eq!(parse_exact("25").unwrap(), dec("25"));
        assert_eq!(parse_exact("90.5").unwrap().to_string(), "90.5");
        assert_eq!(
            parse_exact("1234567890123.45").unwrap().to_string(),
            "1234567890123.45"
        );
        assert_eq!(parse_exact("-12.5").unwrap(), dec("-12.5"));
        assert_eq!(parse_exact("12.50").unwrap().to_string(), "12.50");
        assert_eq!(parse_exact("0").unwrap(), Decimal::ZERO);
        assert_eq!(
            parse_exact("0.1234567890123456789012345678")
                .unwrap()
                .to_string(),
            "0.1234567890123456789012345678"
        );
    }

    #[test]
    fn scientific_notation_is_expanded_exactly() {
        assert_eq!(parse_exact("1e2").unwrap(), dec("100"));
        assert_eq!(parse_exact("1.5E+2").unwrap(), dec("150"));
        assert_eq!(parse_exact("25e-3").unwrap(), dec("0.025"));
        assert_eq!(parse_exact("-2.5e-1").unwrap(), dec("-0.25"));
        assert_eq!(
            parse_exact("1e-28").unwrap(),
            dec("0.0000000000000000000000000001")
        );
        assert_eq!(parse_exact("0e400").unwrap(), Decimal::ZERO);
        assert_eq!(parse_exact("123.456e1").unwrap(), dec("1234.56"));
        assert_eq!(parse_exact("1.5e1").unwrap(), dec("15"));
        assert_eq!(parse_exact("0.05").unwrap().to_string(), "0.05");
    }

    #[test]
    fn zeros_a_decimal_cannot_hold_are_dropped_not_the_value() {
        // Thirty places, all but one of them zeros: exactly 12.5.
        let long = format!("12.5{}", "0".repeat(29));
        assert_eq!(parse_exact(&long).unwrap(), dec("12.5"));
        // 28 places whose digits overflow 96 bits: exactly 9.
        let nine = format!("9.{}", "0".repeat(28));
        assert_eq!(parse_exact(&nine).unwrap(), dec("9"));
        assert_eq!(
            parse_exact("100e-30").unwrap(),
            dec("0.0000000000000000000000000001")
        );
        let one = format!("1{}e-100", "0".repeat(100));
        assert_eq!(parse_exact(&one).unwrap(), dec("1"));
        assert_eq!(parse_exact("-2.50000e64").unwrap_err().text, "-2.50000e64");
        // The text's scale is kept whenever a decimal holds it.
        assert_eq!(parse_exact("12.500").unwrap().to_string(), "12.500");
    }

    #[test]
    fn unrepresentable_numbers_are_errors_not_rounded() {
        for text in [
            "1e400",
            "-1e400",
            "1e-400",
            "1e29",
            "79228162514264337593543950336",
            "0.1234567890123456789012345678901",
            "1e-29",
            "9.9999999999999999999999999999",
            "1.00000000000000000000000000001",
            "1e99999999999999999999999",
            "1e65",
            "100e63",
            "9.0000000000000000000000000000001",
        ] {
            let error = parse_exact(text).expect_err(text);
            assert_eq!(error.text, text.chars().take(64).collect::<String>());
        }
    }

    #[test]
    fn non_numbers_are_errors() {
        for text in [
            "", "-", "abc", "1.", ".5", "01", "1e", "1e+", "+1", "1.2.3", "0x10", " 1",
        ] {
            assert!(parse_exact(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn the_plain_fast_path_agrees_with_the_general_parser() {
        let mut texts: Vec<String> = [
            "0",
            "-0",
            "0.00",
            "-0.000",
            "7",
            "-7",
            "12.50",
            "0.05",
            "-12.5",
            "90.5",
            "1234567890123.45",
            "0.1234567890123456789012345678",
            "9999999999999999999999999999",
            "-9999999999999999999999999999",
            "99999999999999.99999999999999",
            "0.0000000000000000000000000001",
        ]
        .map(str::to_string)
        .to_vec();
        // Every digit count up to the limit, with the point everywhere.
        for len in 1..=28 {
            let digits: String = (0..len).map(|i| char::from(b'1' + (i % 9) as u8)).collect();
            for point in 1..len {
                texts.push(format!("{}.{}", &digits[..point], &digits[point..]));
                texts.push(format!("-0.{digits}"));
            }
            texts.push(digits);
        }
        for text in &texts {
            let fast = parse_plain(text).unwrap_or_else(|| panic!("{text}: not plain"));
            let general = parse_general(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(fast, general, "{text}");
            assert_eq!(fast.to_string(), general.to_string(), "{text}: scale");
        }
        // What the fast path leaves to the general parser.
        for text in [
            "1e2",
            "1.",
            ".5",
            "01",
            "+1",
            "1.2.3",
            " 1",
            "",
            "-",
            "0x10",
            "0.12345678901234567890123456789",
            "79228162514264337593543950336",
            "1.0000000000000000000000000000",
        ] {
            assert_eq!(parse_plain(text), None, "{text}");
        }
    }

    #[test]
    fn cents_are_exact() {
        assert_eq!(from_cents(1234), dec("12.34"));
        assert_eq!(from_cents(1234).to_string(), "12.34");
        assert_eq!(from_cents(-5), dec("-0.05"));
        assert_eq!(from_cents(i64::MAX), dec("92233720368547758.07"));
    }
}
