//! `--demo`: the four vendors emulated on loopback (`prepaid-emulator`, serving the bodies
//! their documentation shows), so the whole command runs with no keys and no network.
//! `--demo-failures` puts each vendor in a different failure state.

use prepaid::{Prepaid, ProviderConfig, RetryPolicy};
use prepaid_emulator::{Emulator, Scenario};

/// The running emulation; the vendors stop answering when it is dropped.
pub struct Demo {
    emulator: Emulator,
}

/// The key every emulated vendor gets (not a secret: it only opens the local emulation).
const DEMO_KEY: &str = "demo-key";

impl Demo {
    /// Start the emulation: healthy vendors, or (with `failures`) each failing differently.
    pub async fn start(failures: bool) -> Result<Self, String> {
        let scenario = if failures {
            Scenario::Failures
        } else {
            Scenario::Healthy
        };
        let emulator = Emulator::start(scenario)
            .await
            .map_err(|e| format!("cannot start the demo's loopback server: {e}"))?;
        Ok(Self { emulator })
    }

    /// A facade configured for every emulated vendor this build reads.
    pub fn prepaid(
        &self,
        configure: impl Fn(ProviderConfig) -> ProviderConfig,
        retry: bool,
    ) -> Result<Prepaid, prepaid::ConfigError> {
        let mut builder = Prepaid::builder();
        for &provider in prepaid::Provider::ALL {
            let base_url = self.emulator.base_url(provider.as_str());
            if let (true, Some(base_url)) = (provider.is_compiled_in(), base_url) {
                let config = ProviderConfig::new(provider, DEMO_KEY).base_url(base_url);
                builder = builder.provider(configure(config));
            }
        }
        if !retry {
            builder = builder.retry_policy(RetryPolicy::none());
        }
        builder.build()
    }
}
