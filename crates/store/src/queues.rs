//! Queues. Each department has exactly one exception queue, made with the department and never
//! deleted on its own.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};
use switchboard_domain::{
    AgentOrder, DepartmentId, NewQueue, Queue, QueueId, QueueKind, QueuePatch, QueueRouting,
    Timestamp, ValidationError,
};

use crate::Store;
use crate::error::{StoreError, Violation, violation};
use crate::notify::Notify;
use crate::sql::{Arg, Page, PageRequest, Select, col, json, parsed, to_json, ts};

/// Filters for listing queues.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Only this department's.
    pub department_id: Option<DepartmentId>,
    /// Only this kind.
    pub kind: Option<QueueKind>,
}

/// The columns of a queue row to insert.
pub(crate) struct QueueRecord<'a> {
    pub(crate) department_id: DepartmentId,
    pub(crate) name: &'a str,
    pub(crate) description: &'a str,
    pub(crate) kind: QueueKind,
    pub(crate) routing: &'a QueueRouting,
    pub(crate) agent_order: AgentOrder,
    pub(crate) service_level_secs: u32,
    pub(crate) priority: u8,
    pub(crate) active: bool,
    pub(crate) review_queue_id: Option<QueueId>,
}

fn order_str(o: AgentOrder) -> &'static str {
    match o {
        AgentOrder::LongestAvailable => "longest_available",
        AgentOrder::MostSkilled => "most_skilled",
        AgentOrder::LeastSkilled => "least_skilled",
    }
}

fn parse_order(s: &str) -> Option<AgentOrder> {
    [
        AgentOrder::LongestAvailable,
        AgentOrder::MostSkilled,
        AgentOrder::LeastSkilled,
    ]
    .into_iter()
    .find(|o| order_str(*o) == s)
}

pub(crate) fn from_row(r: &AnyRow) -> Result<Queue, StoreError> {
    Ok(Queue {
        id: QueueId(col(r, "id")?),
        department_id: DepartmentId(col(r, "department_id")?),
        name: col(r, "name")?,
        description: col(r, "description")?,
        kind: parsed(r, "kind", QueueKind::parse)?,
        routing: json(r, "routing")?,
        agent_order: parsed(r, "agent_order", parse_order)?,
        service_level_secs: u32::try_from(col::<i64>(r, "service_level_secs")?).unwrap_or(u32::MAX),
        priority: u8::try_from(col::<i64>(r, "priority")?).unwrap_or(5),
        active: col::<i64>(r, "active")? != 0,
        review_queue_id: col::<Option<i64>>(r, "review_queue_id")?.map(QueueId),
        version: col(r, "version")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) async fn fetch<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: QueueId,
) -> Result<Queue, StoreError> {
    crate::sql::fetch_by_id(
        e,
        "SELECT * FROM queues WHERE id = $1",
        id.0,
        "queue",
        from_row,
    )
    .await
}

fn write_error(e: sqlx::Error) -> StoreError {
    match violation(&e) {
        Some(Violation::Unique) => StoreError::Duplicate {
            field: "name".into(),
            message: "a queue with this name exists in the department".into(),
        },
        Some(Violation::ForeignKey) => {
            ValidationError::new("department_id", "no such department").into()
        }
        _ => e.into(),
    }
}

/// Checks that a routing's user group exists in the queue's department.
async fn check_routing(
    c: &mut AnyConnection,
    dept: DepartmentId,
    routing: &QueueRouting,
) -> Result<(), StoreError> {
    if let QueueRouting::UserGroup { user_group_id } = routing {
        let row = sqlx::query("SELECT department_id FROM user_groups WHERE id = $1")
            .bind(user_group_id.0)
            .fetch_optional(&mut *c)
            .await?;
        let same = match row {
            Some(r) => col::<i64>(&r, "department_id")? == dept.0,
            None => false,
        };
        if !same {
            return Err(ValidationError::new(
                "routing.user_group_id",
                "no such user group in the queue's department",
            )
            .into());
        }
    }
    Ok(())
}

/// Checks a queue's review queue: an active review queue of the same department (and a review
/// queue has none of its own).
async fn check_review(
    c: &mut AnyConnection,
    dept: DepartmentId,
    queue: Option<&Queue>,
    review: Option<QueueId>,
) -> Result<(), StoreError> {
    let Some(r) = review else {
        return Ok(());
    };
    let field = "review_queue_id";
    if queue.is_some_and(|q| q.kind != QueueKind::Standard) {
        return Err(ValidationError::new(field, "only a standard queue has a review queue").into());
    }
    match fetch(&mut *c, r).await {
        Ok(q) if q.department_id == dept && q.kind == QueueKind::Review => Ok(()),
        Ok(_) => {
            Err(ValidationError::new(field, "must be a review queue of the same department").into())
        }
        Err(StoreError::NotFound { .. }) => {
            Err(ValidationError::new(field, "no such queue").into())
        }
        Err(e) => Err(e),
    }
}

pub(crate) async fn insert(
    c: &mut AnyConnection,
    q: &QueueRecord<'_>,
    now: Timestamp,
) -> Result<Queue, StoreError> {
    let id: i64 = sqlx::query(
        "INSERT INTO queues (department_id, name, description, kind, routing, agent_order, service_level_secs, \
         priority, active, review_queue_id, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $11, 1, $10, $10) RETURNING id",
    )
    .bind(q.department_id.0)
    .bind(q.name)
    .bind(q.description)
    .bind(q.kind.as_str())
    .bind(to_json(q.routing)?)
    .bind(order_str(q.agent_order))
    .bind(i64::from(q.service_level_secs))
    .bind(i64::from(q.priority))
    .bind(i64::from(q.active))
    .bind(now.millis())
    .bind(q.review_queue_id.map(|r| r.0))
    .fetch_one(&mut *c)
    .await
    .map_err(write_error)
    .and_then(|r| col(&r, "id"))?;
    Ok(Queue {
        id: QueueId(id),
        department_id: q.department_id,
        name: q.name.to_string(),
        description: q.description.to_string(),
        kind: q.kind,
        routing: q.routing.clone(),
        agent_order: q.agent_order,
        service_level_secs: q.service_level_secs,
        priority: q.priority,
        active: q.active,
        review_queue_id: q.review_queue_id,
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

/// The exception queue of a department (inside a transaction or on the read pool).
pub(crate) async fn exception_queue<'e, E: Executor<'e, Database = Any>>(
    e: E,
    dept: DepartmentId,
) -> Result<Queue, StoreError> {
    sqlx::query("SELECT * FROM queues WHERE department_id = $1 AND kind = 'exception'")
        .bind(dept.0)
        .fetch_optional(e)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()?
        .ok_or(StoreError::NotFound {
            entity: "department",
            id: dept.0,
        })
}

impl Store {
    /// Creates a queue.
    pub async fn create_queue(&self, input: NewQueue, now: Timestamp) -> Result<Queue, StoreError> {
        let out = self
            .writes(move |c| {
                let q = input.clone();
                Box::pin(async move {
                    check_routing(c, q.department_id, &q.routing).await?;
                    check_review(c, q.department_id, None, q.review_queue_id).await?;
                    let rec = QueueRecord {
                        department_id: q.department_id,
                        name: &q.name,
                        description: &q.description,
                        kind: q.kind,
                        routing: &q.routing,
                        agent_order: q.agent_order,
                        service_level_secs: q.service_level_secs,
                        priority: q.priority,
                        active: q.active,
                        review_queue_id: q.review_queue_id,
                    };
                    insert(c, &rec, now).await
                })
            })
            .await;
        self.announce(&out, Notify::routing_config_changed);
        out
    }

    /// Reads a queue.
    pub async fn queue(&self, id: QueueId) -> Result<Queue, StoreError> {
        fetch(&self.inner.read, id).await
    }

    /// The exception queue of a department.
    pub async fn exception_queue(&self, dept: DepartmentId) -> Result<Queue, StoreError> {
        exception_queue(&self.inner.read, dept).await
    }

    /// Lists queues by id.
    pub async fn list_queues(
        &self,
        scope: &switchboard_domain::Scope,
        f: &QueueFilter,
        page: &PageRequest,
    ) -> Result<Page<Queue>, StoreError> {
        let mut s = Select::new("SELECT * FROM queues");
        s.scope("department_id", scope);
        s.eq_opt("department_id", f.department_id.map(|d| Arg::Int(d.0)))
            .eq_opt("kind", f.kind.map(|k| Arg::Text(k.as_str().into())));
        let (rows, more) = s.page(&self.inner.read, page).await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::of(items, more, |q| q.id.0))
    }

    /// Applies a partial update if `patch.version` is current.
    pub async fn update_queue(
        &self,
        id: QueueId,
        patch: QueuePatch,
        now: Timestamp,
    ) -> Result<Queue, StoreError> {
        let out = self.writes(move |c| {
                let patch = patch.clone();
                Box::pin(async move {
                    let mut q = fetch(&mut *c, id).await?;
                    if q.version != patch.version {
                        return Err(StoreError::stale("queue", id.0));
                    }
                    patch.apply(&mut q);
                    check_routing(c, q.department_id, &q.routing).await?;
                    if patch.review_queue_id.is_some() {
                        check_review(c, q.department_id, Some(&q), q.review_queue_id).await?;
                    }
                    sqlx::query(
                        "UPDATE queues SET name = $1, description = $2, routing = $3, agent_order = $4, \
                         service_level_secs = $5, priority = $6, active = $7, version = version + 1, updated_at = $8, \
                         review_queue_id = $10 WHERE id = $9",
                    )
                    .bind(&q.name)
                    .bind(&q.description)
                    .bind(to_json(&q.routing)?)
                    .bind(order_str(q.agent_order))
                    .bind(i64::from(q.service_level_secs))
                    .bind(i64::from(q.priority))
                    .bind(i64::from(q.active))
                    .bind(now.millis())
                    .bind(id.0)
                    .bind(q.review_queue_id.map(|r| r.0))
                    .execute(&mut *c)
                    .await
                    .map_err(write_error)?;
                    q.version += 1;
                    q.updated_at = now;
                    Ok(q)
                })
            })
            .await;
        self.announce(&out, Notify::routing_config_changed);
        out
    }

    /// Deletes a queue no activity refers to. The exception queue goes only with its department.
    pub async fn delete_queue(&self, id: QueueId) -> Result<(), StoreError> {
        let out = self
            .writes(move |c| {
                Box::pin(async move {
                    let q = fetch(&mut *c, id).await?;
                    if q.kind == QueueKind::Exception {
                        return Err(StoreError::Conflict(
                            "the exception queue is deleted only with its department".into(),
                        ));
                    }
                    crate::in_use::by_entry_point(c, "queue_id", id.0, "queue").await?;
                    crate::sql::delete_by_id(c, "queues", id.0, || {
                        format!("queue {id} still holds activities; deactivate it instead")
                    })
                    .await?;
                    Ok(())
                })
            })
            .await;
        self.announce(&out, Notify::routing_config_changed);
        out
    }
}
