//! Which tracked files a command applies to: everything, or the files and
//! folders named on the command line.

use std::collections::HashSet;

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

    /// The tracked files in scope with their text, sorted (a file deleted
    /// from the working tree is left out; a tracked file git has staged as
    /// renamed is listed under its new path). Needs nothing from git's
    /// diff, so a caller works on these while [`Working`] waits for it.
    ///
    /// Reading the files in scope tells which are missing from the disk, so
    /// finding renames looks at the disk only for the others.
    pub fn tracked_files(&self, service: &Service) -> anyhow::Result<Vec<(String, String)>> {
        let stored = service.store.paths()?;
        let mut out = Vec::new();
        let mut missing = HashSet::new();
        let inside: Vec<&str> = stored
            .iter()
            .filter(|p| self.contains(p))
            .map(String::as_str)
            .collect();
        for (path, text) in inside.iter().zip(service.read_texts(&inside)) {
            match text? {
                Some(text) => out.push(((*path).to_owned(), text)),
                None => {
                    missing.insert((*path).to_owned());
                }
            }
        }
        for path in stored.iter().filter(|p| !self.contains(p)) {
            if !service.workspace.absolute(path).exists() {
                missing.insert(path.clone());
            }
        }
        for (_, to) in service.renames_of(&stored, &missing)? {
            if self.contains(&to)
                && let Some(text) = service.read_text(&to)?
            {
                out.push((to, text));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
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
}
