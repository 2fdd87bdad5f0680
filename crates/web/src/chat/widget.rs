//! What a web page embeds: `/chat/widget.js` (the loader of the snippet, drawing the button and
//! the frame in a shadow root) and `/chat/frame/{id}` (the chat window, this server's
//! page, which only the entry point's allowed web sites may frame).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use switchboard_domain::EntryPointId;
use switchboard_domain::chat::origin;

use crate::state::AppState;

/// `GET /chat/widget.js`: the loader, cached by browsers for five minutes and usable from any
/// page (the frame decides who may embed the chat).
pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_bytes!("../../static/chat/widget.js").as_slice(),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "chat_frame.html")]
struct Frame {
    id: i64,
}

/// The frame's policy: our script and style only, connections to this server only, framed by
/// this server and the entry point's web sites.
fn policy(allowed: &[String]) -> String {
    let mut ancestors = String::from("'self'");
    for o in allowed {
        // Stored origins were normalised on save; anything else is left out.
        if origin::parse(o).is_ok_and(|p| &p == o) {
            ancestors.push(' ');
            ancestors.push_str(o);
        }
    }
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; frame-ancestors {ancestors}; base-uri 'none'; form-action 'none'"
    )
}

/// `GET /chat/frame/{id}`: the chat window of entry point `id`.
pub async fn frame(State(s): State<AppState>, Path(id): Path<i64>) -> Response {
    let ep = match s.store.entry_point(EntryPointId(id)).await {
        Ok(ep) => ep,
        Err(_) => return (StatusCode::NOT_FOUND, "no such entry point").into_response(),
    };
    let mut res = match (Frame { id: ep.id.0 }).render() {
        Ok(html) => axum::response::Html(html).into_response(),
        Err(_) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the chat window could not be shown",
            )
                .into_response();
        }
    };
    if let Ok(v) = HeaderValue::from_str(&policy(&ep.allowed_origins)) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::policy;

    #[test]
    fn only_allowed_sites_frame_the_chat() {
        let p = policy(&[
            "https://shop.example.com".into(),
            "https://x.example; script-src *".into(),
        ]);
        assert!(
            p.contains("frame-ancestors 'self' https://shop.example.com;"),
            "{p}"
        );
        assert!(!p.contains("script-src *"), "{p}");
        assert!(p.contains("script-src 'self';"));
        assert!(policy(&[]).contains("frame-ancestors 'self';"));
    }
}
