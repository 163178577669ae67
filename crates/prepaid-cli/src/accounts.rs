//! The accounts file (`--config`, default `prepaid.toml` in the platform's configuration
//! directory, never the current directory's): any number of accounts per vendor, each with
//! labels, a key from an environment variable or a file (never inline; a relative `key_file`
//! is relative to the accounts file), an optional base URL (on another host than the vendor's
//! documented one only with `allow_custom_host = true`), timeout and threshold. Every error
//! names the file, the line and the account.
//!
//! ```toml
//! concurrency = 64                 # requests in flight at once (default 64)
//!
//! [rate_limits]                    # requests per second, per vendor (default: none)
//! venice = 5
//!
//! [[accounts]]
//! provider = "venice"
//! name = "search"                  # unique per provider; default: the provider's name
//! key_env = "VENICE_SEARCH_KEY"    # or key_file = "/run/secrets/venice-search"
//! min = "50DIEM"                   # exit 1 / alert below this (optional)
//! min_hours = 24                   # exit 1 / alert if estimated to run out sooner (optional)
//! labels = { team = "search", env = "prod" }
//! ```

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use prepaid::{Provider, ProviderConfig};
use serde::Deserialize;

use rust_decimal::Decimal;

use crate::thresholds::{RunOutLimit, Threshold};

/// The accounts file, loaded and checked.
#[derive(Debug)]
pub struct AccountsFile {
    /// One configuration per account, in file order.
    pub accounts: Vec<ProviderConfig>,
    /// Per-account thresholds (`min`), keyed by provider and account name.
    pub thresholds: Vec<Threshold>,
    /// Per-account run-out limits (`min_hours`).
    pub run_out_limits: Vec<RunOutLimit>,
    /// Requests in flight at once, if the file sets it.
    pub concurrency: Option<usize>,
    /// Requests per second, per vendor.
    pub rate_limits: Vec<(Provider, NonZeroU32)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    concurrency: Option<usize>,
    #[serde(default)]
    rate_limits: BTreeMap<String, toml::Spanned<u32>>,
    #[serde(default)]
    accounts: Vec<toml::Spanned<RawAccount>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccount {
    provider: String,
    name: Option<String>,
    key_env: Option<String>,
    key_file: Option<String>,
    /// Only to refuse it with a clear message.
    key: Option<toml::Value>,
    /// Only to refuse it with a clear message.
    api_key: Option<toml::Value>,
    base_url: Option<String>,
    /// Send this account's key to a `base_url` on another host than the vendor's.
    #[serde(default)]
    allow_custom_host: bool,
    timeout: Option<String>,
    min: Option<String>,
    min_hours: Option<toml::Value>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

/// Label names the metrics use themselves.
const RESERVED_LABELS: [&str; 3] = ["provider", "account", "currency"];

/// Where the accounts file is read from when `--config` names none: `prepaid.toml` in the
/// platform's configuration directory (`$XDG_CONFIG_HOME/prepaid/`, or
/// `~/.config/prepaid/` on Linux), if there is one.
pub fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("prepaid").join("prepaid.toml"))
}

/// Load `path`, reading keys through `var` (the process environment, in the command).
pub fn load(path: &Path, var: impl Fn(&str) -> Option<String>) -> Result<AccountsFile, String> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{file}: cannot read: {e}"))?;
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let raw: RawFile = toml::from_str(&text).map_err(|e| {
        let line = e.span().map_or(1, |span| line_of(span.start));
        format!("{file}:{line}: {}", e.message())
    })?;
    if raw.concurrency == Some(0) {
        return Err(format!("{file}: concurrency must be at least 1"));
    }
    let mut rate_limits = Vec::new();
    for (name, per_second) in &raw.rate_limits {
        let line = line_of(per_second.span().start);
        let provider: Provider = name
            .parse()
            .map_err(|e| format!("{file}:{line}: rate_limits: {e}"))?;
        let per_second = NonZeroU32::new(*per_second.get_ref()).ok_or_else(|| {
            format!("{file}:{line}: rate_limits.{name} must be at least 1 request a second")
        })?;
        rate_limits.push((provider, per_second));
    }
    let mut accounts = Vec::new();
    let mut thresholds = Vec::new();
    let mut run_out_limits = Vec::new();
    for (index, spanned) in raw.accounts.iter().enumerate() {
        let line = line_of(spanned.span().start);
        let raw = spanned.get_ref();
        let label = format!(
            "account #{} ({}{})",
            index + 1,
            raw.provider,
            raw.name
                .as_ref()
                .map(|n| format!("/{n}"))
                .unwrap_or_default()
        );
        let at = |message: String| format!("{file}:{line}: {label}: {message}");
        let folder = path.parent().unwrap_or(Path::new("."));
        let (config, threshold) = account(raw, folder, &var).map_err(at)?;
        if let Some(hours) = &raw.min_hours {
            run_out_limits.push(RunOutLimit {
                provider: Some(config.provider()),
                account: Some(config.account_name().to_string()),
                hours: hours_of(hours).map_err(at)?,
            });
        }
        accounts.push(config);
        thresholds.extend(threshold);
    }
    Ok(AccountsFile {
        accounts,
        thresholds,
        run_out_limits,
        concurrency: raw.concurrency,
        rate_limits,
    })
}

/// `min_hours = 24` (or `"1.5"`, or `1.5`): a number of hours, read exactly.
fn hours_of(value: &toml::Value) -> Result<Decimal, String> {
    let hours = match value {
        toml::Value::Integer(hours) => Some(Decimal::from(*hours)),
        toml::Value::String(text) => Decimal::from_str_exact(text.trim()).ok(),
        toml::Value::Float(hours) => Decimal::from_str_exact(&hours.to_string()).ok(),
        _ => None,
    };
    match hours {
        Some(hours) if hours > Decimal::ZERO => Ok(hours),
        _ => Err(format!(
            "min_hours `{value}`: a number of hours above zero, e.g. 24"
        )),
    }
}

/// One account; `folder` is the accounts file's, which a relative `key_file` is read from.
fn account(
    raw: &RawAccount,
    folder: &Path,
    var: &impl Fn(&str) -> Option<String>,
) -> Result<(ProviderConfig, Option<Threshold>), String> {
    let provider: Provider = raw
        .provider
        .parse()
        .map_err(|e: prepaid::UnknownProvider| e.to_string())?;
    if raw.key.is_some() || raw.api_key.is_some() {
        return Err("keys are never written in this file: use key_env (a variable's name) or key_file (a path)".into());
    }
    let key = match (&raw.key_env, &raw.key_file) {
        (Some(name), None) => {
            var(name).ok_or_else(|| format!("key_env: the variable {name} is not set"))?
        }
        (None, Some(path)) => std::fs::read_to_string(folder.join(path))
            .map_err(|e| format!("key_file: cannot read {path}: {e}"))?
            .trim_end_matches(['\n', '\r'])
            .to_string(),
        (Some(_), Some(_)) => return Err("give key_env or key_file, not both".into()),
        (None, None) => {
            return Err("no key: give key_env (a variable's name) or key_file (a path)".into());
        }
    };
    let mut config = ProviderConfig::new(provider, key);
    if let Some(name) = &raw.name {
        if name.is_empty() {
            return Err("name must not be empty".into());
        }
        config = config.name(name.clone());
    }
    if let Some(url) = &raw.base_url {
        if !raw.allow_custom_host {
            documented_host(provider, url)?;
        }
        config = config.base_url(url.clone());
    } else if raw.allow_custom_host {
        return Err("allow_custom_host without a base_url".into());
    }
    if let Some(timeout) = &raw.timeout {
        let timeout: Duration =
            humantime::parse_duration(timeout).map_err(|e| format!("timeout `{timeout}`: {e}"))?;
        config = config.timeout(timeout);
    }
    for (name, value) in &raw.labels {
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with("__");
        if !valid || RESERVED_LABELS.contains(&name.as_str()) {
            return Err(format!(
                "label `{name}`: a label name is letters, digits and `_`, not starting with a digit or `__`, and not {}",
                RESERVED_LABELS.join(", ")
            ));
        }
        config = config.label(name.clone(), value.clone());
    }
    let threshold = match &raw.min {
        Some(min) => {
            let mut threshold: Threshold = format!("{provider}={min}").parse()?;
            threshold.account = Some(config.account_name().to_string());
            Some(threshold)
        }
        None => None,
    };
    Ok((config, threshold))
}

/// Whether `url` is on `provider`'s documented host (or a loopback host, for tests and
/// local mocks); an error saying how to allow it if not. A checkout of someone else's
/// repository cannot send a key elsewhere without the file saying so in plain words.
fn documented_host(provider: Provider, url: &str) -> Result<(), String> {
    let host_of = |text: &str| {
        text.parse::<hyper::Uri>()
            .ok()
            .and_then(|uri| uri.host().map(str::to_ascii_lowercase))
    };
    // Fail closed: a text this parser reads no host from (an internationalized host, a
    // backslash) may still be a URL to the HTTP client, which would send the key there.
    let Some(host) = host_of(url) else {
        return Err(format!(
            "base_url `{url}` has no host this check can read (ASCII only): set allow_custom_host = true on this account to send its key there"
        ));
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host == "localhost"
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let documented = provider.default_base_url().and_then(host_of);
    if loopback || documented.as_deref() == Some(host.as_str()) {
        return Ok(());
    }
    Err(format!(
        "base_url `{url}` is not on {provider}'s documented host ({}): set allow_custom_host = true on this account to send its key there",
        documented.as_deref().unwrap_or("none in this build")
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn load_text(text: &str, var: impl Fn(&str) -> Option<String>) -> Result<AccountsFile, String> {
        let dir = std::env::temp_dir().join(format!(
            "prepaid-accounts-{}-{}",
            std::process::id(),
            fastrand_like(text)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("prepaid.toml");
        std::fs::write(&path, text).unwrap();
        let result =
            load(&path, var).map_err(|e| e.replace(&path.display().to_string(), "prepaid.toml"));
        let _ = std::fs::remove_dir_all(&dir);
        result
    }

    fn fastrand_like(text: &str) -> usize {
        text.len() * 31 + text.bytes().map(usize::from).sum::<usize>()
    }

    fn env(name: &str) -> Option<String> {
        (name == "SEARCH_KEY").then(|| "sk-search".to_string())
    }

    #[test]
    fn accounts_load_with_names_labels_thresholds_and_limits() {
        let file = load_text(
            "concurrency = 8\n[rate_limits]\nvenice = 5\n\n[[accounts]]\nprovider = \"venice\"\nname = \"search\"\nkey_env = \"SEARCH_KEY\"\nmin = \"50DIEM\"\nlabels = { team = \"search\" }\n",
            env,
        )
        .unwrap();
        assert_eq!(file.concurrency, Some(8));
        assert_eq!(
            file.rate_limits,
            [(Provider::Venice, NonZeroU32::new(5).unwrap())]
        );
        let account = file.accounts[0].account();
        assert_eq!(
            (
                account.provider,
                account.name.as_str(),
                account.labels["team"].as_str()
            ),
            (Provider::Venice, "search", "search")
        );
        assert_eq!(file.thresholds[0].to_string(), "venice/search=50DIEM");
    }

    #[test]
    fn errors_name_the_file_the_line_and_the_account() {
        let cases = [
            (
                "[[accounts]]\nprovider = \"venice\"\nkey = \"sk-inline\"\n",
                "prepaid.toml:1: account #1 (venice): keys are never written in this file",
            ),
            (
                "\n[[accounts]]\nprovider = \"acme\"\nkey_env = \"SEARCH_KEY\"\n",
                "prepaid.toml:2: account #1 (acme): unknown provider `acme`",
            ),
            (
                "[[accounts]]\nprovider = \"venice\"\nname = \"a\"\nkey_env = \"MISSING\"\n",
                "prepaid.toml:1: account #1 (venice/a): key_env: the variable MISSING is not set",
            ),
            (
                "[[accounts]]\nprovider = \"venice\"\nkey_env = \"SEARCH_KEY\"\nlabels = { provider = \"x\" }\n",
                "label `provider`",
            ),
            (
                "[[accounts]]\nprovider = \"venice\"\nkey_env = \"SEARCH_KEY\"\nmin = \"lots\"\n",
                "is not a decimal amount",
            ),
            (
                "[[accounts]]\nprovider = \"venice\"\nkey_env = \"SEARCH_KEY\"\nkey_file = \"/k\"\n",
                "not both",
            ),
            (
                "[[accounts]]\nprovider = \"venice\"\nkey_env = \"SEARCH_KEY\"\ncolour = \"red\"\n",
                "prepaid.toml:4: unknown field `colour`",
            ),
            ("concurrency = \"many\"\n", "prepaid.toml:1: invalid type"),
            (
                "[rate_limits]\nvenice = 0\n",
                "prepaid.toml:2: rate_limits.venice must be at least 1",
            ),
        ];
        for (text, expected) in cases {
            let error = load_text(text, env).unwrap_err();
            assert!(
                error.contains(expected),
                "{text:?}\n  gave: {error}\n  want: {expected}"
            );
            assert!(
                !error.contains("sk-inline") && !error.contains("sk-search"),
                "{error}"
            );
        }
    }

    #[test]
    fn a_key_file_is_read_without_its_trailing_newline() {
        let dir = std::env::temp_dir().join(format!("prepaid-keyfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key = dir.join("key");
        std::fs::write(&key, "sk-from-file\n").unwrap();
        let text = format!(
            "[[accounts]]\nprovider = \"runtools\"\nkey_file = \"{}\"\n",
            key.display()
        );
        let file = load_text(&text, env).unwrap();
        assert!(format!("{:?}", file.accounts[0]).contains("<redacted>"));
        assert!(!format!("{:?}", file.accounts[0]).contains("sk-from-file"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_relative_key_file_is_read_beside_the_accounts_file() {
        let dir = std::env::temp_dir().join(format!("prepaid-relative-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("secrets")).unwrap();
        std::fs::write(dir.join("secrets/venice"), "sk-beside\n").unwrap();
        let path = dir.join("prepaid.toml");
        std::fs::write(
            &path,
            "[[accounts]]\nprovider = \"venice\"\nkey_file = \"secrets/venice\"\n",
        )
        .unwrap();
        // Whatever the current directory is (the test runner's holds no `secrets/`).
        let file = load(&path, env);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(file.unwrap().accounts.len(), 1);
    }

    #[test]
    fn a_base_url_on_another_host_needs_allow_custom_host() {
        let account = |extra: &str| {
            format!("[[accounts]]\nprovider = \"venice\"\nkey_env = \"SEARCH_KEY\"\n{extra}")
        };
        let refused = load_text(
            &account("base_url = \"https://elsewhere.example/api\"\n"),
            env,
        )
        .unwrap_err();
        assert_eq!(
            refused,
            "prepaid.toml:1: account #1 (venice): base_url `https://elsewhere.example/api` is not \
             on venice's documented host (api.venice.ai): set allow_custom_host = true on this \
             account to send its key there"
        );
        for allowed in [
            "base_url = \"https://elsewhere.example/api\"\nallow_custom_host = true\n",
            "base_url = \"https://API.venice.ai/api/v2\"\n",
            "base_url = \"http://127.0.0.1:9/venice\"\n",
            "base_url = \"http://[::1]:9/venice\"\n",
            "base_url = \"http://localhost:9/venice\"\n",
        ] {
            let file = load_text(&account(allowed), env);
            assert!(file.is_ok(), "{allowed}: {file:?}");
        }
        // Texts another URL parser reads a host from are refused, not waved through.
        for unreadable in [
            "base_url = \"https://évil.example/api\"\n",
            "base_url = \"https://api.venice.ai\\\\@evil.example/\"\n",
        ] {
            let error = load_text(&account(unreadable), env).unwrap_err();
            assert!(
                error.contains("has no host this check can read"),
                "{unreadable}: {error}"
            );
        }
        let error = load_text(&account("allow_custom_host = true\n"), env).unwrap_err();
        assert!(
            error.ends_with("allow_custom_host without a base_url"),
            "{error}"
        );
    }

    #[test]
    fn min_hours_is_read_exactly_or_refused() {
        for (value, hours) in [("24", "24"), ("\"1.5\"", "1.5"), ("0.25", "0.25")] {
            let text = format!(
                "[[accounts]]\nprovider = \"venice\"\nkey_env = \"K\"\nmin_hours = {value}\n"
            );
            let file = load_text(&text, |_| Some("key".into())).unwrap();
            assert_eq!(file.run_out_limits[0].hours.to_string(), hours, "{value}");
            assert_eq!(file.run_out_limits[0].account.as_deref(), Some("venice"));
        }
        for value in ["0", "-3", "\"soon\"", "true"] {
            let text = format!(
                "[[accounts]]\nprovider = \"venice\"\nkey_env = \"K\"\nmin_hours = {value}\n"
            );
            let error = load_text(&text, |_| Some("key".into())).unwrap_err();
            assert!(error.contains("min_hours"), "{value}: {error}");
        }
    }
}
