//! The command line: clap arguments, validated options, and one module per command.

mod args;
mod baseline;
mod bench;
mod checks;
mod command;
mod comparison;
mod compile;
mod db;
mod export;
mod gate;
mod inputs;
mod ncu;
mod pipe;
mod record;
mod render;
mod report;
pub(crate) mod run_dir;
mod search_bench;
mod space_show;
mod sweep;
mod target;
mod tune;
mod worker;

pub use command::Cli;
pub use pipe::{quiet_on_closed_stdout, EXIT_CLOSED_STDOUT};

use crate::error::Error;
use clap::Parser;
use command::{Command, SpaceCommand};
use std::ffi::OsString;
use std::process::ExitCode;

/// Exit code for input the user must fix (bad flag, space, template or config).
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for a failure while running (GPU missing, I/O, NVRTC not loadable).
pub const EXIT_FAILURE: u8 = 1;

/// Parses `args` and runs the command they name; returns the process exit code.
pub fn main_with_args<I: IntoIterator<Item = OsString>>(args: I) -> anyhow::Result<ExitCode> {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            match e.print() {
                Err(err) if pipe::is_broken_pipe(&err) => {
                    return Ok(ExitCode::from(EXIT_CLOSED_STDOUT))
                }
                printed => printed?,
            }
            return Ok(ExitCode::from(if e.use_stderr() {
                EXIT_BAD_INPUT
            } else {
                0
            }));
        }
    };
    match run(cli) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(err) => {
            let err = inputs::flagged_any(err);
            eprintln!("error: {err:#}");
            Ok(ExitCode::from(exit_code_for(&err)))
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => tune::run(&cli.tune),
        Some(Command::Space(SpaceCommand::Show(a))) => space_show::run(&a),
        Some(Command::Render(a)) => render::run(&a),
        Some(Command::Compile(a)) => compile::run(&a),
        Some(Command::Bench(a)) => bench::run(&a),
        Some(Command::Record(a)) => record::run(&a),
        Some(Command::Baseline(a)) => baseline::run(&a),
        Some(Command::SearchBench(a)) => search_bench::run(&a),
        Some(Command::Worker(a)) => worker::run(&a),
        Some(Command::Ncu(a)) => ncu::run(&a),
        Some(Command::Report(a)) => report::run(&a),
        Some(Command::Gate(a)) => gate::run(&a),
        Some(Command::Sweep(a)) => sweep::run(&a),
        Some(Command::Db(a)) => db::run(&a),
        Some(Command::Export(a)) => export::run(&a),
    }
}

/// Bad input exits 2, anything else 1.
fn exit_code_for(err: &anyhow::Error) -> u8 {
    match err.downcast_ref::<Error>() {
        Some(Error::BadFlag { .. } | Error::BadInput { .. })
        | Some(Error::Space { .. } | Error::Template { .. } | Error::Config(_)) => EXIT_BAD_INPUT,
        _ => EXIT_FAILURE,
    }
}
