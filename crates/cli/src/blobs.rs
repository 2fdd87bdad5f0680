//! `switchboard blobs …`: the blob store from the shell. `gc` removes the files no row refers
//! to (packs written again after a failed database write, lone blobs of messages fetched again,
//! temporary files of killed writes) once older than the grace period; it works while the
//! server runs. Progress goes to stderr; the files removed (or, in a dry run, that would be)
//! and then one summary line go to stdout.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Subcommand;
use switchboard_store::blob::{GcPhase, GcProgressFn};
use switchboard_store::{GcOptions, GcProgress, LocalBlobStore, collect_garbage};

use crate::serve::open_store;
use crate::{Common, load_config, now};

/// Blob store commands.
#[derive(Subcommand)]
pub enum BlobsCommand {
    /// Remove blob files no row refers to (packs, lone blobs, temporary files) that are older
    /// than the grace period. A pack any row still uses is kept whole.
    Gc {
        /// List what would be removed and its size; remove nothing.
        #[arg(long)]
        dry_run: bool,
        /// Keep files modified less than this many seconds ago (at least 60): their rows may not
        /// be written yet.
        #[arg(long, default_value_t = switchboard_store::blob::DEFAULT_GRACE.as_secs())]
        grace_secs: u64,
    },
}

/// Prints progress to stderr: each new step, and at most once a second within one.
fn stderr_progress() -> GcProgressFn {
    let last: Mutex<Option<(GcPhase, Instant)>> = Mutex::new(None);
    Arc::new(move |p: &GcProgress| {
        let Ok(mut last) = last.lock() else {
            return;
        };
        let due = match *last {
            Some((phase, at)) => phase != p.phase || at.elapsed() >= Duration::from_secs(1),
            None => true,
        };
        if !due {
            return;
        }
        *last = Some((p.phase, Instant::now()));
        match p.phase {
            GcPhase::Listing => {
                eprintln!("listing: {} files, {} bytes", p.scanned, p.scanned_bytes)
            }
            GcPhase::ReadingReferences => {
                eprintln!(
                    "reading the keys in the database ({} files listed)",
                    p.scanned
                )
            }
            GcPhase::Removing => eprintln!(
                "garbage: {} files, {} bytes; removed {} files, {} bytes",
                p.candidates, p.candidate_bytes, p.removed, p.freed_bytes
            ),
            GcPhase::Done => {}
        }
    })
}

/// Runs a blob store command.
pub async fn run(common: Common, command: BlobsCommand) -> anyhow::Result<()> {
    let c = load_config(&common)?;
    match command {
        BlobsCommand::Gc {
            dry_run,
            grace_secs,
        } => {
            let options = GcOptions {
                now: now(),
                grace: Duration::from_secs(grace_secs),
                dry_run,
            };
            let store = open_store(&c).await?;
            let blobs = LocalBlobStore::new(c.data_dir.join("blobs"));
            let result = collect_garbage(&store, &blobs, &options, stderr_progress()).await;
            store.close().await;
            let summary = result?;
            let verb = if dry_run { "would remove" } else { "removed" };
            for f in &summary.removed {
                println!("{verb} {} ({} bytes)", f.path, f.bytes);
            }
            println!("{summary}");
            if let Some(e) = &summary.first_error {
                anyhow::bail!("{} files could not be removed: {e}", summary.failed);
            }
            Ok(())
        }
    }
}
