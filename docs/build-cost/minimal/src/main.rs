use clap::Parser;
use serde_json::value::RawValue;
use rustls_platform_verifier::BuilderVerifierExt;

#[derive(Parser)]
struct Args {
    #[arg(long, env = "VENICE_API_KEY")]
    key: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_platform_verifier()?
        .with_no_client_auth();
    let client = reqwest::Client::builder().tls_backend_preconfigured(tls).build()?;
    let body = client
        .get("https://api.venice.ai/api/v1/billing/balance")
        .bearer_auth(args.key)
        .send()
        .await?
        .text()
        .await?;
    // The amount from its JSON text, never through f64.
    type Object<'a> = std::collections::HashMap<&'a str, &'a RawValue>;
    let top: Object = serde_json::from_str(&body)?;
    let balances: Object = serde_json::from_str(top.get("balances").ok_or("no balances")?.get())?;
    let usd: rust_decimal::Decimal = balances.get("usd").ok_or("no usd")?.get().parse()?;
    println!("{usd} USD");
    Ok(())
}
