//! SSH signatures for approvals: signing through `ssh-keygen -Y sign` as git
//! does with `gpg.format = ssh` (so ssh-agent, hardware keys and passphrases
//! work), verifying in process (PROTOCOL.sshsig, RustCrypto's `ssh-key`),
//! and git's allowed-signers file (`PRINCIPALS [OPTIONS] KEYTYPE KEY [COMMENT]`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ssh_key::public::KeyData;
use ssh_key::{HashAlg, PrivateKey, PublicKey, SshSig};

use crate::git::Git;

/// The SSHSIG namespace of approvals: a commit signature (namespace `git`)
/// can never be replayed as an approval, nor an approval as a commit signature.
pub(crate) const NAMESPACE: &str = "vouch-approval";

/// Why signing failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SignError {
    #[error("{0}")]
    Setup(String),
    #[error("ssh-keygen -Y sign failed: {0}")]
    Sign(String),
}

/// One usable line of an allowed-signers file.
#[derive(Clone, Debug)]
pub(crate) struct AllowedSigner {
    /// The principals, e.g. `grace@example.com` (literal; patterns are not expanded).
    pub(crate) principals: Vec<String>,
    pub(crate) key: KeyData,
}

/// A parsed allowed-signers file: the lines that allow the `vouch-approval`
/// namespace, and a warning per line that was skipped.
#[derive(Clone, Debug, Default)]
pub(crate) struct AllowedSigners {
    pub(crate) signers: Vec<AllowedSigner>,
    pub(crate) skipped: Vec<String>,
}

impl AllowedSigners {
    /// Parses git's `allowed_signers` format. Lines with `cert-authority`,
    /// `valid-after` or `valid-before` are skipped (fail closed), as are lines
    /// whose `namespaces="…"` does not include [`NAMESPACE`].
    pub(crate) fn parse(text: &str) -> AllowedSigners {
        let mut out = AllowedSigners::default();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match parse_line(line) {
                Ok(Some((principals, key))) => out.signers.push(AllowedSigner { principals, key }),
                Ok(None) => {}
                Err(why) => out.skipped.push(format!("line {}: {why}", i + 1)),
            }
        }
        out
    }

    /// The principals `key` may sign approvals as.
    pub(crate) fn principals_for(&self, key: &KeyData) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for s in self.signers.iter().filter(|s| &s.key == key) {
            for p in &s.principals {
                if !out.contains(&p.as_str()) {
                    out.push(p);
                }
            }
        }
        out
    }
}

/// Splits on white space outside double quotes.
fn tokens(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => {
                quoted = !quoted;
                start.get_or_insert(i);
            }
            c if c.is_whitespace() && !quoted => {
                if let Some(s) = start.take() {
                    out.push(&line[s..i]);
                }
            }
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(s) = start {
        out.push(&line[s..]);
    }
    out
}

fn is_key_type(t: &str) -> bool {
    t.starts_with("ssh-") || t.starts_with("ecdsa-sha2-") || t.starts_with("sk-")
}

/// `Ok(None)`: a valid line that does not allow approvals.
type ParsedLine = Option<(Vec<String>, KeyData)>;

fn parse_line(line: &str) -> Result<ParsedLine, String> {
    let toks = tokens(line);
    let Some(principals) = toks.first() else {
        return Err("empty".into());
    };
    let (options, rest) = match toks.get(1) {
        Some(t) if is_key_type(t) => (None, &toks[1..]),
        Some(t) => (Some(*t), &toks[2.min(toks.len())..]),
        None => return Err("no key".into()),
    };
    let (Some(kind), Some(b64)) = (rest.first(), rest.get(1)) else {
        return Err("no key".into());
    };
    if let Some(opts) = options {
        for opt in split_options(opts) {
            let (name, value) = opt.split_once('=').unwrap_or((opt, ""));
            match name.to_ascii_lowercase().as_str() {
                "namespaces" => {
                    let value = value.trim_matches('"');
                    if !value.split(',').any(|n| n.trim() == NAMESPACE) {
                        return Ok(None);
                    }
                }
                "cert-authority" => return Err("cert-authority is not supported".into()),
                "valid-after" | "valid-before" => {
                    return Err(format!("{name} is not supported; the line is ignored"));
                }
                other => return Err(format!("unknown option `{other}`")),
            }
        }
    }
    let key =
        PublicKey::from_openssh(&format!("{kind} {b64}")).map_err(|e| format!("bad key: {e}"))?;
    let principals: Vec<String> = principals
        .trim_matches('"')
        .split(',')
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    if principals.is_empty() {
        return Err("no principal".into());
    }
    Ok(Some((principals, key.key_data().clone())))
}

/// Splits `a,b="x,y",c` on commas outside quotes.
fn split_options(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// `SHA256:…`, as `ssh-keygen -l` prints it.
pub(crate) fn fingerprint(key: &KeyData) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// Verifies an armored SSH signature of `message` in the approval namespace,
/// in process. Returns the signing key.
pub(crate) fn verify(message: &[u8], armored: &str) -> Result<KeyData, String> {
    let sig = SshSig::from_pem(armored).map_err(|e| format!("unreadable signature: {e}"))?;
    let key = PublicKey::from(sig.public_key().clone());
    key.verify(NAMESPACE, message, &sig)
        .map_err(|e| format!("signature does not verify: {e}"))?;
    Ok(sig.public_key().clone())
}

/// How to sign: git's `user.signingKey` with `gpg.format = ssh`.
#[derive(Debug)]
pub(crate) struct Signer {
    program: String,
    /// The `-f` argument: a key file, or a literal public key written to a
    /// temporary file (private half in ssh-agent).
    key_file: KeyFile,
    pub(crate) public: KeyData,
}

#[derive(Debug)]
enum KeyFile {
    Path(PathBuf),
    Literal(String),
}

impl Signer {
    /// Reads git's signing configuration (`gpg.format`, `user.signingKey`,
    /// `gpg.ssh.program`) for the repository of `git`.
    pub(crate) fn from_git(git: &Git) -> Result<Signer, SignError> {
        let setup = |m: &str| SignError::Setup(m.to_owned());
        let format = git
            .config("gpg.format")
            .map_err(|e| setup(&e.to_string()))?;
        if format.as_deref().map(str::trim) != Some("ssh") {
            return Err(setup(
                "approvals are signed with an SSH key through git's signing configuration: run `git config gpg.format ssh` and `git config user.signingKey ~/.ssh/id_ed25519.pub`",
            ));
        }
        let Some(value) = git
            .config("user.signingKey")
            .map_err(|e| setup(&e.to_string()))?
            .filter(|v| !v.trim().is_empty())
        else {
            return Err(setup(
                "no signing key: set `git config user.signingKey ~/.ssh/id_ed25519.pub` (a key file, or `key::ssh-ed25519 AAAA…` with the private key in ssh-agent)",
            ));
        };
        let program = git
            .config("gpg.ssh.program")
            .map_err(|e| setup(&e.to_string()))?
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| "ssh-keygen".to_owned());
        let value = value.trim();
        let literal = value
            .strip_prefix("key::")
            .or_else(|| is_key_type(value).then_some(value));
        if let Some(lit) = literal {
            let key = PublicKey::from_openssh(lit)
                .map_err(|e| setup(&format!("user.signingKey is not a public key: {e}")))?;
            return Ok(Signer {
                program,
                key_file: KeyFile::Literal(lit.to_owned()),
                public: key.key_data().clone(),
            });
        }
        let path = expand_home(value);
        let public = public_key_of(&path).map_err(|e| setup(&e))?;
        Ok(Signer {
            program,
            key_file: KeyFile::Path(path),
            public,
        })
    }

    /// Signs `message` with `ssh-keygen -Y sign -n vouch-approval` (data on
    /// stdin, armored signature on stdout). `scratch` is a folder inside the
    /// git directory for a literal key's temporary file.
    pub(crate) fn sign(&self, message: &[u8], scratch: &Path) -> Result<String, SignError> {
        let fail = |m: String| SignError::Sign(m);
        let mut cmd = Command::new(&self.program);
        cmd.args(["-Y", "sign", "-n", NAMESPACE]);
        let mut _temp = None; // a literal key's file, removed when signing is done
        match &self.key_file {
            KeyFile::Path(p) => {
                cmd.arg("-f").arg(p);
            }
            KeyFile::Literal(lit) => {
                std::fs::create_dir_all(scratch).map_err(|e| fail(e.to_string()))?;
                let path = scratch.join(format!(".signing-key-{}.pub", std::process::id()));
                let file = TempFile(path);
                let mut f = std::fs::File::create(&file.0).map_err(|e| fail(e.to_string()))?;
                writeln!(f, "{lit}").map_err(|e| fail(e.to_string()))?;
                cmd.arg("-U").arg("-f").arg(&file.0);
                _temp = Some(file);
            }
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| fail(format!("cannot run {}: {e}", self.program)))?;
        let mut stdin = child.stdin.take().ok_or_else(|| fail("no stdin".into()))?;
        let input = message.to_vec();
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let out = child.wait_with_output().map_err(|e| fail(e.to_string()))?;
        let _ = writer.join();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() || !text.contains("BEGIN SSH SIGNATURE") {
            let err = String::from_utf8_lossy(&out.stderr);
            let err: Vec<&str> = err
                .lines()
                .filter(|l| !l.starts_with("Signing data on standard input"))
                .collect();
            return Err(fail(err.join(" ").trim().to_owned()));
        }
        Ok(text.trim().to_owned())
    }
}

/// A file removed when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn expand_home(value: &str) -> PathBuf {
    match value.strip_prefix("~/") {
        Some(rest) => match std::env::var_os("HOME") {
            Some(home) => PathBuf::from(home).join(rest),
            None => PathBuf::from(value),
        },
        None => PathBuf::from(value),
    }
}

/// The public key of a key file: a public key, a private key (its public
/// half is readable without the passphrase), or the `.pub` next to it.
fn public_key_of(path: &Path) -> Result<KeyData, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read user.signingKey {}: {e}", path.display()))?;
    if let Ok(k) = PublicKey::from_openssh(text.trim()) {
        return Ok(k.key_data().clone());
    }
    if let Ok(k) = PrivateKey::from_openssh(text.trim()) {
        return Ok(k.public_key().key_data().clone());
    }
    let mut pub_path = path.as_os_str().to_owned();
    pub_path.push(".pub");
    let text = std::fs::read_to_string(&pub_path).map_err(|_| {
        format!(
            "user.signingKey {} is neither an OpenSSH public nor private key",
            path.display()
        )
    })?;
    PublicKey::from_openssh(text.trim())
        .map(|k| k.key_data().clone())
        .map_err(|e| format!("{}: {e}", Path::new(&pub_path).display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFZdn2NxvdCGoSxOa+4GjUjxGsnUMbHn03cTfcvV17yT";

    #[test]
    fn allowed_signers_lines() {
        let text = format!(
            "# team\n\ngrace@example.com {KEY} grace\n\"a@x,b@x\" namespaces=\"git,vouch-approval\" {KEY}\nc@x namespaces=\"git\" {KEY}\nd@x cert-authority {KEY}\ne@x valid-before=20300101 {KEY}\nf@x ssh-ed25519 notbase64\n"
        );
        let s = AllowedSigners::parse(&text);
        assert_eq!(s.signers.len(), 2, "{s:?}");
        assert_eq!(s.signers[0].principals, vec!["grace@example.com"]);
        assert_eq!(s.signers[1].principals, vec!["a@x", "b@x"]);
        assert_eq!(s.skipped.len(), 3, "{:?}", s.skipped);
        let key = PublicKey::from_openssh(KEY).unwrap();
        assert_eq!(
            s.principals_for(key.key_data()),
            vec!["grace@example.com", "a@x", "b@x"]
        );
    }

    #[test]
    fn tokens_respect_quotes() {
        assert_eq!(tokens("a  \"b c\" d"), vec!["a", "\"b c\"", "d"]);
        assert_eq!(split_options("x=\"1,2\",y"), vec!["x=\"1,2\"", "y"]);
    }

    #[test]
    fn garbage_signatures_are_refused() {
        assert!(verify(b"m", "not a signature").is_err());
    }
}
