//! A user who needs an operation the vendor shipped before we did builds a client from their
//! own spec: `<PACKAGE>_OPENAPI` names it, and the client's build script reads it instead of
//! the `openapi.json` the crate ships. Tried as that user would: a crate outside the
//! workspace depending on `venice-client`, built by cargo.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use prepaid_tests::{cargo_during, root, take_turn, Turn};

/// A crate that calls `getBillingExtra`, an operation only the user's spec has.
fn user_crate(dir: &Path) {
    user_crate_with(
        dir,
        "pub async fn extra(client: &venice_client::Client) -> Option<String> {\n    \
         let extra = client.get_billing_extra().send().await.ok()?.into_inner();\n    \
         extra.credits.map(|n| n.to_string())\n}\n",
    );
}

/// A crate outside the workspace depending on `venice-client`, whose `lib.rs` is `source`.
fn user_crate_with(dir: &Path, source: &str) {
    let venice = root().join("crates/venice-client");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"own-spec-user\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
             [workspace]\n\n[dependencies]\nvenice-client = {{ path = {:?} }}\n",
            venice.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), source).unwrap();
    // The workspace's versions, so the build needs nothing it has not downloaded.
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
}

/// `cargo build` of the user's crate, with `VENICE_CLIENT_OPENAPI` naming `spec` (or unset):
/// whether it built, and what cargo printed.
fn build_user_crate(turn: &Turn, user: &Path, spec: Option<&Path>) -> (bool, String) {
    let mut command = cargo_during(turn, user, &["build"]);
    match spec {
        Some(path) => command.env("VENICE_CLIENT_OPENAPI", path),
        None => command.env_remove("VENICE_CLIENT_OPENAPI"),
    };
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.success(), stderr)
}

/// Venice's shipped spec with one more operation, `GET /billing/extra`.
fn spec_with_an_extra_operation() -> String {
    let text = std::fs::read_to_string(root().join("crates/venice-client/openapi.json")).unwrap();
    let mut spec: serde_json::Value = serde_json::from_str(&text).unwrap();
    spec["paths"]["/billing/extra"] = serde_json::json!({ "get": {
        "operationId": "getBillingExtra",
        "responses": { "200": { "description": "ok", "content": { "application/json": {
            "schema": { "type": "object", "properties": { "credits": { "type": "number" } } }
        } } } }
    } });
    serde_json::to_string_pretty(&spec).unwrap()
}

#[test]
fn the_build_script_reads_the_spec_its_variable_names() {
    let dir = tempfile::tempdir().unwrap();
    let user = dir.path().join("user");
    user_crate(&user);
    let spec = dir.path().join("venice-next.json");
    std::fs::write(&spec, spec_with_an_extra_operation()).unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{ \"openapi\": ").unwrap();

    let turn = take_turn(&user).unwrap();
    let build = |spec: Option<&Path>| build_user_crate(&turn, &user, spec);

    // The shipped spec has no such operation.
    let (ok, stderr) = build(None);
    assert!(!ok, "{stderr}");
    assert!(stderr.contains("get_billing_extra"), "{stderr}");
    // The user's spec has it: the client is generated again from that file.
    let (ok, stderr) = build(Some(&spec));
    assert!(ok, "{stderr}");
    // A relative path is refused: relative to what would be a guess.
    let (ok, stderr) = build(Some(Path::new("venice-next.json")));
    assert!(!ok, "{stderr}");
    assert!(
        stderr.contains("VENICE_CLIENT_OPENAPI=venice-next.json: give the spec's absolute path"),
        "{stderr}"
    );
    // A file that is not JSON is named, with where it breaks.
    let (ok, stderr) = build(Some(&broken));
    assert!(!ok, "{stderr}");
    assert!(
        stderr.contains(&format!("{}: not a JSON document", broken.display())),
        "{stderr}"
    );
    assert!(stderr.contains("line 1"), "{stderr}");
}

/// What a user writes against the Venice client: fields read, a `match` on a known-value
/// enum (with the wildcard arm `#[non_exhaustive]` asks for).
const READS_THE_BALANCE: &str = r#"
use venice_client::types::GetBillingBalanceResponse as Response;
use venice_client::types::GetBillingBalanceResponseConsumptionCurrency as Currency;
use venice_client::types::GetBillingBalanceResponseConsumptionCurrencyKnown as Known;

pub fn describe(balance: &Response) -> String {
    let usd = balance.balances.usd.as_ref().map(|n| n.to_string()).unwrap_or_default();
    let spends = match &balance.consumption_currency {
        Some(Currency::Known(Known::Usd)) => "usd".to_string(),
        Some(Currency::Known(Known::Diem)) => "diem".to_string(),
        Some(Currency::Known(other)) => other.to_string(),
        Some(Currency::Other(other)) => other.as_str().to_string(),
        None => String::new(),
    };
    format!("{usd} {spends}")
}
"#;

/// Venice's shipped spec grown as vendors grow theirs: a field more in `balances`, a value
/// more in the consumption currency's enum.
fn spec_grown_by_a_field_and_a_value() -> String {
    let text = std::fs::read_to_string(root().join("crates/venice-client/openapi.json")).unwrap();
    let mut spec: serde_json::Value = serde_json::from_str(&text).unwrap();
    let schema = spec
        .pointer_mut("/paths/~1billing~1balance/get/responses/200/content/application~1json/schema/properties")
        .unwrap();
    schema["balances"]["properties"]["vcu"] =
        serde_json::json!({ "type": "number", "nullable": true });
    let values = schema["consumptionCurrency"]["oneOf"][0]["enum"]
        .as_array_mut()
        .unwrap();
    values.push(serde_json::json!("USDC"));
    serde_json::to_string_pretty(&spec).unwrap()
}

#[test]
fn code_written_against_a_client_compiles_against_its_next_release_and_cannot_be_written_to_break()
{
    let dir = tempfile::tempdir().unwrap();
    let user = dir.path().join("user");
    user_crate_with(&user, READS_THE_BALANCE);
    let grown = dir.path().join("venice-grown.json");
    std::fs::write(&grown, spec_grown_by_a_field_and_a_value()).unwrap();

    let turn = take_turn(&user).unwrap();
    let build = |spec: Option<&Path>| build_user_crate(&turn, &user, spec);
    // Written against today's client, it compiles against today's and the grown one.
    let (ok, stderr) = build(None);
    assert!(ok, "{stderr}");
    let (ok, stderr) = build(Some(&grown));
    assert!(ok, "{stderr}");
    assert!(
        std::fs::read_to_string(&grown).unwrap().contains("USDC"),
        "the grown spec has the new value"
    );

    // What growth would break cannot be written: an exhaustive match, a struct literal.
    let exhaustive = READS_THE_BALANCE.replace(
        "Some(Currency::Known(other)) => other.to_string(),",
        "Some(Currency::Known(Known::Vcu | Known::BundledCredits)) => String::new(),",
    );
    user_crate_with(&user, &exhaustive);
    let (ok, stderr) = build(None);
    assert!(!ok, "{stderr}");
    assert!(stderr.contains("non-exhaustive"), "{stderr}");
    let literal = format!(
        "{READS_THE_BALANCE}\npub fn empty() -> venice_client::types::GetBillingBalanceResponseBalances {{\n    \
         venice_client::types::GetBillingBalanceResponseBalances {{ diem: None, usd: None }}\n}}\n"
    );
    user_crate_with(&user, &literal);
    let (ok, stderr) = build(None);
    assert!(!ok, "{stderr}");
    assert!(stderr.contains("non-exhaustive"), "{stderr}");
}
