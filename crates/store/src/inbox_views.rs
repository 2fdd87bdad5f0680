//! The inbox views a user keeps, one JSON list per user; which view replaces which and how many
//! fit is the domain's (`inbox::keep`, `inbox::forget`).

use sqlx::AnyConnection;
use switchboard_domain::UserId;
use switchboard_domain::inbox::{self, SavedView};

use crate::Store;
use crate::error::StoreError;
use crate::sql::{json, to_json};

const READ: &str = "SELECT views FROM inbox_views WHERE user_id = $1";

async fn read_on(c: &mut AnyConnection, user: UserId) -> Result<Vec<SavedView>, StoreError> {
    let row = sqlx::query(READ)
        .bind(user.0)
        .fetch_optional(&mut *c)
        .await?;
    match row {
        Some(r) => json(&r, "views"),
        None => Ok(Vec::new()),
    }
}

async fn write_on(
    c: &mut AnyConnection,
    user: UserId,
    views: &[SavedView],
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO inbox_views (user_id, views) VALUES ($1, $2) \
         ON CONFLICT (user_id) DO UPDATE SET views = excluded.views",
    )
    .bind(user.0)
    .bind(to_json(&views)?)
    .execute(&mut *c)
    .await?;
    Ok(())
}

impl Store {
    /// The user's saved inbox views, in the order they were first saved.
    pub async fn inbox_views(&self, user: UserId) -> Result<Vec<SavedView>, StoreError> {
        let row = sqlx::query(READ)
            .bind(user.0)
            .fetch_optional(&self.inner.read)
            .await?;
        match row {
            Some(r) => json(&r, "views"),
            None => Ok(Vec::new()),
        }
    }

    /// Keeps `view` for the user (replacing one of the same name); the views now.
    pub async fn save_inbox_view(
        &self,
        user: UserId,
        view: SavedView,
    ) -> Result<Vec<SavedView>, StoreError> {
        self.writes(move |c| {
            let view = view.clone();
            Box::pin(async move {
                let views = inbox::keep(read_on(c, user).await?, view)?;
                write_on(c, user, &views).await?;
                Ok(views)
            })
        })
        .await
    }

    /// Forgets the user's view called `name`; `false` when there was none.
    pub async fn delete_inbox_view(&self, user: UserId, name: &str) -> Result<bool, StoreError> {
        let name = name.to_string();
        self.writes(move |c| {
            let name = name.clone();
            Box::pin(async move {
                match inbox::forget(read_on(c, user).await?, &name) {
                    Some(views) => {
                        write_on(c, user, &views).await?;
                        Ok(true)
                    }
                    None => Ok(false),
                }
            })
        })
        .await
    }
}
