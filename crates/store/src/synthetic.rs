//! Synthetic volume for benchmarks: millions of customers (each with an email contact point),
//! cases and activities written in bulk, hundreds of rows to a statement and thousands to a
//! transaction. Rows are written in id order and every other key grows with the id (a case's
//! customer, an activity's case and creation time), so each index grows at its end.
//!
//! What is written holds together as the live path's rows do — an activity's department is its
//! case's and its customer's, a queued activity waits in a queue of its department, an assigned
//! one is with an agent of it, a case is open while its newest activity is — but carries no
//! events, emails or messages. Open work is email (a backlog of chats would be moved by the
//! router at once).

use std::fmt::Write as _;

use switchboard_domain::{
    ActivityStatus, ChannelKind, ContactKind, ContactPoint, DepartmentId, QueueId, Timestamp,
    UserId,
};

use crate::error::StoreError;
use crate::{Backend, Store};

/// What to write.
#[derive(Debug, Clone)]
pub struct Volume {
    /// Activities in all.
    pub activities: u64,
    /// How many of the newest are open (the older ones are completed)…
    pub open: u64,
    /// …and how many of those are assigned, spread evenly among them (the rest are queued).
    pub assigned: u64,
    /// Customers are spread over these departments, in turn.
    pub departments: Vec<DepartmentId>,
    /// The queues work waits in, each with its department (every department needs one).
    pub queues: Vec<(QueueId, DepartmentId)>,
    /// The agents work is assigned to, each with their department (every department needs one).
    pub agents: Vec<(UserId, DepartmentId)>,
    /// Creation times spread evenly from here…
    pub from: Timestamp,
    /// …to here.
    pub to: Timestamp,
}

/// What was written: ids are consecutive from each first one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filled {
    /// The first customer's id.
    pub first_customer: i64,
    /// Customers written.
    pub customers: u64,
    /// The first case's id.
    pub first_case: i64,
    /// Cases written.
    pub cases: u64,
    /// The first activity's id.
    pub first_activity: i64,
    /// Activities written.
    pub activities: u64,
}

/// The email address of synthetic customer `n` (counted from 0 in one fill).
pub fn synthetic_email(n: u64) -> String {
    format!("c{n:09}@synthetic.example")
}

/// Rows per statement.
const ROWS: u64 = 500;
/// Rows per transaction.
const CHUNK: u64 = 20_000;

/// Where the rows of one fill go; the department, queue and agent of each row.
struct Plan<'a> {
    v: &'a Volume,
    customers: u64,
    cases: u64,
    ids: Filled,
}

impl Plan<'_> {
    /// The department index of customer `c`.
    fn department_of(&self, c: u64) -> usize {
        (c % self.v.departments.len() as u64) as usize
    }

    /// The customer of case `k`.
    fn customer_of_case(&self, k: u64) -> u64 {
        (u128::from(k) * u128::from(self.customers) / u128::from(self.cases.max(1))) as u64
    }

    /// The case of activity `a`.
    fn case_of_activity(&self, a: u64) -> u64 {
        (u128::from(a) * u128::from(self.cases) / u128::from(self.v.activities.max(1))) as u64
    }

    /// Whether activity `a` is open.
    fn open(&self, a: u64) -> bool {
        a + self.v.open >= self.v.activities
    }

    /// Whether open activity `a` is assigned: `assigned` of the `open` ones, evenly spread.
    fn assigned(&self, a: u64) -> bool {
        let o = u128::from(a + self.v.open - self.v.activities);
        let (n, of) = (u128::from(self.v.assigned), u128::from(self.v.open.max(1)));
        (o + 1) * n / of > o * n / of
    }

    /// Activity `a`'s creation time.
    fn created(&self, a: u64) -> i64 {
        let span = (self.v.to.millis() - self.v.from.millis()).max(0) as u128;
        self.v.from.millis() + (u128::from(a) * span / u128::from(self.v.activities.max(1))) as i64
    }

    /// The `n`-th of the department's entries in `list`.
    fn pick<T: Copy>(list: &[(T, DepartmentId)], dept: DepartmentId, n: u64) -> Option<T> {
        let mine: Vec<T> = list
            .iter()
            .filter(|(_, d)| *d == dept)
            .map(|(x, _)| *x)
            .collect();
        (!mine.is_empty()).then(|| mine[(n % mine.len() as u64) as usize])
    }
}

/// A SQL string literal of generated text (never user input).
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl Store {
    /// Writes `v`'s customers, cases and activities after what is stored, calling `progress`
    /// with (what, written, of) after each transaction. Every department needs a queue and an
    /// agent.
    pub async fn fill_synthetic(
        &self,
        v: &Volume,
        mut progress: impl FnMut(&str, u64, u64),
    ) -> Result<Filled, StoreError> {
        for d in &v.departments {
            if Plan::pick(&v.queues, *d, 0).is_none() || Plan::pick(&v.agents, *d, 0).is_none() {
                return Err(StoreError::Internal(format!(
                    "department {} needs a queue and an agent",
                    d.0
                )));
            }
        }
        if v.departments.is_empty() || v.activities == 0 {
            return Err(StoreError::Internal("nothing to fill".into()));
        }
        let next = |t: &'static str| async move {
            let r: (i64,) = sqlx::query_as(&format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {t}"))
                .fetch_one(&self.inner.read)
                .await?;
            Ok::<i64, StoreError>(r.0)
        };
        let customers = (v.activities / 4).max(1);
        let cases = (v.activities / 2).max(1);
        let ids = Filled {
            first_customer: next("customers").await?,
            customers,
            first_case: next("cases").await?,
            cases,
            first_activity: next("activities").await?,
            activities: v.activities,
        };
        let plan = Plan {
            v,
            customers,
            cases,
            ids,
        };
        self.fill_rows("customers", customers, &mut progress, |n, sql| {
            customer_rows(&plan, n, sql)
        })
        .await?;
        self.fill_rows("cases", cases, &mut progress, |n, sql| {
            case_rows(&plan, n, sql)
        })
        .await?;
        self.fill_rows("activities", v.activities, &mut progress, |n, sql| {
            activity_rows(&plan, n, sql)
        })
        .await?;
        if self.inner.backend == Backend::Postgres {
            for t in ["customers", "cases", "activities"] {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))"
                ))
                .execute(&self.inner.write_pool)
                .await?;
            }
        }
        Ok(ids)
    }

    /// Writes `total` rows of one table, a transaction per [`CHUNK`]; `rows(range, out)`
    /// pushes the statements for rows `range`.
    async fn fill_rows(
        &self,
        what: &str,
        total: u64,
        progress: &mut impl FnMut(&str, u64, u64),
        rows: impl Fn(std::ops::Range<u64>, &mut Vec<String>),
    ) -> Result<(), StoreError> {
        let mut at = 0;
        while at < total {
            let end = (at + CHUNK).min(total);
            let mut statements = Vec::new();
            let mut n = at;
            while n < end {
                let upto = (n + ROWS).min(end);
                rows(n..upto, &mut statements);
                n = upto;
            }
            self.writes(move |c| {
                let statements = statements.clone();
                Box::pin(async move {
                    for s in &statements {
                        sqlx::query(s).execute(&mut *c).await?;
                    }
                    Ok(())
                })
            })
            .await?;
            at = end;
            progress(what, at, total);
        }
        Ok(())
    }
}

/// The statements for customers `range` and their contact points.
fn customer_rows(p: &Plan, range: std::ops::Range<u64>, out: &mut Vec<String>) {
    let created = p.v.from.millis();
    let mut customers = String::from(
        "INSERT INTO customers (id, department_id, name, contact_points, attributes, version, \
         created_at, updated_at) VALUES ",
    );
    let mut points = String::from(
        "INSERT INTO contact_points (department_id, kind, value_key, customer_id) VALUES ",
    );
    for (i, c) in range.enumerate() {
        let id = p.ids.first_customer + c as i64;
        let dept = p.v.departments[p.department_of(c)].0;
        let point = ContactPoint {
            kind: ContactKind::Email,
            value: synthetic_email(c),
        };
        let json = serde_json::to_string(&[&point]).unwrap_or_else(|_| "[]".into());
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(
            customers,
            "{sep}({id}, {dept}, {}, {}, '{{}}', 1, {created}, {created})",
            quoted(&format!("Customer {c}")),
            quoted(&json)
        );
        let _ = write!(
            points,
            "{sep}({dept}, {}, {}, {id})",
            quoted(point.kind.as_str()),
            quoted(&point.lookup_key())
        );
    }
    out.push(customers);
    out.push(points);
}

/// The statement for cases `range`.
fn case_rows(p: &Plan, range: std::ops::Range<u64>, out: &mut Vec<String>) {
    let mut sql = String::from(
        "INSERT INTO cases (id, department_id, customer_id, subject, status, owner_id, version, \
         created_at, updated_at) VALUES ",
    );
    // A case's newest activity: the last one whose case is this one.
    let last_activity = |k: u64| {
        let a = (u128::from(k + 1) * u128::from(p.v.activities)).div_ceil(u128::from(p.cases));
        (a as u64).saturating_sub(1)
    };
    for (i, k) in range.enumerate() {
        let id = p.ids.first_case + k as i64;
        let c = p.customer_of_case(k);
        let dept = p.v.departments[p.department_of(c)].0;
        let status = if p.open(last_activity(k)) {
            "open"
        } else {
            "closed"
        };
        let created = p.created(last_activity(k).min(p.v.activities - 1));
        let _ = write!(
            sql,
            "{}({id}, {dept}, {}, {}, '{status}', NULL, 1, {created}, {created})",
            if i == 0 { "" } else { ", " },
            p.ids.first_customer + c as i64,
            quoted(&format!("Order {k}: question about a refund"))
        );
    }
    out.push(sql);
}

/// The channel of finished activity `a`: 60 % inbound email, 30 % chat, 10 % callback. Open
/// work is email: open chats and callbacks a day old would be past their channel's longest
/// time in a queue, and the router would move them all at start-up.
fn channel(a: u64) -> ChannelKind {
    match a % 10 {
        0..=5 => ChannelKind::InboundEmail,
        6..=8 => ChannelKind::Chat,
        _ => ChannelKind::Callback,
    }
}

/// The statement for activities `range`.
fn activity_rows(p: &Plan, range: std::ops::Range<u64>, out: &mut Vec<String>) {
    let mut sql = String::from(
        "INSERT INTO activities (id, department_id, case_id, customer_id, channel, subject, \
         status, sub_status, priority, due_at, queue_id, assignee_id, custom_attributes, \
         version, created_at, updated_at, category_id) VALUES ",
    );
    for (i, a) in range.enumerate() {
        let id = p.ids.first_activity + a as i64;
        let k = p.case_of_activity(a);
        let c = p.customer_of_case(k);
        let dept = p.v.departments[p.department_of(c)];
        let queue = Plan::pick(&p.v.queues, dept, a).map_or(0, |q| q.0);
        let agent = Plan::pick(&p.v.agents, dept, a / 3).map_or(0, |u| u.0);
        let status = if !p.open(a) {
            ActivityStatus::Completed
        } else if p.assigned(a) {
            ActivityStatus::Assigned
        } else {
            ActivityStatus::Queued
        };
        let assignee = if status == ActivityStatus::Queued {
            "NULL".to_string()
        } else {
            agent.to_string()
        };
        let created = p.created(a);
        let _ = write!(
            sql,
            "{}({id}, {}, {}, {}, '{}', {}, '{}', NULL, 5, NULL, {queue}, {assignee}, '{{}}', 1, \
             {created}, {created}, NULL)",
            if i == 0 { "" } else { ", " },
            dept.0,
            p.ids.first_case + k as i64,
            p.ids.first_customer + c as i64,
            if p.open(a) {
                ChannelKind::InboundEmail.as_str()
            } else {
                channel(a).as_str()
            },
            quoted(&format!("Where is my order {a}?")),
            status.as_str(),
        );
    }
    out.push(sql);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(v: &Volume) -> Plan<'_> {
        let customers = (v.activities / 4).max(1);
        let cases = (v.activities / 2).max(1);
        Plan {
            v,
            customers,
            cases,
            ids: Filled {
                first_customer: 1,
                customers,
                first_case: 1,
                cases,
                first_activity: 1,
                activities: v.activities,
            },
        }
    }

    fn volume() -> Volume {
        Volume {
            activities: 1_000,
            open: 100,
            assigned: 30,
            departments: vec![DepartmentId(1), DepartmentId(2), DepartmentId(3)],
            queues: vec![
                (QueueId(1), DepartmentId(1)),
                (QueueId(2), DepartmentId(2)),
                (QueueId(3), DepartmentId(3)),
            ],
            agents: vec![
                (UserId(1), DepartmentId(1)),
                (UserId(2), DepartmentId(2)),
                (UserId(3), DepartmentId(3)),
            ],
            from: Timestamp::from_millis(0),
            to: Timestamp::from_millis(1_000_000),
        }
    }

    #[test]
    fn every_key_grows_with_the_id_and_covers_its_range() {
        let v = volume();
        let p = plan_of(&v);
        let cases: Vec<u64> = (0..v.activities).map(|a| p.case_of_activity(a)).collect();
        assert!(cases.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!((cases[0], cases[cases.len() - 1]), (0, p.cases - 1));
        let customers: Vec<u64> = (0..p.cases).map(|k| p.customer_of_case(k)).collect();
        assert!(customers.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(customers[customers.len() - 1], p.customers - 1);
        assert_eq!((0..v.activities).filter(|a| p.open(*a)).count(), 100);
        assert!((1..v.activities).all(|a| p.created(a) >= p.created(a - 1)));
    }

    #[test]
    fn rows_name_their_departments_queue_and_agent() {
        let v = volume();
        let p = plan_of(&v);
        let mut out = Vec::new();
        activity_rows(&p, 995..1_000, &mut out);
        assert_eq!(out.len(), 1);
        // The newest 100 are open, 30 of them assigned, evenly.
        assert!(out[0].contains("'queued', NULL, 5, NULL"), "{}", out[0]);
        let assigned = (0..v.activities)
            .filter(|a| p.open(*a) && p.assigned(*a))
            .count();
        assert_eq!(assigned, 30);
        let mut out = Vec::new();
        customer_rows(&p, 0..2, &mut out);
        assert!(
            out[1].contains("'c000000001@synthetic.example'"),
            "{}",
            out[1]
        );
    }
}
