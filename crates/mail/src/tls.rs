//! TLS for the mail clients: rustls with the ring provider, trusting the system's roots plus any
//! extra CA certificates the operator configured (mail servers with private certificates).

use std::sync::Arc;

use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use crate::stream::MailStream;

/// A TLS set-up failure.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The extra CA file could not be read or holds no certificate.
    #[error("trusted CA certificates: {0}")]
    Certificates(String),
    /// The host name is not a valid TLS server name.
    #[error("invalid TLS server name {0:?}")]
    ServerName(String),
    /// The handshake failed.
    #[error("TLS handshake with {host}: {source}")]
    Handshake {
        /// The server.
        host: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Which certificates the mail clients trust; cheap to clone.
#[derive(Clone)]
pub struct TlsTrust {
    config: Arc<ClientConfig>,
    extra_pem: Arc<Vec<u8>>,
}

impl std::fmt::Debug for TlsTrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsTrust")
            .field("extra_pem_bytes", &self.extra_pem.len())
            .finish()
    }
}

impl TlsTrust {
    /// The system's trusted roots plus the certificates in `extra_pem` (PEM, may be empty).
    pub fn new(extra_pem: &[u8]) -> Result<TlsTrust, TlsError> {
        let mut roots = RootCertStore::empty();
        // A machine without a system store still works with explicitly trusted CAs.
        let native = rustls_native_certs::load_native_certs();
        let _ = roots.add_parsable_certificates(native.certs);
        let extra = parse_pem(extra_pem)?;
        for cert in extra {
            roots
                .add(cert)
                .map_err(|e| TlsError::Certificates(e.to_string()))?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Certificates(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(TlsTrust {
            config: Arc::new(config),
            extra_pem: Arc::new(extra_pem.to_vec()),
        })
    }

    /// Reads the extra CA certificates from a PEM file.
    pub fn from_file(path: Option<&std::path::Path>) -> Result<TlsTrust, TlsError> {
        match path {
            None => TlsTrust::new(b""),
            Some(p) => {
                let pem = std::fs::read(p)
                    .map_err(|e| TlsError::Certificates(format!("{}: {e}", p.display())))?;
                if parse_pem(&pem)?.is_empty() {
                    return Err(TlsError::Certificates(format!(
                        "{}: no certificate found",
                        p.display()
                    )));
                }
                TlsTrust::new(&pem)
            }
        }
    }

    /// The extra CA certificates as configured (PEM), for clients that take their own roots.
    pub fn extra_pem(&self) -> &[u8] {
        &self.extra_pem
    }

    /// The extra CA certificates, one DER each.
    pub fn extra_certificates(&self) -> Vec<Vec<u8>> {
        parse_pem(&self.extra_pem)
            .map(|v| v.into_iter().map(|c| c.to_vec()).collect())
            .unwrap_or_default()
    }

    /// Runs the TLS handshake over `tcp` with `host` and returns the encrypted stream.
    pub async fn connect(&self, tcp: TcpStream, host: &str) -> Result<MailStream, TlsError> {
        let name = ServerName::try_from(host.to_string())
            .map_err(|_| TlsError::ServerName(host.to_string()))?;
        let tls = TlsConnector::from(Arc::clone(&self.config))
            .connect(name, tcp)
            .await
            .map_err(|source| TlsError::Handshake {
                host: host.to_string(),
                source,
            })?;
        Ok(MailStream::Tls(Box::new(tls)))
    }
}

fn parse_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let mut reader = pem;
    rustls_pemfile::certs(&mut reader)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Certificates(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_extra_is_fine_and_garbage_file_is_refused() {
        assert!(TlsTrust::new(b"").is_ok());
        let dir = std::env::temp_dir().join(format!("sb-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("ca.pem");
        std::fs::write(&f, b"not a certificate").unwrap();
        assert!(matches!(
            TlsTrust::from_file(Some(&f)),
            Err(TlsError::Certificates(_))
        ));
        let _ = std::fs::remove_dir_all(dir);
    }
}
