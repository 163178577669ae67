#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
// All code here is generated: it documents what the spec documents (its URLs as written),
// and progenitor unwraps where its own construction cannot fail (a built-in reqwest client,
// a literal regex).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::type_complexity,
    rustdoc::bare_urls
)]

include!(concat!(env!("OUT_DIR"), "/client.rs"));

/// progenitor's typed httpmock helpers: `server.get_balance(|when, then| ...)`.
/// A body that cannot be serialized is a mistake in the test using them: they panic then, as
/// httpmock's own helpers do. Generated code, like the `types` module: clippy's style lints
/// are progenitor's to follow.
#[cfg(feature = "mock")]
#[allow(clippy::all, clippy::expect_used)]
pub mod mock {
    include!(concat!(env!("OUT_DIR"), "/httpmock.rs"));
}
