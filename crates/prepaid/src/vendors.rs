//! Every vendor this crate reads, named once. [`vendors!`] hands the list to a macro of the
//! module that needs it: `model` makes the [`Provider`](crate::Provider) enum and its
//! methods, `providers` the adapters' dispatch. Adding a vendor is an entry here, its adapter
//! file under `providers/`, its cargo feature (named as the entry's `name`) and its client
//! dependency.
//!
//! Each entry: the `Provider` variant and its documentation; `name`, the vendor's name as
//! serialized and its cargo feature; `env`, the prefix of its environment variables; `client`,
//! its generated client crate; `adapter`, the adapter's module under `providers/` and type;
//! `auth`, the client's `auth` function that makes its credentials from a key; `units`, what
//! it reports balances in; `caveat`, what always holds for its balances.

/// Expands to `$then! { entry* }` with every vendor's entry, in the order results are
/// reported.
macro_rules! vendors {
    ($then:ident) => {
        $then! {
            /// Runcrate (`https://runcrate.ai/api/v1/billing/balance`), prepaid USD credits.
            Runcrate {
                name: "runcrate",
                env: "RUNCRATE",
                client: runcrate_client,
                adapter: runcrate::Runcrate,
                auth: api_key,
                units: &[Unit::Usd],
                caveat: None,
            }
            /// ngrok AI Gateway (`https://api.ngrok.ai/credits/balance`), prepaid USD credits in cents.
            NgrokAiGateway {
                name: "ngrok-ai-gateway",
                env: "NGROK_AI_GATEWAY",
                client: ngrok_ai_gateway_client,
                adapter: ngrok_ai_gateway::NgrokAiGateway,
                auth: api_key,
                units: &[Unit::Usd],
                caveat: Some(crate::providers::EVENTUALLY_CONSISTENT),
            }
            /// runtools (`https://billing.runtools.ai/v1/billing/credits`), prepaid USD credits in cents.
            Runtools {
                name: "runtools",
                env: "RUNTOOLS",
                client: runtools_client,
                adapter: runtools::RuntoolsSource,
                auth: api_key,
                units: &[Unit::Usd],
                caveat: None,
            }
            /// Venice (`https://api.venice.ai/api/v1/billing/balance`), USD and staked DIEM.
            Venice {
                name: "venice",
                env: "VENICE",
                client: venice_client,
                adapter: venice::Venice,
                auth: api_key,
                units: &[Unit::Usd, Unit::Diem],
                caveat: Some(crate::providers::SPENDING_ORDER),
            }
        }
    };
}
pub(crate) use vendors;
