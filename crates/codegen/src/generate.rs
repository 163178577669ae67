//! Generate a vendor client from its normalized OpenAPI document.
//!
//! This one file is a module of `codegen` *and*, through a symlink, the `build.rs` of every
//! client crate: the code a client compiles and the code the snapshots show come from the
//! same function, and each client crate still packages on its own (`cargo package -p
//! venice-client`). It may therefore use only crates that every client lists under
//! `[build-dependencies]`: progenitor, openapiv3, schemars, serde_json, prettyplease, syn,
//! quote and proc-macro2.
//!
//! Besides progenitor's client, it emits what progenitor leaves to us (see
//! [`generate`]): the base URL each operation is served from, and the vendor's auth.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};

use openapiv3::{APIKeyLocation, OpenAPI, ReferenceOr, SecurityScheme};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The Rust source generated for one vendor, formatted with prettyplease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The client: progenitor's types, builders and `Client`, plus `servers` and `Credentials`.
    pub client: String,
    /// progenitor's typed httpmock helpers (a client crate's `mock` feature).
    pub httpmock: String,
}

/// Why a normalized document could not be turned into Rust.
#[derive(Debug)]
pub enum GenerateError {
    /// The text is not an OpenAPI 3.0 document that openapiv3 accepts.
    Parse(serde_json::Error),
    /// progenitor refused the document.
    Progenitor(String),
    /// progenitor panicked; `operation` names the operation that triggers it, where one does.
    Panic {
        /// The `operationId` (or `METHOD path`) whose generation panics on its own.
        operation: Option<String>,
        /// The panic message.
        message: String,
    },
    /// The generated tokens are not a Rust file (a progenitor bug).
    Syntax(String),
    /// Something progenitor does not do and we cannot either (e.g. an unsupported auth scheme).
    Unsupported(String),
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Parse(e) => write!(f, "not an OpenAPI 3.0 document progenitor can read: {e}"),
            Self::Progenitor(e) => write!(f, "progenitor rejected the document: {e}"),
            Self::Panic {
                operation: Some(op),
                message,
            } => {
                write!(f, "progenitor panicked on operation `{op}`: {message}")
            }
            Self::Panic {
                operation: None,
                message,
            } => write!(f, "progenitor panicked: {message}"),
            Self::Syntax(e) => write!(f, "progenitor produced invalid Rust: {e}"),
            Self::Unsupported(e) => write!(f, "unsupported: {e}"),
        }
    }
}

impl std::error::Error for GenerateError {}

/// Generate the client and its httpmock helpers from a normalized OpenAPI 3.0 JSON document.
///
/// Settings: builder interface, merged tags, `schemars::JsonSchema` derived on every type,
/// `ClientConfig` as the client's inner type, and a `ClientHooks` impl that sets the auth
/// header and applies the config's response-size limit and observer. progenitor's
/// `api-version` header is taken out of the code (none of our vendors documents it).
pub fn generate(spec_json: &str) -> Result<Generated, GenerateError> {
    let spec: OpenAPI = serde_json::from_str(spec_json).map_err(GenerateError::Parse)?;
    let progenitor_client = catch_progenitor_panic(&spec, run_progenitor)?;
    let extras = [
        servers_module(&spec),
        credentials_module(&spec)?,
        exact_number(),
    ];
    let mut client = parse(quote! { #progenitor_client #(#extras)* })?;
    strip_api_version(&mut client);
    read_bodies_within_limit(&mut client);
    let client = prettyplease::unparse(&client);
    let httpmock = catch_progenitor_panic(&spec, |spec| {
        progenitor::Generator::new(&settings()).httpmock(spec, "crate")
    })?;
    Ok(Generated {
        client,
        httpmock: format(httpmock)?,
    })
}

fn settings() -> progenitor::GenerationSettings {
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_derive("schemars::JsonSchema")
        .with_inner_type(quote! { crate::ClientConfig })
        .with_hooks(progenitor::HooksMode::Expected)
        .with_conversion(
            schemars::schema::SchemaObject {
                instance_type: Some(schemars::schema::InstanceType::Number.into()),
                ..Default::default()
            },
            "crate::ExactNumber",
            [progenitor::TypeImpl::Display, progenitor::TypeImpl::FromStr].into_iter(),
        );
    settings
}

fn run_progenitor(spec: &OpenAPI) -> Result<TokenStream, progenitor::Error> {
    progenitor::Generator::new(&settings()).generate_tokens(spec)
}

/// Run `step` on `spec`, turning a progenitor panic into an error that names the operation.
fn catch_progenitor_panic(
    spec: &OpenAPI,
    step: impl Fn(&OpenAPI) -> Result<TokenStream, progenitor::Error>,
) -> Result<TokenStream, GenerateError> {
    match quietly(|| step(spec)) {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(GenerateError::Progenitor(e.to_string())),
        Err(message) => {
            // Find the operation that panics on its own, so the maintainer knows where to look.
            let operation = operations(spec)
                .into_iter()
                .find_map(|(path, method, name)| {
                    let single = only_operation(spec, &path, &method);
                    quietly(|| step(&single)).is_err().then_some(name)
                });
            Err(GenerateError::Panic { operation, message })
        }
    }
}

/// Run `f`, catching a panic as its message without printing it.
fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(hook);
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string())
    })
}

/// `(path, method, operationId or "METHOD path")` for every operation, in document order.
fn operations(spec: &OpenAPI) -> Vec<(String, String, String)> {
    spec.paths
        .iter()
        .filter_map(|(path, item)| Some((path, item.as_item()?)))
        .flat_map(|(path, item)| {
            item.iter().map(move |(method, op)| {
                let name = op
                    .operation_id
                    .clone()
                    .unwrap_or_else(|| format!("{} {path}", method.to_uppercase()));
                (path.clone(), method.to_string(), name)
            })
        })
        .collect()
}

/// A copy of `spec` holding only the operation `method path`.
fn only_operation(spec: &OpenAPI, path: &str, method: &str) -> OpenAPI {
    let mut single = spec.clone();
    single.paths.paths.retain(|p, _| p == path);
    if let Some(ReferenceOr::Item(item)) = single.paths.paths.get_mut(path) {
        for (m, slot) in [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("options", &mut item.options),
            ("head", &mut item.head),
            ("patch", &mut item.patch),
            ("trace", &mut item.trace),
        ] {
            if m != method {
                *slot = None;
            }
        }
    }
    single
}

/// `pub mod servers`: the base URL of every operation (operation, then path, then document
/// `servers`), and the one a client uses by default. progenitor ignores `servers`.
fn servers_module(spec: &OpenAPI) -> TokenStream {
    let document = spec.servers.first().map(|s| s.url.as_str());
    let mut per_operation = Vec::new();
    for (path, item) in spec.paths.iter() {
        let Some(item) = item.as_item() else { continue };
        for (method, op) in item.iter() {
            let url = op
                .servers
                .first()
                .or_else(|| item.servers.first())
                .map(|s| s.url.as_str())
                .or(document)
                .unwrap_or("/");
            let name = op
                .operation_id
                .clone()
                .unwrap_or_else(|| format!("{} {path}", method.to_uppercase()));
            per_operation.push((name, url.trim_end_matches('/').to_string()));
        }
    }
    let default = match per_operation.first() {
        Some((_, first)) if per_operation.iter().all(|(_, url)| url == first) => first.clone(),
        _ => document.unwrap_or("/").trim_end_matches('/').to_string(),
    };
    let (names, urls): (Vec<_>, Vec<_>) = per_operation.into_iter().unzip();
    quote! {
        /// Where the vendor serves each operation, from the spec's `servers`.
        pub mod servers {
            /// The base URL every operation of this spec is served from (the document's
            /// first server if they differ). [`crate::Client::with_api_key`] uses it.
            pub const DEFAULT_BASE_URL: &str = #default;
            /// `(operationId, base URL)` of every operation, in spec order.
            pub const OPERATIONS: &[(&str, &str)] = &[#((#names, #urls)),*];
        }
    }
}

/// `ExactNumber`, the type of every `type: number` in the spec: the JSON number's own text,
/// so money is never rounded through `f64` on its way to a caller.
fn exact_number() -> TokenStream {
    quote! {
        /// A JSON number exactly as the vendor wrote it (`type: number` in the spec). Parse
        /// [`ExactNumber::as_str`] into a decimal type for money; [`ExactNumber::to_f64`] is
        /// there for everything else.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct ExactNumber(String);

        /// Text that is not a JSON number.
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct NotANumber;

        impl std::fmt::Display for NotANumber {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("not a JSON number")
            }
        }

        impl std::error::Error for NotANumber {}

        impl ExactNumber {
            /// The number's JSON text, e.g. `90.5` or `1e-7`.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The nearest `f64` (lossy: not for money).
            pub fn to_f64(&self) -> Option<f64> {
                self.0.parse().ok()
            }
        }

        impl std::str::FromStr for ExactNumber {
            type Err = NotANumber;
            fn from_str(text: &str) -> Result<Self, NotANumber> {
                match serde_json::from_str::<Box<serde_json::value::RawValue>>(text) {
                    Ok(raw) if is_number(raw.get()) => Ok(Self(String::from(Box::<str>::from(raw)))),
                    _ => Err(NotANumber),
                }
            }
        }

        /// Whether `raw`, the text of one JSON value (checked, with no space around it), is
        /// a number: the one kind of value that starts with `-` or a digit. Its size does not
        /// matter: `1e400` is a number, however few types can hold it.
        fn is_number(raw: &str) -> bool {
            raw.starts_with(|c: char| c == '-' || c.is_ascii_digit())
        }

        impl std::fmt::Display for ExactNumber {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for ExactNumber {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <Box<serde_json::value::RawValue>>::deserialize(deserializer)?;
                if is_number(raw.get()) {
                    Ok(Self(String::from(Box::<str>::from(raw))))
                } else {
                    Err(<D::Error as serde::de::Error>::invalid_type(
                        serde::de::Unexpected::Other(raw.get()),
                        &"a JSON number",
                    ))
                }
            }
        }

        impl serde::Serialize for ExactNumber {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match serde_json::value::RawValue::from_string(self.0.clone()) {
                    Ok(raw) => raw.serialize(serializer),
                    Err(e) => Err(<S::Error as serde::ser::Error>::custom(e)),
                }
            }
        }

        impl schemars::JsonSchema for ExactNumber {
            fn schema_name() -> String {
                "ExactNumber".to_string()
            }
            fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
                <f64 as schemars::JsonSchema>::json_schema(generator)
            }
        }
    }
}

/// How a security scheme puts the key on a request.
struct AuthHeader {
    scheme: String,
    header: String,
    bearer: bool,
}

/// The header-based schemes of the spec, those named in its top-level `security` first.
fn auth_headers(spec: &OpenAPI) -> Result<Vec<AuthHeader>, GenerateError> {
    let mut names: Vec<&String> = spec
        .security
        .iter()
        .flatten()
        .flat_map(|r| r.keys())
        .collect();
    let schemes = spec.components.as_ref().map(|c| &c.security_schemes);
    for name in schemes.into_iter().flat_map(|s| s.keys()) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let mut headers = Vec::new();
    for name in names {
        let Some(ReferenceOr::Item(scheme)) = schemes.and_then(|s| s.get(name)) else {
            continue;
        };
        let (header, bearer) = match scheme {
            SecurityScheme::HTTP { scheme, .. } if scheme.eq_ignore_ascii_case("bearer") => {
                ("authorization".to_string(), true)
            }
            SecurityScheme::APIKey {
                location: APIKeyLocation::Header,
                name,
                ..
            } => (name.to_ascii_lowercase(), false),
            _ => continue,
        };
        headers.push(AuthHeader {
            scheme: name.clone(),
            header,
            bearer,
        });
    }
    if headers.is_empty() {
        return Err(GenerateError::Unsupported(
            "the spec declares no bearer or header API-key security scheme".to_string(),
        ));
    }
    Ok(headers)
}

/// `Credentials`, `ClientConfig` (the client's inner value), the `ClientHooks` impl that
/// applies them, and `Client::with_api_key` / `Client::with_config`.
fn credentials_module(spec: &OpenAPI) -> Result<TokenStream, GenerateError> {
    let schemes = auth_headers(spec)?;
    let constructors = schemes.iter().map(|s| {
        let fn_name = format_ident!("{}", snake_case(&s.scheme));
        let header = &s.header;
        let (doc, value) = if s.bearer {
            (
                format!(
                    "Sends the key as `Authorization: Bearer <key>` (security scheme `{}`).",
                    s.scheme
                ),
                quote! { format!("Bearer {api_key}") },
            )
        } else {
            (
                format!(
                    "Sends the key as the `{header}` header (security scheme `{}`).",
                    s.scheme
                ),
                quote! { api_key.to_string() },
            )
        };
        quote! {
            #[doc = #doc]
            pub fn #fn_name(api_key: &str) -> Result<Self, InvalidApiKey> {
                Self::header(#header, #value, api_key)
            }
        }
    });
    let default_fn = format_ident!("{}", snake_case(&schemes[0].scheme));
    let default_doc = format!(
        "Credentials for an API key in the spec's first security scheme, `{}`.",
        schemes[0].scheme
    );
    Ok(quote! {
        /// What authenticates a request: one header, set on every request by the client's
        /// `ClientHooks`. Its `Debug` output never shows the value.
        #[derive(Clone, Default)]
        pub struct Credentials {
            header: Option<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
        }

        /// An API key that cannot be sent in an HTTP header (empty, or with whitespace or
        /// control characters). It never holds the key itself.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct InvalidApiKey;

        impl std::fmt::Display for InvalidApiKey {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("the API key is empty or contains whitespace or control characters")
            }
        }

        impl std::error::Error for InvalidApiKey {}

        impl Credentials {
            /// No credentials: requests go out unauthenticated.
            pub fn none() -> Self {
                Self::default()
            }

            #[doc = #default_doc]
            pub fn api_key(api_key: &str) -> Result<Self, InvalidApiKey> {
                Self::#default_fn(api_key)
            }

            #(#constructors)*

            fn header(name: &'static str, value: String, api_key: &str) -> Result<Self, InvalidApiKey> {
                if api_key.is_empty() || api_key.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err(InvalidApiKey);
                }
                let mut value = reqwest::header::HeaderValue::try_from(value).map_err(|_| InvalidApiKey)?;
                value.set_sensitive(true);
                Ok(Self { header: Some((reqwest::header::HeaderName::from_static(name), value)) })
            }

            /// The header name these credentials set, if any (never the value).
            pub fn header_name(&self) -> Option<&str> {
                self.header.as_ref().map(|(name, _)| name.as_str())
            }
        }

        impl std::fmt::Debug for Credentials {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("Credentials")
                    .field("header", &self.header_name())
                    .field("value", &self.header.as_ref().map(|_| "<redacted>"))
                    .finish()
            }
        }

        /// What a [`Client`] sends and how it reads responses: its inner value.
        #[derive(Clone, Default)]
        pub struct ClientConfig {
            /// Set on every request.
            pub credentials: Credentials,
            /// The largest response body read, in bytes: a longer one fails the request
            /// with [`ResponseTooLarge`] in its error's source chain. `None`: no limit.
            pub max_response_bytes: Option<u64>,
            /// Called with every response (status and headers) before its body is read.
            pub on_response: Option<std::sync::Arc<dyn Fn(&reqwest::Response) + Send + Sync>>,
            /// Called with every response body as it is read, whole or in pieces in order:
            /// the exact bytes the vendor sent, fields the spec does not declare included.
            pub on_body: Option<std::sync::Arc<dyn Fn(&[u8]) + Send + Sync>>,
        }

        impl std::fmt::Debug for ClientConfig {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("ClientConfig")
                    .field("credentials", &self.credentials)
                    .field("max_response_bytes", &self.max_response_bytes)
                    .field("on_response", &self.on_response.as_ref().map(|_| "Fn"))
                    .field("on_body", &self.on_body.as_ref().map(|_| "Fn"))
                    .finish()
            }
        }

        impl From<Credentials> for ClientConfig {
            fn from(credentials: Credentials) -> Self {
                Self { credentials, ..Self::default() }
            }
        }

        /// A response body longer than [`ClientConfig::max_response_bytes`].
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct ResponseTooLarge {
            /// The limit that was exceeded, in bytes.
            pub limit: u64,
        }

        impl std::fmt::Display for ResponseTooLarge {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "the response body is larger than {} bytes", self.limit)
            }
        }

        impl std::error::Error for ResponseTooLarge {}

        /// A JSON body as `T`, as progenitor's `ResponseValue::from_response` reads one, but
        /// within the config's size limit and shown to its `on_body` hook. A body whose
        /// declared length fits is read at once (the connection delivers no more than that);
        /// any other is counted as it streams in.
        async fn read_json<T: serde::de::DeserializeOwned, E>(
            config: &ClientConfig,
            mut response: reqwest::Response,
        ) -> Result<ResponseValue<T>, Error<E>> {
            let status = response.status();
            let headers = std::mem::take(response.headers_mut());
            let limit = config.max_response_bytes.unwrap_or(u64::MAX);
            let full = if response.content_length().is_some_and(|length| length <= limit) {
                response.bytes().await
            } else {
                watch_body(response, limit, None).bytes().await
            }
            .map_err(Error::ResponseBodyError)?;
            if let Some(on_body) = &config.on_body {
                on_body(&full);
            }
            match serde_json::from_slice(&full) {
                Ok(inner) => Ok(ResponseValue::new(inner, status, headers)),
                Err(e) => Err(Error::InvalidResponsePayload(full, e)),
            }
        }

        /// `response`, for the caller to read, with the config's size limit and `on_body`
        /// hook on its body.
        fn watched(config: &ClientConfig, response: reqwest::Response) -> reqwest::Response {
            match (config.max_response_bytes, &config.on_body) {
                (None, None) => response,
                (limit, on_body) => watch_body(response, limit.unwrap_or(u64::MAX), on_body.clone()),
            }
        }

        /// `response` with a body that fails with [`ResponseTooLarge`] past `limit` bytes and
        /// passes each chunk to `on_body` as it is read.
        fn watch_body(
            mut response: reqwest::Response,
            limit: u64,
            on_body: Option<std::sync::Arc<dyn Fn(&[u8]) + Send + Sync>>,
        ) -> reqwest::Response {
            let declared_too_large = response.content_length().is_some_and(|length| length > limit);
            // Moved, not copied: the original response keeps only its body.
            let (status, version, url) = (response.status(), response.version(), response.url().clone());
            let headers = std::mem::take(response.headers_mut());
            let extensions = std::mem::take(response.extensions_mut());
            let mut seen: u64 = 0;
            let body = futures_util::StreamExt::map(response.bytes_stream(), move |chunk| {
                let chunk = chunk.map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
                seen = seen.saturating_add(chunk.len() as u64);
                if declared_too_large || seen > limit {
                    return Err(Box::new(ResponseTooLarge { limit }) as Box<dyn std::error::Error + Send + Sync>);
                }
                if let Some(on_body) = &on_body {
                    on_body(&chunk);
                }
                Ok(chunk)
            });
            let mut watched = http::Response::new(reqwest::Body::wrap_stream(body));
            *watched.status_mut() = status;
            *watched.version_mut() = version;
            *watched.headers_mut() = headers;
            *watched.extensions_mut() = extensions;
            // Keep the URL, so errors reading the body still say where it came from.
            let with_url = reqwest::ResponseBuilderExt::url(http::Response::builder(), url).body(());
            if let Ok(with_url) = with_url {
                watched.extensions_mut().extend(with_url.into_parts().0.extensions);
            }
            reqwest::Response::from(watched)
        }

        impl ClientHooks<ClientConfig> for Client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                _info: &OperationInfo,
            ) -> std::result::Result<(), Error<E>> {
                if let Some((name, value)) = &self.inner.credentials.header {
                    request.headers_mut().insert(name.clone(), value.clone());
                }
                Ok(())
            }

            async fn exec(
                &self,
                request: reqwest::Request,
                _info: &OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                let response = self.client.execute(request).await?;
                if let Some(observe) = &self.inner.on_response {
                    observe(&response);
                }
                // The body is read, within the limit, by `read_json` or, for a response the
                // operation does not document, by the caller through `watched`.
                Ok(response)
            }
        }

        impl Client {
            /// A client for the vendor's documented base URL ([`servers::DEFAULT_BASE_URL`])
            /// that authenticates with `api_key`, on a new `reqwest::Client` that follows
            /// redirects only within the same origin, so the key never reaches another host.
            /// Fails on an [`InvalidApiKey`] or if the HTTP client cannot be built.
            pub fn with_api_key(api_key: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                let credentials = Credentials::api_key(api_key)?;
                let same_origin = reqwest::redirect::Policy::custom(|attempt| {
                    let origin = attempt.url().origin();
                    let same = attempt.previous().iter().all(|url| url.origin() == origin);
                    if same && attempt.previous().len() < 10 { attempt.follow() } else { attempt.stop() }
                });
                let http = reqwest::Client::builder().redirect(same_origin).build()?;
                Ok(Self::with_config(servers::DEFAULT_BASE_URL, http, credentials.into()))
            }

            /// A client for `base_url` (a trailing `/` is dropped) on a shared
            /// `reqwest::Client`: share one per process, building one is not cheap.
            pub fn with_config(base_url: &str, http: reqwest::Client, config: ClientConfig) -> Self {
                Self::new_with_client(base_url.trim_end_matches('/'), http, config)
            }
        }
    })
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out
}

fn format(tokens: TokenStream) -> Result<String, GenerateError> {
    Ok(prettyplease::unparse(&parse(tokens)?))
}

fn parse(tokens: TokenStream) -> Result<syn::File, GenerateError> {
    syn::parse2::<syn::File>(tokens).map_err(|e| GenerateError::Syntax(e.to_string()))
}

/// Take progenitor's `api-version` header out of the client: no vendor documents it,
/// and every request would otherwise build, merge and drop a header map for it.
///
/// progenitor starts each operation's headers with
/// `let mut header_map = HeaderMap::with_capacity(n);` and
/// `header_map.append(HeaderName::from_static("api-version"), …);`. The `append` goes and
/// `n` shrinks by one, so an operation with no headers of its own allocates none.
fn strip_api_version(file: &mut syn::File) {
    use syn::visit_mut::VisitMut;

    struct Strip;

    /// Whether `stmt` is `header_map.append(<path>::from_static("api-version"), …);`.
    fn appends_api_version(stmt: &syn::Stmt) -> bool {
        let syn::Stmt::Expr(syn::Expr::MethodCall(call), Some(_)) = stmt else {
            return false;
        };
        let Some(syn::Expr::Call(name)) = call.args.first() else {
            return false;
        };
        call.method == "append"
            && matches!(&*call.receiver, syn::Expr::Path(p) if p.path.is_ident("header_map"))
            && matches!(
                name.args.first(),
                Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. })) if s.value() == "api-version"
            )
    }

    /// `let mut header_map = …::with_capacity(n);` with one header fewer: `n - 1`, and not
    /// `mut` when that leaves none.
    fn one_header_fewer(stmt: &mut syn::Stmt) {
        let syn::Stmt::Local(local) = stmt else {
            return;
        };
        let syn::Pat::Ident(ident) = &mut local.pat else {
            return;
        };
        if ident.ident != "header_map" {
            return;
        }
        let Some(init) = local.init.as_mut() else {
            return;
        };
        let syn::Expr::Call(call) = &mut *init.expr else {
            return;
        };
        let Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(n),
            ..
        })) = call.args.first_mut()
        else {
            return;
        };
        let fewer = n.base10_parse::<usize>().unwrap_or(1).saturating_sub(1);
        *n = syn::LitInt::new(&format!("{fewer}usize"), n.span());
        if fewer == 0 {
            ident.mutability = None;
        }
    }

    impl VisitMut for Strip {
        fn visit_block_mut(&mut self, block: &mut syn::Block) {
            let before = block.stmts.len();
            block.stmts.retain(|stmt| !appends_api_version(stmt));
            if block.stmts.len() < before {
                block.stmts.iter_mut().for_each(one_header_fewer);
            }
            syn::visit_mut::visit_block_mut(self, block);
        }
    }

    Strip.visit_file_mut(file);
}

/// Route every body the operations read through the config's size limit and `on_body`
/// hook: `ResponseValue::from_response(response)` becomes
/// `crate::read_json(&client.inner, response)`, and the response in
/// `Error::UnexpectedResponse(response)` or `ResponseValue::stream(response)` is handed
/// over `crate::watched`. The hooks'
/// `exec` then leaves responses as they are: a JSON body read whole is not streamed
/// through a wrapper, and its headers are moved rather than cloned.
fn read_bodies_within_limit(file: &mut syn::File) {
    use syn::visit_mut::VisitMut;

    struct Route;

    /// Whether `path` ends in `segments`.
    fn ends_with(path: &syn::Path, segments: &[&str]) -> bool {
        path.segments.len() >= segments.len()
            && path
                .segments
                .iter()
                .rev()
                .zip(segments.iter().rev())
                .all(|(segment, name)| segment.ident == name)
    }

    /// Whether `args` is the one argument `response`.
    fn just_response(args: &syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>) -> bool {
        args.len() == 1
            && matches!(args.first(), Some(syn::Expr::Path(p)) if p.path.is_ident("response"))
    }

    impl VisitMut for Route {
        fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
            // (No let-chains: this file is also the clients' edition-2021 `build.rs`.)
            let target = match &*expr {
                syn::Expr::Call(call) if just_response(&call.args) => match &*call.func {
                    syn::Expr::Path(func) => Some(func.path.clone()),
                    _ => None,
                },
                _ => None,
            };
            match target {
                Some(path) if ends_with(&path, &["ResponseValue", "from_response"]) => {
                    *expr = syn::parse_quote! { crate::read_json(&client.inner, response) };
                }
                Some(path)
                    if ends_with(&path, &["Error", "UnexpectedResponse"])
                        || ends_with(&path, &["ResponseValue", "stream"]) =>
                {
                    if let syn::Expr::Call(call) = expr {
                        call.args = syn::parse_quote! { crate::watched(&client.inner, response) };
                    }
                }
                _ => syn::visit_mut::visit_expr_mut(self, expr),
            }
        }
    }

    Route.visit_file_mut(file);
}

/// As every client crate's `build.rs`: generate `$OUT_DIR/codegen.rs` and `$OUT_DIR/httpmock.rs`
/// from the crate's `openapi.json`, rerunning only when that file changes.
#[allow(dead_code)]
fn main() -> std::process::ExitCode {
    println!("cargo::rerun-if-changed=openapi.json");
    let result = (|| -> Result<(), String> {
        let spec = std::fs::read_to_string("openapi.json")
            .map_err(|e| format!("cannot read openapi.json: {e}"))?;
        let generated = generate(&spec).map_err(|e| format!("openapi.json: {e}"))?;
        let out_dir = std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?;
        let out_dir = std::path::Path::new(&out_dir);
        std::fs::write(out_dir.join("codegen.rs"), generated.client)
            .and_then(|()| std::fs::write(out_dir.join("httpmock.rs"), generated.httpmock))
            .map_err(|e| format!("cannot write to OUT_DIR: {e}"))
    })();
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            println!("cargo::error={message}");
            std::process::ExitCode::FAILURE
        }
    }
}
