//! The render cache keyed by content: a commit touching one app changes only
//! that app's key; hits skip exporting and rendering; hard refresh bypasses.

mod render_support;

use plumb::model::HelmSource;
use plumb::source::cache::RenderCache;
use plumb::source::git::Repo;
use plumb::source::render::{AppRender, RenderOptions};
use render_support::{commit_all, init, source};

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: NAME\n";

struct Upstream {
    dir: tempfile::TempDir,
    git: git2::Repository,
}

impl Upstream {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let git = init(dir.path());
        let up = Upstream { dir, git };
        up.write("apps/a/cm.yaml", &CM.replace("NAME", "a"));
        up.write("apps/b/cm.yaml", &CM.replace("NAME", "b"));
        up.write("apps/base/kustomization.yaml", "resources:\n- cm.yaml\n");
        up.write("apps/base/cm.yaml", &CM.replace("NAME", "base"));
        up.write(
            "apps/overlay/kustomization.yaml",
            "resources:\n- ../base\nnamePrefix: o-\n",
        );
        up.write(
            "charts/web/Chart.yaml",
            "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        );
        up.write("envs/prod.yaml", "x: 1\n");
        up.write("envs/other.yaml", "x: 1\n");
        up
    }

    fn write(&self, path: &str, text: &str) {
        let full = self.dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, text).expect("write");
    }

    fn commit(&self) -> git2::Oid {
        commit_all(&self.git, "change")
    }
}

fn app(name: &str, path: &str) -> AppRender {
    AppRender {
        app_name: name.into(),
        source: source(path),
        namespace: "apps".into(),
    }
}

fn helm_app() -> AppRender {
    let mut src = source("charts/web");
    src.helm = Some(HelmSource {
        value_files: vec!["../../envs/prod.yaml".into()],
        ..Default::default()
    });
    AppRender {
        app_name: "web".into(),
        source: src,
        namespace: "apps".into(),
    }
}

#[test]
fn a_commit_changes_only_the_keys_of_apps_it_touches() {
    let up = Upstream::new();
    let c1 = up.commit();
    up.write("apps/a/cm.yaml", &CM.replace("NAME", "a2"));
    up.write("envs/other.yaml", "x: 2\n");
    let c2 = up.commit();
    up.write("apps/base/cm.yaml", &CM.replace("NAME", "base2"));
    up.write("envs/prod.yaml", "x: 2\n");
    let c3 = up.commit();

    let cache_dir = tempfile::tempdir().expect("tempdir");
    let repo = Repo::open(up.dir.path().to_str().expect("utf-8"), cache_dir.path()).expect("open");
    let cache = RenderCache::new(cache_dir.path());
    let opts = RenderOptions::from_path(cache_dir.path());
    let key = |commit, app: &AppRender| cache.key(&repo, commit, app, &opts).expect("key");
    let (a, b, overlay, web) = (
        app("a", "apps/a"),
        app("b", "apps/b"),
        app("o", "apps/overlay"),
        helm_app(),
    );

    assert_ne!(key(c1, &a), key(c2, &a), "a changed");
    assert_eq!(key(c1, &b), key(c2, &b), "b untouched");
    assert_eq!(key(c1, &overlay), key(c2, &overlay), "overlay untouched");
    assert_eq!(key(c1, &web), key(c2, &web), "an unused value file changed");

    assert_ne!(
        key(c2, &overlay),
        key(c3, &overlay),
        "the overlay's base changed"
    );
    assert_eq!(key(c2, &a), key(c3, &a));
    assert_ne!(
        key(c2, &web),
        key(c3, &web),
        "the chart's value file changed"
    );

    let mut renamed = b.clone();
    renamed.namespace = "other".into();
    assert_ne!(
        key(c1, &b),
        key(c1, &renamed),
        "render parameters are part of the key"
    );
}

#[test]
fn hits_skip_rendering_and_hard_refresh_bypasses() {
    let up = Upstream::new();
    let c1 = up.commit();
    up.write("apps/a/cm.yaml", &CM.replace("NAME", "a2"));
    let c2 = up.commit();

    let cache_dir = tempfile::tempdir().expect("tempdir");
    let repo = Repo::open(up.dir.path().to_str().expect("utf-8"), cache_dir.path()).expect("open");
    let opts = RenderOptions::from_path(cache_dir.path());
    let checkouts = cache_dir.path().join("checkouts");
    let b = app("b", "apps/b");

    let cache = RenderCache::new(cache_dir.path());
    let first = cache
        .get_or_render(&repo, c1, &b, &opts, false)
        .expect("render");
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].object["metadata"]["namespace"], "apps");
    assert!(checkouts.join(c1.to_string()).is_dir());

    let same = cache
        .get_or_render(&repo, c2, &b, &opts, false)
        .expect("hit");
    assert_eq!(same, first);
    assert!(
        !checkouts.join(c2.to_string()).exists(),
        "a hit needs no export"
    );

    let restarted = RenderCache::new(cache_dir.path());
    let from_disk = restarted
        .get_or_render(&repo, c2, &b, &opts, false)
        .expect("disk hit");
    assert_eq!(*from_disk, *first);
    assert!(
        !checkouts.join(c2.to_string()).exists(),
        "a disk hit needs no export"
    );

    restarted
        .get_or_render(&repo, c2, &b, &opts, true)
        .expect("hard refresh");
    assert!(
        checkouts.join(c2.to_string()).is_dir(),
        "a hard refresh renders again"
    );

    let a2 = cache
        .get_or_render(&repo, c2, &app("a", "apps/a"), &opts, false)
        .expect("render a");
    assert_eq!(a2[0].object["metadata"]["name"], "a2");
}
