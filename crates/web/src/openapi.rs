//! The OpenAPI document served at `/api/v1/openapi.json`. Schemas come from the types' derives;
//! operations from one table, so the document and the router are listed side by side.

use utoipa::OpenApi;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ArrayBuilder, ContentBuilder, ObjectBuilder, Ref, RefOr, ResponseBuilder, Schema, Type,
    schema::SchemaType,
};

use switchboard_domain::*;

use crate::chat::public::{Messages, TypingBody};
use crate::chat::staff::StaffMessage;
use crate::chat::view::ChatView;
use crate::error::ErrorBody;
use crate::routes::aliases::{ConnectionTest, ProbeAnswer};
use crate::routes::auth::{CreatedToken, Login, Me, NewToken, PasswordChange};
use crate::routes::drafts::DraftFiles;
use crate::routes::emails::{InsertableArticle, ReplyBody};
use crate::routes::files::ReplyAttachment;
use crate::routes::review::{Decision, ReviewBody};
use crate::routes::routing::{
    MyWork, Offer, PresenceChange, PullRequest, QueueFigures, TransferRequest, WaitInfo,
};
use crate::routes::system::Logging;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchboard API",
        version = "1",
        description = "REST API v1 of Switchboard, the contact center for email, chat and callback."
    ),
    components(schemas(
        Article,
        NewArticle,
        ArticlePatch,
        ArticleKind,
        ArticleHit,
        Folder,
        NewFolder,
        FolderPatch,
        MessageParts,
        Category,
        NewCategory,
        CategoryPatch,
        switchboard_domain::webhook::Webhook,
        switchboard_domain::webhook::NewWebhook,
        switchboard_domain::webhook::WebhookPatch,
        switchboard_domain::webhook::WebhookWithSecret,
        switchboard_domain::webhook::WebhookDelivery,
        switchboard_domain::webhook::WebhookAttempt,
        switchboard_domain::webhook::DeliveryStatus,
        crate::routes::webhooks::DeliveryDetail,
        crate::routes::reports::ReportInfo,
        switchboard_domain::report::ReportKind,
        switchboard_domain::report::ReportTable,
        switchboard_domain::report::ReportRow,
        switchboard_domain::report::PeriodPage,
        switchboard_domain::report::Column,
        switchboard_domain::report::Granularity,
        switchboard_domain::report::SavedReport,
        switchboard_domain::report::SavedReportInput,
        switchboard_domain::report::PeriodChoice,
        switchboard_domain::report::PeriodPreset,
        switchboard_domain::report::Schedule,
        switchboard_domain::report::ExportFormat,
        switchboard_domain::report::ReportRun,
        switchboard_domain::report::RunFile,
        switchboard_domain::report::RunTrigger,
        switchboard_domain::report::RunStatus,
        BusinessCalendar,
        NewCalendar,
        CalendarPatch,
        switchboard_domain::EntryPoint,
        switchboard_domain::NewEntryPoint,
        switchboard_domain::EntryPointPatch,
        switchboard_domain::chat::PreChatField,
        switchboard_domain::chat::FieldKind,
        switchboard_domain::chat::FieldTarget,
        switchboard_domain::chat::SurveyQuestion,
        switchboard_domain::chat::QuestionKind,
        switchboard_domain::chat::WidgetTemplate,
        switchboard_domain::chat::ChatTimeouts,
        switchboard_domain::chat::EntryPointKind,
        WeeklyHours,
        Holiday,
        switchboard_workflow::Workflow,
        ConnectionTest,
        InsertableArticle,
        ProbeAnswer,
        switchboard_workflow::NewWorkflow,
        switchboard_workflow::WorkflowPatch,
        switchboard_workflow::WorkflowKind,
        switchboard_workflow::model::WorkflowVersion,
        Department,
        NewDepartment,
        DepartmentPatch,
        ChannelKind,
        ChannelSettings,
        User,
        NewUser,
        UserPatch,
        Role,
        AgentAttribute,
        UserGroup,
        NewUserGroup,
        UserGroupPatch,
        Queue,
        NewQueue,
        QueuePatch,
        QueueKind,
        QueueRouting,
        PrecisionStep,
        AgentOrder,
        Customer,
        NewCustomer,
        CustomerPatch,
        ContactPoint,
        ContactKind,
        Case,
        NewCase,
        CasePatch,
        CaseStatus,
        Activity,
        NewActivity,
        ActivityPatch,
        switchboard_domain::wrap_up::WrapUp,
        switchboard_domain::wrap_up::WrapUpSettings,
        switchboard_domain::preferences::Preferences,
        switchboard_domain::case_note::CaseNote,
        switchboard_domain::inbox::InboxFilter,
        switchboard_domain::inbox::InboxView,
        switchboard_domain::inbox::InboxChannel,
        switchboard_domain::inbox::SavedView,
        switchboard_domain::inbox::InboxRow,
        switchboard_domain::node::Node,
        switchboard_domain::node::NodeState,
        crate::routes::cluster::ClusterView,
        crate::routes::cluster::NodeView,
        crate::routes::cluster::ServiceView,
        crate::routes::cluster::ServiceCommand,
        crate::routes::inbox::Inbox,
        crate::routes::inbox::InboxLine,
        switchboard_domain::callback::Callback,
        switchboard_domain::callback::CallbackState,
        switchboard_domain::callback::CallOutcome,
        switchboard_domain::callback::OutcomeInput,
        switchboard_domain::callback::CallbackSettings,
        crate::routes::callbacks::CallRecorded,
        crate::routes::collision::Viewing,
        switchboard_domain::customer_merge::MergeRequest,
        crate::routes::search::SearchResults,
        crate::routes::collision::OnActivity,
        crate::viewers::Viewer,
        crate::routes::activities::NoteBody,
        crate::routes::activities::NoteAdded,
        ActivityStatus,
        ActivityAction,
        Priority,
        ActivityEvent,
        EventKind,
        Actor,
        Timestamp,
        EmailAddress,
        ErrorBody,
        Login,
        Me,
        NewToken,
        CreatedToken,
        PasswordChange,
        SecurityEvent,
        SecurityEventKind,
        Logging,
        Alias,
        NewAlias,
        AliasPatch,
        IncomingServer,
        OutgoingServer,
        MailProtocol,
        MailSecurity,
        Disposition,
        Email,
        Attachment,
        Mailbox,
        Direction,
        EmailKind,
        Outcome,
        ThreadRule,
        DeliveryException,
        RetryingMessage,
        EmailSettings,
        ReplyBody,
        ReplyAttachment,
        ReplyDraft,
        SavedDraft,
        Membership,
        DraftText,
        DraftFiles,
        StoredAttachment,
        ReviewBody,
        Decision,
        RoutingSettings,
        Presence,
        PresenceChange,
        Offer,
        MyWork,
        PullRequest,
        TransferRequest,
        QueueFigures,
        WaitInfo,
        switchboard_domain::chat::ChatMessage,
        switchboard_domain::chat::ChatFile,
        switchboard_domain::chat::ChatParty,
        switchboard_domain::chat::Audience,
        switchboard_domain::chat::ChatState,
        switchboard_domain::chat::Ended,
        switchboard_domain::chat::EndReason,
        ChatView,
        Messages,
        StaffMessage,
        TypingBody
    ))
)]
struct Components;

/// The security scheme of API tokens.
const BEARER: &str = "bearer";
/// The security scheme of login sessions.
const SESSION: &str = "session";

/// Operations anyone may call.
const PUBLIC: &[&str] = &["/api/v1/auth/login", "/api/v1/openapi.json"];

/// The `{name}` parameters of a path template.
pub fn path_parameters(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}

/// The schema of a path parameter: a channel's name, or an id or index (a positive integer).
fn path_parameter_schema(name: &str) -> RefOr<Schema> {
    if name == "channel" {
        return ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(ChannelKind::ALL.iter().map(|c| c.as_str())))
            .into();
    }
    let min = if name == "n" { 0.0 } else { 1.0 };
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Int64,
        )))
        .minimum(Some(min))
        .into()
}

enum Body {
    None,
    One(&'static str),
    List(&'static str),
    /// A bare JSON array.
    Many(&'static str),
}

fn content(body: &Body) -> Option<utoipa::openapi::Content> {
    let schema: RefOr<Schema> = match body {
        Body::None => return None,
        Body::One(name) => Ref::from_schema_name(*name).into(),
        Body::Many(name) => ArrayBuilder::new()
            .items(Ref::from_schema_name(*name))
            .into(),
        Body::List(name) => ObjectBuilder::new()
            .property(
                "items",
                ArrayBuilder::new().items(Ref::from_schema_name(*name)),
            )
            .required("items")
            .required("next_cursor")
            .property(
                "next_cursor",
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                    .description(Some("Pass as `cursor` for the next page; null on the last")),
            )
            .into(),
    };
    Some(ContentBuilder::new().schema(Some(schema)).build())
}

/// The whole document.
pub fn document() -> utoipa::openapi::OpenApi {
    use Body::*;
    use HttpMethod::{Delete, Get, Post, Put};
    let crud: &[(&str, &str, &str, &str, &str)] = &[
        (
            "/api/v1/customers",
            "customers",
            "Customer",
            "NewCustomer",
            "CustomerPatch",
        ),
        ("/api/v1/cases", "cases", "Case", "NewCase", "CasePatch"),
        (
            "/api/v1/activities",
            "activities",
            "Activity",
            "NewActivity",
            "ActivityPatch",
        ),
        ("/api/v1/users", "users", "User", "NewUser", "UserPatch"),
        (
            "/api/v1/user-groups",
            "user groups",
            "UserGroup",
            "NewUserGroup",
            "UserGroupPatch",
        ),
        (
            "/api/v1/queues",
            "queues",
            "Queue",
            "NewQueue",
            "QueuePatch",
        ),
        (
            "/api/v1/departments",
            "departments",
            "Department",
            "NewDepartment",
            "DepartmentPatch",
        ),
        (
            "/api/v1/aliases",
            "aliases",
            "Alias",
            "NewAlias",
            "AliasPatch",
        ),
        (
            "/api/v1/articles",
            "knowledge base",
            "Article",
            "NewArticle",
            "ArticlePatch",
        ),
        (
            "/api/v1/kb-folders",
            "knowledge base",
            "Folder",
            "NewFolder",
            "FolderPatch",
        ),
        (
            "/api/v1/categories",
            "categories",
            "Category",
            "NewCategory",
            "CategoryPatch",
        ),
        (
            "/api/v1/calendars",
            "calendars",
            "BusinessCalendar",
            "NewCalendar",
            "CalendarPatch",
        ),
        (
            "/api/v1/entry-points",
            "chat entry points",
            "EntryPoint",
            "NewEntryPoint",
            "EntryPointPatch",
        ),
        (
            "/api/v1/workflows",
            "workflows",
            "Workflow",
            "NewWorkflow",
            "WorkflowPatch",
        ),
    ];
    let mut ops: Vec<(String, HttpMethod, String, &str, Body, &str, Body)> = vec![];
    for (path, tag, one, new, patch) in crud {
        let item = format!("{path}/{{id}}");
        ops.push((
            path.to_string(),
            Get,
            format!("List {tag} (filters, cursor pagination)"),
            tag,
            None,
            "200",
            List(one),
        ));
        ops.push((
            path.to_string(),
            Post,
            format!("Create one of {tag}"),
            tag,
            One(new),
            "201",
            One(one),
        ));
        ops.push((
            item.clone(),
            Get,
            format!("Read one of {tag}"),
            tag,
            None,
            "200",
            One(one),
        ));
        ops.push((
            item.clone(),
            Put,
            format!("Update one of {tag} (partial, with version)"),
            tag,
            One(patch),
            "200",
            One(one),
        ));
        ops.push((
            item,
            Delete,
            format!("Delete one of {tag}"),
            tag,
            None,
            "204",
            None,
        ));
    }
    let extra = [
        (
            "/api/v1/reports",
            Get,
            "Every report: its name, title and what it shows (supervisors, administrators, reporting)",
            "reports",
            None,
            "200",
            Many("ReportInfo"),
        ),
        (
            "/api/v1/reports/{kind}",
            Get,
            "Run a report within the caller's departments (from and to, or a preset such as last_week; granularity: 15m/hour/day/week/month/total, time_zone; department_id, queue_id, agent_id and channel each one or several, comma-separated; threshold_secs, format: json, csv, xlsx or pdf; page: one page of about 500 rows of whole periods, from 1, with the whole period's columns and totals, JSON only)",
            "reports",
            None,
            "200",
            One("ReportTable"),
        ),
        (
            "/api/v1/reports/{kind}/activities",
            Get,
            "The activities behind a report's figures: created in the period (from, to) in the queue (queue_id) or held by the agent (agent_id), on the report's channels, within the caller's departments (cursor pagination)",
            "reports",
            None,
            "200",
            List("Activity"),
        ),
        (
            "/api/v1/saved-reports",
            Get,
            "List saved reports (department_id, cursor pagination)",
            "reports",
            None,
            "200",
            List("SavedReport"),
        ),
        (
            "/api/v1/saved-reports",
            Post,
            "Save a report with its parameters (a fixed period or a preset) and perhaps a schedule (cron in a time zone, formats, recipients, the alias that sends)",
            "reports",
            One("SavedReportInput"),
            "201",
            One("SavedReport"),
        ),
        (
            "/api/v1/saved-reports/{id}",
            Get,
            "Read a saved report",
            "reports",
            None,
            "200",
            One("SavedReport"),
        ),
        (
            "/api/v1/saved-reports/{id}",
            Put,
            "Replace a saved report's definition (whole, with version)",
            "reports",
            One("SavedReportInput"),
            "200",
            One("SavedReport"),
        ),
        (
            "/api/v1/saved-reports/{id}",
            Delete,
            "Delete a saved report and its runs",
            "reports",
            None,
            "204",
            None,
        ),
        (
            "/api/v1/saved-reports/{id}/run",
            Post,
            "Run a saved report now: its files are kept, and mailed to its schedule's recipients",
            "reports",
            None,
            "201",
            One("ReportRun"),
        ),
        (
            "/api/v1/saved-reports/{id}/runs",
            Get,
            "A saved report's runs, newest first, with their files (cursor pagination)",
            "reports",
            None,
            "200",
            List("ReportRun"),
        ),
        (
            "/api/v1/saved-reports/{id}/runs/{run}/files/{file}",
            Get,
            "A file a run made, as a download",
            "reports",
            None,
            "200",
            None,
        ),
        (
            "/api/v1/webhooks",
            Get,
            "List webhook subscriptions (department_id, cursor pagination; administrators)",
            "webhooks",
            None,
            "200",
            List("Webhook"),
        ),
        (
            "/api/v1/webhooks",
            Post,
            "Create a webhook subscription; the answer holds its signing secret, shown this once",
            "webhooks",
            One("NewWebhook"),
            "201",
            One("WebhookWithSecret"),
        ),
        (
            "/api/v1/webhooks/{id}",
            Get,
            "Read a webhook subscription",
            "webhooks",
            None,
            "200",
            One("Webhook"),
        ),
        (
            "/api/v1/webhooks/{id}",
            Put,
            "Update a webhook subscription (partial, with version); switching it on clears an automatic switch-off",
            "webhooks",
            One("WebhookPatch"),
            "200",
            One("Webhook"),
        ),
        (
            "/api/v1/webhooks/{id}",
            Delete,
            "Delete a webhook subscription and its delivery log",
            "webhooks",
            None,
            "204",
            None,
        ),
        (
            "/api/v1/webhooks/{id}/secret",
            Post,
            "Give a webhook subscription a new signing secret, shown this once",
            "webhooks",
            None,
            "200",
            One("WebhookWithSecret"),
        ),
        (
            "/api/v1/webhooks/{id}/deliveries",
            Get,
            "A webhook subscription's delivery log, newest first (status, cursor pagination)",
            "webhooks",
            None,
            "200",
            List("WebhookDelivery"),
        ),
        (
            "/api/v1/webhooks/{id}/deliveries/{delivery}",
            Get,
            "One delivery with every attempt and its answer",
            "webhooks",
            None,
            "200",
            One("DeliveryDetail"),
        ),
        (
            "/api/v1/webhooks/{id}/deliveries/{delivery}/replay",
            Post,
            "Send a delivery again from its first attempt, with the same message id",
            "webhooks",
            None,
            "200",
            One("WebhookDelivery"),
        ),
        (
            "/api/v1/activities/{id}/articles/{article}",
            Get,
            "A knowledge-base article with its placeholders filled for the caller's reply",
            "knowledge base",
            None,
            "200",
            One("InsertableArticle"),
        ),
        (
            "/api/v1/monitor/events",
            Get,
            "Server-sent events for supervisors' monitors: `changed` whenever routing changes (a WebSocket upgrade gets them as `{event, data}` frames)",
            "routing",
            None,
            "200",
            None,
        ),
        (
            "/api/v1/aliases/test",
            Post,
            "Test connection before saving: log in to the servers of an alias as the form gives it (passwords included), fetch and send nothing",
            "aliases",
            One("NewAlias"),
            "200",
            One("ConnectionTest"),
        ),
        (
            "/api/v1/aliases/{id}/test",
            Post,
            "Test connection: log in to the alias's incoming and outgoing servers, fetch and send nothing",
            "aliases",
            None,
            "200",
            One("ConnectionTest"),
        ),
        (
            "/api/v1/articles/search",
            Get,
            "Full-text search over a department's articles (department_id, q, kind, limit)",
            "knowledge base",
            None,
            "200",
            Many("ArticleHit"),
        ),
        (
            "/api/v1/workflows/{id}/versions",
            Get,
            "Every saved version of a workflow, newest first",
            "workflows",
            None,
            "200",
            Many("WorkflowVersion"),
        ),
        (
            "/api/v1/me/presence",
            Get,
            "My presence in routing",
            "routing",
            None,
            "200",
            One("Presence"),
        ),
        (
            "/api/v1/me/presence",
            Put,
            "Log in or out, be ready or not on a channel",
            "routing",
            One("PresenceChange"),
            "200",
            One("Presence"),
        ),
        (
            "/api/v1/me/work",
            Get,
            "My offers and assigned work",
            "routing",
            None,
            "200",
            One("MyWork"),
        ),
        (
            "/api/v1/me/preferences",
            Get,
            "My own settings: language, time zone, sound and desktop notifications",
            "auth",
            None,
            "200",
            One("Preferences"),
        ),
        (
            "/api/v1/me/preferences",
            Put,
            "Replace my own settings",
            "auth",
            One("Preferences"),
            "200",
            One("Preferences"),
        ),
        (
            "/api/v1/cases/{id}/notes",
            Get,
            "A case's internal notes, oldest first",
            "cases",
            None,
            "200",
            Many("CaseNote"),
        ),
        (
            "/api/v1/cases/{id}/notes",
            Post,
            "Add an internal note to a case (never sent to the customer; @name@example.com tells a colleague)",
            "cases",
            One("NoteBody"),
            "201",
            One("CaseNote"),
        ),
        (
            "/api/v1/me/inbox",
            Get,
            "My inbox: emails, chats and callbacks offered to me, held by me (view=mine, offered) or waiting in my queues (view=waiting), optionally of one channel (channel=email, chat, callback)",
            "routing",
            None,
            "200",
            One("Inbox"),
        ),
        (
            "/api/v1/me/views",
            Get,
            "My saved inbox views",
            "routing",
            None,
            "200",
            Many("SavedView"),
        ),
        (
            "/api/v1/me/views",
            Post,
            "Keep an inbox view under a name (replacing one of the same name)",
            "routing",
            One("SavedView"),
            "200",
            Many("SavedView"),
        ),
        (
            "/api/v1/me/views/{name}",
            Delete,
            "Forget my saved inbox view",
            "routing",
            None,
            "204",
            None,
        ),
        (
            "/api/v1/me/pull",
            Post,
            "Pull the best waiting work of my queues, or a given activity",
            "routing",
            One("PullRequest"),
            "200",
            One("Activity"),
        ),
        (
            "/api/v1/me/events",
            Get,
            "My routing notices (server-sent events; a WebSocket upgrade gets them as `{event, data}` frames)",
            "routing",
            None,
            "200",
            None,
        ),
        (
            "/api/v1/activities/{id}/transfer",
            Post,
            "Transfer to an agent, a user group or a queue",
            "routing",
            One("TransferRequest"),
            "200",
            One("Activity"),
        ),
        (
            "/api/v1/activities/{id}/wait",
            Get,
            "A waiting activity's position and expected wait",
            "routing",
            None,
            "200",
            One("WaitInfo"),
        ),
        (
            "/api/v1/queues/{id}/stats",
            Get,
            "A queue's figures now",
            "routing",
            None,
            "200",
            One("QueueFigures"),
        ),
        (
            "/api/v1/departments/{id}/wrap-up-settings",
            Get,
            "A department's wrap-up rule (whether completing needs a category)",
            "departments",
            None,
            "200",
            One("WrapUpSettings"),
        ),
        (
            "/api/v1/departments/{id}/wrap-up-settings",
            Put,
            "Replace a department's wrap-up rule",
            "departments",
            One("WrapUpSettings"),
            "200",
            One("WrapUpSettings"),
        ),
        (
            "/api/v1/departments/{id}/callback-settings",
            Get,
            "A department's callback settings",
            "departments",
            None,
            "200",
            One("CallbackSettings"),
        ),
        (
            "/api/v1/departments/{id}/callback-settings",
            Put,
            "Replace a department's callback settings",
            "departments",
            One("CallbackSettings"),
            "200",
            One("CallbackSettings"),
        ),
        (
            "/api/v1/departments/{id}/routing",
            Get,
            "A department's routing settings",
            "departments",
            None,
            "200",
            One("RoutingSettings"),
        ),
        (
            "/api/v1/departments/{id}/routing",
            Put,
            "Replace a department's routing settings",
            "departments",
            One("RoutingSettings"),
            "200",
            One("RoutingSettings"),
        ),
        (
            "/api/v1/activities/{id}/events",
            Get,
            "An activity's event log",
            "activities",
            None,
            "200",
            List("ActivityEvent"),
        ),
        (
            "/api/v1/activities/{id}/chat",
            Get,
            "A chat's messages after `after` (whispers included) and its state; `wait` long-polls up to 25 s",
            "chats",
            None,
            "200",
            One("Messages"),
        ),
        (
            "/api/v1/activities/{id}/chat/messages",
            Post,
            "Write into a chat: the agent holding it, or a supervisor joining or whispering",
            "chats",
            One("StaffMessage"),
            "201",
            One("ChatMessage"),
        ),
        (
            "/api/v1/activities/{id}/chat/typing",
            Post,
            "Tell the customer the agent is typing (or stopped)",
            "chats",
            One("TypingBody"),
            "204",
            None,
        ),
        (
            "/api/v1/activities/{id}/chat/end",
            Post,
            "End the conversation (a waiting chat is abandoned; a talking one stays for wrap-up)",
            "chats",
            None,
            "200",
            One("ChatView"),
        ),
        (
            "/api/v1/activities/{id}/chat/socket",
            Get,
            "The chat over a WebSocket (JSON frames: message, typing, end in; message, ack, typing, state, error out); 400 `upgrade_required` when not asked as one",
            "chats",
            None,
            "101",
            None,
        ),
        (
            "/api/v1/activities/{id}/actions",
            Post,
            "Run a life-cycle action (If-Match: version)",
            "activities",
            One("ActivityAction"),
            "200",
            One("Activity"),
        ),
        (
            "/api/v1/activities/{id}/chat/files",
            Post,
            "Send a file into the chat (`?name=`, the bytes as the body, their type in Content-Type; `&whisper=true` for a supervisor's)",
            "chats",
            None,
            "201",
            One("ChatMessage"),
        ),
        (
            "/api/v1/activities/{id}/chat/files/{n}",
            Get,
            "A file of the chat (message `n`), as a download",
            "chats",
            None,
            "200",
            None,
        ),
        (
            "/api/v1/activities/{id}/notes",
            Post,
            "Add an internal note (`@address` mentions a colleague, who is told; never sent to the customer)",
            "activities",
            One("NoteBody"),
            "201",
            One("NoteAdded"),
        ),
        (
            "/api/v1/customers/{id}/merge",
            Post,
            "Merge another customer into this one: its contact points, cases and activities move here (each moved activity records `customer_merged`)",
            "customers",
            One("MergeRequest"),
            "200",
            One("Customer"),
        ),
        (
            "/api/v1/search",
            Get,
            "Search customers (name, address, number, id), cases and activities (subject, id) within the caller's departments",
            "customers",
            None,
            "200",
            One("SearchResults"),
        ),
        (
            "/api/v1/activities/{id}/viewers",
            Post,
            "Say the caller has the activity open (typing or not); answers its holder and who else has it open or is typing",
            "activities",
            One("Viewing"),
            "200",
            One("OnActivity"),
        ),
        (
            "/api/v1/activities/{id}/take-over",
            Post,
            "Take work someone else holds (supervisors and administrators); the holder is told at once",
            "activities",
            None,
            "200",
            One("Activity"),
        ),
        (
            "/api/v1/activities/{id}/callback",
            Get,
            "A callback: whom to call, the number (E.164), when, and how the calls went",
            "activities",
            None,
            "200",
            One("Callback"),
        ),
        (
            "/api/v1/activities/{id}/callback-outcome",
            Post,
            "Record how a call went (reached, no answer, busy, wrong number, call again at a time): the callback completes, is offered again later, or ends as unreachable",
            "activities",
            One("OutcomeInput"),
            "200",
            One("CallRecorded"),
        ),
        (
            "/api/v1/activities/{id}/wrap-up",
            Post,
            "Wrap work in hand up: a category and a note (the `wrapped_up` event)",
            "activities",
            One("WrapUp"),
            "200",
            One("Activity"),
        ),
        (
            "/api/v1/departments/{id}/channels/{channel}",
            Get,
            "A department's channel settings",
            "departments",
            None,
            "200",
            One("ChannelSettings"),
        ),
        (
            "/api/v1/departments/{id}/channels/{channel}",
            Put,
            "Replace a department's channel settings",
            "departments",
            One("ChannelSettings"),
            "200",
            One("ChannelSettings"),
        ),
        (
            "/api/v1/auth/login",
            Post,
            "Log in: sets the session cookie",
            "auth",
            One("Login"),
            "200",
            One("Me"),
        ),
        (
            "/api/v1/auth/logout",
            Post,
            "Log out",
            "auth",
            None,
            "204",
            None,
        ),
        (
            "/api/v1/auth/me",
            Get,
            "The caller",
            "auth",
            None,
            "200",
            One("Me"),
        ),
        (
            "/api/v1/auth/password",
            Put,
            "Change the caller's own password (ends their other sessions)",
            "auth",
            One("PasswordChange"),
            "204",
            None,
        ),
        (
            "/api/v1/openapi.json",
            Get,
            "This document",
            "system",
            None,
            "200",
            None,
        ),
        (
            "/api/v1/security-events",
            Get,
            "The security event log: lock-outs, password changes, tokens (administrators)",
            "system",
            None,
            "200",
            List("SecurityEvent"),
        ),
        (
            "/api/v1/tokens",
            Get,
            "API tokens: the caller's; administrators also one user's (`user_id`) or all (`all`)",
            "auth",
            None,
            "200",
            None,
        ),
        (
            "/api/v1/tokens",
            Post,
            "Issue an API token",
            "auth",
            One("NewToken"),
            "201",
            One("CreatedToken"),
        ),
        (
            "/api/v1/tokens/{id}",
            Delete,
            "Revoke an API token",
            "auth",
            None,
            "204",
            None,
        ),
        (
            "/api/v1/system/logging",
            Get,
            "Log filter in force",
            "system",
            None,
            "200",
            One("Logging"),
        ),
        (
            "/api/v1/system/logging",
            Put,
            "Change the log filter at run time",
            "system",
            One("Logging"),
            "200",
            One("Logging"),
        ),
        (
            "/api/v1/activities/{id}/reply",
            Post,
            "Answer an email activity (Send, or Send & Complete with complete: true); a reply that needs review comes back with `review` (its review queue and outbound activity) and is sent when approved",
            "email",
            One("ReplyBody"),
            "201",
            One("Email"),
        ),
        (
            "/api/v1/activities/{id}/reply-draft",
            Get,
            "What the caller's reply composer starts from: subject, recipients, and the department's standard parts before and after the body, placeholders filled (send it back with compose: false)",
            "email",
            None,
            "200",
            One("ReplyDraft"),
        ),
        (
            "/api/v1/users/{id}/groups",
            Get,
            "The groups the user belongs to",
            "users",
            None,
            "200",
            One("Membership"),
        ),
        (
            "/api/v1/users/{id}/groups",
            Put,
            "Make the user a member of exactly these groups (each group changed gets a new version)",
            "users",
            One("Membership"),
            "200",
            One("Membership"),
        ),
        (
            "/api/v1/activities/{id}/draft",
            Get,
            "The reply draft saved for this activity (404 when none); it stays with the activity when the work moves on",
            "email",
            None,
            "200",
            One("SavedDraft"),
        ),
        (
            "/api/v1/activities/{id}/draft",
            Put,
            "Save the draft's body and recipients (HTML sanitized); its files stay",
            "email",
            One("DraftText"),
            "200",
            One("SavedDraft"),
        ),
        (
            "/api/v1/activities/{id}/draft",
            Delete,
            "Throw the draft away",
            "email",
            None,
            "204",
            None,
        ),
        (
            "/api/v1/activities/{id}/draft/attachments",
            Post,
            "Add files to the draft (sent with the reply that says draft_attachments: true)",
            "email",
            One("DraftFiles"),
            "200",
            One("SavedDraft"),
        ),
        (
            "/api/v1/activities/{id}/draft/attachments/{n}",
            Delete,
            "Remove file n (from 0) from the draft",
            "email",
            None,
            "200",
            One("SavedDraft"),
        ),
        (
            "/api/v1/activities/{id}/draft/attachments/{n}/content",
            Get,
            "File n of the draft, as a download",
            "email",
            None,
            "200",
            None,
        ),
        (
            "/api/v1/activities/{id}/review",
            Post,
            "Approve (perhaps edited) and send, or reject with a comment, the reply held in this outbound activity",
            "email",
            One("ReviewBody"),
            "200",
            One("Activity"),
        ),
        (
            "/api/v1/emails",
            Get,
            "List stored emails (filters, cursor pagination)",
            "email",
            None,
            "200",
            List("Email"),
        ),
        (
            "/api/v1/emails/{id}",
            Get,
            "Read one email",
            "email",
            None,
            "200",
            One("Email"),
        ),
        (
            "/api/v1/emails/{id}/html",
            Get,
            "The email's HTML, sanitized (text/html; ?remote_images=true loads remote images)",
            "email",
            None,
            "200",
            None,
        ),
        (
            "/api/v1/emails/{id}/raw",
            Get,
            "The raw message (message/rfc822)",
            "email",
            None,
            "200",
            None,
        ),
        (
            "/api/v1/attachments/{id}/content",
            Get,
            "An attachment's bytes",
            "email",
            None,
            "200",
            None,
        ),
        (
            "/api/v1/delivery-exceptions",
            Get,
            "Bounces and permanent send failures",
            "email",
            None,
            "200",
            List("DeliveryException"),
        ),
        (
            "/api/v1/outbox/retrying",
            Get,
            "Queued messages that failed for now and are being retried, with the last error (supervisors: their own department; another is not found)",
            "email",
            None,
            "200",
            List("RetryingMessage"),
        ),
        (
            "/api/v1/departments/{id}/email-settings",
            Get,
            "A department's email hygiene settings",
            "email",
            None,
            "200",
            One("EmailSettings"),
        ),
        (
            "/api/v1/departments/{id}/email-settings",
            Put,
            "Replace a department's email hygiene settings",
            "email",
            One("EmailSettings"),
            "200",
            One("EmailSettings"),
        ),
        (
            "/api/v1/system/services",
            Get,
            "Health of the background services (state, last error, counters and their growth in the last minute, progress)",
            "system",
            None,
            "200",
            None,
        ),
        (
            "/api/v1/system/cluster",
            Get,
            "The cluster's nodes and singleton services: which node runs each, what was asked of it",
            "system",
            None,
            "200",
            One("ClusterView"),
        ),
        (
            "/api/v1/system/cluster/services/{name}",
            Post,
            "Stop a singleton service on every node, start it again, or move it to a live node",
            "system",
            One("ServiceCommand"),
            "200",
            One("ClusterView"),
        ),
    ];
    for (p, m, s, t, req, st, resp) in extra {
        ops.push((p.to_string(), m, s.to_string(), t, req, st, resp));
    }

    let mut doc = Components::openapi();
    if let Some(c) = doc.components.as_mut() {
        c.add_security_scheme(
            BEARER,
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        c.add_security_scheme(
            SESSION,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "A login session (POST /auth/login); changes also need the X-CSRF-Token header",
            ))),
        );
    }
    doc.security = Some(vec![
        SecurityRequirement::new(BEARER, Vec::<String>::new()),
        SecurityRequirement::new(SESSION, Vec::<String>::new()),
    ]);
    for (path, method, summary, tag, req, status, resp) in ops {
        let mut op = OperationBuilder::new().summary(Some(summary)).tag(tag);
        if PUBLIC.contains(&path.as_str()) {
            op = op.securities(Some(Vec::<SecurityRequirement>::new()));
        }
        for name in path_parameters(&path) {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(utoipa::openapi::Required::True)
                    .schema(Some(path_parameter_schema(name))),
            );
        }
        if let Some(c) = content(&req) {
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .content("application/json", c)
                    .required(Some(utoipa::openapi::Required::True))
                    .build(),
            ));
        }
        let mut ok = ResponseBuilder::new().description("Success");
        if let Some(c) = content(&resp) {
            ok = ok.content("application/json", c);
        }
        let err = |d: &str| {
            ResponseBuilder::new()
                .description(d)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        op = op
            .response(status, ok.build())
            .response("400", err("Malformed request"))
            .response("401", err("Not authenticated"))
            .response("403", err("Role may not do this"))
            .response("404", err("No such object"))
            .response(
                "409",
                err("Version conflict, duplicate or illegal transition"),
            )
            .response("422", err("Invalid field (named in `field`)"))
            .response(
                "429",
                err("Too many attempts: wait as long as Retry-After says"),
            )
            .response("503", err("Database unavailable"));
        if !matches!(req, None) {
            op = op
                .response("413", err("Body too large"))
                .response("415", err("The body is not application/json"));
        }
        doc.paths.add_path_operation(path, vec![method], op.build());
    }
    doc
}
