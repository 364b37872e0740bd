//! Paths as printed for a person: relative to the current directory, as
//! `git status` prints them, so a printed location can be pasted back into
//! `vouch review` from the same directory. JSON output keeps repo-relative
//! paths.

use vouch_core::workspace::Workspace;

/// Turns repo-relative paths into paths relative to the current directory.
pub(crate) struct Shown {
    /// The current directory's repo-relative segments (empty at the root).
    cwd: Vec<String>,
}

impl Shown {
    pub(crate) fn new(workspace: &Workspace) -> anyhow::Result<Shown> {
        let cwd = super::current_dir()?;
        let at_root =
            cwd == workspace.root || cwd.canonicalize().ok().as_ref() == Some(&workspace.root);
        let cwd = if at_root {
            Vec::new()
        } else {
            workspace
                .relative(&cwd)
                .map(|r| r.split('/').map(str::to_owned).collect())
                .unwrap_or_default()
        };
        Ok(Shown { cwd })
    }

    /// `rel` (repo-relative, `/`-separated) as seen from the current
    /// directory, control characters escaped (a path is untrusted text).
    pub(crate) fn path(&self, rel: &str) -> String {
        vouch_core::untrusted::escape(&shown(&self.cwd, rel)).into_owned()
    }
}

fn shown(cwd: &[String], rel: &str) -> String {
    let parts: Vec<&str> = rel.split('/').filter(|s| !s.is_empty()).collect();
    let common = cwd
        .iter()
        .zip(&parts)
        .take_while(|(a, b)| a.as_str() == **b)
        .count();
    let mut out: Vec<&str> = vec![".."; cwd.len() - common];
    out.extend(&parts[common..]);
    if out.is_empty() {
        ".".to_owned()
    } else {
        out.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn relative_to_the_current_directory() {
        let src = vec!["src".to_owned()];
        assert_eq!(shown(&[], "src/lib.rs"), "src/lib.rs");
        assert_eq!(shown(&src, "src/lib.rs"), "lib.rs");
        assert_eq!(shown(&src, "README.md"), "../README.md");
        assert_eq!(shown(&src, "srcx/a.rs"), "../srcx/a.rs");
        let deep = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(shown(&deep, "a/c/d.rs"), "../c/d.rs");
    }
}
