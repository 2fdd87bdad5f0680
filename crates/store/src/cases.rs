//! Cases.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};
use switchboard_domain::{
    Case, CaseId, CaseStatus, CustomerId, DepartmentId, NewCase, Timestamp, UserId, ValidationError,
};

use crate::error::{StoreError, Violation, violation};
use crate::sql::{Arg, Key, Page, PageRequest, Select, col, parsed, ts};
use crate::{Store, customers};

/// Filters for listing cases.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only this department's.
    pub department_id: Option<DepartmentId>,
    /// Only this customer's.
    pub customer_id: Option<CustomerId>,
    /// Only open or closed.
    pub status: Option<CaseStatus>,
    /// Only owned by this user.
    pub owner_id: Option<UserId>,
}

/// The list query for `f` within `scope`: each filter reads an index in id order, a scope of
/// several departments one department at a time.
fn list_query(scope: &switchboard_domain::Scope, f: &CaseFilter) -> Select {
    let mut s = Select::new("SELECT * FROM cases");
    s.eq_opt("department_id", f.department_id.map(|d| Arg::Int(d.0)))
        .eq_opt("customer_id", f.customer_id.map(|d| Arg::Int(d.0)))
        .eq_opt("status", f.status.map(|x| Arg::Text(x.as_str().into())))
        .eq_opt("owner_id", f.owner_id.map(|d| Arg::Int(d.0)))
        .scope_arms("department_id", scope, f.department_id.is_some());
    s
}

pub(crate) fn from_row(r: &AnyRow) -> Result<Case, StoreError> {
    Ok(Case {
        id: CaseId(col(r, "id")?),
        department_id: DepartmentId(col(r, "department_id")?),
        customer_id: CustomerId(col(r, "customer_id")?),
        subject: col(r, "subject")?,
        status: parsed(r, "status", CaseStatus::parse)?,
        owner_id: col::<Option<i64>>(r, "owner_id")?.map(UserId),
        version: col(r, "version")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) async fn fetch<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: CaseId,
) -> Result<Case, StoreError> {
    crate::sql::fetch_by_id(
        e,
        "SELECT * FROM cases WHERE id = $1",
        id.0,
        "case",
        from_row,
    )
    .await
}

pub(crate) fn owner_error(e: sqlx::Error) -> StoreError {
    match violation(&e) {
        Some(Violation::ForeignKey) => ValidationError::new("owner_id", "no such user").into(),
        _ => e.into(),
    }
}

/// Opens a case for a customer (who must exist); used by case and activity creation.
pub(crate) async fn insert(
    c: &mut AnyConnection,
    n: &NewCase,
    now: Timestamp,
) -> Result<Case, StoreError> {
    let customer = customers::fetch(&mut *c, n.customer_id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound { .. } => {
                ValidationError::new("customer_id", "no such customer").into()
            }
            e => e,
        })?;
    insert_for(c, customer.department_id, n, now).await
}

/// Opens a case for a customer of `dept` the caller knows exists.
pub(crate) async fn insert_for(
    c: &mut AnyConnection,
    dept: DepartmentId,
    n: &NewCase,
    now: Timestamp,
) -> Result<Case, StoreError> {
    let id: i64 = sqlx::query(
        "INSERT INTO cases (department_id, customer_id, subject, status, owner_id, version, created_at, updated_at) \
         VALUES ($1, $2, $3, 'open', $4, 1, $5, $5) RETURNING id",
    )
    .bind(dept.0)
    .bind(n.customer_id.0)
    .bind(&n.subject)
    .bind(n.owner_id.map(|o| o.0))
    .bind(now.millis())
    .fetch_one(&mut *c)
    .await
    .map_err(owner_error)
    .and_then(|r| col(&r, "id"))?;
    Ok(Case {
        id: CaseId(id),
        department_id: dept,
        customer_id: n.customer_id,
        subject: n.subject.clone(),
        status: CaseStatus::Open,
        owner_id: n.owner_id,
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

impl Store {
    /// Opens a case for a customer.
    pub async fn create_case(&self, input: NewCase, now: Timestamp) -> Result<Case, StoreError> {
        self.writes(move |c| {
            let n = input.clone();
            Box::pin(async move { insert(c, &n, now).await })
        })
        .await
    }

    /// Reads a case.
    pub async fn case(&self, id: CaseId) -> Result<Case, StoreError> {
        fetch(&self.inner.read, id).await
    }

    /// Lists cases by id.
    pub async fn list_cases(
        &self,
        scope: &switchboard_domain::Scope,
        f: &CaseFilter,
        page: &PageRequest,
    ) -> Result<Page<Case>, StoreError> {
        let (rows, more) = list_query(scope, f).page(&self.inner.read, page).await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::of(items, more, |c| c.id.0))
    }

    /// The database's plan for one page of cases (what [`Store::list_cases`] runs), a line
    /// per step.
    pub async fn case_list_plan(
        &self,
        scope: &switchboard_domain::Scope,
        f: &CaseFilter,
        page: &PageRequest,
    ) -> Result<Vec<String>, StoreError> {
        self.list_plan(list_query(scope, f), page, Key::Id).await
    }

    /// Deletes a case that has no activities.
    pub async fn delete_case(&self, id: CaseId) -> Result<(), StoreError> {
        self.writes(move |c| {
            Box::pin(async move {
                fetch(&mut *c, id).await?;
                crate::sql::delete_by_id(c, "cases", id.0, || {
                    format!("case {id} still has activities; delete them first")
                })
                .await?;
                Ok(())
            })
        })
        .await
    }
}
