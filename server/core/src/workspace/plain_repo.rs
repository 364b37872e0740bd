//! Finding the repository without starting git, where git's own answer is
//! certain: a `.git` folder of an ordinary repository, owned by this user,
//! on the way up from the folder, with nothing in the environment or the
//! repository's config that moves the working tree. Every vouch process
//! (each hook, each command) used to start `git rev-parse` for this; about
//! a millisecond each. Anything else — a `.git` file (linked worktrees,
//! submodules), `core.worktree`, `core.bare`, `GIT_DIR` and the other
//! variables git reads to find a repository, a folder inside a git
//! directory, another user's repository, a file-system boundary, no
//! repository at all — is left to `git rev-parse`, as before.

#[cfg(unix)]
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::files::{Regular, entry_exists, read_regular};

/// Variables that change where git looks for the repository or its working
/// tree (`GIT_CONFIG_PARAMETERS` and `GIT_CONFIG_COUNT` carry `git -c`
/// settings, `core.worktree` among them).
const MOVES_THE_REPOSITORY: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_CEILING_DIRECTORIES",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
];

/// A repository's config larger than this is left to git.
const MAX_CONFIG: u64 = 64 * 1024;

/// A `HEAD` file larger than this is left to git.
const MAX_HEAD: u64 = 1024;

/// Elsewhere than Unix, git is always asked.
#[cfg(not(unix))]
pub(super) fn find(_dir: &Path) -> Option<(PathBuf, PathBuf)> {
    None
}

/// `(toplevel, git-dir)` of the repository holding `dir` (canonical), when
/// it can be told without git; `None` means "ask git".
#[cfg(unix)]
pub(super) fn find(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    if MOVES_THE_REPOSITORY
        .iter()
        .any(|v| std::env::var_os(v).is_some())
    {
        return None;
    }
    let device = std::fs::metadata(dir).ok()?.dev();
    // The owner of `/proc/self` is this process's effective user (where
    // there is no `/proc`, git is asked).
    let me = std::fs::metadata("/proc/self").ok()?.uid();
    for folder in dir.ancestors() {
        // Inside a git directory, or a bare repository: git's call.
        if folder.file_name().is_some_and(|n| n == ".git") || entry_exists(&folder.join("HEAD")) {
            return None;
        }
        let dot_git = folder.join(".git");
        match std::fs::symlink_metadata(&dot_git) {
            Ok(m) if m.is_dir() => {
                let owned = m.uid() == me && std::fs::metadata(folder).ok()?.uid() == me;
                return (owned && ordinary(&dot_git)).then(|| (folder.to_path_buf(), dot_git));
            }
            // A `.git` file or link: a linked worktree or a submodule.
            Ok(_) => return None,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => return None,
        }
        // git stops at a file-system boundary.
        if let Some(parent) = folder.parent()
            && std::fs::metadata(parent).ok()?.dev() != device
        {
            return None;
        }
    }
    None
}

/// `git_dir` is an ordinary repository's git directory (what git checks
/// before taking a folder for one: `HEAD`, `objects/`, `refs/`), not a
/// linked worktree's, and its config neither moves the working tree nor
/// makes it bare.
fn ordinary(git_dir: &Path) -> bool {
    let is = |name: &str, dir: bool| {
        std::fs::symlink_metadata(git_dir.join(name))
            .is_ok_and(|m| if dir { m.is_dir() } else { m.is_file() })
    };
    if !(is("HEAD", false) && is("objects", true) && is("refs", true))
        || entry_exists(&git_dir.join("commondir"))
    {
        return false;
    }
    match read_regular(&git_dir.join("HEAD"), git_dir, MAX_HEAD) {
        Ok(Regular::Bytes(head)) if head_is_valid(&head) => {}
        _ => return false,
    }
    match read_regular(&git_dir.join("config"), git_dir, MAX_CONFIG) {
        Ok(Regular::Missing) => true,
        Ok(Regular::Bytes(config)) => config_is_plain(&config),
        _ => false,
    }
}

/// The config sets no `worktree` (`core.worktree`, and
/// `extensions.worktreeConfig`, whose file may set it), no extension (git
/// may refuse the repository), no `bare` other than `false` and no
/// `repositoryformatversion` other than 0 or 1, each on a line of its own.
/// Judged by the words alone, so a comment that names them, or a setting
/// on its section's line (`[core] bare = true`), also sends the question
/// to git: wrong only ever towards asking git.
fn config_is_plain(config: &[u8]) -> bool {
    let lower = config.to_ascii_lowercase();
    let holds = |text: &[u8], word: &[u8]| text.windows(word.len()).any(|w| w == word);
    // An included file (`[include]`, `[includeIf …]`) may set any of these.
    if holds(&lower, b"worktree") || holds(&lower, b"extensions") || holds(&lower, b"include") {
        return false;
    }
    lower.split(|b| *b == b'\n').all(|line| {
        let squeezed: Vec<u8> = line
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let bare_ok = !holds(&squeezed, b"bare") || squeezed == b"bare=false";
        let version_ok = !holds(&squeezed, b"repositoryformatversion")
            || squeezed == b"repositoryformatversion=0"
            || squeezed == b"repositoryformatversion=1";
        bare_ok && version_ok
    })
}

/// `HEAD` names a branch (`ref: refs/...`) or a commit (hex), as git
/// requires of a repository it discovers.
fn head_is_valid(head: &[u8]) -> bool {
    let head = head.strip_suffix(b"\n").unwrap_or(head);
    head.starts_with(b"ref: refs/")
        || (matches!(head.len(), 40 | 64) && head.iter().all(u8::is_ascii_hexdigit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::Git;

    fn git(dir: &Path, args: &[&str]) {
        Git::new(dir).run_as_tester(args);
    }

    /// What git says (`git rev-parse`, as discovery asks it when this
    /// module cannot tell).
    fn asked(dir: &Path) -> Option<(PathBuf, PathBuf)> {
        super::super::ask_git(dir).expect("git answers")
    }

    #[test]
    fn finds_what_git_finds_in_an_ordinary_repository() {
        let tmp = tempfile::tempdir().expect("test setup");
        let root = tmp.path().canonicalize().expect("test setup").join("repo");
        std::fs::create_dir_all(root.join("src/deep")).expect("test setup");
        git(&root, &["init", "-q"]);
        // A nested repository wins inside it, as in git.
        std::fs::create_dir_all(root.join("vendor/lib")).expect("test setup");
        git(&root.join("vendor/lib"), &["init", "-q"]);
        for dir in [
            root.clone(),
            root.join("src"),
            root.join("src/deep"),
            root.join("vendor"),
            root.join("vendor/lib"),
        ] {
            let found = find(&dir);
            assert!(found.is_some(), "{}", dir.display());
            assert_eq!(found, asked(&dir), "{}", dir.display());
        }
        assert_eq!(find(&root).expect("test setup").0, root);
    }

    #[test]
    fn leaves_to_git_what_moves_the_working_tree() {
        let tmp = tempfile::tempdir().expect("test setup");
        let base = tmp.path().canonicalize().expect("test setup");
        // core.worktree elsewhere.
        let moved = base.join("moved");
        std::fs::create_dir_all(moved.join("sub")).expect("test setup");
        git(&moved, &["init", "-q"]);
        git(
            &moved,
            &[
                "config",
                "core.worktree",
                base.to_str().expect("test setup"),
            ],
        );
        assert_eq!(find(&moved.join("sub")), None);
        // A linked worktree: `.git` is a file.
        let main = base.join("main");
        std::fs::create_dir_all(&main).expect("test setup");
        git(&main, &["init", "-q"]);
        git(&main, &["commit", "-q", "--allow-empty", "-m", "first"]);
        git(&main, &["worktree", "add", "-q", "../linked"]);
        assert_eq!(find(&base.join("linked")), None);
        assert!(asked(&base.join("linked")).is_some());
        // Inside the git directory, and a bare repository.
        assert_eq!(find(&main.join(".git")), None);
        assert_eq!(find(&main.join(".git/refs")), None);
        let bare = base.join("bare.git");
        std::fs::create_dir_all(&bare).expect("test setup");
        git(&bare, &["init", "-q", "--bare"]);
        assert_eq!(find(&bare), None);
        // No repository at all.
        let plain = base.join("plain");
        std::fs::create_dir_all(&plain).expect("test setup");
        // (Were the temporary folder inside a repository, that one.)
        let found = find(&plain);
        assert!(found.is_none() || found == asked(&plain), "{found:?}");
    }

    #[test]
    fn a_folder_named_dot_git_that_is_not_a_repository_is_left_to_git() {
        let tmp = tempfile::tempdir().expect("test setup");
        let root = tmp.path().canonicalize().expect("test setup");
        std::fs::create_dir_all(root.join("odd/.git")).expect("test setup");
        assert_eq!(find(&root.join("odd")), None);
    }

    #[test]
    fn config_words_that_send_the_question_to_git() {
        assert!(config_is_plain(
            b"[core]\n\trepositoryformatversion = 0\n\tbare = false\n"
        ));
        assert!(config_is_plain(b""));
        assert!(!config_is_plain(b"[core]\n\tbare = true\n"));
        assert!(!config_is_plain(b"[core]\n\tBare\n"));
        assert!(!config_is_plain(b"[core]\n\tworktree = /elsewhere\n"));
        assert!(!config_is_plain(b"[extensions]\n\tworktreeConfig = true\n"));
        assert!(!config_is_plain(b"[core]\n\tWorkTree=/x\n"));
        assert!(!config_is_plain(b"[core] bare = true\n"));
        assert!(!config_is_plain(
            b"[core]\n\trepositoryformatversion = 99\n"
        ));
        assert!(!config_is_plain(b"[extensions]\n\tobjectFormat = sha256\n"));
        assert!(!config_is_plain(b"[include]\n\tpath = more.config\n"));
        assert!(!config_is_plain(
            b"[includeIf \"gitdir:/x/\"]\n\tpath = more.config\n"
        ));
        assert!(head_is_valid(b"ref: refs/heads/main\n"));
        assert!(head_is_valid(&[b'a'; 40]));
        assert!(!head_is_valid(b""));
        assert!(!head_is_valid(b"garbage\n"));
    }

    /// What git refuses to take for a repository, or takes for a bare one,
    /// is left to git: a `bare` set on its section's line, an empty `HEAD`,
    /// an unknown repository format.
    #[test]
    fn leaves_to_git_what_git_may_refuse() {
        let tmp = tempfile::tempdir().expect("test setup");
        let base = tmp.path().canonicalize().expect("test setup");
        // (name, file of the git directory, what it then holds)
        let cases = [
            ("bare-on-section-line", "config", "[core] bare = true\n"),
            ("empty-head", "HEAD", ""),
            (
                "format-99",
                "config",
                "[core]\n\trepositoryformatversion = 99\n",
            ),
        ];
        for (name, file, text) in cases {
            let repo = base.join(name);
            std::fs::create_dir_all(&repo).expect("test setup");
            git(&repo, &["init", "-q"]);
            assert!(find(&repo).is_some(), "{name} before");
            std::fs::write(repo.join(".git").join(file), text).expect("test setup");
            assert_eq!(find(&repo), None, "{name}");
        }
    }
}
