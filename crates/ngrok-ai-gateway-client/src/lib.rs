#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
// All code here is generated: it documents what the spec documents, and progenitor unwraps
// where its own construction cannot fail (a built-in reqwest client, a literal regex).
#![allow(missing_docs, clippy::unwrap_used, clippy::type_complexity)]

include!(concat!(env!("OUT_DIR"), "/codegen.rs"));

/// progenitor's typed httpmock helpers: `server.get_balance(|when, then| ...)`.
#[cfg(feature = "mock")]
pub mod mock {
    include!(concat!(env!("OUT_DIR"), "/httpmock.rs"));
}
