//! Command-line arguments. Every command carries an example in its help.

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "vouch",
    version,
    about = "Track which code AI wrote, and whether a person has vouched for it",
    long_about = "Vouch records which characters of a workspace were written by AI (tool, model, kind) \
and whether a person has reviewed them. Commands find the repository from the current directory.\n\n\
Exit codes: 0 success; 1 when a command found what it checks for; 2 usage or internal error; 141 when standard output was closed (`| head`), as for git.",
    after_help = "Examples:\n  vouch init                                      (git hooks for this repository)\n  vouch mark src/lib.rs:10-24 --tool chatgpt      (code pasted from a chat window)\n  vouch status                                    (unreviewed AI code)\n  vouch review src/lib.rs:10-24                   (having read it)\n\nRun `vouch COMMAND --help` for a command's options and examples."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// List the AI-written code the gate would block (with --all, every AI-written region)
    #[command(
        after_help = "Examples:\n  vouch status                (what `vouch check` would block, paths relative to here)\n  vouch status --all src/     (every AI-written region under src/, reviewed or not)\n  vouch status --json         (repository-relative paths)"
    )]
    Status(StatusArgs),
    /// Mark the AI-written text on some lines as reviewed
    #[command(
        after_help = "Examples:\n  vouch review src/lib.rs:10-24\n  vouch review src/lib.rs::Cart::total   (the AI code of one function, method or class)\n  vouch review src/lib.rs\n  vouch review --all --as 'Ada <ada@example.com>'   (what the policy does not accept yet)\n  vouch review --all --include-accepted           (every AI-written region)"
    )]
    Review(ReviewArgs),
    /// Declare lines AI-written (for code pasted from a chat window)
    #[command(after_help = "Example:\n  vouch mark src/lib.rs:10-24 --tool chatgpt --model gpt-5")]
    Mark(MarkArgs),
    /// Drop the AI attribution of some lines (declare them human-written)
    #[command(after_help = "Examples:\n  vouch forget src/lib.rs:3-4\n  vouch forget src/lib.rs")]
    Forget(ForgetArgs),
    /// Set up this repository: git hooks (gate, notes), or a coding agent's hooks with --agent
    #[command(
        after_help = "Examples:\n  vouch init\n  vouch init --trailer assisted-by\n  vouch init --agent claude-code\n  vouch init --uninstall\nA core.hooksPath inside the work tree (tracked hooks) is refused (exit 2); an agent configuration symlinked out of the repository is refused (exit 2)."
    )]
    Init(InitArgs),
    /// Record a coding agent's edit from its hook payload on stdin (always exits 0)
    #[command(
        after_help = "Example (a Claude Code PostToolUse hook):\n  vouch record --agent claude-code < payload.json"
    )]
    Record(RecordArgs),
    /// The pre-commit gate: exit 1 listing ranges of staged lines holding AI code not reviewed as vouch.toml requires
    #[command(
        after_help = "Examples:\n  vouch check --staged   (the pre-commit gate, as the hook checks a commit)\n  vouch check            (the working tree)\nBypass the hook with `git commit --no-verify`; the code is then recorded as unreviewed."
    )]
    Check(super::check::CheckArgs),
    /// Per line: AI or human, tool, model, reviewed, reviewer, commit
    #[command(after_help = "Examples:\n  vouch blame src/lib.rs\n  vouch blame --json src/lib.rs")]
    Blame(super::blame::BlameArgs),
    /// Export commits' provenance notes (Agent Trace JSON Lines, SARIF 2.1.0, or JSON)
    #[command(
        after_help = "Examples:\n  vouch export > trace.jsonl\n  vouch export --format sarif origin/main..HEAD > vouch.sarif\n  vouch export --format json HEAD~10..HEAD"
    )]
    Export(super::export::ExportArgs),
    /// For CI: exit 1 listing AI lines not approved (reviewed) as vouch.toml requires
    #[command(
        long_about = "For CI. With a RANGE (origin/main..HEAD): every AI line the range introduces, and any change to vouch.toml or the allowed-signers file, needs an approval that counts under the policy read from the range's base (the target branch; --policy-from overrides): with `[review] signed = true` only SSH-signed `vouch approve` records by principals of the allowed-signers file count. Prints per file the unapproved line ranges with unit, tool and who may approve them. Without a RANGE: each commit of HEAD's history against its own note. Exit 1 when anything is unapproved (with severity `error`), 0 otherwise, 2 on error. See docs/sign-off.md.",
        after_help = "Examples:\n  vouch verify origin/main..HEAD\n  vouch verify origin/main..HEAD --format sarif > vouch.sarif\n  vouch verify origin/main..HEAD --policy-from origin/release --format json\n  vouch verify"
    )]
    Verify(super::verify::VerifyArgs),
    /// Sign an approval of the AI lines a range introduces (a reviewer, after commit)
    #[command(
        long_about = "A reviewer's signed approval of the AI-written lines a range introduces and still holds at its tip (net), and of any change it makes to vouch.toml or the allowed-signers file. Lists them per file and unit with tool and model; records an approval bound to their text (a SHA-256 per line), signed with `ssh-keygen -Y sign -n vouch-approval` through git's signing configuration (gpg.format = ssh, user.signingKey), as the principal the allowed-signers file of the range's base lists for that key. Stored in refs/notes/vouch-approvals, shared by the hooks `vouch init` installs. Exit 0; 2 on error (e.g. a key not in the allowed-signers file). See docs/sign-off.md.",
        after_help = "Examples:\n  git fetch && vouch approve origin/main..origin/feature --dry-run\n  vouch approve origin/main..origin/feature\n  vouch approve origin/main..origin/feature src/lib.rs::Cart::total src/util.rs:10-24\n  git push origin refs/notes/vouch-approvals"
    )]
    Approve(super::approve::ApproveArgs),
    /// Drop the notes of commits no longer reachable from any branch, tag or HEAD (after amend, rebase)
    #[command(
        after_help = "Example:\n  vouch gc\n\nA commit is reachable when a branch, tag, remote-tracking branch, the stash or a worktree's HEAD leads to it (reflogs do not count). Only the local notes ref changes. The post-rewrite hook already drops the notes of the commits an amend or rebase replaced."
    )]
    Gc,
    /// A pull request's AI-written lines and approvals, as a comment (markdown), a page (html) or JSON
    #[command(
        long_about = "What a range (a pull request: origin/main..HEAD) introduces: a headline (AI-written lines, files, approved, who must approve the rest), a per-file table (added and AI lines, tool/model, kind, approved/unapproved, units), the shares of the added lines per tool/model and per kind, and the unapproved ranges as path:start-end with their unit. The approval verdict is exactly `vouch verify RANGE`'s, with the policy read from the range's base. Markdown stays under GitHub's 65,536-character comment limit for any range (past a size it summarises). Exit 0; 2 on error. See docs/ci.md.",
        after_help = "Examples:\n  vouch report origin/main..HEAD > comment.md\n  vouch report origin/main..HEAD --format json\n  vouch report origin/main..HEAD --format html > report.html"
    )]
    Report(super::report::ReportArgs),
    /// Shares of a repository's lines by AI tool, model, kind, author and month
    #[command(
        long_about = "The lines a range introduces (default: every line of HEAD), each credited to the last commit that wrote it, as the notes tell (the same replay as `vouch verify RANGE`): AI lines by tool, model and kind; all lines by commit author and month (AI, human, unknown: a commit without provenance). Exit 0; 2 on error. See docs/ci.md.",
        after_help = "Examples:\n  vouch stats\n  vouch stats v1.0..HEAD --format json"
    )]
    Stats(super::stats::StatsArgs),
    /// Steps for CI jobs: `vouch ci post-merge` repairs provenance after a forge's squash or rebase merge
    #[command(
        after_help = "Example:\n  vouch ci post-merge --base \"$BEFORE_SHA\" --head \"$PR_HEAD_SHA\" --merged \"$AFTER_SHA\""
    )]
    Ci(super::ci::CiArgs),
    /// What the installed git hooks run
    #[command(hide = true, after_help = "Example:\n  vouch hook post-commit")]
    Hook(super::hook::HookArgs),
    /// Serve the Language Server Protocol on stdin/stdout (for editors)
    #[command(after_help = "Example (an editor's server command):\n  vouch lsp --stdio")]
    Lsp(LspArgs),
}

/// Coding agents whose hooks Vouch understands.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AgentName {
    ClaudeCode,
    Cursor,
    Codex,
    Gemini,
    Copilot,
}

/// Commit-message trailer styles for `vouch init --trailer`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TrailerStyle {
    AssistedBy,
    CoAuthoredBy,
}

#[derive(Args, Debug)]
pub(crate) struct InitArgs {
    /// Remove what `vouch init` installed and restore what was there before
    #[arg(long)]
    pub(crate) uninstall: bool,
    /// Configure this coding agent's hooks instead of git hooks
    #[arg(long, value_enum)]
    pub(crate) agent: Option<AgentName>,
    /// With --agent: write the user-level configuration instead of the project's
    #[arg(long, requires = "agent")]
    pub(crate) global: bool,
    /// Also add a prepare-commit-msg hook that appends an AI trailer when staged code holds AI lines
    #[arg(long, value_enum, conflicts_with = "agent")]
    pub(crate) trailer: Option<TrailerStyle>,
}

#[derive(Args, Debug)]
pub(crate) struct LspArgs {
    /// Accepted and ignored: stdio is the only transport
    #[arg(long)]
    pub(crate) stdio: bool,
}

#[derive(Args, Debug)]
pub(crate) struct RecordArgs {
    /// The agent whose hook payload arrives on stdin: claude-code, cursor,
    /// codex, gemini or copilot. Even a missing or unknown name only warns
    /// (the exit status is always 0, so an agent's hook never fails).
    #[arg(long, value_name = "AGENT")]
    pub(crate) agent: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct StatusArgs {
    /// Print a JSON array of {path, startLine, endLine, tool, model, kind, reviewed, reviewers, unit, unitKind, blocked, reason}; paths are repository-relative
    #[arg(long)]
    pub(crate) json: bool,
    /// List every AI-written region, also what the policy accepts (reviewed, exempt, ignored)
    #[arg(long)]
    pub(crate) all: bool,
    /// Only these files or folders (default: the whole workspace)
    pub(crate) paths: Vec<String>,
}

#[derive(Args, Debug)]
pub(crate) struct ReviewArgs {
    /// PATH, PATH:LINE, PATH:START-END (1-based, inclusive) or PATH::NAME (a function, method, class...: `total`, `Cart::total`)
    #[arg(required_unless_present = "all")]
    pub(crate) locations: Vec<String>,
    /// Review the AI-written code the policy does not accept yet, in the whole workspace
    #[arg(long)]
    pub(crate) all: bool,
    /// With --all: also add this review to AI code the policy already accepts
    #[arg(long, requires = "all")]
    pub(crate) include_accepted: bool,
    /// Reviewer identity (default: git's `user.name <user.email>`)
    #[arg(long = "as", value_name = "IDENTITY")]
    pub(crate) identity: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct MarkArgs {
    /// PATH:START-END (1-based, inclusive)
    pub(crate) location: String,
    /// The AI tool that wrote the text (one line, at most 128 bytes, no control characters)
    #[arg(long)]
    pub(crate) tool: String,
    /// The model, if known (same rules as --tool)
    #[arg(long)]
    pub(crate) model: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct ForgetArgs {
    /// PATH, PATH:LINE, PATH:START-END (1-based, inclusive) or PATH::NAME (a function, method, class...)
    #[arg(required = true)]
    pub(crate) locations: Vec<String>,
}
