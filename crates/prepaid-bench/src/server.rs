//! The loopback emulation the benchmarks run against: `prepaid-emulator`'s server (hyper
//! directly, one `match` per request, no lock or request log: httpmock, which the tests use,
//! serves every request under one global mutex and tries every mock's matchers in turn,
//! which at 256 concurrent requests on two cores would weigh on both sides of every
//! comparison), here on a runtime of its own.

use std::time::Duration;

use prepaid::Provider;

/// The emulator, serving every vendor's documented body.
pub type Server = prepaid_emulator::Emulator;

/// Start a [`Server`] on the current runtime, each response sent `delay` after its request.
pub async fn start(delay: Duration) -> std::io::Result<Server> {
    Server::start_delayed(prepaid_emulator::Scenario::Healthy, delay).await
}

/// A [`Server`] on a Tokio runtime of its own (two worker threads), so a benchmark's client
/// runtime and the server only share the CPU, as a separate process would.
#[derive(Debug)]
pub struct Loopback {
    server: Server,
    // Dropped after the server (fields drop in order): its tasks stop with it.
    runtime: tokio::runtime::Runtime,
}

impl Loopback {
    /// Start a server whose responses are each sent `delay` after the request.
    pub fn start(delay: Duration) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("loopback-server")
            .enable_all()
            .build()?;
        let server = runtime.block_on(start(delay))?;
        Ok(Self { server, runtime })
    }

    /// The running server.
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        self.server.origin()
    }

    /// The base URL to configure for `provider`.
    pub fn base_url(&self, provider: Provider) -> String {
        crate::bodies::base_url(&self.origin(), provider)
    }

    /// The server's runtime (e.g. to spawn more on it).
    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.runtime
    }
}
