//! Where deliveries may go. A target is an `http` or `https` URL without credentials or a
//! fragment; its host's addresses are checked after name resolution, each one, because a name
//! can point anywhere: loopback, private, link-local, shared (carrier-grade NAT), unspecified,
//! multicast and documentation ranges are refused unless the configuration allows loopback or
//! private targets (tests, integrations on the same network). Redirects are never followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::ValidationError;

/// Longest target URL accepted.
const MAX_URL: usize = 2048;

/// What the configuration allows beyond public addresses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    /// Loopback addresses (127.0.0.0/8, ::1).
    pub allow_loopback: bool,
    /// Private and unique-local addresses (10/8, 172.16/12, 192.168/16, fc00::/7).
    pub allow_private: bool,
}

/// Checks a target URL's form: `http(s)://host[:port]/path?query`, no user or password, no
/// fragment, at most 2,048 characters. Returns its host (without brackets) and port.
pub fn check_url(url: &str) -> Result<(String, u16), ValidationError> {
    let bad = |why: &str| ValidationError::new("url", why);
    if url.len() > MAX_URL {
        return Err(bad("is longer than 2048 characters"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("must not contain spaces or control characters"));
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("must start with http:// or https://"))?;
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => 80,
        "https" => 443,
        _ => return Err(bad("must start with http:// or https://")),
    };
    if rest.contains('#') {
        return Err(bad("must not have a fragment"));
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(bad("must not carry a user or password"));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or_else(|| bad("has an unclosed [ in its host"))?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(bad("has no host"));
    }
    let port = match port {
        None => default_port,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| bad("has a port that is not 1 to 65535"))?,
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// Why `ip` may not be a target under `policy`; `None` when it may.
pub fn refusal(ip: IpAddr, policy: TargetPolicy) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4, policy),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => refusal_v4(v4, policy),
            None => refusal_v6(v6, policy),
        },
    }
}

fn refusal_v4(ip: Ipv4Addr, policy: TargetPolicy) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() {
        return (!policy.allow_loopback).then_some("a loopback address");
    }
    if ip.is_private() {
        return (!policy.allow_private).then_some("a private address");
    }
    if ip.is_unspecified() || a == 0 {
        Some("an unspecified address")
    } else if ip.is_link_local() {
        Some("a link-local address")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a shared (carrier-grade NAT) address")
    } else if ip.is_multicast() || ip.is_broadcast() || a >= 240 {
        Some("a multicast or reserved address")
    } else if (a, b, c) == (192, 0, 2) || (a, b, c) == (198, 51, 100) || (a, b, c) == (203, 0, 113)
    {
        Some("a documentation address")
    } else if a == 198 && (b == 18 || b == 19) {
        Some("a benchmarking address")
    } else if (a, b, c) == (192, 0, 0) {
        Some("a protocol assignment address")
    } else {
        None
    }
}

fn refusal_v6(ip: Ipv6Addr, policy: TargetPolicy) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        return (!policy.allow_loopback).then_some("a loopback address");
    }
    if first & 0xfe00 == 0xfc00 {
        return (!policy.allow_private).then_some("a private address");
    }
    if ip.is_unspecified() {
        Some("an unspecified address")
    } else if first & 0xffc0 == 0xfe80 {
        Some("a link-local address")
    } else if ip.is_multicast() {
        Some("a multicast or reserved address")
    } else if first == 0x2001 && ip.segments()[1] == 0x0db8 {
        Some("a documentation address")
    } else if first == 0x0064 && ip.segments()[1] == 0xff9b {
        // NAT64 can reach any IPv4 address, private ones included.
        Some("a NAT64 address")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_give_their_host_and_port() {
        for (url, host, port) in [
            ("https://hooks.example.com/in", "hooks.example.com", 443),
            (
                "http://Hooks.Example.com:8080/a?b=c",
                "hooks.example.com",
                8080,
            ),
            ("https://[2001:4860::1]:8443/x", "2001:4860::1", 8443),
            ("http://127.0.0.1:9/", "127.0.0.1", 9),
        ] {
            assert_eq!(check_url(url).unwrap(), (host.to_string(), port), "{url}");
        }
        for bad in [
            "ftp://example.com/",
            "example.com/hook",
            "https://user:pw@example.com/",
            "https://example.com/#frag",
            "https:///path",
            "https://example.com:0/",
            "https://example.com:99999/",
            "https://exa mple.com/",
            "https://[::1/",
        ] {
            assert_eq!(check_url(bad).unwrap_err().field, "url", "{bad}");
        }
        assert!(check_url(&format!("https://e.com/{}", "a".repeat(2048))).is_err());
    }

    #[test]
    fn only_public_addresses_unless_the_policy_allows_more() {
        let none = TargetPolicy::default();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        for public in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:2800:220:1::1",
            "100.128.0.1",
        ] {
            assert_eq!(refusal(ip(public), none), None, "{public}");
        }
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2001:db8::1",
        ] {
            assert!(refusal(ip(refused), none).is_some(), "{refused}");
        }
        let loopback = TargetPolicy {
            allow_loopback: true,
            ..TargetPolicy::default()
        };
        assert_eq!(refusal(ip("127.0.0.1"), loopback), None);
        assert_eq!(refusal(ip("::1"), loopback), None);
        assert!(refusal(ip("10.0.0.1"), loopback).is_some());
        let private = TargetPolicy {
            allow_private: true,
            ..TargetPolicy::default()
        };
        assert_eq!(refusal(ip("10.0.0.1"), private), None);
        assert_eq!(refusal(ip("fd12::1"), private), None);
        assert!(
            refusal(ip("169.254.169.254"), private).is_some(),
            "never metadata"
        );
    }
}
