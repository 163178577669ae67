//! One vendor endpoint on httpmock, shared by the generated clients' tests (each includes this
//! file with `#[path]`): `GET path` carrying `Authorization: Bearer key` answers `status`
//! with the JSON text `body` exactly as written (no number passes through an `f64`).

/// A mock server answering `GET path` with the bearer `key` as above.
pub async fn serve(path: &str, key: &str, status: u16, body: &str) -> httpmock::MockServer {
    let server = httpmock::MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(httpmock::Method::GET)
                .path(path)
                .header("authorization", format!("Bearer {key}"));
            then.status(status)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
    server
}
