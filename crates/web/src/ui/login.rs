//! The login page: a plain form that opens the same session as the API's login. A form posted
//! from another site's page (its `Origin` is not this server) is refused, so nobody can log a
//! visitor into an account of theirs (login CSRF).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::page::render;
use crate::origin::same_origin;
use crate::routes::auth::open_session;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    email: String,
    error: Option<String>,
}

/// What the form posts.
#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
}

/// `GET /login`.
pub async fn form() -> Response {
    render(&LoginPage {
        tr: crate::i18n::Tr::default(),
        email: String::new(),
        error: None,
    })
}

/// `POST /login`: to the console, or the form again with the error in place.
pub async fn submit(
    State(s): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    client: crate::throttle::ClientAddr,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Response {
    if !same_origin(&headers, uri.authority().map(|a| a.as_str())) {
        let page = render(&LoginPage {
            tr: crate::i18n::Tr::default(),
            email: f.email,
            error: Some("Log in from this server's own login page.".into()),
        });
        return (StatusCode::FORBIDDEN, page).into_response();
    }
    match open_session(&s, &f.email, f.password, client).await {
        Ok((user, cookie, _)) => (
            jar.add(cookie),
            Redirect::to(super::page::home_of(user.role)),
        )
            .into_response(),
        Err(e) => {
            let status = e.status();
            let page = render(&LoginPage {
                tr: crate::i18n::Tr::default(),
                email: f.email,
                error: Some(e.message().to_string()),
            });
            let status = if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
                status
            } else {
                StatusCode::UNAUTHORIZED
            };
            (status, page).into_response()
        }
    }
}
