//! Whether a request comes from this server's own pages: what a form post or a WebSocket
//! handshake that a session cookie authenticates must show.

use axum::http::{HeaderMap, header};

/// Whether a request comes from this server's own pages: no `Origin` (not a browser, or one
/// that does not send it), or an `Origin` whose host and port are the request's `Host`, its
/// HTTP/2 `:authority` (`authority`, from the request URI), or the `X-Forwarded-Host` a reverse
/// proxy set.
pub fn same_origin(headers: &HeaderMap, authority: Option<&str>) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(authority_of_origin) = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'))
    else {
        return false;
    };
    [header::HOST.as_str(), "x-forwarded-host"]
        .iter()
        .filter_map(|h| headers.get(*h)?.to_str().ok())
        .chain(authority)
        .any(|host| host.eq_ignore_ascii_case(authority_of_origin))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap_or_else(|_| panic!("{v}")));
        }
        h
    }

    #[test]
    fn only_our_own_pages_may_post_the_login_form() {
        let cases = [
            (vec![("host", "sb.example:8080")], true),
            (
                vec![
                    ("host", "sb.example:8080"),
                    ("origin", "http://sb.example:8080"),
                ],
                true,
            ),
            (
                vec![("host", "SB.example"), ("origin", "https://sb.example")],
                true,
            ),
            (
                vec![
                    ("host", "10.0.0.5:8080"),
                    ("x-forwarded-host", "sb.example"),
                    ("origin", "https://sb.example"),
                ],
                true,
            ),
            (
                vec![
                    ("host", "sb.example:8080"),
                    ("origin", "https://evil.example"),
                ],
                false,
            ),
            (
                vec![
                    ("host", "sb.example:8080"),
                    ("origin", "http://sb.example:9999"),
                ],
                false,
            ),
            (vec![("host", "sb.example"), ("origin", "null")], false),
        ];
        for (pairs, want) in cases {
            assert_eq!(same_origin(&headers(&pairs), None), want, "{pairs:?}");
        }
        // HTTP/2 has no Host header: the authority comes with the request URI.
        let h2 = headers(&[("origin", "https://sb.example:8443")]);
        assert!(same_origin(&h2, Some("sb.example:8443")));
        assert!(!same_origin(&h2, Some("other.example:8443")));
        assert!(!same_origin(&h2, None));
    }
}
