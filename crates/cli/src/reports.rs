//! `switchboard reports …`: reports from the shell. `rebuild` empties the report rollup's
//! 15-minute interval tables and folds the whole event log into them again (progress on
//! stderr, a summary on stdout); `catch-up` folds only what is new (stop the servers' rollup
//! service, or the servers, before a rebuild: while it runs, reports read partial figures).
//! `dictionary` prints the data dictionary of the reporting views; `create-reader` makes a
//! PostgreSQL login that may read those views and nothing else.

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Subcommand;
use switchboard_app::App;
use switchboard_app::reports::RollupRunner;

use crate::serve::open_store;
use crate::{Common, load_config, now};

/// Events folded per step.
const BATCH: u32 = 20_000;

/// Report commands.
#[derive(Subcommand)]
pub enum ReportsCommand {
    /// Empty the rollup and fold the whole event log into it again.
    Rebuild,
    /// Fold the events the rollup has not seen yet.
    CatchUp,
    /// Print the data dictionary of the reporting views (Markdown).
    Dictionary,
    /// On PostgreSQL, make (or update) login role NAME that may read the reporting views and
    /// nothing else; its password is read from standard input.
    CreateReader {
        /// The role's name (lower-case letters, digits, underscores).
        name: String,
    },
}

/// Runs a report command.
pub async fn run(common: Common, command: ReportsCommand) -> anyhow::Result<()> {
    if matches!(command, ReportsCommand::Dictionary) {
        print!("{}", switchboard_store::dictionary::markdown());
        return Ok(());
    }
    let c = load_config(&common)?;
    let store = open_store(&c).await?;
    if let ReportsCommand::CreateReader { name } = &command {
        let mut password = String::new();
        std::io::stdin()
            .read_line(&mut password)
            .context("cannot read the password from standard input")?;
        let password = password.trim_end_matches(['\r', '\n']);
        let views = switchboard_store::dictionary::view_names();
        let made = store.create_reader(name, password, &views).await;
        store.close().await;
        made?;
        println!("{name} may read {}", views.join(", "));
        return Ok(());
    }
    if matches!(command, ReportsCommand::Rebuild) {
        store.rollup_reset(now()).await?;
        store.rebuild_agent_states().await?;
        eprintln!(
            "rollup emptied, agents' states added up again; folding the event log from the start"
        );
    }
    let app = App::new(store.clone());
    let result = catch_up(&app).await;
    store.close().await;
    let (folded, took) = result?;
    println!(
        "folded {folded} events in {:.1} s ({:.0} events/s)",
        took.as_secs_f64(),
        folded as f64 / took.as_secs_f64().max(1e-9)
    );
    Ok(())
}

/// Folds until caught up, printing progress at most once a second; the events folded and the
/// time it took.
pub async fn catch_up(app: &App) -> anyhow::Result<(u64, Duration)> {
    let started = Instant::now();
    let newest = app.store().last_event_id().await?;
    let mut runner = RollupRunner::default();
    let mut folded = 0u64;
    let mut said = Instant::now();
    loop {
        let step = runner.step(app, BATCH, now()).await?;
        folded += step.folded as u64;
        if said.elapsed() >= Duration::from_secs(1) {
            eprintln!(
                "folded {folded} events; at event {} of {newest}",
                step.cursor
            );
            said = Instant::now();
        }
        if step.caught_up {
            return Ok((folded, started.elapsed()));
        }
    }
}
