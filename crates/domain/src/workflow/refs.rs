//! The objects a workflow names (queues, articles, categories…), with the JSON path of each
//! mention, so the store can check they exist in the workflow's department when it is saved and
//! refuse to delete what a workflow still uses.

use crate::{ArticleId, CalendarId, CategoryId, DepartmentId, QueueId, UserGroupId, UserId};

use super::model::{Condition, Definition, Step};

/// Something a workflow refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ref {
    /// A category.
    Category(CategoryId),
    /// A queue.
    Queue(QueueId),
    /// A user.
    User(UserId),
    /// A user group.
    Group(UserGroupId),
    /// A department.
    Department(DepartmentId),
    /// An article.
    Article(ArticleId),
    /// A business calendar.
    Calendar(CalendarId),
}

/// Every reference in `d`, with its path (relative to the definition).
pub fn references(d: &Definition) -> Vec<(String, Ref)> {
    let mut out = Vec::new();
    steps("steps", &d.steps, &mut out);
    out
}

fn steps(path: &str, list: &[Step], out: &mut Vec<(String, Ref)>) {
    for (i, s) in list.iter().enumerate() {
        let p = format!("{path}[{i}]");
        match s {
            Step::Branch {
                cases, otherwise, ..
            } => {
                for (j, c) in cases.iter().enumerate() {
                    condition(&format!("{p}.cases[{j}].when"), &c.when, out);
                    steps(&format!("{p}.cases[{j}].then"), &c.then, out);
                }
                steps(&format!("{p}.otherwise"), otherwise, out);
            }
            Step::SetCategory { category_id, .. } => {
                out.push((format!("{p}.category_id"), Ref::Category(*category_id)));
            }
            Step::Acknowledge {
                article_id: Some(a),
                ..
            }
            | Step::Notify {
                article_id: Some(a),
                ..
            } => out.push((format!("{p}.article_id"), Ref::Article(*a))),
            Step::AutoReply { article_id, .. } => {
                out.push((format!("{p}.article_id"), Ref::Article(*article_id)));
            }
            Step::Route {
                queue_id,
                user_id,
                group_id,
                department_id,
                ..
            } => {
                if let Some(q) = queue_id {
                    out.push((format!("{p}.queue_id"), Ref::Queue(*q)));
                }
                if let Some(u) = user_id {
                    out.push((format!("{p}.user_id"), Ref::User(*u)));
                }
                if let Some(g) = group_id {
                    out.push((format!("{p}.group_id"), Ref::Group(*g)));
                }
                if let Some(d) = department_id {
                    out.push((format!("{p}.department_id"), Ref::Department(*d)));
                }
            }
            Step::Review {
                queue_id: Some(q), ..
            } => out.push((format!("{p}.queue_id"), Ref::Queue(*q))),
            _ => {}
        }
    }
}

fn condition(path: &str, c: &Condition, out: &mut Vec<(String, Ref)>) {
    match c {
        Condition::All { of } | Condition::Any { of } => {
            for (i, x) in of.iter().enumerate() {
                condition(&format!("{path}.of[{i}]"), x, out);
            }
        }
        Condition::Not { condition: x } => condition(&format!("{path}.condition"), x, out),
        Condition::Category { category_ids } => {
            for (i, c) in category_ids.iter().enumerate() {
                out.push((format!("{path}.category_ids[{i}]"), Ref::Category(*c)));
            }
        }
        Condition::Queue { queue_ids } => {
            for (i, q) in queue_ids.iter().enumerate() {
                out.push((format!("{path}.queue_ids[{i}]"), Ref::Queue(*q)));
            }
        }
        Condition::BusinessHours { calendar_id, .. } => {
            out.push((format!("{path}.calendar_id"), Ref::Calendar(*calendar_id)));
        }
        Condition::Agent {
            user_ids,
            group_ids,
        } => {
            for (i, u) in user_ids.iter().enumerate() {
                out.push((format!("{path}.user_ids[{i}]"), Ref::User(*u)));
            }
            for (i, g) in group_ids.iter().enumerate() {
                out.push((format!("{path}.group_ids[{i}]"), Ref::Group(*g)));
            }
        }
        _ => {}
    }
}
