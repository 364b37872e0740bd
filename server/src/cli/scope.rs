//! Which tracked files a command applies to: everything, or the files and
//! folders named on the command line.

use anyhow::Context;

use vouch_core::commit::working::Working;
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

    /// The working-tree files in scope whose attribution may hold AI text,
    /// sorted, with their text: [`Scope::tracked_files`], then
    /// [`Scope::extra_files`].
    pub fn files(
        &self,
        service: &Service,
        working: &mut Working<'_>,
    ) -> anyhow::Result<Vec<(String, String)>> {
        let mut out = self.tracked_files(service)?;
        let tracked: Vec<&str> = out.iter().map(|(p, _)| p.as_str()).collect();
        let extra = self.extra_files(service, working, &tracked)?;
        out.extend(extra);
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// [`Scope::tracked`] with their text, sorted (a file deleted from the
    /// working tree is left out). Needs nothing from git's diff, so a
    /// caller works on these while [`Working`] waits for it.
    pub fn tracked_files(&self, service: &Service) -> anyhow::Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        for path in self.tracked(service)? {
            if let Some(text) = service.read_text(&path)? {
                out.push((path, text));
            }
        }
        Ok(out)
    }

    /// The files in scope the store does not track that `working` names
    /// (changed since `HEAD`, or named by other tools' records), sorted,
    /// with their text; those that are not text and those in `tracked`
    /// (sorted) are left out.
    pub fn extra_files(
        &self,
        service: &Service,
        working: &mut Working<'_>,
        tracked: &[&str],
    ) -> anyhow::Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        for path in working.extra_paths()? {
            if !self.contains(path) || tracked.binary_search(&path.as_str()).is_ok() {
                continue;
            }
            if let Ok(Some(text)) = service.read_text(path) {
                out.push((path.clone(), text));
            }
        }
        Ok(out)
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
