//! Small named reads the use cases gather for workflows: a group's department, a department's
//! first active article of a kind, an agent's groups, whether replies of an agent are reviewed.

use sqlx::AnyConnection;
use switchboard_domain::{ArticleId, ArticleKind, DepartmentId, UserGroupId, UserId};

use crate::error::StoreError;
use crate::sql::col;

/// The department of a user group; `None` when the group is gone.
pub(crate) async fn group_department(
    c: &mut AnyConnection,
    g: UserGroupId,
) -> Result<Option<DepartmentId>, StoreError> {
    let found = sqlx::query("SELECT department_id FROM user_groups WHERE id = $1")
        .bind(g.0)
        .fetch_optional(&mut *c)
        .await?;
    found
        .map(|r| col::<i64>(&r, "department_id").map(DepartmentId))
        .transpose()
}

/// The department's first active article of `kind`.
pub(crate) async fn first_article(
    c: &mut AnyConnection,
    dept: DepartmentId,
    kind: ArticleKind,
) -> Result<Option<ArticleId>, StoreError> {
    let r = sqlx::query(
        "SELECT id FROM articles WHERE department_id = $1 AND kind = $2 AND active = 1 ORDER BY id LIMIT 1",
    )
    .bind(dept.0)
    .bind(kind.as_str())
    .fetch_optional(&mut *c)
    .await?;
    r.map(|r| col(&r, "id").map(ArticleId)).transpose()
}

/// The groups a user belongs to.
pub(crate) async fn groups_of(
    c: &mut AnyConnection,
    u: UserId,
) -> Result<Vec<UserGroupId>, StoreError> {
    let rows = sqlx::query("SELECT group_id FROM user_group_members WHERE user_id = $1")
        .bind(u.0)
        .fetch_all(&mut *c)
        .await?;
    rows.iter()
        .map(|r| col(r, "group_id").map(UserGroupId))
        .collect()
}

/// Whether the user or one of `groups` is flagged `reviewed`.
pub(crate) async fn reviewed(
    c: &mut AnyConnection,
    u: UserId,
    groups: &[UserGroupId],
) -> Result<bool, StoreError> {
    let r = sqlx::query(&format!(
        "SELECT (SELECT reviewed FROM users WHERE id = $1) AS u, \
         (SELECT COUNT(*) FROM user_groups WHERE reviewed = 1 AND id IN ({})) AS g",
        crate::sql::int_list(groups.iter().map(|g| g.0).chain(std::iter::once(0)))
    ))
    .bind(u.0)
    .fetch_one(&mut *c)
    .await?;
    Ok(col::<Option<i64>>(&r, "u")?.unwrap_or(0) != 0 || col::<i64>(&r, "g")? > 0)
}
