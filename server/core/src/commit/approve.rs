//! Sign-off: a reviewer's signed approval of the AI lines a range introduces,
//! bound to their text (one SHA-256 per line), stored as JSON lines in the
//! notes ref `refs/notes/vouch-approvals` on the approved tip. Format and
//! trust model: docs/sign-off.md.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::CommitError;
use super::lines::LineAttr;
use super::notes::Notes;
use super::policy::{self, Policy};
use super::range::RangeChanges;
use super::signature::{self, AllowedSigners, Signer};
use crate::git::Git;
use crate::ledger::{format_millis, now_millis};
use crate::syntax::SyntaxTree;

/// The envelope's `type`.
pub(crate) const RECORD_TYPE: &str = "vouch-approval/v1";

/// Policy files larger than this are refused (untrusted input).
const MAX_POLICY_BYTES: usize = 1 << 20;

/// What a reviewer signs.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Payload {
    /// Always 1.
    pub(crate) version: u32,
    /// The signer's principal in the allowed-signers file.
    pub principal: String,
    /// The signing key's fingerprint (`SHA256:…`).
    pub key: String,
    /// The range as the reviewer typed it.
    pub(crate) range: String,
    /// The merge base the range was compared with (informative).
    pub(crate) base: Option<String>,
    /// The tip approved (informative: approvals are bound to text, not commits).
    pub(crate) tip: String,
    /// When (UTC, RFC 3339).
    pub time: String,
    pub(crate) files: Vec<ApprovedFile>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct ApprovedFile {
    pub(crate) path: String,
    pub(crate) ranges: Vec<ApprovedRange>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct ApprovedRange {
    /// Lines of the approved tip (1-based, inclusive; informative).
    pub(crate) start_line: usize,
    pub(crate) end_line: usize,
    #[serde(default)]
    pub(crate) unit: Option<String>,
    #[serde(default)]
    pub(crate) tool: Option<String>,
    #[serde(default)]
    pub(crate) model: Option<String>,
    /// `sha256:<hex>` of each line's text (without its line break), in order.
    pub(crate) lines: Vec<String>,
    /// A policy file (`vouch.toml`, the allowed-signers file) approved as a
    /// whole: counts only while the file's text is exactly these lines.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) whole_file: bool,
}

/// One line of the approvals note.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Envelope {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    /// The payload's exact JSON text: the signed bytes.
    pub(crate) payload: String,
    /// Armored SSH signature (namespace `vouch-approval`) over `payload`.
    pub(crate) signature: String,
}

/// `sha256:<hex>` of a line's text.
pub(crate) fn hash_line(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!("sha256:{}", base16ct::lower::encode_string(&digest))
}

/// The policy and allowed signers a range is judged by.
#[derive(Clone, Debug)]
pub(crate) struct BasePolicy {
    pub(crate) policy: Policy,
    /// Where they were read: a commit, or `None` for the working tree.
    pub(crate) from: Option<String>,
    pub(crate) signers: AllowedSigners,
    /// Whether the allowed-signers file exists there.
    pub(crate) signers_found: bool,
}

/// Reads `vouch.toml` and the allowed-signers file at `rev` (a blob each;
/// symlinks are read as their target's name, never followed).
pub(crate) fn base_policy(git: &Git, rev: &str) -> Result<BasePolicy, CommitError> {
    let read = |path: &str| -> Result<Option<String>, CommitError> {
        let blob = git
            .read_objects(&[format!("{rev}:{path}")])?
            .pop()
            .flatten();
        match blob {
            None => Ok(None),
            Some(b) if b.len() > MAX_POLICY_BYTES => Err(CommitError::Other(format!(
                "{path} at {rev} is larger than {MAX_POLICY_BYTES} bytes"
            ))),
            Some(b) => String::from_utf8(b)
                .map(Some)
                .map_err(|_| CommitError::Other(format!("{path} at {rev} is not UTF-8"))),
        }
    };
    let policy = match read(policy::FILE_NAME)? {
        Some(text) => Policy::parse(&text, &format!("{} (at {rev})", policy::FILE_NAME))?,
        None => Policy::default(),
    };
    let signers_text = read(&policy.allowed_signers)?;
    Ok(BasePolicy {
        signers: AllowedSigners::parse(signers_text.as_deref().unwrap_or("")),
        signers_found: signers_text.is_some(),
        policy,
        from: Some(rev.to_owned()),
    })
}

/// The policy of the working tree (`vouch verify` without a range).
pub(crate) fn working_tree_policy(root: &Path) -> Result<BasePolicy, CommitError> {
    let policy = Policy::load(root)?;
    let path = root.join(&policy.allowed_signers);
    let text = match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_file() && (m.len() as usize) <= MAX_POLICY_BYTES => {
            std::fs::read_to_string(&path).ok()
        }
        _ => None,
    };
    Ok(BasePolicy {
        signers: AllowedSigners::parse(text.as_deref().unwrap_or("")),
        signers_found: text.is_some(),
        policy,
        from: None,
    })
}

/// One line that needs an approval.
#[derive(Clone, Debug)]
pub struct NeededLine {
    /// 1-based line of the tip.
    pub line: usize,
    pub(crate) hash: String,
    /// `None` for a policy file's line.
    pub attr: Option<LineAttr>,
    /// Indices into [`RangeChanges::commits`].
    pub(crate) writers: Vec<usize>,
    /// The function, method or class holding it (bare name).
    pub unit: Option<String>,
}

/// A file with lines that need an approval.
#[derive(Clone, Debug)]
pub struct NeededFile {
    pub path: String,
    /// `vouch.toml` or the allowed-signers file, approved as a whole.
    pub policy_file: bool,
    pub lines: Vec<NeededLine>,
    /// Hashes of every line of the tip's version.
    pub(crate) all_hashes: Vec<String>,
}

/// What the range needs approved under `base`: the AI lines it introduces
/// (outside `exempt` paths), and every policy file it changes (as a whole).
pub(crate) fn needed(
    git: &Git,
    changes: &RangeChanges,
    base: &BasePolicy,
) -> Result<Vec<NeededFile>, CommitError> {
    let policy = &base.policy;
    let policy_paths = [policy::FILE_NAME, policy.allowed_signers.as_str()];
    let mut out = Vec::new();
    for f in &changes.files {
        let all_hashes: Vec<String> = f.lines.iter().map(|l| hash_line(l)).collect();
        if policy_paths.contains(&f.path.as_str()) {
            let lines = if f.lines.is_empty() {
                vec![NeededLine {
                    line: 1,
                    hash: hash_line(""),
                    attr: None,
                    writers: f.writers.clone(),
                    unit: None,
                }]
            } else {
                (1..=f.lines.len())
                    .map(|i| NeededLine {
                        line: i,
                        hash: all_hashes[i - 1].clone(),
                        attr: None,
                        writers: f.writers.clone(),
                        unit: None,
                    })
                    .collect()
            };
            let all_hashes = if f.lines.is_empty() {
                vec![hash_line("")]
            } else {
                all_hashes
            };
            out.push(NeededFile {
                path: f.path.clone(),
                policy_file: true,
                lines,
                all_hashes,
            });
            continue;
        }
        if policy.is_exempt(&f.path) {
            continue;
        }
        // AI lines that need an approval: not those the policy lets go
        // without review (a kind rule, `ignore_below`), as `what_blocks` says.
        let ai: Vec<_> = f
            .new_lines
            .iter()
            .filter(|l| {
                l.attr
                    .as_ref()
                    .is_some_and(|a| policy.not_required(&f.path, a).is_none())
            })
            .collect();
        if ai.is_empty() {
            continue;
        }
        let tree = SyntaxTree::for_path(&f.path, &f.text);
        let starts = line_starts(&f.text);
        let lines = ai
            .into_iter()
            .map(|l| {
                let unit = tree.as_ref().and_then(|t| {
                    let start = *starts.get(l.line - 1)?;
                    let end = start + l.text.len();
                    t.unit_for(start..end).map(|u| u.name)
                });
                NeededLine {
                    line: l.line,
                    hash: hash_line(&l.text),
                    attr: l.attr.clone(),
                    writers: l.writers.clone(),
                    unit,
                }
            })
            .collect();
        out.push(NeededFile {
            path: f.path.clone(),
            policy_file: false,
            lines,
            all_hashes,
        });
    }
    // A policy file deleted in the range.
    if let Some(b) = &changes.range.base {
        let present: HashSet<&str> = changes.files.iter().map(|f| f.path.as_str()).collect();
        let specs: Vec<String> = policy_paths
            .iter()
            .flat_map(|p| [format!("{b}:{p}"), format!("{}:{p}", changes.range.tip)])
            .collect();
        let blobs = git.read_objects(&specs)?;
        for (i, p) in policy_paths.iter().enumerate() {
            let (before, after) = (&blobs[2 * i], &blobs[2 * i + 1]);
            if before.is_some() && after.is_none() && !present.contains(p) {
                out.push(NeededFile {
                    path: (*p).to_owned(),
                    policy_file: true,
                    lines: vec![NeededLine {
                        line: 1,
                        hash: hash_line(""),
                        attr: None,
                        writers: changes.commits.iter().enumerate().map(|(i, _)| i).collect(),
                        unit: None,
                    }],
                    all_hashes: vec![hash_line("")],
                });
            }
        }
    }
    Ok(out)
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(
        text.bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i + 1),
    );
    v
}

/// The payload approving `files` (consecutive lines grouped into ranges).
pub(crate) fn payload(
    changes: &RangeChanges,
    files: &[NeededFile],
    principal: &str,
    key: &str,
) -> Payload {
    let mut out = Vec::new();
    for f in files {
        let mut ranges: Vec<ApprovedRange> = Vec::new();
        for l in &f.lines {
            let tool = l.attr.as_ref().map(|a| a.tool.clone());
            let model = l.attr.as_ref().and_then(|a| a.model.clone());
            match ranges.last_mut() {
                Some(r)
                    if !f.policy_file
                        && r.end_line + 1 == l.line
                        && r.unit == l.unit
                        && r.tool == tool
                        && r.model == model =>
                {
                    r.end_line = l.line;
                    r.lines.push(l.hash.clone());
                }
                Some(r) if f.policy_file => {
                    r.end_line = l.line;
                    r.lines.push(l.hash.clone());
                }
                _ => ranges.push(ApprovedRange {
                    start_line: l.line,
                    end_line: l.line,
                    unit: l.unit.clone(),
                    tool,
                    model,
                    lines: vec![l.hash.clone()],
                    whole_file: f.policy_file,
                }),
            }
        }
        if f.policy_file {
            // The whole file, exactly.
            if let Some(r) = ranges.first_mut() {
                r.lines = f.all_hashes.clone();
                r.start_line = 1;
                r.end_line = f.all_hashes.len();
            }
        }
        out.push(ApprovedFile {
            path: f.path.clone(),
            ranges,
        });
    }
    Payload {
        version: 1,
        principal: principal.to_owned(),
        key: key.to_owned(),
        range: changes.range.spec.clone(),
        base: changes.range.base.clone(),
        tip: changes.range.tip.clone(),
        time: format_millis(now_millis()),
        files: out,
    }
}

/// Whether an approval counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApprovalStatus {
    Valid,
    /// The signature does not verify over the payload (edited by hand, or forged).
    BadSignature(String),
    /// The key is not in the allowed-signers file for the claimed principal.
    SignerNotAllowed,
    /// Not a readable approval record.
    Malformed(String),
}

impl ApprovalStatus {
    /// `valid`, `bad-signature`, `signer-not-allowed`, `malformed`.
    pub fn code(&self) -> &'static str {
        match self {
            ApprovalStatus::Valid => "valid",
            ApprovalStatus::BadSignature(_) => "bad-signature",
            ApprovalStatus::SignerNotAllowed => "signer-not-allowed",
            ApprovalStatus::Malformed(_) => "malformed",
        }
    }
}

/// One approval record found, checked.
#[derive(Clone, Debug)]
pub struct Approval {
    /// The commit its note is attached to.
    pub commit: String,
    pub status: ApprovalStatus,
    /// The payload (also for records that do not count, to say what they claimed).
    pub payload: Option<Payload>,
    /// The fingerprint of the key that actually signed, when readable.
    pub signed_by: Option<String>,
}

impl Approval {
    pub fn principal(&self) -> &str {
        self.payload.as_ref().map_or("?", |p| p.principal.as_str())
    }

    pub fn counts(&self) -> bool {
        self.status == ApprovalStatus::Valid
    }
}

/// Every approval touching one of `paths` (all of them with `None`), with
/// its signature checked in process against `signers`. Note blobs are read
/// as `Notes::read_texts` does (one over `notes::MAX_NOTE_BYTES` is skipped).
pub(crate) fn load(
    git: &Git,
    signers: &AllowedSigners,
    paths: Option<&HashSet<&str>>,
) -> Result<Vec<Approval>, CommitError> {
    let notes = Notes::approvals(git);
    let commits = notes.annotated()?;
    let texts = notes.read_texts(&commits)?;
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut keys: Vec<&String> = texts.keys().collect();
    keys.sort();
    for commit in keys {
        let text = &texts[commit];
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if !seen.insert(line) {
                continue; // the same record on several refs
            }
            out.extend(check_record(commit, line, signers, paths));
        }
    }
    Ok(out)
}

fn check_record(
    commit: &str,
    line: &str,
    signers: &AllowedSigners,
    paths: Option<&HashSet<&str>>,
) -> Option<Approval> {
    let malformed = |why: String| Approval {
        commit: commit.to_owned(),
        status: ApprovalStatus::Malformed(why),
        payload: None,
        signed_by: None,
    };
    let env: Envelope = match serde_json::from_str(line) {
        Ok(e) => e,
        Err(e) => return Some(malformed(format!("not an approval record: {e}"))),
    };
    if env.kind != RECORD_TYPE {
        return Some(malformed(format!("unknown record type `{}`", env.kind)));
    }
    let payload: Payload = match serde_json::from_str(&env.payload) {
        Ok(p) => p,
        Err(e) => return Some(malformed(format!("unreadable payload: {e}"))),
    };
    if let Some(paths) = paths
        && !payload
            .files
            .iter()
            .any(|f| paths.contains(f.path.as_str()))
    {
        return None;
    }
    let (status, signed_by) = match signature::verify(env.payload.as_bytes(), &env.signature) {
        Err(why) => (ApprovalStatus::BadSignature(why), None),
        Ok(key) => {
            let fp = signature::fingerprint(&key);
            let allowed = signers.principals_for(&key);
            if allowed.iter().any(|p| *p == payload.principal) {
                (ApprovalStatus::Valid, Some(fp))
            } else {
                (ApprovalStatus::SignerNotAllowed, Some(fp))
            }
        }
    };
    Some(Approval {
        commit: commit.to_owned(),
        status,
        payload: Some(payload),
        signed_by,
    })
}

/// Signs `payload` with git's signing configuration and appends the record
/// to the approvals note of `payload.tip`. The signature is checked in
/// process before anything is written.
pub(crate) fn record(
    git: &Git,
    signer: &Signer,
    payload: &Payload,
) -> Result<Envelope, CommitError> {
    let text = serde_json::to_string(payload)?;
    let scratch = git.git_path("vouch")?;
    let sig = signer
        .sign(text.as_bytes(), &scratch)
        .map_err(|e| CommitError::Other(e.to_string()))?;
    let key = signature::verify(text.as_bytes(), &sig)
        .map_err(|e| CommitError::Other(format!("the new signature does not check out: {e}")))?;
    if key != signer.public {
        return Err(CommitError::Other(
            "ssh-keygen signed with another key than user.signingKey".into(),
        ));
    }
    let env = Envelope {
        kind: RECORD_TYPE.to_owned(),
        payload: text,
        signature: sig,
    };
    let notes = Notes::approvals(git);
    let mut existing = git
        .try_run(&["notes", "--ref", &notes.ref_name, "show", &payload.tip])?
        .map(|o| String::from_utf8_lossy(&o).into_owned())
        .unwrap_or_default();
    if !existing.is_empty() && !existing.ends_with('\n') {
        existing.push('\n');
    }
    existing.push_str(&serde_json::to_string(&env)?);
    existing.push('\n');
    notes.write_text(&payload.tip, &existing)?;
    Ok(env)
}

/// A range ready to approve: what it introduces and what needs approval
/// under the policy it is judged by.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub changes: RangeChanges,
    pub(crate) base: BasePolicy,
    /// The commit the policy and allowed signers were read from.
    pub policy_rev: String,
    pub needed: Vec<NeededFile>,
}

/// Resolves `spec` and lists what it needs approved, under the policy of
/// `policy_from` (default: the range's target branch, which it must have).
pub fn prepare(git: &Git, spec: &str, policy_from: Option<&str>) -> Result<Prepared, CommitError> {
    let range = super::range::resolve(git, spec)?;
    let policy_rev = match (policy_from, &range.target) {
        (Some(rev), _) => git
            .commit_id(rev)?
            .ok_or_else(|| CommitError::Other(format!("--policy-from {rev}: no such commit")))?,
        (None, Some(t)) => t.clone(),
        (None, None) => {
            return Err(CommitError::Other(format!(
                "`{spec}` has no base: name the target branch, e.g. origin/main..feature"
            )));
        }
    };
    let base = base_policy(git, &policy_rev)?;
    let changes = super::range::changes(git, range)?;
    let needed = needed(git, &changes, &base)?;
    Ok(Prepared {
        changes,
        base,
        policy_rev,
        needed,
    })
}

/// What a signed approval covered.
#[derive(Clone, Debug)]
pub struct Signed {
    pub principal: String,
    /// The key's fingerprint.
    pub key: String,
    pub lines: usize,
    pub files: usize,
}

/// Signs an approval of `files` (a selection of `prepared.needed`) with git's
/// signing configuration, as the principal the base's allowed signers list
/// for the key (preferring `user.email`), and records it.
pub fn sign(git: &Git, prepared: &Prepared, files: &[NeededFile]) -> Result<Signed, CommitError> {
    let signer = Signer::from_git(git).map_err(|e| CommitError::Other(e.to_string()))?;
    let fp = signature::fingerprint(&signer.public);
    let principals = prepared.base.signers.principals_for(&signer.public);
    let email = git.config("user.email")?.unwrap_or_default();
    let Some(principal) = principals
        .iter()
        .find(|p| p.eq_ignore_ascii_case(email.trim()))
        .or(principals.first())
    else {
        return Err(CommitError::Other(format!(
            "your signing key {fp} is not in {} at {} (for namespace {}); an approval it signs would not count. Ask for it to be added on the target branch",
            prepared.base.policy.allowed_signers,
            &prepared.policy_rev[..prepared.policy_rev.len().min(12)],
            signature::NAMESPACE
        )));
    };
    let payload = payload(&prepared.changes, files, principal, &fp);
    record(git, &signer, &payload)?;
    Ok(Signed {
        principal: (*principal).to_owned(),
        key: fp,
        lines: files.iter().map(|f| f.lines.len()).sum(),
        files: files.len(),
    })
}

/// Per path and line hash, how many lines each valid approval covers.
pub(crate) type Coverage = HashMap<String, HashMap<String, usize>>;

/// The lines of an approval per path (not whole-file ranges), counted.
pub(crate) fn coverage(p: &Payload) -> Coverage {
    let mut out: Coverage = HashMap::new();
    for f in &p.files {
        let entry = out.entry(f.path.clone()).or_default();
        for r in f.ranges.iter().filter(|r| !r.whole_file) {
            for h in &r.lines {
                *entry.entry(h.clone()).or_default() += 1;
            }
        }
    }
    out
}

/// Whether `p` approves the whole text `hashes` of the policy file `path`.
pub(crate) fn approves_whole(p: &Payload, path: &str, hashes: &[String]) -> bool {
    p.files
        .iter()
        .filter(|f| f.path == path)
        .flat_map(|f| &f.ranges)
        .any(|r| r.whole_file && r.lines == hashes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_hashes_are_sha256() {
        assert_eq!(
            hash_line(""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_ne!(hash_line("a"), hash_line("a "));
    }

    #[test]
    fn garbage_records_are_malformed_and_foreign_ones_skipped() {
        let signers = AllowedSigners::default();
        let a = check_record("c", "junk", &signers, None).unwrap();
        assert_eq!(a.status.code(), "malformed");
        let payload = Payload {
            version: 1,
            principal: "g@x".into(),
            key: "k".into(),
            range: "a..b".into(),
            base: None,
            tip: "t".into(),
            time: "now".into(),
            files: vec![ApprovedFile {
                path: "x.rs".into(),
                ranges: vec![],
            }],
        };
        let env = Envelope {
            kind: RECORD_TYPE.into(),
            payload: serde_json::to_string(&payload).unwrap(),
            signature: "nope".into(),
        };
        let line = serde_json::to_string(&env).unwrap();
        let only_y = HashSet::from(["y.rs"]);
        assert!(check_record("c", &line, &signers, Some(&only_y)).is_none());
        let a = check_record("c", &line, &signers, None).unwrap();
        assert_eq!(a.status.code(), "bad-signature");
        assert_eq!(a.principal(), "g@x");
    }
}
