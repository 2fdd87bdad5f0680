//! The login page: a plain form that opens the same session as the API's login.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::page::render;
use crate::routes::auth::open_session;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
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
        email: String::new(),
        error: None,
    })
}

/// `POST /login`: to the console, or the form again with the error in place.
pub async fn submit(
    State(s): State<AppState>,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Response {
    match open_session(&s, &f.email, f.password).await {
        Ok((user, cookie, _)) => (
            jar.add(cookie),
            Redirect::to(super::page::home_of(user.role)),
        )
            .into_response(),
        Err(e) => {
            let status = e.status();
            let page = render(&LoginPage {
                email: f.email,
                error: Some(e.message().to_string()),
            });
            (
                if status.is_server_error() {
                    status
                } else {
                    StatusCode::UNAUTHORIZED
                },
                page,
            )
                .into_response()
        }
    }
}
