//! Settings: built-in defaults, then a TOML file, then `SWITCHBOARD_…` environment variables
//! (`SWITCHBOARD_DATABASE_URL` sets `database.url`), then command-line flags. Secrets are
//! wrapped in [`Secret`] so they never reach a log line.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

/// A value that must not be printed.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// All settings of the binary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the SQLite database, blobs and logs live.
    pub data_dir: PathBuf,
    /// HTTP listen address.
    pub listen: String,
    /// The URL people use to reach the server (behind a proxy); printed at start.
    pub public_url: Option<String>,
    /// Name of the business partition made on first start.
    pub partition_name: String,
    /// Database.
    pub database: DatabaseConfig,
    /// First administrator.
    pub admin: AdminConfig,
    /// Logging.
    pub log: LogConfig,
    /// Web sessions.
    pub web: WebSection,
    /// Email services.
    pub mail: MailSection,
    /// Workflow services.
    pub workflows: WorkflowSection,
    /// Web chat.
    pub chat: ChatSection,
    /// Webhook deliveries.
    pub webhooks: WebhooksSection,
    /// Reports.
    pub reports: ReportsSection,
    /// The blob store's upkeep.
    pub blobs: BlobsSection,
    /// Running several nodes on one database.
    pub cluster: ClusterSection,
    /// Base64 of 32 bytes sealing mail server passwords in the database; empty means the key
    /// file `<data_dir>/secret.key` (created on first start). Every node of a cluster needs the
    /// same key.
    pub secret_key: Secret,
}

/// Email service settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSection {
    /// Run the retriever (fetches mail from the aliases' mailboxes).
    pub retriever: bool,
    /// Run the dispatcher (sends the outbox).
    pub dispatcher: bool,
    /// PEM file of extra CA certificates trusted for mail servers; empty: system roots only.
    pub extra_ca_file: String,
    /// Most messages fetched per round.
    pub fetch_batch: usize,
    /// Most MiB fetched per round (a larger message is fetched alone).
    pub fetch_batch_mib: u64,
    /// Network timeout of one mail server command, in seconds.
    pub timeout_secs: u64,
    /// How long one IMAP IDLE lasts before it is renewed, in seconds: the renewal is the
    /// keepalive that notices a dead connection (this plus 15 s at most).
    pub idle_secs: u64,
    /// SMTP connections per alias.
    pub smtp_connections: u32,
    /// Send attempts before a temporary failure counts as permanent; 0: no limit (the
    /// lifetime decides).
    pub max_send_attempts: u32,
    /// Seconds before the first send retry; doubles with each attempt up to `retry_max_secs`.
    pub retry_base_secs: u64,
    /// Longest wait between two send attempts, in seconds.
    pub retry_max_secs: u64,
    /// How long a reply keeps being retried after it was queued, in seconds (as mail servers
    /// do: 5 days); then it becomes a delivery exception.
    pub send_lifetime_secs: u64,
    /// How long a claim on an outbox entry lasts without renewal, in seconds: entries claimed
    /// by a process that died are sent again after this; a live process renews its claims.
    pub claim_secs: u64,
}

impl Default for MailSection {
    fn default() -> Self {
        MailSection {
            retriever: true,
            dispatcher: true,
            extra_ca_file: String::new(),
            fetch_batch: 200,
            fetch_batch_mib: 32,
            timeout_secs: 60,
            idle_secs: 30,
            smtp_connections: 4,
            max_send_attempts: 0,
            retry_base_secs: 30,
            retry_max_secs: 3600,
            send_lifetime_secs: 5 * 24 * 3600,
            claim_secs: 120,
        }
    }
}

/// Blob store upkeep: the collector that removes files no row refers to (packs of a batch whose
/// write failed, files of a process that died mid-write, stale temporary files).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BlobsSection {
    /// Run the collector on this node.
    pub gc: bool,
    /// Seconds between two runs.
    pub gc_interval_secs: u64,
    /// Files younger than this many seconds are never removed (their rows may not be written
    /// yet); at least 60.
    pub gc_grace_secs: u64,
    /// Where blobs live: `local` (under the data directory) or `s3` (a bucket).
    pub backend: String,
    /// The S3 service's URL (`http://` only on a private network).
    pub s3_endpoint: String,
    /// The bucket.
    pub s3_bucket: String,
    /// The bucket's region.
    pub s3_region: String,
    /// A folder inside the bucket for this installation (empty: the bucket's root).
    pub s3_prefix: String,
    /// The access key's ID.
    pub s3_access_key_id: String,
    /// The secret access key, sealed with the installation's secret key
    /// (`switchboard blobs seal-secret`).
    pub s3_secret_access_key: Secret,
}

impl Default for BlobsSection {
    fn default() -> Self {
        BlobsSection {
            gc: true,
            gc_interval_secs: 6 * 3600,
            gc_grace_secs: 3600,
            backend: "local".into(),
            s3_endpoint: String::new(),
            s3_bucket: String::new(),
            s3_region: "us-east-1".into(),
            s3_prefix: String::new(),
            s3_access_key_id: String::new(),
            s3_secret_access_key: Secret::default(),
        }
    }
}

/// Workflow service settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkflowSection {
    /// Run alarm workflows on this node.
    pub alarms: bool,
    /// How often the alarm service looks for due alarm workflows, in seconds (each workflow
    /// runs at its own `interval_secs`).
    pub alarm_tick_secs: u64,
}

impl Default for WorkflowSection {
    fn default() -> Self {
        WorkflowSection {
            alarms: true,
            alarm_tick_secs: 5,
        }
    }
}

/// Report settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportsSection {
    /// Fold new events into the report rollup on this node (one node of a cluster at a time).
    pub rollup: bool,
    /// How often the rollup looks for new events once caught up, in seconds.
    pub rollup_tick_secs: u64,
    /// Run saved reports' schedules on this node (one node of a cluster at a time).
    pub schedules: bool,
    /// How often the scheduler looks for due reports, in seconds.
    pub schedule_tick_secs: u64,
    /// The shortest time a schedule may leave between two runs, in seconds.
    pub schedule_min_gap_secs: u64,
}

impl Default for ReportsSection {
    fn default() -> Self {
        ReportsSection {
            rollup: true,
            rollup_tick_secs: 2,
            schedules: true,
            schedule_tick_secs: 20,
            schedule_min_gap_secs: 900,
        }
    }
}

/// Webhook delivery settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhooksSection {
    /// Run the webhook sender on this node (one node of a cluster sends at a time).
    pub sender: bool,
    /// Allow targets on loopback addresses (127.0.0.0/8, ::1): for tests and receivers on
    /// this machine.
    pub allow_loopback: bool,
    /// Allow targets on private networks (10/8, 172.16/12, 192.168/16, fc00::/7).
    pub allow_private: bool,
    /// How long one attempt may take, connecting included, in seconds.
    pub timeout_secs: u64,
    /// Most deliveries under way at once.
    pub concurrency: usize,
    /// The first retry's delay in seconds (about); the later steps scale with it.
    pub first_retry_secs: u64,
}

impl Default for WebhooksSection {
    fn default() -> Self {
        WebhooksSection {
            sender: true,
            allow_loopback: false,
            allow_private: false,
            timeout_secs: 10,
            concurrency: 16,
            first_retry_secs: 60,
        }
    }
}

/// Web chat settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChatSection {
    /// How often the chats' time-outs are looked at, in seconds (each entry point sets its own
    /// time-outs).
    pub watch_secs: u64,
}

impl Default for ChatSection {
    fn default() -> Self {
        ChatSection { watch_secs: 5 }
    }
}

/// Cluster settings: the singleton services (retriever per alias, dispatcher, alarms, chat
/// watch, blob collector) run on the node holding their lease.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterSection {
    /// This node's name in leases and status; empty means the machine's host name. Every node
    /// of a cluster needs its own.
    pub node_name: String,
    /// The base URL the other nodes reach this one at (`http://` on their private network);
    /// empty means the listening address.
    pub advertise_url: String,
    /// How long a lease lasts unless renewed, in seconds. Its holder renews it every third of
    /// that; a dead holder's services start on another node within about 4/3 of it.
    pub lease_secs: u64,
}

impl Default for ClusterSection {
    fn default() -> Self {
        ClusterSection {
            node_name: String::new(),
            advertise_url: String::new(),
            lease_secs: 6,
        }
    }
}

impl ClusterSection {
    /// The node's name: the configured one, or the host name (`node` when it cannot be read).
    pub fn node(&self) -> anyhow::Result<String> {
        let name = match self.node_name.trim() {
            "" => std::fs::read_to_string("/proc/sys/kernel/hostname")
                .or_else(|_| std::fs::read_to_string("/etc/hostname"))
                .map(|h| h.trim().to_string())
                .ok()
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "node".into()),
            n => n.to_string(),
        };
        switchboard_domain::lease::check_name("cluster.node_name", &name)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(name)
    }
}

/// Database settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://FILE` or `postgres://USER:PASSWORD@HOST:PORT/DB`; empty means SQLite in the data
    /// directory.
    pub url: Secret,
    /// Connection pool size.
    pub max_connections: u32,
}

/// The administrator made on first start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    /// Login address.
    pub email: String,
    /// Password; empty means generate one and print it once.
    pub password: Secret,
}

/// Logging settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `tracing` filter directives, per service: `info,switchboard_store=debug`.
    pub level: String,
    /// Write JSON logs to `<data_dir>/logs/switchboard.log`, rotated by size.
    pub file: bool,
    /// Rotate when the file reaches this many bytes.
    pub max_file_bytes: u64,
    /// Keep this many rotated files (`switchboard.log.1` …).
    pub max_files: u32,
}

/// Web settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebSection {
    /// Mark cookies Secure (set when served over HTTPS).
    pub secure_cookies: bool,
    /// Login session length in seconds.
    pub session_ttl_secs: i64,
    /// Whether agents may address a reply to anyone (supervisors and administrators always
    /// may); otherwise only the case's customer and the addresses that took part in its thread.
    pub agents_write_to_any_address: bool,
    /// Whether a reverse proxy in front sets X-Forwarded-For (login throttling then counts the
    /// client address it names).
    pub trust_forwarded_for: bool,
    /// A bearer token that reads `/metrics` (for a scraper); without it, and without
    /// `metrics_listen`, only an administrator's token or session may read them.
    pub metrics_token: Secret,
    /// A separate address serving only `/metrics`, without authentication (a private network);
    /// the main address then answers `/metrics` with 404.
    pub metrics_listen: String,
    /// Serve HTTPS with this PEM certificate chain (and `tls_key`); reloaded when the files
    /// change, or on SIGHUP.
    pub tls_cert: String,
    /// The PEM private key of `tls_cert`.
    pub tls_key: String,
    /// How often to look for a renewed certificate, in seconds.
    pub tls_reload_secs: u64,
    /// Send `Strict-Transport-Security` with this max-age (seconds) when above 0: set it once
    /// HTTPS works for good, here or at a proxy in front.
    pub hsts_max_age_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("switchboard-data"),
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            partition_name: "Switchboard".into(),
            database: DatabaseConfig::default(),
            admin: AdminConfig::default(),
            log: LogConfig::default(),
            web: WebSection::default(),
            mail: MailSection::default(),
            workflows: WorkflowSection::default(),
            chat: ChatSection::default(),
            webhooks: WebhooksSection::default(),
            reports: ReportsSection::default(),
            blobs: BlobsSection::default(),
            cluster: ClusterSection::default(),
            secret_key: Secret::default(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: Secret::default(),
            max_connections: 8,
        }
    }
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            email: "admin@switchboard.localhost".into(),
            password: Secret::default(),
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".into(),
            file: true,
            max_file_bytes: 50 * 1024 * 1024,
            max_files: 5,
        }
    }
}

impl Default for WebSection {
    fn default() -> Self {
        WebSection {
            secure_cookies: false,
            session_ttl_secs: 12 * 3600,
            agents_write_to_any_address: false,
            trust_forwarded_for: false,
            metrics_token: Secret::default(),
            metrics_listen: String::new(),
            tls_cert: String::new(),
            tls_key: String::new(),
            tls_reload_secs: 60,
            hsts_max_age_secs: 0,
        }
    }
}

/// The commented example printed by `switchboard config default`.
pub const EXAMPLE: &str = r#"# Switchboard configuration. Every setting is optional; these are the defaults.
# Environment variables override the file: SWITCHBOARD_<SECTION>_<KEY>, e.g.
# SWITCHBOARD_DATABASE_URL=postgres://user:pass@db:5432/switchboard or SWITCHBOARD_LISTEN=0.0.0.0:8080.

# Where the SQLite database, blobs and log files live.
data_dir = "switchboard-data"
# HTTP listen address.
listen = "127.0.0.1:8080"
# The URL people use to reach Switchboard, if behind a proxy or load balancer.
# public_url = "https://support.example.com"
# Name of the business partition created on first start.
partition_name = "Switchboard"
# Base64 of 32 random bytes sealing mail server passwords in the database. Empty: the key file
# <data_dir>/secret.key, created on first start. Every node of a cluster needs the same key.
secret_key = ""

[database]
# Empty: SQLite at <data_dir>/switchboard.db. Or postgres://USER:PASSWORD@HOST:PORT/DB for scale-out.
url = ""
max_connections = 8

[admin]
# The administrator created on first start with an empty store.
email = "admin@switchboard.localhost"
# Empty: a one-time password is generated and printed at first start.
password = ""

[log]
# Filter directives, per service, e.g. "info,switchboard_store=debug". Changeable at run time
# through PUT /api/v1/system/logging.
level = "info"
# JSON log file <data_dir>/logs/switchboard.log, rotated by size to switchboard.log.1, .2, ...
file = true
max_file_bytes = 52428800
max_files = 5

[web]
# Set when served over HTTPS so session cookies are marked Secure.
secure_cookies = false
# Login session length in seconds.
session_ttl_secs = 43200
# Whether agents may address a reply to anyone. Off: only the case's customer and the
# addresses that took part in its thread (supervisors and administrators always may).
agents_write_to_any_address = false
# Set when a reverse proxy in front adds X-Forwarded-For: failed logins are then counted per
# the client address it names rather than the proxy's.
trust_forwarded_for = false
# /metrics: a bearer token for the scraper, or a separate private listen address serving only
# /metrics (the main address then has none). Without either, an administrator's token is needed.
metrics_token = ""
metrics_listen = ""
# HTTPS built in: PEM certificate chain and key, reloaded when the files change (checked every
# tls_reload_secs) or on SIGHUP. Session cookies are then Secure. A reverse proxy in front that
# terminates TLS works as well (leave these empty and set secure_cookies).
tls_cert = ""
tls_key = ""
tls_reload_secs = 60
# Strict-Transport-Security max-age in seconds, sent when above 0 (once HTTPS is there to stay).
hsts_max_age_secs = 0

[mail]
# Fetch mail from the aliases' mailboxes (IMAP/POP3) and send the outbox (SMTP).
retriever = true
dispatcher = true
# PEM file of extra CA certificates to trust for mail servers with private certificates.
extra_ca_file = ""
# Most messages and MiB fetched per round; network timeout per command; IMAP IDLE renewal, in
# seconds (the renewal is the keepalive: a dead connection is noticed within it plus 15 s).
fetch_batch = 200
fetch_batch_mib = 32
timeout_secs = 60
idle_secs = 30
# SMTP connections per alias; send attempts before a temporary failure becomes permanent (0: no
# limit); seconds before the first retry, doubling up to retry_max_secs; how long a reply keeps
# being retried (5 days, as mail servers do) before it becomes a delivery exception; how long a
# claim on a reply being sent lasts without renewal (a process that died: sent again after it).
smtp_connections = 4
max_send_attempts = 0
retry_base_secs = 30
retry_max_secs = 3600
send_lifetime_secs = 432000
claim_secs = 120

[blobs]
# Remove files of the blob store that no row refers to (after failed or killed writes): whether
# this node runs the collector, how often, and the age below which a file is never removed.
# `switchboard blobs gc [--dry-run]` runs it by hand.
gc = true
gc_interval_secs = 21600
gc_grace_secs = 3600
# Where blobs live: "local" (data_dir/blobs) or "s3", a bucket of any S3-compatible store that
# every node of a cluster shares. The secret access key is sealed with the secret key: print it
# sealed with `switchboard blobs seal-secret` (reads it from stdin). `switchboard blobs migrate`
# copies a local store into the bucket.
backend = "local"
s3_endpoint = ""
s3_bucket = ""
s3_region = "us-east-1"
s3_prefix = ""
s3_access_key_id = ""
s3_secret_access_key = ""

[workflows]
# Run alarm workflows on this node; how often to look for due ones, in seconds (each alarm
# workflow runs at its own interval).
alarms = true
alarm_tick_secs = 5

[chat]
# How often the chats' time-outs are looked at, in seconds (each entry point sets its own).
watch_secs = 5

[webhooks]
# Send webhook deliveries from this node (one node of a cluster sends at a time). Targets on
# loopback or private networks are refused unless allowed here. Each attempt may take
# timeout_secs; at most concurrency go out at once. Failed deliveries are tried again after
# about 1 minute, 5, 30, 2 hours, 6, 12, 24 and 24 (first_retry_secs scales the whole schedule).
sender = true
allow_loopback = false
allow_private = false
timeout_secs = 10
concurrency = 16
first_retry_secs = 60

[reports]
# Fold new events into the report rollup (15-minute intervals per queue and agent) on this node;
# how often to look for new ones once caught up, in seconds. `switchboard reports rebuild`
# builds the rollup again from the whole event log.
rollup = true
rollup_tick_secs = 2
# Run saved reports' schedules (cron patterns in their own time zones) and mail their files;
# how often to look for due ones, in seconds; the shortest time a schedule may leave between
# two runs, in seconds.
schedules = true
schedule_tick_secs = 20
schedule_min_gap_secs = 900

[cluster]
# Several nodes may share one PostgreSQL database. The router, retriever (per alias), dispatcher,
# alarms, chat watch, blob collector, webhook sender and report rollup then run on the node
# holding their lease; the other nodes forward router calls to it at its advertise_url (http://
# on the nodes' private network; empty: the listening address). Each node needs its own name (empty: the host name). A lease
# lasts lease_secs unless renewed (every third of it); when a node dies, its services start
# elsewhere within about 4/3 of lease_secs.
node_name = ""
advertise_url = ""
lease_secs = 6
"#;

/// Environment variable prefix.
const PREFIX: &str = "SWITCHBOARD_";

impl Config {
    /// Loads defaults, then `file` if given, then the environment.
    pub fn load(
        file: Option<&Path>,
        env: impl Iterator<Item = (String, String)>,
    ) -> anyhow::Result<Config> {
        let mut value = toml::Value::try_from(Config::default()).context("default config")?;
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config file {}", path.display()))?;
            let from_file: Config = toml::from_str(&text)
                .with_context(|| format!("invalid config file {}", path.display()))?;
            value = toml::Value::try_from(from_file).context("config")?;
        }
        for (k, v) in env {
            let Some(rest) = k.strip_prefix(PREFIX) else {
                continue;
            };
            if rest.starts_with("TEST_") {
                continue;
            }
            if let toml::Value::Table(t) = &mut value
                && !set_path(t, &rest.to_lowercase(), &v)?
            {
                bail!("unknown setting in environment variable {k}");
            }
        }
        value
            .try_into()
            .context("invalid setting in the environment")
    }

    /// The database URL in force: the configured one, or SQLite in the data directory.
    pub fn database_url(&self) -> String {
        if self.database.url.0.is_empty() {
            format!(
                "sqlite://{}",
                self.data_dir.join("switchboard.db").display()
            )
        } else {
            self.database.url.0.clone()
        }
    }
}

/// Sets `key` (e.g. `database_url`) in `table`, matching table names greedily; false if no
/// setting has that name.
fn set_path(
    table: &mut toml::map::Map<String, toml::Value>,
    key: &str,
    raw: &str,
) -> anyhow::Result<bool> {
    if let Some(slot) = table.get_mut(key) {
        *slot = match slot {
            toml::Value::Integer(_) => toml::Value::Integer(
                raw.trim()
                    .parse()
                    .with_context(|| format!("{key} must be a number"))?,
            ),
            toml::Value::Boolean(_) => toml::Value::Boolean(
                raw.trim()
                    .parse()
                    .with_context(|| format!("{key} must be true or false"))?,
            ),
            _ => toml::Value::String(raw.to_string()),
        };
        return Ok(true);
    }
    if key == "public_url" {
        table.insert(key.into(), toml::Value::String(raw.into()));
        return Ok(true);
    }
    for (name, v) in table.iter_mut() {
        if let (Some(rest), toml::Value::Table(sub)) = (key.strip_prefix(&format!("{name}_")), v)
            && set_path(sub, rest, raw)?
        {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn example_is_the_default() {
        let parsed: Config = toml::from_str(EXAMPLE).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn layers_apply_in_order() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\n[log]\nlevel = \"debug\"\n",
        )?;
        let c = Config::load(
            Some(&file),
            env(&[
                ("SWITCHBOARD_DATABASE_URL", "postgres://u:p@h/db"),
                ("SWITCHBOARD_LOG_MAX_FILES", "9"),
                ("SWITCHBOARD_DATA_DIR", "/srv/sb"),
                ("SWITCHBOARD_TEST_POSTGRES_URL", "ignored"),
                ("OTHER", "x"),
            ]),
        )?;
        assert_eq!(c.listen, "0.0.0.0:9000");
        assert_eq!(c.log.level, "debug");
        assert_eq!(c.log.max_files, 9);
        assert_eq!(c.database_url(), "postgres://u:p@h/db");
        assert_eq!(c.data_dir, PathBuf::from("/srv/sb"));
        assert!(
            !format!("{c:?}").contains("u:p@"),
            "secrets must not be printed"
        );
        Ok(())
    }

    #[test]
    fn bad_settings_are_errors() {
        assert!(Config::load(None, env(&[("SWITCHBOARD_NOPE", "1")])).is_err());
        assert!(Config::load(None, env(&[("SWITCHBOARD_LOG_MAX_FILES", "many")])).is_err());
        let c = Config::load(None, env(&[]));
        assert_eq!(
            c.ok().map(|c| c.database_url()),
            Some("sqlite://switchboard-data/switchboard.db".into())
        );
    }
}
