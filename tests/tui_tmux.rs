//! The real `plumb` binary in a terminal (tmux), on the bundled demo
//! repository and the sandbox, run as the README's run command does: no
//! arguments, its own `PLUMB_HOME`, no kubeconfig.

mod tmux_support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tmux_support::{EXIT_MARKER, Session};

const PLUMB: &str = env!("CARGO_BIN_EXE_plumb");
/// The demo's Application files: the root and six children.
const DEMO_APPS: &str = "Applications (7)";
const DEADLINE: Duration = Duration::from_secs(30);
const STEP: Duration = Duration::from_secs(10);

fn tmux_or_skip(test: &str) -> bool {
    if tmux_support::available() {
        return true;
    }
    eprintln!("{test}: skipped, tmux is not installed here (.ci/run installs it)");
    false
}

struct Console {
    session: Session,
    home: tempfile::TempDir,
}

impl Console {
    fn start() -> Console {
        let home = tempfile::tempdir().expect("tempdir");
        let home_path = home.path().to_string_lossy().into_owned();
        let session = Session::start(
            PLUMB,
            &[],
            &[
                ("PLUMB_HOME", home_path.as_str()),
                // No ~/.kube/config either: the sandbox.
                ("HOME", home_path.as_str()),
                ("RUST_BACKTRACE", "0"),
            ],
        );
        Console { session, home }
    }

    fn kubeconfig(&self) -> PathBuf {
        self.home.path().join("data/sandbox/kubeconfig")
    }

    fn home(&self) -> &Path {
        self.home.path()
    }

    /// Quits with `q` and checks the terminal is back to normal: exit code
    /// 0, main screen, cursor shown, canonical (not raw) mode.
    fn quit_and_check_terminal(&self) {
        self.session.keys(&["q"]);
        // Wait for the terminal-mode line the shell prints after the marker,
        // not only the marker (a capture can land between the two).
        let screen = self
            .session
            .wait_until(STEP, "the exit code and terminal mode", |s| {
                s.lines()
                    .skip_while(|l| !l.contains(EXIT_MARKER))
                    .nth(1)
                    .is_some_and(|l| !l.trim().is_empty())
            });
        assert!(
            screen.contains(&format!("{EXIT_MARKER} 0]")),
            "plumb did not exit 0:\n{screen}"
        );
        let mode = screen
            .lines()
            .skip_while(|l| !l.contains(EXIT_MARKER))
            .nth(1)
            .unwrap_or_default()
            .trim()
            .to_owned();
        assert_eq!(mode, "icanon", "raw mode left on:\n{screen}");
        assert_eq!(self.session.display("#{alternate_on}"), "0");
        assert_eq!(self.session.display("#{cursor_flag}"), "1");
        assert!(!screen.contains("panicked"), "{screen}");
    }
}

#[test]
fn console_lists_filters_opens_helps_and_quits_cleanly() {
    if !tmux_or_skip("console_lists_filters_opens_helps_and_quits_cleanly") {
        return;
    }
    let console = Console::start();
    let s = &console.session;
    let started = Instant::now();
    let list = s.wait_for(DEMO_APPS, DEADLINE);
    eprintln!("app list on screen after {:?}", started.elapsed());
    for app in ["payments", "orders", "storefront", "root"] {
        assert!(list.contains(app), "{app} missing:\n{list}");
    }

    s.type_text("/pay");
    let filtered = s.wait_for("Applications (2)", STEP);
    assert!(filtered.contains("payments-staging"), "{filtered}");
    assert!(!filtered.contains("storefront"), "{filtered}");
    s.keys(&["Escape"]);
    s.wait_for(DEMO_APPS, STEP);

    s.command("app pay");
    // An unknown name is refused on the status line, the list stays.
    s.wait_for("no app named 'pay'", STEP);
    s.type_text(":app payments-st");
    s.keys(&["Tab"]);
    s.wait_for(":app payments-staging", STEP);
    s.keys(&["Enter"]);
    let app = s.wait_for("root ▸ payments-staging", STEP);
    assert!(app.contains("Tree") && app.contains("History"), "{app}");
    // p: up to the parent app.
    s.keys(&["p"]);
    let root = s.wait_until(STEP, "the root app's view", |screen| {
        screen.lines().next().is_some_and(|l| l.trim() == "root")
    });
    assert!(root.contains("Manifests"), "{root}");

    s.keys(&["?"]);
    // A capture can catch a frame half drawn: wait for the whole help.
    let help = s.wait_until(STEP, "the help with every context", |screen| {
        screen.contains("── list view") && screen.contains("── history view")
    });
    assert!(help.contains("── app view"), "{help}");
    s.keys(&["Escape"]);
    s.wait_gone("── list view", STEP);
    s.keys(&["Escape"]);
    s.wait_for(DEMO_APPS, STEP);

    console.quit_and_check_terminal();
}

#[test]
fn ctrl_c_quits_from_a_modal_and_restores_the_terminal() {
    if !tmux_or_skip("ctrl_c_quits_from_a_modal_and_restores_the_terminal") {
        return;
    }
    let console = Console::start();
    let s = &console.session;
    s.wait_for(DEMO_APPS, DEADLINE);
    s.command("ctx");
    s.wait_for("Clusters", STEP);
    s.keys(&["C-c"]);
    let screen = s.wait_for(EXIT_MARKER, STEP);
    assert!(screen.contains(&format!("{EXIT_MARKER} 0]")), "{screen}");
    assert_eq!(s.display("#{alternate_on}"), "0");
}

/// kubectl against the sandbox the console owns.
fn kubectl(console: &Console, args: &[&str]) -> String {
    let output = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(console.kubeconfig())
        .args(args)
        .env("HOME", console.home())
        .output()
        .expect("kubectl runs");
    assert!(
        output.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The app view's second line: sync, health, flags, revision.
fn status_line(screen: &str) -> &str {
    screen.lines().nth(1).unwrap_or_default()
}

/// The screen row of the app list that starts with `name`.
fn row<'a>(screen: &'a str, name: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_default()
}

#[test]
fn sync_drift_and_rollback_from_keys() {
    if !tmux_or_skip("sync_drift_and_rollback_from_keys") {
        return;
    }
    let console = Console::start();
    let s = &console.session;
    s.wait_for(DEMO_APPS, DEADLINE);
    // orders syncs by hand (no automated policy): compared OutOfSync first.
    s.wait_until(DEADLINE, "orders compared", |screen| {
        row(screen, "orders").contains("OutOfSync")
    });

    // Sync from the app view: the modal shows the plan, y starts it.
    s.command("app orders");
    s.wait_for("root ▸ orders", STEP);
    s.keys(&["s"]);
    let modal = s.wait_until(STEP, "the sync modal drawn whole", |screen| {
        screen.contains("Sync orders") && screen.contains("y/enter sync")
    });
    assert!(
        modal.contains("PreSync wave"),
        "the plan shows the hook:\n{modal}"
    );
    assert!(modal.contains("Deployment/order-processor"), "{modal}");
    s.keys(&["y"]);
    s.wait_until(Duration::from_secs(120), "the sync to finish", |screen| {
        status_line(screen).starts_with("Synced") && !screen.contains("Running ")
    });

    // Drift: kubectl scales the Deployment behind plumb's back.
    assert!(console.kubeconfig().exists(), "the sandbox kubeconfig");
    kubectl(
        &console,
        &[
            "scale",
            "-n",
            "orders",
            "deployment/order-processor",
            "--replicas=5",
        ],
    );
    s.wait_until(DEADLINE, "the drift to show", |screen| {
        status_line(screen).starts_with("OutOfSync")
    });
    s.keys(&["Tab"]);
    let diff = s.wait_for("replicas: 5", STEP);
    assert!(diff.contains("replicas: 2"), "desired and live:\n{diff}");
    assert!(
        diff.contains("kubectl"),
        "the drift names its manager:\n{diff}"
    );

    // Roll back to the sync just made (History, r, confirm).
    s.keys(&["Tab"]);
    s.wait_for("#0", STEP);
    s.keys(&["r"]);
    s.wait_for("Roll orders back to:", STEP);
    s.wait_for("Preview: changes", DEADLINE);
    s.keys(&["y"]);
    s.wait_until(
        Duration::from_secs(120),
        "the rollback to finish",
        |screen| screen.contains("#1") && !screen.contains("Running"),
    );
    let replicas = kubectl(
        &console,
        &[
            "get",
            "-n",
            "orders",
            "deployment/order-processor",
            "-o",
            "jsonpath={.spec.replicas}",
        ],
    );
    assert_eq!(replicas, "2");
    console.quit_and_check_terminal();
}
