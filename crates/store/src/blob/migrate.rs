//! Moving a local blob store into an S3 bucket: every pack and lone blob is copied to the same
//! path, so the keys in the database stay valid and nothing there changes. A copy never replaces
//! an object, and one already there with the same size counts as done: a migration that stopped
//! half-way (or one run again after the server wrote more blobs locally) copies only what is
//! missing. Temporary files and unknown files stay behind.

use futures_util::StreamExt;
use serde::Serialize;

use super::inventory::{FileKind, StoredFile, Tally};
use super::{BlobError, BlobStore, LocalBlobStore, S3BlobStore};

/// Copies under way at once.
const PARALLEL: usize = 8;

/// How far a migration got; heard after the listing and after every file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MigrateProgress {
    /// Files to copy (packs and lone blobs) and their bytes.
    pub total_files: u64,
    /// Their bytes.
    pub total_bytes: u64,
    /// Files dealt with so far (copied, present already, or failed).
    pub done_files: u64,
    /// Their bytes.
    pub done_bytes: u64,
}

/// What a migration did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MigrateSummary {
    /// Files copied, and their bytes.
    pub copied: u64,
    /// Bytes copied.
    pub copied_bytes: u64,
    /// Files in the bucket already (same path, same size).
    pub present: u64,
    /// Files left behind: temporary files of writes under way, unknown files.
    pub ignored: u64,
    /// Files that could not be copied.
    pub failed: u64,
    /// The first failure, when there was one.
    pub first_error: Option<String>,
}

impl std::fmt::Display for MigrateSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "copied {} files ({} bytes); {} were in the bucket already; {} left behind (temporary or unknown); {} failed",
            self.copied, self.copied_bytes, self.present, self.ignored, self.failed
        )
    }
}

/// Hears a migration's progress.
pub type MigrateProgressFn<'a> = &'a (dyn Fn(&MigrateProgress) + Send + Sync);

/// Copies every pack and lone blob of `from` into `to` (see the module's documentation); `listed`
/// hears the listing's files and bytes so far, `progress` the copying.
pub async fn migrate(
    from: &LocalBlobStore,
    to: &S3BlobStore,
    listed: Tally,
    progress: MigrateProgressFn<'_>,
) -> Result<MigrateSummary, BlobError> {
    let files = from.list_files(listed).await?;
    let (wanted, rest): (Vec<StoredFile>, Vec<StoredFile>) = files
        .into_iter()
        .partition(|f| matches!(f.kind, FileKind::Pack { .. } | FileKind::Loose { .. }));
    let mut state = MigrateProgress {
        total_files: wanted.len() as u64,
        total_bytes: wanted.iter().map(|f| f.bytes).sum(),
        ..MigrateProgress::default()
    };
    let mut summary = MigrateSummary {
        ignored: rest.len() as u64,
        ..MigrateSummary::default()
    };
    progress(&state);
    let mut copies = futures_util::stream::iter(wanted)
        .map(|file| async move {
            let copied = match from.read_file(&file).await {
                Ok(bytes) => to.import(&file, bytes).await,
                Err(e) => Err(e),
            };
            (file, copied)
        })
        .buffer_unordered(PARALLEL);
    while let Some((file, copied)) = copies.next().await {
        match copied {
            Ok(true) => {
                summary.copied += 1;
                summary.copied_bytes += file.bytes;
            }
            Ok(false) => summary.present += 1,
            Err(e) => {
                summary.failed += 1;
                summary
                    .first_error
                    .get_or_insert_with(|| format!("{}: {e}", file.path));
            }
        }
        state.done_files += 1;
        state.done_bytes += file.bytes;
        progress(&state);
    }
    Ok(summary)
}
