#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod body;
mod credentials;
mod exact;
mod http;
mod trust;

pub use body::{ClientConfig, OnBody, OnResponse, ResponseTooLarge, read_json, watched};
pub use credentials::{Credentials, InvalidApiKey};
pub use exact::{ExactNumber, NotANumber};
pub use http::{
    BuildError, CrossOriginRedirect, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, MAX_REDIRECTS,
    client_builder, client_builder_trusting, default_http_client, http_client,
    same_origin_redirects,
};
pub use trust::TrustRoots;
