//! What the `prepaid` benchmarks share: the loopback emulation of the four vendors serving
//! their documented balance bodies (`prepaid-emulator`, on a runtime of its own: [`server`]), the bare `reqwest` + `serde_json`
//! baseline each facade figure is compared with ([`bare`]), the 10,000-account fleet of
//! the scale benchmark ([`scale`]), the peak-memory and CPU-time readings ([`memory`]),
//! paired comparisons that resist a drifting load ([`paired`]), the load itself
//! ([`machine`]) and the release `prepaid serve` the exporter's benchmarks start ([`serve`]).
//!
//! The benchmarks themselves are in `benches/`; see `docs/PERFORMANCE.md` for how to run
//! them and what they measured. Nothing here touches anything but `127.0.0.1`.

pub mod bare;
pub mod bodies;
pub mod machine;
pub mod memory;
pub mod paired;
pub mod scale;
pub mod serve;
pub mod server;

pub use server::{Loopback, Server};
