//! Signing per the Standard Webhooks spec: the headers `webhook-id`, `webhook-timestamp` and
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under the subscription's
//! secret (`whsec_` and base64 of its bytes), plus the GitHub-style
//! `X-Switchboard-Signature: sha256=<hex HMAC of the body>` many receivers understand.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::ValidationError;

/// The prefix of a secret as shown to administrators.
const PREFIX: &str = "whsec_";
/// Fewest secret bytes accepted (the spec asks for 24 to 64).
const MIN_BYTES: usize = 24;
/// Most secret bytes accepted.
const MAX_BYTES: usize = 64;

/// A subscription's signing secret, with its keyed MAC ready. Kept out of `Debug`.
#[derive(Clone)]
pub struct Secret {
    bytes: Vec<u8>,
    mac: Hmac<Sha256>,
}

impl PartialEq for Secret {
    fn eq(&self, other: &Secret) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for Secret {}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Secret {
    /// A secret of `bytes` (random ones, from the caller: this crate draws no randomness);
    /// refused unless 24 to 64 bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Secret, ValidationError> {
        if !(MIN_BYTES..=MAX_BYTES).contains(&bytes.len()) {
            return Err(ValidationError::new(
                "secret",
                format!("must be {MIN_BYTES} to {MAX_BYTES} bytes"),
            ));
        }
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(&bytes)
            .map_err(|_| ValidationError::new("secret", "cannot key a MAC with it"))?;
        Ok(Secret { bytes, mac })
    }

    /// Parses `whsec_<base64>` as shown to administrators.
    pub fn parse(text: &str) -> Result<Secret, ValidationError> {
        let body = text
            .trim()
            .strip_prefix(PREFIX)
            .ok_or_else(|| ValidationError::new("secret", format!("must start with {PREFIX}")))?;
        let bytes = STANDARD
            .decode(body)
            .map_err(|_| ValidationError::new("secret", "must be base64 after the prefix"))?;
        Secret::from_bytes(bytes)
    }

    /// The secret as shown to administrators: `whsec_<base64>`.
    pub fn reveal(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.bytes))
    }
}

/// The signatures of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// `webhook-signature`: `v1,<base64>`.
    pub standard: String,
    /// `X-Switchboard-Signature`: `sha256=<hex>`.
    pub github: String,
}

/// Signs `body` sent as message `id` at `timestamp` (Unix seconds).
pub fn sign(secret: &Secret, id: &str, timestamp: i64, body: &[u8]) -> Signature {
    let mut standard = secret.mac.clone();
    standard.update(format!("{id}.{timestamp}.").as_bytes());
    standard.update(body);
    let mut github = secret.mac.clone();
    github.update(body);
    Signature {
        standard: format!("v1,{}", STANDARD.encode(standard.finalize().into_bytes())),
        github: format!("sha256={}", hex(&github.finalize().into_bytes())),
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_like_the_standard_webhooks_reference() {
        // The spec's own example, checked with its reference library.
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let s = sign(
            &secret,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(
            s.standard,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        // The body's HMAC alone, as Python's hmac module computes it with the same key.
        assert_eq!(
            s.github,
            "sha256=e2cb4f5251572539d458bfb8a7adb533b08801e6a794467e06f771debbb0818b"
        );
        // Any change to id, time or body changes the signature.
        for other in [
            sign(&secret, "msg_other", 1614265330, br#"{"test": 2432232314}"#),
            sign(
                &secret,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265331,
                br#"{"test": 2432232314}"#,
            ),
            sign(
                &secret,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test": 2432232315}"#,
            ),
        ] {
            assert_ne!(other.standard, s.standard);
        }
    }

    #[test]
    fn secrets_are_checked_round_trip_and_never_printed() {
        let secret = Secret::from_bytes(vec![7; 32]).unwrap();
        assert_eq!(Secret::parse(&secret.reveal()).unwrap(), secret);
        assert!(!format!("{secret:?}").contains(&secret.reveal()[6..]));
        for bad in [
            "",
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_!!!",
            "whsec_AAAA",
        ] {
            assert_eq!(Secret::parse(bad).unwrap_err().field, "secret", "{bad}");
        }
        assert!(Secret::from_bytes(vec![1; 65]).is_err());
    }
}
