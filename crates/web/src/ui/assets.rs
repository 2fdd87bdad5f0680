//! The stylesheet, script and vendored libraries, embedded in the binary, and the script's
//! messages in each language (`i18n/<lang>.js`).

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// (path under `/static/`, content type, bytes, cache for a long time).
const FILES: [(&str, &str, &[u8], bool); 9] = [
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/app.css"),
        false,
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/app.js"),
        false,
    ),
    (
        "composer.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/composer.js"),
        false,
    ),
    (
        "inbox.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/inbox.js"),
        false,
    ),
    (
        "workflow.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/workflow.js"),
        false,
    ),
    (
        "chat.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/chat.js"),
        false,
    ),
    (
        "chat/frame.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/chat/frame.js"),
        false,
    ),
    (
        "chat/frame.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/chat/frame.css"),
        false,
    ),
    (
        "vendor/htmx-2.0.4.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/vendor/htmx-2.0.4.min.js"),
        true,
    ),
];

/// `GET /static/{file}`.
pub async fn serve(Path(file): Path<String>) -> Response {
    // The script's messages in a language: `i18n/de.js`.
    if let Some(lang) = file
        .strip_prefix("i18n/")
        .and_then(|f| f.strip_suffix(".js"))
    {
        if !crate::i18n::languages().contains(&lang) {
            return (StatusCode::NOT_FOUND, "no such file").into_response();
        }
        return (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            crate::i18n::Tr::new(lang).script(),
        )
            .into_response();
    }
    let Some((_, kind, bytes, pinned)) = FILES.iter().find(|(name, ..)| *name == file) else {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    };
    // Vendored files carry their version in the name; ours change with the binary.
    let cache = if *pinned {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, *kind),
            (header::CACHE_CONTROL, cache),
        ],
        *bytes,
    )
        .into_response()
}
