//! What every page shares: the signed-in viewer (or a redirect to the login page) and the
//! header's chrome, and rendering a template into a response.

use askama::Template;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};

use switchboard_domain::Role;

use switchboard_domain::preferences::Preferences;

use crate::auth::{Caller, Credential};
use crate::state::AppState;

/// The signed-in person looking at a page; without a session, pages redirect to `/login`.
pub struct Viewer(pub Caller, pub Preferences);

impl Viewer {
    /// The translator into the viewer's language.
    pub fn tr(&self) -> crate::i18n::Tr {
        crate::i18n::Tr::new(&self.1.language)
    }
}

/// The caller's own settings for the page (the defaults when they cannot be read: a page is
/// never refused for them).
async fn preferences(state: &AppState, caller: &Caller) -> Preferences {
    state
        .store
        .preferences(caller.user.id)
        .await
        .unwrap_or_default()
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let caller = Caller::from_request_parts(parts, state)
            .await
            .map_err(|_| Redirect::to("/login").into_response())?;
        let prefs = preferences(state, &caller).await;
        Ok(Viewer(caller, prefs))
    }
}

impl OptionalFromRequestParts<AppState> for Viewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        let Ok(caller) = Caller::from_request_parts(parts, state).await else {
            return Ok(None);
        };
        let prefs = preferences(state, &caller).await;
        Ok(Some(Viewer(caller, prefs)))
    }
}

/// A console in the header's navigation.
pub struct NavLink {
    /// Where.
    pub href: &'static str,
    /// Its name.
    pub label: &'static str,
    /// Whether it is the page shown.
    pub current: bool,
}

/// The header every console page shows.
pub struct Chrome {
    /// The viewer's name.
    pub name: String,
    /// Their role.
    pub role: &'static str,
    /// The session's CSRF token, for the page's API calls.
    pub csrf: String,
    /// The viewer's user id (the page's script tells their own work from others').
    pub me: i64,
    /// The consoles the viewer may open.
    pub nav: Vec<NavLink>,
    /// Which live stream the page follows (`agent`, or empty).
    pub live: &'static str,
    /// The names of the events the agent's stream sends, for the page's script (which keeps no
    /// list of its own).
    pub notices: String,
    /// The viewer's language (dates and numbers are shown in it).
    pub language: String,
    /// The viewer's time zone (empty: the browser's).
    pub time_zone: String,
    /// Whether offers chime.
    pub sound: bool,
    /// Whether offers and mentions come as desktop notifications.
    pub desktop: bool,
    /// The inbox's query string when the page is part of the inbox (what comes next after an
    /// item is done follows it), or empty.
    pub inbox: String,
}

impl Chrome {
    /// The chrome of page `current` (an href) for `viewer`.
    pub fn new(viewer: &Viewer, current: &str, live: &'static str) -> Chrome {
        let caller = &viewer.0;
        let csrf = match &caller.credential {
            Credential::Session { csrf, .. } => csrf.clone(),
            Credential::Token => String::new(),
        };
        let consoles = consoles(caller.user.role);
        Chrome {
            name: caller.user.name.clone(),
            role: caller.user.role.as_str(),
            csrf,
            me: caller.user.id.0,
            nav: consoles
                .iter()
                .map(|(href, label)| NavLink {
                    href,
                    label,
                    current: *href == current,
                })
                .collect(),
            live,
            notices: switchboard_services::routing::NoticeKind::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            language: viewer.1.language.clone(),
            time_zone: viewer.1.time_zone.clone().unwrap_or_default(),
            sound: viewer.1.sound,
            desktop: viewer.1.desktop,
            inbox: String::new(),
        }
    }
}

/// The consoles a role opens: `(href, label)`, its home first.
pub fn consoles(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::Agent => &[("/inbox", "Inbox"), ("/agent", "My work")],
        Role::Reporting => &[("/reports", "Reports")],
        Role::Supervisor => &[
            ("/supervisor", "Monitor"),
            ("/supervisor/review", "Review"),
            ("/supervisor/outbox", "Outbox"),
            ("/reports", "Reports"),
            ("/search", "Search"),
            ("/inbox", "Inbox"),
            ("/agent", "My work"),
            ("/admin", "Setup"),
        ],
        Role::Admin => &[
            ("/admin", "Administration"),
            ("/admin/setup", "Getting started"),
            ("/admin/services", "Services"),
            ("/supervisor", "Monitor"),
            ("/supervisor/review", "Review"),
            ("/supervisor/outbox", "Outbox"),
            ("/reports", "Reports"),
            ("/search", "Search"),
            ("/inbox", "Inbox"),
            ("/agent", "My work"),
        ],
    }
}

/// Where a role lands after logging in.
pub fn home_of(role: Role) -> &'static str {
    consoles(role).first().map_or("/inbox", |c| c.0)
}

/// Renders a template as an HTML response (a 500 naming nothing internal if it fails).
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be shown",
            )
                .into_response()
        }
    }
}
