//! `-v`/`-vv`/`-vvv` and `RUST_LOG`: what prepaid does, on stderr. Keys never reach a log:
//! the facade and the generated clients keep them in `Credentials`, whose `Debug` hides them,
//! and no event records a header.

use tracing_subscriber::EnvFilter;

/// What each `-v` count shows, when `RUST_LOG` is not set.
fn directives(verbose: u8) -> &'static str {
    match verbose {
        // Only `serve`'s own messages, and warnings from the HTTP stack.
        0 => "warn,prepaid=error,prepaid::serve=info",
        // Each account's fetch and retry, and what failed.
        1 => "warn,prepaid=debug",
        // The facade's spans, the runtime's and reqwest's own logs.
        2 => "info,prepaid=trace,prepaid_client_runtime=trace,reqwest=debug,hyper_util=debug",
        _ => "trace",
    }
}

/// Send logs to stderr; `RUST_LOG` (when set and not empty) wins over `verbose`. A `RUST_LOG`
/// that does not parse is an error naming it.
pub fn init(verbose: u8) -> Result<(), String> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::try_new(&directives)
            .map_err(|e| format!("RUST_LOG={directives:?} is not a log filter: {e}"))?,
        _ => EnvFilter::new(directives(verbose)),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(verbose >= 2)
        .try_init()
        .map_err(|e| format!("cannot start logging: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_verbosity_is_a_valid_filter() {
        for verbose in 0..=4 {
            assert!(
                EnvFilter::try_new(directives(verbose)).is_ok(),
                "-v x{verbose}"
            );
        }
    }
}
