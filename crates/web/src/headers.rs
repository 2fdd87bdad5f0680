//! Security headers on every response. Pages get a Content-Security-Policy that allows scripts
//! only from this server (no inline script), frames only from it, and no framing by anyone
//! (`frame-ancestors 'none'`, `X-Frame-Options: DENY`). A response that sets its own policy (the
//! sandboxed customer HTML, attachments) keeps it and may be framed by our own pages only,
//! unless its policy names the pages that may frame it (the chat window).
//! Everything is `nosniff` and sends the referrer to this server only.

use axum::http::HeaderValue;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::response::Response;

/// The policy of the consoles. Inline styles stay allowed: the reply composer and the review
/// editor produce `style` attributes in rich text.
pub const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'self'; object-src 'none'";

/// Adds the security headers a response does not set itself.
pub async fn secure(mut res: Response) -> Response {
    let h = res.headers_mut();
    let own_policy = h.contains_key(CONTENT_SECURITY_POLICY);
    if !own_policy {
        h.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_POLICY),
        );
    }
    // A policy that names its own frame-ancestors (the chat window) decides who frames it.
    let ancestors = h
        .get(CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.contains("frame-ancestors"));
    if !ancestors || !own_policy {
        let frames = if own_policy { "SAMEORIGIN" } else { "DENY" };
        h.entry(X_FRAME_OPTIONS)
            .or_insert(HeaderValue::from_static(frames));
    }
    h.entry(X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    h.entry(REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    res
}

/// Adds `Strict-Transport-Security` with `max_age` seconds when above 0 (configured once HTTPS
/// is there to stay).
pub fn hsts(res: &mut Response, max_age: u64) {
    if max_age == 0 {
        return;
    }
    if let Ok(v) = HeaderValue::from_str(&format!("max-age={max_age}; includeSubDomains")) {
        res.headers_mut()
            .insert(axum::http::header::STRICT_TRANSPORT_SECURITY, v);
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::response::IntoResponse;

    use super::*;

    #[tokio::test]
    async fn pages_get_the_policy_and_sandboxed_content_keeps_its_own() {
        let page = secure(Body::from("<p>hi</p>").into_response()).await;
        let h = page.headers();
        assert_eq!(h[CONTENT_SECURITY_POLICY], PAGE_POLICY);
        assert_eq!(h[X_FRAME_OPTIONS], "DENY");
        assert_eq!(h[X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[REFERRER_POLICY], "same-origin");
        assert!(PAGE_POLICY.contains("frame-ancestors 'none'"));
        assert!(!PAGE_POLICY.contains("script-src 'self' 'unsafe-inline'"));

        let own = (
            [(CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox")],
            "customer html",
        )
            .into_response();
        let h = secure(own).await.headers().clone();
        assert_eq!(h[CONTENT_SECURITY_POLICY], "default-src 'none'; sandbox");
        assert_eq!(h[X_FRAME_OPTIONS], "SAMEORIGIN", "our pages frame it");
    }
}
