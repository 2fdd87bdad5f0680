//! The blob store's garbage collector. Blobs are written before the rows that refer to them,
//! so a failed or repeated write leaves files nothing refers to: a pack whose batch was written
//! again after a failed database write, a lone blob of a message fetched again, the temporary
//! file of a write killed half-way. The collector
//!
//! 1. lists the files (the backend's [`BlobStore::list_files`]),
//! 2. then reads the keys the database holds ([`Store::referenced_blobs`]); in this order, a
//!    file written during the listing is either too young to go or its row is already seen,
//! 3. decides (`plan.rs`, pure): a pack nothing refers to, a lone blob no bare key names and a
//!    temporary file are garbage when last modified more than the grace period ago,
//! 4. removes them ([`BlobStore::remove_files`], which checks each file's age again), unless
//!    it is a dry run.
//!
//! A pack that some key still refers to is kept whole: there is no compaction.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use switchboard_domain::Timestamp;

use super::inventory::{FileKind, StoredFile, Tally};
use super::plan::{cutoff, plan};
use super::{BlobError, BlobStore};
use crate::Store;
use crate::error::StoreError;

/// The grace period unless configured: an hour.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(3600);

/// The shortest grace period used, whatever is asked: a blob is written before its row commits.
pub const MIN_GRACE: Duration = Duration::from_secs(60);

/// How to collect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GcOptions {
    /// The time now, read by the caller before the collection starts.
    pub now: Timestamp,
    /// Only files last modified longer ago than this can go (at least [`MIN_GRACE`]). It must
    /// exceed the longest time between writing a blob and committing the row that refers to it.
    pub grace: Duration,
    /// List what would be removed, remove nothing.
    pub dry_run: bool,
}

impl GcOptions {
    /// A real collection at `now` with the default grace period.
    pub fn new(now: Timestamp) -> GcOptions {
        GcOptions {
            now,
            grace: DEFAULT_GRACE,
            dry_run: false,
        }
    }
}

/// Which step a collection is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GcPhase {
    /// Listing the files.
    Listing,
    /// Reading the keys the database holds.
    ReadingReferences,
    /// Removing the garbage.
    Removing,
    /// Finished.
    Done,
}

/// How far a collection got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GcProgress {
    /// The step.
    pub phase: GcPhase,
    /// Files listed so far.
    pub scanned: u64,
    /// Their bytes.
    pub scanned_bytes: u64,
    /// Files found to be garbage (known from [`GcPhase::Removing`] on).
    pub candidates: u64,
    /// Their bytes.
    pub candidate_bytes: u64,
    /// Files removed so far.
    pub removed: u64,
    /// Their bytes.
    pub freed_bytes: u64,
}

/// Hears the progress of a collection (from the blocking pool too).
pub type GcProgressFn = Arc<dyn Fn(&GcProgress) + Send + Sync>;

/// What a collection did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GcSummary {
    /// Nothing was removed: the counts say what would have been.
    pub dry_run: bool,
    /// Files listed.
    pub scanned: u64,
    /// Their bytes.
    pub scanned_bytes: u64,
    /// Keys read from the database.
    pub references: u64,
    /// Stored values that are no blob key (they keep nothing; worth a look when not 0).
    pub malformed_references: u64,
    /// Pack files removed.
    pub packs_removed: u64,
    /// Lone blobs removed.
    pub loose_removed: u64,
    /// Temporary files removed.
    pub temp_removed: u64,
    /// Bytes freed.
    pub bytes_freed: u64,
    /// Files kept because a key refers to them.
    pub kept_referenced: u64,
    /// Files kept because they were modified within the grace period.
    pub kept_young: u64,
    /// Files kept because they are no blob store files.
    pub kept_other: u64,
    /// Garbage left because it changed (or went) between listing and removal.
    pub kept_changed: u64,
    /// Garbage that could not be removed.
    pub failed: u64,
    /// The first removal failure.
    pub first_error: Option<String>,
    /// The files removed (or that would be, in a dry run).
    pub removed: Vec<StoredFile>,
}

impl GcSummary {
    /// Every file kept.
    pub fn kept(&self) -> u64 {
        self.kept_referenced + self.kept_young + self.kept_other + self.kept_changed + self.failed
    }

    fn count(&mut self, files: Vec<StoredFile>) {
        for f in &files {
            match f.kind {
                FileKind::Pack { .. } => self.packs_removed += 1,
                FileKind::Loose { .. } => self.loose_removed += 1,
                FileKind::Temp => self.temp_removed += 1,
                FileKind::Other => {}
            }
            self.bytes_freed += f.bytes;
        }
        self.removed = files;
    }
}

impl std::fmt::Display for GcSummary {
    /// One line, e.g. `removed 3 packs, 1 lone blobs, 2 temporary files (1234 bytes); kept
    /// 1040 (1000 referenced, 30 young, 10 other, 0 changed, 0 failed); 1046 files scanned,
    /// 1092 references`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} packs, {} lone blobs, {} temporary files ({} bytes); kept {} ({} referenced, \
             {} young, {} other, {} changed, {} failed); {} files scanned, {} references",
            if self.dry_run {
                "dry run: would remove"
            } else {
                "removed"
            },
            self.packs_removed,
            self.loose_removed,
            self.temp_removed,
            self.bytes_freed,
            self.kept(),
            self.kept_referenced,
            self.kept_young,
            self.kept_other,
            self.kept_changed,
            self.failed,
            self.scanned,
            self.references,
        )?;
        if self.malformed_references > 0 {
            write!(f, ", {} malformed", self.malformed_references)?;
        }
        Ok(())
    }
}

/// Why a collection stopped (nothing is removed after an error before the removal step).
#[derive(Debug, thiserror::Error)]
pub enum GcError {
    /// The blob store failed, or cannot collect (`BlobError::Unsupported`).
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The database refers to no blob at all while blobs would be removed: most likely the
    /// wrong database for this blob directory. Nothing was removed.
    #[error(
        "the database refers to no blob, yet {0} stored blobs would be removed: is this the \
         database of this blob store? nothing was removed"
    )]
    NothingReferenced(u64),
}

/// Collects the garbage of `blobs`, whose keys `store` holds; `progress` hears how far it got.
pub async fn collect_garbage(
    store: &Store,
    blobs: &dyn BlobStore,
    options: &GcOptions,
    progress: GcProgressFn,
) -> Result<GcSummary, GcError> {
    let mut at = GcProgress {
        phase: GcPhase::Listing,
        scanned: 0,
        scanned_bytes: 0,
        candidates: 0,
        candidate_bytes: 0,
        removed: 0,
        freed_bytes: 0,
    };
    progress(&at);
    let listing: Tally = {
        let progress = progress.clone();
        Arc::new(move |n, bytes| {
            progress(&GcProgress {
                scanned: n,
                scanned_bytes: bytes,
                ..at
            });
        })
    };
    let files = blobs.list_files(listing).await?;
    at.scanned = files.len() as u64;
    at.scanned_bytes = files.iter().map(|f| f.bytes).sum();
    at.phase = GcPhase::ReadingReferences;
    progress(&at);
    let refs = store.referenced_blobs().await?;
    let cut = cutoff(options.now, options.grace.max(MIN_GRACE));
    let p = plan(files, &refs, cut);
    let stored = p
        .garbage
        .iter()
        .filter(|f| matches!(f.kind, FileKind::Pack { .. } | FileKind::Loose { .. }))
        .count() as u64;
    if refs.references() == 0 && stored > 0 {
        return Err(GcError::NothingReferenced(stored));
    }
    let mut summary = GcSummary {
        dry_run: options.dry_run,
        scanned: at.scanned,
        scanned_bytes: at.scanned_bytes,
        references: refs.references(),
        malformed_references: refs.malformed(),
        kept_referenced: p.referenced,
        kept_young: p.young,
        kept_other: p.other,
        ..GcSummary::default()
    };
    at.phase = GcPhase::Removing;
    at.candidates = p.garbage.len() as u64;
    at.candidate_bytes = p.garbage.iter().map(|f| f.bytes).sum();
    progress(&at);
    if options.dry_run {
        summary.count(p.garbage);
    } else if !p.garbage.is_empty() {
        let removing: Tally = {
            let progress = progress.clone();
            Arc::new(move |n, bytes| {
                progress(&GcProgress {
                    removed: n,
                    freed_bytes: bytes,
                    ..at
                });
            })
        };
        let done = blobs.remove_files(p.garbage, cut, removing).await?;
        summary.kept_changed = done.skipped;
        summary.failed = done.failed;
        summary.first_error = done.first_error;
        summary.count(done.removed);
        at.removed = summary.removed.len() as u64;
        at.freed_bytes = summary.bytes_freed;
    }
    at.phase = GcPhase::Done;
    progress(&at);
    Ok(summary)
}
