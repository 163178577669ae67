//! `cargo xtask`: maintainer commands. See `cargo xtask help`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

const HELP: &str = "\
cargo xtask regen           re-normalize specs/*, rewrite the clients' openapi.json, rebuild
                            them and update the snapshots; print what changed per vendor
cargo xtask regen --check   change nothing; fail, naming the file, if anything is stale
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = xtask::project_root();
    let result = match args.as_slice() {
        ["regen"] => xtask::regen(&root, xtask::Mode::Write).and_then(|report| {
            print!("{report}");
            xtask::rebuild_and_update_snapshots(&root)
        }),
        ["regen", "--check"] => xtask::regen(&root, xtask::Mode::Check).map(|report| {
            print!("{report}");
        }),
        ["help"] | ["--help"] | ["-h"] | [] => {
            print!("{HELP}");
            Ok(())
        }
        _ => {
            eprint!("unknown command: {}\n\n{HELP}", args.join(" "));
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
