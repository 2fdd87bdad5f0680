//! The login page: a plain form that opens the same session as the API's login. A form posted
//! from another site's page (its `Origin` is not this server) is refused, so nobody can log a
//! visitor into an account of theirs (login CSRF).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::page::render;
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

/// Whether a form post comes from this server's own pages: no `Origin` (not a browser, or one
/// that does not send it), or an `Origin` whose host and port are the request's `Host`, its
/// HTTP/2 `:authority` (`authority`, from the request URI), or the `X-Forwarded-Host` a reverse
/// proxy set.
pub(crate) fn same_origin(headers: &HeaderMap, authority: Option<&str>) -> bool {
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
