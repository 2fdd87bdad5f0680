//! Failed logins counted per account and per client address (in this process), and the answer
//! when one must wait: `429` with `Retry-After`. The decisions are `domain::throttle`'s; this
//! holds the counts, bounded in number, and tells where a request comes from.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use switchboard_domain::Timestamp;
use switchboard_domain::throttle::{self, Failures};

use crate::state::AppState;

/// Most accounts and addresses remembered each; beyond, the oldest forgotten first.
const MAX_KEYS: usize = 100_000;

/// The counts of failed logins.
#[derive(Default)]
pub struct LoginThrottle {
    accounts: Mutex<HashMap<String, Failures>>,
    clients: Mutex<HashMap<IpAddr, Failures>>,
}

/// A login that must wait until `retry_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    /// When the next try is accepted.
    pub retry_at: Timestamp,
    /// Seconds from now, at least 1.
    pub secs: i64,
}

impl LoginThrottle {
    /// Whether `account` (a lower-cased address) may try from `client` at `now`.
    pub fn check(&self, account: &str, client: Option<IpAddr>, now: Timestamp) -> Option<Wait> {
        let a = self
            .accounts
            .lock()
            .ok()
            .and_then(|m| m.get(account).copied());
        let c = client.and_then(|ip| self.clients.lock().ok().and_then(|m| m.get(&ip).copied()));
        throttle::may_try(a, c, now).map(|retry_at| wait(retry_at, now))
    }

    /// Counts a failure; returns the account's failures and, when this one locks the account,
    /// when it may try again.
    pub fn failed(
        &self,
        account: &str,
        client: Option<IpAddr>,
        now: Timestamp,
    ) -> (u32, Option<Timestamp>) {
        let mut count = 0;
        let mut locked = None;
        if let Ok(mut m) = self.accounts.lock() {
            let after = throttle::failed(m.get(account).copied(), now, false);
            count = after.count;
            if throttle::locks_account(after) {
                locked = throttle::may_try(Some(after), None, now);
            }
            bound(&mut m, now);
            m.insert(account.to_string(), after);
        }
        if let (Some(ip), Ok(mut m)) = (client, self.clients.lock()) {
            let after = throttle::failed(m.get(&ip).copied(), now, true);
            bound(&mut m, now);
            m.insert(ip, after);
        }
        (count, locked)
    }

    /// Clears an account's failures after a successful login (the client's stay until they
    /// are forgotten: a working account must not reset an address's count).
    pub fn succeeded(&self, account: &str) {
        if let Ok(mut m) = self.accounts.lock() {
            m.remove(account);
        }
    }
}

/// Keeps a map within [`MAX_KEYS`]: first what is forgotten anyway, then the oldest.
fn bound<K: Clone + Eq + std::hash::Hash>(m: &mut HashMap<K, Failures>, now: Timestamp) {
    if m.len() < MAX_KEYS {
        return;
    }
    m.retain(|_, f| !throttle::forgotten(f, now));
    if m.len() >= MAX_KEYS
        && let Some(oldest) = m.iter().min_by_key(|(_, f)| f.last).map(|(k, _)| k.clone())
    {
        m.remove(&oldest);
    }
}

fn wait(retry_at: Timestamp, now: Timestamp) -> Wait {
    let ms = retry_at.millis() - now.millis();
    Wait {
        retry_at,
        secs: ((ms + 999) / 1000).max(1),
    }
}

impl From<Wait> for crate::error::ApiError {
    fn from(w: Wait) -> Self {
        crate::error::ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed logins: try again in {} s", w.secs),
        )
        .retry_after(w.secs)
    }
}

/// Where a request comes from: the peer's address, or — when the server is configured to sit
/// behind a reverse proxy — the last address the proxy added to `X-Forwarded-For`.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.config.trust_forwarded_for
            && let Some(ip) = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|s| s.trim().parse::<IpAddr>().ok())
                .next_back()
        {
            return Ok(ClientAddr(Some(ip)));
        }
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}
