//! Blob keys: `<sha256>` for a blob in its own file, `<sha256>:<pack>:<offset>:<length>` for a
//! blob inside a pack file.

use sha2::{Digest, Sha256};

/// A blob's name: the lower-case hex SHA-256 of its content, and, for a blob written in a
/// batch, where it lies in the batch's pack file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobKey(String);

/// Hex digits of a SHA-256.
const HASH_LEN: usize = 64;
/// Longest pack name accepted.
const PACK_MAX: usize = 64;

/// Where a packed blob lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Location<'a> {
    /// The pack's name (lower-case hex digits and `-`, so it is path-safe).
    pub(crate) pack: &'a str,
    /// Byte offset in the pack.
    pub(crate) offset: u64,
    /// Length in bytes.
    pub(crate) len: u64,
}

fn is_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// Whether `s` is a content hash as keys spell it: 64 lower-case hex digits.
pub(crate) fn is_hash(s: &str) -> bool {
    s.len() == HASH_LEN && is_hex(s)
}

/// Whether `s` can be a pack's name: 1 to 64 lower-case hex digits and `-` (so it is
/// path-safe).
pub(crate) fn is_pack_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= PACK_MAX
        && s.bytes()
            .all(|b| b == b'-' || (b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
}

impl BlobKey {
    /// The content address of some bytes (the key of a blob in its own file).
    pub fn of(bytes: &[u8]) -> BlobKey {
        BlobKey(hex::encode(Sha256::digest(bytes)))
    }

    /// The key of a blob at `offset` in `pack`.
    pub(crate) fn packed(hash: &BlobKey, pack: &str, offset: u64, len: u64) -> BlobKey {
        BlobKey(format!("{}:{pack}:{offset}:{len}", hash.hash()))
    }

    /// Parses a stored key; rejects anything malformed (so every part is path-safe).
    pub fn parse(s: &str) -> Option<BlobKey> {
        let key = BlobKey(s.to_string());
        let hash = s.get(..HASH_LEN)?;
        if !is_hex(hash) {
            return None;
        }
        (s.len() == HASH_LEN || key.location().is_some()).then_some(key)
    }

    /// The whole key, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SHA-256 of the content, in hex: equal content has an equal hash wherever it lies.
    pub fn hash(&self) -> &str {
        self.0.get(..HASH_LEN).unwrap_or(&self.0)
    }

    /// Checks that `bytes` are the content this key names.
    pub(crate) fn check(&self, bytes: &[u8]) -> Result<(), super::BlobError> {
        if hex::encode(Sha256::digest(bytes)) == self.hash() {
            Ok(())
        } else {
            Err(super::BlobError::Damaged(self.0.clone()))
        }
    }

    /// Where a packed blob lies; `None` for a blob in its own file.
    pub(crate) fn location(&self) -> Option<Location<'_>> {
        let rest = self.0.get(HASH_LEN..)?.strip_prefix(':')?;
        let mut parts = rest.split(':');
        let pack = parts.next()?;
        let offset = parts.next()?.parse().ok()?;
        let len = parts.next()?.parse().ok()?;
        (parts.next().is_none() && is_pack_name(pack)).then_some(Location { pack, offset, len })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms_and_nothing_else() {
        let loose = BlobKey::of(b"x");
        assert_eq!(BlobKey::parse(loose.as_str()), Some(loose.clone()));
        assert_eq!(loose.location(), None);
        let packed = BlobKey::packed(&loose, "0193a-bc", 10, 20);
        let parsed = BlobKey::parse(packed.as_str());
        assert_eq!(parsed.as_ref(), Some(&packed));
        assert_eq!(packed.hash(), loose.hash());
        assert_eq!(
            packed.location(),
            Some(Location {
                pack: "0193a-bc",
                offset: 10,
                len: 20
            })
        );
        let h = loose.as_str();
        for bad in [
            "../etc/passwd".to_string(),
            h[..63].to_string(),
            h.to_uppercase(),
            format!("{h}:"),
            format!("{h}:../x:1:2"),
            format!("{h}:ab:1"),
            format!("{h}:ab:1:2:3"),
            format!("{h}:ab:-1:2"),
            format!("{h}:zz:1:2"),
            format!("{h}x"),
        ] {
            assert_eq!(BlobKey::parse(&bad), None, "{bad}");
        }
    }
}
