//! Addresses, threading ids, original recipients and the date, from the headers.

use super::*;

/// The ids of a Message-ID / In-Reply-To / References header, normalized.
pub(crate) fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => normalize_message_id(t).into_iter().collect(),
        HeaderValue::TextList(list) => list
            .iter()
            .filter_map(|t| normalize_message_id(t))
            .collect(),
        _ => Vec::new(),
    }
}

/// All mailboxes of every occurrence of an address header (groups flattened).
pub(super) fn mailboxes<'a, 'x: 'a>(
    values: impl Iterator<Item = &'a HeaderValue<'x>>,
) -> Vec<Mailbox> {
    values
        .filter_map(HeaderValue::as_address)
        .flat_map(Address::iter)
        .filter_map(|addr| {
            let address = addr.address()?.trim();
            (!address.is_empty()).then(|| Mailbox {
                name: addr
                    .name()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_string),
                address: address.to_string(),
            })
        })
        .collect()
}

/// The Return-Path address; `None` for the null path `<>`.
pub(super) fn return_path(msg: &Message<'_>) -> Option<String> {
    let raw = msg.header_raw(HeaderName::ReturnPath)?;
    let inner: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '<' && *c != '>')
        .collect();
    (!inner.is_empty()).then_some(inner)
}

/// Delivery headers first, then To and Cc, deduplicated case-insensitively.
pub(super) fn original_recipients(
    msg: &Message<'_>,
    to: &[Mailbox],
    cc: &[Mailbox],
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |address: &str| {
        let address = address.trim();
        if address.contains('@') && !out.iter().any(|a| a.eq_ignore_ascii_case(address)) {
            out.push(address.to_string());
        }
    };
    for name in [
        "X-Original-To",
        "Delivered-To",
        "Envelope-To",
        "X-Envelope-To",
    ] {
        for value in msg.header_values(name) {
            match value {
                HeaderValue::Address(a) => a.iter().filter_map(|a| a.address()).for_each(&mut push),
                HeaderValue::Text(t) => find_addresses(t).iter().for_each(|a| push(a)),
                HeaderValue::TextList(l) => l
                    .iter()
                    .flat_map(|t| find_addresses(t))
                    .for_each(|a| push(&a)),
                _ => {}
            }
        }
    }
    to.iter().chain(cc).for_each(|m| push(&m.address));
    out
}

/// The Date header as Unix milliseconds, when it is a valid date.
pub(super) fn date_millis(msg: &Message<'_>) -> Option<i64> {
    let date = msg.date()?;
    if !date.is_valid() {
        return None;
    }
    date.to_timestamp().checked_mul(1000)
}
