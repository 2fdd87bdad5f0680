//! Secrets at rest: mail server passwords are sealed with ChaCha20-Poly1305 under the
//! installation's secret key before they reach the database, and opened only for the services
//! that log in with them. Sealed text: `v1:` + base64(nonce ‖ ciphertext ‖ tag).

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::StoreError;

/// Length of a secret key in bytes.
pub const KEY_LEN: usize = 32;

/// Seals and opens secrets with one key; cheap to clone.
#[derive(Clone)]
pub struct Sealer {
    key: Arc<LessSafeKey>,
    rng: SystemRandom,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(…)")
    }
}

impl Sealer {
    /// A sealer over a 32-byte key.
    pub fn new(key: &[u8; KEY_LEN]) -> Result<Sealer, StoreError> {
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, key)
            .map_err(|_| StoreError::Internal("bad secret key".into()))?;
        Ok(Sealer {
            key: Arc::new(LessSafeKey::new(unbound)),
            rng: SystemRandom::new(),
        })
    }

    /// A new random key.
    pub fn generate_key() -> Result<[u8; KEY_LEN], StoreError> {
        let mut k = [0u8; KEY_LEN];
        SystemRandom::new()
            .fill(&mut k)
            .map_err(|_| StoreError::Internal("no randomness for a secret key".into()))?;
        Ok(k)
    }

    /// Seals `plain`; `purpose` is bound to the result (a secret sealed for one purpose does not
    /// open for another).
    pub fn seal(&self, purpose: &str, plain: &str) -> Result<String, StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| StoreError::Internal("no randomness for a nonce".into()))?;
        let mut buf = plain.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(purpose.as_bytes()),
                &mut buf,
            )
            .map_err(|_| StoreError::Internal("sealing failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(format!("v1:{}", STANDARD.encode(out)))
    }

    /// Opens a sealed secret.
    pub fn open(&self, purpose: &str, sealed: &str) -> Result<String, StoreError> {
        let bad = || {
            StoreError::Internal(
                "a stored secret does not open with this installation's secret key".into(),
            )
        };
        let body = sealed.strip_prefix("v1:").ok_or_else(bad)?;
        let mut bytes = STANDARD.decode(body).map_err(|_| bad())?;
        if bytes.len() < NONCE_LEN {
            return Err(bad());
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&bytes[..NONCE_LEN]);
        let plain = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(purpose.as_bytes()),
                &mut bytes[NONCE_LEN..],
            )
            .map_err(|_| bad())?;
        String::from_utf8(plain.to_vec()).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_only_with_the_same_key_and_purpose() {
        let s = Sealer::new(&Sealer::generate_key().unwrap()).unwrap();
        let sealed = s.seal("incoming", "hunter2").unwrap();
        assert!(!sealed.contains("hunter2"));
        assert_ne!(sealed, s.seal("incoming", "hunter2").unwrap());
        assert_eq!(s.open("incoming", &sealed).unwrap(), "hunter2");
        assert!(s.open("outgoing", &sealed).is_err());
        let other = Sealer::new(&Sealer::generate_key().unwrap()).unwrap();
        assert!(other.open("incoming", &sealed).is_err());
        assert!(s.open("incoming", "v1:AAAA").is_err());
    }
}
