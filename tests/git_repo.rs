//! The Git mirror against temporary repositories built with git2: cloning
//! local paths into the cache, revisions, exports, content ids, history,
//! fetch and errors. No network.

mod render_support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use plumb::source::git::{GitError, Repo};
use render_support::{commit_all, init};

struct Upstream {
    dir: tempfile::TempDir,
    git: git2::Repository,
}

impl Upstream {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let git = init(dir.path());
        Upstream { dir, git }
    }

    fn write(&self, path: &str, text: &str) {
        let full = self.dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, text).expect("write");
    }

    fn commit(&self, message: &str) -> git2::Oid {
        commit_all(&self.git, message)
    }

    fn url(&self) -> &str {
        self.dir.path().to_str().expect("utf-8")
    }
}

/// main: c1 (a, b) -> c2 (a changed) -> c3 (b changed); tags v1 (light, c1)
/// and v2 (annotated, c2); branch `feature` at c2 plus one commit.
fn history() -> (Upstream, [git2::Oid; 4]) {
    let up = Upstream::new();
    up.write("apps/a/cm.yaml", "a: 1\n");
    up.write("apps/b/cm.yaml", "b: 1\n");
    let c1 = up.commit("add a and b");
    up.write("apps/a/cm.yaml", "a: 2\n");
    let c2 = up.commit("change a");
    up.git
        .tag_lightweight("v1", &up.git.find_object(c1, None).expect("c1"), false)
        .expect("tag");
    let sig = git2::Signature::now("Tagger", "t@example.com").expect("sig");
    up.git
        .tag(
            "v2",
            &up.git.find_object(c2, None).expect("c2"),
            &sig,
            "release 2",
            false,
        )
        .expect("tag");
    up.git
        .branch("feature", &up.git.find_commit(c2).expect("c2"), false)
        .expect("branch");
    up.write("apps/b/cm.yaml", "b: 2\n");
    let c3 = up.commit("change b");
    up.git.set_head("refs/heads/feature").expect("switch");
    up.git
        .checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
        .expect("checkout");
    up.write("apps/a/feature.yaml", "f: 1\n");
    let c4 = up.commit("feature work");
    up.git.set_head("refs/heads/main").expect("switch back");
    up.git
        .checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
        .expect("checkout");
    (up, [c1, c2, c3, c4])
}

#[test]
fn revisions_resolve_like_argo() {
    let (up, [c1, c2, c3, c4]) = history();
    let cache = tempfile::tempdir().expect("tempdir");
    let repo = Repo::open(up.url(), cache.path()).expect("clone");
    assert_eq!(repo.resolve("HEAD").expect("HEAD"), c3);
    assert_eq!(repo.resolve("").expect("empty"), c3);
    assert_eq!(repo.resolve("main").expect("branch"), c3);
    assert_eq!(repo.resolve("feature").expect("branch"), c4);
    assert_eq!(repo.resolve("refs/heads/feature").expect("full ref"), c4);
    assert_eq!(repo.resolve("v1").expect("lightweight tag"), c1);
    assert_eq!(repo.resolve("v2").expect("annotated tag peeled"), c2);
    assert_eq!(repo.resolve(&c1.to_string()).expect("full sha"), c1);
    assert_eq!(repo.resolve(&c2.to_string()[..8]).expect("short sha"), c2);
    let err = repo.resolve("no-such-branch").expect_err("unknown");
    assert!(matches!(err, GitError::UnknownRevision { .. }));
    let message = err.to_string();
    assert!(
        message.contains("no-such-branch") && message.contains(repo.url()),
        "{message}"
    );
    assert!(
        cache
            .path()
            .join("repos")
            .read_dir()
            .expect("repos dir")
            .count()
            == 1
    );
}

#[test]
fn export_writes_commit_tree_once_and_ignores_the_working_tree() {
    let up = Upstream::new();
    up.write("app/cm.yaml", "committed\n");
    up.write("app/run.sh", "#!/bin/sh\n");
    std::fs::set_permissions(
        up.dir.path().join("app/run.sh"),
        std::fs::Permissions::from_mode(0o755),
    )
    .expect("chmod");
    std::os::unix::fs::symlink("cm.yaml", up.dir.path().join("app/link.yaml")).expect("symlink");
    let commit = up.commit("files");
    up.write("app/cm.yaml", "uncommitted edit\n");

    let cache = tempfile::tempdir().expect("tempdir");
    let repo = Repo::open(up.url(), cache.path()).expect("clone");
    let checkout = repo.export(commit, cache.path()).expect("export");
    assert_eq!(
        checkout,
        cache.path().join("checkouts").join(commit.to_string())
    );
    assert_eq!(
        std::fs::read_to_string(checkout.join("app/cm.yaml")).expect("read"),
        "committed\n"
    );
    let mode = std::fs::metadata(checkout.join("app/run.sh"))
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o111, 0o111, "executable bit kept");
    assert_eq!(
        std::fs::read_link(checkout.join("app/link.yaml")).expect("symlink"),
        Path::new("cm.yaml")
    );
    assert_eq!(
        std::fs::read_to_string(up.dir.path().join("app/cm.yaml")).expect("read"),
        "uncommitted edit\n",
        "working tree untouched"
    );

    std::fs::write(checkout.join("marker"), "reused").expect("marker");
    let again = repo.export(commit, cache.path()).expect("export again");
    assert!(
        again.join("marker").exists(),
        "an existing export is reused"
    );
}

#[test]
fn tree_ids_change_only_for_touched_paths_and_log_lists_them() {
    let (up, [c1, c2, c3, _]) = history();
    let cache = tempfile::tempdir().expect("tempdir");
    let repo =
        Repo::open(&format!("file://{}", up.url()), cache.path()).expect("clone via file://");
    assert_ne!(repo.tree_id(c1, "apps/a"), repo.tree_id(c2, "apps/a"));
    assert_eq!(repo.tree_id(c1, "apps/b"), repo.tree_id(c2, "apps/b"));
    assert_eq!(repo.tree_id(c2, "apps/a"), repo.tree_id(c3, "apps/a"));
    assert!(repo.tree_id(c3, "apps/b/cm.yaml").is_some());
    assert_eq!(repo.tree_id(c3, "apps/none"), None);

    let log_a = repo.log(c3, "apps/a", 10).expect("log");
    let shas: Vec<String> = log_a.iter().map(|c| c.sha.clone()).collect();
    assert_eq!(shas, [c2.to_string(), c1.to_string()]);
    assert_eq!(log_a[0].subject, "change a");
    assert_eq!(log_a[0].author_name, "Test Author");
    assert_eq!(log_a[0].author_email, "author@example.com");
    assert!(log_a[0].date > jiff::Timestamp::UNIX_EPOCH);
    assert_eq!(repo.log(c3, "apps/b", 1).expect("log").len(), 1);
}

#[test]
fn fetch_brings_new_commits() {
    let (up, [_, _, c3, _]) = history();
    let cache = tempfile::tempdir().expect("tempdir");
    let repo = Repo::open(up.url(), cache.path()).expect("clone");
    up.write("apps/c/cm.yaml", "c: 1\n");
    let c5 = up.commit("add c");
    assert_eq!(repo.resolve("main").expect("before fetch"), c3);
    repo.fetch().expect("fetch");
    assert_eq!(repo.resolve("main").expect("after fetch"), c5);
    let reopened = Repo::open(up.url(), cache.path()).expect("reopen uses the mirror");
    assert_eq!(reopened.resolve("HEAD").expect("HEAD"), c5);
}

#[test]
fn unreachable_repository_names_the_url() {
    let cache = tempfile::tempdir().expect("tempdir");
    let missing = cache.path().join("no-such-repo");
    let url = format!("file://{}", missing.display());
    let err = Repo::open(&url, cache.path()).expect_err("unreachable");
    assert!(matches!(err, GitError::Unreachable { .. }), "{err}");
    assert!(
        err.to_string().contains(missing.to_str().expect("utf-8")),
        "{err}"
    );
}
