//! Customers. Contact points are kept twice in one transaction: as JSON on the customer (what is
//! shown) and as rows of `contact_points` (what makes an address unique and fast to look up).

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};
use switchboard_domain::{
    ContactKind, ContactPoint, Customer, CustomerId, CustomerPatch, DepartmentId, NewCustomer,
    Timestamp, ValidationError,
};

use crate::Store;
use crate::error::{StoreError, Violation, violation};
use crate::sql::{Arg, Key, Page, PageRequest, Select, col, json, to_json, ts};
use switchboard_domain::text::lookup_key;

/// Filters for listing customers.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Only this department's.
    pub department_id: Option<DepartmentId>,
    /// Only the customer with this contact point value (email, phone, chat id).
    pub contact: Option<String>,
}

/// The list query for `f` within `scope`: by department along its index, a scope of several
/// departments one department at a time; by contact through the contact points' value index.
fn list_query(scope: &switchboard_domain::Scope, f: &CustomerFilter) -> Select {
    let mut s = Select::new("SELECT * FROM customers");
    s.eq_opt("department_id", f.department_id.map(|d| Arg::Int(d.0)));
    if let Some(v) = &f.contact {
        s.cond(
            "id IN (SELECT customer_id FROM contact_points WHERE value_key",
            "=",
            Arg::Text(lookup_key(v)),
        );
        s.raw(")");
    }
    s.scope_arms("department_id", scope, f.department_id.is_some());
    s
}

pub(crate) fn from_row(r: &AnyRow) -> Result<Customer, StoreError> {
    Ok(Customer {
        id: CustomerId(col(r, "id")?),
        department_id: DepartmentId(col(r, "department_id")?),
        name: col(r, "name")?,
        contact_points: json(r, "contact_points")?,
        attributes: json(r, "attributes")?,
        version: col(r, "version")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) async fn fetch<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: CustomerId,
) -> Result<Customer, StoreError> {
    crate::sql::fetch_by_id(
        e,
        "SELECT * FROM customers WHERE id = $1",
        id.0,
        "customer",
        from_row,
    )
    .await
}

/// Replaces a customer's indexed contact points.
async fn reindex_contacts(
    c: &mut AnyConnection,
    dept: DepartmentId,
    id: CustomerId,
    points: &[ContactPoint],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM contact_points WHERE customer_id = $1")
        .bind(id.0)
        .execute(&mut *c)
        .await?;
    index_contacts(c, dept, id, points).await
}

/// Indexes contact points of a customer that has none indexed yet.
async fn index_contacts(
    c: &mut AnyConnection,
    dept: DepartmentId,
    id: CustomerId,
    points: &[ContactPoint],
) -> Result<(), StoreError> {
    for (i, p) in points.iter().enumerate() {
        sqlx::query("INSERT INTO contact_points (department_id, kind, value_key, customer_id) VALUES ($1, $2, $3, $4)")
            .bind(dept.0)
            .bind(p.kind.as_str())
            .bind(p.lookup_key())
            .bind(id.0)
            .execute(&mut *c)
            .await
            .map_err(|e| match violation(&e) {
                Some(Violation::Unique) => StoreError::Duplicate {
                    field: format!("contact_points[{i}].value"),
                    message: "another customer of this department has this contact point".into(),
                },
                _ => e.into(),
            })?;
    }
    Ok(())
}

/// Creates a customer inside a write transaction.
pub(crate) async fn insert(
    c: &mut AnyConnection,
    n: NewCustomer,
    now: Timestamp,
) -> Result<Customer, StoreError> {
    let id: i64 = sqlx::query(
        "INSERT INTO customers (department_id, name, contact_points, attributes, version, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, 1, $5, $5) RETURNING id",
    )
    .bind(n.department_id.0)
    .bind(&n.name)
    .bind(to_json(&n.contact_points)?)
    .bind(to_json(&n.attributes)?)
    .bind(now.millis())
    .fetch_one(&mut *c)
    .await
    .map_err(|e| match violation(&e) {
        Some(Violation::ForeignKey) => ValidationError::new("department_id", "no such department").into(),
        _ => StoreError::from(e),
    })
    .and_then(|r| col(&r, "id"))?;
    let id = CustomerId(id);
    index_contacts(c, n.department_id, id, &n.contact_points).await?;
    Ok(Customer {
        id,
        department_id: n.department_id,
        name: n.name,
        contact_points: n.contact_points,
        attributes: n.attributes,
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

/// Finds the customer of a department with a contact point, inside a transaction.
pub(crate) async fn by_contact(
    c: &mut AnyConnection,
    dept: DepartmentId,
    kind: ContactKind,
    key: &str,
) -> Result<Option<Customer>, StoreError> {
    let row = sqlx::query(
        "SELECT c.* FROM customers c JOIN contact_points p ON p.customer_id = c.id \
         WHERE p.department_id = $1 AND p.kind = $2 AND p.value_key = $3",
    )
    .bind(dept.0)
    .bind(kind.as_str())
    .bind(key)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(from_row).transpose()
}

impl Store {
    /// Creates a customer.
    pub async fn create_customer(
        &self,
        input: NewCustomer,
        now: Timestamp,
    ) -> Result<Customer, StoreError> {
        self.writes(move |c| {
            let n = input.clone();
            Box::pin(async move { insert(c, n, now).await })
        })
        .await
    }

    /// Reads a customer.
    pub async fn customer(&self, id: CustomerId) -> Result<Customer, StoreError> {
        fetch(&self.inner.read, id).await
    }

    /// Finds the customer of a department with a contact point.
    pub async fn customer_by_contact(
        &self,
        dept: DepartmentId,
        kind: ContactKind,
        value: &str,
    ) -> Result<Option<Customer>, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        by_contact(&mut c, dept, kind, &lookup_key(value)).await
    }

    /// Lists customers by id.
    pub async fn list_customers(
        &self,
        scope: &switchboard_domain::Scope,
        f: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Page<Customer>, StoreError> {
        let (rows, more) = list_query(scope, f).page(&self.inner.read, page).await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::of(items, more, |c| c.id.0))
    }

    /// The database's plan for one page of customers (what [`Store::list_customers`] runs), a
    /// line per step.
    pub async fn customer_list_plan(
        &self,
        scope: &switchboard_domain::Scope,
        f: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Vec<String>, StoreError> {
        self.list_plan(list_query(scope, f), page, Key::Id).await
    }

    /// Applies a partial update if `patch.version` is current.
    pub async fn update_customer(
        &self,
        id: CustomerId,
        patch: CustomerPatch,
        now: Timestamp,
    ) -> Result<Customer, StoreError> {
        self.writes(move |c| {
                let patch = patch.clone();
                Box::pin(async move {
                    let mut cu = fetch(&mut *c, id).await?;
                    if cu.version != patch.version {
                        return Err(StoreError::stale("customer", id.0));
                    }
                    patch.apply(&mut cu);
                    sqlx::query(
                        "UPDATE customers SET name = $1, contact_points = $2, attributes = $3, version = version + 1, \
                         updated_at = $4 WHERE id = $5",
                    )
                    .bind(&cu.name)
                    .bind(to_json(&cu.contact_points)?)
                    .bind(to_json(&cu.attributes)?)
                    .bind(now.millis())
                    .bind(id.0)
                    .execute(&mut *c)
                    .await?;
                    if patch.contact_points.is_some() {
                        reindex_contacts(c, cu.department_id, id, &cu.contact_points).await?;
                    }
                    cu.version += 1;
                    cu.updated_at = now;
                    Ok(cu)
                })
            })
            .await
    }

    /// Deletes a customer that has no cases.
    pub async fn delete_customer(&self, id: CustomerId) -> Result<(), StoreError> {
        self.writes(move |c| {
            Box::pin(async move {
                fetch(&mut *c, id).await?;
                crate::sql::delete_by_id(c, "customers", id.0, || {
                    format!("customer {id} still has cases; delete them first")
                })
                .await?;
                Ok(())
            })
        })
        .await
    }
}

/// Applies a merge the domain decided: `kept` (its version `expected`) takes its new name,
/// contact points and attributes; `from`'s contact points, cases and activities move to it; `from`
/// goes. Answers the activities that moved, for their `customer_merged` events.
pub(crate) async fn merge(
    c: &mut AnyConnection,
    kept: &Customer,
    expected: i64,
    from: CustomerId,
    now: Timestamp,
) -> Result<Vec<switchboard_domain::ActivityId>, StoreError> {
    let current = fetch(&mut *c, kept.id).await?;
    if current.version != expected {
        return Err(StoreError::stale("customer", kept.id.0));
    }
    sqlx::query("DELETE FROM contact_points WHERE customer_id = $1")
        .bind(from.0)
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "UPDATE customers SET name = $1, contact_points = $2, attributes = $3, version = version + 1, \
         updated_at = $4 WHERE id = $5",
    )
    .bind(&kept.name)
    .bind(to_json(&kept.contact_points)?)
    .bind(to_json(&kept.attributes)?)
    .bind(now.millis())
    .bind(kept.id.0)
    .execute(&mut *c)
    .await?;
    reindex_contacts(c, kept.department_id, kept.id, &kept.contact_points).await?;
    let moved = sqlx::query("SELECT id FROM activities WHERE customer_id = $1 ORDER BY id")
        .bind(from.0)
        .fetch_all(&mut *c)
        .await?
        .iter()
        .map(|r| col::<i64>(r, "id").map(switchboard_domain::ActivityId))
        .collect::<Result<Vec<_>, _>>()?;
    for table in ["cases", "activities"] {
        sqlx::query(&format!(
            "UPDATE {table} SET customer_id = $1 WHERE customer_id = $2"
        ))
        .bind(kept.id.0)
        .bind(from.0)
        .execute(&mut *c)
        .await?;
    }
    sqlx::query("DELETE FROM customers WHERE id = $1")
        .bind(from.0)
        .execute(&mut *c)
        .await?;
    Ok(moved)
}
