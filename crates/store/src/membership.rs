//! Group membership seen from the user's side: which groups a user belongs to, and setting
//! them all at once (each group that gains or loses the user gets a new version).

use std::collections::BTreeSet;

use sqlx::AnyConnection;
use switchboard_domain::{Membership, Timestamp, UserGroupId, UserId, ValidationError};

use crate::error::StoreError;
use crate::notify::Notify;
use crate::sql::col;
use crate::{Store, users};
use switchboard_domain::ObjectKind;

async fn groups_of(c: &mut AnyConnection, user: UserId) -> Result<Vec<UserGroupId>, StoreError> {
    sqlx::query("SELECT group_id FROM user_group_members WHERE user_id = $1 ORDER BY group_id")
        .bind(user.0)
        .fetch_all(&mut *c)
        .await?
        .iter()
        .map(|r| col(r, "group_id").map(UserGroupId))
        .collect()
}

/// Bumps a group's version; reports `field` when the group does not exist.
async fn touch(
    c: &mut AnyConnection,
    group: UserGroupId,
    field: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let done =
        sqlx::query("UPDATE user_groups SET version = version + 1, updated_at = $1 WHERE id = $2")
            .bind(now.millis())
            .bind(group.0)
            .execute(&mut *c)
            .await?;
    if done.rows_affected() == 0 {
        return Err(ValidationError::new(field, "no such user group").into());
    }
    Ok(())
}

impl Store {
    /// The groups `user` belongs to.
    pub async fn user_membership(&self, user: UserId) -> Result<Membership, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        users::fetch(&mut *c, user).await?;
        Ok(Membership {
            group_ids: groups_of(&mut c, user).await?,
        })
    }

    /// Makes `user` a member of exactly `m.group_ids` (validated: sorted, no duplicates).
    pub async fn set_user_membership(
        &self,
        user: UserId,
        m: Membership,
        now: Timestamp,
    ) -> Result<Membership, StoreError> {
        let out = self.writes(move |c| {
                let wanted = m.group_ids.clone();
                Box::pin(async move {
                    let u = users::fetch(&mut *c, user).await?;
                    for (i, g) in wanted.iter().enumerate() {
                        if let Some(d) = crate::departments::of(&mut *c, ObjectKind::UserGroup, g.0).await?
                            && !crate::departments::shares(c, d, u.department_id).await?
                        {
                            return Err(ValidationError::new(
                                format!("group_ids[{i}]"),
                                "the group belongs to a department that does not share with the user's",
                            )
                            .into());
                        }
                    }
                    let had: BTreeSet<UserGroupId> =
                        groups_of(&mut *c, user).await?.into_iter().collect();
                    for (i, g) in wanted.iter().enumerate() {
                        if had.contains(g) {
                            continue;
                        }
                        touch(c, *g, &format!("group_ids[{i}]"), now).await?;
                        sqlx::query(
                            "INSERT INTO user_group_members (group_id, user_id) VALUES ($1, $2)",
                        )
                        .bind(g.0)
                        .bind(user.0)
                        .execute(&mut *c)
                        .await?;
                    }
                    for g in had.iter().filter(|g| !wanted.contains(g)) {
                        touch(c, *g, "group_ids", now).await?;
                        sqlx::query(
                            "DELETE FROM user_group_members WHERE group_id = $1 AND user_id = $2",
                        )
                        .bind(g.0)
                        .bind(user.0)
                        .execute(&mut *c)
                        .await?;
                    }
                    Ok(Membership { group_ids: wanted })
                })
            })
            .await;
        self.announce(&out, Notify::routing_config_changed);
        out
    }
}
