//! The `evotune` binary: parses the command line, runs it, prints the error chain.

use std::process::ExitCode;

fn main() -> ExitCode {
    // A closed standard output (`evotune db list | head -1`) ends the process quietly.
    evotune::cli::quiet_on_closed_stdout(|| {
        match evotune::cli::main_with_args(std::env::args_os()) {
            Ok(code) => code,
            Err(err) => {
                eprintln!("error: {err:#}");
                ExitCode::from(2)
            }
        }
    })
}
