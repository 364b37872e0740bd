//! The command line edge: parses arguments, calls the core, prints results.
//!
//! Exit codes: 0 success; 1 when a command found what it checks for (stated
//! per command); 2 for usage or internal errors, with a one-line cause on stderr.

mod approve;
mod args;
mod blame;
mod check;
mod ci;
mod edit;
mod export;
mod forget;
mod gc;
mod hook;
mod identity;
mod init;
mod init_agent;
mod location;
mod lsp;
mod mark;
mod record;
mod repo;
mod report;
mod report_html;
mod review;
mod scope;
mod stats;
mod status;
mod verify;

use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command};

/// What a command reports back to `main`.
pub enum Outcome {
    /// Exit 0.
    Clean,
    /// Exit 1: the command found what it checks for.
    Found,
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() && is_record(std::env::args_os().skip(1)) => {
            // `vouch record` never fails an agent's hook, even when called wrongly.
            let first = e.to_string();
            let first = first.lines().next().unwrap_or("bad arguments");
            let first = crate::untrusted::escape(first.trim_start_matches("error: "));
            eprintln!("vouch: warning: edit not recorded: {first}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Found) => ExitCode::from(1),
        Err(e) => {
            eprintln!("vouch: {}", one_line(&e));
            ExitCode::from(2)
        }
    }
}

/// Whether the command line names the `record` subcommand (the first
/// argument that is not an option).
fn is_record(mut args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    args.find(|a| !a.to_string_lossy().starts_with('-'))
        .is_some_and(|a| a == "record")
}

fn one_line(e: &anyhow::Error) -> String {
    let chain: Vec<String> = e.chain().map(ToString::to_string).collect();
    // Causes may quote untrusted text (a path, a glob): one escaped line.
    crate::untrusted::escape(&chain.join(": ")).into_owned()
}

fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Status(a) => status::run(a),
        Command::Review(a) => review::run(a),
        Command::Mark(a) => mark::run(a),
        Command::Forget(a) => forget::run(a),
        Command::Init(a) => init::run(a),
        Command::Record(a) => record::run(a),
        Command::Check(a) => check::run(a),
        Command::Blame(a) => blame::run(a),
        Command::Export(a) => export::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Approve(a) => approve::run(a),
        Command::Gc => gc::run(),
        Command::Report(a) => report::run(a),
        Command::Ci(a) => ci::run(a),
        Command::Stats(a) => stats::run(a),
        Command::Hook(a) => hook::run(a),
        Command::Lsp(a) => lsp::run(a),
    }
}

/// The current directory, or an error naming why it can't be read.
pub(crate) fn current_dir() -> anyhow::Result<std::path::PathBuf> {
    std::env::current_dir().map_err(|e| anyhow::anyhow!("cannot read the current directory: {e}"))
}

/// Writes `bytes` to stdout; a reader that went away (`| head`) ends quietly.
pub(crate) fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
