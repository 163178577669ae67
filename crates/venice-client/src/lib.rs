#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![allow(missing_docs)] // the generated code documents what the spec documents

include!(concat!(env!("OUT_DIR"), "/codegen.rs"));

/// progenitor's typed httpmock helpers: `server.get_balance(|when, then| ...)`.
#[cfg(feature = "mock")]
pub mod mock {
    include!(concat!(env!("OUT_DIR"), "/httpmock.rs"));
}
