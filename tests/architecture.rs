//! The engine side never imports UI crates: `model`, `source`, `cluster`,
//! `engine` and `sandbox` must work without a terminal.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn engine_modules_do_not_import_ui_crates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    let mut checked = 0;
    for module in ["model", "source", "cluster", "engine", "sandbox"] {
        let mut files = Vec::new();
        rust_files(&root.join(module), &mut files);
        for file in files {
            checked += 1;
            let text = std::fs::read_to_string(&file).expect("readable file");
            for ui in ["ratatui", "crossterm", "tui_tree_widget", "crate::tui"] {
                if text.contains(&format!("{ui}::")) || text.contains(&format!("use {ui}")) {
                    offenders.push(format!("{} uses {ui}", file.display()));
                }
            }
        }
    }
    assert!(
        checked >= 5,
        "expected to check the engine modules, found {checked} files"
    );
    assert!(
        offenders.is_empty(),
        "UI imports outside the TUI: {offenders:#?}"
    );
}
