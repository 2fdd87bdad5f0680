//! `switchboard serve`: open the store, migrate, bootstrap on first start, serve HTTP until
//! SIGINT/SIGTERM, then drain and close.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use metrics_exporter_prometheus::PrometheusBuilder;
use switchboard_domain::node::NodeState;
use switchboard_domain::{DepartmentId, EmailAddress, NewDepartment, NewUser, Role};
use switchboard_mail::TlsTrust;
use switchboard_services::singleton::{self, LeaseSettings};
use switchboard_services::status::Registry;
use switchboard_services::{MailContext, MailSettings};
use switchboard_store::{BlobStore, PageRequest, Store, StoreOptions, UserFilter};
use switchboard_web::{AppState, WebConfig};

use crate::config::Config;
use crate::{Common, cluster, load_config, logging, now};

/// The database could not be reached at start; exits with [`crate::EXIT_DATABASE`].
#[derive(Debug)]
pub struct DatabaseUnreachable(pub String);

impl std::fmt::Display for DatabaseUnreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot reach the database: {}", self.0)
    }
}

impl std::error::Error for DatabaseUnreachable {}

/// The database URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}

/// Opens and migrates the store named by the settings.
pub async fn open_store(c: &Config) -> anyhow::Result<Store> {
    crate::private_files::private_dir(&c.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {} (or make it private)",
            c.data_dir.display()
        )
    })?;
    let url = c.database_url();
    let options = StoreOptions {
        max_connections: c.database.max_connections,
        sealer: Some(crate::secret_key::sealer(c)?),
        ..StoreOptions::default()
    };
    let store = Store::open(&url, &options)
        .await
        .map_err(|e| DatabaseUnreachable(format!("{} ({e})", redact_url(&url))))?;
    let applied = store
        .migrate(now().millis())
        .await
        .map_err(|e| DatabaseUnreachable(format!("{} ({e})", redact_url(&url))))?;
    if !applied.is_empty() {
        tracing::info!(?applied, "database migrated");
    }
    Ok(store)
}

/// First start with an empty store: the partition, a default department and an administrator.
/// Each step is skipped when already done, so an interrupted first start completes next time.
/// Returns the administrator's generated password when one was made.
async fn bootstrap(
    store: &Store,
    c: &Config,
    admin_password: Option<String>,
) -> anyhow::Result<Option<(String, String)>> {
    store.ensure_partition(&c.partition_name, now()).await?;
    let depts = store
        .list_departments(&switchboard_domain::Scope::All, &PageRequest::first(1))
        .await?;
    let dept: DepartmentId = match depts.items.first() {
        Some(d) => d.id,
        None => {
            let d = NewDepartment {
                name: "Default".into(),
                description: "Created on first start".into(),
            };
            store.create_department(d, now()).await?.id
        }
    };
    let admins = store
        .list_users(
            &switchboard_domain::Scope::All,
            &UserFilter {
                role: Some(Role::Admin),
                ..Default::default()
            },
            &PageRequest::first(1),
        )
        .await?;
    if !admins.items.is_empty() {
        return Ok(None);
    }
    let given =
        admin_password.or_else(|| Some(c.admin.password.0.clone()).filter(|p| !p.is_empty()));
    let generated = given.is_none();
    let password =
        given.unwrap_or_else(|| switchboard_store::auth::random_secret()[..20].to_string());
    let email =
        EmailAddress::parse(&c.admin.email).map_err(|e| anyhow::anyhow!("admin.email: {e}"))?;
    let user = NewUser {
        department_id: dept,
        email: email.clone(),
        name: "Administrator".into(),
        role: Role::Admin,
        password: Some(password.clone()),
        attributes: Default::default(),
        capacity: switchboard_domain::user::default_capacity(),
        reviewed: false,
    }
    .validate()
    .map_err(|e| anyhow::anyhow!("administrator: {e}"))?;
    store.create_user(user, now()).await?;
    tracing::info!(email = %email, "created the first administrator");
    Ok(generated.then(|| (email.to_string(), password)))
}

/// Installs the SIGINT/SIGTERM handlers now (before the server announces itself, so an early
/// signal is not fatal) and returns a future that completes on the first signal.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot handle SIGTERM")?;
    #[cfg(unix)]
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .context("cannot handle SIGINT")?;
    Ok(async move {
        #[cfg(unix)]
        tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    })
}

/// The certificates mail servers are checked against (the system's and the configured extra).
fn mail_trust(c: &Config) -> anyhow::Result<TlsTrust> {
    let ca = (!c.mail.extra_ca_file.trim().is_empty())
        .then(|| std::path::PathBuf::from(c.mail.extra_ca_file.trim()));
    TlsTrust::from_file(ca.as_deref()).context("mail.extra_ca_file")
}

/// Starts the retriever, the blob collector, the report scheduler and the dispatcher (as
/// configured), each under its lease; returns their tasks.
fn start_services(
    c: &Config,
    app: &switchboard_app::App,
    blobs: &Arc<dyn BlobStore>,
    registry: &Registry,
    trust: TlsTrust,
    leases: &LeaseSettings,
    stop: switchboard_services::Shutdown,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let ctx = MailContext {
        app: app.clone(),
        blobs: Arc::clone(blobs),
        trust,
        settings: MailSettings {
            fetch_batch: c.mail.fetch_batch.max(1),
            fetch_batch_bytes: c.mail.fetch_batch_mib.max(1) * 1024 * 1024,
            timeout: Duration::from_secs(c.mail.timeout_secs.max(1)),
            idle_secs: c.mail.idle_secs.max(5),
            smtp_connections: c.mail.smtp_connections.max(1),
            max_attempts: c.mail.max_send_attempts,
            retry_base: Duration::from_secs(c.mail.retry_base_secs.max(1)),
            retry_max: Duration::from_secs(
                c.mail.retry_max_secs.max(c.mail.retry_base_secs).max(1),
            ),
            send_lifetime: Duration::from_secs(c.mail.send_lifetime_secs.max(1)),
            claim: Duration::from_secs(c.mail.claim_secs.max(2)),
            ..MailSettings::default()
        },
        status: registry.clone(),
        lease: None,
    };
    let mut tasks = Vec::new();
    if c.mail.retriever {
        tasks.push(tokio::spawn(switchboard_services::retriever::run(
            ctx.clone(),
            Some(leases.clone()),
            stop.clone(),
        )));
    }
    if c.blobs.gc {
        let (every, grace) = (
            Duration::from_secs(c.blobs.gc_interval_secs.max(60)),
            Duration::from_secs(c.blobs.gc_grace_secs),
        );
        let gc = ctx.clone();
        tasks.push(tokio::spawn(singleton::hold(
            ctx.store().clone(),
            switchboard_services::blob_gc::NAME.into(),
            leases.clone(),
            registry.clone(),
            stop.clone(),
            move |held| switchboard_services::blob_gc::run(gc.held(&held), every, grace, held.stop),
        )));
    }
    if c.reports.schedules {
        let (a, b, status) = (app.clone(), Arc::clone(blobs), registry.clone());
        let tick = Duration::from_secs(c.reports.schedule_tick_secs.max(1));
        tasks.push(tokio::spawn(singleton::hold(
            ctx.store().clone(),
            switchboard_services::report_schedule::NAME.into(),
            leases.clone(),
            registry.clone(),
            stop.clone(),
            move |held| {
                switchboard_services::report_schedule::run(
                    a.with_store(held.store),
                    Arc::clone(&b),
                    status.clone(),
                    tick,
                    held.stop,
                )
            },
        )));
    }
    if c.mail.dispatcher {
        let d = ctx.clone();
        tasks.push(tokio::spawn(singleton::hold(
            ctx.store().clone(),
            switchboard_services::dispatcher::NAME.into(),
            leases.clone(),
            registry.clone(),
            stop,
            move |held| switchboard_services::dispatcher::run(d.held(&held), held.stop),
        )));
    }
    Ok(tasks)
}

/// Starts the chat watch and (as configured) the alarms, each under its lease.
fn start_watches(
    c: &Config,
    app: &switchboard_app::App,
    router: &switchboard_services::routing::RouterHandle,
    registry: &Registry,
    leases: &LeaseSettings,
    stop: &tokio::sync::watch::Sender<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    let (a, r, status) = (app.clone(), router.clone(), registry.clone());
    let tick = Duration::from_secs(c.chat.watch_secs.max(1));
    tasks.push(tokio::spawn(singleton::hold(
        app.store().clone(),
        switchboard_services::chat_watch::NAME.into(),
        leases.clone(),
        registry.clone(),
        stop.subscribe(),
        move |held| {
            switchboard_services::chat_watch::run(
                a.with_store(held.store.clone()),
                held.store,
                Some(r.clone()),
                status.clone(),
                tick,
                held.stop,
            )
        },
    )));
    if c.webhooks.sender {
        let status = registry.clone();
        let settings = switchboard_services::webhooks::sender::Settings {
            policy: switchboard_domain::webhook::TargetPolicy {
                allow_loopback: c.webhooks.allow_loopback,
                allow_private: c.webhooks.allow_private,
            },
            timeout: Duration::from_secs(c.webhooks.timeout_secs.max(1)),
            concurrency: c.webhooks.concurrency.max(1),
            first_retry_secs: c.webhooks.first_retry_secs.max(1),
            ..Default::default()
        };
        tasks.push(tokio::spawn(singleton::hold(
            app.store().clone(),
            switchboard_services::webhooks::sender::NAME.into(),
            leases.clone(),
            registry.clone(),
            stop.subscribe(),
            move |held| {
                switchboard_services::webhooks::sender::run(
                    held.store,
                    settings,
                    status.clone(),
                    held.stop,
                )
            },
        )));
    }
    if c.reports.rollup {
        let (a, status) = (app.clone(), registry.clone());
        let tick = Duration::from_secs(c.reports.rollup_tick_secs.max(1));
        tasks.push(tokio::spawn(singleton::hold(
            app.store().clone(),
            switchboard_services::report_rollup::NAME.into(),
            leases.clone(),
            registry.clone(),
            stop.subscribe(),
            move |held| {
                switchboard_services::report_rollup::run(
                    a.with_store(held.store),
                    status.clone(),
                    tick,
                    held.stop,
                )
            },
        )));
    }
    if c.workflows.alarms {
        let (a, r, status) = (app.clone(), router.clone(), registry.clone());
        let tick = Duration::from_secs(c.workflows.alarm_tick_secs.max(1));
        tasks.push(tokio::spawn(singleton::hold(
            app.store().clone(),
            switchboard_services::alarms::NAME.into(),
            leases.clone(),
            registry.clone(),
            stop.subscribe(),
            move |held| {
                switchboard_services::alarms::run(
                    a.with_store(held.store),
                    r.clone(),
                    status.clone(),
                    tick,
                    held.stop,
                )
            },
        )));
    }
    tasks
}

/// Runs the server.
pub async fn run(
    common: Common,
    listen: Option<String>,
    admin_password: Option<String>,
) -> anyhow::Result<()> {
    let mut c = load_config(&common)?;
    if let Some(l) = listen {
        c.listen = l;
    }
    crate::private_files::private_dir(&c.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {} (or make it private)",
            c.data_dir.display()
        )
    })?;
    let file = if c.log.file {
        let path = c.data_dir.join("logs").join("switchboard.log");
        Some(
            logging::RotatingFile::open(&path, c.log.max_file_bytes, c.log.max_files)
                .with_context(|| format!("cannot open log file {}", path.display()))?,
        )
    } else {
        None
    };
    let levels = logging::init(&c.log.level, file)?;
    let loose = crate::private_files::readable_by_others(&c.data_dir);
    if !loose.is_empty() {
        let shown: Vec<String> = loose
            .iter()
            .map(|(p, mode)| format!("{} ({mode:o})", p.display()))
            .collect();
        tracing::warn!(files = ?shown, "files in the data directory are readable by other users; make them 0600 (directories 0700)");
    }
    let metrics = PrometheusBuilder::new().install_recorder().ok();

    let store = open_store(&c).await?;
    tracing::info!(database = %redact_url(&c.database_url()), backend = ?store.backend(), "store open");
    let generated = bootstrap(&store, &c, admin_password).await?;

    let blobs: Arc<dyn BlobStore> = crate::blob_backend::open(&c)?;
    tracing::info!(blobs = c.blobs.backend.trim(), "blob store");
    if store.backend() == switchboard_store::Backend::Postgres && c.blobs.backend.trim() != "s3" {
        tracing::warn!(
            "blobs are in the local data directory: every node of a cluster needs them, so share the directory or set blobs.backend = \"s3\""
        );
    }
    let registry = Registry::default();
    let (stop_services, services_stop) = tokio::sync::watch::channel(false);
    // The leased services stop (and release their leases) as soon as shutdown begins, so
    // other nodes take them over while this one drains its requests.
    let (stop_leased, leased_stop) = tokio::sync::watch::channel(false);
    let trust = mail_trust(&c)?;
    let app = switchboard_app::App::new(store.clone());
    let node = c.cluster.node()?;
    let leases = LeaseSettings::new(&node, Duration::from_secs(c.cluster.lease_secs.max(1)));
    // The console's controls before any service starts, so a stopped one stays stopped.
    leases.controls.read(&store).await;
    tokio::spawn(
        leases
            .controls
            .clone()
            .follow(store.clone(), services_stop.clone()),
    );
    tracing::info!(node = %node, holder = %leases.holder, "node");
    let listener = tokio::net::TcpListener::bind(&c.listen)
        .await
        .with_context(|| format!("cannot listen on {}", c.listen))?;
    let addr = listener.local_addr()?;
    let address = cluster::advertise_url(&c, &node, addr)?;
    cluster::claim_single_node(&store).await?;
    let (heartbeat, node_state) =
        cluster::start_heartbeat(&store, &leases, &node, address, services_stop.clone());
    let mut services = start_services(
        &c,
        &app,
        &blobs,
        &registry,
        trust.clone(),
        &leases,
        leased_stop.clone(),
    )?;
    services.push(heartbeat);
    services.push(tokio::spawn(switchboard_services::chat_relay::run(
        app.clone(),
        leases.holder.clone(),
        services_stop.clone(),
    )));
    let cluster_token = crate::secret_key::cluster_token(&c)?;
    let (router, router_task) = cluster::start_router(
        &store,
        &registry,
        &leases,
        cluster_token.clone(),
        leased_stop,
    )
    .await;
    services.push(router_task);
    services.extend(start_watches(
        &c,
        &app,
        &router,
        &registry,
        &leases,
        &stop_leased,
    ));

    let tls = match (c.web.tls_cert.trim(), c.web.tls_key.trim()) {
        ("", "") => None,
        ("", _) | (_, "") => bail!("[web] tls_cert and tls_key go together: set both or neither"),
        (cert, key) => {
            let (cert, key) = (
                std::path::PathBuf::from(cert),
                std::path::PathBuf::from(key),
            );
            Some((crate::tls::load(&cert, &key).await?, cert, key))
        }
    };
    let metrics_listener = match c.web.metrics_listen.trim() {
        "" => None,
        a => Some(
            tokio::net::TcpListener::bind(a)
                .await
                .with_context(|| format!("cannot listen on {a} for /metrics"))?,
        ),
    };
    let metrics_token = Some(c.web.metrics_token.0.trim().to_string()).filter(|t| !t.is_empty());
    let state = AppState::new(
        app,
        metrics,
        Arc::new(levels),
        WebConfig {
            secure_cookies: c.web.secure_cookies || tls.is_some(),
            session_ttl_secs: c.web.session_ttl_secs,
            agents_write_to_any_address: c.web.agents_write_to_any_address,
            trust_forwarded_for: c.web.trust_forwarded_for,
            metrics_token,
            metrics_elsewhere: metrics_listener.is_some(),
            hsts_max_age_secs: c.web.hsts_max_age_secs,
            public_url: c.public_url.clone(),
            cluster_token: Some(cluster_token),
            report_schedule_min_gap_secs: i64::try_from(c.reports.schedule_min_gap_secs)
                .unwrap_or(i64::MAX),
        },
        blobs,
        registry,
    )
    .with_router(router)
    .with_mail(trust, Duration::from_secs(c.mail.timeout_secs.max(1)));
    tokio::spawn(switchboard_web::routes::system::follow_logging(
        store.clone(),
        Arc::clone(&state.logs),
    ));
    let app = switchboard_web::app(state.clone());
    let signal = shutdown_signal()?;
    let closing = state.clone();
    let shutdown = async move {
        signal.await;
        closing.set_ready(false);
        let _ = node_state.send(NodeState::Draining);
        let _ = stop_leased.send(true);
        closing.close_streams();
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = c
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{addr}"));
    println!("Switchboard is running at {url}");
    println!("  API: {url}/api/v1   OpenAPI: {url}/api/v1/openapi.json   health: {url}/healthz");
    if let Some((email, password)) = generated {
        println!("  First start: administrator {email} with one-time password {password}");
        println!("  (change it with PUT /api/v1/users/{{id}}; it is not shown again)");
    }
    state.set_ready(true);
    tracing::info!(%addr, "listening");
    if let Some(l) = metrics_listener {
        tracing::info!(addr = %l.local_addr()?, "serving /metrics");
        let app = switchboard_web::metrics_app(state.clone());
        let mut stop = stop_services.subscribe();
        tokio::spawn(async move {
            let served = axum::serve(l, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "the /metrics listener failed");
            }
        });
    }
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    match tls {
        // No Nagle delay: a chat message or an event is one small write that must go now.
        None => axum::serve(
            axum::serve::ListenerExt::tap_io(listener, |tcp| {
                let _ = tcp.set_nodelay(true);
            }),
            app,
        )
        .with_graceful_shutdown(shutdown)
        .await
        .context("HTTP server failed")?,
        Some((config, cert, key)) => {
            let every = Duration::from_secs(c.web.tls_reload_secs.max(1));
            crate::tls::watch(config.clone(), cert, key, every, stop_services.subscribe())?;
            let handle = axum_server::Handle::new();
            let h = handle.clone();
            tokio::spawn(async move {
                shutdown.await;
                h.graceful_shutdown(Some(Duration::from_secs(30)));
            });
            let listener = listener.into_std()?;
            axum_server::from_tcp_rustls(listener, config)?
                .handle(handle)
                .serve(app)
                .await
                .context("HTTPS server failed")?;
        }
    }
    state.set_ready(false);
    let _ = stop_services.send(true);
    for h in services {
        let _ = tokio::time::timeout(Duration::from_secs(15), h).await;
    }
    // Let in-flight writes finish, then close.
    tokio::time::timeout(Duration::from_secs(10), store.close())
        .await
        .ok();
    tracing::info!("stopped");
    Ok(())
}
