//! Commit time: the pre-commit gate, the per-commit provenance note, carrying
//! notes through history rewrites, and reading them back (blame, export,
//! verify). Talks to git only through [`crate::git`].

pub mod approve;
pub mod blame;
pub(crate) mod blob;
pub mod checkout;
pub mod ci;
pub(crate) mod compact;
pub mod export;
pub mod gate;
pub mod gc;
pub(crate) mod gitai;
pub(crate) mod gitai_refs;
pub(crate) mod glob;
pub mod hooks;
pub mod lines;
pub(crate) mod note;
pub mod notes;
pub mod policy;
pub mod range;
pub(crate) mod ranges;
pub mod record;
pub mod remote;
pub mod report;
pub(crate) mod signature;
pub mod stats;
pub mod trailers;
pub mod verify;
pub mod working;

use crate::git::GitError;
use crate::service::ServiceError;
use crate::store::StoreError;

/// Why a commit-time operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Policy(#[from] policy::PolicyError),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Other(String),
}
