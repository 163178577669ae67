//! `cargo xtask`: maintainer commands. See `cargo xtask help`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

const HELP: &str = "\
cargo xtask regen           re-normalize specs/*, rewrite each client's openapi.json, the
                            generated code's dependencies in its Cargo.toml and the snapshots
                            of that code (tests/tests/snapshots/), build every client through
                            its build script and run the snapshot test; print what changed
                            per vendor, each change marked BREAKING or ok. If any step fails,
                            every file is put back as it was and that step's message shown
cargo xtask regen --deny-breaking
                            the same, but if any change is BREAKING print the report, write
                            nothing and fail
cargo xtask regen --check   change nothing; fail, naming the file (a spec's openapi.json, a
                            Cargo.toml and its dependency, a snapshot), if anything is stale
                            (with --deny-breaking too: breaking changes fail first)
cargo xtask import VENDOR PAGE.md...
                            merge the OpenAPI blocks of documentation pages into
                            specs/VENDOR/openapi.yaml (pages kept in specs/VENDOR/pages/)
cargo xtask import --check  change nothing; fail if a spec is not what its pages give
cargo xtask vendor new NAME --spec FILE
                            a new vendor from its spec: specs/NAME/openapi.yaml, the client
                            crate crates/NAME-client (manifest, build script, lib.rs, README
                            from xtask/templates/client/), its lines in the workspace
                            Cargo.toml; then regen as above. If any step fails, the tree is
                            left as it was
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
    let usage = || {
        eprint!("unknown command: {}\n\n{HELP}", args.join(" "));
        ExitCode::from(2)
    };
    let command = match args.as_slice() {
        ["help"] | ["--help"] | ["-h"] | [] => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        ["regen", flags @ ..] => match regen_flags(flags) {
            Some((mode, breaking)) => Command::Regen(mode, breaking),
            None => return usage(),
        },
        ["import", "--check"] => Command::ImportCheck,
        ["vendor", "new", name, "--spec", spec] if !name.starts_with('-') => {
            Command::VendorNew(name, std::path::Path::new(spec))
        }
        ["import", vendor, pages @ ..] if !pages.is_empty() && !vendor.starts_with('-') => {
            Command::Import(vendor, pages)
        }
        _ => return usage(),
    };
    match xtask::project_root().and_then(|root| run(&root, command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The whole report, so the breaking changes are seen in context.
            if let xtask::RegenError::Breaking(report) = &error {
                print!("{report}");
            }
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// A parsed command line.
enum Command<'a> {
    Regen(xtask::Mode, xtask::BreakingChanges),
    ImportCheck,
    Import(&'a str, &'a [&'a str]),
    VendorNew(&'a str, &'a std::path::Path),
}

fn run(root: &std::path::Path, command: Command<'_>) -> Result<(), xtask::RegenError> {
    match command {
        Command::Regen(xtask::Mode::Check, breaking) => {
            print!("{}", xtask::regen_with(root, xtask::Mode::Check, breaking)?);
        }
        Command::Regen(xtask::Mode::Write, breaking) => {
            let rebuild = xtask::Rebuild {
                snapshots: true,
                ..xtask::Rebuild::default()
            };
            print!("{}", xtask::regen_and_rebuild(root, breaking, &rebuild)?);
        }
        Command::VendorNew(name, spec) => {
            let rebuild = xtask::Rebuild {
                snapshots: true,
                ..xtask::Rebuild::default()
            };
            print!(
                "{}",
                xtask::scaffold::new_vendor(root, name, spec, &rebuild)?
            );
            println!(
                "{name}: crates/{name}-client is built. Now write its adapter and its entry in \
                 crates/prepaid/src/vendors.rs (README: Adding a vendor)"
            );
        }
        Command::ImportCheck => {
            xtask::import::check(root)?;
            println!("every imported spec is what its pages give");
        }
        Command::Import(vendor, pages) => {
            let pages: Vec<std::path::PathBuf> = pages.iter().map(Into::into).collect();
            let operations = xtask::import::import(root, vendor, &pages, &xtask::import::today())?;
            println!(
                "specs/{vendor}/openapi.yaml now has {} operation(s):",
                operations.len()
            );
            operations.iter().for_each(|op| println!("  {op}"));
            println!("next: cargo xtask regen, then review the diff");
        }
    }
    Ok(())
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
