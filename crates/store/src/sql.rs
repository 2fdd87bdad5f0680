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

/// A list query: base `SELECT … FROM t`, filters, then a keyset page on `id` (or on
/// `(created_at, id)`). Split into arms, each arm reads at most a page along its own index range
/// and the page is merged from them: a scope of several departments, or a queue's activities in
/// every status, never sorts more than a page per arm.
pub(crate) struct Select {
    sql: String,
    args: Vec<Arg>,
    has_where: bool,
    /// Alternative conditions (SQL literals only), one per arm; empty: one plain query.
    arms: Vec<String>,
}

/// The order of a keyset page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    /// By `id`.
    Id,
    /// By `created_at`, then `id`.
    CreatedAt,
}

impl Key {
    fn columns(self) -> &'static str {
        match self {
            Key::Id => "id",
            Key::CreatedAt => "created_at, id",
        }
    }
}

/// Most arms a list is split into (SQLite allows 500 parts in one compound query).
const MAX_ARMS: usize = 64;

impl Select {
    pub(crate) fn new(base: &str) -> Select {
        Select {
            sql: base.to_string(),
            args: vec![],
            has_where: false,
            arms: vec![],
        }
    }

    /// Splits the query into one arm per value of `column` (SQL literals, never user input),
    /// on top of earlier splits. Returns false, changing nothing, when there would be more
    /// than [`MAX_ARMS`] arms. No values: the query matches nothing.
    pub(crate) fn split(&mut self, column: &str, literals: &[String]) -> bool {
        let before = self.arms.len().max(1);
        if before.saturating_mul(literals.len()) > MAX_ARMS {
            return false;
        }
        if literals.is_empty() {
            self.arms = vec!["1 = 0".into()];
            return true;
        }
        let base = if self.arms.is_empty() {
            vec![String::new()]
        } else {
            std::mem::take(&mut self.arms)
        };
        for b in &base {
            for v in literals {
                let c = format!("{column} = {v}");
                self.arms.push(if b.is_empty() {
                    c
                } else {
                    format!("{b} AND {c}")
                });
            }
        }
        true
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

    /// Keeps only rows whose `column` (a department id) is within `scope`, one arm per
    /// department, so that each reads its own range of a `(column, id)` index; as one `IN`
    /// condition when `filtered` (the caller already named one department) or when there would
    /// be too many arms.
    pub(crate) fn scope_arms(
        &mut self,
        column: &str,
        scope: &switchboard_domain::Scope,
        filtered: bool,
    ) -> &mut Self {
        if let Some(ds) = scope.departments() {
            let literals: Vec<String> = ds.iter().map(|d| d.0.to_string()).collect();
            if filtered || !self.split(column, &literals) {
                self.scope(column, scope);
            }
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
        self.page_keyed(pool, page, Key::Id).await
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
        self,
        pool: &AnyPool,
        page: &PageRequest,
        id_column: &str,
        desc: bool,
    ) -> Result<(Vec<AnyRow>, bool), StoreError> {
        let (op, order) = if desc { ("<", " DESC") } else { (">", "") };
        let mut s = self;
        if let Some(after) = page.after {
            s.cond(id_column, op, Arg::Int(after));
        }
        let limit = i64::from(page.limit) + 1;
        let (sql, args) = s.render(&format!("{id_column}{order}"), limit);
        fetch_page(pool, &sql, args, page.limit).await
    }

    /// Runs the query for one page in `key` order (ascending).
    pub(crate) async fn page_keyed(
        self,
        pool: &AnyPool,
        page: &PageRequest,
        key: Key,
    ) -> Result<(Vec<AnyRow>, bool), StoreError> {
        let (sql, args) = self.keyed_sql(page, key)?;
        fetch_page(pool, &sql, args, page.limit).await
    }

    /// The SQL and values of one page in `key` order.
    pub(crate) fn keyed_sql(
        mut self,
        page: &PageRequest,
        key: Key,
    ) -> Result<(String, Vec<Arg>), StoreError> {
        match (key, page.after, page.after_at) {
            (_, None, _) => {}
            (Key::Id, Some(after), _) => {
                self.cond("id", ">", Arg::Int(after));
            }
            (Key::CreatedAt, Some(after), Some(at)) => {
                self.sql
                    .push_str(if self.has_where { " AND " } else { " WHERE " });
                self.has_where = true;
                let n = self.args.len();
                self.sql
                    .push_str(&format!("(created_at, id) > (${}, ${})", n + 1, n + 2));
                self.args.push(Arg::Int(at));
                self.args.push(Arg::Int(after));
            }
            (Key::CreatedAt, Some(_), None) => {
                return Err(ValidationError::new(
                    "cursor",
                    "is from a list in another order: start again without it",
                )
                .into());
            }
        }
        let limit = i64::from(page.limit) + 1;
        Ok(self.render(key.columns(), limit))
    }

    /// The query with its order and limit: plain, or merged from its arms.
    fn render(self, order: &str, limit: i64) -> (String, Vec<Arg>) {
        let and = if self.has_where { " AND " } else { " WHERE " };
        let sql = match self.arms.as_slice() {
            [] => format!("{} ORDER BY {order} LIMIT {limit}", self.sql),
            [one] => format!("{}{and}{one} ORDER BY {order} LIMIT {limit}", self.sql),
            arms => {
                let parts: Vec<String> = arms
                    .iter()
                    .enumerate()
                    .map(|(i, a)| {
                        format!(
                            "SELECT * FROM ({}{and}{a} ORDER BY {order} LIMIT {limit}) AS arm{i}",
                            self.sql
                        )
                    })
                    .collect();
                format!(
                    "SELECT * FROM ({}) AS arms ORDER BY {order} LIMIT {limit}",
                    parts.join(" UNION ALL ")
                )
            }
        };
        (sql, self.args)
    }
}

/// Binds `args` to `q` in order.
pub(crate) fn bind<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    args: Vec<Arg>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for a in args {
        q = match a {
            Arg::Int(i) => q.bind(i),
            Arg::Text(s) => q.bind(s),
        };
    }
    q
}

/// Runs a page query and says whether more rows follow.
async fn fetch_page(
    pool: &AnyPool,
    sql: &str,
    args: Vec<Arg>,
    limit: u32,
) -> Result<(Vec<AnyRow>, bool), StoreError> {
    let mut rows = bind(sqlx::query(sql), args).fetch_all(pool).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Ok((rows, more))
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
    /// In a list ordered by creation time: the creation time (ms) of the item `after` names.
    pub after_at: Option<i64>,
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
        let (after, after_at) = match cursor {
            None | Some("") => (None, None),
            Some(c) => {
                let (id, at) = decode_cursor(c).ok_or_else(|| {
                    ValidationError::new("cursor", "is not a cursor this server issued")
                })?;
                (Some(id), at)
            }
        };
        Ok(PageRequest {
            limit,
            after,
            after_at,
        })
    }

    /// The first page of `limit` items.
    pub fn first(limit: u32) -> PageRequest {
        PageRequest {
            limit,
            after: None,
            after_at: None,
        }
    }

    /// The page of `limit` items after id `after`.
    pub fn after(limit: u32, after: Option<i64>) -> PageRequest {
        PageRequest {
            limit,
            after,
            after_at: None,
        }
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

    /// Builds a page of a list in creation order; `last` picks the creation time (ms) and id
    /// of the last item for the cursor.
    pub(crate) fn of_created(
        items: Vec<T>,
        more: bool,
        last: impl Fn(&T) -> (i64, i64),
    ) -> Page<T> {
        let next_cursor = if more {
            items.last().map(|i| {
                let (at, id) = last(i);
                URL_SAFE_NO_PAD.encode(format!("at:{at}:{id}"))
            })
        } else {
            None
        };
        Page { items, next_cursor }
    }
}

fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("id:{id}"))
}

/// The id and, for a list in creation order, the creation time a cursor names.
fn decode_cursor(c: &str) -> Option<(i64, Option<i64>)> {
    let bytes = URL_SAFE_NO_PAD.decode(c).ok()?;
    let s = String::from_utf8(bytes).ok()?;
    if let Some(id) = s.strip_prefix("id:") {
        return Some((id.parse().ok()?, None));
    }
    let (at, id) = s.strip_prefix("at:")?.split_once(':')?;
    Some((id.parse().ok()?, Some(at.parse().ok()?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_junk() {
        let p = PageRequest::parse(Some(10), Some(&encode_cursor(42)));
        assert_eq!(p, Ok(PageRequest::after(10, Some(42))));
        let at = URL_SAFE_NO_PAD.encode("at:1700000000000:42");
        assert_eq!(
            PageRequest::parse(Some(10), Some(&at)),
            Ok(PageRequest {
                limit: 10,
                after: Some(42),
                after_at: Some(1_700_000_000_000)
            })
        );
        let page = Page::of_created(vec![(1_700_000_000_000i64, 42i64)], true, |x| *x);
        assert_eq!(page.next_cursor, Some(at));
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

    #[test]
    fn arms_each_read_a_page_and_merge() {
        let mut s = Select::new("SELECT * FROM t");
        s.eq("channel", Arg::Text("chat".into()));
        assert!(s.split("department_id", &["1".into(), "2".into()]));
        assert!(s.split("status", &["'a'".into(), "'b'".into()]));
        let (sql, args) = s
            .keyed_sql(&PageRequest::after(10, Some(7)), Key::Id)
            .unwrap();
        let arm = |d: &str, st: &str, i: usize| {
            format!(
                "SELECT * FROM (SELECT * FROM t WHERE channel = $1 AND id > $2 AND \
                 department_id = {d} AND status = {st} ORDER BY id LIMIT 11) AS arm{i}"
            )
        };
        let want = format!(
            "SELECT * FROM ({} UNION ALL {} UNION ALL {} UNION ALL {}) AS arms ORDER BY id LIMIT 11",
            arm("1", "'a'", 0),
            arm("1", "'b'", 1),
            arm("2", "'a'", 2),
            arm("2", "'b'", 3)
        );
        assert_eq!(sql, want);
        assert_eq!(args.len(), 2);
    }

    #[test]
    fn creation_order_pages_after_the_cursor_row_and_refuses_an_id_cursor() {
        let mut s = Select::new("SELECT * FROM t");
        assert!(s.split("department_id", &["3".into()]));
        let page = PageRequest {
            limit: 5,
            after: Some(9),
            after_at: Some(100),
        };
        let (sql, _) = s.keyed_sql(&page, Key::CreatedAt).unwrap();
        assert_eq!(
            sql,
            "SELECT * FROM t WHERE (created_at, id) > ($1, $2) AND department_id = 3 \
             ORDER BY created_at, id LIMIT 6"
        );
        let s = Select::new("SELECT * FROM t");
        assert!(
            s.keyed_sql(&PageRequest::after(5, Some(9)), Key::CreatedAt)
                .is_err()
        );
        let mut s = Select::new("SELECT * FROM t");
        assert!(!s.split("a", &(0..65).map(|i| i.to_string()).collect::<Vec<_>>()));
        assert!(s.split("a", &[]));
        let (sql, _) = s.keyed_sql(&PageRequest::first(5), Key::Id).unwrap();
        assert_eq!(sql, "SELECT * FROM t WHERE 1 = 0 ORDER BY id LIMIT 6");
    }
}
