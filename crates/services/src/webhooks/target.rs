//! A webhook target resolved for sending: its URL's form checked, its host resolved, and every
//! address refused unless the policy allows it (`domain::webhook::target`). One refused address
//! refuses the target, since the name could later resolve to it alone; the sender connects only
//! to the addresses checked here, so a name that changes between the check and the connection
//! gains nothing.

use std::net::SocketAddr;
use std::time::Duration;

use switchboard_domain::webhook::{TargetPolicy, check_url, refusal};

/// How long a name may take to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// A target that may be sent to: its host and the addresses to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The host as the URL names it (for the `Host` header and TLS).
    pub host: String,
    /// The checked addresses, with the URL's port.
    pub addrs: Vec<SocketAddr>,
}

/// Why a target may not be sent to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The URL's form is wrong.
    #[error("{0}")]
    Url(String),
    /// The host does not resolve (now).
    #[error("{host} does not resolve: {reason}")]
    Unresolved {
        /// The host.
        host: String,
        /// What the resolver said.
        reason: String,
    },
    /// The host resolves to an address the policy refuses.
    #[error("{host} resolves to {addr}, {why}; refused")]
    Address {
        /// The host.
        host: String,
        /// The refused address.
        addr: std::net::IpAddr,
        /// What kind of address it is.
        why: &'static str,
    },
}

/// Resolves `url`'s host and checks every address under `policy`.
pub async fn resolve(url: &str, policy: TargetPolicy) -> Result<Resolved, Refused> {
    let (host, port) = check_url(url).map_err(|e| Refused::Url(e.to_string()))?;
    let addrs = lookup(&host, port, policy).await?;
    Ok(Resolved { host, addrs })
}

/// Looks `host` up (at most [`RESOLVE_TIMEOUT`]) and checks every address under `policy`;
/// the addresses carry `port`.
pub async fn lookup(
    host: &str,
    port: u16,
    policy: TargetPolicy,
) -> Result<Vec<SocketAddr>, Refused> {
    let unresolved = |reason: String| Refused::Unresolved {
        host: host.to_string(),
        reason,
    };
    let looked_up = tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((host, port)))
        .await
        .map_err(|_| unresolved(format!("no answer within {RESOLVE_TIMEOUT:?}")))?
        .map_err(|e| unresolved(e.to_string()))?;
    let mut addrs: Vec<SocketAddr> = looked_up.collect();
    addrs.sort();
    addrs.dedup();
    if addrs.is_empty() {
        return Err(unresolved("no addresses".into()));
    }
    if let Some((addr, why)) = addrs
        .iter()
        .find_map(|a| refusal(a.ip(), policy).map(|why| (a.ip(), why)))
    {
        return Err(Refused::Address {
            host: host.to_string(),
            addr,
            why,
        });
    }
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOPBACK: TargetPolicy = TargetPolicy {
        allow_loopback: true,
        allow_private: false,
    };

    #[tokio::test]
    async fn loopback_targets_go_only_where_the_policy_allows_them() {
        let refused = resolve("http://127.0.0.1:8080/hook", TargetPolicy::default()).await;
        assert!(
            matches!(
                refused,
                Err(Refused::Address {
                    why: "a loopback address",
                    ..
                })
            ),
            "{refused:?}"
        );
        // A name is checked by what it resolves to.
        let by_name = resolve("http://localhost:8080/hook", TargetPolicy::default()).await;
        assert!(
            matches!(by_name, Err(Refused::Address { .. })),
            "{by_name:?}"
        );
        let allowed = resolve("http://127.0.0.1:8080/hook", LOOPBACK)
            .await
            .unwrap();
        assert_eq!(allowed.host, "127.0.0.1");
        assert_eq!(allowed.addrs, vec!["127.0.0.1:8080".parse().unwrap()]);
        let named = resolve("http://localhost:9/x", LOOPBACK).await.unwrap();
        assert!(
            named
                .addrs
                .iter()
                .all(|a| a.ip().is_loopback() && a.port() == 9)
        );
    }

    #[tokio::test]
    async fn bad_urls_and_names_that_do_not_resolve_are_refused() {
        assert!(matches!(
            resolve("ftp://127.0.0.1/", LOOPBACK).await,
            Err(Refused::Url(_))
        ));
        // `.invalid` never resolves (RFC 6761).
        let nowhere = resolve("https://hooks.nowhere.invalid/", LOOPBACK).await;
        assert!(
            matches!(nowhere, Err(Refused::Unresolved { .. })),
            "{nowhere:?}"
        );
        let metadata = resolve(
            "http://169.254.169.254/latest",
            TargetPolicy {
                allow_loopback: true,
                allow_private: true,
            },
        )
        .await;
        assert!(
            matches!(metadata, Err(Refused::Address { .. })),
            "{metadata:?}"
        );
    }
}
