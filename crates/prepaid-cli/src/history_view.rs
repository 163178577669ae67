//! `prepaid history`: the recorded balances as a table with a trend line per account and
//! unit, as JSON, or as CSV. Long spans are bucketed: each series shows at most
//! [`POINTS`] points, each the last sample of its stretch of time.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::cli::Format;
use crate::history::Series;
use crate::table;

/// The most points a series shows in JSON or CSV.
const POINTS: usize = 500;
/// The characters of the trend line in the table.
const WIDTH: usize = 24;
/// The trend line's levels, lowest first.
const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// At most `points` samples of `samples` (oldest first): the span cut into `points` equal
/// stretches, the last sample of each stretch that has one.
pub fn bucket(
    samples: &[(DateTime<Utc>, Decimal)],
    points: usize,
) -> Vec<(DateTime<Utc>, Decimal)> {
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
        return Vec::new();
    };
    if samples.len() <= points || points == 0 {
        return samples.to_vec();
    }
    let span = (last.0 - first.0).num_milliseconds().max(1);
    let mut out: Vec<(usize, (DateTime<Utc>, Decimal))> = Vec::with_capacity(points);
    for sample in samples {
        let offset = (sample.0 - first.0).num_milliseconds();
        let stretch = usize::try_from(
            i128::from(offset) * i128::try_from(points - 1).unwrap_or(0) / i128::from(span),
        )
        .unwrap_or(points - 1);
        match out.last_mut() {
            Some((last_stretch, kept)) if *last_stretch == stretch => *kept = *sample,
            _ => out.push((stretch, *sample)),
        }
    }
    out.into_iter().map(|(_, sample)| sample).collect()
}

/// A trend line of `samples` (already bucketed to the width): each value's level between the
/// series' lowest and highest, computed on the decimals.
pub fn sparkline(samples: &[(DateTime<Utc>, Decimal)]) -> String {
    let values: Vec<Decimal> = samples.iter().map(|(_, v)| *v).collect();
    let (Some(low), Some(high)) = (values.iter().min(), values.iter().max()) else {
        return String::new();
    };
    let range = *high - *low;
    values
        .iter()
        .map(|value| {
            if range.is_zero() {
                return LEVELS[LEVELS.len() / 2];
            }
            let level = ((*value - *low) * Decimal::from(LEVELS.len() - 1) / range).round();
            let level = usize::try_from(level.mantissa())
                .unwrap_or(0)
                .min(LEVELS.len() - 1);
            LEVELS[level]
        })
        .collect()
}

/// `prepaid history --format json`: versioned like `--format json`.
#[derive(Serialize)]
struct HistoryDocument<'a> {
    version: u32,
    series: Vec<JsonSeries<'a>>,
}

#[derive(Serialize)]
struct JsonSeries<'a> {
    provider: &'a str,
    account: &'a str,
    unit: &'a str,
    samples: Vec<JsonSample>,
}

#[derive(Serialize)]
struct JsonSample {
    at: DateTime<Utc>,
    /// Exact, as a string (as the balances are).
    amount: String,
}

/// `series` in `format` (table, JSON or CSV; the caller refuses Prometheus), or why the
/// JSON could not be written.
pub fn render(series: &[Series], format: Format) -> Result<String, String> {
    match format {
        Format::Json => {
            let out: Vec<JsonSeries<'_>> = series
                .iter()
                .map(|s| JsonSeries {
                    provider: &s.provider,
                    account: &s.account,
                    unit: &s.unit,
                    samples: bucket(&s.samples, POINTS)
                        .into_iter()
                        .map(|(at, amount)| JsonSample {
                            at,
                            amount: amount.to_string(),
                        })
                        .collect(),
                })
                .collect();
            let document = HistoryDocument {
                version: crate::report::JSON_VERSION,
                series: out,
            };
            let mut text = serde_json::to_string_pretty(&document)
                .map_err(|error| format!("cannot write the JSON document: {error}"))?;
            text.push('\n');
            Ok(text)
        }
        Format::Csv => {
            let mut text = String::from("provider,account,unit,at,amount\n");
            for s in series {
                for (at, amount) in bucket(&s.samples, POINTS) {
                    text.push_str(&format!(
                        "{},{},{},{},{amount}\n",
                        csv_field(&s.provider),
                        csv_field(&s.account),
                        csv_field(&s.unit),
                        at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    ));
                }
            }
            Ok(text)
        }
        Format::Table | Format::Prometheus => {
            let mut rows = vec![
                [
                    "ACCOUNT", "UNIT", "FIRST", "LAST", "CHANGE", "SAMPLES", "TREND",
                ]
                .map(String::from)
                .to_vec(),
            ];
            for s in series {
                let (Some((_, first)), Some((_, last))) = (s.samples.first(), s.samples.last())
                else {
                    continue;
                };
                let account = if s.account == s.provider {
                    s.account.clone()
                } else {
                    format!("{}/{}", s.provider, s.account)
                };
                rows.push(vec![
                    account,
                    s.unit.clone(),
                    first.to_string(),
                    last.to_string(),
                    format!("{:+}", (*last - *first).normalize()),
                    s.samples.len().to_string(),
                    sparkline(&bucket(&s.samples, WIDTH)),
                ]);
            }
            if rows.len() == 1 {
                return Ok("nothing recorded in that span\n".into());
            }
            Ok(table::align(&rows, &[2, 3, 4, 5]))
        }
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone as _};

    fn series(values: &[&str]) -> Vec<(DateTime<Utc>, Decimal)> {
        let start = Utc
            .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
            .single()
            .unwrap_or_default();
        values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let minutes = i64::try_from(i).unwrap_or(0) * 5;
                let value = Decimal::from_str_exact(v).unwrap_or_default();
                (start + TimeDelta::minutes(minutes), value)
            })
            .collect()
    }

    #[test]
    fn long_spans_are_bucketed_keeping_each_stretch_last_sample() {
        let values: Vec<String> = (0..1000).map(|i| (1000 - i).to_string()).collect();
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        let samples = series(&values);
        let bucketed = bucket(&samples, 10);
        assert!(bucketed.len() <= 10, "{}", bucketed.len());
        assert_eq!(bucketed.last(), samples.last(), "the newest sample stays");
        assert!(bucketed.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(bucket(&samples[..5], 10), samples[..5].to_vec());
    }

    #[test]
    fn the_trend_line_spans_lowest_to_highest() {
        assert_eq!(
            sparkline(&series(&["0", "1", "2", "3", "4", "5", "6", "7"])),
            "▁▂▃▄▅▆▇█"
        );
        assert_eq!(sparkline(&series(&["10", "5", "0"])), "█▅▁");
        assert_eq!(sparkline(&series(&["2.5", "2.5"])), "▅▅");
        assert_eq!(sparkline(&[]), "");
    }

    #[test]
    fn every_format_shows_the_amounts_exactly() -> Result<(), String> {
        let recorded = vec![Series {
            provider: "venice".into(),
            account: "search, prod".into(),
            unit: "USD".into(),
            samples: series(&["30.10", "29.05", "12345678901234567890.12"]),
        }];
        let csv = render(&recorded, Format::Csv)?;
        assert!(
            csv.contains(
                "venice,\"search, prod\",USD,2026-11-01T00:10:00Z,12345678901234567890.12\n"
            ),
            "{csv}"
        );
        let json = render(&recorded, Format::Json)?;
        assert!(
            json.contains("\"amount\": \"12345678901234567890.12\""),
            "{json}"
        );
        assert!(json.starts_with("{\n  \"version\": 1,\n"), "{json}");
        let table = render(&recorded, Format::Table)?;
        assert!(table.contains("venice/search, prod  USD"), "{table}");
        assert!(table.contains("+12345678901234567860.02"), "{table}");
        assert_eq!(
            render(&[], Format::Table)?,
            "nothing recorded in that span\n"
        );
        Ok(())
    }
}
