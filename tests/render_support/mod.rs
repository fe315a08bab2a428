//! Shared helpers for the render tests: a Git repo holding the fixtures,
//! real tool runs for reference output, and YAML comparison.
#![allow(dead_code)] // each test file uses a different subset

use std::path::{Path, PathBuf};

use plumb::model::ApplicationSource;
use plumb::source::git::Repo;
use plumb::source::render::{AppRender, RenderOptions, RenderRequest};

#[path = "../real_tools/mod.rs"]
mod real_tools;
#[allow(unused_imports)] // each test file uses a different subset
pub use real_tools::{documents, run_tool, with_namespace};

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/render");

/// A work tree holding a copy of the fixtures, committed once.
pub struct FixtureRepo {
    pub work: tempfile::TempDir,
    pub cache: tempfile::TempDir,
    pub repo: Repo,
    pub commit: git2::Oid,
    pub checkout: PathBuf,
}

impl FixtureRepo {
    pub fn new() -> Self {
        let work = tempfile::tempdir().expect("tempdir");
        copy_dir(Path::new(FIXTURES), work.path());
        let git = init(work.path());
        commit_all(&git, "fixtures");
        let cache = tempfile::tempdir().expect("tempdir");
        let repo = Repo::open(work.path().to_str().expect("utf-8"), cache.path()).expect("open");
        let commit = repo.resolve("HEAD").expect("HEAD");
        let checkout = repo.export(commit, cache.path()).expect("export");
        FixtureRepo {
            work,
            cache,
            repo,
            commit,
            checkout,
        }
    }

    pub fn options(&self) -> RenderOptions {
        RenderOptions::from_path(self.cache.path())
    }

    pub fn request(&self, app: &str, source: ApplicationSource, namespace: &str) -> RenderRequest {
        RenderRequest {
            checkout: self.checkout.clone(),
            app: AppRender {
                app_name: app.into(),
                source,
                namespace: namespace.into(),
            },
        }
    }
}

pub fn source(path: &str) -> ApplicationSource {
    ApplicationSource {
        repo_url: "https://git.example.com/fixtures.git".into(),
        path: Some(path.into()),
        ..Default::default()
    }
}

pub fn init(dir: &Path) -> git2::Repository {
    let mut opts = git2::RepositoryInitOptions::new();
    opts.initial_head("main");
    git2::Repository::init_opts(dir, &opts).expect("git init")
}

pub fn commit_all(repo: &git2::Repository, message: &str) -> git2::Oid {
    let mut index = repo.index().expect("index");
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .expect("add");
    index.update_all(["*"], None).expect("update removed files");
    index.write().expect("write index");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("tree");
    let signature = git2::Signature::now("Test Author", "author@example.com").expect("sig");
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    repo.commit(
        Some("HEAD"),
        &signature,
        &signature,
        message,
        &tree,
        &parents,
    )
    .expect("commit")
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixtures") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
