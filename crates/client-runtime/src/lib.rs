#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod body;
mod credentials;
mod exact;
mod http;

pub use body::{ClientConfig, OnBody, OnResponse, ResponseTooLarge, read_json, watched};
pub use credentials::{Credentials, InvalidApiKey};
pub use exact::{ExactNumber, NotANumber};
pub use http::{
    BuildError, CrossOriginRedirect, MAX_REDIRECTS, client_builder, http_client,
    same_origin_redirects,
};
