//! `cargo xtask`: maintainer commands. See `cargo xtask help`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

const HELP: &str = "\
cargo xtask regen           re-normalize specs/*, rewrite the clients' openapi.json, rebuild
                            them and update the snapshots; print what changed per vendor,
                            each change marked BREAKING or ok
cargo xtask regen --deny-breaking
                            the same, but if any change is BREAKING print the report, write
                            nothing and fail
cargo xtask regen --check   change nothing; fail, naming the file, if anything is stale
                            (with --deny-breaking too: breaking changes fail first)
cargo xtask import VENDOR PAGE.md...
                            merge the OpenAPI blocks of documentation pages into
                            specs/VENDOR/openapi.yaml (pages kept in specs/VENDOR/pages/)
cargo xtask import --check  change nothing; fail if a spec is not what its pages give
";

/// `regen`'s flags, in any order, each at most once.
fn regen_flags(flags: &[&str]) -> Option<(xtask::Mode, xtask::BreakingChanges)> {
    let mut mode = xtask::Mode::Write;
    let mut breaking = xtask::BreakingChanges::Allow;
    for (index, flag) in flags.iter().enumerate() {
        if flags[..index].contains(flag) {
            return None;
        }
        match *flag {
            "--check" => mode = xtask::Mode::Check,
            "--deny-breaking" => breaking = xtask::BreakingChanges::Deny,
            _ => return None,
        }
    }
    Some((mode, breaking))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = xtask::project_root();
    let result = match args.as_slice() {
        ["regen", flags @ ..] => {
            let Some((mode, breaking)) = regen_flags(flags) else {
                eprint!("unknown command: {}\n\n{HELP}", args.join(" "));
                return ExitCode::from(2);
            };
            match xtask::regen_with(&root, mode, breaking) {
                Ok(report) => {
                    print!("{report}");
                    match mode {
                        xtask::Mode::Write => xtask::rebuild_and_update_snapshots(&root),
                        xtask::Mode::Check => Ok(()),
                    }
                }
                Err(error) => {
                    // The whole report, so the breaking changes are seen in context.
                    if let xtask::RegenError::Breaking(report) = &error {
                        print!("{report}");
                    }
                    Err(error)
                }
            }
        }
        ["import", "--check"] => xtask::import::check(&root)
            .map(|()| println!("every imported spec is what its pages give"))
            .map_err(xtask::RegenError::from),
        ["import", vendor, pages @ ..] if !pages.is_empty() && !vendor.starts_with('-') => {
            let pages: Vec<std::path::PathBuf> =
                pages.iter().map(std::path::PathBuf::from).collect();
            xtask::import::import(&root, vendor, &pages, &xtask::import::today())
                .map(|operations| {
                    println!(
                        "specs/{vendor}/openapi.yaml now has {} operation(s):",
                        operations.len()
                    );
                    operations.iter().for_each(|op| println!("  {op}"));
                    println!("next: cargo xtask regen, then review the diff");
                })
                .map_err(xtask::RegenError::from)
        }
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

#[cfg(test)]
mod tests {
    use super::regen_flags;
    use xtask::{BreakingChanges, Mode};

    #[test]
    fn regen_flags_come_in_any_order_once_each() {
        assert_eq!(
            regen_flags(&[]),
            Some((Mode::Write, BreakingChanges::Allow))
        );
        assert_eq!(
            regen_flags(&["--deny-breaking"]),
            Some((Mode::Write, BreakingChanges::Deny))
        );
        for flags in [
            ["--check", "--deny-breaking"],
            ["--deny-breaking", "--check"],
        ] {
            assert_eq!(
                regen_flags(&flags),
                Some((Mode::Check, BreakingChanges::Deny))
            );
        }
        assert_eq!(regen_flags(&["--check", "--check"]), None);
        assert_eq!(regen_flags(&["--deny"]), None);
    }
}
