//! Files agents send: decoded from base64 and stored in the blob store (replies, drafts), and
//! any stored file served as a download that a browser never runs.

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use switchboard_domain::StoredAttachment;
use switchboard_store::BlobKey;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A file sent with a reply or saved with a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyAttachment {
    /// File name.
    pub name: String,
    /// MIME type (default `application/octet-stream`).
    #[serde(default)]
    pub content_type: Option<String>,
    /// The bytes, base64.
    pub content_base64: String,
}

fn clean_name(i: usize, name: &str) -> ApiResult<String> {
    let n: String = name
        .trim()
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
        .take(200)
        .collect();
    if n.is_empty() {
        return Err(ApiError::malformed("an attachment needs a name")
            .field(format!("attachments[{i}].name")));
    }
    Ok(n)
}

/// Checks every file first (an error names `attachments[i]…`), then stores them all with one
/// round of syncing.
pub(crate) async fn store_files(
    s: &AppState,
    sent: &[ReplyAttachment],
) -> ApiResult<Vec<StoredAttachment>> {
    let mut files = Vec::with_capacity(sent.len());
    let mut contents = Vec::with_capacity(sent.len());
    for (i, a) in sent.iter().enumerate() {
        let bytes = STANDARD.decode(a.content_base64.trim()).map_err(|_| {
            ApiError::malformed("not valid base64")
                .field(format!("attachments[{i}].content_base64"))
        })?;
        files.push(StoredAttachment {
            name: clean_name(i, &a.name)?,
            content_type: a
                .content_type
                .clone()
                .filter(|c| c.contains('/') && c.len() < 100 && !c.chars().any(char::is_control))
                .unwrap_or_else(|| "application/octet-stream".into()),
            size: bytes.len() as u64,
            blob: None,
            content_id: None,
            inline: false,
        });
        contents.push(Bytes::from(bytes));
    }
    if !contents.is_empty() {
        let keys = s.blobs.put_many(contents).await.map_err(ApiError::from)?;
        for (f, k) in files.iter_mut().zip(keys) {
            f.blob = Some(k.as_str().to_string());
        }
    }
    Ok(files)
}

/// The bytes under a blob key; 410 when the content was not kept (a blocked attachment).
pub(crate) async fn blob(s: &AppState, key: Option<String>) -> ApiResult<Vec<u8>> {
    let key = key
        .as_deref()
        .and_then(BlobKey::parse)
        .ok_or_else(|| ApiError::new(StatusCode::GONE, "blocked", "the content was not kept"))?;
    s.blobs.get(&key).await.map_err(ApiError::from)
}

/// A stored file as a response: images (not SVG) may show inline for `cid:` pictures,
/// everything else downloads; nothing is sniffed or run.
pub(crate) fn download(name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let ct = content_type.to_ascii_lowercase();
    let inline = ct.starts_with("image/") && !ct.contains("svg");
    let disposition = if inline { "inline" } else { "attachment" };
    let content_type = if inline {
        ct
    } else {
        "application/octet-stream".into()
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"{name}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_string(),
            ),
        ],
        Body::from(bytes),
    )
        .into_response()
}
