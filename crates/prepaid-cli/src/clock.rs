//! The command's "now": the system clock, except in prepaid's own tests.
//!
//! Testing only: a debug build (what `cargo test` builds; never a release build) reads
//! `PREPAID_TEST_NOW`, an RFC 3339 time, and takes it for the current time everywhere the
//! command asks: each balance's fetch time (and so the history's samples), the estimates,
//! `--min-hours`, the table's "runs out in" and `prepaid history --since`. The tests give
//! each run its own exact time instead of waiting, so that their estimates are exact
//! whatever the machine's load. A release build never fixes its clock: it refuses to run
//! when the variable is set, rather than leave it unnoticed.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};

/// The variable the tests fix the clock with.
const VARIABLE: &str = "PREPAID_TEST_NOW";

/// The fixed time, once [`init`] has read it; `None` for the system clock.
static FIXED: OnceLock<Option<DateTime<Utc>>> = OnceLock::new();

/// Read [`VARIABLE`] once, before anything asks for the time; a message saying what to fix
/// if it cannot be used.
pub fn init() -> Result<(), String> {
    let fixed = fixed_from(std::env::var_os(VARIABLE), cfg!(debug_assertions))?;
    // Called once, from `main`: a second call would find the same variable.
    let _ = FIXED.set(fixed);
    Ok(())
}

/// The fixed time `value` (the variable, if set) gives in a debug build (`debug`) or not.
fn fixed_from(
    value: Option<std::ffi::OsString>,
    debug: bool,
) -> Result<Option<DateTime<Utc>>, String> {
    let Some(value) = value else {
        return Ok(None);
    };
    if !debug {
        return Err(format!(
            "{VARIABLE} is for prepaid's own tests, and a release build does not read it: unset it"
        ));
    }
    let text = value.to_string_lossy();
    DateTime::parse_from_rfc3339(&text)
        .map(|at| Some(at.with_timezone(&Utc)))
        .map_err(|e| format!("{VARIABLE}={text:?} is not an RFC 3339 time: {e}"))
}

/// The current time: the system clock's, or the tests' fixed one.
pub fn now() -> DateTime<Utc> {
    FIXED.get().copied().flatten().unwrap_or_else(Utc::now)
}

/// Give each balance in `fetched` the fixed time as its fetch time, when the clock is fixed
/// (the library stamps it with the system clock); nothing otherwise.
pub fn stamp(fetched: &mut [prepaid::AccountBalance]) {
    if let Some(at) = FIXED.get().copied().flatten() {
        for balance in fetched.iter_mut().filter_map(|f| f.result.as_mut().ok()) {
            balance.fetched_at = at;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_debug_build_fixes_its_clock() {
        let at = Some("2026-11-25T10:20:00.5+01:00".into());
        let fixed = fixed_from(at.clone(), true).unwrap_or_default();
        assert_eq!(
            fixed.map(|at| at.to_rfc3339()),
            Some("2026-11-25T09:20:00.500+00:00".to_string())
        );
        let refused = fixed_from(at, false).err().unwrap_or_default();
        assert!(
            refused.contains("release build does not read it"),
            "{refused}"
        );
        assert_eq!(fixed_from(None, false), Ok(None));
        assert_eq!(fixed_from(None, true), Ok(None));
        let wrong = fixed_from(Some("yesterday".into()), true)
            .err()
            .unwrap_or_default();
        assert!(
            wrong.starts_with("PREPAID_TEST_NOW=\"yesterday\" is not"),
            "{wrong}"
        );
    }
}
