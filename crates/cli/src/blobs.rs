//! `switchboard blobs …`: the blob store from the shell. `gc` removes the files no row refers
//! to (packs written again after a failed database write, lone blobs of messages fetched again,
//! temporary files of killed writes) once older than the grace period; it works while the
//! server runs. Progress goes to stderr; the files removed (or, in a dry run, that would be)
//! and then one summary line go to stdout. `migrate` copies the local store into the S3 bucket
//! the settings name; `seal-secret` seals the bucket's secret access key for the settings.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Subcommand;
use switchboard_store::blob::{GcPhase, GcProgressFn, MigrateProgress, Tally};
use switchboard_store::{BlobStore, GcOptions, GcProgress, collect_garbage};

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
    /// Copy every blob of the local store (data_dir/blobs) into the S3 bucket of the `[blobs]`
    /// settings, at the same paths, so the database needs no change. Objects already there are
    /// kept: run it again after a stop (or after the server wrote more) to copy only what is
    /// missing; then set `blobs.backend = "s3"`.
    Migrate,
    /// Read the S3 secret access key from standard input and print it sealed with the
    /// installation's secret key, for `blobs.s3_secret_access_key`.
    SealSecret,
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
            let blobs = crate::blob_backend::open(&c)?;
            let result = collect_garbage(&store, &*blobs, &options, stderr_progress()).await;
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
        BlobsCommand::Migrate => migrate(&c).await,
        BlobsCommand::SealSecret => {
            let mut secret = String::new();
            std::io::stdin()
                .read_line(&mut secret)
                .context("cannot read the secret from standard input")?;
            let secret = secret.trim_end_matches(['\r', '\n']);
            if secret.is_empty() {
                anyhow::bail!("no secret on standard input");
            }
            let sealed =
                crate::secret_key::sealer(&c)?.seal(crate::blob_backend::SEAL_PURPOSE, secret)?;
            println!("{sealed}");
            Ok(())
        }
    }
}

/// `blobs migrate`: copies with progress on stderr, then one summary line on stdout; fails when
/// any file could not be copied (running it again copies only what is missing).
async fn migrate(c: &crate::config::Config) -> anyhow::Result<()> {
    let from = crate::blob_backend::local(c);
    let to = crate::blob_backend::s3(c)?;
    to.check_writable()
        .await
        .context("cannot write to the S3 bucket")?;
    let listed: Tally = Arc::new(|files, bytes| {
        eprintln!("listing: {files} files, {bytes} bytes");
    });
    let last: Mutex<Option<Instant>> = Mutex::new(None);
    let progress = move |p: &MigrateProgress| {
        let Ok(mut last) = last.lock() else {
            return;
        };
        let finished = p.done_files == p.total_files;
        if !finished && last.is_some_and(|at| at.elapsed() < Duration::from_secs(1)) {
            return;
        }
        *last = Some(Instant::now());
        eprintln!(
            "copied {}/{} files, {}/{} bytes",
            p.done_files, p.total_files, p.done_bytes, p.total_bytes
        );
    };
    let summary = switchboard_store::blob::migrate(&from, &to, listed, &progress).await?;
    println!("{summary}");
    if let Some(e) = &summary.first_error {
        anyhow::bail!(
            "{} files could not be copied (run it again to copy only what is missing): {e}",
            summary.failed
        );
    }
    Ok(())
}
