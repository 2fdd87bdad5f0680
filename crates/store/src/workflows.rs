//! Workflows: stored as versioned JSON (every change keeps the previous version), checked on
//! save against the objects they name, and announced by bumping the `workflow` generation in the
//! same transaction. Every node compares that generation inside its ingest transaction, so the
//! next message after a committed change follows the new version, on every node, with no
//! restart.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::workflow::model::{
    Definition, NewWorkflow, Workflow, WorkflowKind, WorkflowVersion,
};
use switchboard_domain::workflow::refs::{Ref, references};
use switchboard_domain::{DepartmentId, Timestamp, ValidationError, WorkflowId};

use crate::Store;
use crate::error::StoreError;
use crate::notify::Notify;
use crate::sql::{Arg, Page, PageRequest, Select, col, json, parsed, to_json, ts};

/// Filters for listing workflows.
#[derive(Debug, Clone, Default)]
pub struct WorkflowFilter {
    /// Only this department's.
    pub department_id: Option<DepartmentId>,
    /// Only this kind.
    pub kind: Option<WorkflowKind>,
}

pub(crate) fn from_row(r: &AnyRow) -> Result<Workflow, StoreError> {
    Ok(Workflow {
        id: WorkflowId(col(r, "id")?),
        department_id: DepartmentId(col(r, "department_id")?),
        name: col(r, "name")?,
        description: col(r, "description")?,
        kind: parsed(r, "kind", WorkflowKind::parse)?,
        active: col::<i64>(r, "active")? != 0,
        alias_ids: json(r, "alias_ids")?,
        interval_secs: u32::try_from(col::<i64>(r, "interval_secs")?).unwrap_or(0),
        definition: json(r, "definition")?,
        version: col(r, "version")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) async fn fetch(c: &mut AnyConnection, id: WorkflowId) -> Result<Workflow, StoreError> {
    crate::sql::fetch_by_id(
        &mut *c,
        "SELECT * FROM workflows WHERE id = $1",
        id.0,
        "workflow",
        from_row,
    )
    .await
}

fn write_error(e: sqlx::Error) -> StoreError {
    crate::error::named_write_error(e, "workflow")
}

/// Tells every node that workflows (or what they are compiled with) changed.
pub(crate) async fn bump_generation(c: &mut AnyConnection) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE config_generations SET generation = generation + 1 WHERE name = 'workflow'",
    )
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// The current workflow generation.
pub(crate) async fn generation(c: &mut AnyConnection) -> Result<i64, StoreError> {
    let r = sqlx::query("SELECT generation FROM config_generations WHERE name = 'workflow'")
        .fetch_one(&mut *c)
        .await?;
    col(&r, "generation")
}

/// The department's standard start workflow (the domain's), created with the department.
pub(crate) async fn insert_standard(
    c: &mut AnyConnection,
    dept: DepartmentId,
    now: Timestamp,
) -> Result<(), StoreError> {
    let n = switchboard_domain::workflow::standard_start(dept);
    insert(c, &n, now).await.map(|_| ())
}

async fn insert(
    c: &mut AnyConnection,
    n: &NewWorkflow,
    now: Timestamp,
) -> Result<WorkflowId, StoreError> {
    let id: i64 = sqlx::query(
        "INSERT INTO workflows (department_id, name, description, kind, active, alias_ids, interval_secs, definition, \
         version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) RETURNING id",
    )
    .bind(n.department_id.0)
    .bind(&n.name)
    .bind(&n.description)
    .bind(n.kind.as_str())
    .bind(i64::from(n.active))
    .bind(to_json(&n.alias_ids)?)
    .bind(i64::from(n.interval_secs.unwrap_or(0)))
    .bind(to_json(&n.definition)?)
    .bind(now.millis())
    .fetch_one(&mut *c)
    .await
    .map_err(write_error)
    .and_then(|r| col(&r, "id"))?;
    let w = fetch(c, WorkflowId(id)).await?;
    keep_version(c, &w, now).await?;
    bump_generation(c).await?;
    Ok(w.id)
}

async fn keep_version(
    c: &mut AnyConnection,
    w: &Workflow,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO workflow_versions (workflow_id, version, name, active, alias_ids, interval_secs, definition, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(w.id.0)
    .bind(w.version)
    .bind(&w.name)
    .bind(i64::from(w.active))
    .bind(to_json(&w.alias_ids)?)
    .bind(i64::from(w.interval_secs))
    .bind(to_json(&w.definition)?)
    .bind(now.millis())
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Checks that every object a workflow of `dept` names exists in that department (aliases,
/// queues, articles…).
async fn check_references(
    c: &mut AnyConnection,
    dept: DepartmentId,
    alias_ids: &[switchboard_domain::AliasId],
    definition: &Definition,
) -> Result<(), StoreError> {
    for (i, a) in alias_ids.iter().enumerate() {
        owned(c, "aliases", a.0, dept)
            .await?
            .then_some(())
            .ok_or_else(|| {
                ValidationError::new(format!("alias_ids[{i}]"), "no such alias in the department")
            })?;
    }
    for (path, r) in references(definition) {
        let (table, id, what) = match r {
            Ref::Category(x) => ("categories", x.0, "category"),
            Ref::Queue(x) => ("queues", x.0, "queue"),
            Ref::User(x) => ("users", x.0, "user"),
            Ref::Group(x) => ("user_groups", x.0, "user group"),
            Ref::Article(x) => ("articles", x.0, "article"),
            Ref::Calendar(x) => ("calendars", x.0, "calendar"),
            Ref::Department(x) => {
                let found = sqlx::query("SELECT id FROM departments WHERE id = $1")
                    .bind(x.0)
                    .fetch_optional(&mut *c)
                    .await?;
                if found.is_none() || x == dept {
                    return Err(ValidationError::new(
                        format!("definition.{path}"),
                        "name another existing department",
                    )
                    .into());
                }
                continue;
            }
        };
        if !owned(c, table, id, dept).await? {
            return Err(ValidationError::new(
                format!("definition.{path}"),
                format!("no {what} {id} in the department"),
            )
            .into());
        }
    }
    Ok(())
}

/// Whether row `id` of `table` belongs to `dept`.
async fn owned(
    c: &mut AnyConnection,
    table: &str,
    id: i64,
    dept: DepartmentId,
) -> Result<bool, StoreError> {
    // `table` is one of our own names, never input.
    let sql = format!("SELECT department_id FROM {table} WHERE id = $1");
    let r = sqlx::query(&sql).bind(id).fetch_optional(&mut *c).await?;
    match r {
        Some(r) => Ok(col::<i64>(&r, "department_id")? == dept.0),
        None => Ok(false),
    }
}

/// Refuses (409) when a workflow of `dept` names `what`.
pub(crate) async fn refuse_if_used(
    c: &mut AnyConnection,
    dept: DepartmentId,
    what: Ref,
    noun: &str,
) -> Result<(), StoreError> {
    let rows = sqlx::query("SELECT * FROM workflows WHERE department_id = $1 ORDER BY id")
        .bind(dept.0)
        .fetch_all(&mut *c)
        .await?;
    for r in &rows {
        let w = from_row(r)?;
        if let Some((path, _)) = references(&w.definition)
            .into_iter()
            .find(|(_, x)| *x == what)
        {
            return Err(StoreError::Conflict(format!(
                "the {noun} is used by workflow {} ({:?}) at {path}",
                w.id, w.name
            )));
        }
    }
    Ok(())
}

/// Every active workflow with the generation read in the same transaction.
pub(crate) async fn active_all(c: &mut AnyConnection) -> Result<Vec<Workflow>, StoreError> {
    let rows = sqlx::query("SELECT * FROM workflows WHERE active = 1 ORDER BY department_id, id")
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Saves a changed workflow (already checked as a whole) as its next version, after checking
/// what it names; bumps the generation.
pub(crate) async fn save(
    c: &mut AnyConnection,
    w: &Workflow,
    now: Timestamp,
) -> Result<Workflow, StoreError> {
    check_references(c, w.department_id, &w.alias_ids, &w.definition).await?;
    let done = sqlx::query(
        "UPDATE workflows SET name = $1, description = $2, active = $3, alias_ids = $4, interval_secs = $5, \
         definition = $6, version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9",
    )
    .bind(&w.name)
    .bind(&w.description)
    .bind(i64::from(w.active))
    .bind(to_json(&w.alias_ids)?)
    .bind(i64::from(w.interval_secs))
    .bind(to_json(&w.definition)?)
    .bind(now.millis())
    .bind(w.id.0)
    .bind(w.version)
    .execute(&mut *c)
    .await
    .map_err(write_error)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::stale("workflow", w.id.0));
    }
    let w = fetch(c, w.id).await?;
    keep_version(c, &w, now).await?;
    bump_generation(c).await?;
    Ok(w)
}

impl Store {
    /// Creates a workflow (version 1).
    pub async fn create_workflow(
        &self,
        n: NewWorkflow,
        now: Timestamp,
    ) -> Result<Workflow, StoreError> {
        let out = self
            .writes(move |c| {
                let n = n.clone();
                Box::pin(async move {
                    check_references(c, n.department_id, &n.alias_ids, &n.definition).await?;
                    let id = insert(c, &n, now).await?;
                    fetch(c, id).await
                })
            })
            .await;
        self.announce(&out, Notify::workflows_changed);
        out
    }

    /// Reads a workflow (its current version).
    pub async fn workflow(&self, id: WorkflowId) -> Result<Workflow, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        fetch(&mut c, id).await
    }

    /// Lists workflows by id.
    pub async fn list_workflows(
        &self,
        scope: &switchboard_domain::Scope,
        f: &WorkflowFilter,
        page: &PageRequest,
    ) -> Result<Page<Workflow>, StoreError> {
        let mut s = Select::new("SELECT * FROM workflows");
        s.scope("department_id", scope);
        s.eq_opt("department_id", f.department_id.map(|d| Arg::Int(d.0)));
        s.eq_opt("kind", f.kind.map(|k| Arg::Text(k.as_str().into())));
        let (rows, more) = s.page(&self.inner.read, page).await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::of(items, more, |w| w.id.0))
    }

    /// Every stored version of a workflow, newest first.
    pub async fn workflow_versions(
        &self,
        id: WorkflowId,
    ) -> Result<Vec<WorkflowVersion>, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        fetch(&mut c, id).await?;
        let rows = sqlx::query(
            "SELECT * FROM workflow_versions WHERE workflow_id = $1 ORDER BY version DESC",
        )
        .bind(id.0)
        .fetch_all(&mut *c)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(WorkflowVersion {
                    workflow_id: id,
                    version: col(r, "version")?,
                    name: col(r, "name")?,
                    active: col::<i64>(r, "active")? != 0,
                    alias_ids: json(r, "alias_ids")?,
                    interval_secs: u32::try_from(col::<i64>(r, "interval_secs")?).unwrap_or(0),
                    definition: json(r, "definition")?,
                    created_at: ts(r, "created_at")?,
                })
            })
            .collect()
    }

    /// Deletes a workflow and its versions (runs recorded on activities stay).
    pub async fn delete_workflow(&self, id: WorkflowId) -> Result<(), StoreError> {
        let out = self
            .writes(move |c| {
                Box::pin(async move {
                    fetch(c, id).await?;
                    sqlx::query("DELETE FROM workflows WHERE id = $1")
                        .bind(id.0)
                        .execute(&mut *c)
                        .await?;
                    bump_generation(c).await
                })
            })
            .await;
        self.announce(&out, Notify::workflows_changed);
        out
    }
}
