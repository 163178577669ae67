//! `--format prometheus`: the text exposition format, for node exporter's textfile collector.

use std::fmt::Write as _;

use crate::report::Outcome;

/// One gauge family: name, help, and its samples (`labels`, value).
struct Family {
    name: &'static str,
    help: &'static str,
    samples: Vec<(String, String)>,
}

fn labels(pairs: &[(&str, &str)]) -> String {
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// A label value with `\`, `"` and newlines escaped, as the format requires.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Every gauge for `outcomes`. A failed provider keeps its `prepaid_fetch_success 0` and
/// duration series and has no balance series: a failure is never a zero balance.
pub fn render(outcomes: &[Outcome]) -> String {
    let mut families = [
        Family {
            name: "prepaid_balance",
            help: "Prepaid balance available, by provider and currency or unit.",
            samples: vec![],
        },
        Family {
            name: "prepaid_accruing_usage",
            help: "Usage accruing but not yet charged (Runcrate's active usage cost).",
            samples: vec![],
        },
        Family {
            name: "prepaid_granted",
            help: "All credit ever granted (runtools).",
            samples: vec![],
        },
        Family {
            name: "prepaid_used",
            help: "All credit ever used (runtools).",
            samples: vec![],
        },
        Family {
            name: "prepaid_allocation",
            help: "Allocation for the current epoch (Venice DIEM).",
            samples: vec![],
        },
        Family {
            name: "prepaid_can_consume",
            help: "1 if the account can consume now, 0 if not.",
            samples: vec![],
        },
        Family {
            name: "prepaid_fetch_success",
            help: "1 if the last fetch succeeded, 0 if it failed.",
            samples: vec![],
        },
        Family {
            name: "prepaid_fetch_duration_seconds",
            help: "How long the last fetch took, retries included.",
            samples: vec![],
        },
    ];
    for outcome in outcomes {
        let provider = outcome.provider.as_str();
        let success = outcome.result.is_ok();
        if let Ok(balance) = &outcome.result {
            for amount in &balance.available {
                families[0].samples.push((
                    labels(&[("provider", provider), ("currency", amount.unit.as_str())]),
                    amount.value.to_string(),
                ));
            }
            let optional = [
                (1, &balance.accruing),
                (2, &balance.granted),
                (3, &balance.used),
                (4, &balance.allocation),
            ];
            for (family, amount) in optional {
                if let Some(amount) = amount {
                    families[family].samples.push((
                        labels(&[("provider", provider), ("currency", amount.unit.as_str())]),
                        amount.value.to_string(),
                    ));
                }
            }
            if let Some(can) = balance.can_consume {
                families[5]
                    .samples
                    .push((labels(&[("provider", provider)]), u8::from(can).to_string()));
            }
        }
        families[6].samples.push((
            labels(&[("provider", provider)]),
            u8::from(success).to_string(),
        ));
        families[7].samples.push((
            labels(&[("provider", provider)]),
            format!("{:.3}", outcome.duration.as_secs_f64()),
        ));
    }
    let mut out = String::new();
    for family in families.iter().filter(|f| !f.samples.is_empty()) {
        let _ = writeln!(out, "# HELP {} {}", family.name, family.help);
        let _ = writeln!(out, "# TYPE {} gauge", family.name);
        for (labels, value) in &family.samples {
            let _ = writeln!(out, "{}{labels} {value}", family.name);
        }
    }
    out
}
