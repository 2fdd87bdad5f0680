//! The blob store the settings name: the local directory under the data directory, or an S3
//! bucket whose secret access key is sealed with the installation's secret key.

use std::sync::Arc;

use anyhow::{Context, bail};
use switchboard_store::{BlobStore, LocalBlobStore, S3BlobStore, S3Settings};

use crate::config::Config;

/// What the S3 secret is sealed for: a value sealed for anything else does not open here.
pub const SEAL_PURPOSE: &str = "blobs.s3_secret_access_key";

/// The local store under the data directory.
pub fn local(c: &Config) -> LocalBlobStore {
    LocalBlobStore::new(c.data_dir.join("blobs"))
}

/// The S3 settings, with the secret unsealed; an error names what is missing or wrong.
pub fn s3_settings(c: &Config) -> anyhow::Result<S3Settings> {
    let b = &c.blobs;
    if b.s3_bucket.trim().is_empty() {
        bail!("blobs.s3_bucket is empty: name the bucket blobs go to");
    }
    let sealed = b.s3_secret_access_key.0.trim();
    if !sealed.is_empty() && !sealed.starts_with("v1:") {
        bail!(
            "blobs.s3_secret_access_key must be sealed: give the secret to `switchboard blobs seal-secret` and put what it prints there"
        );
    }
    let secret = if sealed.is_empty() {
        String::new()
    } else {
        crate::secret_key::sealer(c)?
            .open(SEAL_PURPOSE, sealed)
            .context("blobs.s3_secret_access_key does not open with this installation's secret key (seal it again with `switchboard blobs seal-secret`)")?
    };
    Ok(S3Settings {
        endpoint: b.s3_endpoint.trim().to_string(),
        bucket: b.s3_bucket.trim().to_string(),
        region: b.s3_region.trim().to_string(),
        prefix: b.s3_prefix.trim().to_string(),
        access_key_id: b.s3_access_key_id.trim().to_string(),
        secret_access_key: secret,
    })
}

/// The S3 store the settings name.
pub fn s3(c: &Config) -> anyhow::Result<S3BlobStore> {
    let settings = s3_settings(c)?;
    S3BlobStore::new(&settings).context("cannot set up the S3 blob store")
}

/// The blob store in force.
pub fn open(c: &Config) -> anyhow::Result<Arc<dyn BlobStore>> {
    match c.blobs.backend.trim() {
        "" | "local" => Ok(Arc::new(local(c))),
        "s3" => Ok(Arc::new(s3(c)?)),
        other => bail!("blobs.backend is {other:?}: it must be \"local\" or \"s3\""),
    }
}
