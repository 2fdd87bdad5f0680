//! Reading the console's objects from the store as JSON (the same JSON the API returns), and the
//! choices of select fields.

use serde::Serialize;
use serde_json::Value;
use switchboard_domain::{
    AliasId, ArticleId, CalendarId, CategoryId, ChannelKind, DepartmentId, EntryPointId, FolderId,
    QueueId, Scope, UserGroupId, UserId, WorkflowId,
};
use switchboard_store::{
    AliasFilter, ArticleFilter, Page, PageRequest, QueueFilter, UserFilter, UserGroupFilter,
    WorkflowFilter,
};

use super::schema::Source;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

fn json_page<T: Serialize>(p: Page<T>) -> (Vec<Value>, Option<String>) {
    let items = p
        .items
        .iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect();
    (items, p.next_cursor)
}

fn json<T: Serialize>(v: T) -> ApiResult<Value> {
    serde_json::to_value(v).map_err(|e| ApiError::malformed(e.to_string()))
}

/// One page of the kind's objects within `scope`, with the cursor of the next.
pub async fn list(
    s: &AppState,
    scope: &Scope,
    slug: &str,
    dept: Option<DepartmentId>,
    page: &PageRequest,
) -> ApiResult<(Vec<Value>, Option<String>)> {
    let st = &s.store;
    Ok(match slug {
        "departments" => json_page(st.list_departments(scope, page).await?),
        "users" => json_page(
            st.list_users(
                scope,
                &UserFilter {
                    department_id: dept,
                    ..UserFilter::default()
                },
                page,
            )
            .await?,
        ),
        "user-groups" => json_page(
            st.list_user_groups(
                scope,
                &UserGroupFilter {
                    department_id: dept,
                    ..UserGroupFilter::default()
                },
                page,
            )
            .await?,
        ),
        "queues" => json_page(
            st.list_queues(
                scope,
                &QueueFilter {
                    department_id: dept,
                    ..QueueFilter::default()
                },
                page,
            )
            .await?,
        ),
        "aliases" => json_page(
            st.list_aliases(
                scope,
                &AliasFilter {
                    department_id: dept,
                    ..AliasFilter::default()
                },
                page,
            )
            .await?,
        ),
        "kb-folders" => json_page(st.list_folders(scope, dept, page).await?),
        "articles" => json_page(
            st.list_articles(
                scope,
                &ArticleFilter {
                    department_id: dept,
                    ..ArticleFilter::default()
                },
                page,
            )
            .await?,
        ),
        "workflows" => json_page(
            st.list_workflows(
                scope,
                &WorkflowFilter {
                    department_id: dept,
                    ..WorkflowFilter::default()
                },
                page,
            )
            .await?,
        ),
        "categories" => json_page(st.list_categories(scope, dept, page).await?),
        "calendars" => json_page(st.list_calendars(scope, dept, page).await?),
        "entry-points" => json_page(st.list_entry_points(scope, dept, page).await?),
        "webhooks" => json_page(st.list_webhooks(scope, dept, page).await?),
        _ => (Vec::new(), None),
    })
}

/// One object of the kind.
pub async fn get(s: &AppState, slug: &str, id: i64) -> ApiResult<Value> {
    let st = &s.store;
    match slug {
        "departments" => json(st.department(DepartmentId(id)).await?),
        "users" => json(st.user(UserId(id)).await?),
        "user-groups" => json(st.user_group(UserGroupId(id)).await?),
        "queues" => json(st.queue(QueueId(id)).await?),
        "aliases" => json(st.alias(AliasId(id)).await?),
        "kb-folders" => json(st.folder(FolderId(id)).await?),
        "articles" => json(st.article(ArticleId(id)).await?),
        "workflows" => json(st.workflow(WorkflowId(id)).await?),
        "categories" => json(st.category(CategoryId(id)).await?),
        "calendars" => json(st.calendar(CalendarId(id)).await?),
        "entry-points" => json(st.entry_point(EntryPointId(id)).await?),
        "webhooks" => json(st.webhook(switchboard_domain::WebhookId(id)).await?),
        _ => Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "not_found",
            format!("no such objects: {slug}"),
        )),
    }
}

/// A section of an object's page as JSON: a department's `/channels/…`, `/routing`,
/// `/callback-settings` or `/email-settings`, a user's `/groups`.
pub async fn section(s: &AppState, slug: &str, id: i64, api: &str) -> ApiResult<Value> {
    let st = &s.store;
    if slug == "users" {
        return json(st.user_membership(UserId(id)).await?);
    }
    let dept = DepartmentId(id);
    if let Some(ch) = api.strip_prefix("/channels/") {
        let channel = ChannelKind::parse(ch).ok_or_else(|| ApiError::malformed("channel"))?;
        return json(st.channel_settings(dept, channel).await?);
    }
    match api {
        "/routing" => json(st.routing_settings(dept).await?),
        "/callback-settings" => json(st.callback_settings(dept).await?),
        "/wrap-up-settings" => json(st.wrap_up_settings(dept).await?),
        _ => json(st.email_settings(dept).await?),
    }
}

/// What an object is called: its name, title, address or URL.
pub fn title_of(v: &Value) -> &str {
    ["name", "title", "address", "url"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .unwrap_or_default()
}

/// `(value, label)` choices of a select, from objects within `scope` (of `dept` when given).
pub async fn choices(
    s: &AppState,
    scope: &Scope,
    source: Source,
    dept: Option<DepartmentId>,
) -> ApiResult<Vec<(String, String)>> {
    let slug = match source {
        Source::Fixed(list) => {
            return Ok(list
                .iter()
                .map(|(v, l)| ((*v).to_string(), (*l).to_string()))
                .collect());
        }
        Source::Channels => {
            return Ok(ChannelKind::ALL
                .iter()
                .map(|c| (c.as_str().to_string(), c.label().to_string()))
                .collect());
        }
        other => other.slug().unwrap_or_default(),
    };
    let page = PageRequest::first(switchboard_store::MAX_PAGE);
    let (items, _) = list(s, scope, slug, dept, &page).await?;
    Ok(items
        .iter()
        .map(|v| {
            let id = v.get("id").map(Value::to_string).unwrap_or_default();
            let name = title_of(v);
            let label = match v.get("kind").and_then(Value::as_str) {
                Some(kind) if slug == "articles" || slug == "queues" => format!("{name} ({kind})"),
                _ => name.to_string(),
            };
            (id, label)
        })
        .collect())
}
