//! The department scope, enforced in one place for every route. Three doors let a request name
//! an object, and each is guarded here, not in the handlers:
//! - **the path**: [`guard`] runs before every handler, classifies each `{param}` of the matched
//!   route by the segment before it (`/activities/{id}` names an activity) and answers *not
//!   found* for an object outside the caller's scope, exactly as for one that does not exist;
//!   a route whose parameter it cannot classify is refused (fail closed, and a test walks every
//!   route);
//! - **the body and the query string**: [`crate::extract::ApiJson`] and
//!   [`crate::extract::ApiQuery`] only accept types that list the objects they name
//!   ([`Refers`]), and check them with [`check_refs`]: outside the scope is *no such …* (422),
//!   as for an id that does not exist;
//! - **lists**: the store's list calls take the caller's [`Scope`] as an argument.

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use switchboard_domain::{ObjectKind, ObjectRef, Scope};
use switchboard_store::StoreError;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// What a path parameter names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathParam {
    /// An object of this kind, by id.
    Object(ObjectKind),
    /// Not a department-owned object: a channel name, an index inside a draft, a file, an
    /// administration page's kind, or a token (whose owner the handler checks).
    Other,
}

/// Classifies the parameter after `segment` named `name`. `None`: unknown (refused).
pub fn classify(segment: &str, name: &str) -> Option<PathParam> {
    use ObjectKind as K;
    if matches!(name, "n" | "channel" | "file" | "kind") {
        return Some(PathParam::Other);
    }
    let kind = match segment {
        "departments" => K::Department,
        "users" => K::User,
        "user-groups" => K::UserGroup,
        "queues" => K::Queue,
        "customers" => K::Customer,
        "cases" => K::Case,
        "activities" => K::Activity,
        "aliases" => K::Alias,
        "emails" => K::Email,
        "attachments" => K::Attachment,
        "kb-folders" => K::Folder,
        "articles" => K::Article,
        "categories" => K::Category,
        "calendars" => K::Calendar,
        "workflows" => K::Workflow,
        "entry-points" => K::EntryPoint,
        "webhooks" => K::Webhook,
        "saved-reports" => K::SavedReport,
        "tokens" | "views" | "services" | "deliveries" | "runs" | "files" => {
            return Some(PathParam::Other);
        }
        "inbox" => K::Activity,
        _ => return None,
    };
    Some(PathParam::Object(kind))
}

/// The objects a matched route names: `(kind, raw value)` for each object parameter. A
/// parameter after another parameter (`/admin/{kind}/{id}`) is classified by that parameter's
/// value (an unknown value names nothing: the handler answers not found). Errors name a
/// parameter of the route itself that nothing classifies.
pub fn path_objects<'a>(
    template: &str,
    params: &[(&'a str, &'a str)],
) -> Result<Vec<(ObjectKind, &'a str)>, String> {
    let value = |name: &str| params.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    let mut out = Vec::new();
    let mut previous = "";
    for seg in template.split('/').filter(|s| !s.is_empty()) {
        let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            previous = seg;
            continue;
        };
        let name = name.trim_start_matches('*');
        let dynamic = previous.strip_prefix('{').and_then(|s| s.strip_suffix('}'));
        let before = dynamic.map_or(previous, |p| value(p).unwrap_or(""));
        match classify(before, name) {
            Some(PathParam::Object(kind)) => {
                if let Some(v) = value(name) {
                    out.push((kind, v));
                }
            }
            Some(PathParam::Other) => {}
            // A kind given in the path that names nothing: the handler answers not found.
            None if dynamic.is_some() => {}
            None => return Err(format!("{template}: parameter {name} after {before:?}")),
        }
        previous = seg;
    }
    Ok(out)
}

/// Refuses, as *not found*, a path naming an object outside the caller's scope (runs before
/// every handler of the API and the consoles).
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let template = parts
        .extensions
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    let Some(template) = template else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let raw = RawPathParams::from_request_parts(&mut parts, &state).await;
    let params: Vec<(String, String)> = raw
        .map(|r| {
            r.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let borrowed: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let objects = match path_objects(&template, &borrowed) {
        Ok(o) => o,
        Err(e) => {
            tracing::error!(route = %e, "route parameter without a scope rule");
            return ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error",
            )
            .into_response();
        }
    };
    if !objects.is_empty() {
        // Without a caller the handler refuses as it always does.
        if let Ok(caller) = Caller::from_request_parts(&mut parts, &state).await {
            for (kind, raw) in objects {
                let Ok(id) = raw.parse::<i64>() else {
                    continue; // not a number: the handler answers not found
                };
                match within(&state, &caller.scope, kind, id).await {
                    Ok(true) => {}
                    Ok(false) => {
                        return ApiError::from(StoreError::NotFound {
                            entity: kind.entity(),
                            id,
                        })
                        .into_response();
                    }
                    Err(e) => return e.into_response(),
                }
            }
        }
    }
    next.run(Request::from_parts(parts, body)).await
}

/// Whether object `id` of `kind` exists within `scope`.
async fn within(
    state: &AppState,
    scope: &Scope,
    kind: ObjectKind,
    id: i64,
) -> Result<bool, ApiError> {
    if matches!(scope, Scope::All) {
        return Ok(true);
    }
    if kind == ObjectKind::Department {
        return Ok(scope.allows(switchboard_domain::DepartmentId(id)));
    }
    Ok(state
        .store
        .department_of(kind, id)
        .await?
        .is_some_and(|d| scope.allows(d)))
}

/// Refuses references to objects outside the caller's scope as *no such …* (422 naming the
/// field), the same answer as for an object that does not exist.
pub async fn check_refs(
    state: &AppState,
    caller: &Caller,
    refs: &[ObjectRef],
) -> Result<(), ApiError> {
    if matches!(caller.scope, Scope::All) {
        return Ok(()); // administrators: the store reports what does not exist
    }
    for r in refs {
        if !within(state, &caller.scope, r.kind, r.id).await? {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                format!("no such {}", r.kind.entity()),
            )
            .field(r.field));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ObjectKind as K;

    #[test]
    fn path_parameters_are_classified_by_the_segment_before() {
        let p = |t: &str, ps: &[(&'static str, &'static str)]| path_objects(t, ps);
        assert_eq!(
            p(
                "/api/v1/activities/{id}/articles/{article}",
                &[("id", "4"), ("article", "9")]
            ),
            Ok(vec![(K::Activity, "4"), (K::Article, "9")])
        );
        assert_eq!(
            p(
                "/api/v1/activities/{id}/draft/attachments/{n}",
                &[("id", "4"), ("n", "0")]
            ),
            Ok(vec![(K::Activity, "4")])
        );
        assert_eq!(
            p(
                "/admin/{kind}/{id}",
                &[("kind", "user-groups"), ("id", "3")]
            ),
            Ok(vec![(K::UserGroup, "3")])
        );
        assert_eq!(
            p(
                "/api/v1/departments/{id}/channels/{channel}",
                &[("id", "1"), ("channel", "chat")]
            ),
            Ok(vec![(K::Department, "1")])
        );
        assert_eq!(p("/static/{*file}", &[("file", "a.css")]), Ok(vec![]));
        assert!(p("/api/v1/widgets/{id}", &[("id", "1")]).is_err());
        assert_eq!(
            p("/admin/{kind}/{id}", &[("kind", "nope"), ("id", "1")]),
            Ok(vec![])
        );
    }

    #[test]
    fn every_documented_route_has_a_scope_rule() {
        let doc = crate::openapi::document();
        for path in doc.paths.paths.keys() {
            let template = format!("/api/v1{path}");
            let names: Vec<String> = template
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .map(str::to_string)
                .collect();
            let params: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
            assert!(path_objects(&template, &params).is_ok(), "{template}");
        }
    }
}
