//! The S3 blob backend against a real S3-compatible server (moto's, started by the test): a
//! batch is one object and every blob reads back; a lone blob is a new object each time, never
//! an overwrite; damage and missing objects are told apart; a migration's import is idempotent
//! and checks hashes; a prefix keeps installations apart; the write probe works.

#![allow(clippy::panic, clippy::unwrap_used)]

use std::sync::Arc;

use bytes::Bytes;
use switchboard_store::blob::{FileKind, StoredFile, Tally};
use switchboard_store::{BlobError, BlobKey, BlobStore, S3BlobStore, S3Settings};
use switchboard_testkit::{S3Server, require_or_skip};

type R = Result<(), Box<dyn std::error::Error>>;

fn settings(server: &S3Server, prefix: &str) -> S3Settings {
    S3Settings {
        endpoint: server.endpoint(),
        bucket: server.bucket().to_string(),
        region: "us-east-1".into(),
        prefix: prefix.into(),
        access_key_id: "test".into(),
        secret_access_key: "test".into(),
    }
}

fn quiet() -> Tally {
    Arc::new(|_, _| {})
}

async fn listing(store: &S3BlobStore) -> Result<Vec<StoredFile>, BlobError> {
    store.list_files(quiet()).await
}

#[tokio::test]
async fn blobs_round_trip_through_a_bucket() -> R {
    if !require_or_skip("moto") {
        return Ok(());
    }
    let server = S3Server::start("blobs");
    let store = S3BlobStore::new(&settings(&server, "site-a"))?;
    store.check_writable().await?;

    let blobs: Vec<Bytes> = (0..12)
        .map(|i| Bytes::from(format!("message {}", i % 10)))
        .collect();
    let keys = store.put_many(blobs.clone()).await?;
    assert_eq!(keys.len(), 12);
    assert_eq!(keys[1], keys[11], "equal blobs of a batch share a key");
    for (k, b) in keys.iter().zip(&blobs) {
        assert!(k.as_str().contains(':'), "{k:?} is not packed");
        assert_eq!(store.get(k).await?, b.to_vec());
    }
    let files = listing(&store).await?;
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(matches!(files[0].kind, FileKind::Pack { .. }));
    let expected: usize = blobs[..10].iter().map(Bytes::len).sum();
    assert_eq!(files[0].bytes, expected as u64);
    assert!(files[0].modified.is_some());

    // A lone blob stored twice is two objects (never an overwrite), both readable.
    let one = store.put(b"lone").await?;
    let again = store.put(b"lone").await?;
    assert_ne!(one, again);
    assert_eq!(one.hash(), BlobKey::of(b"lone").hash());
    assert_eq!(store.get(&again).await?, b"lone");
    assert_eq!(listing(&store).await?.len(), 3);
    assert!(store.put_many(Vec::new()).await?.is_empty());
    let with_empty = store
        .put_many(vec![Bytes::new(), Bytes::from("after the empty one")])
        .await?;
    assert_eq!(store.get(&with_empty[0]).await?, b"");
    assert_eq!(store.get(&with_empty[1]).await?, b"after the empty one");

    // Another prefix in the same bucket sees none of it.
    let other = S3BlobStore::new(&settings(&server, "site-b"))?;
    assert!(listing(&other).await?.is_empty());
    assert!(matches!(other.get(&one).await, Err(BlobError::NotFound(_))));
    Ok(())
}

#[tokio::test]
async fn damage_missing_objects_and_imports() -> R {
    if !require_or_skip("moto") {
        return Ok(());
    }
    let server = S3Server::start("blobs");
    let store = S3BlobStore::new(&settings(&server, ""))?;
    let keys = store
        .put_many(vec![Bytes::from("first"), Bytes::from("second")])
        .await?;
    let pack = keys[0].as_str().split(':').nth(1).unwrap().to_string();

    // A key whose range lies past the pack's end, or whose bytes do not hash to it.
    let long = BlobKey::parse(&format!("{}:{pack}:5:9999", keys[1].hash())).unwrap();
    assert!(matches!(store.get(&long).await, Err(BlobError::Damaged(_))));
    let shifted = BlobKey::parse(&format!("{}:{pack}:1:5", keys[0].hash())).unwrap();
    assert!(matches!(
        store.get(&shifted).await,
        Err(BlobError::Damaged(_))
    ));
    let gone = BlobKey::parse(&format!("{}:0193a0b1c2d3e-00:0:5", keys[0].hash())).unwrap();
    assert!(matches!(
        store.get(&gone).await,
        Err(BlobError::NotFound(_))
    ));
    let bare = BlobKey::of(b"never stored");
    assert!(matches!(
        store.get(&bare).await,
        Err(BlobError::NotFound(_))
    ));

    // Imports: a lone blob lands where bare keys are read; again is a no-op; a different
    // object already at the path is refused; damaged bytes are refused.
    let key = BlobKey::of(b"old attachment");
    let loose = StoredFile {
        path: format!("{}/{}/{}", &key.hash()[..2], &key.hash()[2..4], key.hash()),
        kind: FileKind::Loose {
            hash: key.hash().to_string(),
        },
        bytes: 14,
        modified: None,
    };
    assert!(store.import(&loose, Bytes::from("old attachment")).await?);
    assert_eq!(store.get(&key).await?, b"old attachment");
    assert!(!store.import(&loose, Bytes::from("old attachment")).await?);
    assert!(matches!(
        store.import(&loose, Bytes::from("OLD attachment")).await,
        Err(BlobError::Damaged(_))
    ));
    let packed = StoredFile {
        path: format!("packs/{}/{pack}", &pack[..5]),
        kind: FileKind::Pack { name: pack.clone() },
        bytes: 3,
        modified: None,
    };
    assert!(matches!(
        store.import(&packed, Bytes::from("abc")).await,
        Err(BlobError::Io(_))
    ));
    assert_eq!(store.get(&keys[0]).await?, b"first", "never overwritten");
    let temp = StoredFile {
        path: "packs/0193a/.x.tmp".into(),
        kind: FileKind::Temp,
        bytes: 1,
        modified: None,
    };
    assert!(!store.import(&temp, Bytes::from("x")).await?);
    Ok(())
}

#[tokio::test]
async fn an_unreachable_store_fails_its_write_probe() -> R {
    let port = switchboard_testkit::free_port();
    let store = S3BlobStore::new(&S3Settings {
        endpoint: format!("http://127.0.0.1:{port}"),
        bucket: "none".into(),
        region: "us-east-1".into(),
        access_key_id: "test".into(),
        secret_access_key: "test".into(),
        ..S3Settings::default()
    })?;
    assert!(matches!(
        store.check_writable().await,
        Err(BlobError::Io(_))
    ));
    let debug = format!(
        "{:?}",
        S3Settings {
            secret_access_key: "hunter2".into(),
            ..S3Settings::default()
        }
    );
    assert!(!debug.contains("hunter2"), "{debug}");
    Ok(())
}

#[tokio::test]
async fn the_collector_removes_only_listed_objects_older_than_the_cutoff() -> R {
    if !require_or_skip("moto") {
        return Ok(());
    }
    let server = S3Server::start("blobs");
    let store = S3BlobStore::new(&settings(&server, "gc"))?;
    let first = store.put(b"one").await?;
    let second = store.put(b"two").await?;
    let mut files = listing(&store).await?;
    assert_eq!(files.len(), 2);
    files.sort_by_key(|f| f.path.clone());
    let written = files.iter().filter_map(|f| f.modified).max().unwrap();

    // Nothing is older than a cutoff before the writes.
    let early = written.plus_secs(-60);
    let kept = store.remove_files(files.clone(), early, quiet()).await?;
    assert!(kept.removed.is_empty());
    assert_eq!(kept.skipped, 2);

    // A listed object that is not a blob store object is refused; one that changed size since
    // the listing is kept.
    let mut odd = files[0].clone();
    odd.kind = FileKind::Other;
    let mut resized = files[1].clone();
    resized.bytes += 1;
    let late = written.plus_secs(60);
    let refused = store
        .remove_files(vec![odd, resized], late, quiet())
        .await?;
    assert_eq!((refused.failed, refused.skipped), (1, 1));
    assert!(refused.removed.is_empty());

    // After the cutoff, both go, and are gone.
    let done = store.remove_files(files, late, quiet()).await?;
    assert_eq!(done.removed.len(), 2, "{done:?}");
    assert!(listing(&store).await?.is_empty());
    for key in [first, second] {
        assert!(matches!(store.get(&key).await, Err(BlobError::NotFound(_))));
    }
    Ok(())
}

#[test]
fn settings_without_an_endpoint_mean_aws_by_region() {
    let store = S3BlobStore::new(&S3Settings {
        bucket: "switchboard-blobs".into(),
        region: "eu-central-1".into(),
        access_key_id: "id".into(),
        secret_access_key: "secret".into(),
        ..S3Settings::default()
    });
    assert!(store.is_ok(), "{store:?}");
}
