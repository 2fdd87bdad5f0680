//! Roles and what each may do: checked on every API endpoint.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A user's role. Administrators configure, supervisors watch and move work, agents handle it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sets up departments, users, queues and everything else.
    Admin,
    /// Watches queues and agents, reviews replies, moves work around.
    Supervisor,
    /// Handles activities.
    Agent,
    /// Reads reports (and the work behind their figures); changes nothing.
    Reporting,
}

impl Role {
    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
            Role::Reporting => "reporting",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "supervisor" => Some(Role::Supervisor),
            "agent" => Some(Role::Agent),
            "reporting" => Some(Role::Reporting),
            _ => None,
        }
    }

    /// Whether this role oversees others' work (supervisors and administrators): it sees and
    /// acts on work it does not hold. Agents and the reporting role do not.
    pub fn oversees(self) -> bool {
        matches!(self, Role::Supervisor | Role::Admin)
    }

    /// Whether this role may perform `access` on `resource`.
    pub fn may(self, access: Access, resource: Resource) -> bool {
        use Access::*;
        use Resource::*;
        match (self, resource, access) {
            (Role::Admin, _, _) => true,
            // The reporting role reads reports and the work behind their figures, and changes
            // nothing but its saved reports (definitions and schedules, shared with the
            // department's other report readers).
            (Role::Reporting, Reports | Customers | Cases | Activities, Read) => true,
            (Role::Reporting, SavedReports, _) => true,
            (Role::Reporting, _, Write | Delete) => false,
            // Supervisors read reports and keep saved reports.
            (Role::Supervisor, Reports, Read) => true,
            (Role::Supervisor, SavedReports, _) => true,
            // Work objects: everyone reads and writes; only supervisors delete.
            (_, Customers | Cases | Activities, Read | Write) => true,
            (Role::Supervisor, Customers | Cases | Activities, Delete) => true,
            // Organisation: everyone reads (agents see queues and colleagues), supervisors
            // manage groups, only administrators change the rest.
            (_, Users | UserGroups | Queues | Departments, Read) => true,
            (Role::Supervisor, UserGroups, Write) => true,
            // Email aliases hold server settings: supervisors see them, administrators change them.
            (Role::Supervisor, Aliases, Read) => true,
            // Everyone reads the knowledge base and categories (agents insert answers and
            // classify); supervisors also edit articles.
            (_, Knowledge | Categories, Read) => true,
            (Role::Supervisor, Knowledge, Write | Delete) => true,
            // Calendars, workflows and chat entry points: supervisors see them, administrators
            // change them.
            (Role::Supervisor, Calendars | Workflows | EntryPoints, Read) => true,
            // System: logging levels, metrics and the like are for administrators only.
            _ => false,
        }
    }
}

/// What is being done to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// GET.
    Read,
    /// POST and PUT.
    Write,
    /// DELETE.
    Delete,
}

/// The kinds of object the API exposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// Customers and their contact points.
    Customers,
    /// Cases.
    Cases,
    /// Activities and their events.
    Activities,
    /// Users.
    Users,
    /// User groups.
    UserGroups,
    /// Queues.
    Queues,
    /// Departments and their channel settings.
    Departments,
    /// Email aliases (mailboxes and SMTP servers) and email hygiene settings.
    Aliases,
    /// Knowledge-base folders and articles.
    Knowledge,
    /// Categories.
    Categories,
    /// Business calendars.
    Calendars,
    /// Workflows.
    Workflows,
    /// Chat entry points.
    EntryPoints,
    /// Webhook subscriptions, their deliveries and secrets (administrators only).
    Webhooks,
    /// Reports and their exports.
    Reports,
    /// Saved reports, their schedules and their runs' files.
    SavedReports,
    /// Operations: log levels, services.
    System,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_cannot_configure() {
        assert!(Role::Agent.may(Access::Write, Resource::Activities));
        assert!(!Role::Agent.may(Access::Delete, Resource::Activities));
        assert!(!Role::Agent.may(Access::Write, Resource::Queues));
        assert!(!Role::Supervisor.may(Access::Write, Resource::Users));
        assert!(Role::Supervisor.may(Access::Write, Resource::UserGroups));
        assert!(!Role::Supervisor.may(Access::Read, Resource::System));
        assert!(Role::Admin.may(Access::Delete, Resource::Departments));
        assert!(Role::Supervisor.may(Access::Read, Resource::Aliases));
        assert!(!Role::Supervisor.may(Access::Write, Resource::Aliases));
        assert!(!Role::Agent.may(Access::Read, Resource::Aliases));
        assert!(Role::Supervisor.may(Access::Read, Resource::EntryPoints));
        assert!(!Role::Supervisor.may(Access::Write, Resource::EntryPoints));
        assert!(!Role::Agent.may(Access::Read, Resource::EntryPoints));
        assert!(!Role::Supervisor.may(Access::Read, Resource::Webhooks));
        assert!(Role::Admin.may(Access::Write, Resource::Webhooks));
        assert!(Role::Reporting.may(Access::Read, Resource::Reports));
        assert!(Role::Supervisor.may(Access::Read, Resource::Reports));
        assert!(!Role::Agent.may(Access::Read, Resource::Reports));
        assert!(Role::Reporting.may(Access::Write, Resource::SavedReports));
        assert!(!Role::Agent.may(Access::Read, Resource::SavedReports));
        for r in [
            Resource::Activities,
            Resource::Customers,
            Resource::Reports,
            Resource::Users,
        ] {
            assert!(!Role::Reporting.may(Access::Write, r), "{r:?}");
            assert!(!Role::Reporting.may(Access::Delete, r), "{r:?}");
        }
        assert_eq!(Role::parse("reporting"), Some(Role::Reporting));
    }
}
