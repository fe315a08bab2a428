//! A program in a detached tmux session of a fixed size, on a private tmux
//! socket: send keys and text, wait for text on the screen, capture it.
//! The session is killed when dropped.
#![allow(dead_code)] // each test file uses a different subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Printed after the program exits, with its exit code, followed by the
/// terminal's `icanon` / `-icanon` setting (raw mode leaves `-icanon`).
pub const EXIT_MARKER: &str = "[program exited:";

pub struct Session {
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

/// Whether a tmux binary can be run here.
pub fn available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

impl Session {
    /// Starts `program args` at 120x36 with `env` set and `KUBECONFIG` unset.
    pub fn start(program: &str, args: &[&str], env: &[(&str, &str)]) -> Session {
        Session::start_sized(program, args, env, 120, 36)
    }

    pub fn start_sized(
        program: &str,
        args: &[&str],
        env: &[(&str, &str)],
        width: u16,
        height: u16,
    ) -> Session {
        let dir = tempfile::tempdir().expect("tempdir for the tmux socket");
        let socket = dir.path().join("tmux.sock");
        let mut line = String::from("env -u KUBECONFIG");
        for (key, value) in env {
            line.push_str(&format!(" {key}={}", quote(value)));
        }
        line.push(' ');
        line.push_str(&quote(program));
        for arg in args {
            line.push(' ');
            line.push_str(&quote(arg));
        }
        // After the program: its exit code and the terminal mode, then wait
        // to be killed so the pane can still be read.
        line.push_str(&format!(
            "; echo \"{EXIT_MARKER} $?]\"; stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\{{0,1\\}}icanon'; exec cat"
        ));
        let session = Session { socket, _dir: dir };
        let (w, h) = (width.to_string(), height.to_string());
        session.tmux_ok(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "plumb",
            "-x",
            &w,
            "-y",
            &h,
            "sh",
            "-c",
            &line,
        ]);
        session
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn tmux_ok(&self, args: &[&str]) -> String {
        let output = self.tmux(args);
        assert!(
            output.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Named keys as tmux knows them: `Enter`, `Escape`, `Tab`, `Space`, `j`.
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "plumb"];
        args.extend_from_slice(keys);
        self.tmux_ok(&args);
    }

    /// Types `text` literally.
    pub fn type_text(&self, text: &str) {
        self.tmux_ok(&["send-keys", "-t", "plumb", "-l", text]);
    }

    /// Runs a `:` command line in plumb.
    pub fn command(&self, line: &str) {
        self.type_text(":");
        self.type_text(line);
        self.keys(&["Enter"]);
    }

    /// The visible screen as plain text.
    pub fn capture(&self) -> String {
        self.tmux_ok(&["capture-pane", "-p", "-t", "plumb"])
    }

    /// The visible screen with its colours as ANSI escapes.
    pub fn capture_ansi(&self) -> String {
        self.tmux_ok(&["capture-pane", "-e", "-p", "-t", "plumb"])
    }

    /// A tmux format for the pane, e.g. `#{alternate_on}`.
    pub fn display(&self, format: &str) -> String {
        self.tmux_ok(&["display-message", "-p", "-t", "plumb", format])
            .trim()
            .to_owned()
    }

    /// Waits until `text` is on screen; returns the screen. Panics with
    /// the last screen on timeout.
    pub fn wait_for(&self, text: &str, timeout: Duration) -> String {
        self.wait_until(timeout, &format!("{text:?} to appear"), |s| {
            s.contains(text)
        })
    }

    /// Waits until `text` is no longer on screen.
    pub fn wait_gone(&self, text: &str, timeout: Duration) -> String {
        self.wait_until(timeout, &format!("{text:?} to go"), |s| !s.contains(text))
    }

    pub fn wait_until(&self, timeout: Duration, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if done(&screen) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!("waited {timeout:?} for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}
