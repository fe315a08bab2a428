//! Crash-safe persistence in the data dir: an fsync'd append-only journal of
//! acknowledged writes plus a periodic snapshot, replayed on start, and a
//! lock so that exactly one process owns the state.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::ResourceKey;

const LOCK: &str = "lock";
const JOURNAL: &str = "journal.jsonl";
const SNAPSHOT: &str = "snapshot.json";
/// Journal entries between snapshots.
const SNAPSHOT_EVERY: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("the sandbox state in {0} is owned by another running plumb process")]
    Locked(PathBuf),
    #[error("cannot use the sandbox state in {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the sandbox snapshot {path} is unreadable: {message}")]
    Corrupt { path: PathBuf, message: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PersistError + '_ {
    move |source| PersistError::Io {
        path: path.to_owned(),
        source,
    }
}

/// One journal line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
enum Entry {
    Put {
        rv: u64,
        key: ResourceKey,
        object: Value,
    },
    Remove {
        rv: u64,
        key: ResourceKey,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct Snapshot {
    rv: u64,
    objects: Vec<(ResourceKey, Value)>,
}

/// The state read back from disk.
#[derive(Debug, Default)]
pub struct Recovered {
    pub rv: u64,
    pub objects: Vec<(ResourceKey, Value)>,
}

/// The open journal, holding the directory lock for as long as it lives.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    file: File,
    /// The journal's length after its last complete entry.
    len: u64,
    entries: usize,
    _lock: File,
}

/// Fails with [`PersistError::Locked`] when a process owns `dir`.
pub fn ensure_unowned(dir: &Path) -> Result<(), PersistError> {
    let lock_path = dir.join(LOCK);
    let Ok(lock) = File::open(&lock_path) else {
        return Ok(());
    };
    match fs4::FileExt::try_lock(&lock) {
        Ok(()) => Ok(()),
        Err(fs4::TryLockError::WouldBlock) => Err(PersistError::Locked(dir.to_owned())),
        Err(fs4::TryLockError::Error(e)) => Err(io(&lock_path)(e)),
    }
}

/// Takes the lock on `dir` and reads the state back.
pub fn open(dir: &Path) -> Result<(Journal, Recovered), PersistError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let lock_path = dir.join(LOCK);
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io(&lock_path))?;
    match fs4::FileExt::try_lock(&lock) {
        Ok(()) => {}
        Err(fs4::TryLockError::WouldBlock) => return Err(PersistError::Locked(dir.to_owned())),
        Err(fs4::TryLockError::Error(e)) => return Err(io(&lock_path)(e)),
    }
    let recovered = recover(dir)?;
    let journal_path = dir.join(JOURNAL);
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&journal_path)
        .map_err(io(&journal_path))?;
    let mut journal = Journal {
        dir: dir.to_owned(),
        file,
        len: 0,
        entries: 0,
        _lock: lock,
    };
    // Fold the replayed journal into a fresh snapshot so it starts empty.
    journal.snapshot(recovered.rv, &recovered.objects)?;
    Ok((journal, recovered))
}

fn recover(dir: &Path) -> Result<Recovered, PersistError> {
    let snapshot_path = dir.join(SNAPSHOT);
    let mut objects: std::collections::BTreeMap<ResourceKey, Value> = Default::default();
    let mut rv = 0;
    if snapshot_path.exists() {
        let text = std::fs::read(&snapshot_path).map_err(io(&snapshot_path))?;
        let snap: Snapshot = serde_json::from_slice(&text).map_err(|e| PersistError::Corrupt {
            path: snapshot_path.clone(),
            message: e.to_string(),
        })?;
        rv = snap.rv;
        objects.extend(snap.objects);
    }
    let journal_path = dir.join(JOURNAL);
    if journal_path.exists() {
        let file = File::open(&journal_path).map_err(io(&journal_path))?;
        for line in BufReader::new(file).lines() {
            let line = line.map_err(io(&journal_path))?;
            // A torn last line was never acknowledged: stop there.
            let Ok(entry) = serde_json::from_str::<Entry>(&line) else {
                break;
            };
            match entry {
                Entry::Put { rv: r, key, object } => {
                    rv = rv.max(r);
                    objects.insert(key, object);
                }
                Entry::Remove { rv: r, key } => {
                    rv = rv.max(r);
                    objects.remove(&key);
                }
            }
        }
    }
    Ok(Recovered {
        rv,
        objects: objects.into_iter().collect(),
    })
}

impl Journal {
    fn append(&mut self, entry: &Entry) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let written = self
            .file
            .write_all(&line)
            .and_then(|()| self.file.sync_data());
        if let Err(e) = written {
            // Cut a partly written entry so that later entries stay readable.
            let _ = self.file.set_len(self.len);
            return Err(e);
        }
        self.len += line.len() as u64;
        self.entries += 1;
        Ok(())
    }

    pub fn put(&mut self, rv: u64, key: &ResourceKey, object: &Value) -> std::io::Result<()> {
        self.append(&Entry::Put {
            rv,
            key: key.clone(),
            object: object.clone(),
        })
    }

    pub fn remove(&mut self, rv: u64, key: &ResourceKey) -> std::io::Result<()> {
        self.append(&Entry::Remove {
            rv,
            key: key.clone(),
        })
    }

    /// Whether the journal has grown enough to fold into a snapshot.
    pub fn wants_snapshot(&self) -> bool {
        self.entries >= SNAPSHOT_EVERY
    }

    /// Writes a snapshot (temp file, fsync, rename) and empties the journal.
    pub fn snapshot(
        &mut self,
        rv: u64,
        objects: &[(ResourceKey, Value)],
    ) -> Result<(), PersistError> {
        let path = self.dir.join(SNAPSHOT);
        let tmp = self.dir.join("snapshot.json.tmp");
        let snap = Snapshot {
            rv,
            objects: objects.to_vec(),
        };
        let bytes = serde_json::to_vec(&snap).map_err(|e| io(&tmp)(std::io::Error::other(e)))?;
        let mut f = File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(&bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        if let Ok(d) = File::open(&self.dir) {
            // Makes the rename durable; not all platforms allow syncing a directory.
            let _ = d.sync_all();
        }
        let journal_path = self.dir.join(JOURNAL);
        self.file.set_len(0).map_err(io(&journal_path))?;
        self.file.sync_all().map_err(io(&journal_path))?;
        self.len = 0;
        self.entries = 0;
        Ok(())
    }
}

#[cfg(test)]
impl Journal {
    /// A journal whose every write fails (it writes to /dev/full).
    #[cfg(target_os = "linux")]
    pub fn failing_for_tests(dir: &Path) -> Self {
        let open = |p: &Path| {
            OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(p)
                .expect("open")
        };
        Self {
            dir: dir.to_owned(),
            file: open(Path::new("/dev/full")),
            len: 0,
            entries: 0,
            _lock: open(&dir.join(LOCK)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn journal_replays_and_a_second_opener_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = ResourceKey::new("", "ConfigMap", "default", "a");
        {
            let (mut journal, recovered) = open(dir.path()).expect("open");
            assert!(recovered.objects.is_empty());
            journal
                .put(5, &key, &json!({"metadata": {"name": "a"}}))
                .expect("put");
            let gone = ResourceKey::new("", "ConfigMap", "default", "b");
            journal.put(6, &gone, &json!({})).expect("put");
            journal.remove(7, &gone).expect("remove");
            assert!(matches!(open(dir.path()), Err(PersistError::Locked(_))));
        }
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.path().join(JOURNAL))
            .expect("journal");
        f.write_all(b"{\"op\":\"put\",\"rv\":9,\"key\"")
            .expect("torn line");
        let (_journal, recovered) = open(dir.path()).expect("reopen");
        assert_eq!(recovered.rv, 7);
        assert_eq!(recovered.objects.len(), 1);
        assert_eq!(recovered.objects[0].0, key);
    }
}
