//! A vendor that stops sending a documented field the balance does not need costs that
//! field only: the balance is kept, the field left out, and a note names it. Either one of
//! Venice's two amounts missing is read like `null`, with a note. A missing available
//! amount (Venice: both) is still `Undecodable`. Each case is checked through a fetch (the
//! generated client refuses the body; the facade reads it again) and through `decode`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{RUNCRATE, RUNTOOLS, VENICE, Vendor};
use prepaid::providers::decode;
use prepaid::{Amount, Balance, Error, ErrorKind, Provider, Unit};
use rust_decimal::Decimal;
use serde_json::Value;

fn dec(text: &str) -> Decimal {
    Decimal::from_str_exact(text).unwrap()
}

/// The vendor's documented body without the field at `path`.
fn without(vendor: &Vendor, path: &[&str]) -> String {
    let mut body = (vendor.example)();
    let (last, parents) = path.split_last().unwrap();
    let mut holder = &mut body;
    for key in parents {
        holder = holder.get_mut(*key).unwrap();
    }
    assert!(
        holder
            .as_object_mut()
            .unwrap()
            .shift_remove(*last)
            .is_some(),
        "{path:?}"
    );
    body.to_string()
}

/// The balance of `body`, fetched and decoded: both must agree.
async fn read(vendor: &Vendor, body: &str) -> Result<Balance, Error> {
    let fetched = common::balance_from(vendor, body).await;
    let decoded = decode::balance(vendor.provider, body.as_bytes());
    match (&fetched, &decoded) {
        (Ok(f), Ok(d)) => {
            assert_eq!(
                (&f.available, &f.accruing, &f.allocation),
                (&d.available, &d.accruing, &d.allocation)
            );
            assert_eq!(
                (f.can_consume, &f.consumption_currency, &f.notes),
                (d.can_consume, &d.consumption_currency, &d.notes)
            );
        }
        (Err(f), Err(d))
            if f.kind() == ErrorKind::Undecodable && d.kind() == ErrorKind::Undecodable => {}
        _ => panic!("fetch and decode disagree: {fetched:?} / {decoded:?}"),
    }
    fetched
}

fn noted(balance: &Balance, field: &str) -> bool {
    balance
        .notes
        .iter()
        .any(|note| note.contains(&format!("`{field}`")) && note.contains("left out"))
}

#[tokio::test]
async fn venice_without_each_auxiliary_field_keeps_its_balance() {
    let complete = read(&VENICE, &(VENICE.example)().to_string())
        .await
        .unwrap();
    for field in ["diemEpochAllocation", "canConsume", "consumptionCurrency"] {
        let balance = read(&VENICE, &without(&VENICE, &[field])).await;
        let balance = balance.unwrap_or_else(|e| panic!("without {field}: {e:?}"));
        assert_eq!(balance.available, complete.available, "{field}");
        assert!(noted(&balance, field), "{field}: {:?}", balance.notes);
        match field {
            "diemEpochAllocation" => assert_eq!(balance.allocation, None),
            "canConsume" => assert_eq!(balance.can_consume, None),
            _ => assert_eq!(balance.consumption_currency, None),
        }
        // Only that field is left out.
        assert_eq!(
            balance.notes.len(),
            complete.notes.len() + 1,
            "{:?}",
            balance.notes
        );
    }
    // Two at once: both named.
    let mut body: Value = (VENICE.example)();
    let object = body.as_object_mut().unwrap();
    object.shift_remove("diemEpochAllocation");
    object.shift_remove("canConsume");
    let balance = read(&VENICE, &body.to_string()).await.unwrap();
    assert!(noted(&balance, "diemEpochAllocation") && noted(&balance, "canConsume"));
}

#[tokio::test]
async fn venice_without_one_of_its_amounts_reads_it_like_null() {
    let complete = read(&VENICE, &(VENICE.example)().to_string())
        .await
        .unwrap();
    assert_eq!(
        complete.available,
        [Amount::usd(dec("25")), Amount::new(dec("90.5"), Unit::Diem)]
    );
    for (missing, kept) in [
        ("diem", Amount::usd(dec("25"))),
        ("usd", Amount::new(dec("90.5"), Unit::Diem)),
    ] {
        let body = without(&VENICE, &["balances", missing]);
        let balance = read(&VENICE, &body)
            .await
            .unwrap_or_else(|e| panic!("without balances.{missing}: {e:?}"));
        assert_eq!(balance.available, [kept], "{missing}");
        // Everything else as in the complete body, and one note more, naming the amount.
        assert_eq!(balance.allocation, complete.allocation, "{missing}");
        assert_eq!(balance.can_consume, Some(true), "{missing}");
        assert_eq!(balance.consumption_currency.as_deref(), Some("DIEM"));
        let left_out =
            format!("Venice did not send `balances.{missing}`, which it documents: left out");
        let mut expected = complete.notes.clone();
        expected.push(left_out);
        assert_eq!(balance.notes, expected);
        // The body as Venice sent it, no placeholder in it.
        assert_eq!(balance.source.raw.get(), body);
    }

    // One not sent and the other null: no amount (never a zero), and the note says which.
    let body = r#"{"canConsume":false,"consumptionCurrency":null,"balances":{"diem":null},"diemEpochAllocation":0}"#;
    let balance = read(&VENICE, body).await.unwrap();
    assert!(balance.available.is_empty());
    assert!(
        balance
            .notes
            .iter()
            .any(|n| n
                == "Venice reported no USD and no DIEM balance (one null, the other not sent)"),
        "{:?}",
        balance.notes
    );
    assert!(noted(&balance, "balances.usd"), "{:?}", balance.notes);

    // An auxiliary field missing as well: both named.
    let mut body: Value = (VENICE.example)();
    body.as_object_mut().unwrap().shift_remove("canConsume");
    body["balances"]
        .as_object_mut()
        .unwrap()
        .shift_remove("usd");
    let balance = read(&VENICE, &body.to_string()).await.unwrap();
    assert_eq!(balance.available, [Amount::new(dec("90.5"), Unit::Diem)]);
    assert_eq!(balance.can_consume, None);
    assert!(noted(&balance, "canConsume") && noted(&balance, "balances.usd"));
}

#[tokio::test]
async fn venice_without_both_amounts_is_undecodable() {
    let mut body: Value = (VENICE.example)();
    body["balances"] = serde_json::json!({});
    let mut without_more = body.clone();
    without_more
        .as_object_mut()
        .unwrap()
        .shift_remove("diemEpochAllocation");
    for body in [body, without_more] {
        let body = body.to_string();
        let (error, calls) = common::error_from(&VENICE, 200, &body).await;
        assert_eq!(calls, 1, "not retried");
        assert!(
            common::undecodable_because(&error, "neither `usd` nor `diem`")
                && error.status() == Some(200)
                && error
                    .body_excerpt()
                    .is_some_and(|e| e.contains(r#""balances":{}"#)),
            "{body}: {error:?}"
        );
        let decoded = decode::balance(Provider::Venice, body.as_bytes());
        assert!(
            decoded
                .as_ref()
                .is_err_and(|e| common::undecodable_because(e, "neither `usd` nor `diem`")),
            "{decoded:?}"
        );
    }
    // Nor does a placeholder read `balances` given positionally, one amount short.
    let body = r#"{"canConsume":true,"consumptionCurrency":"USD","balances":[25],"diemEpochAllocation":0}"#;
    assert!(common::failed_with(
        &read(&VENICE, body).await,
        ErrorKind::Undecodable,
        Provider::Venice
    ));
}

#[tokio::test]
async fn runcrate_without_its_accruing_cost_keeps_its_balance() {
    let balance = read(&RUNCRATE, &without(&RUNCRATE, &["data", "activeUsageCost"]))
        .await
        .unwrap();
    assert_eq!(balance.available[0].value.to_string(), "42.5");
    assert_eq!(balance.accruing, None);
    assert!(
        noted(&balance, "data.activeUsageCost"),
        "{:?}",
        balance.notes
    );
}

#[tokio::test]
async fn runtools_without_its_totals_keeps_its_balance() {
    // runtools' spec makes these optional: nothing to note, nothing lost.
    for field in ["totalGrantedCents", "totalUsedCents", "freeCreditsUsed"] {
        let balance = read(&RUNTOOLS, &without(&RUNTOOLS, &["data", field]))
            .await
            .unwrap();
        assert_eq!(balance.available[0].value.to_string(), "12.50", "{field}");
    }
}

#[tokio::test]
async fn a_missing_available_amount_is_still_undecodable() {
    for (vendor, path) in [
        (&VENICE, &["balances"][..]),
        (&RUNCRATE, &["data", "creditsBalance"][..]),
        (&RUNTOOLS, &["data", "balanceCents"][..]),
        (&common::NGROK, &["balanceCents"][..]),
    ] {
        let result = read(vendor, &without(vendor, path)).await;
        assert!(
            common::failed_with(&result, ErrorKind::Undecodable, vendor.provider),
            "{path:?}: {result:?}"
        );
    }
    // Nor does a placeholder hide a wrong shape: an auxiliary field missing *and* the
    // amount unreadable.
    let body = r#"{"data":{"creditsBalance":"12.5"}}"#;
    assert!(common::failed_with(
        &read(&RUNCRATE, body).await,
        ErrorKind::Undecodable,
        Provider::Runcrate
    ));
}
