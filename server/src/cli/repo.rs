//! The repository `vouch verify` and `vouch export` read: a working tree or a
//! bare repository (a server-side check). They open no store and create
//! nothing (no `.vouch/`, no store file).

use std::path::PathBuf;

use anyhow::bail;

use vouch_core::commit::policy::{FILE_NAME, Policy};
use vouch_core::git::Git;
use vouch_core::workspace::Workspace;

pub(crate) struct ReadRepo {
    pub(crate) git: Git,
    /// The working tree's root; `None` in a bare repository.
    root: Option<PathBuf>,
}

impl ReadRepo {
    /// The repository holding the current directory.
    pub(crate) fn open() -> anyhow::Result<ReadRepo> {
        let cwd = super::current_dir()?;
        let probe = Git::new(&cwd);
        let Some(bare) = probe.try_run(&["rev-parse", "--is-bare-repository"])? else {
            bail!("{} is not inside a git repository", cwd.display());
        };
        if String::from_utf8_lossy(&bare).trim() == "true" {
            return Ok(ReadRepo {
                git: probe,
                root: None,
            });
        }
        let workspace = Workspace::discover(&cwd)?;
        if workspace.git_dir.is_none() {
            bail!("{} is not inside a git repository", cwd.display());
        }
        Ok(ReadRepo {
            git: Git::new(&workspace.root),
            root: Some(workspace.root),
        })
    }

    /// The working tree's root, or in a bare repository the repository
    /// folder (which holds no `vouch.toml`).
    pub(crate) fn root(&self) -> &std::path::Path {
        self.root.as_deref().unwrap_or(self.git.dir())
    }

    /// The policy: `vouch.toml` in the working tree, or in a bare
    /// repository the one committed at `HEAD` (the defaults without one).
    pub(crate) fn policy(&self) -> anyhow::Result<Policy> {
        if let Some(root) = &self.root {
            return Ok(Policy::load(root)?);
        }
        let spec = format!("HEAD:{FILE_NAME}");
        match self.git.read_objects(&[spec])?.into_iter().next().flatten() {
            Some(bytes) => Ok(Policy::parse(&String::from_utf8_lossy(&bytes), FILE_NAME)?),
            None => Ok(Policy::default()),
        }
    }
}
