//! What a blob store holds, as its garbage collector sees it: every file (or object) with its
//! kind, size and age, and what a removal did. The backend lists and removes; the decision
//! (`plan.rs`) is made in between, from these alone.

use std::sync::Arc;

use serde::Serialize;
use switchboard_domain::Timestamp;

/// What a stored file is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FileKind {
    /// A pack file: a batch of blobs, referred to by its name.
    Pack {
        /// The pack's name, as packed keys spell it.
        name: String,
    },
    /// A lone blob in a file of its own, referred to by a bare key, its hash.
    Loose {
        /// The content's SHA-256 in hex.
        hash: String,
    },
    /// A temporary file of a write that did not finish (or is under way).
    Temp,
    /// Anything else found where blobs live: never removed.
    Other,
}

/// One stored file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredFile {
    /// Where it is, relative to the store's root, `/`-separated (for the local backend, e.g.
    /// `packs/0193a/0193a0b1c2d3e-0f1e2d3c4b5a6978`); what a removal is given back.
    pub path: String,
    /// What it is.
    pub kind: FileKind,
    /// Its size.
    pub bytes: u64,
    /// When it was last modified; `None` when unknown (such a file is never removed).
    pub modified: Option<Timestamp>,
}

/// What a removal did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Removal {
    /// The files removed.
    pub removed: Vec<StoredFile>,
    /// Files left because they changed since they were listed (modified within the grace
    /// period, e.g. a lone blob stored again) or were gone already.
    pub skipped: u64,
    /// Files that could not be removed.
    pub failed: u64,
    /// The first failure, when there was one.
    pub first_error: Option<String>,
}

/// Hears how far a listing or a removal got: files and bytes so far. Called from the blocking
/// pool.
pub type Tally = Arc<dyn Fn(u64, u64) + Send + Sync>;
