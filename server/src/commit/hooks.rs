//! Installing and removing Vouch's git hooks.
//!
//! Hooks go where git looks for them (`git rev-parse --git-path hooks`, so
//! `core.hooksPath` is honoured). A hook the user already had is moved aside
//! to `<name>.vouch-chained` and called first with the same arguments and
//! input: its failure still fails the commit. `--uninstall` moves it back.

use std::path::{Path, PathBuf};

use super::CommitError;
use crate::git::Git;

/// Marks a hook file as written by Vouch.
pub const MARKER: &str = "vouch-managed hook";
pub const CHAINED_SUFFIX: &str = ".vouch-chained";

/// What Vouch runs from each hook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hook {
    PreCommit,
    PostCommit,
    PostRewrite,
    PrePush,
    PrepareCommitMsg,
    /// Merges fetched notes into the local ref as soon as `git fetch` stores them.
    ReferenceTransaction,
    /// Remembers and restores attribution across branch switches.
    PostCheckout,
    /// Writes the note of a merge commit `git merge` made (no post-commit runs then).
    PostMerge,
}

impl Hook {
    pub const ALL: [Hook; 8] = [
        Hook::PreCommit,
        Hook::PostCommit,
        Hook::PostRewrite,
        Hook::PrePush,
        Hook::PrepareCommitMsg,
        Hook::ReferenceTransaction,
        Hook::PostCheckout,
        Hook::PostMerge,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Hook::PreCommit => "pre-commit",
            Hook::PostCommit => "post-commit",
            Hook::PostRewrite => "post-rewrite",
            Hook::PrePush => "pre-push",
            Hook::PrepareCommitMsg => "prepare-commit-msg",
            Hook::ReferenceTransaction => "reference-transaction",
            Hook::PostCheckout => "post-checkout",
            Hook::PostMerge => "post-merge",
        }
    }

    /// Whether git feeds the hook on stdin (so the input must be copied for the chained hook).
    fn reads_stdin(self) -> bool {
        matches!(
            self,
            Hook::PostRewrite | Hook::PrePush | Hook::ReferenceTransaction
        )
    }

    /// Whether a missing `vouch` binary must stop the operation.
    fn blocking(self) -> bool {
        self == Hook::PreCommit
    }
}

/// Single-quotes `s` for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The script for `hook`, calling `vouch_args` on the binary at `exe`.
pub fn script(hook: Hook, exe: &Path, vouch_args: &str) -> String {
    let name = hook.name();
    let missing = if hook == Hook::ReferenceTransaction {
        "exit 0"
    } else if hook.blocking() {
        "echo \"vouch: cannot find the vouch binary; install it or run 'git commit --no-verify'\" >&2\n  exit 1"
    } else {
        "echo \"vouch: cannot find the vouch binary; skipping the $(basename \"$0\") hook\" >&2\n  exit 0"
    };
    let mut s = format!(
        "#!/bin/sh\n\
         # {MARKER} ({name}), installed by `vouch init`; `vouch init --uninstall` restores what was here.\n\
         VOUCH={exe}\n\
         if [ ! -x \"$VOUCH\" ]; then VOUCH=vouch; fi\n\
         CHAINED=\"$(dirname \"$0\")/{name}{CHAINED_SUFFIX}\"\n",
        exe = shell_quote(&exe.to_string_lossy()),
    );
    if hook.reads_stdin() {
        s.push_str(
            // Exactly git's input, trailing line breaks included and empty kept empty.
            "INPUT=$(cat; printf x)\nINPUT=${INPUT%x}\n\
             if [ -x \"$CHAINED\" ]; then\n  printf '%s' \"$INPUT\" | \"$CHAINED\" \"$@\" || exit $?\nfi\n",
        );
    } else {
        s.push_str("if [ -x \"$CHAINED\" ]; then\n  \"$CHAINED\" \"$@\" || exit $?\nfi\n");
    }
    s.push_str(&format!(
        "if ! command -v \"$VOUCH\" >/dev/null 2>&1; then\n  {missing}\nfi\n"
    ));
    if hook == Hook::ReferenceTransaction {
        // Runs on every ref update: call vouch only when fetch stored remote notes.
        s.push_str(&format!(
            "if [ \"$1\" = committed ]; then\n  case \"$INPUT\" in\n    *\" refs/notes/remotes/\"*)\n      printf '%s' \"$INPUT\" | \"$VOUCH\" {vouch_args} \"$@\" ;;\n  esac\nfi\nexit 0\n"
        ));
    } else if hook.reads_stdin() {
        s.push_str(&format!(
            "printf '%s' \"$INPUT\" | \"$VOUCH\" {vouch_args} \"$@\"\n"
        ));
    } else {
        s.push_str(&format!("exec \"$VOUCH\" {vouch_args} \"$@\"\n"));
    }
    s
}

/// The folder git runs hooks from, created if needed.
pub fn hooks_dir(git: &Git) -> Result<PathBuf, CommitError> {
    Ok(git.git_path("hooks")?)
}

fn is_ours(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|s| s.contains(MARKER))
}

fn make_executable(path: &Path) -> Result<(), CommitError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Installs `hook` into `dir` with `body`; returns the changes made.
pub fn install(dir: &Path, hook: Hook, body: &str) -> Result<Vec<String>, CommitError> {
    let mut changes = Vec::new();
    if !dir.is_dir() {
        std::fs::create_dir_all(dir)?;
        changes.push(format!("created the hooks folder {}", dir.display()));
    }
    let path = dir.join(hook.name());
    let chained = dir.join(format!("{}{CHAINED_SUFFIX}", hook.name()));
    let exists = path.symlink_metadata().is_ok();
    if exists && !is_ours(&path) {
        if chained.symlink_metadata().is_ok() {
            return Err(CommitError::Other(format!(
                "both {} and {} exist; move one of them away and run `vouch init` again",
                path.display(),
                chained.display()
            )));
        }
        std::fs::rename(&path, &chained)?;
        changes.push(format!(
            "moved your {} hook to {} (it still runs first)",
            hook.name(),
            chained.display()
        ));
    }
    let current = std::fs::read_to_string(&path).ok();
    if current.as_deref() != Some(body) {
        std::fs::write(&path, body)?;
        changes.push(if current.is_some() && exists && is_ours(&path) {
            format!("updated the {} hook {}", hook.name(), path.display())
        } else {
            format!("installed the {} hook {}", hook.name(), path.display())
        });
    }
    make_executable(&path)?;
    Ok(changes)
}

/// Removes Vouch's `hook` from `dir`, restoring a chained one.
pub fn uninstall(dir: &Path, hook: Hook) -> Result<Vec<String>, CommitError> {
    let mut changes = Vec::new();
    let path = dir.join(hook.name());
    let chained = dir.join(format!("{}{CHAINED_SUFFIX}", hook.name()));
    if is_ours(&path) {
        std::fs::remove_file(&path)?;
        changes.push(format!(
            "removed the {} hook {}",
            hook.name(),
            path.display()
        ));
    }
    if chained.symlink_metadata().is_ok() && path.symlink_metadata().is_err() {
        std::fs::rename(&chained, &path)?;
        changes.push(format!(
            "restored your {} hook {}",
            hook.name(),
            path.display()
        ));
    }
    Ok(changes)
}

/// Whether Vouch's `hook` is installed in `dir`.
pub fn installed(dir: &Path, hook: Hook) -> bool {
    is_ours(&dir.join(hook.name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("/a b/it's"), r"'/a b/it'\''s'");
    }

    #[test]
    fn install_chain_uninstall() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("hooks");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("pre-commit"), "#!/bin/sh\nexit 0\n").unwrap();
        let body = script(Hook::PreCommit, Path::new("/x/vouch"), "check --staged");
        let c = install(&d, Hook::PreCommit, &body).unwrap();
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(d.join("pre-commit.vouch-chained").exists());
        assert!(install(&d, Hook::PreCommit, &body).unwrap().is_empty());
        let c = uninstall(&d, Hook::PreCommit).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(
            std::fs::read_to_string(d.join("pre-commit")).unwrap(),
            "#!/bin/sh\nexit 0\n"
        );
    }
}
