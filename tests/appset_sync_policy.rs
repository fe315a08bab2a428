//! ApplicationSet `syncPolicy.applicationsSync` and
//! `preserveResourcesOnDeletion` end to end against `plumb sandbox serve`:
//! the spec generated at the first sync is recorded in the app's cluster,
//! a policy without updates keeps it (with a warning) when the template
//! changes, and an app that stops being generated leaves its objects.

mod cli_support;

use cli_support::{GitRepo, Home, Run, Server, serve, web_appset, web_config_map};

struct Setup {
    server: Server,
    home: Home,
    repo: GitRepo,
}

impl Setup {
    fn new(policy: &str) -> Setup {
        let repo = GitRepo::new();
        let url = repo.url().to_owned();
        repo.write("deploy/v1/cm.yaml", &web_config_map("web-v1"))
            .write("deploy/v2/cm.yaml", &web_config_map("web-v2"))
            .write(
                "argocd/web.yaml",
                &web_appset(&url, "deploy/v1", policy, "[{env: dev}]"),
            );
        repo.commit("web");
        Setup {
            server: serve(),
            home: Home::new(),
            repo,
        }
    }

    fn template(&self, path: &str, policy: &str, elements: &str) {
        let text = web_appset(self.repo.url(), path, policy, elements);
        self.repo.write("argocd/web.yaml", &text);
        self.repo.commit("template changed");
    }

    fn plumb(&self, args: &[&str]) -> Run {
        let mut full = vec!["--repo", self.repo.url(), "--path", "argocd"];
        full.extend_from_slice(args);
        self.run(&full)
    }

    fn run(&self, args: &[&str]) -> Run {
        let output = self
            .home
            .command(args)
            .env("KUBECONFIG", &self.server.kubeconfig)
            .env("USER", "ana")
            .output()
            .expect("plumb runs");
        let run = Run::from(output);
        run.assert_no_panic();
        run
    }

    fn get(&self) -> serde_json::Value {
        let get = self.plumb(&["app", "get", "web-dev", "-o", "json"]);
        get.assert_success();
        get.json()
    }
}

fn path_of(view: &serde_json::Value) -> &str {
    view["sources"][0]["path"].as_str().unwrap_or_default()
}

fn warnings(view: &serde_json::Value) -> Vec<String> {
    let conditions = view["status"]["conditions"].as_array().cloned();
    conditions
        .unwrap_or_default()
        .iter()
        .filter(|c| c["type"] == "ApplicationSetWarning")
        .map(|c| c["message"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn create_only_keeps_the_spec_of_the_first_sync_until_the_policy_allows_updates() {
    let setup = Setup::new("create-only");
    let sync = setup.plumb(&["app", "sync", "web-dev"]);
    assert_eq!(sync.code, Some(0), "{}\n{}", sync.stdout, sync.stderr);
    setup.template("deploy/v2", "create-only", "[{env: dev}]");

    let kept = setup.get();
    assert_eq!(path_of(&kept), "deploy/v1", "{kept:#}");
    let warned = warnings(&kept);
    assert_eq!(warned.len(), 1, "{kept:#}");
    assert!(
        warned[0].contains("ApplicationSet web (applicationsSync: create-only)")
            && warned[0].contains("keeps the spec it was created with"),
        "{}",
        warned[0]
    );
    assert_eq!(kept["status"]["sync"], "Synced", "{kept:#}");
    let table = setup.plumb(&["app", "get", "web-dev"]);
    assert!(
        table.stdout.contains("ApplicationSetWarning"),
        "{}",
        table.stdout
    );
    let diff = setup.plumb(&["app", "diff", "web-dev"]);
    assert_eq!(diff.code, Some(0), "{}\n{}", diff.stdout, diff.stderr);

    // A sync under create-only applies the recorded spec, not the template.
    let again = setup.plumb(&["app", "sync", "web-dev"]);
    assert_eq!(again.code, Some(0), "{}\n{}", again.stdout, again.stderr);
    assert!(!again.stdout.contains("web-v2"), "{}", again.stdout);

    setup.template("deploy/v2", "sync", "[{env: dev}]");
    let updated = setup.get();
    assert_eq!(path_of(&updated), "deploy/v2", "{updated:#}");
    assert!(warnings(&updated).is_empty(), "{updated:#}");
    assert_eq!(updated["status"]["sync"], "OutOfSync", "{updated:#}");
    let diff = setup.plumb(&["app", "diff", "web-dev"]);
    assert_eq!(diff.code, Some(1), "{}\n{}", diff.stdout, diff.stderr);
    assert!(diff.stdout.contains("web-v2"), "{}", diff.stdout);
}

#[test]
fn the_default_policy_takes_the_changed_template() {
    let setup = Setup::new("sync");
    let sync = setup.plumb(&["app", "sync", "web-dev"]);
    assert_eq!(sync.code, Some(0), "{}\n{}", sync.stdout, sync.stderr);
    setup.template("deploy/v2", "sync", "[{env: dev}]");
    let view = setup.get();
    assert_eq!(path_of(&view), "deploy/v2", "{view:#}");
    assert!(warnings(&view).is_empty(), "{view:#}");
}

/// plumb never cascades an app's deletion: once `web-dev` is no longer
/// generated, its objects are still live, so an Application pointing at the
/// same path finds them Synced.
#[test]
fn an_app_that_stops_being_generated_leaves_its_objects() {
    let setup = Setup::new("sync");
    let sync = setup.plumb(&["app", "sync", "web-dev"]);
    assert_eq!(sync.code, Some(0), "{}\n{}", sync.stdout, sync.stderr);
    setup.template("deploy/v1", "sync", "[]");
    let gone = setup.plumb(&["app", "get", "web-dev"]);
    gone.assert_failure()
        .assert_stderr_has(&["application 'web-dev' not found"]);

    let file = setup.home.path().join("web-dev.yaml");
    let app = cli_support::application("web-dev", setup.repo.url(), "deploy/v1", "")
        .replace("namespace: web-dev\n", "namespace: web\n");
    std::fs::write(&file, app).expect("write the Application");
    let file = file.to_str().expect("utf-8 path");
    let get = setup.run(&["--app", file, "app", "get", "web-dev", "-o", "json"]);
    get.assert_success();
    let view = get.json();
    assert_eq!(view["status"]["sync"], "Synced", "{view:#}");
}
