//! The garbage collector's decision, pure: given the files listed, the blobs the database refers
//! to and a cut-off time, which files are garbage. A pack is kept when any key refers to it (a
//! partly used pack is kept whole: there is no compaction); a lone blob when a bare key names
//! its hash; a temporary file never is. Only a file last modified before the cut-off (now minus
//! the grace period) can be garbage: a blob is written before the row that refers to it
//! commits, and the grace period covers that gap.

use std::time::Duration;

use switchboard_domain::Timestamp;

use super::inventory::{FileKind, StoredFile};
use super::references::ReferencedBlobs;

/// What becomes of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing refers to it and it is older than the grace period: remove it.
    Garbage,
    /// A key in the database refers to it.
    Referenced,
    /// Modified within the grace period (or at an unknown time): its row may not be
    /// committed yet.
    TooYoung,
    /// Not a blob store file: never touched.
    Other,
}

/// The instant before which a file must have been modified last to be garbage: `now` minus
/// `grace`.
pub fn cutoff(now: Timestamp, grace: Duration) -> Timestamp {
    let grace_ms = i64::try_from(grace.as_millis()).unwrap_or(i64::MAX);
    Timestamp::from_millis(now.millis().saturating_sub(grace_ms))
}

/// The verdict on one file.
pub fn verdict(file: &StoredFile, refs: &ReferencedBlobs, cutoff: Timestamp) -> Verdict {
    let referenced = match &file.kind {
        FileKind::Other => return Verdict::Other,
        FileKind::Pack { name } => refs.has_pack(name),
        FileKind::Loose { hash } => refs.has_loose(hash),
        FileKind::Temp => false,
    };
    if referenced {
        Verdict::Referenced
    } else if file.modified.is_some_and(|m| m < cutoff) {
        Verdict::Garbage
    } else {
        Verdict::TooYoung
    }
}

/// The files to remove and how many of each kind are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The garbage, in the order listed.
    pub garbage: Vec<StoredFile>,
    /// Files kept because a key refers to them.
    pub referenced: u64,
    /// Files kept because they are too young.
    pub young: u64,
    /// Files kept because they are no blob store files.
    pub other: u64,
}

/// Sorts every listed file by its verdict.
pub fn plan(files: Vec<StoredFile>, refs: &ReferencedBlobs, cutoff: Timestamp) -> Plan {
    let mut p = Plan::default();
    for f in files {
        match verdict(&f, refs, cutoff) {
            Verdict::Garbage => p.garbage.push(f),
            Verdict::Referenced => p.referenced += 1,
            Verdict::TooYoung => p.young += 1,
            Verdict::Other => p.other += 1,
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blob::BlobKey;

    const NOW: i64 = 1_795_000_000_000;
    const HOUR: i64 = 3_600_000;

    fn file(kind: FileKind, modified: Option<i64>) -> StoredFile {
        StoredFile {
            path: "x".into(),
            kind,
            bytes: 10,
            modified: modified.map(Timestamp::from_millis),
        }
    }

    fn pack(name: &str) -> FileKind {
        FileKind::Pack { name: name.into() }
    }

    fn loose(content: &[u8]) -> FileKind {
        FileKind::Loose {
            hash: BlobKey::of(content).hash().to_string(),
        }
    }

    #[test]
    fn cutoff_is_now_minus_grace_and_saturates() {
        let now = Timestamp::from_millis(NOW);
        assert_eq!(cutoff(now, Duration::from_secs(3600)).millis(), NOW - HOUR);
        assert_eq!(cutoff(now, Duration::ZERO), now);
        // A grace beyond all time: nothing is ever old enough.
        assert_eq!(cutoff(now, Duration::MAX).millis(), NOW - i64::MAX);
    }

    #[test]
    fn verdicts() {
        let mut refs = ReferencedBlobs::default();
        let used = BlobKey::of(b"used");
        refs.add(&format!("{}:000000000001-aa:0:4", used.hash()));
        refs.add(BlobKey::of(b"lone").as_str());
        let cut = Timestamp::from_millis(NOW - HOUR);
        let old = Some(NOW - 2 * HOUR);
        let young = Some(NOW - HOUR / 2);
        let edge = Some(NOW - HOUR);
        let cases = [
            (
                "referenced pack, old",
                file(pack("000000000001-aa"), old),
                Verdict::Referenced,
            ),
            (
                "referenced pack, young",
                file(pack("000000000001-aa"), young),
                Verdict::Referenced,
            ),
            (
                "unreferenced pack, old",
                file(pack("000000000002-bb"), old),
                Verdict::Garbage,
            ),
            (
                "unreferenced pack, young",
                file(pack("000000000002-bb"), young),
                Verdict::TooYoung,
            ),
            (
                "unreferenced pack, exactly the grace",
                file(pack("000000000002-bb"), edge),
                Verdict::TooYoung,
            ),
            (
                "unreferenced pack, unknown age",
                file(pack("000000000002-bb"), None),
                Verdict::TooYoung,
            ),
            (
                "lone blob named by a bare key",
                file(loose(b"lone"), old),
                Verdict::Referenced,
            ),
            (
                "lone blob whose content is only packed",
                file(loose(b"used"), old),
                Verdict::Garbage,
            ),
            (
                "lone blob nobody names",
                file(loose(b"nobody"), old),
                Verdict::Garbage,
            ),
            (
                "lone blob nobody names, young",
                file(loose(b"nobody"), young),
                Verdict::TooYoung,
            ),
            (
                "stale temporary file",
                file(FileKind::Temp, old),
                Verdict::Garbage,
            ),
            (
                "temporary file being written",
                file(FileKind::Temp, young),
                Verdict::TooYoung,
            ),
            (
                "something else, old",
                file(FileKind::Other, old),
                Verdict::Other,
            ),
            (
                "something else, unknown age",
                file(FileKind::Other, None),
                Verdict::Other,
            ),
        ];
        for (what, f, expected) in cases {
            assert_eq!(verdict(&f, &refs, cut), expected, "{what}");
        }
    }

    #[test]
    fn a_plan_keeps_the_order_and_counts_what_it_keeps() {
        let mut refs = ReferencedBlobs::default();
        refs.add(BlobKey::of(b"kept").as_str());
        let old = Some(NOW - 2 * HOUR);
        let files = vec![
            file(FileKind::Temp, old),
            file(loose(b"kept"), old),
            file(pack("000000000003-cc"), old),
            file(pack("000000000004-dd"), Some(NOW)),
            file(FileKind::Other, old),
        ];
        let p = plan(files.clone(), &refs, Timestamp::from_millis(NOW - HOUR));
        assert_eq!(p.garbage, vec![files[0].clone(), files[2].clone()]);
        assert_eq!((p.referenced, p.young, p.other), (1, 1, 1));
        let nothing = plan(Vec::new(), &refs, Timestamp::from_millis(NOW));
        assert_eq!(nothing, Plan::default());
    }
}
