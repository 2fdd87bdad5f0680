//! Small helpers shared by the entity modules: typed column reads, a filter builder that numbers
//! `$n` placeholders (the same SQL runs on SQLite and PostgreSQL), and cursor pages.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use sqlx::AnyPool;
use sqlx::Row;
use sqlx::any::AnyRow;
use switchboard_domain::{Timestamp, ValidationError};

use crate::error::StoreError;

/// Reads a column, turning a type mismatch into an internal error.
pub(crate) fn col<'r, T>(row: &'r AnyRow, name: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(name)
        .map_err(|e| StoreError::Internal(format!("column {name}: {e}")))
}

/// Reads a millisecond column as a timestamp.
pub(crate) fn ts(row: &AnyRow, name: &str) -> Result<Timestamp, StoreError> {
    col::<i64>(row, name).map(Timestamp::from_millis)
}

/// Reads a JSON text column.
pub(crate) fn json<T: DeserializeOwned>(row: &AnyRow, name: &str) -> Result<T, StoreError> {
    let s: String = col(row, name)?;
    Ok(serde_json::from_str(&s)?)
}

/// Parses a stored enum name, or reports a damaged row.
pub(crate) fn parsed<T>(
    row: &AnyRow,
    name: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    let s: String = col(row, name)?;
    parse(&s).ok_or_else(|| StoreError::Internal(format!("column {name}: unknown value {s:?}")))
}

/// Serializes a value for a JSON text column.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Internal(e.to_string()))
}

/// Reads one row by id with `query` (`… WHERE id = $1`), or reports `entity` not found.
pub(crate) async fn fetch_by_id<'e, E, T>(
    e: E,
    query: &str,
    id: i64,
    entity: &'static str,
    map: fn(&AnyRow) -> Result<T, StoreError>,
) -> Result<T, StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(query)
        .bind(id)
        .fetch_optional(e)
        .await?
        .as_ref()
        .map(map)
        .transpose()?
        .ok_or(StoreError::NotFound { entity, id })
}

/// Deletes one row of `table` by id; a row other rows still refer to is a conflict explained by
/// `in_use`.
pub(crate) async fn delete_by_id(
    c: &mut sqlx::AnyConnection,
    table: &str,
    id: i64,
    in_use: impl FnOnce() -> String,
) -> Result<(), StoreError> {
    sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
        .bind(id)
        .execute(&mut *c)
        .await
        .map_err(|e| match crate::error::violation(&e) {
            Some(crate::error::Violation::ForeignKey) => StoreError::Conflict(in_use()),
            _ => e.into(),
        })?;
    Ok(())
}

/// `$from, $from+1, …` for an `IN (…)` list of `n` values.
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Integer values written into the SQL text (`1, 2, 3`) for an `IN (…)` list: exact and safe
/// for integers, and far cheaper than bound values in long lists (SQLite looks a numbered
/// parameter up by scanning all of them, so binding n values costs n²). Run such statements
/// with `persistent(false)`: each list is a new statement.
pub(crate) fn int_list(values: impl IntoIterator<Item = i64>) -> String {
    values
        .into_iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `($1, …, $w), ($w+1, …, $2w), …` for a multi-row `VALUES` of `rows` rows of `width` values.
pub(crate) fn value_rows(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|i| format!("({})", placeholders(i * width + 1, width)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A bound value.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(i64),
    Text(String),
}

/// A list query: base `SELECT … FROM t`, filters, then a keyset page on `id`.
pub(crate) struct Select {
    sql: String,
    args: Vec<Arg>,
    has_where: bool,
}

impl Select {
    pub(crate) fn new(base: &str) -> Select {
        Select {
            sql: base.to_string(),
            args: vec![],
            has_where: false,
        }
    }

    /// Adds `AND <column> = $n`.
    pub(crate) fn eq(&mut self, column: &str, arg: Arg) -> &mut Self {
        self.cond(column, "=", arg)
    }

    /// Adds `AND <column> <op> $n`.
    pub(crate) fn cond(&mut self, column: &str, op: &str, arg: Arg) -> &mut Self {
        self.sql
            .push_str(if self.has_where { " AND " } else { " WHERE " });
        self.has_where = true;
        self.args.push(arg);
        self.sql
            .push_str(&format!("{column} {op} ${}", self.args.len()));
        self
    }

    /// Keeps only rows whose `column` (a department id) is within `scope`.
    pub(crate) fn scope(&mut self, column: &str, scope: &switchboard_domain::Scope) -> &mut Self {
        if let Some(ds) = scope.departments() {
            self.sql
                .push_str(if self.has_where { " AND " } else { " WHERE " });
            self.has_where = true;
            self.sql.push_str(&format!(
                "{column} IN ({})",
                int_list(ds.iter().map(|d| d.0))
            ));
        }
        self
    }

    /// Appends raw SQL (no user input!) after the last condition.
    pub(crate) fn raw(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Adds an optional equality filter.
    pub(crate) fn eq_opt(&mut self, column: &str, arg: Option<Arg>) -> &mut Self {
        if let Some(a) = arg {
            self.eq(column, a);
        }
        self
    }

    /// Runs the query for one page, ordered by `id`.
    pub(crate) async fn page(
        self,
        pool: &AnyPool,
        page: &PageRequest,
    ) -> Result<(Vec<AnyRow>, bool), StoreError> {
        self.page_by(pool, page, "id", false).await
    }

    /// Runs the query for one page, newest first by `id_column`.
    pub(crate) async fn page_desc(
        self,
        pool: &AnyPool,
        page: &PageRequest,
        id_column: &str,
    ) -> Result<(Vec<AnyRow>, bool), StoreError> {
        self.page_by(pool, page, id_column, true).await
    }

    async fn page_by(
        mut self,
        pool: &AnyPool,
        page: &PageRequest,
        id_column: &str,
        desc: bool,
    ) -> Result<(Vec<AnyRow>, bool), StoreError> {
        let (op, order) = if desc { ("<", " DESC") } else { (">", "") };
        if let Some(after) = page.after {
            self.cond(id_column, op, Arg::Int(after));
        }
        let limit = i64::from(page.limit) + 1;
        self.sql
            .push_str(&format!(" ORDER BY {id_column}{order} LIMIT {limit}"));
        let mut q = sqlx::query(&self.sql);
        for a in self.args {
            q = match a {
                Arg::Int(i) => q.bind(i),
                Arg::Text(s) => q.bind(s),
            };
        }
        let mut rows = q.fetch_all(pool).await?;
        let more = rows.len() > page.limit as usize;
        rows.truncate(page.limit as usize);
        Ok((rows, more))
    }
}

/// One page of `table` (a department-scoped object) within `scope`, all its departments' or
/// one's, by id.
pub(crate) async fn department_page<T>(
    pool: &AnyPool,
    table: &str,
    scope: &switchboard_domain::Scope,
    department: Option<switchboard_domain::DepartmentId>,
    page: &PageRequest,
    map: fn(&AnyRow) -> Result<T, StoreError>,
    id: impl Fn(&T) -> i64,
) -> Result<Page<T>, StoreError> {
    let mut s = Select::new(&format!("SELECT * FROM {table}"));
    s.scope("department_id", scope);
    s.eq_opt("department_id", department.map(|d| Arg::Int(d.0)));
    let (rows, more) = s.page(pool, page).await?;
    let items = rows.iter().map(map).collect::<Result<Vec<_>, _>>()?;
    Ok(Page::of(items, more, id))
}

/// Which page of a list to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Most items to return (1–500).
    pub limit: u32,
    /// Return items after this id (decoded from the cursor).
    pub after: Option<i64>,
}

/// Largest page.
pub const MAX_PAGE: u32 = 500;

impl PageRequest {
    /// A page from the API's `limit` and `cursor` parameters; rejects bad values.
    pub fn parse(limit: Option<u32>, cursor: Option<&str>) -> Result<PageRequest, ValidationError> {
        let limit = limit.unwrap_or(50);
        if limit == 0 || limit > MAX_PAGE {
            return Err(ValidationError::new(
                "limit",
                format!("must be 1 to {MAX_PAGE}"),
            ));
        }
        let after = match cursor {
            None | Some("") => None,
            Some(c) => Some(decode_cursor(c).ok_or_else(|| {
                ValidationError::new("cursor", "is not a cursor this server issued")
            })?),
        };
        Ok(PageRequest { limit, after })
    }

    /// The first page of `limit` items.
    pub fn first(limit: u32) -> PageRequest {
        PageRequest { limit, after: None }
    }
}

/// One page of a list, and where the next starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass back as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page; `last_id` picks the cursor from the last item.
    pub(crate) fn of(items: Vec<T>, more: bool, last_id: impl Fn(&T) -> i64) -> Page<T> {
        let next_cursor = if more {
            items.last().map(|i| encode_cursor(last_id(i)))
        } else {
            None
        };
        Page { items, next_cursor }
    }
}

fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("id:{id}"))
}

fn decode_cursor(c: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(c).ok()?;
    let s = String::from_utf8(bytes).ok()?;
    s.strip_prefix("id:")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_junk() {
        let p = PageRequest::parse(Some(10), Some(&encode_cursor(42)));
        assert_eq!(
            p,
            Ok(PageRequest {
                limit: 10,
                after: Some(42)
            })
        );
        assert_eq!(
            PageRequest::parse(None, Some("!!")).map_err(|e| e.field),
            Err("cursor".into())
        );
        assert_eq!(
            PageRequest::parse(Some(0), None).map_err(|e| e.field),
            Err("limit".into())
        );
        assert_eq!(
            PageRequest::parse(Some(501), None).map_err(|e| e.field),
            Err("limit".into())
        );
    }
}
