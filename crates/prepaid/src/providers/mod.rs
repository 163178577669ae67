//! One adapter per vendor, each turning its generated client's answer into a [`Balance`].

use std::sync::Arc;

use crate::transport::{Ctx, Shared, VendorErrors};
use crate::{Balance, ConfigError, Error, Provider, ProviderConfig};

#[doc(hidden)]
pub mod decode;
mod decoding;
/// A vendor adapter: its context and its generated client, built once with the facade's
/// body limit and hooks. Each vendor's client is its own type, hence a macro rather than a
/// generic.
macro_rules! adapter {
    ($name:ident, $client:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug)]
        pub(crate) struct $name {
            ctx: Ctx,
            client: $client::Client,
        }

        impl $name {
            pub(crate) fn new(ctx: Ctx, credentials: $client::Credentials) -> Self {
                let (on_response, on_body) = crate::transport::hooks();
                let config = $client::ClientConfig::from(credentials)
                    .with_max_response_bytes(Some(ctx.max_response_bytes()))
                    .with_on_response(on_response)
                    .with_on_body(on_body);
                let client =
                    $client::Client::with_config(&ctx.base_url, ctx.http().clone(), config);
                Self { ctx, client }
            }
        }
    };
}
use adapter;

/// The caveat ngrok documents for its balance endpoint (`Provider::caveat`).
pub(crate) const EVENTUALLY_CONSISTENT: &str = "ngrok AI Gateway: the balance is eventually consistent with usage events; recent usage may not be deducted yet";

/// The order Venice spends in, and what `canConsume` leaves out (`Provider::caveat`).
pub(crate) const SPENDING_ORDER: &str =
    "Venice: spends DIEM first, then bundled credits, then USD; canConsume ignores bundled credits";

/// The adapters' modules, [`Source`] and [`source`], from
/// [`vendors!`](crate::vendors::vendors)' entries.
macro_rules! sources {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident {
            name: $name:literal,
            env: $env:literal,
            client: $client:ident,
            adapter: $module:ident :: $adapter:ident,
            auth: $auth:ident,
            units: $units:expr,
            caveat: $caveat:expr,
        }
    )*) => {
        $(
            #[cfg(feature = $name)]
            pub(crate) mod $module;
        )*

        #[cfg(not(any($(feature = $name),*)))]
        compile_error!(concat!(
            "prepaid reads no vendor: enable at least one of its vendor features:",
            $(" ", $name),*
        ));

        /// The adapter for `config`, which [`ProviderConfig::validate`] has accepted.
        pub(crate) fn source(
            config: &ProviderConfig,
            base_url: String,
            shared: Arc<Shared>,
        ) -> Result<Source, ConfigError> {
            let provider = config.provider();
            let ctx = |vendor: VendorErrors| Ctx::new(config, base_url, shared, vendor);
            let invalid_key = || {
                ConfigError::for_provider(provider, "the API key cannot be sent in an HTTP header")
                    .for_account(config.account_name())
            };
            let secret = config.api_key().expose();
            Ok(match provider {
                $(
                    #[cfg(feature = $name)]
                    Provider::$variant => Source::$variant(Arc::new($module::$adapter::new(
                        ctx($module::ERRORS),
                        $client::auth::$auth(secret).map_err(|_| invalid_key())?,
                    ))),
                )*
                // `ProviderConfig::validate` has refused a vendor that is not compiled in.
                #[allow(unreachable_patterns)]
                _ => {
                    return Err(ConfigError::for_provider(
                        provider,
                        format!("enable the cargo feature `{}`", provider.feature()),
                    ));
                }
            })
        }

        /// A configured adapter, kept by its concrete type so runtools' extra calls can
        /// reach it.
        #[derive(Debug, Clone)]
        pub(crate) enum Source {
            $(
                #[cfg(feature = $name)]
                $variant(Arc<$module::$adapter>),
            )*
        }

        impl Source {
            /// The balance: the whole fetch (retries and body included) is bounded by the
            /// provider's timeout and traced in one `prepaid.fetch` span.
            pub(crate) async fn fetch(&self) -> Result<Balance, Error> {
                match self {
                    $(
                        #[cfg(feature = $name)]
                        Source::$variant(s) => s.balance().await,
                    )*
                }
            }
        }
    };
}
crate::vendors::vendors!(sources);

/// The note for a documented field `vendor` did not send: the balance is read without it.
#[cfg(any(feature = "runcrate", feature = "venice"))]
fn left_out(vendor: &str, field: &str) -> String {
    format!("{vendor} did not send `{field}`, which it documents: left out")
}

/// `body[key]` as a non-empty string.
fn text(body: &serde_json::Value, key: &str) -> Option<String> {
    body.get(key)?
        .as_str()
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
}

/// `message (code)`, `message`, or `code` alone.
fn with_code(message: Option<String>, code: Option<String>) -> Option<String> {
    match (message, code) {
        (Some(m), Some(c)) => Some(format!("{m} ({c})")),
        (Some(m), None) => Some(m),
        (None, Some(c)) => Some(c),
        (None, None) => None,
    }
}

#[cfg(any(feature = "runcrate", feature = "runtools", feature = "venice"))]
/// A message in any of the common error shapes: `{error: "..."}`,
/// `{error: {message, code}}`, `{msg, errorCode}`, `{message}`.
fn common_message(body: &serde_json::Value) -> Option<String> {
    if let Some(error) = body.get("error") {
        if let Some(text) = error.as_str().filter(|s| !s.trim().is_empty()) {
            return Some(text.to_string());
        }
        if let Some(found) = with_code(text(error, "message"), text(error, "code")) {
            return Some(found);
        }
    }
    with_code(text(body, "msg"), text(body, "errorCode")).or_else(|| text(body, "message"))
}
