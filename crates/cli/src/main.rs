//! `switchboard`: the one binary. `serve` runs everything; `migrate`, `admin`, `config` and
//! `bench` are the operator's tools. Modules: [`config`] (layered settings), [`logging`]
//! (rotating files, run-time levels), [`serve`] (start-up, first-start bootstrap, shutdown),
//! [`admin`] (users and tokens from the shell), [`bench`] (store benchmark).

mod admin;
mod bench;
mod bench_api;
mod bench_chat;
mod bench_cluster;
mod bench_cluster_nodes;
mod bench_dispatch;
mod bench_login;
mod bench_mail;
mod bench_monitor;
mod bench_reports;
mod bench_reports_webhooks;
mod bench_routing;
mod bench_routing_durable;
mod bench_server;
mod bench_streams;
mod bench_workflow;
mod blob_backend;
mod blobs;
mod cluster;
mod config;
mod logging;
mod private_files;
mod reports;
mod secret_key;
mod serve;
mod sim;
mod tls;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use switchboard_domain::Timestamp;

/// Switchboard: a self-hosted contact center for email, chat and callback.
#[derive(Parser)]
#[command(name = "switchboard", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where to find settings; shared by every command that opens the store.
#[derive(Args, Clone, Debug)]
pub struct Common {
    /// TOML config file.
    #[arg(long, short = 'c', env = "SWITCHBOARD_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Data directory (SQLite database, blobs, logs).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        #[command(flatten)]
        common: Common,
        /// HTTP listen address, e.g. 127.0.0.1:8080.
        #[arg(long)]
        listen: Option<String>,
        /// Password of the administrator created on first start (else one is generated).
        #[arg(long, env = "SWITCHBOARD_ADMIN_PASSWORD", hide_env_values = true)]
        admin_password: Option<String>,
    },
    /// Apply pending database migrations.
    Migrate {
        #[command(flatten)]
        common: Common,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Administration from the shell (works while the server runs).
    Admin {
        #[command(flatten)]
        common: Common,
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// The blob store (raw messages and files): `gc` removes what no row refers to, `migrate`
    /// copies a local store into an S3 bucket, `seal-secret` seals the bucket's secret.
    Blobs {
        #[command(flatten)]
        common: Common,
        #[command(subcommand)]
        command: blobs::BlobsCommand,
    },
    /// The report rollup: rebuild it from the event log, or catch it up.
    Reports {
        #[command(flatten)]
        common: Common,
        #[command(subcommand)]
        command: reports::ReportsCommand,
    },
    /// Simulate a contact center: the router over synthetic arrivals, handling times, shifts
    /// and skills in virtual time; prints service level, waits, abandonment and occupancy.
    Simulate {
        /// Scenario file (TOML); see `examples/simulate/`.
        #[arg(long)]
        scenario: PathBuf,
    },
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print a commented example configuration with every default.
    Default,
}

/// Exit code when the database cannot be reached.
pub const EXIT_DATABASE: u8 = 3;

/// Reads the wall clock (the binary is a shell: it passes `now` down).
pub fn now() -> Timestamp {
    switchboard_web::state::now()
}

/// Loads settings for a command: defaults, file, environment, then flags.
pub fn load_config(common: &Common) -> anyhow::Result<config::Config> {
    let mut c = config::Config::load(common.config.as_deref(), std::env::vars())?;
    if let Some(d) = &common.data_dir {
        c.data_dir.clone_from(d);
    }
    Ok(c)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The database, blobs, logs and key are created readable by this user only.
    private_files::restrict_new_files();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve {
                common,
                listen,
                admin_password,
            } => serve::run(common, listen, admin_password).await,
            Command::Migrate { common } => admin::migrate(common).await,
            Command::Config {
                command: ConfigCommand::Default,
            } => {
                print!("{}", config::EXAMPLE);
                Ok(())
            }
            Command::Admin { common, command } => admin::run(common, command).await,
            Command::Blobs { common, command } => blobs::run(common, command).await,
            Command::Reports { common, command } => reports::run(common, command).await,
            Command::Bench { command } => bench::run(command).await,
            Command::Simulate { scenario } => sim::simulate(&scenario),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<serve::DatabaseUnreachable>().is_some() {
                ExitCode::from(EXIT_DATABASE)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
