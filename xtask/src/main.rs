//! `cargo xtask`: maintainer commands. See `cargo xtask help`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

const HELP: &str = "\
cargo xtask regen           re-normalize specs/*, rewrite the clients' openapi.json, rebuild
                            them and update the snapshots; print what changed per vendor
cargo xtask regen --check   change nothing; fail, naming the file, if anything is stale
cargo xtask import VENDOR PAGE.md...
                            merge the OpenAPI blocks of documentation pages into
                            specs/VENDOR/openapi.yaml (pages kept in specs/VENDOR/pages/)
cargo xtask import --check  change nothing; fail if a spec is not what its pages give
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
