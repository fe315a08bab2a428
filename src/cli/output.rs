//! Output formats shared by the CLI commands, and broken-pipe detection.

use clap::ValueEnum;

/// `-o` for listing commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    /// A table with the usual columns.
    #[default]
    Table,
    /// A table with every column.
    Wide,
    Json,
    Yaml,
}

/// Writes one line to stderr. A closed stderr (`plumb ... 2>&1 | head`) is
/// ignored: `eprintln!` would panic there and abort the process.
pub fn print_stderr(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// True when the error (or any cause) is a write to a closed pipe.
pub fn is_broken_pipe(err: &color_eyre::eyre::Report) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_pipe_is_found_through_context() {
        use color_eyre::eyre::WrapErr;
        let io = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        let err: color_eyre::eyre::Report = Err::<(), _>(io)
            .wrap_err("writing the app list")
            .unwrap_err();
        assert!(is_broken_pipe(&err));
        assert!(!is_broken_pipe(&color_eyre::eyre::eyre!("other")));
    }
}
