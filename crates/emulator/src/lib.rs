#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod bodies;
pub mod examples;
mod server;

pub use bodies::{VENDORS, base_url, paths, prefix};
pub use server::{Emulator, Scenario};
