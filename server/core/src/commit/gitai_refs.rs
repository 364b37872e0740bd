//! Whether git-ai's notes refs (`refs/notes/ai` and its fetched copies
//! `refs/notes/remotes/*/ai`) can exist, told from the repository's files
//! without starting git. `vouch status` and `vouch check` list other tools'
//! notes beside their work; where none can exist, the `git for-each-ref`
//! that lists them is not started (about a tenth of a status of 200 files).
//! Only the files backend of an ordinary repository's own git directory is
//! read; anything else (reftable, a linked worktree, `GIT_COMMON_DIR`,
//! `GIT_NAMESPACE`, files too large or unreadable) answers "maybe", and git
//! is asked as before. A wrong "maybe" costs a process; "no" is said only
//! when no loose ref and no `packed-refs` line could be such a ref.

use std::path::Path;

use super::gitai::{GITAI_REF, is_gitai_ref};
use crate::files::{Regular, entry_exists, read_regular};

/// A config file larger than this answers "maybe".
const MAX_CONFIG: u64 = 64 << 10;
/// A `packed-refs` file larger than this answers "maybe": git finds the
/// notes refs in a large one faster than a scan of it here (it is sorted).
const MAX_PACKED: u64 = 1 << 20;
/// Entries under `refs/notes/remotes/` looked at, at most.
const MAX_ENTRIES: usize = 10_000;

/// `false` only when `git_dir` certainly holds none of git-ai's notes refs.
pub(crate) fn may_exist(git_dir: &Path) -> bool {
    ["GIT_COMMON_DIR", "GIT_NAMESPACE"]
        .iter()
        .any(|v| std::env::var_os(v).is_some())
        || !files_backend(git_dir)
        || loose(git_dir)
        || packed(git_dir)
}

/// An ordinary repository's git directory whose refs are files.
fn files_backend(git_dir: &Path) -> bool {
    if entry_exists(&git_dir.join("commondir")) || entry_exists(&git_dir.join("reftable")) {
        return false;
    }
    match read_regular(&git_dir.join("config"), git_dir, MAX_CONFIG) {
        Ok(Regular::Bytes(config)) => !config
            .to_ascii_lowercase()
            .windows(10)
            .any(|w| w == b"refstorage"),
        Ok(Regular::Missing) => true,
        _ => false,
    }
}

/// A loose `refs/notes/ai`, or a file named `ai` anywhere under
/// `refs/notes/remotes/` (remote names may hold slashes).
fn loose(git_dir: &Path) -> bool {
    if entry_exists(&git_dir.join(GITAI_REF)) {
        return true;
    }
    let mut folders = vec![git_dir.join("refs/notes/remotes")];
    let mut seen = 0;
    while let Some(folder) = folders.pop() {
        let entries = match std::fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(_) => return true,
        };
        for entry in entries {
            seen += 1;
            let Ok(entry) = entry else { return true };
            if seen > MAX_ENTRIES || entry.file_name() == "ai" {
                return true;
            }
            match entry.file_type() {
                Ok(t) if t.is_dir() => folders.push(entry.path()),
                // git follows a symlinked folder of refs: left to git.
                Ok(t) if t.is_symlink() => return true,
                Ok(_) => {}
                Err(_) => return true,
            }
        }
    }
    false
}

/// A `packed-refs` line naming such a ref.
fn packed(git_dir: &Path) -> bool {
    let text = match read_regular(&git_dir.join("packed-refs"), git_dir, MAX_PACKED) {
        Ok(Regular::Bytes(text)) => text,
        Ok(Regular::Missing) => return false,
        _ => return true,
    };
    text.split(|b| *b == b'\n').any(|line| {
        let name = line.splitn(2, |b| *b == b' ').nth(1).unwrap_or_default();
        std::str::from_utf8(name).is_ok_and(is_gitai_ref)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::Git;

    fn git(dir: &Path, args: &[&str]) {
        Git::new(dir).run_as_tester(args);
    }

    fn repo(dir: &Path) -> std::path::PathBuf {
        git(dir, &["init", "-q"]);
        git(dir, &["commit", "-q", "--allow-empty", "-m", "first"]);
        dir.join(".git")
    }

    #[test]
    fn no_unless_a_git_ai_ref_could_be_there() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let git_dir = repo(tmp.path());
        assert!(!may_exist(&git_dir));
        // Vouch's own notes and their fetched copy are no git-ai refs.
        git(tmp.path(), &["notes", "--ref=vouch", "add", "-m", "x"]);
        git(
            tmp.path(),
            &[
                "update-ref",
                "refs/notes/remotes/origin/vouch",
                "refs/notes/vouch",
            ],
        );
        assert!(!may_exist(&git_dir));
        git(tmp.path(), &["pack-refs", "--all"]);
        assert!(!may_exist(&git_dir));
        // git-ai's notes, loose then packed.
        git(tmp.path(), &["notes", "--ref=ai", "add", "-m", "y"]);
        assert!(may_exist(&git_dir));
        git(tmp.path(), &["pack-refs", "--all"]);
        assert!(!git_dir.join("refs/notes/ai").exists());
        assert!(may_exist(&git_dir));
    }

    #[test]
    fn fetched_copies_of_git_ai_notes_count_at_any_depth() {
        for remote in ["origin", "team/upstream"] {
            let tmp = tempfile::tempdir().expect("temp dir");
            let git_dir = repo(tmp.path());
            git(tmp.path(), &["notes", "--ref=vouch", "add", "-m", "x"]);
            let name = format!("refs/notes/remotes/{remote}/ai");
            git(tmp.path(), &["update-ref", &name, "refs/notes/vouch"]);
            assert!(may_exist(&git_dir), "{name}, loose");
            git(tmp.path(), &["pack-refs", "--all"]);
            assert!(may_exist(&git_dir), "{name}, packed");
        }
    }

    /// git lists refs under a symlinked folder (`for-each-ref` follows
    /// it): such a folder may hold git-ai's notes.
    #[cfg(unix)]
    #[test]
    fn a_symlinked_folder_of_fetched_notes_is_left_to_git() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let elsewhere = tempfile::tempdir().expect("temp dir");
        let git_dir = repo(tmp.path());
        git(tmp.path(), &["notes", "--ref=ai", "add", "-m", "y"]);
        let id = std::fs::read(git_dir.join("refs/notes/ai")).expect("the ref");
        std::fs::remove_file(git_dir.join("refs/notes/ai")).expect("rm");
        assert!(!may_exist(&git_dir));
        std::fs::write(elsewhere.path().join("ai"), id).expect("write");
        std::fs::create_dir_all(git_dir.join("refs/notes/remotes")).expect("mkdir");
        std::os::unix::fs::symlink(elsewhere.path(), git_dir.join("refs/notes/remotes/origin"))
            .expect("symlink");
        let listed = Git::new(tmp.path()).run_as_tester(&["for-each-ref", "refs/notes/"]);
        let listed = String::from_utf8_lossy(&listed);
        assert!(listed.contains("refs/notes/remotes/origin/ai"), "{listed}");
        assert!(may_exist(&git_dir));
    }

    #[test]
    fn other_layouts_are_left_to_git() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let main = tmp.path().join("main");
        std::fs::create_dir_all(&main).expect("mkdir");
        repo(&main);
        // A linked worktree's own git directory.
        git(&main, &["worktree", "add", "-q", "../linked"]);
        let linked = main.join(".git/worktrees/linked");
        assert!(linked.join("commondir").exists());
        assert!(may_exist(&linked));
        // Another refs backend named in the config.
        let other = tmp.path().join("other");
        std::fs::create_dir_all(&other).expect("mkdir");
        let git_dir = repo(&other);
        assert!(!may_exist(&git_dir));
        git(&other, &["config", "extensions.refStorage", "reftable"]);
        assert!(may_exist(&git_dir));
    }
}
