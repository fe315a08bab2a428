use std::process::ExitCode;

fn main() -> ExitCode {
    plumb::cli::main()
}
