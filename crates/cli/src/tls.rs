//! Built-in HTTPS (rustls on ring): the certificate and key from `[web] tls_cert` / `tls_key`,
//! reloaded without a restart when the files change (checked every `tls_reload_secs`) or on
//! SIGHUP. A reload that fails keeps the certificate in use and logs why; new connections get
//! the new certificate, open ones keep theirs.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use axum_server::tls_rustls::RustlsConfig;

/// The TLS configuration read from the files.
pub async fn load(cert: &Path, key: &Path) -> anyhow::Result<RustlsConfig> {
    RustlsConfig::from_pem_file(cert, key)
        .await
        .with_context(|| {
            format!(
                "cannot use the TLS certificate {} with the key {}",
                cert.display(),
                key.display()
            )
        })
}

/// The files' newest modification time, if they can be read.
fn stamp(cert: &Path, key: &Path) -> Option<SystemTime> {
    let m = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    m(cert).max(m(key))
}

/// Reloads `config` when the files change or on SIGHUP, until `stop` turns true.
pub fn watch(
    config: RustlsConfig,
    cert: PathBuf,
    key: PathBuf,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .context("cannot listen for SIGHUP")?;
    Ok(tokio::spawn(async move {
        let mut seen = stamp(&cert, &key);
        loop {
            let asked = tokio::select! {
                _ = tokio::time::sleep(every) => false,
                _ = hangup.recv() => true,
                _ = stop.wait_for(|s| *s) => return,
            };
            let now = stamp(&cert, &key);
            if !asked && now == seen {
                continue;
            }
            match config.reload_from_pem_file(&cert, &key).await {
                Ok(()) => {
                    seen = now;
                    tracing::info!(cert = %cert.display(), "TLS certificate reloaded");
                }
                Err(e) => {
                    tracing::warn!(cert = %cert.display(), error = %e,
                        "TLS certificate not reloaded; the one in use stays");
                }
            }
        }
    }))
}
