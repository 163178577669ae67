#[tokio::main]
async fn main() -> Result<(), prepaid::Error> {
    let prepaid = prepaid::Prepaid::from_env()?;
    for (provider, result) in prepaid.fetch_all().await {
        match result {
            Ok(balance) => println!("{provider}: {:?}", balance.available),
            Err(error) => eprintln!("{provider}: {error}"),
        }
    }
    Ok(())
}
