//! The balance history: each successful fetch's amounts, kept in SQLite so that a run-out
//! estimate survives the process (cron every five minutes, `serve`, a person now and then).
//!
//! Amounts are stored as their decimal text, never as REAL. The schema carries its version
//! (`PRAGMA user_version`) and is brought up to date in an immediate transaction. Every write
//! is one immediate transaction under a busy timeout, in WAL mode where the file system
//! allows it, so overlapping runs wait for each other instead of failing or losing a record.
//! A history that cannot be used never costs a balance: the caller prints one line and goes
//! on (see [`HistoryError`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeZone as _, Utc};
use prepaid::AccountBalance;
use rusqlite::{Connection, OpenFlags, OptionalExtension as _, TransactionBehavior, params};
use rust_decimal::Decimal;

use crate::estimate::{self, Estimates, HashMap};

/// The schema this build writes.
pub const SCHEMA_VERSION: i64 = 2;

/// Each schema version's migration from the one before, in order; `MIGRATIONS[0]` creates
/// version 1 from an empty file.
const MIGRATIONS: [&str; 2] = [
    // 1: one row per sample, keyed by series, then time.
    "CREATE TABLE samples (
        provider TEXT NOT NULL,
        account  TEXT NOT NULL,
        unit     TEXT NOT NULL,
        at_ms    INTEGER NOT NULL,
        amount   TEXT NOT NULL,
        PRIMARY KEY (provider, account, unit, at_ms)
    ) WITHOUT ROWID;",
    // 2: keyed by time first, so that a refresh's rows are appended together instead of
    // landing on one page per series (a 10,000-account `serve` five hours in wrote 10,000
    // pages a refresh); series are named once, in their own table; `marks` remembers how
    // far the file is thinned.
    "CREATE TABLE series (
        id       INTEGER PRIMARY KEY,
        provider TEXT NOT NULL,
        account  TEXT NOT NULL,
        unit     TEXT NOT NULL,
        UNIQUE (provider, account, unit)
    );
    INSERT INTO series (provider, account, unit)
        SELECT DISTINCT provider, account, unit FROM samples ORDER BY provider, account, unit;
    CREATE TABLE samples_by_time (
        at_ms  INTEGER NOT NULL,
        series INTEGER NOT NULL REFERENCES series (id),
        amount TEXT NOT NULL,
        PRIMARY KEY (at_ms, series)
    ) WITHOUT ROWID;
    INSERT INTO samples_by_time (at_ms, series, amount)
        SELECT samples.at_ms, series.id, samples.amount
        FROM samples JOIN series USING (provider, account, unit)
        -- in the new key's order: 3.75 M samples move in 5 s instead of 12
        ORDER BY samples.at_ms, series.id;
    DROP TABLE samples;
    ALTER TABLE samples_by_time RENAME TO samples;
    CREATE TABLE marks (name TEXT PRIMARY KEY, at_ms INTEGER NOT NULL) WITHOUT ROWID;",
];

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
        "{path}: busy for more than {} (another prepaid writing?); this run was not recorded (--history-wait waits longer)",
        humantime::format_duration(*waited)
    )]
    Busy {
        /// The file.
        path: String,
        /// How long this run waited.
        waited: Duration,
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
    #[error(
        "{path}: {source}; this run was not recorded: check that the disk has room and the file can be written (--no-history turns the history off)"
    )]
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
    /// How long a write waits for another process's.
    wait: Duration,
    /// When this process last thinned the file (at most once an hour).
    thinned: Option<DateTime<Utc>>,
    /// The ids of the series in the file this process has written, by account name: the
    /// provider, the unit and the id.
    ids: HashMap<String, Vec<(String, String, i64)>>,
    /// Each series' current run as this process last saw it, kept up to date sample by
    /// sample, so that a long-lived process (`serve`) reads the file only when a run's first
    /// sample leaves the window (by up to [`RUN_SLACK`]), not every refresh.
    runs: HashMap<i64, estimate::Run>,
}

/// How far past the window a kept run's first sample may be before the window is read
/// again: `serve`'s estimates rest on 24 to 25 hours, and slide each run's start about
/// once an hour.
const RUN_SLACK: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// One sample this process has just recorded: its series' id, time and amount, and the
/// account and unit it is of.
struct Recorded<'a> {
    series: i64,
    sample: (DateTime<Utc>, Decimal),
    account: &'a prepaid::Account,
    unit: &'a prepaid::Unit,
}

impl History {
    /// Open (creating it and its folder if need be) and migrate the history at `path`,
    /// thinned under `retention`; a write waits up to `wait` for another process's.
    pub fn open(path: &Path, retention: Retention, wait: Duration) -> Result<Self, HistoryError> {
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
        connection.busy_timeout(wait).map_err(io)?;
        let mut history = Self {
            connection,
            path: shown,
            retention,
            wait,
            thinned: None,
            ids: HashMap::default(),
            runs: HashMap::default(),
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

/// What an SQLite error means for the history at `path`, after waiting up to `waited`.
fn classify(path: &str, waited: Duration, source: rusqlite::Error) -> HistoryError {
    use rusqlite::ErrorCode;
    let path = path.to_string();
    match source.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            HistoryError::Busy { path, waited }
        }
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            HistoryError::Corrupt { path, source }
        }
        _ => HistoryError::Io { path, source },
    }
}

impl History {
    /// Bring the schema to [`SCHEMA_VERSION`], in one immediate transaction.
    fn migrate(&mut self) -> Result<(), HistoryError> {
        let (path, wait) = (self.path.clone(), self.wait);
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate);
        let transaction = match transaction {
            Ok(transaction) => transaction,
            Err(source) => return Err(classify(&path, wait, source)),
        };
        let result = (|| {
            let found: i64 = transaction.query_row("PRAGMA user_version", [], |row| row.get(0))?;
            Ok::<_, rusqlite::Error>(found)
        })();
        let found = match result {
            Ok(found) => found,
            Err(source) => return Err(classify(&path, wait, source)),
        };
        if found > SCHEMA_VERSION {
            return Err(HistoryError::Newer {
                path,
                found,
                known: SCHEMA_VERSION,
            });
        }
        if found == SCHEMA_VERSION {
            // Up to date: nothing to write.
            return transaction
                .commit()
                .map_err(|source| classify(&path, wait, source));
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
        applied.map_err(|source| classify(&path, wait, source))
    }

    /// The samples of every successful fetch in `fetched`, one per account and unit, in the
    /// table's order, with their series' ids (new series are added to the file, in one
    /// immediate transaction).
    fn samples_of<'a>(
        &mut self,
        fetched: &'a [AccountBalance],
    ) -> Result<Vec<Recorded<'a>>, HistoryError> {
        let mut recorded = Vec::new();
        let mut new = Vec::new();
        for f in fetched {
            let Ok(balance) = &f.result else { continue };
            // As stored: to the millisecond.
            let at = Utc
                .timestamp_millis_opt(balance.fetched_at.timestamp_millis())
                .single()
                .unwrap_or(balance.fetched_at);
            let provider = f.account.provider.as_str();
            for amount in &balance.available {
                let unit = amount.unit.as_str();
                let known = self.ids.get(f.account.name.as_str()).and_then(|named| {
                    named
                        .iter()
                        .find(|(p, u, _)| p == provider && u == unit)
                        .map(|(_, _, id)| *id)
                });
                if known.is_none() {
                    new.push(recorded.len());
                }
                recorded.push(Recorded {
                    series: known.unwrap_or_default(),
                    sample: (at, amount.value),
                    account: &f.account,
                    unit: &amount.unit,
                });
            }
        }
        if !new.is_empty() {
            let result = (|| {
                let transaction = self
                    .connection
                    .transaction_with_behavior(TransactionBehavior::Immediate)?;
                for &index in &new {
                    let r = &mut recorded[index];
                    let key = (
                        r.account.provider.as_str(),
                        r.account.name.as_str(),
                        r.unit.as_str(),
                    );
                    r.series = series_id(&transaction, key)?;
                }
                transaction.commit()
            })();
            result.map_err(|source| classify(&self.path, self.wait, source))?;
            // Only once committed: a rolled-back id may go to another series.
            for index in new {
                let r = &recorded[index];
                self.ids.entry(r.account.name.clone()).or_default().push((
                    r.account.provider.as_str().to_string(),
                    r.unit.as_str().to_string(),
                    r.series,
                ));
            }
        }
        // Each row after the last: inserts in the order the accounts answered split pages
        // midway.
        recorded.sort_unstable_by_key(|r| (r.sample.0, r.series));
        Ok(recorded)
    }

    /// Write a refresh's samples (from [`History::estimate`]), in one immediate transaction. Returns
    /// how many rows were written.
    pub fn write(&mut self, pending: Pending) -> Result<usize, HistoryError> {
        let result = (|| {
            let transaction = self
                .connection
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                let mut insert = transaction.prepare_cached(
                    "INSERT OR REPLACE INTO samples (at_ms, series, amount) VALUES (?1, ?2, ?3)",
                )?;
                for (at_ms, series, amount) in &pending.0 {
                    insert.execute(params![at_ms, series, amount.to_string()])?;
                }
            }
            transaction.commit()?;
            Ok(pending.0.len())
        })();
        result.map_err(|source| classify(&self.path, self.wait, source))
    }

    /// Thin the samples older than [`Retention::full`] to the first of each hour, and delete
    /// those older than [`Retention::keep`], in one immediate transaction; at most once an
    /// hour per process, and only the hours not thinned before. Returns how many rows went.
    pub fn thin(&mut self, now: DateTime<Utc>) -> Result<usize, HistoryError> {
        if self
            .thinned
            .is_some_and(|at| now - at < chrono::TimeDelta::hours(1))
        {
            return Ok(0);
        }
        const HOUR: i64 = 3_600_000;
        let full_before = (now - self.retention.full).timestamp_millis();
        // Whole hours only, so that an hour is thinned once, with all its samples.
        let full_before = full_before - full_before.rem_euclid(HOUR);
        let drop_before = (now - self.retention.keep).timestamp_millis();
        let result = (|| {
            let transaction = self
                .connection
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let dropped = transaction
                .execute("DELETE FROM samples WHERE at_ms < ?1", params![drop_before])?;
            let thinned_before: i64 = transaction
                .query_row(
                    "SELECT at_ms FROM marks WHERE name = 'thinned_before'",
                    [],
                    |row| row.get(0),
                )
                .optional()?
                .unwrap_or(i64::MIN);
            let mut thinned = 0;
            if thinned_before < full_before {
                // Keep each series' first sample of each hour.
                thinned = transaction.execute(
                    "DELETE FROM samples WHERE at_ms >= ?1 AND at_ms < ?2
                     AND (series, at_ms) NOT IN (
                         SELECT series, min(at_ms) FROM samples
                         WHERE at_ms >= ?1 AND at_ms < ?2
                         GROUP BY series, at_ms / ?3)",
                    params![thinned_before, full_before, HOUR],
                )?;
                transaction.execute(
                    "INSERT OR REPLACE INTO marks (name, at_ms) VALUES ('thinned_before', ?1)",
                    params![full_before],
                )?;
            }
            transaction.commit()?;
            Ok(dropped + thinned)
        })();
        let removed = result.map_err(|source| classify(&self.path, self.wait, source))?;
        self.thinned = Some(now);
        Ok(removed)
    }

    /// Every account's samples since `since` (of one provider, or one account, if given),
    /// one series per provider, account and unit, in that order, each oldest first.
    pub fn series(
        &self,
        provider: Option<&str>,
        account: Option<&str>,
        since: DateTime<Utc>,
    ) -> Result<Vec<Series>, HistoryError> {
        let result = (|| {
            let mut named = self.connection.prepare(
                "SELECT id, provider, account, unit FROM series
                 WHERE (?1 IS NULL OR provider = ?1) AND (?2 IS NULL OR account = ?2)",
            )?;
            let mut series = HashMap::default();
            for row in named.query_map(params![provider, account], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    Series {
                        provider: row.get(1)?,
                        account: row.get(2)?,
                        unit: row.get(3)?,
                        samples: Vec::new(),
                    },
                ))
            })? {
                let (id, named) = row?;
                series.insert(id, named);
            }
            // In the table's order (time first), so each series' samples come oldest first.
            let mut query = self
                .connection
                .prepare("SELECT series, at_ms, amount FROM samples WHERE at_ms >= ?1")?;
            let mut rows = query.query(params![since.timestamp_millis()])?;
            while let Some(row) = rows.next()? {
                let Some(series) = series.get_mut(&row.get::<_, i64>(0)?) else {
                    continue;
                };
                if let Some(sample) = sample(row.get(1)?, &row.get_ref(2)?)? {
                    series.samples.push(sample);
                }
            }
            let mut series: Vec<Series> = series
                .into_values()
                .filter(|s| !s.samples.is_empty())
                .collect();
            series.sort_by(|a, b| {
                (&a.provider, &a.account, &a.unit).cmp(&(&b.provider, &b.account, &b.unit))
            });
            Ok(series)
        })();
        result.map_err(|source| classify(&self.path, self.wait, source))
    }

    /// The runs that `wanted` series' samples end with as of `now` (under `rules`), read
    /// from the file in one pass over the window: a series starts afresh at the window's
    /// start, or slides a kept run whose first sample left the window, reading only up to
    /// the first sample of it still in the window.
    fn read_runs(
        &self,
        wanted: &mut HashMap<i64, Reading>,
        now: DateTime<Utc>,
        rules: &estimate::Rules,
    ) -> Result<(), HistoryError> {
        let start = now - rules.window;
        let from = wanted
            .values()
            .map(|reading| match reading {
                Reading::Fresh(_) => start,
                Reading::Slide { kept, .. } => kept.first.0,
            })
            .min()
            .unwrap_or(start);
        let mut sliding = wanted
            .values()
            .filter(|r| matches!(r, Reading::Slide { .. }))
            .count();
        let everything = sliding < wanted.len();
        let result = (|| {
            let mut query = self
                .connection
                .prepare_cached("SELECT series, at_ms, amount FROM samples WHERE at_ms >= ?1")?;
            let mut rows = query.query(params![from.timestamp_millis()])?;
            while let Some(row) = rows.next()? {
                if !everything && sliding == 0 {
                    break;
                }
                let Some(reading) = wanted.get_mut(&row.get::<_, i64>(0)?) else {
                    continue;
                };
                let millis = row.get::<_, i64>(1)?;
                let in_window = millis >= start.timestamp_millis();
                match reading {
                    Reading::Fresh(run) if in_window => {
                        if let Some(sample) = sample(millis, &row.get_ref(2)?)? {
                            *run = Some(match *run {
                                Some(run) => run.push(sample),
                                None => estimate::Run::single(sample),
                            });
                        }
                    }
                    Reading::Slide {
                        kept,
                        dropped,
                        first,
                    } if first.is_none() => {
                        if !in_window {
                            if millis >= kept.first.0.timestamp_millis() {
                                *dropped += 1;
                            }
                        } else if let Some(sample) = sample(millis, &row.get_ref(2)?)? {
                            *first = Some(sample);
                            sliding -= 1;
                        }
                    }
                    _ => {}
                }
            }
            Ok(())
        })();
        result.map_err(|source| classify(&self.path, self.wait, source))
    }
}

/// How [`History::read_runs`] brings one series' run up to date.
enum Reading {
    /// From the window's start: the run so far.
    Fresh(Option<estimate::Run>),
    /// A kept run whose first sample left the window: how many of its samples did, and its
    /// first one still in the window.
    Slide {
        kept: estimate::Run,
        dropped: usize,
        first: Option<(DateTime<Utc>, Decimal)>,
    },
}

/// The id of the series `key`, added to the file if it is new.
fn series_id(
    transaction: &rusqlite::Transaction<'_>,
    key: (&str, &str, &str),
) -> rusqlite::Result<i64> {
    let (provider, account, unit) = key;
    let found = transaction
        .prepare_cached("SELECT id FROM series WHERE provider = ?1 AND account = ?2 AND unit = ?3")?
        .query_row(params![provider, account, unit], |row| row.get(0))
        .optional()?;
    match found {
        Some(id) => Ok(id),
        None => {
            transaction
                .prepare_cached("INSERT INTO series (provider, account, unit) VALUES (?1, ?2, ?3)")?
                .execute(params![provider, account, unit])?;
            Ok(transaction.last_insert_rowid())
        }
    }
}

/// A stored sample, or `None` if this build cannot read it (a row edited by hand is
/// skipped, not fatal).
fn sample(
    millis: i64,
    amount: &rusqlite::types::ValueRef<'_>,
) -> rusqlite::Result<Option<(DateTime<Utc>, Decimal)>> {
    let amount = amount.as_str()?;
    Ok(
        match (
            Utc.timestamp_millis_opt(millis).single(),
            Decimal::from_str_exact(amount),
        ) {
            (Some(at), Ok(amount)) => Some((at, amount)),
            _ => None,
        },
    )
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

/// One refresh's samples, estimated from but not yet written: [`History::write`] them.
#[derive(Debug, Default)]
pub struct Pending(Vec<(i64, i64, Decimal)>);

impl History {
    /// Estimate when each successful account's balance in `fetched` runs out in each unit,
    /// from the history and the new samples (as of `now`, under `rules`), and thin the
    /// history. The samples themselves are returned to be written, which can then overlap
    /// other work (`serve` renders meanwhile).
    pub fn estimate(
        &mut self,
        fetched: &[AccountBalance],
        now: DateTime<Utc>,
        rules: &estimate::Rules,
    ) -> Result<(Estimates, Pending), HistoryError> {
        let recorded = self.samples_of(fetched)?;
        self.thin(now)?;
        // Kept runs take the new sample; the others are read from the file first.
        let keep_after = now - rules.window - RUN_SLACK;
        let mut estimates = Estimates::default();
        let mut wanted = HashMap::default();
        for r in &recorded {
            match self.runs.get_mut(&r.series) {
                Some(run)
                    if run.last.0 < r.sample.0
                        && (r.sample.1 > run.last.1 || run.first.0 >= keep_after) =>
                {
                    *run = run.push(r.sample);
                    if let Ok(found) = run.estimate(rules) {
                        estimates.insert(r.account, r.unit, found);
                    }
                }
                Some(run) if run.last.0 < r.sample.0 => {
                    let kept = *run;
                    wanted.insert(
                        r.series,
                        Reading::Slide {
                            kept,
                            dropped: 0,
                            first: None,
                        },
                    );
                }
                _ => {
                    wanted.insert(r.series, Reading::Fresh(None));
                }
            }
        }
        if !wanted.is_empty() {
            self.read_runs(&mut wanted, now, rules)?;
        }
        for r in &recorded {
            let run = match wanted.remove(&r.series) {
                None => continue,
                Some(Reading::Fresh(run)) => {
                    run.map_or_else(|| estimate::Run::single(r.sample), |run| run.push(r.sample))
                }
                Some(Reading::Slide {
                    kept,
                    dropped,
                    first,
                }) => match first {
                    Some(first) => estimate::Run {
                        first,
                        last: r.sample,
                        samples: (kept.samples + 1).saturating_sub(dropped).max(2),
                    },
                    None => estimate::Run::single(r.sample),
                },
            };
            if let Ok(found) = run.estimate(rules) {
                estimates.insert(r.account, r.unit, found);
            }
            self.runs.insert(r.series, run);
        }
        let rows = recorded
            .iter()
            .map(|r| (r.sample.0.timestamp_millis(), r.series, r.sample.1))
            .collect();
        Ok((estimates, Pending(rows)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAIT: Duration = Duration::from_secs(10);

    /// Record `fetched` in `history` and estimate, from what it holds, when each successful
    /// account's balance runs out in each unit (as of `now`, under `rules`).
    fn record_and_estimate(
        history: &mut History,
        fetched: &[AccountBalance],
        now: DateTime<Utc>,
        rules: &estimate::Rules,
    ) -> Result<Estimates, HistoryError> {
        let (estimates, pending) = history.estimate(fetched, now, rules)?;
        history.write(pending)?;
        Ok(estimates)
    }

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
        let mut history = History::open(&dir.path().join("h.sqlite"), retention, WAIT)?;
        let now = Utc
            .with_ymd_and_hms(2026, 11, 30, 0, 0, 0)
            .single()
            .unwrap_or_default();
        // Two series, every 5 minutes for 5 days, the newest at `now`.
        let store = |sql: &str, values: &[&dyn rusqlite::ToSql]| {
            history
                .connection
                .execute(sql, values)
                .map_err(|source| classify("h", WAIT, source))
        };
        store(
            "INSERT INTO series (id, provider, account, unit)
             VALUES (1, 'venice', 'a', 'USD'), (2, 'venice', 'b', 'USD')",
            &[],
        )?;
        let insert = "INSERT INTO samples (at_ms, series, amount) VALUES (?1, ?2, ?3)";
        for step in 0..(5 * 24 * 12) {
            let at = (now - chrono::TimeDelta::minutes(5 * step)).timestamp_millis();
            for series in [1, 2] {
                store(insert, &[&at, &series, &step.to_string()])?;
            }
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
        // Of each series: the last 2 days whole (every 5 minutes, `now` included), days 2 to
        // 4 hourly, nothing older.
        assert_eq!(count(&history, day(2), day(-1)), 2 * (2 * 24 * 12 + 1));
        assert_eq!(count(&history, day(4), day(2)), 2 * 2 * 24);
        assert_eq!(count(&history, 0, day(4)), 0);
        assert_eq!(removed, 2 * (5 * 24 * 12 - (2 * 24 * 12 + 1) - 2 * 24));
        // The hourly ones are each hour's first sample.
        let first_of_hour: i64 = history
            .connection
            .query_row(
                "SELECT count(*) FROM samples WHERE at_ms < ?1 AND at_ms % 3600000 = 0",
                params![day(2)],
                |row| row.get(0),
            )
            .unwrap_or(-1);
        assert_eq!(first_of_hour, 2 * 2 * 24);
        // Again within the hour: nothing to do.
        assert_eq!(history.thin(now)?, 0);
        // An hour on, only the hour that crossed is thinned (11 of its 12 samples a series)
        // and only the oldest hour is dropped (its one sample a series).
        let later = now + chrono::TimeDelta::hours(1);
        assert_eq!(history.thin(later)?, 2 * 11 + 2);
        Ok(())
    }

    #[test]
    fn a_first_schema_file_is_migrated_with_every_sample() -> Result<(), HistoryError> {
        let dir = tempfile::tempdir().map_err(|e| HistoryError::Io {
            path: e.to_string(),
            source: rusqlite::Error::InvalidQuery,
        })?;
        let path = dir.path().join("h.sqlite");
        let start = Utc
            .with_ymd_and_hms(2026, 11, 30, 0, 0, 0)
            .single()
            .unwrap_or_default();
        let minutes = |m: i64| start + chrono::TimeDelta::minutes(m);
        {
            // A file as the first schema's prepaid left it: two accounts, every 10 minutes.
            let old = Connection::open(&path).map_err(|source| classify("h", WAIT, source))?;
            let mut setup = MIGRATIONS[0].to_string() + "PRAGMA user_version = 1;";
            for step in 0..6 {
                let at = minutes(10 * step).timestamp_millis();
                setup += &format!(
                    "INSERT INTO samples VALUES ('venice', 'venice', 'USD', {at}, '{}.25');
                     INSERT INTO samples VALUES ('venice', 'venice', 'DIEM', {at}, '7.5');
                     INSERT INTO samples VALUES ('runcrate', 'gpu', 'USD', {at}, '{}');",
                    100 - step,
                    40 - 2 * step,
                );
            }
            old.execute_batch(&setup)
                .map_err(|source| classify("h", WAIT, source))?;
        }
        let mut history = History::open(&path, Retention::default(), WAIT)?;
        let version: i64 = history
            .connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(|source| classify("h", WAIT, source))?;
        assert_eq!(version, SCHEMA_VERSION);
        let series = history.series(None, None, start)?;
        let names: Vec<_> = series
            .iter()
            .map(|s| (s.provider.as_str(), s.account.as_str(), s.unit.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("runcrate", "gpu", "USD"),
                ("venice", "venice", "DIEM"),
                ("venice", "venice", "USD")
            ]
        );
        let venice_usd: Vec<_> = series[2].samples.iter().map(|(_, usd)| *usd).collect();
        let expected: Vec<_> = (0..6)
            .map(|step| Decimal::new(10025 - 100 * step, 2))
            .collect();
        assert_eq!(venice_usd, expected);
        assert_eq!(series[2].samples[5].0, minutes(50));
        // The migrated samples carry on: the next fetch is recorded after them, and the
        // estimate rests on all seven.
        let rules = estimate::Rules::default();
        let at = minutes(60);
        let estimates = record_and_estimate(&mut history, &fetch(at, 94), at, &rules)?;
        let found = estimates
            .get(&fetch(at, 94)[0].account, &prepaid::Unit::Usd)
            .cloned();
        assert_eq!(
            found.map(|e| (e.samples, e.per_hour)),
            Some((7, Decimal::new(625, 2)))
        );
        // Opened again, it is not migrated twice.
        drop(history);
        let again = History::open(&path, Retention::default(), WAIT)?;
        assert_eq!(
            again.series(Some("venice"), None, start)?[1].samples.len(),
            7
        );
        Ok(())
    }

    /// One Venice account's fetch of `usd`, taken at `at`.
    fn fetch(at: DateTime<Utc>, usd: i64) -> Vec<AccountBalance> {
        let source = prepaid::Provenance::new(
            "GET https://api.venice.ai/api/v1/billing/balance",
            prepaid::RawBody::new("{}".to_string()).unwrap_or_else(|e| unreachable!("{e}")),
        );
        let mut balance = prepaid::Balance::new(
            prepaid::Provider::Venice,
            vec![prepaid::Amount::usd(Decimal::from(usd))],
            source,
        );
        balance.fetched_at = at;
        let account = prepaid::Account::new(prepaid::Provider::Venice, "venice");
        vec![AccountBalance::new(
            std::sync::Arc::new(account),
            Ok(balance),
            Duration::ZERO,
        )]
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
        let mut kept = History::open(&path, Retention::default(), WAIT)?;
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
            let fresh = History::open(&path, Retention::default(), WAIT)?;
            let samples = fresh
                .series(None, None, at - rules.window)?
                .remove(0)
                .samples;
            let from_file = estimate::estimate(&samples, at, &rules);
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
