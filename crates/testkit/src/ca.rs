//! A throwaway certificate authority and a loopback server certificate, made with `openssl`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

use crate::process::run;

/// Extensions of the server certificate. `CA:FALSE` matters: rustls rejects a certificate that
/// says `CA:TRUE` as a server certificate (`CaUsedAsEndEntity`).
const SERVER_EXTENSIONS: &str = "\
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
";

/// A test certificate authority (`CA:TRUE`) and a server certificate it signed for `localhost`
/// and `127.0.0.1` (`CA:FALSE`, `serverAuth`), with P-256 keys, in a temp dir removed on drop.
///
/// Clients trust [`TestCa::ca_pem`]; servers use [`TestCa::cert_path`] and [`TestCa::key_path`].
#[derive(Debug)]
pub struct TestCa {
    dir: TempDir,
    ca_pem: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

impl TestCa {
    /// Generates a fresh CA and server certificate with the `openssl` command (a few tens of
    /// milliseconds). Panics with openssl's output when it fails.
    pub fn generate() -> TestCa {
        let dir = tempfile::Builder::new()
            .prefix("sbtk-ca-")
            .tempdir()
            .expect("create a temp dir for the test CA");
        let path = |name: &str| dir.path().join(name);
        let (ca_pem, ca_key, cert, key, csr, ext, serial) = (
            path("ca.pem"),
            path("ca.key"),
            path("cert.pem"),
            path("key.pem"),
            path("server.csr"),
            path("server.ext"),
            path("ca.srl"),
        );
        run(Command::new("openssl")
            .args(["req", "-x509", "-new", "-nodes", "-days", "3650"])
            .args(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"])
            .args(["-subj", "/CN=Switchboard Test CA"])
            .args(["-addext", "basicConstraints=critical,CA:TRUE"])
            .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"])
            .arg("-keyout")
            .arg(&ca_key)
            .arg("-out")
            .arg(&ca_pem));
        run(Command::new("openssl")
            .args(["req", "-new", "-nodes"])
            .args(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"])
            .args(["-subj", "/CN=localhost"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&csr));
        fs::write(&ext, SERVER_EXTENSIONS).expect("write the server certificate extensions");
        run(Command::new("openssl")
            .args(["x509", "-req", "-days", "3650", "-CAcreateserial"])
            .arg("-in")
            .arg(&csr)
            .arg("-CA")
            .arg(&ca_pem)
            .arg("-CAkey")
            .arg(&ca_key)
            .arg("-CAserial")
            .arg(&serial)
            .arg("-extfile")
            .arg(&ext)
            .arg("-out")
            .arg(&cert));
        TestCa {
            dir,
            ca_pem,
            cert,
            key,
        }
    }

    /// The CA certificate (PEM) that clients must trust.
    pub fn ca_pem_path(&self) -> &Path {
        &self.ca_pem
    }

    /// The server certificate (PEM), signed by the CA.
    pub fn cert_path(&self) -> &Path {
        &self.cert
    }

    /// The server certificate's private key (PEM, unencrypted).
    pub fn key_path(&self) -> &Path {
        &self.key
    }

    /// The CA certificate's PEM bytes, e.g. for a rustls root store.
    pub fn ca_pem(&self) -> Vec<u8> {
        fs::read(&self.ca_pem).expect("read the test CA certificate")
    }

    /// The directory holding the files (removed when the `TestCa` is dropped).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}
