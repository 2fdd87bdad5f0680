//! What changed between two views of the monitor, row by row: the decision of what the live
//! monitor sends. Pure: two [`View`]s in, the rows to show again or take away out.

use std::collections::HashMap;

use switchboard_domain::DepartmentId;

use super::monitor_rows::View;

/// One of the monitor's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Table {
    /// Queues.
    Queue,
    /// Agents.
    Agent,
    /// Chats.
    Chat,
}

impl Table {
    /// The name pages and frames know it by (`data-queue`, `#queue-monitor`).
    pub fn as_str(self) -> &'static str {
        match self {
            Table::Queue => "queue",
            Table::Agent => "agent",
            Table::Chat => "chat",
        }
    }
}

/// A row gone from a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Gone {
    /// Its table.
    pub table: Table,
    /// Its id (queue, agent or chat).
    pub id: i64,
    /// Its department (only pages that showed it hear of it).
    pub department_id: DepartmentId,
}

/// The difference between an older and a newer view.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Diff {
    /// The whole monitor is to be shown again (the router stopped, or came back).
    pub full: bool,
    /// New or changed queue rows: indices into the newer view's queues.
    pub queues: Vec<usize>,
    /// New or changed agent rows: indices into the newer view's agents.
    pub agents: Vec<usize>,
    /// New or changed chat rows: indices into the newer view's chats.
    pub chats: Vec<usize>,
    /// Rows no longer shown.
    pub gone: Vec<Gone>,
    /// The logged-out counts changed.
    pub counts: bool,
}

impl Diff {
    /// Nothing to send.
    pub fn is_empty(&self) -> bool {
        !self.full
            && !self.counts
            && self.queues.is_empty()
            && self.agents.is_empty()
            && self.chats.is_empty()
            && self.gone.is_empty()
    }
}

/// The rows of one table that are new or differ (indices into `new`), and those gone.
fn table<R: PartialEq>(
    old: &[R],
    new: &[R],
    key: impl Fn(&R) -> (i64, DepartmentId),
    which: Table,
    gone: &mut Vec<Gone>,
) -> Vec<usize> {
    // The same rows in the same order (the common case: a few agents changed state): compared
    // side by side, without a map.
    if old.len() == new.len() && old.iter().zip(new).all(|(o, n)| key(o).0 == key(n).0) {
        return new
            .iter()
            .zip(old)
            .enumerate()
            .filter(|(_, (n, o))| n != o)
            .map(|(i, _)| i)
            .collect();
    }
    let before: HashMap<i64, &R> = old.iter().map(|r| (key(r).0, r)).collect();
    let mut seen = std::collections::HashSet::with_capacity(new.len());
    let changed = new
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            let id = key(r).0;
            seen.insert(id);
            before.get(&id).is_none_or(|b| *b != *r)
        })
        .map(|(i, _)| i)
        .collect();
    gone.extend(
        old.iter()
            .map(&key)
            .filter(|(id, _)| !seen.contains(id))
            .map(|(id, department_id)| Gone {
                table: which,
                id,
                department_id,
            }),
    );
    changed
}

/// What changed from `old` to `new`.
pub(super) fn diff(old: &View, new: &View) -> Diff {
    if old.router_down != new.router_down {
        return Diff {
            full: true,
            ..Diff::default()
        };
    }
    let mut gone = Vec::new();
    let queues = table(
        &old.queues,
        &new.queues,
        |r| (r.id, r.department_id),
        Table::Queue,
        &mut gone,
    );
    let agents = table(
        &old.agents,
        &new.agents,
        |r| (r.id, r.department_id),
        Table::Agent,
        &mut gone,
    );
    let chats = table(
        &old.chats,
        &new.chats,
        |r| (r.id, r.department_id),
        Table::Chat,
        &mut gone,
    );
    Diff {
        full: false,
        queues,
        agents,
        chats,
        gone,
        counts: old.logged_out != new.logged_out,
    }
}

#[cfg(test)]
mod tests {
    use super::super::monitor_chats::ChatRow;
    use super::super::monitor_rows::{AgentRow, QueueRow};
    use std::sync::Arc;

    use super::*;

    fn queue(id: i64, waiting: usize, since: i64) -> QueueRow {
        QueueRow {
            id,
            department_id: DepartmentId(1),
            name: format!("Queue {id}"),
            department: "Sales".into(),
            waiting,
            oldest_since: since,
            service_level: "—".into(),
            taken_today: 0,
            channels: vec![],
            late: false,
        }
    }

    fn agent(id: i64, dept: i64, state: &'static str) -> Arc<AgentRow> {
        Arc::new(AgentRow {
            id,
            department_id: DepartmentId(dept),
            name: format!("Agent {id}"),
            state,
            ready_on: vec![],
            reason: String::new(),
            load: vec![],
            work: vec![],
        })
    }

    fn chat(id: i64, state: &'static str) -> ChatRow {
        ChatRow {
            id,
            department_id: DepartmentId(1),
            customer: "Ann".into(),
            state,
            queue: "Queue 1".into(),
            agent: String::new(),
            since: 1_000,
            silent: false,
        }
    }

    fn view(
        now: i64,
        queues: Vec<QueueRow>,
        agents: Vec<Arc<AgentRow>>,
        chats: Vec<ChatRow>,
    ) -> View {
        View {
            now,
            queues,
            agents,
            chats,
            ..View::default()
        }
    }

    #[test]
    fn the_same_rows_later_are_no_change() {
        // The oldest item is kept as an instant: time passing changes no row.
        let a = view(
            1_000,
            vec![queue(1, 2, 500)],
            vec![agent(7, 1, "Ready")],
            vec![chat(9, "Talking")],
        );
        let b = View {
            now: 61_000,
            ..a.clone()
        };
        assert!(diff(&a, &b).is_empty());
    }

    #[test]
    fn only_the_rows_that_changed_are_named() {
        let agents: Vec<Arc<AgentRow>> =
            (1..=2_500).map(|i| agent(i, 1 + i % 10, "Ready")).collect();
        let a = view(
            0,
            vec![queue(1, 0, 0), queue(2, 3, 100)],
            agents.clone(),
            vec![],
        );
        let mut b = a.clone();
        Arc::make_mut(&mut b.agents[1_234]).state = "Not ready";
        b.queues[0].waiting = 1;
        let d = diff(&a, &b);
        assert_eq!(d.agents, vec![1_234]);
        assert_eq!(d.queues, vec![0]);
        assert!(d.chats.is_empty() && d.gone.is_empty() && !d.full && !d.counts);
    }

    #[test]
    fn rows_that_come_and_go() {
        let a = view(
            0,
            vec![],
            vec![agent(1, 1, "Ready"), agent(2, 2, "Ready")],
            vec![chat(5, "Waiting")],
        );
        let b = view(
            0,
            vec![],
            vec![agent(2, 2, "Ready"), agent(3, 1, "Not ready")],
            vec![chat(5, "Talking")],
        );
        let d = diff(&a, &b);
        // Agent 3 is new (index 1 of the newer view); agent 2 moved up but did not change.
        assert_eq!(d.agents, vec![1]);
        assert_eq!(d.chats, vec![0]);
        assert_eq!(
            d.gone,
            vec![Gone {
                table: Table::Agent,
                id: 1,
                department_id: DepartmentId(1)
            }]
        );
    }

    #[test]
    fn a_late_queue_or_a_new_oldest_item_is_a_change() {
        let a = view(0, vec![queue(1, 2, 500)], vec![], vec![]);
        let mut late = a.clone();
        late.queues[0].late = true;
        assert_eq!(diff(&a, &late).queues, vec![0]);
        let mut newer = a.clone();
        newer.queues[0].oldest_since = 900;
        assert_eq!(diff(&a, &newer).queues, vec![0]);
    }

    #[test]
    fn logged_out_counts_and_the_router_stopping() {
        let a = view(0, vec![], vec![], vec![]);
        let mut out = a.clone();
        out.logged_out.insert(DepartmentId(1), 4);
        let d = diff(&a, &out);
        assert!(d.counts && !d.is_empty());
        let down = View {
            router_down: true,
            ..a.clone()
        };
        assert_eq!(
            diff(&a, &down),
            Diff {
                full: true,
                ..Diff::default()
            }
        );
    }
}
