//! What the suites that run `prepaid serve` share.
#![allow(clippy::unwrap_used, dead_code)]

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, ExitStatus};

/// The URL `prepaid serve` printed on its first line of stdout (piped), or `None` if it
/// stopped without printing one.
pub fn listening_url(child: &mut Child) -> Option<String> {
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut()?)
        .read_line(&mut line)
        .ok()?;
    line.split_whitespace()
        .find(|w| w.contains("://"))
        .map(str::to_string)
}

/// SIGTERM, as a service manager stops it, and its exit status.
pub fn terminate(mut child: Child) -> ExitStatus {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap()
}
