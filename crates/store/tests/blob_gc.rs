//! The blob store's garbage collector against a real store: packs, lone blobs (both layouts),
//! temporary files and other files, referenced from emails, attachments and a draft's files
//! written through the store's API; a dry run removes nothing, a real run removes exactly the
//! garbage, and every referenced blob still reads. SQLite always; PostgreSQL too when
//! `SWITCHBOARD_TEST_POSTGRES_URL` names a server.

#![allow(clippy::panic, clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use switchboard_domain::*;
use switchboard_store::blob::{GcPhase, GcProgressFn};
use switchboard_store::*;

type R = Result<(), Box<dyn std::error::Error>>;

fn options() -> StoreOptions {
    StoreOptions {
        sealer: Some(Sealer::new(&[7u8; 32]).unwrap()),
        ..StoreOptions::default()
    }
}

/// The wall clock: file times are real.
fn now() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    Timestamp::from_millis(i64::try_from(ms).unwrap())
}

async fn sqlite(dir: &Path) -> Result<Store, Box<dyn std::error::Error>> {
    let url = format!("sqlite://{}", dir.join("sb.db").display());
    let store = Store::open(&url, &options()).await?;
    store.migrate(0).await?;
    Ok(store)
}

async fn postgres() -> Result<Option<Store>, Box<dyn std::error::Error>> {
    let Ok(server) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
        eprintln!("notice: SWITCHBOARD_TEST_POSTGRES_URL not set; PostgreSQL half skipped");
        return Ok(None);
    };
    let name = format!("sbgc_{}", auth::random_secret().get(..12).unwrap_or("x"));
    let url = create_postgres_database(&server, &name).await?;
    let store = Store::open(&url, &options()).await?;
    store.migrate(0).await?;
    Ok(Some(store))
}

/// Where a key's file lies under the blob root.
fn file_of(root: &Path, key: &BlobKey) -> PathBuf {
    let s = key.as_str();
    match s.split(':').nth(1) {
        Some(pack) => root.join("packs").join(&pack[..5]).join(pack),
        None => root.join(&s[..2]).join(s),
    }
}

fn backdate(path: &Path, by: Duration) -> R {
    std::fs::File::options()
        .write(true)
        .open(path)?
        .set_modified(SystemTime::now() - by)?;
    Ok(())
}

/// Every file under `root`, relative, `/`-separated (but the collector's lock file).
fn all_files(root: &Path) -> BTreeSet<String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if e.file_name() != ".gc.lock" {
                let rel = p.strip_prefix(root).unwrap();
                out.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(root, root, &mut out);
    out
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap().to_string_lossy().into_owned()
}

fn content(subject: &str, files: Vec<StoredAttachment>) -> InboundContent {
    InboundContent {
        message_id: None,
        in_reply_to: vec![],
        references: vec![],
        from: Some(Mailbox {
            name: None,
            address: "carol@customer.example".into(),
        }),
        reply_to: vec![],
        to: vec![],
        cc: vec![],
        original_recipients: vec![],
        subject: subject.into(),
        date: None,
        text: "Hello".into(),
        html: None,
        kind: EmailKind::Normal,
        kind_reason: String::new(),
        bounce: None,
        attachments: files,
        headers: vec![],
    }
}

fn file(name: &str, key: &BlobKey, size: usize) -> StoredAttachment {
    StoredAttachment {
        name: name.into(),
        content_type: "text/plain".into(),
        size: size as u64,
        blob: Some(key.as_str().to_string()),
        content_id: None,
        inline: false,
    }
}

/// A department with a queue and an alias to ingest into.
async fn mailbox(s: &Store) -> Result<AliasId, Box<dyn std::error::Error>> {
    s.ensure_partition("Acme", now()).await?;
    let dept = s
        .create_department(
            NewDepartment {
                name: "Support".into(),
                description: String::new(),
            },
            now(),
        )
        .await?;
    let queue = s
        .create_queue(
            serde_json::from_value(serde_json::json!({"department_id": dept.id, "name": "Email"}))?,
            now(),
        )
        .await?;
    let alias: NewAlias = serde_json::from_value(serde_json::json!({
        "department_id": dept.id,
        "address": "support@example.org",
        "display_name": "Support",
        "queue_id": queue.id,
        "incoming": {"protocol": "imap", "host": "127.0.0.1", "port": 143, "security": "none", "username": "support"},
        "outgoing": {"host": "127.0.0.1", "port": 25, "security": "none"}
    }))?;
    Ok(s.create_alias(alias.validate()?, now()).await?.id)
}

async fn ingest(
    s: &Store,
    alias: AliasId,
    source: &str,
    raw: &BlobKey,
    files: Vec<StoredAttachment>,
) -> Result<IngestResult, Box<dyn std::error::Error>> {
    let mail = InboundEmail {
        mailbox_alias_id: alias,
        source_key: source.into(),
        raw_blob: raw.as_str().to_string(),
        raw_size: 10,
        content: Some(content(source, files)),
        parse_error: None,
    };
    Ok(switchboard_app::App::new(s.clone())
        .ingest_email(mail, now())
        .await?)
}

/// Progress phases heard, in order, without repeats.
fn phases() -> (GcProgressFn, Arc<Mutex<Vec<GcPhase>>>) {
    let seen = Arc::new(Mutex::new(Vec::<GcPhase>::new()));
    let sink = seen.clone();
    let f: GcProgressFn = Arc::new(move |p: &GcProgress| {
        let mut v = sink.lock().unwrap();
        if v.last() != Some(&p.phase) {
            v.push(p.phase);
        }
    });
    (f, seen)
}

const OLD: Duration = Duration::from_secs(2 * 3600);

async fn collects_exactly_the_garbage(s: &Store, root: &Path) -> R {
    let blobs = LocalBlobStore::new(root);
    let alias = mailbox(s).await?;
    let mut referenced: Vec<(BlobKey, Vec<u8>)> = Vec::new();
    let mut garbage: BTreeSet<String> = BTreeSet::new();
    let mut young: BTreeSet<String> = BTreeSet::new();

    // Pack A: a message and its attachment, both referenced by the email.
    let a = blobs
        .put_many(vec![
            Bytes::from("raw message A"),
            Bytes::from("attachment A"),
        ])
        .await?;
    let r = ingest(
        s,
        alias,
        "imap:INBOX:1:1",
        &a[0],
        vec![file("a.txt", &a[1], 12)],
    )
    .await?;
    referenced.push((a[0].clone(), b"raw message A".to_vec()));
    referenced.push((a[1].clone(), b"attachment A".to_vec()));
    let activity = r.activity_id.unwrap();

    // Pack B: only one of its blobs is referenced (by a draft's file): kept whole.
    let b = blobs
        .put_many(vec![Bytes::from("draft file"), Bytes::from("unused in B")])
        .await?;
    s.add_draft_attachments(activity, vec![file("d.txt", &b[0], 10)], None, now())
        .await?;
    referenced.push((b[0].clone(), b"draft file".to_vec()));

    // Lone blobs referenced by bare keys: a raw message, and an attachment in the old layout.
    let lone = blobs.put(b"lone raw message").await?;
    let legacy = BlobKey::of(b"legacy attachment");
    let legacy_path = root
        .join(&legacy.as_str()[..2])
        .join(&legacy.as_str()[2..4])
        .join(legacy.as_str());
    std::fs::create_dir_all(legacy_path.parent().unwrap())?;
    std::fs::write(&legacy_path, b"legacy attachment")?;
    ingest(
        s,
        alias,
        "pop3:lone",
        &lone,
        vec![file("old.txt", &legacy, 17)],
    )
    .await?;
    referenced.push((lone.clone(), b"lone raw message".to_vec()));
    referenced.push((legacy.clone(), b"legacy attachment".to_vec()));

    // Garbage: a pack written again after a failed database write, a lone blob nobody
    // names, a lone copy of content that is referenced only inside a pack, stale
    // temporary files of both kinds.
    let c = blobs
        .put_many(vec![
            Bytes::from("raw message A"),
            Bytes::from("attachment A"),
        ])
        .await?;
    garbage.insert(rel(root, &file_of(root, &c[0])));
    let nobody = blobs.put(b"fetched, never recorded").await?;
    garbage.insert(rel(root, &file_of(root, &nobody)));
    let copy = blobs.put(b"raw message A").await?;
    garbage.insert(rel(root, &file_of(root, &copy)));
    let shard = file_of(root, &a[0]).parent().unwrap().to_path_buf();
    let stale_pack_tmp = shard.join(".0193a0b1c2d3e-deadbeef.tmp");
    std::fs::write(&stale_pack_tmp, b"half a pack")?;
    garbage.insert(rel(root, &stale_pack_tmp));
    let stale_loose_tmp = file_of(root, &lone)
        .parent()
        .unwrap()
        .join(format!(".{}.abcdef.tmp", nobody.hash()));
    std::fs::write(&stale_loose_tmp, b"half a blob")?;
    garbage.insert(rel(root, &stale_loose_tmp));
    // Other files are never touched.
    let other = file_of(root, &lone).parent().unwrap().join("notes.txt");
    std::fs::write(&other, b"an operator's notes")?;
    std::fs::write(root.join("README"), b"not walked")?;

    // Everything is old...
    for f in all_files(root) {
        backdate(&root.join(&f), OLD)?;
    }
    // ...but what was written within the grace period: a pack and a temporary file under way.
    let d = blobs
        .put_many(vec![Bytes::from("just written"), Bytes::from("row coming")])
        .await?;
    young.insert(rel(root, &file_of(root, &d[0])));
    let writing = shard.join(".0193a0b1c2d3e-cafe.tmp");
    std::fs::write(&writing, b"being written")?;
    young.insert(rel(root, &writing));

    let before = all_files(root);
    let garbage_bytes: u64 = garbage
        .iter()
        .map(|f| {
            std::fs::metadata(root.join(f))
                .map(|m| m.len())
                .unwrap_or(0)
        })
        .sum();

    // The referenced set, on its own.
    let refs = s.referenced_blobs().await?;
    assert_eq!(refs.references(), 5);
    assert_eq!((refs.pack_count(), refs.loose_count()), (2, 2));
    assert_eq!(refs.malformed(), 0);

    // A dry run lists the garbage and removes nothing.
    let (progress, seen) = phases();
    let mut opts = GcOptions::new(now());
    opts.dry_run = true;
    let dry = collect_garbage(s, &blobs, &opts, progress).await?;
    let listed: BTreeSet<String> = dry.removed.iter().map(|f| f.path.clone()).collect();
    assert_eq!(listed, garbage);
    assert!(dry.dry_run);
    assert_eq!(
        (dry.packs_removed, dry.loose_removed, dry.temp_removed),
        (1, 2, 2)
    );
    assert_eq!(dry.bytes_freed, garbage_bytes);
    // Packs A and B, the lone and legacy blobs; pack D and the temporary file under way;
    // the notes.
    assert_eq!(
        (dry.kept_referenced, dry.kept_young, dry.kept_other),
        (4, 2, 1)
    );
    assert_eq!(dry.scanned, before.len() as u64 - 1, "README is not walked");
    assert_eq!(all_files(root), before);
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            GcPhase::Listing,
            GcPhase::ReadingReferences,
            GcPhase::Removing,
            GcPhase::Done
        ]
    );
    assert!(dry.to_string().starts_with("dry run: would remove 1 packs"));

    // The real run removes exactly that.
    let (progress, _) = phases();
    let done = collect_garbage(s, &blobs, &GcOptions::new(now()), progress).await?;
    assert!(!done.dry_run);
    let removed: BTreeSet<String> = done.removed.iter().map(|f| f.path.clone()).collect();
    assert_eq!(removed, garbage);
    assert_eq!(done.bytes_freed, garbage_bytes);
    assert_eq!((done.kept_changed, done.failed), (0, 0));
    let after = all_files(root);
    let expected: BTreeSet<String> = before.difference(&garbage).cloned().collect();
    assert_eq!(after, expected);
    assert!(young.is_subset(&after));
    for (key, bytes) in &referenced {
        assert_eq!(&blobs.get(key).await?, bytes, "{}", key.as_str());
    }
    // Pack B is kept whole: its unreferenced blob still reads.
    assert_eq!(blobs.get(&b[1]).await?, b"unused in B");

    // Nothing is left to collect.
    let (progress, _) = phases();
    let again = collect_garbage(s, &blobs, &GcOptions::new(now()), progress).await?;
    assert!(again.removed.is_empty(), "{again}");
    Ok(())
}

/// A lone blob stored again (its content fetched again) is used anew: its row is coming, so
/// the collector keeps it however old the file was.
async fn a_lone_blob_stored_again_is_kept(s: &Store, root: &Path) -> R {
    let blobs = LocalBlobStore::new(root);
    let key = blobs.put(b"fetched twice").await?;
    let path = file_of(root, &key);
    backdate(&path, OLD)?;
    assert_eq!(blobs.put(b"fetched twice").await?, key);
    let (progress, _) = phases();
    let done = collect_garbage(s, &blobs, &GcOptions::new(now()), progress).await?;
    assert!(
        !done.removed.iter().any(|f| root.join(&f.path) == path),
        "{done}"
    );
    assert_eq!(blobs.get(&key).await?, b"fetched twice");
    Ok(())
}

/// A database that refers to no blob at all is most likely not this blob store's: nothing is
/// removed (stale temporary files aside).
async fn an_empty_database_removes_no_blob(s: &Store, root: &Path) -> R {
    let blobs = LocalBlobStore::new(root);
    let keys = blobs
        .put_many(vec![Bytes::from("one"), Bytes::from("two")])
        .await?;
    let pack = file_of(root, &keys[0]);
    backdate(&pack, OLD)?;
    let (progress, _) = phases();
    let refused = collect_garbage(s, &blobs, &GcOptions::new(now()), progress).await;
    assert!(
        matches!(refused, Err(GcError::NothingReferenced(1))),
        "{refused:?}"
    );
    assert!(pack.exists());
    std::fs::remove_file(&pack)?;
    let tmp = pack.parent().unwrap().join(".0193a0b1c2d3e-0000.tmp");
    std::fs::write(&tmp, b"x")?;
    backdate(&tmp, OLD)?;
    let (progress, _) = phases();
    let done = collect_garbage(s, &blobs, &GcOptions::new(now()), progress).await?;
    assert_eq!(done.temp_removed, 1);
    assert!(!tmp.exists());
    Ok(())
}

#[tokio::test]
async fn sqlite_collects_exactly_the_garbage() -> R {
    let dir = tempfile::tempdir()?;
    let s = sqlite(dir.path()).await?;
    collects_exactly_the_garbage(&s, &dir.path().join("blobs")).await?;
    a_lone_blob_stored_again_is_kept(&s, &dir.path().join("blobs")).await
}

#[tokio::test]
async fn sqlite_empty_database_removes_no_blob() -> R {
    let dir = tempfile::tempdir()?;
    let s = sqlite(dir.path()).await?;
    an_empty_database_removes_no_blob(&s, &dir.path().join("blobs")).await
}

#[tokio::test]
async fn postgres_collects_exactly_the_garbage() -> R {
    let Some(s) = postgres().await? else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    collects_exactly_the_garbage(&s, &dir.path().join("blobs")).await?;
    a_lone_blob_stored_again_is_kept(&s, &dir.path().join("blobs")).await?;
    let Some(empty) = postgres().await? else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    an_empty_database_removes_no_blob(&empty, &dir.path().join("blobs")).await
}
