//! The administrator's first-run checklist: what a contact center needs before its first
//! customer email reaches an agent — department, group, agents, a queue routed to the group, an
//! alias, a knowledge-base answer, a first test mail — each step done or not, from counts the
//! store gathers.

/// What the store counts within the administrator's departments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SetupCounts {
    /// Departments.
    pub departments: u64,
    /// User groups with at least one member.
    pub staffed_groups: u64,
    /// Active users with the agent role.
    pub agents: u64,
    /// Active standard queues routed to a group or by steps.
    pub routed_queues: u64,
    /// Active email aliases.
    pub aliases: u64,
    /// Knowledge-base answers.
    pub answers: u64,
    /// Inbound emails taken in.
    pub inbound_emails: u64,
}

/// One step of the checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupStep {
    /// Stable key.
    pub key: &'static str,
    /// What to do.
    pub title: &'static str,
    /// Why, and how.
    pub hint: &'static str,
    /// Where to do it.
    pub href: &'static str,
    /// Whether it is done.
    pub done: bool,
}

/// The checklist for `c`, in the order the steps depend on each other.
pub fn checklist(c: SetupCounts) -> Vec<SetupStep> {
    let step = |key, title, hint, href, done| SetupStep {
        key,
        title,
        hint,
        href,
        done,
    };
    vec![
        step(
            "department",
            "Name your department",
            "Work, people and settings belong to a department; the first one exists already — rename it or add yours.",
            "/admin/departments",
            c.departments > 0,
        ),
        step(
            "group",
            "Create a user group",
            "Queues route work to the members of a group (a skill group).",
            "/admin/user-groups/new",
            c.staffed_groups > 0,
        ),
        step(
            "agents",
            "Add agents",
            "Users with the Agent role, each with a password, in the group above.",
            "/admin/users/new",
            c.agents > 0,
        ),
        step(
            "queue",
            "Create a queue routed to the group",
            "Incoming work waits in a queue until an agent of its group is free.",
            "/admin/queues/new",
            c.routed_queues > 0,
        ),
        step(
            "alias",
            "Connect a mailbox (alias)",
            "The address customers write to; Test connection tries both servers before you save.",
            "/admin/aliases/new",
            c.aliases > 0,
        ),
        step(
            "answer",
            "Write a knowledge-base answer",
            "Agents insert answers into replies; placeholders such as {{customer.name}} are filled in.",
            "/admin/articles/new",
            c.answers > 0,
        ),
        step(
            "test_mail",
            "Send a test mail",
            "Write to the alias from any mail program: it becomes an activity offered to a ready agent.",
            "/supervisor",
            c.inbound_emails > 0,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_done_as_their_objects_appear() {
        let empty = checklist(SetupCounts {
            departments: 1,
            ..SetupCounts::default()
        });
        assert_eq!(empty.len(), 7);
        assert_eq!(
            empty
                .iter()
                .filter(|s| s.done)
                .map(|s| s.key)
                .collect::<Vec<_>>(),
            vec!["department"]
        );
        let all = checklist(SetupCounts {
            departments: 1,
            staffed_groups: 1,
            agents: 2,
            routed_queues: 1,
            aliases: 1,
            answers: 3,
            inbound_emails: 1,
        });
        assert!(all.iter().all(|s| s.done));
    }
}
