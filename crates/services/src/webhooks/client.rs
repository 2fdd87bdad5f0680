//! The HTTP client deliveries go out on: its name resolver checks every address a target's
//! host resolves to against the policy (so the connection goes only where the check allowed),
//! redirects are not followed, connecting and the whole attempt are bounded in time, and only
//! the start of an answer is read.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use switchboard_domain::webhook::TargetPolicy;

use super::target::lookup;

/// How long connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Most bytes of an answer read (the rest is dropped with the connection).
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Resolves names for the client, refusing addresses the policy refuses.
struct CheckedResolver(TargetPolicy);

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = lookup(&host, 0, policy).await?;
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// The client for deliveries under `policy`, each attempt bounded by `timeout`.
pub fn client(policy: TargetPolicy, timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(CheckedResolver(policy)))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(timeout)
        .user_agent(concat!("Switchboard-Webhooks/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(8)
        .build()
}

/// An error with its causes, on one line.
pub fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}
