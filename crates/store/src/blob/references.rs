//! The blobs the database refers to, as the garbage collector needs them: the names of packs
//! (a packed key refers to its pack, whatever else the pack holds) and the hashes of lone blobs
//! (a bare `<sha256>` key refers to the file of its own named by that hash). Only names and
//! hashes are held, never rows, so a large store's set stays small.

use std::collections::HashSet;

use super::BlobKey;

/// A content hash in binary (half the memory of its hex).
type Hash = [u8; 32];

/// Every blob the database refers to, by pack name and by lone hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferencedBlobs {
    packs: HashSet<String>,
    loose: HashSet<Hash>,
    references: u64,
    malformed: u64,
}

fn decode(hash: &str) -> Option<Hash> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(hash, &mut out).ok().map(|()| out)
}

impl ReferencedBlobs {
    /// Records one stored key. A key that does not parse is counted as malformed: it cannot
    /// read any file, so it keeps none.
    pub fn add(&mut self, key: &str) {
        match BlobKey::parse(key) {
            Some(k) => self.add_key(&k),
            None => self.malformed += 1,
        }
    }

    fn add_key(&mut self, key: &BlobKey) {
        self.references += 1;
        match key.location() {
            Some(at) => {
                if !self.packs.contains(at.pack) {
                    self.packs.insert(at.pack.to_string());
                }
            }
            None => {
                if let Some(h) = decode(key.hash()) {
                    self.loose.insert(h);
                }
            }
        }
    }

    /// Records every key in a JSON text (a draft's files: `[{"blob": "<key>" | null, …}]`).
    /// To stay on the safe side whatever the shape becomes, every string anywhere in the
    /// document that parses as a key counts; a `blob` field that is a string but no key is
    /// counted as malformed. Text that is not JSON is an error (nothing may be collected
    /// when a reference cannot be read).
    pub fn add_json(&mut self, text: &str) -> Result<(), serde_json::Error> {
        let value: serde_json::Value = serde_json::from_str(text)?;
        self.add_value(&value, false);
        Ok(())
    }

    fn add_value(&mut self, value: &serde_json::Value, blob_field: bool) {
        match value {
            serde_json::Value::String(s) => match BlobKey::parse(s) {
                Some(k) => self.add_key(&k),
                None if blob_field => self.malformed += 1,
                None => {}
            },
            serde_json::Value::Array(items) => {
                for v in items {
                    self.add_value(v, false);
                }
            }
            serde_json::Value::Object(fields) => {
                for (name, v) in fields {
                    self.add_value(v, name == "blob");
                }
            }
            _ => {}
        }
    }

    /// Whether a key refers to the pack named `name`.
    pub fn has_pack(&self, name: &str) -> bool {
        self.packs.contains(name)
    }

    /// Whether a bare key (`<sha256>`) refers to the lone blob with hash `hash` (hex).
    pub fn has_loose(&self, hash: &str) -> bool {
        decode(hash).is_some_and(|h| self.loose.contains(&h))
    }

    /// Keys read (each row's key counts, so shared packs count many times).
    pub fn references(&self) -> u64 {
        self.references
    }

    /// Stored values that are no key (they keep nothing).
    pub fn malformed(&self) -> u64 {
        self.malformed
    }

    /// Distinct packs referred to.
    pub fn pack_count(&self) -> usize {
        self.packs.len()
    }

    /// Distinct lone blobs referred to.
    pub fn loose_count(&self) -> usize {
        self.loose.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_keys_refer_to_their_pack_bare_keys_to_their_file() {
        let a = BlobKey::of(b"a");
        let b = BlobKey::of(b"b");
        let mut refs = ReferencedBlobs::default();
        refs.add(&format!("{}:0193a0b1c2d3e-0f:0:1", a.hash()));
        refs.add(&format!("{}:0193a0b1c2d3e-0f:1:1", b.hash()));
        refs.add(b.as_str());
        refs.add("not a key");
        assert!(refs.has_pack("0193a0b1c2d3e-0f"));
        assert!(!refs.has_pack("0193a0b1c2d3e-10"));
        // A packed key does not keep a lone file of the same content.
        assert!(!refs.has_loose(a.hash()));
        assert!(refs.has_loose(b.hash()));
        assert!(!refs.has_loose("xyz"));
        assert_eq!((refs.references(), refs.malformed()), (3, 1));
        assert_eq!((refs.pack_count(), refs.loose_count()), (1, 1));
    }

    #[test]
    fn draft_files_count_wherever_a_key_appears() -> Result<(), serde_json::Error> {
        let a = BlobKey::of(b"a");
        let b = BlobKey::of(b"b");
        let json = serde_json::json!([
            {"name": "a.txt", "content_type": "text/plain", "size": 1,
             "blob": format!("{}:0193a-bc:0:1", a.hash()), "content_id": null, "inline": false},
            {"name": "blocked", "blob": null},
            {"name": "odd", "blob": "garbage"},
            {"nested": {"other": b.as_str()}}
        ]);
        let mut refs = ReferencedBlobs::default();
        refs.add_json(&json.to_string())?;
        refs.add_json("[]")?;
        assert!(refs.has_pack("0193a-bc"));
        assert!(refs.has_loose(b.hash()));
        assert_eq!((refs.references(), refs.malformed()), (2, 1));
        assert!(refs.add_json("[{").is_err());
        Ok(())
    }
}
