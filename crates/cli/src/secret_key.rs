//! The installation's secret key, which seals mail server passwords in the database: from the
//! `secret_key` setting (base64 of 32 bytes), or else from `<data_dir>/secret.key`, created with
//! owner-only permissions on first start.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use switchboard_store::Sealer;
use switchboard_store::seal::KEY_LEN;

use crate::config::Config;

fn decode(text: &str, from: &str) -> anyhow::Result<[u8; KEY_LEN]> {
    let bytes = STANDARD
        .decode(text.trim())
        .with_context(|| format!("{from}: the secret key must be base64"))?;
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("{from}: the secret key must be {KEY_LEN} bytes"))
}

/// Reads (or creates) the key file.
fn key_file(path: &Path) -> anyhow::Result<[u8; KEY_LEN]> {
    match std::fs::read_to_string(path) {
        Ok(text) => decode(&text, &path.display().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = Sealer::generate_key()?;
            let tmp = path.with_extension("key.tmp");
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f = opts
                .open(&tmp)
                .with_context(|| format!("cannot create {}", tmp.display()))?;
            f.write_all(STANDARD.encode(key).as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)?;
            tracing::info!(path = %path.display(), "created the secret key file; back it up with the database");
            Ok(key)
        }
        Err(e) => bail!("cannot read {}: {e}", path.display()),
    }
}

/// The key bytes: from the setting, or the key file.
fn key(c: &Config) -> anyhow::Result<[u8; KEY_LEN]> {
    if c.secret_key.0.trim().is_empty() {
        key_file(&c.data_dir.join("secret.key"))
    } else {
        decode(&c.secret_key.0, "secret_key")
    }
}

/// The sealer for this installation.
pub fn sealer(c: &Config) -> anyhow::Result<Sealer> {
    Ok(Sealer::new(&key(c)?)?)
}

/// The token the nodes of a cluster show each other on their internal calls: derived from the
/// secret key every node shares (a hash of it under a purpose label), so it needs no setting
/// and never reveals the key.
pub fn cluster_token(c: &Config) -> anyhow::Result<String> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"switchboard cluster token v1\0");
    h.update(key(c)?);
    Ok(hex::encode(h.finalize()))
}
