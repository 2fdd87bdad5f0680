//! The S3 backend: blobs in a bucket of any S3-compatible object store, laid out as in the local
//! directory (`packs/<shard>/<name>`, `ab/<hash>` for lone blobs a migration brought over), so
//! one listing and one garbage collector serve both.
//!
//! Every batch, even of one blob, is a new pack object under a new random name, written with a
//! conditional create (`If-None-Match: *`): two nodes never overwrite each other's objects, and
//! an object, once written, never changes. So a listed object is still what was listed when the
//! collector removes it, and a blob stored again is stored as a new object within the grace
//! period rather than by refreshing an old one, which the collector may be removing. Reads
//! fetch a pack's byte range and check the content's hash.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{
    BackoffConfig, ClientOptions, ObjectMeta, ObjectStore, ObjectStoreExt, PutMode, PutOptions,
    PutPayload, RetryConfig,
};

use switchboard_domain::Timestamp;

use super::inventory::{FileKind, Removal, StoredFile, Tally};
use super::key::BlobKey;
use super::local_gc::classify;
use super::{BlobError, BlobStore, BoxFut, pack};

/// How long a write probe's answer is reused: health checks come every few seconds from every
/// load balancer, and each probe is two requests.
const PROBE_FOR: Duration = Duration::from_secs(10);
/// Objects between two progress reports while listing.
const TALLY_EVERY: u64 = 1000;

/// Objects between two progress reports while removing (each removal is two requests).
const REMOVAL_TALLY_EVERY: usize = 100;

/// Where the bucket is and how to sign in. The secret is kept out of `Debug`.
#[derive(Clone, Default)]
pub struct S3Settings {
    /// The service's URL, e.g. `https://s3.eu-west-1.amazonaws.com` or `http://10.0.0.5:9000`
    /// (plain HTTP only when spelled so); empty: AWS, by region.
    pub endpoint: String,
    /// The bucket.
    pub bucket: String,
    /// The region (any name for stores that have none).
    pub region: String,
    /// A folder inside the bucket for this installation's blobs (empty: the bucket's root).
    pub prefix: String,
    /// The access key's ID.
    pub access_key_id: String,
    /// The secret access key, unsealed.
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("prefix", &self.prefix)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Blobs in an S3 bucket (see the module's documentation).
pub struct S3BlobStore {
    objects: Arc<dyn ObjectStore>,
    /// The last write probe: when, and its failure if it failed.
    probe: Mutex<Option<(Instant, Option<String>)>>,
}

impl std::fmt::Debug for S3BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "S3BlobStore({})", self.objects)
    }
}

fn failed(e: object_store::Error) -> BlobError {
    BlobError::Io(std::io::Error::other(e.to_string()))
}

/// A request's error, with a missing object as [`BlobError::NotFound`] of `key`.
fn read_failed(e: object_store::Error, key: &BlobKey) -> BlobError {
    match e {
        object_store::Error::NotFound { .. } => BlobError::NotFound(key.as_str().to_string()),
        e => failed(e),
    }
}

/// An object's path in the bucket (below the prefix) from a listed file's path.
fn object_path(path: &str) -> ObjectPath {
    ObjectPath::from(path)
}

/// When a listed object was last modified.
fn modified(meta: &ObjectMeta) -> Option<Timestamp> {
    Some(Timestamp::from_millis(
        meta.last_modified.timestamp_millis(),
    ))
}

/// Conditional creates only: an existing object is never replaced.
fn create() -> PutOptions {
    PutOptions {
        mode: PutMode::Create,
        ..PutOptions::default()
    }
}

impl S3BlobStore {
    /// A store in the bucket `settings` name; nothing is sent until it is used.
    pub fn new(settings: &S3Settings) -> Result<S3BlobStore, BlobError> {
        let insecure = settings.endpoint.starts_with("http://");
        let client = ClientOptions::new()
            .with_allow_http(insecure)
            .with_connect_timeout(Duration::from_secs(5))
            .with_timeout(Duration::from_secs(60));
        let retry = RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: 3,
            retry_timeout: Duration::from_secs(30),
        };
        let mut s3 = AmazonS3Builder::new();
        if !settings.endpoint.trim().is_empty() {
            // Empty: AWS itself, by region.
            s3 = s3.with_endpoint(settings.endpoint.trim());
        }
        let s3 = s3
            .with_allow_http(insecure)
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_access_key_id(&settings.access_key_id)
            .with_secret_access_key(&settings.secret_access_key)
            .with_client_options(client)
            .with_retry(retry)
            .build()
            .map_err(failed)?;
        let prefix = settings.prefix.trim_matches('/');
        let objects: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(PrefixStore::new(s3, prefix))
        };
        Ok(S3BlobStore {
            objects,
            probe: Mutex::new(None),
        })
    }

    /// Creates the object at `path` unless one is there; false when one was.
    async fn create(&self, path: &str, payload: PutPayload) -> Result<bool, BlobError> {
        match self
            .objects
            .put_opts(&object_path(path), payload, create())
            .await
        {
            Ok(_) => Ok(true),
            Err(
                object_store::Error::AlreadyExists { .. }
                | object_store::Error::Precondition { .. },
            ) => Ok(false),
            Err(e) => Err(failed(e)),
        }
    }

    /// Brings over a file another store listed, at the same path, unless an object of the same
    /// size is there already; true when it was copied. Only packs and lone blobs are taken, a
    /// lone blob after its hash is checked (lone blobs of the earlier `ab/cd/` layout land in
    /// `ab/`, where reads look).
    pub async fn import(&self, file: &StoredFile, bytes: Bytes) -> Result<bool, BlobError> {
        let path = match &file.kind {
            FileKind::Pack { .. } => file.path.clone(),
            FileKind::Loose { hash } => {
                let key =
                    BlobKey::parse(hash).ok_or_else(|| BlobError::Damaged(file.path.clone()))?;
                key.check(&bytes)?;
                loose_path(&key)
            }
            FileKind::Temp | FileKind::Other => return Ok(false),
        };
        let size = bytes.len() as u64;
        if self.create(&path, PutPayload::from(bytes)).await? {
            return Ok(true);
        }
        let there = self
            .objects
            .head(&object_path(&path))
            .await
            .map_err(failed)?;
        if there.size == size {
            Ok(false)
        } else {
            Err(BlobError::Io(std::io::Error::other(format!(
                "{path} is in the bucket already with {} bytes, not {size}",
                there.size
            ))))
        }
    }

    async fn put_all(&self, blobs: Vec<Bytes>) -> Result<Vec<BlobKey>, BlobError> {
        if blobs.is_empty() {
            return Ok(Vec::new());
        }
        let hashes: Vec<BlobKey> = blobs.iter().map(|b| BlobKey::of(b)).collect();
        let name = pack::new_name();
        let (parts, keys) = pack::lay_out(&name, &blobs, &hashes);
        let payload: PutPayload = parts.into_iter().cloned().collect();
        let path = pack::relative_path(&name);
        if self.create(&path, payload).await? {
            Ok(keys)
        } else {
            Err(BlobError::Io(std::io::Error::other(format!(
                "a new pack's name is taken already: {path}"
            ))))
        }
    }

    async fn read(&self, key: &BlobKey) -> Result<Vec<u8>, BlobError> {
        let Some(at) = key.location() else {
            let got = self.objects.get(&object_path(&loose_path(key))).await;
            let bytes = got
                .map_err(|e| read_failed(e, key))?
                .bytes()
                .await
                .map_err(failed)?;
            key.check(&bytes)?;
            return Ok(bytes.to_vec());
        };
        let path = object_path(&pack::relative_path(at.pack));
        if at.len == 0 {
            // An empty blob: no range to ask for (S3 refuses empty ones).
            key.check(&[])?;
            return Ok(Vec::new());
        }
        let range = at.offset..at.offset.saturating_add(at.len);
        match self.objects.get_range(&path, range).await {
            Ok(bytes) if bytes.len() as u64 == at.len => {
                key.check(&bytes)?;
                Ok(bytes.to_vec())
            }
            Ok(_) => Err(BlobError::Damaged(key.as_str().to_string())),
            Err(e @ object_store::Error::NotFound { .. }) => Err(read_failed(e, key)),
            Err(e) => {
                // A range past the pack's end is damage, not a failing store.
                match self.objects.head(&path).await {
                    Ok(meta) if pack::fitting(at, meta.size).is_none() => {
                        Err(BlobError::Damaged(key.as_str().to_string()))
                    }
                    _ => Err(failed(e)),
                }
            }
        }
    }

    async fn probe_write(&self) -> Option<String> {
        let path = format!("probe/{}", crate::secrets::random_secret());
        if let Err(e) = self.create(&path, PutPayload::from_static(b"probe")).await {
            return Some(e.to_string());
        }
        self.objects
            .delete(&object_path(&path))
            .await
            .err()
            .map(|e| e.to_string())
    }

    async fn list(&self, tally: Tally) -> Result<Vec<StoredFile>, BlobError> {
        let mut listing = self.objects.list(None);
        let mut files = Vec::new();
        let mut bytes = 0u64;
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(failed)?;
            let path = meta.location.to_string();
            let parts: Vec<&str> = path.split('/').collect();
            let kind = match parts.split_last() {
                Some((name, dirs)) => classify(dirs, name),
                None => FileKind::Other,
            };
            bytes += meta.size;
            files.push(StoredFile {
                kind,
                bytes: meta.size,
                modified: modified(&meta),
                path,
            });
            let n = files.len() as u64;
            if n.is_multiple_of(TALLY_EVERY) {
                tally(n, bytes);
            }
        }
        tally(files.len() as u64, bytes);
        Ok(files)
    }

    /// Removes one listed object if it still is a blob store object older than `cutoff`.
    async fn remove_one(&self, f: StoredFile, cutoff: Timestamp, out: &mut Removal) {
        let parts: Vec<&str> = f.path.split('/').collect();
        let known = parts
            .split_last()
            .is_some_and(|(name, dirs)| classify(dirs, name) == f.kind);
        if f.kind == FileKind::Other || !known {
            out.failed += 1;
            out.first_error
                .get_or_insert_with(|| format!("{} is not a blob store object", f.path));
            return;
        }
        let path = object_path(&f.path);
        let meta = match self.objects.head(&path).await {
            Ok(m) => m,
            Err(object_store::Error::NotFound { .. }) => {
                out.skipped += 1;
                return;
            }
            Err(e) => {
                out.failed += 1;
                out.first_error
                    .get_or_insert_with(|| format!("{}: {e}", f.path));
                return;
            }
        };
        if meta.size != f.bytes || modified(&meta).is_none_or(|m| m >= cutoff) {
            out.skipped += 1;
            return;
        }
        match self.objects.delete(&path).await {
            Ok(()) => out.removed.push(f),
            Err(object_store::Error::NotFound { .. }) => out.skipped += 1,
            Err(e) => {
                out.failed += 1;
                out.first_error
                    .get_or_insert_with(|| format!("{}: {e}", f.path));
            }
        }
    }
}

/// A lone blob's object: `ab/<hash>`.
fn loose_path(key: &BlobKey) -> String {
    let hash = key.hash();
    format!("{}/{hash}", hash.get(..2).unwrap_or(hash))
}

impl BlobStore for S3BlobStore {
    fn put_many(&self, blobs: Vec<Bytes>) -> BoxFut<'_, Vec<BlobKey>> {
        Box::pin(self.put_all(blobs))
    }

    fn get<'a>(&'a self, key: &'a BlobKey) -> BoxFut<'a, Vec<u8>> {
        Box::pin(self.read(key))
    }

    fn check_writable(&self) -> BoxFut<'_, ()> {
        Box::pin(async move {
            let recent = self
                .probe
                .lock()
                .ok()
                .and_then(|p| p.clone())
                .filter(|(at, _)| at.elapsed() < PROBE_FOR);
            let failure = match recent {
                Some((_, failure)) => failure,
                None => {
                    let failure = self.probe_write().await;
                    if let Ok(mut p) = self.probe.lock() {
                        *p = Some((Instant::now(), failure.clone()));
                    }
                    failure
                }
            };
            match failure {
                None => Ok(()),
                Some(e) => Err(BlobError::Io(std::io::Error::other(e))),
            }
        })
    }

    fn list_files(&self, tally: Tally) -> BoxFut<'_, Vec<StoredFile>> {
        Box::pin(self.list(tally))
    }

    fn remove_files(
        &self,
        files: Vec<StoredFile>,
        cutoff: Timestamp,
        tally: Tally,
    ) -> BoxFut<'_, Removal> {
        Box::pin(async move {
            let mut out = Removal::default();
            for f in files {
                let before = out.removed.len();
                self.remove_one(f, cutoff, &mut out).await;
                let n = out.removed.len();
                if n > before && n.is_multiple_of(REMOVAL_TALLY_EVERY) {
                    tally(n as u64, out.removed.iter().map(|f| f.bytes).sum());
                }
            }
            let bytes = out.removed.iter().map(|f| f.bytes).sum();
            tally(out.removed.len() as u64, bytes);
            Ok(out)
        })
    }
}
