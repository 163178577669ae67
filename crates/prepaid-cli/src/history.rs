//! The balance history: each successful fetch's amounts, kept in SQLite so that a run-out
//! estimate survives the process (cron every five minutes, `serve`, a person now and then).
//!
//! Amounts are stored as their decimal text, never as REAL. The schema carries its version
//! (`PRAGMA user_version`) and is brought up to date in an immediate transaction. Every write
//! is one immediate transaction under a busy timeout, in WAL mode where the file system
//! allows it, so overlapping runs wait for each other instead of failing or losing a record.
//! A history that cannot be used never costs a balance: the caller prints one line and goes
//! on (see [`HistoryError`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeZone as _, Utc};
use prepaid::AccountBalance;
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};
use rust_decimal::Decimal;

use crate::estimate::{self, Estimates};

/// The schema this build writes.
pub const SCHEMA_VERSION: i64 = 1;

/// How long a write waits for another process's write before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Each schema version's migration from the one before, in order; `MIGRATIONS[0]` creates
/// version 1 from an empty file.
const MIGRATIONS: [&str; 1] = ["CREATE TABLE samples (
        provider TEXT NOT NULL,
        account  TEXT NOT NULL,
        unit     TEXT NOT NULL,
        at_ms    INTEGER NOT NULL,
        amount   TEXT NOT NULL,
        PRIMARY KEY (provider, account, unit, at_ms)
    ) WITHOUT ROWID;"];

/// Why the history cannot be used; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The file is not an SQLite database, or is damaged.
    #[error(
        "{path}: not a prepaid history (or damaged): {source}; move it aside, or use --no-history"
    )]
    Corrupt {
        /// The file.
        path: String,
        /// SQLite's message.
        source: rusqlite::Error,
    },
    /// Another process held the database longer than the busy timeout.
    #[error(
        "{path}: busy for more than {seconds} s (another prepaid writing?); this run was not recorded"
    )]
    Busy {
        /// The file.
        path: String,
        /// The timeout.
        seconds: u64,
    },
    /// A newer prepaid wrote this file.
    #[error(
        "{path}: written by a newer prepaid (schema {found}, this one knows {known}); upgrade prepaid, or use --history with another file"
    )]
    Newer {
        /// The file.
        path: String,
        /// Its schema version.
        found: i64,
        /// This build's.
        known: i64,
    },
    /// Anything else SQLite or the file system said (unwritable, disk full, ...).
    #[error("{path}: {source}; this run was not recorded (--no-history turns the history off)")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        source: rusqlite::Error,
    },
}

/// How samples are thinned with age, so that a history stays bounded: every sample for
/// [`Retention::full`], then the first of each hour until [`Retention::keep`], then none.
/// `serve` refreshing 10,000 accounts every minute writes 14 million rows a day: with the
/// defaults (7 days, then hourly, 400 days) one account and unit keeps at most about
/// 10,000 + 9,400 rows at that pace, a 5-minute cron about 2,000 + 9,400.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// How long every sample is kept.
    pub full: chrono::TimeDelta,
    /// How long hourly samples are kept (older ones are deleted).
    pub keep: chrono::TimeDelta,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            full: chrono::TimeDelta::days(7),
            keep: chrono::TimeDelta::days(400),
        }
    }
}

/// An open history file.
#[derive(Debug)]
pub struct History {
    connection: Connection,
    path: String,
    retention: Retention,
    /// When this process last thinned the file (at most once an hour).
    thinned: Option<DateTime<Utc>>,
    /// Each series' current run as this process last saw it, kept up to date sample by
    /// sample, so that a long-lived process (`serve`) reads a series' window only when its
    /// run's first sample leaves it (by up to [`RUN_SLACK`]), not every refresh.
    runs: HashMap<(String, String, String), estimate::Run>,
}

/// How far past the window a kept run's first sample may be before the window is read
/// again: `serve`'s estimates rest on 24 to 25 hours, and read each account's window about
/// once an hour.
const RUN_SLACK: chrono::TimeDelta = chrono::TimeDelta::hours(1);

impl History {
    /// Open (creating it and its folder if need be) and migrate the history at `path`,
    /// thinned under `retention`.
    pub fn open(path: &Path, retention: Retention) -> Result<Self, HistoryError> {
        let shown = path.display().to_string();
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(folder);
        }
        let io = |source| HistoryError::Io {
            path: shown.clone(),
            source,
        };
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
        .map_err(io)?;
        connection.busy_timeout(BUSY_TIMEOUT).map_err(io)?;
        let mut history = Self {
            connection,
            path: shown,
            retention,
            thinned: None,
            runs: HashMap::new(),
        };
        history.use_wal();
        history.migrate()?;
        Ok(history)
    }

    /// WAL lets readers and one writer work at once; where the file system cannot share its
    /// memory (some network file systems), SQLite answers with another mode and stays there.
    fn use_wal(&self) {
        let _ = self
            .connection
            .query_row("PRAGMA journal_mode = WAL", [], |row| {
                row.get::<_, String>(0)
            });
    }
}

/// What an SQLite error means for the history at `path`.
fn classify(path: &str, source: rusqlite::Error) -> HistoryError {
    use rusqlite::ErrorCode;
    let path = path.to_string();
    match source.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => HistoryError::Busy {
            path,
            seconds: BUSY_TIMEOUT.as_secs(),
        },
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            HistoryError::Corrupt { path, source }
        }
        _ => HistoryError::Io { path, source },
    }
}

impl History {
    /// Bring the schema to [`SCHEMA_VERSION`], in one immediate transaction.
    fn migrate(&mut self) -> Result<(), HistoryError> {
        let path = self.path.clone();
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate);
        let transaction = match transaction {
            Ok(transaction) => transaction,
            Err(source) => return Err(classify(&path, source)),
        };
        let result = (|| {
            let found: i64 = transaction.query_row("PRAGMA user_version", [], |row| row.get(0))?;
            Ok::<_, rusqlite::Error>(found)
        })();
        let found = match result {
            Ok(found) => found,
            Err(source) => return Err(classify(&path, source)),
        };
        if found > SCHEMA_VERSION {
            return Err(HistoryError::Newer {
                path,
                found,
                known: SCHEMA_VERSION,
            });
        }
        let applied = (|| {
            for (index, migration) in MIGRATIONS.iter().enumerate() {
                let version = i64::try_from(index).unwrap_or(i64::MAX) + 1;
                if version > found {
                    transaction.execute_batch(migration)?;
                }
            }
            transaction.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            transaction.commit()
        })();
        applied.map_err(|source| classify(&path, source))
    }

    /// Record every successful fetch in `fetched`, one row per account and unit, in one
    /// immediate transaction. Returns how many rows were written.
    pub fn record(&mut self, fetched: &[AccountBalance]) -> Result<usize, HistoryError> {
        let result = (|| {
            let transaction = self
                .connection
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut written = 0;
            {
                let mut insert = transaction.prepare_cached(
                    "INSERT OR REPLACE INTO samples (provider, account, unit, at_ms, amount)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for f in fetched {
                    let Ok(balance) = &f.result else { continue };
                    for amount in &balance.available {
                        written += insert.execute(params![
                            f.account.provider.as_str(),
                            f.account.name,
                            amount.unit.as_str(),
                            balance.fetched_at.timestamp_millis(),
                            amount.value.to_string(),
                        ])?;
                    }
                }
            }
            transaction.commit()?;
            Ok(written)
        })();
        result.map_err(|source| classify(&self.path, source))
    }

    /// Thin the samples older than [`Retention::full`] to the first of each hour, and delete
    /// those older than [`Retention::keep`], in one immediate transaction; at most once an
    /// hour per process. Returns how many rows went.
    pub fn thin(&mut self, now: DateTime<Utc>) -> Result<usize, HistoryError> {
        if self
            .thinned
            .is_some_and(|at| now - at < chrono::TimeDelta::hours(1))
        {
            return Ok(0);
        }
        let full_before = (now - self.retention.full).timestamp_millis();
        let drop_before = (now - self.retention.keep).timestamp_millis();
        let result = (|| {
            let transaction = self
                .connection
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let dropped = transaction
                .execute("DELETE FROM samples WHERE at_ms < ?1", params![drop_before])?;
            // Keep the first sample of each hour: delete any with an earlier one in its hour.
            let thinned = transaction.execute(
                "DELETE FROM samples WHERE at_ms < ?1 AND EXISTS (
                     SELECT 1 FROM samples AS earlier
                     WHERE earlier.provider = samples.provider
                       AND earlier.account = samples.account
                       AND earlier.unit = samples.unit
                       AND earlier.at_ms >= samples.at_ms - samples.at_ms % 3600000
                       AND earlier.at_ms < samples.at_ms)",
                params![full_before],
            )?;
            transaction.commit()?;
            Ok(dropped + thinned)
        })();
        let removed = result.map_err(|source| classify(&self.path, source))?;
        self.thinned = Some(now);
        Ok(removed)
    }

    /// Every account's samples since `since` (of one provider, or one account, if given),
    /// one series per provider, account and unit, each oldest first.
    pub fn series(
        &self,
        provider: Option<&str>,
        account: Option<&str>,
        since: DateTime<Utc>,
    ) -> Result<Vec<Series>, HistoryError> {
        let result = (|| {
            let mut query = self.connection.prepare(
                "SELECT provider, account, unit, at_ms, amount FROM samples
                 WHERE at_ms >= ?1 AND (?2 IS NULL OR provider = ?2) AND (?3 IS NULL OR account = ?3)
                 ORDER BY provider, account, unit, at_ms",
            )?;
            let rows = query.query_map(
                params![since.timestamp_millis(), provider, account],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, i64>(3)?,
                        row.get::<_, String>(4)?,
                    ))
                },
            )?;
            let mut series: Vec<Series> = Vec::new();
            for row in rows {
                let (provider, account, unit, millis, amount) = row?;
                let (Some(at), Ok(amount)) = (
                    Utc.timestamp_millis_opt(millis).single(),
                    Decimal::from_str_exact(&amount),
                ) else {
                    continue;
                };
                match series.last_mut() {
                    Some(last)
                        if last.provider == provider
                            && last.account == account
                            && last.unit == unit =>
                    {
                        last.samples.push((at, amount));
                    }
                    _ => series.push(Series {
                        provider,
                        account,
                        unit,
                        samples: vec![(at, amount)],
                    }),
                }
            }
            Ok(series)
        })();
        result.map_err(|source| classify(&self.path, source))
    }

    /// One account's samples of one unit since `since`, oldest first.
    pub fn samples(
        &self,
        provider: &str,
        account: &str,
        unit: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, Decimal)>, HistoryError> {
        let result = (|| {
            let mut query = self.connection.prepare_cached(
                "SELECT at_ms, amount FROM samples
                 WHERE provider = ?1 AND account = ?2 AND unit = ?3 AND at_ms >= ?4
                 ORDER BY at_ms",
            )?;
            let rows = query.query_map(
                params![provider, account, unit, since.timestamp_millis()],
                |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)),
            )?;
            let mut samples = Vec::new();
            for row in rows {
                let (millis, amount) = row?;
                // A row this build cannot read (edited by hand) is skipped, not fatal.
                if let (Some(at), Ok(amount)) = (
                    Utc.timestamp_millis_opt(millis).single(),
                    Decimal::from_str_exact(&amount),
                ) {
                    samples.push((at, amount));
                }
            }
            Ok(samples)
        })();
        result.map_err(|source| classify(&self.path, source))
    }
}

/// One account's recorded amounts in one unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    /// The provider's name.
    pub provider: String,
    /// The account's name.
    pub account: String,
    /// The unit.
    pub unit: String,
    /// Time and amount, oldest first.
    pub samples: Vec<(DateTime<Utc>, Decimal)>,
}

/// Where the history lives by default: `$XDG_STATE_HOME/prepaid/history.sqlite` (or the
/// platform's state directory), else its local data directory; `None` if neither is known.
pub fn default_path() -> Option<PathBuf> {
    dirs::state_dir()
        .or_else(dirs::data_local_dir)
        .map(|dir| dir.join("prepaid").join("history.sqlite"))
}

/// Record `fetched` in `history` and estimate, from what it holds, when each successful
/// account's balance runs out in each unit (as of `now`, under `rules`).
pub fn record_and_estimate(
    history: &mut History,
    fetched: &[AccountBalance],
    now: DateTime<Utc>,
    rules: &estimate::Rules,
) -> Result<Estimates, HistoryError> {
    history.record(fetched)?;
    history.thin(now)?;
    let mut estimates = Estimates::default();
    for f in fetched {
        let Ok(balance) = &f.result else { continue };
        // As recorded: to the millisecond.
        let at = Utc
            .timestamp_millis_opt(balance.fetched_at.timestamp_millis())
            .single()
            .unwrap_or(balance.fetched_at);
        for amount in &balance.available {
            let key = (
                f.account.provider.as_str().to_string(),
                f.account.name.clone(),
                amount.unit.as_str().to_string(),
            );
            let kept = history
                .runs
                .get(&key)
                .filter(|run| run.first.0 >= now - rules.window - RUN_SLACK && run.last.0 < at);
            let run = match kept {
                Some(run) => Some(run.push((at, amount.value))),
                None => {
                    let samples = history.samples(&key.0, &key.1, &key.2, now - rules.window)?;
                    estimate::Run::of(&samples, now, rules)
                }
            };
            let Some(run) = run else { continue };
            if let Ok(found) = run.estimate(rules) {
                estimates.insert(&f.account, &amount.unit, found);
            }
            history.runs.insert(key, run);
        }
    }
    Ok(estimates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_samples_are_thinned_to_hourly_then_dropped() -> Result<(), HistoryError> {
        let dir = tempfile::tempdir().map_err(|e| HistoryError::Io {
            path: e.to_string(),
            source: rusqlite::Error::InvalidQuery,
        })?;
        let retention = Retention {
            full: chrono::TimeDelta::days(2),
            keep: chrono::TimeDelta::days(4),
        };
        let mut history = History::open(&dir.path().join("h.sqlite"), retention)?;
        let now = Utc
            .with_ymd_and_hms(2026, 11, 30, 0, 0, 0)
            .single()
            .unwrap_or_default();
        // Every 5 minutes for 5 days, the newest at `now`.
        let insert = "INSERT INTO samples VALUES ('venice', 'a', 'USD', ?1, ?2)";
        for step in 0..(5 * 24 * 12) {
            let at = now - chrono::TimeDelta::minutes(5 * step);
            history
                .connection
                .execute(insert, params![at.timestamp_millis(), step.to_string()])
                .map_err(|source| classify("h", source))?;
        }
        let removed = history.thin(now)?;
        let count = |history: &History, from: i64, to: i64| -> i64 {
            history
                .connection
                .query_row(
                    "SELECT count(*) FROM samples WHERE at_ms >= ?1 AND at_ms < ?2",
                    params![from, to],
                    |row| row.get(0),
                )
                .unwrap_or(-1)
        };
        let day = |days: i64| (now - chrono::TimeDelta::days(days)).timestamp_millis();
        // The last 2 days whole (every 5 minutes, `now` included), days 2 to 4 hourly,
        // nothing older.
        assert_eq!(count(&history, day(2), day(-1)), 2 * 24 * 12 + 1);
        assert_eq!(count(&history, day(4), day(2)), 2 * 24);
        assert_eq!(count(&history, 0, day(4)), 0);
        assert_eq!(removed, 5 * 24 * 12 - (2 * 24 * 12 + 1) - 2 * 24);
        // The hourly ones are each hour's first sample.
        let first_of_hour: i64 = history
            .connection
            .query_row(
                "SELECT count(*) FROM samples WHERE at_ms < ?1 AND at_ms % 3600000 = 0",
                params![day(2)],
                |row| row.get(0),
            )
            .unwrap_or(-1);
        assert_eq!(first_of_hour, 2 * 24);
        // Again within the hour: nothing to do.
        assert_eq!(history.thin(now)?, 0);
        Ok(())
    }

    /// One Venice account's fetch of `usd`, taken at `at`.
    fn fetch(at: DateTime<Utc>, usd: i64) -> Vec<AccountBalance> {
        let source = prepaid::Provenance {
            endpoint: "GET https://api.venice.ai/api/v1/billing/balance".to_string(),
            raw: prepaid::RawBody::new("{}".to_string()).unwrap_or_else(|e| unreachable!("{e}")),
        };
        let mut balance = prepaid::Balance::new(
            prepaid::Provider::Venice,
            vec![prepaid::Amount::usd(Decimal::from(usd))],
            source,
        );
        balance.fetched_at = at;
        let account = prepaid::Account {
            provider: prepaid::Provider::Venice,
            name: "venice".to_string(),
            labels: Default::default(),
        };
        vec![AccountBalance {
            account: std::sync::Arc::new(account),
            result: Ok(balance),
            duration: Duration::ZERO,
        }]
    }

    #[test]
    fn a_long_lived_history_estimates_as_a_fresh_one_reading_the_file() -> Result<(), HistoryError>
    {
        let dir = tempfile::tempdir().map_err(|e| HistoryError::Io {
            path: e.to_string(),
            source: rusqlite::Error::InvalidQuery,
        })?;
        let path = dir.path().join("h.sqlite");
        let rules = estimate::Rules::default();
        let mut kept = History::open(&path, Retention::default())?;
        let start = Utc
            .with_ymd_and_hms(2026, 11, 30, 0, 0, 0)
            .single()
            .unwrap_or_default();
        // Every 10 minutes for 30 hours: a burn, a top-up at hour 10, a burn again.
        for step in 0..180 {
            let at = start + chrono::TimeDelta::minutes(10 * step);
            let usd = if step < 60 {
                1000 - step
            } else {
                5000 - step * 2
            };
            let from_kept = record_and_estimate(&mut kept, &fetch(at, usd), at, &rules)?;
            let fresh = History::open(&path, Retention::default())?;
            let from_file = estimate::estimate(
                &fresh.samples("venice", "venice", "USD", at - rules.window)?,
                at,
                &rules,
            );
            let account = &fetch(at, usd)[0].account;
            let unit = prepaid::Unit::Usd;
            let kept_estimate = from_kept.get(account, &unit).cloned();
            // The kept run may start up to an hour before the window: the same rate on a
            // steady burn, so the same estimate whenever the file gives one.
            match (&kept_estimate, &from_file) {
                (Some(kept), Ok(file)) => {
                    assert_eq!(kept.per_hour, file.per_hour, "step {step}");
                    assert_eq!(kept.runs_out_at, file.runs_out_at, "step {step}");
                }
                (None, Err(_)) => {}
                (kept, file) => unreachable!("step {step}: kept {kept:?}, file {file:?}"),
            }
        }
        // The kept runs read the file only when their first sample left the window.
        assert_eq!(kept.runs.len(), 1);
        Ok(())
    }
}
