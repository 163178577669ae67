//! Faults on the wire, each against a loopback server of the test's own writing raw
//! HTTP/1.1 bytes (see `wire/mod.rs`). Every fault is tried with each vendor as the faulty
//! one, in a `fetch_all` whose other three vendors (on httpmock) must still succeed; the
//! faulty vendor must end with the right typed error within its timeout plus a coarse
//! margin: under 2 s for the whole `fetch_all`, the silent faults timing out at 500 ms and
//! the others failing fast (their timeout is 10 s, so load cannot make them time out).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod wire;

use common::KEY;
use prepaid::ErrorKind;
use wire::{BOUND, Fault, Outcome, TIMEOUT};

async fn each(fault: Fault) -> Vec<Outcome> {
    let outcomes = wire::each_vendor_faulty(fault, KEY).await;
    for outcome in &outcomes {
        outcome.assert_others_succeeded();
        common::assert_no_key(outcome.error());
    }
    outcomes
}

/// A connection failure, retried by the policy (3 attempts per call).
fn assert_network(outcome: &Outcome, says: &str) {
    let error = outcome.error();
    assert!(
        error.kind() == ErrorKind::Network
            && error.provider() == outcome.faulty
            && error.is_retryable()
            && common::with_causes(error).contains(says),
        "{:?} at {}: {error:?}",
        outcome.fault,
        outcome.faulty
    );
}

/// The fault was retried: more connections than calls, at most one per attempt.
fn assert_retried(outcome: &Outcome) {
    assert!(
        outcome.connections > outcome.calls() && outcome.connections <= 3 * outcome.calls(),
        "{:?} at {}: {} connections",
        outcome.fault,
        outcome.faulty,
        outcome.connections
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_network_error() {
    for outcome in each(Fault::ConnectionRefused).await {
        assert_network(&outcome, "Connection refused");
        assert_eq!(outcome.connections, 0);
    }
}

#[tokio::test]
async fn a_reset_after_the_headers_is_a_network_error_after_retries() {
    for outcome in each(Fault::ResetAfterHeaders).await {
        assert_network(&outcome, "reading the body failed");
        assert_network(&outcome, "reset");
        assert_retried(&outcome);
    }
}

#[tokio::test]
async fn a_reset_halfway_through_the_body_is_a_network_error_after_retries() {
    for outcome in each(Fault::ResetMidBody).await {
        assert_network(&outcome, "reading the body failed");
        assert_network(&outcome, "reset");
        assert_retried(&outcome);
    }
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    for outcome in each(Fault::NeverAnswers).await {
        let error = outcome.error();
        assert!(
            error.kind() == ErrorKind::Timeout
                && error.provider() == outcome.faulty
                && error.timeout_after() == Some(TIMEOUT),
            "{}: {error:?}",
            outcome.faulty
        );
        assert!(outcome.elapsed >= TIMEOUT, "{:?}", outcome.elapsed);
        assert!(outcome.connections >= 1);
    }
}

#[tokio::test]
async fn a_body_dripped_a_byte_a_second_times_out_within_the_timeout() {
    // The headers come at once: only a timeout on the whole response catches this.
    for outcome in each(Fault::Drip).await {
        let error = outcome.error();
        assert!(
            error.kind() == ErrorKind::Timeout
                && error.provider() == outcome.faulty
                && error.timeout_after() == Some(TIMEOUT),
            "{}: {error:?}",
            outcome.faulty
        );
        assert!(outcome.elapsed >= TIMEOUT, "{:?}", outcome.elapsed);
        assert!(outcome.elapsed < BOUND, "{:?}", outcome.elapsed);
    }
}

#[tokio::test]
async fn a_content_length_longer_than_the_body_is_a_network_error_after_retries() {
    for outcome in each(Fault::ShortBody).await {
        assert_network(&outcome, "end of file before message length reached");
        assert_retried(&outcome);
    }
}

#[tokio::test]
async fn gzip_that_does_not_decompress_is_undecodable() {
    // The workspace builds reqwest without its `gzip` feature: the facade never asks for
    // gzip (no Accept-Encoding) and never inflates, so a vendor that sends it anyway is
    // seen as the raw bytes it sent, which are not JSON.
    for outcome in each(Fault::BadGzip).await {
        let error = outcome.error();
        assert!(
            error.kind() == ErrorKind::Undecodable
                && error.provider() == outcome.faulty
                && error.status() == Some(200)
                && error.detail().is_some_and(|d| !d.is_empty())
                && error
                    .body_excerpt()
                    .is_some_and(|e| e.starts_with("\u{1f}\u{fffd}\u{8}\u{0}garbage")),
            "{}: {error:?}",
            outcome.faulty
        );
        assert!(!outcome.requests.is_empty());
        for head in &outcome.requests {
            assert!(!head.contains("accept-encoding"), "{head}");
        }
    }
}
