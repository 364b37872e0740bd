//! Where a workspace's root is, where its store lives, and how paths inside it are named.

use std::path::{Component, Path, PathBuf};

use crate::git::{Git, GitError};

mod plain_repo;

/// Why the workspace could not be found.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("cannot read directory {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("git failed in {path}: {message}")]
    Git { path: PathBuf, message: String },
}

/// A workspace: a git working tree (store in its git directory) or a plain
/// folder (store in `.vouch/` at its root).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workspace {
    /// Absolute, canonical root of the working tree.
    pub root: PathBuf,
    /// The repository's git directory (`git rev-parse --git-dir`), if any.
    pub git_dir: Option<PathBuf>,
}

impl Workspace {
    /// Finds the workspace holding `dir`: its git working tree, else the
    /// nearest ancestor holding a `.vouch/` folder, else `dir` itself.
    pub fn discover(dir: &Path) -> Result<Workspace, WorkspaceError> {
        let dir = canonical(dir)?;
        if let Some((root, git_dir)) = git_paths(&dir)? {
            return Ok(Workspace {
                root,
                git_dir: Some(git_dir),
            });
        }
        let root = dir
            .ancestors()
            .find(|a| a.join(".vouch").is_dir() && may_hold_store(a))
            .unwrap_or(&dir)
            .to_path_buf();
        Ok(Workspace {
            root,
            git_dir: None,
        })
    }

    /// The folder that holds Vouch's state for this workspace.
    pub(crate) fn state_dir(&self) -> PathBuf {
        match &self.git_dir {
            Some(g) => g.join("vouch"),
            None => self.root.join(".vouch"),
        }
    }

    /// Path of the SQLite store.
    pub fn store_path(&self) -> PathBuf {
        self.state_dir().join("store.db")
    }

    /// The workspace-relative name of `path` (`/`-separated), or `None` when
    /// it lies outside the workspace or inside its state folder.
    pub fn relative(&self, path: &Path) -> Option<String> {
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().ok()?.join(path)
        };
        let abs = normalise(&abs);
        let rel = match abs.strip_prefix(&self.root) {
            Ok(rel) => rel.to_path_buf(),
            Err(_) => {
                // The root may be reached through a symlink: compare canonical parents.
                let parent = abs.parent()?.canonicalize().ok()?;
                parent
                    .join(abs.file_name()?)
                    .strip_prefix(&self.root)
                    .ok()?
                    .to_path_buf()
            }
        };
        let parts: Vec<String> = rel
            .components()
            .map(|c| match c {
                Component::Normal(s) => s.to_str().map(str::to_owned),
                _ => None,
            })
            .collect::<Option<_>>()?;
        if parts.is_empty() || parts[0] == ".git" || parts[0] == ".vouch" {
            return None;
        }
        Some(parts.join("/"))
    }

    /// Absolute path of a workspace-relative name.
    pub fn absolute(&self, rel: &str) -> PathBuf {
        rel.split('/').fold(self.root.clone(), |p, s| p.join(s))
    }
}

/// Whether a plain folder (not a git repository) may hold a `.vouch/`
/// store: not the file system root nor the home folder itself, where every
/// folder below would use it.
pub(crate) fn may_hold_store(dir: &Path) -> bool {
    if dir.parent().is_none() {
        return false;
    }
    let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) else {
        return true;
    };
    let home = Path::new(&home);
    !(dir == home || matches!((dir.canonicalize(), home.canonicalize()), (Ok(a), Ok(b)) if a == b))
}

/// True when `rel` is a clean workspace-relative name: `/`-separated, no
/// empty, `.` or `..` segments, not absolute.
pub(crate) fn is_valid_relative(rel: &str) -> bool {
    // `\` is an ordinary file-name character except on Windows.
    let backslash_separates = cfg!(windows) && rel.contains('\\');
    !rel.is_empty()
        && !rel.starts_with('/')
        && !backslash_separates
        && rel
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..")
}

fn canonical(dir: &Path) -> Result<PathBuf, WorkspaceError> {
    dir.canonicalize().map_err(|source| WorkspaceError::Io {
        path: dir.to_path_buf(),
        source,
    })
}

/// Lexically removes `.` and `..` components.
fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// `(toplevel, git-dir)` of the repository holding `dir`, or `None` outside git.
fn git_paths(dir: &Path) -> Result<Option<(PathBuf, PathBuf)>, WorkspaceError> {
    match plain_repo::find(dir) {
        Some(found) => Ok(Some(found)),
        None => ask_git(dir),
    }
}

/// [`git_paths`] as `git rev-parse` says.
fn ask_git(dir: &Path) -> Result<Option<(PathBuf, PathBuf)>, WorkspaceError> {
    let out = Git::new(dir).output(&["rev-parse", "--show-toplevel", "--absolute-git-dir"]);
    let out = match out {
        Ok(o) => o,
        // No git installed: treat as a plain folder.
        Err(GitError::Spawn(e)) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(WorkspaceError::Git {
                path: dir.to_path_buf(),
                message: e.to_string(),
            });
        }
    };
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stderr);
        if msg.contains("not a git repository") {
            return Ok(None);
        }
        if msg.contains("must be run in a work tree") {
            // A bare repository or the inside of .git: no working tree to track.
            return Ok(None);
        }
        return Err(WorkspaceError::Git {
            path: dir.to_path_buf(),
            message: msg.trim().to_owned(),
        });
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut lines = stdout.lines();
    match (lines.next(), lines.next()) {
        (Some(top), Some(git_dir)) => Ok(Some((
            canonical(Path::new(top))?,
            canonical(Path::new(git_dir))?,
        ))),
        _ => Err(WorkspaceError::Git {
            path: dir.to_path_buf(),
            message: format!("unexpected `git rev-parse` output: {stdout}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_names() {
        let ws = Workspace {
            root: PathBuf::from("/r"),
            git_dir: None,
        };
        assert_eq!(
            ws.relative(Path::new("/r/a/b.rs")).as_deref(),
            Some("a/b.rs")
        );
        assert_eq!(
            ws.relative(Path::new("/r/a/../c.rs")).as_deref(),
            Some("c.rs")
        );
        assert_eq!(ws.relative(Path::new("/other/x")), None);
        assert_eq!(ws.relative(Path::new("/r/.git/config")), None);
        assert_eq!(ws.relative(Path::new("/r")), None);
        assert!(is_valid_relative("a/b.rs"));
        assert!(!is_valid_relative("../a"));
        assert!(!is_valid_relative("/a"));
        assert!(!is_valid_relative("a//b"));
    }
}
