//! Reading and writing the notes ref (`refs/notes/vouch` unless the git
//! configuration `vouch.notesRef` names another).
//!
//! Readers see the local ref merged with the remote-tracking copies
//! `refs/notes/remotes/<remote>/vouch` that `git fetch` fills, so fetched
//! notes count at once, before anything merged them.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::CommitError;
use super::note::{self, Note};
use crate::git::{Git, LineCounter};

pub(crate) const DEFAULT_REF: &str = "refs/notes/vouch";

/// A note blob larger than this (4 MiB) is not read: notes come from every
/// collaborator, and a real one is a few hundred bytes per file.
pub(crate) const MAX_NOTE_BYTES: usize = 4 * 1024 * 1024;

/// Signed approvals (`vouch approve`; docs/sign-off.md), one JSON record per
/// line, attached to the tip the reviewer approved.
pub const APPROVALS_REF: &str = "refs/notes/vouch-approvals";

/// At most this many commits are read by path ([`Notes::read_texts`]):
/// four lookups per commit and ref, against listing every note (on 10,000
/// notes, 64 commits read by path cost about as much as one listing, and a
/// 24-commit rebase's post-rewrite reads its notes twice).
const DIRECT_READ: usize = 64;
/// Fan-out depths of a notes tree tried when reading a note by path: git
/// adds a level past 256 notes per folder, so 3 covers 4 billion notes.
const FANOUT_DEPTHS: usize = 3;

/// A notes folder of this many entries is due another level of fan-out:
/// git uses one level of two-digit folders per factor of 256 notes.
const FANOUT_AT: usize = 256;
/// At most this many notes are written by path at once (their folders are
/// named on `git ls-tree`'s command line); more are placed by fast-import.
const MAX_PLACED: usize = 1024;

/// Agent Trace records other tools keep in the repository (JSON lines).
pub(crate) const TRACE_FILE: &str = ".agent-trace/traces.jsonl";
const MAX_TRACE_FILE_BYTES: usize = 16 << 20;

pub struct Notes<'a> {
    git: &'a Git,
    /// Full name, e.g. `refs/notes/vouch`.
    pub ref_name: String,
}

impl<'a> Notes<'a> {
    pub fn new(git: &'a Git) -> Result<Notes<'a>, CommitError> {
        let configured = git.notes_ref_config()?;
        let ref_name = match configured.as_deref().map(str::trim) {
            None | Some("") => DEFAULT_REF.to_owned(),
            Some(r) if r.starts_with("refs/") => r.to_owned(),
            Some(r) => format!("refs/notes/{r}"),
        };
        Ok(Notes { git, ref_name })
    }

    /// The approvals ref ([`APPROVALS_REF`]).
    pub(crate) fn approvals(git: &'a Git) -> Notes<'a> {
        Notes {
            git,
            ref_name: APPROVALS_REF.to_owned(),
        }
    }

    /// Every ref Vouch shares through a remote: provenance notes, approvals.
    pub(crate) fn all(git: &'a Git) -> Result<Vec<Notes<'a>>, CommitError> {
        Ok(vec![Notes::new(git)?, Notes::approvals(git)])
    }

    /// The part after `refs/notes/` (`vouch`).
    pub(crate) fn short(&self) -> &str {
        self.ref_name
            .strip_prefix("refs/notes/")
            .unwrap_or(&self.ref_name)
    }

    /// Where `git fetch` puts a remote's notes.
    pub(crate) fn tracking_ref(&self, remote: &str) -> String {
        format!("refs/notes/remotes/{remote}/{}", self.short())
    }

    /// Local ref first, then every remote-tracking copy.
    fn refs(&self) -> Result<Vec<String>, CommitError> {
        let mut refs = vec![self.ref_name.clone()];
        let out = self
            .git
            .text(&["for-each-ref", "--format=%(refname)", "refs/notes/remotes/"])?;
        let suffix = format!("/{}", self.short());
        refs.extend(
            out.lines()
                .filter(|r| r.ends_with(&suffix))
                .map(str::to_owned),
        );
        Ok(refs)
    }

    /// Note blob names per annotated commit, across all refs read.
    fn list(&self) -> Result<HashMap<String, Vec<String>>, CommitError> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for r in self.refs()? {
            let Some(listing) = self.git.try_run(&["notes", "--ref", &r, "list"])? else {
                continue;
            };
            for line in String::from_utf8_lossy(&listing).lines() {
                if let Some((blob, commit)) = line.split_once(' ') {
                    let blobs = out.entry(commit.to_owned()).or_default();
                    if !blobs.iter().any(|b| b == blob) {
                        blobs.push(blob.to_owned());
                    }
                }
            }
        }
        Ok(out)
    }

    /// The notes of `commits` (those that have one), read in one batch, each
    /// bounded by the commit's files: lines beyond a file's real length, and
    /// files the commit does not hold, are dropped.
    pub(crate) fn read(&self, commits: &[String]) -> Result<HashMap<String, Note>, CommitError> {
        self.bounded(self.read_texts(commits)?)
    }

    /// Raw note texts parsed and bounded by their commits' files.
    fn bounded(
        &self,
        texts: HashMap<String, String>,
    ) -> Result<HashMap<String, Note>, CommitError> {
        let parsed: Vec<(String, note::ParsedNote)> = texts
            .into_iter()
            .map(|(c, t)| (c, note::parse(&t)))
            .collect();
        Ok(self
            .bound(&mut self.line_counter(), parsed)?
            .into_iter()
            .collect())
    }

    /// Parsed notes bounded by their commits' files, their lines counted
    /// by `counter` (one `git cat-file --batch` for every batch a walk
    /// bounds), in the order given.
    pub(crate) fn bound(
        &self,
        counter: &mut LineCounter<'_>,
        parsed: Vec<(String, note::ParsedNote)>,
    ) -> Result<Vec<(String, Note)>, CommitError> {
        self.bound_known(counter, parsed, &HashMap::new())
    }

    /// A counter of the lines of files at commits, for [`Notes::bound`].
    pub(crate) fn line_counter(&self) -> LineCounter<'a> {
        self.git.line_counter()
    }

    /// [`Notes::bound`], the line counts of `known` versions (`REV:PATH`,
    /// by full object name) given: only the others are counted by git.
    pub(crate) fn bound_known(
        &self,
        counter: &mut LineCounter<'_>,
        parsed: Vec<(String, note::ParsedNote)>,
        known: &HashMap<String, usize>,
    ) -> Result<Vec<(String, Note)>, CommitError> {
        let spec = |c: &str, p: &str| format!("{c}:{p}");
        let known_at = |c: &str, p: &str| {
            (!known.is_empty())
                .then(|| known.get(&spec(c, p)).copied())
                .flatten()
        };
        // Per note, the paths whose line counts git is asked for.
        let asks: Vec<(&str, Vec<&str>)> = parsed
            .iter()
            .map(|(c, n)| {
                let paths = n.paths().filter(|p| known_at(c, p).is_none()).collect();
                (c.as_str(), paths)
            })
            .collect();
        let counted = counter.counts(&asks)?;
        let out_of_step = || CommitError::Other("git's line counts came out of step".into());
        if counted.len() != asks.len() {
            return Err(out_of_step());
        }
        // Per note, the line count of each of its files, in their order.
        let mut counts: Vec<Vec<Option<usize>>> = Vec::with_capacity(parsed.len());
        for ((c, n), asked) in parsed.iter().zip(counted) {
            let mut asked = asked.into_iter();
            let mut of_note = Vec::new();
            for p in n.paths() {
                of_note.push(match known_at(c, p) {
                    Some(k) => Some(k),
                    None => asked.next().ok_or_else(out_of_step)?,
                });
            }
            counts.push(of_note);
        }
        Ok(parsed
            .into_iter()
            .zip(counts)
            .map(|((c, n), counts)| (c, n.bounded_by(counts)))
            .collect())
    }

    /// The notes of `commits` as line lookups (no per-line expansion), for
    /// reading a few lines of many notes (blame).
    pub(crate) fn read_index(
        &self,
        commits: &[String],
    ) -> Result<HashMap<String, note::ParsedNote>, CommitError> {
        Ok(self
            .read_texts(commits)?
            .into_iter()
            .map(|(c, t)| (c, note::parse(&t)))
            .collect())
    }

    /// The raw note texts of `commits` (all refs' records concatenated). A
    /// note blob over [`MAX_NOTE_BYTES`] is skipped with a warning.
    pub(crate) fn read_texts(
        &self,
        commits: &[String],
    ) -> Result<HashMap<String, String>, CommitError> {
        if commits.len() <= DIRECT_READ {
            return self.read_texts_direct(commits);
        }
        self.read_texts_in(&self.list()?, commits)
    }

    /// [`Notes::read_texts`] for a few commits (a hook reading the base
    /// commit's note): no listing of every note, which costs as much as
    /// the notes ref is large. One `git for-each-ref` finds the notes refs
    /// and one `git cat-file --batch` reads each commit's note on each of
    /// them by path (`REF:<sha>`, at every fan-out depth git uses, `ab/cd…`),
    /// other tools' notes and `.agent-trace/traces.jsonl` in the same batch.
    fn read_texts_direct(
        &self,
        commits: &[String],
    ) -> Result<HashMap<String, String>, CommitError> {
        let mut out = HashMap::new();
        if commits.is_empty() {
            return Ok(out);
        }
        let all = self
            .git
            .text(&["for-each-ref", "--format=%(refname)", "refs/notes/"])?;
        let suffix = format!("/{}", self.short());
        let ours: Vec<&str> = std::iter::once(self.ref_name.as_str())
            .chain(
                all.lines()
                    .filter(|r| r.starts_with("refs/notes/remotes/") && r.ends_with(&suffix)),
            )
            .collect();
        let foreign: Vec<&str> = if self.ref_name == APPROVALS_REF {
            Vec::new()
        } else {
            all.lines()
                .filter(|r| super::gitai::is_gitai_ref(r))
                .collect()
        };
        let spec = |r: &str, c: &str, depth: usize| {
            let mut path = String::new();
            for k in 0..depth {
                path.push_str(&c[2 * k..2 * k + 2]);
                path.push('/');
            }
            path.push_str(&c[2 * depth..]);
            format!("{r}:{path}")
        };
        let valid: Vec<&String> = commits
            .iter()
            .filter(|c| c.len() == 40 && c.bytes().all(|b| b.is_ascii_hexdigit()))
            .collect();
        let mut specs = Vec::new();
        for c in &valid {
            for r in ours.iter().chain(&foreign) {
                specs.extend((0..=FANOUT_DEPTHS).map(|d| spec(r, c, d)));
            }
        }
        let trace = self.ref_name != APPROVALS_REF;
        if trace {
            specs.push(format!("HEAD:{TRACE_FILE}"));
        }
        let max = MAX_NOTE_BYTES.max(MAX_TRACE_FILE_BYTES);
        let mut blobs = self.git.read_objects_max(&specs, max)?.into_iter();
        for c in &valid {
            let mut text = String::new();
            let mut seen: Vec<Vec<u8>> = Vec::new();
            for _ in &ours {
                for _ in 0..=FANOUT_DEPTHS {
                    match blobs.next().flatten() {
                        Some(Ok(b)) if b.len() > MAX_NOTE_BYTES => warn_size(c, b.len()),
                        // The same note on several refs (a fetched copy) once.
                        Some(Ok(b)) if !seen.contains(&b) => {
                            push_text(&mut text, &b);
                            text.push('\n');
                            seen.push(b);
                        }
                        Some(Err(size)) => warn_size(c, size),
                        _ => {}
                    }
                }
            }
            if !seen.is_empty() {
                out.insert((*c).clone(), text);
            }
            for _ in &foreign {
                for _ in 0..=FANOUT_DEPTHS {
                    if let Some(Ok(b)) = blobs.next().flatten() {
                        let t = super::gitai::to_trace(&String::from_utf8_lossy(&b), c);
                        if !t.is_empty() {
                            out.entry((*c).clone()).or_default().push_str(&t);
                        }
                    }
                }
            }
        }
        if trace
            && let Some(Ok(blob)) = blobs.next().flatten()
            && blob.len() <= MAX_TRACE_FILE_BYTES
        {
            let wanted: Vec<String> = valid.into_iter().cloned().collect();
            trace_records(&blob, Some(&wanted), &mut out);
        }
        Ok(out)
    }

    /// What [`Notes::each_text_listed`] reads before any note: which note blobs
    /// each commit has on this ref and on other tools' refs, and the
    /// committed trace file. It does not depend on the commits asked for,
    /// so a caller can ask for it beside them; the git processes it needs
    /// run side by side.
    pub(crate) fn listing(&self) -> Result<Listing, CommitError> {
        if self.ref_name == APPROVALS_REF {
            return Ok(Listing {
                ours: self.list()?,
                theirs: HashMap::new(),
                trace_file: None,
            });
        }
        let (theirs, ours) = crate::git::side_by_side(
            || Ok::<_, CommitError>((self.foreign_listing()?, trace_file(self.git)?)),
            || self.list(),
        );
        let (theirs, trace_file) = theirs?;
        Ok(Listing {
            ours: ours?,
            theirs,
            trace_file,
        })
    }

    /// The raw note texts of `commits` as [`Notes::read_texts`] makes them,
    /// handed to `f` (the commit's index in `commits`, its text) in order,
    /// for each commit that has a note: the listings are read once, every
    /// note blob through one `git cat-file --batch`, and one note is held
    /// at a time, so memory stays flat however many notes there are. The
    /// text is `None` (and not read) for a commit `read(index)` refuses.
    /// `listing` is [`Notes::listing`]'s answer.
    pub(crate) fn each_text_listed(
        &self,
        listing: &Listing,
        commits: &[String],
        read: impl Fn(usize) -> bool,
        mut f: impl FnMut(usize, Option<String>) -> Result<(), CommitError>,
    ) -> Result<(), CommitError> {
        let mut traces = HashMap::new();
        if let Some(blob) = &listing.trace_file {
            trace_records(blob, Some(commits), &mut traces);
        }
        let (ours, gitai) = (&listing.ours, &listing.theirs);
        let none = Vec::new();
        let ours_of = |i: usize| match ours.get(&commits[i]) {
            Some(blobs) if read(i) => blobs,
            _ => &none,
        };
        let theirs_of = |i: usize| gitai.get(&commits[i]).unwrap_or(&none);
        // Every blob, in commit order: the commit's own notes, then git-ai's.
        let specs: Vec<String> = (0..commits.len())
            .flat_map(|i| ours_of(i).iter().chain(theirs_of(i)).cloned())
            .collect();
        let mut objects = self.git.objects_max(&specs, MAX_NOTE_BYTES)?;
        for (i, commit) in commits.iter().enumerate() {
            let mut text = String::new();
            for _ in ours_of(i) {
                match objects.next().transpose()?.flatten() {
                    Some(Ok(b)) => {
                        push_text(&mut text, &b);
                        text.push('\n');
                    }
                    Some(Err(size)) => eprintln!(
                        "vouch: warning: the note of commit {commit} is {size} bytes, over the {MAX_NOTE_BYTES}-byte limit; ignored"
                    ),
                    None => {}
                }
            }
            let trace = traces.remove(commit);
            text.push_str(trace.as_deref().unwrap_or(""));
            let mut theirs = false;
            for _ in theirs_of(i) {
                if let Some(Ok(b)) = objects.next().transpose()?.flatten() {
                    let t = super::gitai::to_trace(&String::from_utf8_lossy(&b), commit);
                    theirs |= !t.is_empty();
                    text.push_str(&t);
                }
            }
            if ours.contains_key(commit) || trace.is_some() || theirs {
                f(i, read(i).then_some(text))?;
            }
        }
        Ok(())
    }

    fn read_texts_in(
        &self,
        listing: &HashMap<String, Vec<String>>,
        commits: &[String],
    ) -> Result<HashMap<String, String>, CommitError> {
        let wanted: Vec<(&String, &Vec<String>)> = commits
            .iter()
            .filter_map(|c| listing.get(c).map(|b| (c, b)))
            .collect();
        let specs: Vec<String> = wanted.iter().flat_map(|(_, b)| b.iter().cloned()).collect();
        let blobs = self.git.read_objects_max(&specs, MAX_NOTE_BYTES)?;
        let mut blobs = blobs.into_iter();
        let mut out = HashMap::new();
        for (commit, names) in wanted {
            let mut text = String::new();
            for _ in names {
                match blobs.next() {
                    Some(Some(Ok(b))) => {
                        push_text(&mut text, &b);
                        text.push('\n');
                    }
                    Some(Some(Err(size))) => eprintln!(
                        "vouch: warning: the note of commit {commit} is {size} bytes, over the {MAX_NOTE_BYTES}-byte limit; ignored"
                    ),
                    _ => {}
                }
            }
            out.insert(commit.clone(), text);
        }
        if self.ref_name != APPROVALS_REF {
            self.add_foreign(commits, &mut out)?;
        }
        Ok(out)
    }

    /// Appends other tools' provenance for `commits`: git-ai's logs on
    /// `refs/notes/ai` (and fetched copies `refs/notes/remotes/*/ai`),
    /// converted to Agent Trace records that rank below Vouch's own.
    fn add_foreign(
        &self,
        commits: &[String],
        out: &mut HashMap<String, String>,
    ) -> Result<(), CommitError> {
        let listing = self.foreign_listing()?;
        add_trace_file(self.git, Some(commits), out)?;
        if listing.is_empty() {
            return Ok(());
        }
        let wanted: Vec<(&String, &Vec<String>)> = commits
            .iter()
            .filter_map(|c| listing.get(c).map(|b| (c, b)))
            .collect();
        let specs: Vec<String> = wanted.iter().flat_map(|(_, b)| b.iter().cloned()).collect();
        let mut blobs = self.git.read_objects(&specs)?.into_iter();
        for (commit, names) in wanted {
            for _ in names {
                if let Some(Some(b)) = blobs.next() {
                    let trace = super::gitai::to_trace(&String::from_utf8_lossy(&b), commit);
                    if !trace.is_empty() {
                        out.entry(commit.clone()).or_default().push_str(&trace);
                    }
                }
            }
        }
        Ok(())
    }

    /// Blob names of git-ai's notes (`refs/notes/ai` and fetched copies
    /// `refs/notes/remotes/*/ai`) per annotated commit.
    fn foreign_listing(&self) -> Result<HashMap<String, Vec<String>>, CommitError> {
        let mut refs = vec![super::gitai::GITAI_REF.to_owned()];
        let remotes =
            self.git
                .text(&["for-each-ref", "--format=%(refname)", "refs/notes/remotes/"])?;
        refs.extend(
            remotes
                .lines()
                .filter(|r| super::gitai::is_gitai_ref(r))
                .map(str::to_owned),
        );
        let mut listing: HashMap<String, Vec<String>> = HashMap::new();
        for r in refs {
            let Some(list) = self.git.try_run(&["notes", "--ref", &r, "list"])? else {
                continue;
            };
            for line in String::from_utf8_lossy(&list).lines() {
                if let Some((blob, commit)) = line.split_once(' ') {
                    let blobs = listing.entry(commit.to_owned()).or_default();
                    if !blobs.iter().any(|b| b == blob) {
                        blobs.push(blob.to_owned());
                    }
                }
            }
        }
        Ok(listing)
    }

    /// The commits other tools' provenance describes: those annotated on
    /// git-ai's `refs/notes/ai` (and its fetched copies), and the
    /// `vcs.revision` of each record in `.agent-trace/traces.jsonl` at
    /// `HEAD` (looked for only when the working tree has that file). One
    /// `git for-each-ref` when there is none, and none at all when the
    /// files of `git_dir` (the repository's git directory) say no git-ai
    /// ref can exist ([`super::gitai_refs`]). Which ref holds Vouch's own
    /// notes does not matter here, so the configuration is not read.
    pub fn foreign_annotated(
        git: &Git,
        git_dir: Option<&std::path::Path>,
    ) -> Result<Vec<String>, CommitError> {
        // Where the repository's files say no git-ai ref can exist, git is
        // not asked to list them.
        let refs = match git_dir {
            Some(dir) if !super::gitai_refs::may_exist(dir) => String::new(),
            _ => git.text(&["for-each-ref", "--format=%(refname)", "refs/notes/"])?,
        };
        let mut out: Vec<String> = Vec::new();
        for r in refs.lines().filter(|r| super::gitai::is_gitai_ref(r)) {
            let Some(list) = git.try_run(&["notes", "--ref", r, "list"])? else {
                continue;
            };
            out.extend(
                String::from_utf8_lossy(&list)
                    .lines()
                    .filter_map(|l| l.split_once(' ').map(|(_, c)| c.to_owned())),
            );
        }
        if git.dir().join(TRACE_FILE).is_file() {
            let mut records = HashMap::new();
            add_trace_file(git, None, &mut records)?;
            out.extend(records.into_keys());
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Every annotated commit.
    pub(crate) fn annotated(&self) -> Result<Vec<String>, CommitError> {
        Ok(self.list()?.into_keys().collect())
    }

    /// The commits annotated on the local ref only (not the fetched copies).
    pub(crate) fn local_annotated(&self) -> Result<HashSet<String>, CommitError> {
        let Some(listing) = self
            .git
            .try_run(&["notes", "--ref", &self.ref_name, "list"])?
        else {
            return Ok(HashSet::new());
        };
        Ok(String::from_utf8_lossy(&listing)
            .lines()
            .filter_map(|l| l.split_once(' ').map(|(_, commit)| commit.to_owned()))
            .collect())
    }

    /// Removes the local notes of `commits` (one notes commit for all).
    pub(crate) fn remove(&self, commits: &[String]) -> Result<(), CommitError> {
        if commits.is_empty() {
            return Ok(());
        }
        let mut input = commits.join("\n");
        input.push('\n');
        self.git.run_input(
            &[
                "notes",
                "--ref",
                &self.ref_name,
                "remove",
                "--ignore-missing",
                "--stdin",
            ],
            input.as_bytes(),
        )?;
        Ok(())
    }

    /// Writes (replacing) the note of `commit`.
    pub(crate) fn write(&self, commit: &str, record: &Value) -> Result<(), CommitError> {
        let mut text = serde_json::to_string(record)?;
        text.push('\n');
        self.write_text(commit, &text)
    }

    /// Writes (replacing) the note of `commit` with `text`.
    pub(crate) fn write_text(&self, commit: &str, text: &str) -> Result<(), CommitError> {
        let args = [
            "notes",
            "--ref",
            &self.ref_name,
            "add",
            "-f",
            "-F",
            "-",
            commit,
        ];
        // Another process may move the ref at the same moment: retry once.
        match self.git.run_input(&args, text.as_bytes()) {
            Ok(_) => Ok(()),
            Err(_) => {
                self.git.run_input(&args, text.as_bytes())?;
                Ok(())
            }
        }
    }

    /// Writes (replacing) the notes of many commits as one notes commit,
    /// through one `git fast-import`: a rebase of N commits costs one
    /// process and one ref update, not N of each. Each note is written by
    /// path where [`Notes::placed`] can tell it within the tree's fan-out;
    /// otherwise fast-import places them all (`N`), which first counts
    /// every note of the tree, reading all its folders (about 8 ms more
    /// for 24 notes among 10,000). The ref is updated only if nobody
    /// moved it meanwhile (fast-import refuses a non-fast-forward); then it
    /// is tried once more.
    pub fn write_many(&self, notes: &[(String, Value)]) -> Result<(), CommitError> {
        if notes.is_empty() {
            return Ok(());
        }
        let mut texts = Vec::with_capacity(notes.len());
        for (commit, record) in notes {
            let mut text = serde_json::to_string(record)?;
            text.push('\n');
            texts.push((commit.as_str(), text));
        }
        // Who commits, and the notes ref's tip for the first attempt: two
        // git processes, side by side.
        let (ident, first_tip) = crate::git::side_by_side(
            || self.git.text(&["var", "GIT_COMMITTER_IDENT"]),
            || self.git.commit_id(&self.ref_name),
        );
        let ident = ident?;
        let ident = ident.trim();
        let commits: Vec<&str> = texts.iter().map(|(c, _)| *c).collect();
        let first_tip = std::cell::Cell::new(Some(first_tip));
        let attempt = || -> Result<(), CommitError> {
            let tip = match first_tip.take() {
                Some(tip) => tip?,
                None => self.git.commit_id(&self.ref_name)?,
            };
            let placed = match &tip {
                Some(tip) => self.placed(tip, &commits)?,
                None => None,
            };
            let mut stream: Vec<u8> = Vec::new();
            let message = "Notes added by 'vouch hook post-rewrite'\n";
            stream.extend_from_slice(
                format!(
                    "commit {}\ncommitter {ident}\ndata {}\n{message}",
                    self.ref_name,
                    message.len()
                )
                .as_bytes(),
            );
            if let Some(tip) = &tip {
                stream.extend_from_slice(format!("from {tip}\n").as_bytes());
            }
            for (i, (commit, text)) in texts.iter().enumerate() {
                let change = match &placed {
                    Some(paths) => format!("M 100644 inline {}", paths[i]),
                    None => format!("N inline {commit}"),
                };
                stream.extend_from_slice(format!("{change}\ndata {}\n", text.len()).as_bytes());
                stream.extend_from_slice(text.as_bytes());
            }
            stream.extend_from_slice(b"\ndone\n");
            self.git
                .run_input(&["fast-import", "--quiet", "--done"], &stream)?;
            Ok(())
        };
        match attempt() {
            Ok(()) => Ok(()),
            Err(_) => attempt(),
        }
    }

    /// Where the notes of `commits` go in the notes tree of `tip` when
    /// written by path, keeping the tree's fan-out as git makes it (one
    /// level of two-digit folders per factor of 256 notes): where a
    /// commit's note is now, else at the depth of the deepest folder on
    /// the paths listed. One `git ls-tree` lists just the folders on those
    /// paths. `None` when fast-import must place them: a tree without
    /// folders there (a few notes), a folder that would reach
    /// [`FANOUT_AT`] entries (due another level), a note found at two
    /// depths, or names that are not full object names.
    fn placed(&self, tip: &str, commits: &[&str]) -> Result<Option<Vec<String>>, CommitError> {
        let hex = |c: &&str| {
            c.len() == tip.len() && c.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        };
        if commits.is_empty() || commits.len() > MAX_PLACED || !commits.iter().all(hex) {
            return Ok(None);
        }
        // The folders of `c`'s path down to `depth`, and the path of its
        // note at that depth.
        let folder = |c: &str, depth: usize| -> String {
            (0..depth)
                .map(|k| &c[2 * k..2 * k + 2])
                .collect::<Vec<_>>()
                .join("/")
        };
        let at = |c: &str, depth: usize| match depth {
            0 => c.to_owned(),
            _ => format!("{}/{}", folder(c, depth), &c[2 * depth..]),
        };
        let mut patterns = Vec::new();
        let mut asked = HashSet::new();
        for c in commits {
            patterns.push(at(c, 0));
            for depth in 1..=FANOUT_DEPTHS {
                let f = format!("{}/", folder(c, depth));
                if asked.insert(f.clone()) {
                    patterns.push(f);
                }
            }
        }
        let mut args = vec!["ls-tree", "-z", "--full-tree", tip, "--"];
        args.extend(patterns.iter().map(String::as_str));
        let listing = self.git.run(&args)?;
        // `<mode> <type> <object>\t<path>\0` per entry.
        let mut blobs = HashSet::new();
        let mut others = HashSet::new();
        let mut sizes: HashMap<String, usize> = HashMap::new();
        for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
            let Some((meta, path)) = std::str::from_utf8(entry)
                .ok()
                .and_then(|e| e.split_once('\t'))
            else {
                return Ok(None);
            };
            let parent = path.rsplit_once('/').map_or("", |(p, _)| p);
            *sizes.entry(parent.to_owned()).or_default() += 1;
            if meta.split(' ').nth(1) == Some("blob") {
                blobs.insert(path.to_owned());
            } else {
                others.insert(path.to_owned());
            }
        }
        // The tree's fan-out: its deepest folder on the paths listed.
        let fanout = commits
            .iter()
            .flat_map(|c| (1..=FANOUT_DEPTHS).map(move |d| (c, d)))
            .filter(|(c, d)| sizes.contains_key(&folder(c, *d)))
            .map(|(_, d)| d)
            .max()
            .unwrap_or(0);
        let mut added: HashMap<String, usize> = HashMap::new();
        let mut out = Vec::with_capacity(commits.len());
        for c in commits {
            let paths: Vec<String> = (0..=FANOUT_DEPTHS).map(|d| at(c, d)).collect();
            if paths.iter().any(|p| others.contains(p)) {
                return Ok(None);
            }
            let mut found = paths.iter().filter(|p| blobs.contains(*p));
            match (found.next(), found.next()) {
                (Some(path), None) => {
                    out.push(path.clone());
                    continue;
                }
                (None, _) => {}
                (Some(_), Some(_)) => return Ok(None),
            }
            if fanout == 0 {
                return Ok(None);
            }
            let f = folder(c, fanout);
            let more = added.entry(f.clone()).or_default();
            *more += 1;
            if sizes.get(&f).copied().unwrap_or(0) + *more >= FANOUT_AT {
                return Ok(None);
            }
            out.push(at(c, fanout));
        }
        Ok(Some(out))
    }

    /// Merges a remote-tracking notes ref into the local one (`cat_sort_uniq`:
    /// both clones' records for a commit are kept, one per line). Returns
    /// whether the local ref changed.
    pub(crate) fn merge_from(&self, tracking: &str) -> Result<bool, CommitError> {
        let Some(theirs) = self.git.commit_id(tracking)? else {
            return Ok(false);
        };
        let ours = self.git.commit_id(&self.ref_name)?;
        match ours {
            None => {
                self.git.run(&["update-ref", &self.ref_name, &theirs, ""])?;
                Ok(true)
            }
            Some(ours) if ours == theirs => Ok(false),
            Some(ours) => {
                let up_to_date = self
                    .git
                    .output(&["merge-base", "--is-ancestor", &theirs, &ours])?
                    .status
                    .success();
                if up_to_date {
                    return Ok(false);
                }
                self.git.run(&[
                    "notes",
                    "--ref",
                    &self.ref_name,
                    "merge",
                    "-q",
                    "-s",
                    "cat_sort_uniq",
                    tracking,
                ])?;
                Ok(true)
            }
        }
    }
}

/// A note of `commit` over the limit: skipped, said once.
fn warn_size(commit: &str, size: usize) {
    eprintln!(
        "vouch: warning: the note of commit {commit} is {size} bytes, over the {MAX_NOTE_BYTES}-byte limit; ignored"
    );
}

/// Appends the Agent Trace records of `.agent-trace/traces.jsonl` (as
/// committed at `HEAD`; a symlink there is read as its target's name, so
/// it is never followed) whose `vcs.revision` is one of `commits` (any
/// commit with `None`). Files over [`MAX_TRACE_FILE_BYTES`] are skipped.
fn add_trace_file(
    git: &Git,
    commits: Option<&[String]>,
    out: &mut HashMap<String, String>,
) -> Result<(), CommitError> {
    if let Some(blob) = trace_file(git)? {
        trace_records(&blob, commits, out);
    }
    Ok(())
}

/// The committed `.agent-trace/traces.jsonl` at `HEAD`, unless over
/// [`MAX_TRACE_FILE_BYTES`].
fn trace_file(git: &Git) -> Result<Option<Vec<u8>>, CommitError> {
    let blob = git
        .read_objects(&[format!("HEAD:{TRACE_FILE}")])?
        .pop()
        .flatten();
    Ok(blob.filter(|b| b.len() <= MAX_TRACE_FILE_BYTES))
}

/// See [`Notes::listing`].
pub(crate) struct Listing {
    /// Commit → note blobs on this ref (and its fetched copies).
    ours: HashMap<String, Vec<String>>,
    /// Commit → git-ai's note blobs.
    theirs: HashMap<String, Vec<String>>,
    /// The committed trace file, read whole (bounded).
    trace_file: Option<Vec<u8>>,
}

/// Appends to `out` the Agent Trace records of a `.agent-trace/traces.jsonl`
/// blob whose `vcs.revision` is one of `commits` (any commit with `None`).
fn trace_records(blob: &[u8], commits: Option<&[String]>, out: &mut HashMap<String, String>) {
    let wanted: Option<HashSet<&str>> = commits.map(|c| c.iter().map(String::as_str).collect());
    #[derive(serde::Deserialize)]
    struct Vcs {
        #[serde(rename = "type", default)]
        kind: String,
        #[serde(default)]
        revision: String,
    }
    #[derive(serde::Deserialize)]
    struct Head {
        vcs: Option<Vcs>,
    }
    for line in String::from_utf8_lossy(blob).lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Ok(Head { vcs: Some(vcs) }) = serde_json::from_str::<Head>(line) else {
            continue;
        };
        let revision_ok =
            vcs.revision.len() >= 40 && vcs.revision.bytes().all(|b| b.is_ascii_hexdigit());
        if vcs.kind == "git"
            && revision_ok
            && wanted
                .as_ref()
                .is_none_or(|w| w.contains(vcs.revision.as_str()))
        {
            let text = out.entry(vcs.revision).or_default();
            text.push_str(line);
            text.push('\n');
        }
    }
}

/// Appends `bytes` to `text`, invalid UTF-8 replaced as
/// [`String::from_utf8_lossy`] replaces it. Valid text, the usual case, is
/// checked by [`std::str::from_utf8`], several times faster than the
/// lossy conversion's own scan.
fn push_text(text: &mut String, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(valid) => text.push_str(valid),
        Err(_) => text.push_str(&String::from_utf8_lossy(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repository with `n` commits on `main` (made by one fast-import);
    /// returns them oldest first.
    fn repo_with_commits(n: usize) -> (tempfile::TempDir, Git, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let git = Git::new(dir.path());
        git.run(&["init", "-q", "-b", "main"]).unwrap();
        let mut stream = String::new();
        for i in 0..n {
            stream.push_str(&format!(
                "commit refs/heads/main\ncommitter T <t@x> {} +0000\ndata 2\n{}\n",
                1_700_000_000 + i,
                i % 10
            ));
        }
        git.run_input(&["fast-import", "--quiet"], stream.as_bytes())
            .unwrap();
        let listed = git.text(&["rev-list", "--reverse", "main"]).unwrap();
        let commits: Vec<String> = listed.lines().map(str::to_owned).collect();
        assert_eq!(commits.len(), n);
        (dir, git, commits)
    }

    fn record(text: &str) -> Value {
        serde_json::json!({ "text": text })
    }

    /// Every note of the ref as (path in the tree, text).
    fn tree_notes(git: &Git, notes: &Notes<'_>) -> Vec<(String, String)> {
        let listing = git
            .text(&["ls-tree", "-r", "--name-only", &notes.ref_name])
            .unwrap();
        listing
            .lines()
            .map(|path| {
                let text = git
                    .text(&["cat-file", "-p", &format!("{}:{path}", notes.ref_name)])
                    .unwrap();
                (path.to_owned(), text)
            })
            .collect()
    }

    /// Writes notes by path into a fanned-out tree: replaced notes stay
    /// where they were, new ones go in their folder, nothing is doubled,
    /// and git reads every one back.
    #[test]
    fn notes_are_written_by_path_within_the_fanout() {
        let (_dir, git, commits) = repo_with_commits(320);
        let notes = Notes::new(&git).unwrap();
        let first: Vec<(String, Value)> = commits[..300]
            .iter()
            .map(|c| (c.clone(), record(&format!("first {c}"))))
            .collect();
        // No notes yet: fast-import places them (300 notes: one level).
        notes.write_many(&first).unwrap();
        let before = tree_notes(&git, &notes);
        assert_eq!(before.len(), 300);
        assert!(before.iter().all(|(p, _)| p.matches('/').count() == 1));
        // Ten replaced, twenty new.
        let second: Vec<(String, Value)> = commits[290..]
            .iter()
            .map(|c| (c.clone(), record(&format!("second {c}"))))
            .collect();
        let tip = git.commit_id(&notes.ref_name).unwrap().unwrap();
        let names: Vec<&str> = second.iter().map(|(c, _)| c.as_str()).collect();
        let placed = notes
            .placed(&tip, &names)
            .unwrap()
            .expect("written by path");
        for (c, path) in names.iter().zip(&placed) {
            assert_eq!(path, &format!("{}/{}", &c[..2], &c[2..]));
        }
        notes.write_many(&second).unwrap();
        let after = tree_notes(&git, &notes);
        assert_eq!(after.len(), 320);
        assert!(after.iter().all(|(p, _)| p.matches('/').count() == 1));
        for (i, c) in commits.iter().enumerate() {
            let text = git
                .text(&["notes", "--ref", &notes.ref_name, "show", c])
                .unwrap();
            let want = if i < 290 { "first" } else { "second" };
            assert_eq!(text, format!("{{\"text\":\"{want} {c}\"}}\n"));
        }
    }

    /// Where writing by path would not keep git's fan-out, fast-import
    /// places the notes: a tree without folders, a folder due another
    /// level. A note kept two levels down is replaced where it is.
    #[test]
    fn fast_import_places_notes_where_the_fanout_would_change() {
        let (_dir, git, commits) = repo_with_commits(3);
        let notes = Notes::new(&git).unwrap();
        notes
            .write_many(&[(commits[0].clone(), record("a"))])
            .unwrap();
        let tip = git.commit_id(&notes.ref_name).unwrap().unwrap();
        let one = [commits[1].as_str()];
        assert_eq!(notes.placed(&tip, &one).unwrap(), None, "no folders");

        // A folder of 255 notes (of made-up objects), and a note of
        // commits[2] two levels down.
        let c = &commits[1];
        let deep = &commits[2];
        let mut stream = format!(
            "commit {}\ncommitter T <t@x> 1700000000 +0000\ndata 1\nx\n",
            notes.ref_name
        );
        for k in 0..255 {
            stream.push_str(&format!(
                "M 100644 inline {}/{:038x}\ndata 1\nx\n",
                &c[..2],
                k
            ));
        }
        stream.push_str(&format!(
            "M 100644 inline {}/{}/{}\ndata 4\nold\n",
            &deep[..2],
            &deep[2..4],
            &deep[4..]
        ));
        git.run_input(&["fast-import", "--quiet", "--force"], stream.as_bytes())
            .unwrap();
        let tip = git.commit_id(&notes.ref_name).unwrap().unwrap();
        assert_eq!(notes.placed(&tip, &one).unwrap(), None, "a full folder");
        let placed = notes.placed(&tip, &[deep.as_str()]).unwrap();
        let at = format!("{}/{}/{}", &deep[..2], &deep[2..4], &deep[4..]);
        assert_eq!(placed, Some(vec![at.clone()]));
        // Each written alone: fast-import would place both at its own
        // fan-out, keeping the deeper note beside the new one.
        notes.write_many(&[(deep.clone(), record("new"))]).unwrap();
        notes.write_many(&[(c.clone(), record("c"))]).unwrap();
        for (commit, want) in [(deep, "{\"text\":\"new\"}\n"), (c, "{\"text\":\"c\"}\n")] {
            let text = git
                .text(&["notes", "--ref", &notes.ref_name, "show", commit])
                .unwrap();
            assert_eq!(text, want);
        }
        let listing = git
            .text(&["notes", "--ref", &notes.ref_name, "list"])
            .unwrap();
        assert_eq!(listing.lines().count(), 257, "{listing}");
    }
}
