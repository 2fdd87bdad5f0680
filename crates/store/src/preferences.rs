//! A user's own settings, one JSON document per user.

use switchboard_domain::UserId;
use switchboard_domain::preferences::Preferences;

use crate::Store;
use crate::error::StoreError;
use crate::sql::{json, to_json};

impl Store {
    /// The user's settings (the defaults until they change one).
    pub async fn preferences(&self, user: UserId) -> Result<Preferences, StoreError> {
        let row = sqlx::query("SELECT prefs FROM user_preferences WHERE user_id = $1")
            .bind(user.0)
            .fetch_optional(&self.inner.read)
            .await?;
        match row {
            Some(r) => json(&r, "prefs"),
            None => Ok(Preferences::default()),
        }
    }

    /// Replaces the user's settings (validated by the domain first).
    pub async fn set_preferences(
        &self,
        user: UserId,
        p: Preferences,
    ) -> Result<Preferences, StoreError> {
        let p = p.validate()?;
        let text = to_json(&p)?;
        self.writes(move |c| {
            let text = text.clone();
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO user_preferences (user_id, prefs) VALUES ($1, $2) \
                         ON CONFLICT (user_id) DO UPDATE SET prefs = excluded.prefs",
                )
                .bind(user.0)
                .bind(&text)
                .execute(&mut *c)
                .await?;
                Ok(())
            })
        })
        .await?;
        Ok(p)
    }
}
