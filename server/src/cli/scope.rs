//! Which tracked files a command applies to: everything, or the files and
//! folders named on the command line.

use anyhow::Context;

use vouch_core::service::Service;
use vouch_core::workspace::Workspace;

pub(crate) struct Scope {
    /// Workspace-relative prefixes; empty means the whole workspace.
    prefixes: Vec<String>,
}

impl Scope {
    pub(crate) fn parse(paths: &[String], workspace: &Workspace) -> anyhow::Result<Scope> {
        let cwd = super::current_dir()?;
        let prefixes = paths
            .iter()
            .map(|p| {
                let abs = cwd.join(p);
                if std::fs::symlink_metadata(&abs).is_err() {
                    anyhow::bail!("{p}: no such file or directory");
                }
                if abs == workspace.root
                    || abs.canonicalize().ok().as_ref() == Some(&workspace.root)
                {
                    return Ok(String::new());
                }
                workspace.relative(&abs).with_context(|| {
                    format!("{p} is outside the workspace {}", workspace.root.display())
                })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Scope { prefixes })
    }

    pub(crate) fn contains(&self, rel: &str) -> bool {
        self.prefixes.is_empty()
            || self.prefixes.iter().any(|p| {
                p.is_empty()
                    || rel == p
                    || (rel.starts_with(p.as_str()) && rel.as_bytes().get(p.len()) == Some(&b'/'))
            })
    }

    /// Tracked files in scope, sorted; a tracked file git has staged as
    /// renamed is listed under its new path.
    pub(crate) fn tracked(&self, service: &Service) -> anyhow::Result<Vec<String>> {
        let mut paths = service.store.paths()?;
        paths.extend(service.renames()?.into_iter().map(|(_, to)| to));
        paths.sort();
        Ok(paths.into_iter().filter(|p| self.contains(p)).collect())
    }
}
