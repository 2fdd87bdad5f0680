//! The objects the administration console edits: for each, its API path, its list's columns and
//! its form's fields (see [`schema`](super::schema)).

use switchboard_domain::Resource;

use super::schema::{Control as C, Field as F, Source as S};

const ROLES: &[(&str, &str)] = &[
    ("agent", "Agent"),
    ("supervisor", "Supervisor"),
    ("admin", "Administrator"),
    ("reporting", "Reporting (read-only)"),
];
const QUEUE_KINDS: &[(&str, &str)] = &[("standard", "Standard"), ("review", "Review")];
const ROUTINGS: &[(&str, &str)] = &[
    ("user_group", "Skill group"),
    ("precision", "Precision (steps)"),
    ("manual", "Manual (agents pull)"),
];
const ORDERS: &[(&str, &str)] = &[
    ("longest_available", "Longest available"),
    ("most_skilled", "Most skilled"),
    ("least_skilled", "Least skilled"),
];
const PROTOCOLS: &[(&str, &str)] = &[("imap", "IMAP"), ("pop3", "POP3")];
const SECURITY: &[(&str, &str)] = &[
    ("tls", "TLS"),
    ("starttls", "STARTTLS"),
    ("none", "None (plain)"),
];
const DISPOSITIONS: &[(&str, &str)] = &[
    ("keep_seen", "Keep, mark seen"),
    ("move", "Move to folder"),
    ("delete", "Delete"),
];
const ARTICLE_KINDS: &[(&str, &str)] = &[
    ("answer", "Answer"),
    ("greeting", "Greeting"),
    ("signature", "Signature"),
    ("header", "Header"),
    ("footer", "Footer"),
    ("auto_acknowledgement", "Auto-acknowledgement"),
];
const ENTRY_POINT_KINDS: &[(&str, &str)] = &[
    ("chat", "Chat"),
    ("callback", "Callback (call now)"),
    ("delayed_callback", "Delayed callback (call at a time)"),
];
const WORKFLOW_KINDS: &[(&str, &str)] = &[
    ("inbound", "Inbound"),
    ("start", "Start"),
    ("outbound", "Outbound"),
    ("alarm", "Alarm"),
];

/// The event kinds a webhook may want, as the console names them.
const EVENT_KINDS: &[(&str, &str)] = &[
    ("created", "Activity created"),
    ("updated", "Activity changed"),
    ("queued", "Queued"),
    ("offered", "Offered to an agent"),
    ("accepted", "Accepted"),
    ("declined", "Declined"),
    ("offer_timed_out", "Offer timed out"),
    ("assigned", "Assigned"),
    ("started", "Work started"),
    ("paused", "Paused"),
    ("resumed", "Resumed"),
    ("completed", "Completed"),
    ("abandoned", "Abandoned"),
    ("replied", "Reply written"),
    ("sent", "Email sent"),
    ("delivery_failed", "Email bounced or failed"),
    ("workflow_ran", "Workflow ran"),
    ("acknowledged", "Acknowledged automatically"),
    ("auto_replied", "Answered automatically"),
    ("notified", "Notification sent"),
    ("review_requested", "Review requested"),
    ("review_approved", "Review approved"),
    ("review_rejected", "Review rejected"),
    ("chat_started", "Chat started"),
    ("chat_ended", "Chat ended"),
    ("survey_answered", "Survey answered"),
    ("transcript_sent", "Transcript sent"),
    ("wrapped_up", "Wrapped up"),
    ("note_added", "Note added"),
    ("callback_requested", "Callback requested"),
    ("callback_attempted", "Callback attempted"),
    ("customer_merged", "Customer merged"),
    ("wait_told", "Expected wait told"),
    ("case_opened", "Case opened"),
    ("case_closed", "Case closed"),
    ("case_reopened", "Case reopened"),
];

/// The pre-chat form a new entry point starts with (the domain's default).
const PRE_CHAT_DEFAULT: &str = r#"[
  {"key": "name", "label": "Your name", "kind": "text", "required": true, "maps_to": "customer_name"},
  {"key": "email", "label": "Your email address", "kind": "email", "required": true, "maps_to": "customer_email"},
  {"key": "question", "label": "How can we help?", "kind": "multiline", "maps_to": "question"}
]"#;

const STEP_COLUMNS: &[F] = &[
    F::new("expression", "Expression", C::Text)
        .required()
        .help("over agent attributes, e.g. language_es AND billing >= 7"),
    F::new("wait_secs", "Wait (s)", C::Number).default("60"),
];
const HOLIDAY_COLUMNS: &[F] = &[
    F::new("date", "Date", C::Text)
        .required()
        .help("YYYY-MM-DD"),
    F::new("name", "Name", C::Text),
];

const PARTS: [F; 5] = [
    F::new("parts.greeting", "Greeting", C::Select(S::Articles)).starts("Standard parts"),
    F::new("parts.signature", "Signature", C::Select(S::Articles)),
    F::new("parts.header", "Header", C::Select(S::Articles)),
    F::new("parts.footer", "Footer", C::Select(S::Articles)),
    F::new(
        "parts.acknowledgement",
        "Auto-acknowledgement",
        C::Select(S::Articles),
    ),
];

/// An object kind of the administration console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// In URLs: `/admin/{slug}`.
    pub slug: &'static str,
    /// Plural title.
    pub title: &'static str,
    /// One of them.
    pub one: &'static str,
    /// The API collection (`/api/v1{api}`).
    pub api: &'static str,
    /// Who may change them.
    pub resource: Resource,
    /// The list's columns: `(label, JSON path)`.
    pub columns: &'static [(&'static str, &'static str)],
    /// The form.
    pub fields: &'static [F],
}

impl Kind {
    /// The button and heading that create one ("New department").
    pub fn new_label(&self) -> String {
        format!("New {}", self.one)
    }

    /// One of them as a heading starts ("Department").
    pub fn one_title(&self) -> String {
        let mut c = self.one.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    }
}

/// Every kind, in the console's order.
pub const KINDS: &[Kind] = &[
    Kind {
        slug: "departments",
        title: "Departments",
        one: "department",
        api: "/departments",
        resource: Resource::Departments,
        columns: &[("Name", "name"), ("Description", "description")],
        fields: &[
            F::new("name", "Name", C::Text).required(),
            F::new("description", "Description", C::Area),
            F::new("shared_with", "Shared with", C::Multi(S::Departments))
                .edit_only()
                .help("the users of these departments see and work on this one's objects"),
        ],
    },
    Kind {
        slug: "users",
        title: "Users",
        one: "user",
        api: "/users",
        resource: Resource::Users,
        columns: &[
            ("Name", "name"),
            ("Email", "email"),
            ("Role", "role"),
            ("Department", "department_id"),
            ("Active", "active"),
        ],
        fields: &[
            F::new("department_id", "Department", C::Select(S::Departments)).required(),
            F::new("name", "Name", C::Text).required(),
            F::new("email", "Email (login)", C::Text).required(),
            F::new("role", "Role", C::Select(S::Fixed(ROLES)))
                .required()
                .default("agent"),
            F::new("password", "Password", C::Password)
                .help("at least 12 characters; leave empty to keep the current one"),
            F::new("active", "Active", C::Check).edit_only(),
            F::new("capacity.inbound_email", "Inbound email at once", C::Number)
                .default("5")
                .starts("Capacity and skills"),
            F::new(
                "capacity.outbound_email",
                "Outbound email at once",
                C::Number,
            )
            .default("5"),
            F::new("capacity.chat", "Chats at once", C::Number).default("3"),
            F::new("capacity.callback", "Callbacks at once", C::Number).default("1"),
            F::new(
                "capacity.delayed_callback",
                "Delayed callbacks at once",
                C::Number,
            )
            .default("1"),
            F::new("attributes", "Attributes", C::Map)
                .help("one per line: language_es = true, billing = 7 (proficiency 1–10)"),
            F::new("reviewed", "Replies need review", C::Check),
        ],
    },
    Kind {
        slug: "user-groups",
        title: "User groups",
        one: "user group",
        api: "/user-groups",
        resource: Resource::UserGroups,
        columns: &[("Name", "name"), ("Department", "department_id")],
        fields: &[
            F::new("department_id", "Department", C::Select(S::Departments))
                .required()
                .create_only(),
            F::new("name", "Name", C::Text).required(),
            F::new("description", "Description", C::Area),
            F::new("members", "Members", C::Multi(S::Users)),
            F::new("reviewed", "Members' replies need review", C::Check),
        ],
    },
    Kind {
        slug: "queues",
        title: "Queues",
        one: "queue",
        api: "/queues",
        resource: Resource::Queues,
        columns: &[
            ("Name", "name"),
            ("Kind", "kind"),
            ("Routing", "routing.type"),
            ("Department", "department_id"),
            ("Active", "active"),
        ],
        fields: &[
            F::new("department_id", "Department", C::Select(S::Departments))
                .required()
                .create_only(),
            F::new("name", "Name", C::Text).required(),
            F::new("description", "Description", C::Area),
            F::new("kind", "Kind", C::Select(S::Fixed(QUEUE_KINDS)))
                .required()
                .create_only()
                .default("standard"),
            F::new("routing.type", "Routing", C::Select(S::Fixed(ROUTINGS)))
                .required()
                .default("user_group"),
            F::new("routing.user_group_id", "Skill group", C::Select(S::Groups))
                .required()
                .when("routing.type=user_group"),
            F::new(
                "routing.steps",
                "Steps, narrowest first",
                C::Rows(STEP_COLUMNS),
            )
            .when("routing.type=precision"),
            F::new("agent_order", "Agent order", C::Select(S::Fixed(ORDERS)))
                .required()
                .default("longest_available"),
            F::new("service_level_secs", "Service level (s)", C::Number)
                .default("3600")
                .help("answered within this many seconds counts as within service level"),
            F::new("priority", "Priority (1–10)", C::Number).default("5"),
            F::new("review_queue_id", "Review queue", C::Select(S::Queues)),
            F::new("active", "Active", C::Check).default("true"),
        ],
    },
    Kind {
        slug: "aliases",
        title: "Email aliases",
        one: "alias",
        api: "/aliases",
        resource: Resource::Aliases,
        columns: &[
            ("Address", "address"),
            ("Name", "display_name"),
            ("Incoming", "incoming.host"),
            ("Department", "department_id"),
            ("Active", "active"),
        ],
        fields: &[
            F::new("department_id", "Department", C::Select(S::Departments))
                .required()
                .create_only(),
            F::new("address", "Address", C::Text).required(),
            F::new("display_name", "Display name", C::Text),
            F::new("queue_id", "Queue", C::Select(S::Queues))
                .help("where new mail goes unless a workflow says otherwise"),
            F::new("active", "Active", C::Check).default("true"),
            F::new(
                "incoming.protocol",
                "Incoming protocol",
                C::Select(S::Fixed(PROTOCOLS)),
            )
            .required()
            .default("imap")
            .starts("Incoming mail"),
            F::new("incoming.host", "Incoming server", C::Text).required(),
            F::new("incoming.port", "Incoming port", C::Number).default("993"),
            F::new(
                "incoming.security",
                "Incoming security",
                C::Select(S::Fixed(SECURITY)),
            )
            .required()
            .default("tls"),
            F::new("incoming.username", "Incoming user", C::Text),
            F::new("incoming_password", "Incoming password", C::Password)
                .help("leave empty to keep the stored one"),
            F::new("incoming.folder", "Folder (IMAP)", C::Text).default("INBOX"),
            F::new(
                "incoming.disposition.action",
                "After retrieval",
                C::Select(S::Fixed(DISPOSITIONS)),
            )
            .required()
            .default("keep_seen"),
            F::new("incoming.disposition.folder", "Move to folder", C::Text)
                .when("incoming.disposition.action=move"),
            F::new("incoming.poll_secs", "Poll every (s)", C::Number).default("30"),
            F::new("outgoing.host", "Outgoing (SMTP) server", C::Text)
                .required()
                .starts("Outgoing mail"),
            F::new("outgoing.port", "Outgoing port", C::Number).default("587"),
            F::new(
                "outgoing.security",
                "Outgoing security",
                C::Select(S::Fixed(SECURITY)),
            )
            .required()
            .default("starttls"),
            F::new("outgoing.username", "Outgoing user", C::Text),
            F::new("outgoing_password", "Outgoing password", C::Password)
                .help("leave empty to keep the stored one"),
            PARTS[0],
            PARTS[1],
            PARTS[2],
            PARTS[3],
            PARTS[4],
        ],
    },
    Kind {
        slug: "kb-folders",
        title: "KB folders",
        one: "folder",
        api: "/kb-folders",
        resource: Resource::Knowledge,
        columns: &[
            ("Name", "name"),
            ("Parent", "parent_id"),
            ("Department", "department_id"),
        ],
        fields: &[
            F::new("department_id", "Department", C::Select(S::Departments))
                .required()
                .create_only(),
            F::new("name", "Name", C::Text).required(),
            F::new("parent_id", "Parent folder", C::Select(S::Folders)),
        ],
    },
    Kind {
        slug: "articles",
        title: "KB articles",
        one: "article",
        api: "/articles",
        resource: Resource::Knowledge,
        columns: &[
            ("Title", "title"),
            ("Kind", "kind"),
            ("Folder", "folder_id"),
            ("Department", "department_id"),
            ("Active", "active"),
        ],
        fields: &[
            F::new("department_id", "Department", C::Select(S::Departments))
                .required()
                .create_only(),
            F::new("folder_id", "Folder", C::Select(S::Folders)),
            F::new("kind", "Kind", C::Select(S::Fixed(ARTICLE_KINDS)))
                .required()
                .create_only()
                .default("answer"),
            F::new("title", "Title", C::Text).required(),
            F::new("html", "Content", C::Rich)
                .help(
                    "filled in when sent: {{customer.name}}, {{customer.email}}, {{case.id}}, \
                     {{case.subject}}, {{activity.id}}, {{agent.name}}, {{alias.address}}, \
                     {{alias.name}}, {{queue.name}}, {{department.name}}, {{expected_response}}",
                ),
            F::new("text", "Plain-text version", C::Area)
                .help("left empty, it is made from the HTML"),
            F::new("active", "Active", C::Check).default("true"),
        ],
    },
    Kind {
        slug: "workflows",
        title: "Workflows",
        one: "workflow",
        api: "/workflows",
        resource: Resource::Workflows,
        columns: &[
            ("Name", "name"),
            ("Kind", "kind"),
            ("Department", "department_id"),
            ("Active", "active"),
        ],
        fields: &[
            F::new("department_id", "Department", C::Select(S::Departments))
                .required()
                .create_only(),
            F::new("name", "Name", C::Text).required(),
            F::new("description", "Description", C::Area),
            F::new("kind", "Runs", C::Select(S::Fixed(WORKFLOW_KINDS)))
                .required()
                .create_only()
                .default("inbound"),
            F::new("alias_ids", "For aliases", C::Multi(S::Aliases))
                .when("kind=inbound")
                .help("none: every alias of the department"),
            F::new("interval_secs", "Every (s)", C::Number)
                .when("kind=alarm")
                .default("60"),
            F::new("active", "Active", C::Check).default("true"),
            F::new("definition", "Steps", C::Json)
                .required()
                .default("{\"steps\": []}"),
        ],
    },
    Kind {
        slug: "categories",
        title: "Categories",
        one: "category",
        api: "/categories",
        resource: Resource::Categories,
        columns: &[("Name", "name"), ("Department", "department_id")],
        fields: &[
            F::new("department_id", "Department", C::Select(S::Departments))
                .required()
                .create_only(),
            F::new("name", "Name", C::Text).required(),
            F::new("description", "Description", C::Area),
        ],
    },
    Kind {
        slug: "calendars",
        title: "Business calendars",
        one: "calendar",
        api: "/calendars",
        resource: Resource::Calendars,
        columns: &[
            ("Name", "name"),
            ("Time zone", "time_zone"),
            ("Department", "department_id"),
        ],
        fields: &[
            F::new("department_id", "Department", C::Select(S::Departments))
                .required()
                .create_only(),
            F::new("name", "Name", C::Text).required(),
            F::new("time_zone", "Time zone", C::Text)
                .required()
                .default("UTC")
                .help("e.g. Europe/Berlin"),
            F::new("hours.mon", "Monday", C::Lines)
                .default("09:00-17:00")
                .help("one opening per line, HH:MM-HH:MM"),
            F::new("hours.tue", "Tuesday", C::Lines).default("09:00-17:00"),
            F::new("hours.wed", "Wednesday", C::Lines).default("09:00-17:00"),
            F::new("hours.thu", "Thursday", C::Lines).default("09:00-17:00"),
            F::new("hours.fri", "Friday", C::Lines).default("09:00-17:00"),
            F::new("hours.sat", "Saturday", C::Lines),
            F::new("hours.sun", "Sunday", C::Lines),
            F::new("holidays", "Holidays", C::Rows(HOLIDAY_COLUMNS)),
        ],
    },
    Kind {
        slug: "entry-points",
        title: "Chat and callback entry points",
        one: "entry point",
        api: "/entry-points",
        resource: Resource::EntryPoints,
        columns: &[
            ("Name", "name"),
            ("Kind", "kind"),
            ("Queue", "queue_id"),
            ("Department", "department_id"),
            ("Active", "active"),
        ],
        fields: &[
            F::new("department_id", "Department", C::Select(S::Departments))
                .required()
                .create_only(),
            F::new("kind", "Kind", C::Select(S::Fixed(ENTRY_POINT_KINDS)))
                .default("chat")
                .create_only()
                .help("a callback asks for the customer's name and number (and, delayed, a time); the department's callback settings apply"),
            F::new("name", "Name", C::Text).required(),
            F::new("description", "Description", C::Area),
            F::new("active", "Active", C::Check).default("true"),
            F::new("queue_id", "Queue", C::Select(S::Queues))
                .help("where its chats (or callbacks) wait unless a start workflow routes a chat elsewhere"),
            F::new("calendar_id", "Business hours", C::Select(S::Calendars))
                .help("none: always open"),
            F::new("max_waiting", "Chats that may wait", C::Number)
                .default("0")
                .help("while no agent is free; beyond it the widget offers to leave a message"),
            F::new("allowed_origins", "Web sites", C::Lines)
                .help("one origin per line, e.g. https://www.example.com"),
            F::new("widget.title", "Title", C::Text).default("Chat with us"),
            F::new("widget.welcome", "Welcome", C::Area).default(
                "Tell us who you are and what you need; an agent will be with you shortly.",
            ),
            F::new("widget.wait_message", "While waiting", C::Area)
                .default("You are number {{position}} in the queue. Expected wait: {{expected_wait}}.")
                .help("{{position}}, {{expected_wait}} and {{activity.id}} are filled in"),
            F::new("widget.offline", "When closed", C::Area)
                .default("We cannot chat right now. Leave us a message and we will answer by email."),
            F::new("widget.colour", "Colour", C::Text)
                .default("#1f5fbf")
                .help("#rrggbb"),
            F::new("pre_chat", "Pre-chat form", C::Json)
                .default(PRE_CHAT_DEFAULT)
                .help("fields: key, label, kind (text, multiline, email, number, choice), required, options, maps_to (customer_name, customer_email, question, attribute)"),
            F::new("survey", "Survey", C::Json)
                .default("[]")
                .help("questions: key, text, kind (rating, yes_no, choice, text), required, options"),
            F::new("timeouts.customer_warning_secs", "Warn a silent customer after (s)", C::Number)
                .default("240"),
            F::new("timeouts.customer_inactivity_secs", "Close after (s)", C::Number)
                .default("300"),
            F::new("timeouts.agent_inactivity_secs", "Silent agent after (s)", C::Number)
                .default("180"),
            F::new("timeouts.abandon_grace_secs", "Abandoned after a lost connection (s)", C::Number)
                .default("60"),
        ],
    },
    Kind {
        slug: "webhooks",
        title: "Webhooks",
        one: "webhook",
        api: "/webhooks",
        resource: Resource::Webhooks,
        columns: &[
            ("Target URL", "url"),
            ("Department", "department_id"),
            ("Active", "active"),
            ("Given up in a row", "given_up_in_a_row"),
        ],
        fields: &[
            F::new("department_id", "Department", C::Select(S::Departments))
                .required()
                .create_only(),
            F::new("url", "Target URL", C::Text)
                .required()
                .help("where each event is POSTed, signed per Standard Webhooks (https:// unless the receiver is on a trusted network)"),
            F::new("events", "Events", C::Multi(S::Fixed(EVENT_KINDS))),
            F::new("active", "Active", C::Check).default("true"),
            F::new("ordered", "Strict order", C::Check)
                .help("one delivery at a time, in event order: a failing one holds back the later ones"),
            F::new("description", "Description", C::Area),
        ],
    },
];

/// The kind with this slug.
pub fn kind(slug: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.slug == slug)
}

impl Section {
    /// Its save button ("Save routing").
    pub fn save_label(&self) -> String {
        format!("Save {}", self.title.to_lowercase())
    }
}

/// A department's settings edited on its page (no version; the whole object is replaced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    /// Heading.
    pub title: &'static str,
    /// The API path after the object's own, e.g. `/routing` after `/departments/{id}`.
    pub api: &'static str,
    /// The fields.
    pub fields: &'static [F],
}

const CHANNEL_FIELDS: &[F] = &[
    F::new("interruptible", "Interruptible", C::Check),
    F::new("max_queued", "Most waiting", C::Number),
    F::new(
        "max_time_in_queue_secs",
        "Longest wait (s, 0 = none)",
        C::Number,
    ),
    F::new("task_life_secs", "Task life (s)", C::Number),
    F::new("start_timeout_secs", "Offer time-out (s)", C::Number),
    F::new("max_duration_secs", "Longest task (s)", C::Number),
];

/// The user page's sections.
pub const USER_SECTIONS: &[Section] = &[Section {
    title: "Groups",
    api: "/groups",
    fields: &[F::new("group_ids", "Member of", C::Multi(S::Groups))
        .help("the skill groups this user gets work through")],
}];

/// The sections an object's page has below its own form.
pub fn sections_of(kind: &Kind) -> &'static [Section] {
    match kind.slug {
        "departments" => DEPARTMENT_SECTIONS,
        "users" => USER_SECTIONS,
        _ => &[],
    }
}

/// The department page's sections.
pub const DEPARTMENT_SECTIONS: &[Section] = &[
    Section {
        title: "Inbound email",
        api: "/channels/inbound_email",
        fields: CHANNEL_FIELDS,
    },
    Section {
        title: "Outbound email",
        api: "/channels/outbound_email",
        fields: CHANNEL_FIELDS,
    },
    Section {
        title: "Chat",
        api: "/channels/chat",
        fields: CHANNEL_FIELDS,
    },
    Section {
        title: "Callback",
        api: "/channels/callback",
        fields: CHANNEL_FIELDS,
    },
    Section {
        title: "Delayed callback",
        api: "/channels/delayed_callback",
        fields: CHANNEL_FIELDS,
    },
    Section {
        title: "Wrap-up",
        api: "/wrap-up-settings",
        fields: &[F::new("required", "A category is required to complete", C::Check)
            .help("the department's categories are its wrap-up codes")],
    },
    Section {
        title: "Callbacks",
        api: "/callback-settings",
        fields: &[
            F::new("default_country", "Default country", C::Text)
                .help("two letters, e.g. US, GB, DE: the country of numbers given without one"),
            F::new("max_attempts", "Calls before unreachable", C::Number),
            F::new("retry_minutes", "Call again after no answer (min)", C::Number),
            F::new("lead_minutes", "Least notice for a delayed callback (min)", C::Number),
            F::new("horizon_days", "Delayed callbacks up to (days ahead)", C::Number),
            F::new("dial_link", "Softphone or CTI link", C::Text).help(
                "optional; {phone} (E.164) and {activity_id} are filled in, e.g. https://cti.example.com/dial?to={phone}&ref={activity_id} or sip:{phone}",
            ),
        ],
    },
    Section {
        title: "Routing",
        api: "/routing",
        fields: &[
            F::new(
                "auto_accept",
                "Accept offers automatically for",
                C::Multi(S::Channels),
            ),
            F::new(
                "personal_wait_secs",
                "Wait for the personal agent (s)",
                C::Number,
            ),
            F::new(
                "queue_if_agent_not_logged_in",
                "Queue for a personal agent who is logged out",
                C::Check,
            ),
            F::new(
                "logout_return_secs",
                "Return work of logged-out agents after (s)",
                C::Number,
            ),
        ],
    },
    Section {
        title: "Email hygiene and standard parts",
        api: "/email-settings",
        fields: &[
            F::new("blocked_addresses", "Blocked sender addresses", C::Lines)
                .help("one per line; mail from them is kept but not routed"),
            F::new("blocked_domains", "Blocked sender domains", C::Lines),
            F::new(
                "blocked_extensions",
                "Blocked attachment extensions",
                C::Lines,
            )
            .help("one per line, e.g. exe"),
            PARTS[0],
            PARTS[1],
            PARTS[2],
            PARTS[3],
            PARTS[4],
        ],
    },
];

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;
    use serde_json::json;
    use switchboard_domain::{
        AgentOrder, ArticleKind, Disposition, MailProtocol, MailSecurity, QueueKind, QueueRouting,
        Role,
    };
    use switchboard_workflow::WorkflowKind;

    use super::*;

    /// Every wire name the console offers is one the domain reads (the labels are the console's
    /// own; the names must not drift from the domain's).
    fn names_parse<T: DeserializeOwned>(
        what: &str,
        list: &[(&str, &str)],
        value: fn(&str) -> serde_json::Value,
    ) {
        for (name, _) in list {
            let parsed = serde_json::from_value::<T>(value(name));
            assert!(parsed.is_ok(), "{what} {name:?}: {:?}", parsed.err());
        }
    }

    /// The form's default for the field at `path` of the entry point kind.
    fn entry_point_default(path: &str) -> &'static str {
        let kind = kind("entry-points").unwrap();
        kind.fields.iter().find(|f| f.path == path).unwrap().default
    }

    /// Every placeholder a form's help names is one its validator accepts (a chat's wait
    /// message has its own), and the knowledge base's help names them all.
    #[test]
    fn placeholders_in_help_texts_are_the_validators() {
        use switchboard_domain::chat::widget::WAIT_PLACEHOLDERS;
        use switchboard_domain::template::Placeholder;
        for k in KINDS {
            for f in k.fields {
                for part in f.help.split("{{").skip(1) {
                    let name = part.split("}}").next().unwrap_or_default();
                    let known = if f.path == "widget.wait_message" {
                        WAIT_PLACEHOLDERS.contains(&name)
                    } else {
                        Placeholder::parse(name).is_some()
                    };
                    assert!(known, "{} {}: {{{{{name}}}}}", k.slug, f.path);
                }
            }
        }
        let kb = kind("articles").unwrap();
        let help = kb.fields.iter().find(|f| f.path == "html").unwrap().help;
        for p in switchboard_domain::template::Placeholder::ALL {
            assert!(help.contains(&format!("{{{{{}}}}}", p.as_str())), "{p:?}");
        }
    }

    #[test]
    fn the_widget_defaults_are_the_domains() {
        let w = switchboard_domain::chat::WidgetTemplate::default();
        assert_eq!(entry_point_default("widget.title"), w.title);
        assert_eq!(entry_point_default("widget.welcome"), w.welcome);
        assert_eq!(entry_point_default("widget.wait_message"), w.wait_message);
        assert_eq!(entry_point_default("widget.offline"), w.offline);
        assert_eq!(entry_point_default("widget.colour"), w.colour);
        let t = switchboard_domain::chat::ChatTimeouts::default();
        for (path, secs) in [
            ("timeouts.customer_warning_secs", t.customer_warning_secs),
            (
                "timeouts.customer_inactivity_secs",
                t.customer_inactivity_secs,
            ),
            ("timeouts.agent_inactivity_secs", t.agent_inactivity_secs),
            ("timeouts.abandon_grace_secs", t.abandon_grace_secs),
        ] {
            assert_eq!(entry_point_default(path), secs.to_string(), "{path}");
        }
    }

    #[test]
    fn the_pre_chat_default_is_the_domains() {
        let shown: Vec<switchboard_domain::chat::PreChatField> =
            serde_json::from_str(PRE_CHAT_DEFAULT).unwrap();
        assert_eq!(shown, switchboard_domain::chat::form::default_pre_chat());
    }

    #[test]
    fn choices_are_the_domains_wire_names() {
        let plain = |n: &str| json!(n);
        names_parse::<Role>("role", ROLES, plain);
        names_parse::<QueueKind>("queue kind", QUEUE_KINDS, plain);
        names_parse::<AgentOrder>("agent order", ORDERS, plain);
        names_parse::<MailProtocol>("protocol", PROTOCOLS, plain);
        names_parse::<MailSecurity>("security", SECURITY, plain);
        names_parse::<ArticleKind>("article kind", ARTICLE_KINDS, plain);
        names_parse::<WorkflowKind>("workflow kind", WORKFLOW_KINDS, plain);
        names_parse::<switchboard_domain::EventKind>("event kind", EVENT_KINDS, plain);
        assert_eq!(
            EVENT_KINDS.len(),
            switchboard_domain::EventKind::ALL.len(),
            "every event kind may be subscribed to"
        );
        names_parse::<switchboard_domain::chat::EntryPointKind>(
            "entry point kind",
            ENTRY_POINT_KINDS,
            plain,
        );
        assert_eq!(
            ENTRY_POINT_KINDS.len(),
            switchboard_domain::chat::EntryPointKind::ALL.len()
        );
        names_parse::<Disposition>("disposition", DISPOSITIONS, |n| match n {
            "move" => json!({"action": n, "folder": "Done"}),
            _ => json!({"action": n}),
        });
        names_parse::<QueueRouting>("routing", ROUTINGS, |n| match n {
            "user_group" => json!({"type": n, "user_group_id": 1}),
            "precision" => json!({"type": n, "steps": []}),
            _ => json!({"type": n}),
        });
        assert_eq!(ROLES.len(), 4, "every role can be given");
    }
}
