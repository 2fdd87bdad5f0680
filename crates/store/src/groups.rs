//! User groups (skill groups) and their members.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::{
    DepartmentId, NewUserGroup, Timestamp, UserGroup, UserGroupId, UserGroupPatch, UserId,
    ValidationError,
};

use crate::Store;
use crate::error::{StoreError, Violation, violation};
use crate::notify::Notify;
use crate::sql::{Arg, Page, PageRequest, Select, col, ts};
use switchboard_domain::ObjectKind;

/// Filters for listing user groups.
#[derive(Debug, Clone, Default)]
pub struct UserGroupFilter {
    /// Only this department's.
    pub department_id: Option<DepartmentId>,
    /// Only groups this user belongs to.
    pub member: Option<UserId>,
}

fn from_row(r: &AnyRow) -> Result<UserGroup, StoreError> {
    Ok(UserGroup {
        id: UserGroupId(col(r, "id")?),
        department_id: DepartmentId(col(r, "department_id")?),
        name: col(r, "name")?,
        description: col(r, "description")?,
        members: vec![],
        reviewed: col::<i64>(r, "reviewed")? != 0,
        version: col(r, "version")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

async fn load_members<'e, E>(e: E, groups: &mut [UserGroup]) -> Result<(), StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    if groups.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = groups.iter().map(|g| g.id.0.to_string()).collect();
    // Ids are integers we formatted ourselves: safe to inline.
    let sql = format!(
        "SELECT group_id, user_id FROM user_group_members WHERE group_id IN ({}) ORDER BY group_id, user_id",
        ids.join(",")
    );
    for row in sqlx::query(&sql).fetch_all(e).await? {
        let gid: i64 = col(&row, "group_id")?;
        let uid: i64 = col(&row, "user_id")?;
        if let Some(g) = groups.iter_mut().find(|g| g.id.0 == gid) {
            g.members.push(UserId(uid));
        }
    }
    Ok(())
}

async fn fetch(c: &mut AnyConnection, id: UserGroupId) -> Result<UserGroup, StoreError> {
    let mut g = sqlx::query("SELECT * FROM user_groups WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()?
        .ok_or(StoreError::NotFound {
            entity: "user group",
            id: id.0,
        })?;
    load_members(&mut *c, std::slice::from_mut(&mut g)).await?;
    Ok(g)
}

fn write_error(e: sqlx::Error) -> StoreError {
    match violation(&e) {
        Some(Violation::Unique) => StoreError::Duplicate {
            field: "name".into(),
            message: "a user group with this name exists in the department".into(),
        },
        Some(Violation::ForeignKey) => {
            ValidationError::new("department_id", "no such department").into()
        }
        _ => e.into(),
    }
}

async fn set_members(
    c: &mut AnyConnection,
    id: UserGroupId,
    members: &[UserId],
) -> Result<(), StoreError> {
    let group_dept = crate::departments::of(&mut *c, ObjectKind::UserGroup, id.0)
        .await?
        .ok_or(StoreError::NotFound {
            entity: "user group",
            id: id.0,
        })?;
    for (i, m) in members.iter().enumerate() {
        if let Some(d) = crate::departments::of(&mut *c, ObjectKind::User, m.0).await?
            && !crate::departments::shares(c, group_dept, d).await?
        {
            return Err(ValidationError::new(
                format!("members[{i}]"),
                "the user belongs to a department this group's department does not share with",
            )
            .into());
        }
    }
    sqlx::query("DELETE FROM user_group_members WHERE group_id = $1")
        .bind(id.0)
        .execute(&mut *c)
        .await?;
    for (i, m) in members.iter().enumerate() {
        sqlx::query("INSERT INTO user_group_members (group_id, user_id) VALUES ($1, $2)")
            .bind(id.0)
            .bind(m.0)
            .execute(&mut *c)
            .await
            .map_err(|e| match violation(&e) {
                Some(Violation::ForeignKey) => {
                    ValidationError::new(format!("members[{i}]"), "no such user").into()
                }
                _ => StoreError::from(e),
            })?;
    }
    Ok(())
}

impl Store {
    /// Creates a user group.
    pub async fn create_user_group(
        &self,
        input: NewUserGroup,
        now: Timestamp,
    ) -> Result<UserGroup, StoreError> {
        let out = self.writes(move |c| {
                let g = input.clone();
                Box::pin(async move {
                    let id: i64 = sqlx::query(
                        "INSERT INTO user_groups (department_id, name, description, reviewed, version, created_at, updated_at) \
                         VALUES ($1, $2, $3, $5, 1, $4, $4) RETURNING id",
                    )
                    .bind(g.department_id.0)
                    .bind(&g.name)
                    .bind(&g.description)
                    .bind(now.millis())
                    .bind(i64::from(g.reviewed))
                    .fetch_one(&mut *c)
                    .await
                    .map_err(write_error)
                    .and_then(|r| col(&r, "id"))?;
                    set_members(c, UserGroupId(id), &g.members).await?;
                    Ok(UserGroup {
                        id: UserGroupId(id),
                        department_id: g.department_id,
                        name: g.name,
                        description: g.description,
                        members: g.members,
                        reviewed: g.reviewed,
                        version: 1,
                        created_at: now,
                        updated_at: now,
                    })
                })
            })
            .await;
        self.announce(&out, Notify::routing_config_changed);
        out
    }

    /// Reads a user group with its members.
    pub async fn user_group(&self, id: UserGroupId) -> Result<UserGroup, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        fetch(&mut c, id).await
    }

    /// Lists user groups by id, with members.
    pub async fn list_user_groups(
        &self,
        scope: &switchboard_domain::Scope,
        f: &UserGroupFilter,
        page: &PageRequest,
    ) -> Result<Page<UserGroup>, StoreError> {
        let mut s = Select::new("SELECT * FROM user_groups");
        s.scope("department_id", scope);
        s.eq_opt("department_id", f.department_id.map(|d| Arg::Int(d.0)));
        if let Some(m) = f.member {
            s.cond(
                "id IN (SELECT group_id FROM user_group_members WHERE user_id",
                "=",
                Arg::Int(m.0),
            );
            s.raw(")");
        }
        let (rows, more) = s.page(&self.inner.read, page).await?;
        let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        load_members(&self.inner.read, &mut items).await?;
        Ok(Page::of(items, more, |g| g.id.0))
    }

    /// Applies a partial update if `patch.version` is current.
    pub async fn update_user_group(
        &self,
        id: UserGroupId,
        patch: UserGroupPatch,
        now: Timestamp,
    ) -> Result<UserGroup, StoreError> {
        let out = self.writes(move |c| {
                let patch = patch.clone();
                Box::pin(async move {
                    let mut g = fetch(c, id).await?;
                    if g.version != patch.version {
                        return Err(StoreError::stale("user group", id.0));
                    }
                    patch.apply(&mut g);
                    sqlx::query(
                        "UPDATE user_groups SET name = $1, description = $2, version = version + 1, updated_at = $3, \
                         reviewed = $5 WHERE id = $4",
                    )
                    .bind(&g.name)
                    .bind(&g.description)
                    .bind(now.millis())
                    .bind(id.0)
                    .bind(i64::from(g.reviewed))
                    .execute(&mut *c)
                    .await
                    .map_err(write_error)?;
                    if let Some(m) = &patch.members {
                        set_members(c, id, m).await?;
                    }
                    g.version += 1;
                    g.updated_at = now;
                    Ok(g)
                })
            })
            .await;
        self.announce(&out, Notify::routing_config_changed);
        out
    }

    /// Deletes a user group.
    pub async fn delete_user_group(&self, id: UserGroupId) -> Result<(), StoreError> {
        let out = self
            .writes(move |c| {
                Box::pin(async move {
                    fetch(c, id).await?;
                    let target = switchboard_domain::QueueRouting::UserGroup { user_group_id: id };
                    let mut in_use = false;
                    for r in sqlx::query("SELECT routing FROM queues")
                        .fetch_all(&mut *c)
                        .await?
                    {
                        let routing: String = col(&r, "routing")?;
                        in_use |=
                            serde_json::from_str::<switchboard_domain::QueueRouting>(&routing)
                                .ok()
                                .as_ref()
                                == Some(&target);
                    }
                    if in_use {
                        return Err(StoreError::Conflict(format!(
                            "user group {id} is the routing target of a queue"
                        )));
                    }
                    sqlx::query("DELETE FROM user_groups WHERE id = $1")
                        .bind(id.0)
                        .execute(&mut *c)
                        .await?;
                    Ok(())
                })
            })
            .await;
        self.announce(&out, Notify::routing_config_changed);
        out
    }
}
