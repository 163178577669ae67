//! The emulator's documented bodies and routes (`prepaid-emulator`, where each is written
//! once), keyed by [`Provider`].

use prepaid::Provider;
pub use prepaid_emulator::bodies::{
    NGROK_AI_GATEWAY, RUNCRATE, RUNTOOLS_CREDITS, RUNTOOLS_PLAN, VENICE,
};

/// The paths (after the vendor's prefix) one balance fetch of `provider` requests.
pub fn paths(provider: Provider) -> &'static [&'static str] {
    prepaid_emulator::paths(provider.as_str())
}

/// `origin` (`http://127.0.0.1:PORT`) plus `provider`'s prefix: the base URL to configure.
pub fn base_url(origin: &str, provider: Provider) -> String {
    prepaid_emulator::base_url(origin, provider.as_str()).unwrap_or_default()
}
