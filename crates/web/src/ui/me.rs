//! The user's own page: their password, and the language, time zone and notifications the
//! consoles use for them (`app.js` sends the forms to `/auth/password` and `/me/preferences`).

use askama::Template;
use axum::response::Response;
use switchboard_domain::calendar::zone_names;
use switchboard_domain::preferences::LANGUAGES;

use super::page::{Chrome, Viewer, render};
use crate::error::ApiResult;

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    email: String,
    /// `(code, name, chosen)`.
    languages: Vec<(&'static str, &'static str, bool)>,
    /// `(name, chosen)`.
    zones: Vec<(String, bool)>,
    sound: bool,
    desktop: bool,
}

/// `GET /me`.
pub async fn page(viewer: Viewer) -> ApiResult<Response> {
    let p = &viewer.1;
    let zone = p.time_zone.clone().unwrap_or_default();
    Ok(render(&MePage {
        tr: viewer.tr(),
        email: viewer.0.user.email.to_string(),
        languages: LANGUAGES
            .iter()
            .map(|(c, n)| (*c, *n, *c == p.language))
            .collect(),
        zones: zone_names()
            .into_iter()
            .map(|z| {
                let chosen = z == zone;
                (z, chosen)
            })
            .collect(),
        sound: p.sound,
        desktop: p.desktop,
        chrome: Chrome::new(&viewer, "/me", "agent"),
    }))
}
