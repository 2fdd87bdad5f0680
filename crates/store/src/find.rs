//! Search across the caller's scope: customers by name, address, number or id; cases and
//! activities by subject or id. Plain `LIKE` over lower-cased text (both engines alike), newest
//! first, a bounded number of each.

use sqlx::any::AnyRow;
use switchboard_domain::{Activity, Case, Customer, Scope};

use crate::Store;
use crate::error::StoreError;
use crate::sql::int_list;

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    /// Customers.
    pub customers: Vec<Customer>,
    /// Cases.
    pub cases: Vec<Case>,
    /// Activities.
    pub activities: Vec<Activity>,
}

/// Most hits of each kind.
pub const MAX_HITS: u32 = 50;

/// `%text%` for `LIKE … ESCAPE '\'`, lower-cased.
fn pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The id a query may name (`42` or `#42`).
fn id_of(text: &str) -> i64 {
    text.trim_start_matches('#').parse::<i64>().unwrap_or(-1)
}

/// A phone number's key as contact points store it (`+` and digits), when the text is one.
fn phone_key(text: &str) -> Option<String> {
    let digits: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    let only_phone = text
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    (only_phone && digits.chars().filter(char::is_ascii_digit).count() >= 4).then_some(digits)
}

fn scoped(scope: &Scope) -> String {
    match scope.departments() {
        Some(ds) => format!(
            " AND department_id IN ({})",
            int_list(ds.iter().map(|d| d.0))
        ),
        None => String::new(),
    }
}

/// Runs `sql` with `$1` the pattern, `$2` the id and, when given, `$3` the phone pattern.
async fn rows(
    store: &Store,
    sql: &str,
    like: &str,
    id: i64,
    phone: Option<&str>,
) -> Result<Vec<AnyRow>, StoreError> {
    let mut q = sqlx::query(sql).bind(like.to_string()).bind(id);
    if let Some(p) = phone {
        q = q.bind(p.to_string());
    }
    Ok(q.fetch_all(&store.inner.read).await?)
}

impl Store {
    /// Customers, cases and activities within `scope` that `text` names.
    pub async fn find(&self, scope: &Scope, text: &str) -> Result<Found, StoreError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Found::default());
        }
        let like = pattern(text);
        let id = id_of(text);
        // A text that is no number matches no phone key (keys are `+` and digits).
        let phone = phone_key(text).map_or_else(|| "-".to_string(), |p| pattern(&p));
        let within = scoped(scope);
        let customers = rows(
            self,
            &format!(
                "SELECT * FROM customers WHERE (LOWER(name) LIKE $1 ESCAPE '\\' OR id = $2 \
                 OR id IN (SELECT customer_id FROM contact_points WHERE value_key LIKE $1 ESCAPE '\\' \
                 OR value_key LIKE $3 ESCAPE '\\')){within} ORDER BY id DESC LIMIT {MAX_HITS}"
            ),
            &like,
            id,
            Some(&phone),
        )
        .await?
        .iter()
        .map(crate::customers::from_row)
        .collect::<Result<Vec<_>, _>>()?;
        let by_subject = |table: &str| {
            format!(
                "SELECT * FROM {table} WHERE (LOWER(subject) LIKE $1 ESCAPE '\\' OR id = $2)\
                 {within} ORDER BY id DESC LIMIT {MAX_HITS}"
            )
        };
        let cases = rows(self, &by_subject("cases"), &like, id, None)
            .await?
            .iter()
            .map(crate::cases::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let activities = rows(self, &by_subject("activities"), &like, id, None)
            .await?
            .iter()
            .map(crate::activities::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Found {
            customers,
            cases,
            activities,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_and_numbers_are_read() {
        assert_eq!(pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(id_of("#42"), 42);
        assert_eq!(id_of("x"), -1);
        assert_eq!(phone_key("(415) 555-2671").as_deref(), Some("4155552671"));
        assert_eq!(phone_key("+1 415"), Some("+1415".into()));
        assert_eq!(phone_key("refund 42"), None);
    }
}
