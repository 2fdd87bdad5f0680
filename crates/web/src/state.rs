//! What every handler can reach.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use switchboard_app::App;
use switchboard_domain::Timestamp;
use switchboard_services::routing::RouterHandle;
use switchboard_services::status::Registry;
use switchboard_store::{BlobStore, Store};

/// Changes log levels while the server runs. The binary implements it over its tracing
/// subscriber; the web layer only exposes it to administrators.
pub trait LogControl: Send + Sync {
    /// The filter in force, e.g. `info,switchboard_store=debug`.
    fn current(&self) -> String;
    /// Replaces the filter; with `revert_after`, the default comes back by itself after that long.
    fn set(&self, directives: &str, revert_after: Option<Duration>) -> Result<(), String>;
}

/// Web settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (when served over HTTPS).
    pub secure_cookies: bool,
    /// How long a login session lasts, in seconds.
    pub session_ttl_secs: i64,
    /// Whether agents may address a reply to anyone, not only the case's participants.
    pub agents_write_to_any_address: bool,
    /// Whether a reverse proxy in front sets `X-Forwarded-For` (its last address is then the
    /// client's, for login throttling).
    pub trust_forwarded_for: bool,
    /// A bearer token that reads `/metrics`, if any.
    pub metrics_token: Option<String>,
    /// Whether `/metrics` is served on a separate address (and not on this one).
    pub metrics_elsewhere: bool,
    /// `Strict-Transport-Security` max-age, when above 0.
    pub hsts_max_age_secs: u64,
    /// The server's address as customers and colleagues reach it (e.g. behind a proxy), for
    /// links and the chat snippet; absent, the address a request was sent to.
    pub public_url: Option<String>,
    /// The token the nodes of a cluster show each other on their internal calls; `None`: no
    /// internal endpoints.
    pub cluster_token: Option<String>,
    /// The shortest time between two runs of a report schedule, in seconds.
    pub report_schedule_min_gap_secs: i64,
}

/// Shared state of the HTTP server.
#[derive(Clone)]
pub struct AppState {
    /// The use cases: anything that changes more than one row goes through here.
    pub app: App,
    /// The store, for plain reads and single-row changes.
    pub store: Store,
    /// Renders `/metrics`.
    pub metrics: Option<PrometheusHandle>,
    /// Run-time log levels.
    pub logs: Arc<dyn LogControl>,
    /// Web settings.
    pub config: Arc<WebConfig>,
    /// Raw messages and attachments.
    pub blobs: Arc<dyn BlobStore>,
    /// Health of the background services.
    pub services: Registry,
    /// The router service (absent when the server runs without it, e.g. in some tests).
    pub router: Option<RouterHandle>,
    /// Trusted certificates and the network time limit for trying mail servers ("Test
    /// connection"); absent, the test is unavailable.
    pub mail: Option<(switchboard_mail::tls::TlsTrust, Duration)>,
    /// Queue and user names for the supervisors' monitor.
    pub(crate) monitor_names: Arc<crate::ui::NameCache>,
    /// What changed on the monitor, for the supervisors following it live.
    pub(crate) monitor_feed: Arc<crate::ui::MonitorFeed>,
    /// Failed logins per account and client address.
    pub(crate) logins: Arc<crate::throttle::LoginThrottle>,
    /// Chat starts and messages per client, chat and side.
    pub(crate) chat_limits: Arc<crate::limits::ChatLimits>,
    /// Who holds each chat, read at most every few seconds.
    pub(crate) chat_holders: Arc<crate::holders::Holders>,
    /// Who has each activity open, and who is typing.
    pub(crate) viewers: Arc<crate::viewers::Viewers>,
    /// Turns true when the server starts shutting down: long-lived responses (event streams)
    /// end, so the graceful shutdown does not wait for them.
    closing: Arc<tokio::sync::watch::Sender<bool>>,
    ready: Arc<AtomicBool>,
}

impl AppState {
    /// New state; not ready until [`AppState::set_ready`].
    pub fn new(
        app: App,
        metrics: Option<PrometheusHandle>,
        logs: Arc<dyn LogControl>,
        config: WebConfig,
        blobs: Arc<dyn BlobStore>,
        services: Registry,
    ) -> AppState {
        AppState {
            store: app.store().clone(),
            app,
            metrics,
            logs,
            config: Arc::new(config),
            blobs,
            services,
            router: None,
            mail: None,
            monitor_names: Arc::default(),
            monitor_feed: Arc::default(),
            logins: Arc::default(),
            chat_limits: Arc::default(),
            chat_holders: Arc::default(),
            viewers: Arc::default(),
            closing: Arc::new(tokio::sync::watch::channel(false).0),
            ready: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Attaches the router service.
    pub fn with_router(mut self, router: RouterHandle) -> AppState {
        self.router = Some(router);
        self
    }

    /// Lets administrators try aliases' mail servers with `trust`, each step within `limit`.
    pub fn with_mail(
        mut self,
        trust: switchboard_mail::tls::TlsTrust,
        limit: Duration,
    ) -> AppState {
        self.mail = Some((trust, limit));
        self
    }

    /// The router service, or a 503 when it is not running.
    pub fn router(&self) -> Result<&RouterHandle, crate::error::ApiError> {
        self.router.as_ref().ok_or_else(|| {
            crate::error::ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "router_unavailable",
                "the router is not running on this server",
            )
        })
    }

    /// Ends the event streams (the server is shutting down).
    pub fn close_streams(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves when the server starts shutting down.
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Marks the server ready (start-up finished) or not (shutting down).
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::SeqCst);
    }

    /// Whether start-up finished.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }
}

/// The server's address as its users reach it: the configured public address, else the scheme
/// and `Host` the request came with.
pub fn server_url(s: &AppState, headers: &axum::http::HeaderMap) -> String {
    if let Some(u) = &s.config.public_url {
        return u.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if s.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// The wall clock, read here in the shell and passed down (the same clock the services read).
pub fn now() -> Timestamp {
    switchboard_services::now()
}

/// Resolves when the server starts shutting down (see [`AppState::closing`]); the watch's
/// guard is not held, so a `select!` branch on it may sit beside branches that await.
pub(crate) async fn shutting_down(closing: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = closing.wait_for(|c| *c).await;
}
