//! Categories of activities.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::workflow::refs::Ref;
use switchboard_domain::{
    Category, CategoryId, CategoryPatch, DepartmentId, NewCategory, Timestamp,
};

use crate::Store;
use crate::error::StoreError;
use crate::sql::{Page, PageRequest, col, fetch_by_id, ts};
use crate::workflows;

fn from_row(r: &AnyRow) -> Result<Category, StoreError> {
    Ok(Category {
        id: CategoryId(col(r, "id")?),
        department_id: DepartmentId(col(r, "department_id")?),
        name: col(r, "name")?,
        description: col(r, "description")?,
        version: col(r, "version")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

async fn fetch(c: &mut AnyConnection, id: CategoryId) -> Result<Category, StoreError> {
    fetch_by_id(
        &mut *c,
        "SELECT * FROM categories WHERE id = $1",
        id.0,
        "category",
        from_row,
    )
    .await
}

fn write_error(e: sqlx::Error) -> StoreError {
    crate::error::named_write_error(e, "category")
}

impl Store {
    /// Creates a category.
    pub async fn create_category(
        &self,
        n: NewCategory,
        now: Timestamp,
    ) -> Result<Category, StoreError> {
        self.writes(move |c| {
                let n = n.clone();
                Box::pin(async move {
                    let id: i64 = sqlx::query(
                        "INSERT INTO categories (department_id, name, description, version, created_at, updated_at) \
                         VALUES ($1, $2, $3, 1, $4, $4) RETURNING id",
                    )
                    .bind(n.department_id.0)
                    .bind(&n.name)
                    .bind(&n.description)
                    .bind(now.millis())
                    .fetch_one(&mut *c)
                    .await
                    .map_err(write_error)
                    .and_then(|r| col(&r, "id"))?;
                    fetch(c, CategoryId(id)).await
                })
            })
            .await
    }

    /// Reads a category.
    pub async fn category(&self, id: CategoryId) -> Result<Category, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        fetch(&mut c, id).await
    }

    /// Lists categories, optionally of one department.
    pub async fn list_categories(
        &self,
        scope: &switchboard_domain::Scope,
        department: Option<DepartmentId>,
        page: &PageRequest,
    ) -> Result<Page<Category>, StoreError> {
        crate::sql::department_page(
            &self.inner.read,
            "categories",
            scope,
            department,
            page,
            from_row,
            |x| x.id.0,
        )
        .await
    }

    /// Applies a partial update if `patch.version` is current.
    pub async fn update_category(
        &self,
        id: CategoryId,
        patch: CategoryPatch,
        now: Timestamp,
    ) -> Result<Category, StoreError> {
        self.writes(move |c| {
                let patch = patch.clone();
                Box::pin(async move {
                    let mut k = fetch(c, id).await?;
                    if k.version != patch.version {
                        return Err(StoreError::stale("category", id.0));
                    }
                    patch.apply(&mut k);
                    sqlx::query(
                        "UPDATE categories SET name = $1, description = $2, version = version + 1, updated_at = $3 WHERE id = $4",
                    )
                    .bind(&k.name)
                    .bind(&k.description)
                    .bind(now.millis())
                    .bind(id.0)
                    .execute(&mut *c)
                    .await
                    .map_err(write_error)?;
                    fetch(c, id).await
                })
            })
            .await
    }

    /// Deletes a category no activity carries and no workflow names.
    pub async fn delete_category(&self, id: CategoryId) -> Result<(), StoreError> {
        self.writes(move |c| {
            Box::pin(async move {
                let k = fetch(c, id).await?;
                workflows::refuse_if_used(c, k.department_id, Ref::Category(id), "category")
                    .await?;
                let used = sqlx::query("SELECT id FROM activities WHERE category_id = $1 LIMIT 1")
                    .bind(id.0)
                    .fetch_optional(&mut *c)
                    .await?;
                if used.is_some() {
                    return Err(StoreError::Conflict(format!(
                        "category {id} is on activities; rename it instead of deleting it"
                    )));
                }
                sqlx::query("DELETE FROM categories WHERE id = $1")
                    .bind(id.0)
                    .execute(&mut *c)
                    .await?;
                Ok(())
            })
        })
        .await
    }
}
