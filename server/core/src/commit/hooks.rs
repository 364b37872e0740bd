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
pub(crate) const MARKER: &str = "vouch-managed hook";
pub(crate) const CHAINED_SUFFIX: &str = ".vouch-chained";

/// What Vouch runs from each hook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hook {
    PreCommit,
    PostCommit,
    PostRewrite,
    PrePush,
    PrepareCommitMsg,
    /// Installed by earlier versions to merge fetched notes at once; it ran
    /// on every ref update (hundreds of times per rebase), so `vouch init`
    /// now removes it and the other hooks merge fetched notes.
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

    pub(crate) fn name(self) -> &'static str {
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
        matches!(self, Hook::PostRewrite | Hook::PrePush)
    }

    /// Whether a missing `vouch` binary must stop the operation.
    fn blocking(self) -> bool {
        self == Hook::PreCommit
    }
}

/// The script for `hook`, calling `vouch_args` on the binary at `exe`.
///
/// Scripts decide with the shell's builtins alone (no `dirname`, `cat` or
/// command substitution on the common path): post-commit and post-checkout
/// run for every commit a rebase picks, and must start nothing then.
pub fn script(hook: Hook, exe: &Path, vouch_args: &str) -> String {
    let name = hook.name();
    let missing = if hook.blocking() {
        "echo \"vouch: cannot find the vouch binary; install it or run 'git commit --no-verify'\" >&2\n  exit 1"
    } else {
        "echo \"vouch: cannot find the vouch binary; skipping the {name} hook\" >&2\n  exit 0"
    };
    let missing = missing.replace("{name}", name);
    let mut s = format!(
        "#!/bin/sh\n\
         # {MARKER} ({name}), installed by `vouch init`; `vouch init --uninstall` restores what was here.\n\
         VOUCH={exe}\n\
         if [ ! -x \"$VOUCH\" ]; then VOUCH=vouch; fi\n\
         case \"$0\" in */*) CHAINED=\"${{0%/*}}/{name}{CHAINED_SUFFIX}\" ;; *) CHAINED=\"./{name}{CHAINED_SUFFIX}\" ;; esac\n",
        exe = crate::untrusted::shell_quote(&exe.to_string_lossy()),
    );
    let found = format!("command -v \"$VOUCH\" >/dev/null 2>&1 || {{\n  {missing}\n}}\n");
    if hook.reads_stdin() {
        s.push_str(
            // Exactly git's input, trailing line breaks included and empty kept empty.
            "INPUT=$(cat; printf x)\nINPUT=${INPUT%x}\n\
             if [ -x \"$CHAINED\" ]; then\n  printf '%s' \"$INPUT\" | \"$CHAINED\" \"$@\" || exit $?\nfi\n",
        );
    } else {
        s.push_str("if [ -x \"$CHAINED\" ]; then\n  \"$CHAINED\" \"$@\" || exit $?\nfi\n");
    }
    if matches!(hook, Hook::PostCommit | Hook::PostCheckout) {
        // During a rebase both have nothing to do (post-rewrite carries the
        // notes at the end): decide that without starting vouch for each
        // picked commit. Hooks run at the top of the working tree; git
        // exports GIT_DIR to them in linked worktrees (where `.git` is a
        // file, and where vouch decides when GIT_DIR is not set).
        s.push_str(
            "D=\"${GIT_DIR:-.git}\"\n\
             if [ -d \"$D/rebase-merge\" ] || [ -d \"$D/rebase-apply\" ]; then\n  exit 0\nfi\n",
        );
    }
    s.push_str(&found);
    if hook.reads_stdin() {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The binary's path is one shell word, whatever it holds.
    #[test]
    fn quoting() {
        let body = script(Hook::PreCommit, Path::new("/a b/it's"), "check --staged");
        assert!(body.contains(r"VOUCH='/a b/it'\''s'"), "{body}");
        let body = script(
            Hook::PreCommit,
            Path::new("/usr/bin/vouch"),
            "check --staged",
        );
        assert!(body.contains("VOUCH=/usr/bin/vouch\n"), "{body}");
    }

    #[test]
    fn post_commit_and_post_checkout_start_nothing_during_a_rebase() {
        let dir = tempfile::tempdir().unwrap();
        let calls = dir.path().join("calls");
        let fake = dir.path().join("fake-vouch");
        std::fs::write(
            &fake,
            format!("#!/bin/sh\necho \"$*\" >> '{}'\n", calls.display()),
        )
        .unwrap();
        make_executable(&fake).unwrap();
        let hooks = dir.path().join("hooks");
        std::fs::create_dir_all(&hooks).unwrap();
        let git_dir = dir.path().join("gitdir");
        for (hook, args) in [
            (Hook::PostCommit, "hook post-commit"),
            (Hook::PostCheckout, "hook post-checkout"),
        ] {
            install(&hooks, hook, &script(hook, &fake, args)).unwrap();
            for (rebasing, called) in [(true, false), (false, true)] {
                let _ = std::fs::remove_file(&calls);
                let _ = std::fs::remove_dir_all(&git_dir);
                std::fs::create_dir_all(&git_dir).unwrap();
                if rebasing {
                    std::fs::create_dir_all(git_dir.join("rebase-merge")).unwrap();
                }
                let out = std::process::Command::new("/bin/sh")
                    .arg(hooks.join(hook.name()))
                    .env_clear()
                    .env("PATH", dir.path().join("no-such-dir"))
                    .env("GIT_DIR", &git_dir)
                    .output()
                    .unwrap();
                assert!(out.status.success(), "{out:?}");
                assert_eq!(String::from_utf8_lossy(&out.stderr), "");
                assert_eq!(
                    calls.exists(),
                    called,
                    "{} rebasing={rebasing}",
                    hook.name()
                );
            }
        }
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
