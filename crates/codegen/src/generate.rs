//! Generate a vendor client from its normalized OpenAPI document: progenitor's code, plus
//! what progenitor leaves to us and the spec decides (see [`generate`]). Everything every
//! client shares lives in `prepaid-client-runtime`; the generated code only calls it.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};

use openapiv3::{APIKeyLocation, OpenAPI, ReferenceOr, SecurityScheme};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::Dependencies;

/// The Rust source generated for one vendor, formatted with prettyplease.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Generated {
    /// The client: progenitor's types, builders and `Client`, plus `servers`, `auth` and
    /// the `ClientHooks` impl that hands requests and bodies to the runtime.
    pub client: String,
    /// progenitor's typed httpmock helpers (a client crate's `mock` feature), sending and
    /// matching bodies as their exact JSON text.
    pub httpmock: String,
    /// The crates the generated code needs beside the ones every client has.
    pub dependencies: Dependencies,
}

/// Why a normalized document could not be turned into Rust.
#[derive(Debug)]
#[non_exhaustive]
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
/// `ExactNumber` for every `type: number`, the runtime's `ClientConfig` as the client's
/// inner type, and a `ClientHooks` impl that delegates to the runtime. progenitor's
/// `api-version` header is taken out of the code (none of our vendors documents it).
pub fn generate(spec_json: &str) -> Result<Generated, GenerateError> {
    let spec: OpenAPI = serde_json::from_str(spec_json).map_err(GenerateError::Parse)?;
    let (progenitor_client, dependencies) = catch_progenitor_panic(&spec, run_progenitor)?;
    let extras = [servers_module(&spec), client_module(&spec)?];
    let mut client = parse(quote! { #progenitor_client #(#extras)* })?;
    strip_api_version(&mut client);
    read_bodies_within_limit(&mut client);
    build_new_through_runtime(&mut client);
    mark_types_non_exhaustive(&mut client);
    let client = prettyplease::unparse(&client);
    let httpmock = catch_progenitor_panic(&spec, |spec| {
        progenitor::Generator::new(&settings()).httpmock(spec, "crate")
    })?;
    let mut httpmock = parse(httpmock)?;
    send_exact_mock_bodies(&mut httpmock);
    Ok(Generated {
        client,
        httpmock: prettyplease::unparse(&httpmock),
        dependencies,
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

/// progenitor's client, and the crates its code needs (typify's type space says which).
fn run_progenitor(spec: &OpenAPI) -> Result<(TokenStream, Dependencies), progenitor::Error> {
    let mut generator = progenitor::Generator::new(&settings());
    let tokens = generator.generate_tokens(spec)?;
    if generator.uses_websockets() {
        return Err(progenitor::Error::UnexpectedFormat(
            "websocket operations are not supported by the client runtime".to_string(),
        ));
    }
    let types = generator.get_type_space();
    let dependencies = Dependencies {
        chrono: types.uses_chrono(),
        uuid: types.uses_uuid(),
        regress: types.uses_regress(),
        futures: generator.uses_futures(),
    };
    Ok((tokens, dependencies))
}

/// Run `step` on `spec`, turning a progenitor panic into an error that names the operation.
fn catch_progenitor_panic<T>(
    spec: &OpenAPI,
    step: impl Fn(&OpenAPI) -> Result<T, progenitor::Error>,
) -> Result<T, GenerateError> {
    match quietly(|| step(spec)) {
        Ok(Ok(generated)) => Ok(generated),
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
        let slots = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for (m, slot) in crate::HTTP_METHODS.iter().zip(slots) {
            if *m != method {
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
    let mut documented: Vec<String> = Vec::new();
    let mut note = |servers: &[openapiv3::Server]| {
        for server in servers {
            let url = server.url.trim_end_matches('/').to_string();
            if !documented.contains(&url) {
                documented.push(url);
            }
        }
    };
    note(&spec.servers);
    for (path, item) in spec.paths.iter() {
        let Some(item) = item.as_item() else { continue };
        note(&item.servers);
        for (method, op) in item.iter() {
            note(&op.servers);
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
            /// Every base URL the spec's `servers` name (the document's, then each path's
            /// and operation's), in spec order: a vendor's regions, the hosts its keys are
            /// meant for.
            pub const DOCUMENTED_BASE_URLS: &[&str] = &[#(#documented),*];
        }
    }
}

/// How a security scheme puts the key on a request.
struct AuthHeader {
    /// The scheme's name in the spec.
    scheme: String,
    /// The `auth` function that makes its credentials: the name in snake case.
    function: syn::Ident,
    /// The header it sets, lower case.
    header: String,
    /// `Authorization: Bearer <key>` rather than the key alone.
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
        if !is_header_name(&header) {
            return Err(GenerateError::Unsupported(format!(
                "security scheme `{name}` names header {header:?}, which is not an HTTP header name"
            )));
        }
        headers.push(AuthHeader {
            scheme: name.clone(),
            function: rust_identifier(&snake_case(name)),
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

/// The crate root's additions: the runtime's types re-exported, `auth` (credentials for
/// each of the spec's security schemes), the `ClientHooks` impl that hands every request and
/// response to the runtime, and `Client::with_api_key` / `Client::with_config`.
fn client_module(spec: &OpenAPI) -> Result<TokenStream, GenerateError> {
    let schemes = auth_headers(spec)?;
    let constructors = schemes.iter().map(|s| {
        let fn_name = &s.function;
        let header = &s.header;
        if s.bearer {
            let doc = format!(
                "Sends the key as `Authorization: Bearer <key>` (security scheme `{}`).",
                s.scheme
            );
            quote! {
                #[doc = #doc]
                pub fn #fn_name(api_key: &str) -> Result<Credentials, InvalidApiKey> {
                    Credentials::bearer(api_key)
                }
            }
        } else {
            let doc = format!(
                "Sends the key as the `{header}` header (security scheme `{}`).",
                s.scheme
            );
            quote! {
                #[doc = #doc]
                pub fn #fn_name(api_key: &str) -> Result<Credentials, InvalidApiKey> {
                    Credentials::header(#header, api_key)
                }
            }
        }
    });
    let first = &schemes[0].function;
    let alias = (!schemes.iter().any(|s| s.function == "api_key")).then(|| {
        let doc = format!(
            "Credentials for an API key in the spec's first security scheme, `{}`.",
            schemes[0].scheme
        );
        quote! {
            #[doc = #doc]
            pub fn api_key(api_key: &str) -> Result<Credentials, InvalidApiKey> {
                #first(api_key)
            }
        }
    });
    Ok(quote! {
        pub use ::prepaid_client_runtime::{
            client_builder, default_http_client, http_client, BuildError, ClientConfig, CrossOriginRedirect,
            Credentials, ExactNumber, InvalidApiKey, ResponseTooLarge,
        };

        /// Credentials for each of the spec's security schemes.
        pub mod auth {
            use super::{Credentials, InvalidApiKey};
            #alias
            #(#constructors)*
        }

        impl ClientHooks<ClientConfig> for Client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                _info: &OperationInfo,
            ) -> std::result::Result<(), Error<E>> {
                self.inner.credentials.apply(request);
                Ok(())
            }

            async fn exec(
                &self,
                request: reqwest::Request,
                _info: &OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                self.inner.execute(&self.client, request).await
            }
        }

        impl Client {
            /// A client for the vendor's documented base URL ([`servers::DEFAULT_BASE_URL`])
            /// that authenticates with `api_key` in the spec's first security scheme, on a new
            /// `reqwest::Client` that follows redirects only within the same origin, so the
            /// key never reaches another host. Fails on an [`InvalidApiKey`] or if the HTTP
            /// client cannot be built.
            pub fn with_api_key(
                api_key: &str,
            ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                let config = ClientConfig::from(auth::#first(api_key)?);
                let http = ::prepaid_client_runtime::http_client()?;
                Ok(Self::with_config(servers::DEFAULT_BASE_URL, http, config))
            }

            /// A client for `base_url` (a trailing `/` is dropped) on a shared
            /// `reqwest::Client`: share one per process, building one is not cheap.
            pub fn with_config(base_url: &str, http: reqwest::Client, config: ClientConfig) -> Self {
                Self::new_with_client(base_url.trim_end_matches('/'), http, config)
            }
        }
    })
}

/// Whether `name` is an HTTP header name (RFC 9110 `token`).
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// `name` as an identifier: a keyword gets a `_` after it, a leading digit `scheme_` before.
fn rust_identifier(name: &str) -> syn::Ident {
    [
        name.to_string(),
        format!("{name}_"),
        format!("scheme_{name}"),
    ]
    .iter()
    .find_map(|candidate| syn::parse_str::<syn::Ident>(candidate).ok())
    .unwrap_or_else(|| format_ident!("scheme"))
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

/// Mark every struct with named fields and every enum of plain values in the `types` module
/// `#[non_exhaustive]`, so that a field or a value the vendor adds (which the breaking-change
/// report calls `ok`) is no breaking change for code written against the client: outside the
/// crate such a struct is built through its `types::builder` or read from JSON, and a `match`
/// on such an enum has a wildcard arm. The open enums normalization makes (`Known` /
/// `Other`) keep exactly their two variants; builders and newtypes are left as they are.
fn mark_types_non_exhaustive(file: &mut syn::File) {
    let types = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == "types" => module.content.as_mut(),
        _ => None,
    });
    let Some((_, items)) = types else {
        return;
    };
    let non_exhaustive: syn::Attribute = syn::parse_quote!(#[non_exhaustive]);
    for item in items {
        let attrs = match item {
            syn::Item::Struct(s) if matches!(s.fields, syn::Fields::Named(_)) => &mut s.attrs,
            syn::Item::Enum(e)
                if e.variants
                    .iter()
                    .all(|v| matches!(v.fields, syn::Fields::Unit)) =>
            {
                &mut e.attrs
            }
            _ => continue,
        };
        if !attrs
            .iter()
            .any(|attr| attr.path().is_ident("non_exhaustive"))
        {
            attrs.push(non_exhaustive.clone());
        }
    }
}

/// Make progenitor's `Client::new(baseurl, inner)` send with the runtime's
/// `default_http_client()`, the client `with_api_key` uses: the TLS of the crate's feature
/// with its crypto provider named (progenitor's own `reqwest::ClientBuilder::new()` panics
/// under `rustls-ring` when no process-wide provider is installed), redirects followed only
/// within the origin, and a connect and total timeout. Its body becomes
/// `Self::new_with_client(baseurl, ::prepaid_client_runtime::default_http_client(), inner)`;
/// its doc comment says so.
fn build_new_through_runtime(file: &mut syn::File) {
    for item in &mut file.items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let is_client = block.trait_.is_none()
            && matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if !is_client {
            continue;
        }
        for member in &mut block.items {
            let syn::ImplItem::Fn(function) = member else {
                continue;
            };
            if function.sig.ident != "new" || function.sig.inputs.len() != 2 {
                continue;
            }
            function.block = syn::parse_quote! {{
                Self::new_with_client(baseurl, ::prepaid_client_runtime::default_http_client(), inner)
            }};
            function.attrs.extend([
                syn::parse_quote! { #[doc = ""] },
                syn::parse_quote! {
                    #[doc = " Its `reqwest::Client` is [`default_http_client()`]: the TLS of this crate's feature, redirects followed only within the origin, and the runtime's connect and total timeouts. [`Client::with_config`] shares one of your own."]
                },
            ]);
        }
    }
}

/// Route every body the operations read through the config's size limit and `on_body`
/// hook: `ResponseValue::from_response(response)` becomes
/// `::prepaid_client_runtime::read_json(&client.inner, response)`, and the response in
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
            let target = match &*expr {
                syn::Expr::Call(call) if just_response(&call.args) => match &*call.func {
                    syn::Expr::Path(func) => Some(func.path.clone()),
                    _ => None,
                },
                _ => None,
            };
            match target {
                Some(path) if ends_with(&path, &["ResponseValue", "from_response"]) => {
                    *expr = syn::parse_quote! { ::prepaid_client_runtime::read_json(&client.inner, response) };
                }
                Some(path)
                    if ends_with(&path, &["Error", "UnexpectedResponse"])
                        || ends_with(&path, &["ResponseValue", "stream"]) =>
                {
                    if let syn::Expr::Call(call) = expr {
                        call.args = syn::parse_quote! { ::prepaid_client_runtime::watched(&client.inner, response) };
                    }
                }
                _ => syn::visit_mut::visit_expr_mut(self, expr),
            }
        }
    }

    Route.visit_file_mut(file);
}

/// Send and match typed mock bodies as their exact JSON text. progenitor's helpers call
/// httpmock's `json_body_obj(value)`, which goes through `serde_json::Value` and so rounds
/// an [`ExactNumber`](https://docs.rs/prepaid-client-runtime) with more digits than an `f64`
/// holds. `x.json_body_obj(value)` becomes `x.body(<value as JSON text>)`: a response sends
/// that text, and a request matches when its body is that text (the client serializes the
/// same typed value the same way).
fn send_exact_mock_bodies(file: &mut syn::File) {
    use syn::visit_mut::VisitMut;

    struct Exact;

    impl VisitMut for Exact {
        fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
            syn::visit_mut::visit_expr_method_call_mut(self, call);
            if call.method == "json_body_obj" && call.args.len() == 1 {
                let value = &call.args[0];
                call.method = format_ident!("body");
                call.args = syn::parse_quote! {
                    ::serde_json::to_string(#value)
                        .expect("a generated type serializes to JSON")
                };
            }
        }
    }

    Exact.visit_file_mut(file);
}
