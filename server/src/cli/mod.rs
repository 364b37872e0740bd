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
mod paths;
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

pub(crate) use args::{Cli, Command};

/// What a command reports back to `main`.
pub(crate) enum Outcome {
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
            let first = vouch_core::untrusted::escape(first.trim_start_matches("error: "));
            eprintln!("vouch: warning: edit not recorded: {first}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            return match e.print() {
                Err(p) if p.kind() == std::io::ErrorKind::BrokenPipe => {
                    ExitCode::from(CLOSED_STDOUT)
                }
                _ => ExitCode::from(code),
            };
        }
    };
    quiet_on_closed_stdout();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli)));
    match result {
        Ok(Ok(Outcome::Clean)) => ExitCode::SUCCESS,
        Ok(Ok(Outcome::Found)) => ExitCode::from(1),
        // The reader went away (`| head`, a pager that quit): stop quietly, as
        // git does, with git's status (killed by SIGPIPE: 128 + 13). Not 0: a
        // check whose output was cut short has not said "clean", and under
        // `set -o pipefail` a `vouch verify | head` must not pass.
        Ok(Err(e)) if is_broken_pipe(&e) => ExitCode::from(CLOSED_STDOUT),
        Ok(Err(e)) => {
            eprintln!("vouch: {}", one_line(&e));
            ExitCode::from(2)
        }
        Err(_) if STDOUT_CLOSED.load(std::sync::atomic::Ordering::SeqCst) => {
            ExitCode::from(CLOSED_STDOUT)
        }
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Whether the command line names the `record` subcommand (the first
/// argument that is not an option).
fn is_record(mut args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    args.find(|a| !a.to_string_lossy().starts_with('-'))
        .is_some_and(|a| a == "record")
}

/// Exit status when standard output was closed under us: what a shell
/// reports for git killed by SIGPIPE.
const CLOSED_STDOUT: u8 = 141;

/// Set when `println!` found standard output closed.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `println!` panics when the reader of standard output has gone; that panic
/// is not a bug to report: the hook stays silent and `main` exits quietly.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            STDOUT_CLOSED.store(true, std::sync::atomic::Ordering::SeqCst);
            return;
        }
        default(info);
    }));
}

/// Whether `e` comes from writing to a closed pipe.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

/// The error and its causes on one line; a cause the message before it
/// already spells out is not repeated.
fn one_line(e: &anyhow::Error) -> String {
    let mut chain: Vec<String> = Vec::new();
    for cause in e.chain().map(|c| c.to_string()) {
        if chain.last().is_some_and(|prev| prev.contains(&cause)) {
            continue;
        }
        chain.push(cause);
    }
    // Causes may quote untrusted text (a path, a glob): one escaped line.
    vouch_core::untrusted::escape(&chain.join(": ")).into_owned()
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

/// Writes `bytes` to stdout. A reader that went away (`| head`) is an
/// error `main` turns into the quiet exit 141, like every other command.
pub(crate) fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
}
