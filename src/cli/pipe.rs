//! A closed standard output (`evotune db list | head -1`) ends the process quietly, as it ends
//! other command-line tools, instead of with the panic `println!` raises on it.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;

/// The exit status after standard output closed: 128 + SIGPIPE, what a shell reports for a
/// tool that signal ended.
pub const EXIT_CLOSED_STDOUT: u8 = 141;

/// Runs `body`; when a print finds standard output closed, ends quietly with
/// [`EXIT_CLOSED_STDOUT`] (`println!` panics then: the panic is caught here, its message not
/// printed). Every other panic is reported and unwinds as before.
pub fn quiet_on_closed_stdout(body: impl FnOnce() -> ExitCode) -> ExitCode {
    let report = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !info.payload_as_str().is_some_and(is_closed_stdout) {
            report(info);
        }
    }));
    match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(code) => code,
        Err(payload) if payload_text(payload.as_ref()).is_some_and(is_closed_stdout) => {
            ExitCode::from(EXIT_CLOSED_STDOUT)
        }
        Err(payload) => panic::resume_unwind(payload),
    }
}

/// Whether a panic message is that of a print to a closed standard output.
pub fn is_closed_stdout(message: &str) -> bool {
    message.starts_with("failed printing to stdout") && message.contains("Broken pipe")
}

/// Whether an error is a write to a closed pipe (clap's printing of help, for one).
pub fn is_broken_pipe(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
}

fn payload_text(payload: &(dyn Any + Send)) -> Option<&str> {
    match payload.downcast_ref::<String>() {
        Some(s) => Some(s),
        None => payload.downcast_ref::<&str>().copied(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_print_to_a_closed_stdout_is_quiet() {
        assert!(is_closed_stdout(
            "failed printing to stdout: Broken pipe (os error 32)"
        ));
        assert!(!is_closed_stdout(
            "failed printing to stderr: Broken pipe (os error 32)"
        ));
        assert!(!is_closed_stdout("index out of bounds"));
        let quiet = quiet_on_closed_stdout(|| {
            panic::panic_any(String::from(
                "failed printing to stdout: Broken pipe (os error 32)",
            ))
        });
        assert_eq!(quiet, ExitCode::from(EXIT_CLOSED_STDOUT));
        let other = panic::catch_unwind(|| quiet_on_closed_stdout(|| panic!("another")));
        assert!(other.is_err(), "other panics unwind as before");
    }
}
