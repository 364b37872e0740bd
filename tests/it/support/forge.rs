//! A simulated forge for the sign-off and CI tests: a bare remote, real
//! `ssh-keygen` keys and an allowed-signers file, and separate clones for the
//! author, reviewers and CI.

use crate::support::git::{
    Key, bare_remote, clone_of, init, keygen, mark, note, ok, review, try_git,
};
use crate::support::{TempRepo, VouchOutput};

/// Signed approvals by allowed signers, and never by the author.
pub const POLICY: &str = "[review]\nsigned = true\nallowed_signers = \".vouch/allowed_signers\"\n\n[[review.rule]]\npaths = [\"**\"]\ndistinct_from_author = true\n";

/// src/lib.rs on main: human.
pub const HUMAN: &str = "pub fn one() -> u32 {\n    1\n}\n";

/// src/lib.rs on the feature branch: lines 4-8 AI-written (`total`).
pub const FEATURE: &str = "pub fn one() -> u32 {\n    1\n}\npub fn total(xs: &[u32]) -> u32 {\n    let mut t = 0;\n    for x in xs { t += x; }\n    t\n}\n";

/// Signs `repo`'s approvals with `key`.
pub fn use_key(repo: &TempRepo, key: &Key) {
    repo.git(&["config", "gpg.format", "ssh"]);
    repo.git(&["config", "user.signingKey", &key.path.to_string_lossy()]);
}

/// A bare remote; main holds the policy, the allowed signers (Alice, the
/// author; Grace and Henry, reviewers) and a human src/lib.rs; branch
/// `feature` (pushed by Alice) makes lines 4-8 of src/lib.rs AI-written
/// (claude), self-reviewed by Alice.
pub struct Forge {
    pub remote: tempfile::TempDir,
    pub keys: tempfile::TempDir,
    pub alice: Key,
    pub grace: Key,
    pub henry: Key,
    /// Alice's clone, on branch `feature`.
    pub author: TempRepo,
}

impl Forge {
    pub fn new(policy: &str) -> Forge {
        let remote = bare_remote();
        let keys = tempfile::tempdir().expect("temp dir");
        let alice = keygen(keys.path(), "alice");
        let grace = keygen(keys.path(), "grace");
        let henry = keygen(keys.path(), "henry");
        let author = clone_of(remote.path(), "Alice");
        init(&author);
        author.write("vouch.toml", policy);
        author.write(
            ".vouch/allowed_signers",
            &format!(
                "alice@example.com {}\ngrace@example.com {}\nhenry@example.com {}\n",
                alice.public, grace.public, henry.public
            ),
        );
        author.write("src/lib.rs", HUMAN);
        author.git(&["add", "-A"]);
        ok(&try_git(&author, &["commit", "-q", "-m", "policy"]));
        ok(&try_git(&author, &["push", "-q", "origin", "main"]));
        author.git(&["checkout", "-q", "-b", "feature"]);
        author.write("src/lib.rs", FEATURE);
        mark(&author, "src/lib.rs:4-8", "claude", "claude-opus-4");
        review(&author, "src/lib.rs", "Alice <alice@example.com>");
        author.git(&["add", "-A"]);
        ok(&try_git(&author, &["commit", "-q", "-m", "add total"]));
        assert!(note(&author, "HEAD").is_some(), "the hooks wrote a note");
        ok(&try_git(&author, &["push", "-q", "origin", "feature"]));
        Forge {
            remote,
            keys,
            alice,
            grace,
            henry,
            author,
        }
    }

    /// A clone set up like a developer's (`vouch init`, branches and notes fetched).
    pub fn clone(&self, name: &str) -> TempRepo {
        let repo = clone_of(self.remote.path(), name);
        init(&repo);
        ok(&try_git(&repo, &["fetch", "-q", "origin"]));
        repo
    }

    /// A reviewer's clone signing with `key`.
    pub fn reviewer(&self, name: &str, key: &Key) -> TempRepo {
        let repo = self.clone(name);
        use_key(&repo, key);
        repo
    }

    /// Another key pair (not an allowed signer).
    pub fn key(&self, name: &str) -> Key {
        keygen(self.keys.path(), name)
    }

    /// A fresh clone's `vouch verify origin/main..origin/feature`.
    pub fn ci_verify(&self, extra: &[&str]) -> VouchOutput {
        let ci = self.clone("CI");
        let mut args = vec!["verify", "origin/main..origin/feature"];
        args.extend_from_slice(extra);
        ci.vouch(&args)
    }
}
