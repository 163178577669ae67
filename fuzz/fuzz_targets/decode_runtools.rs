//! Any bytes as a runtools balance body (a NUL byte, if any, starts the plan body): a
//! correct balance or `Error::Undecodable`, never a panic, never an inexact amount (see
//! `prepaid_fuzz::check`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    prepaid_fuzz::check(prepaid::Provider::Runtools, data);
});
