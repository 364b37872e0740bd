//! Path globs for `vouch.toml`, in the spirit of `.gitignore`:
//! `*` and `?` stay inside one path segment, `**` crosses segments,
//! `[abc]`, `[a-z]` and `[!x]` match one character; a pattern without `/`
//! matches a file name at any depth; a trailing `/` matches everything below
//! a folder.

/// Checks that `pattern` is a well-formed glob.
pub fn validate(pattern: &str) -> Result<(), String> {
    if pattern.trim().is_empty() {
        return Err("empty pattern".into());
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '[' {
            match class_end(&chars, i) {
                Some(end) => i = end,
                None => return Err("`[` without a closing `]`".into()),
            }
        }
        i += 1;
    }
    Ok(())
}

/// Whether workspace-relative `path` matches `pattern`.
pub fn matches(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim().trim_start_matches("./");
    let pattern = pattern.strip_prefix('/').unwrap_or(pattern);
    if let Some(dir) = pattern.strip_suffix('/') {
        return matches(&format!("{dir}/**"), path);
    }
    let p: Vec<char> = pattern.chars().collect();
    if !pattern.contains('/') {
        let name = path.rsplit('/').next().unwrap_or(path);
        let n: Vec<char> = name.chars().collect();
        return glob(&p, &n);
    }
    let s: Vec<char> = path.chars().collect();
    glob(&p, &s)
}

fn class_end(p: &[char], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if p.get(i) == Some(&'!') || p.get(i) == Some(&'^') {
        i += 1;
    }
    if p.get(i) == Some(&']') {
        i += 1;
    }
    while i < p.len() {
        if p[i] == ']' {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn class_matches(class: &[char], c: char) -> bool {
    let (negate, class) = match class.first() {
        Some('!' | '^') => (true, &class[1..]),
        _ => (false, class),
    };
    let mut i = 0;
    let mut hit = false;
    while i < class.len() {
        if i + 2 < class.len() && class[i + 1] == '-' {
            if class[i] <= c && c <= class[i + 2] {
                hit = true;
            }
            i += 3;
        } else {
            if class[i] == c {
                hit = true;
            }
            i += 1;
        }
    }
    hit != negate
}

fn glob(p: &[char], s: &[char]) -> bool {
    if p.is_empty() {
        return s.is_empty();
    }
    match p[0] {
        '*' if p.get(1) == Some(&'*') => {
            // `**/` also matches no folder at all.
            let rest = if p.get(2) == Some(&'/') {
                &p[3..]
            } else {
                &p[2..]
            };
            (0..=s.len()).any(|i| glob(rest, &s[i..]))
                || (p.get(2) == Some(&'/') && (0..=s.len()).any(|i| glob(&p[2..], &s[i..])))
        }
        '*' => {
            let mut i = 0;
            loop {
                if glob(&p[1..], &s[i..]) {
                    return true;
                }
                if i >= s.len() || s[i] == '/' {
                    return false;
                }
                i += 1;
            }
        }
        '?' => !s.is_empty() && s[0] != '/' && glob(&p[1..], &s[1..]),
        '[' => match class_end(p, 0) {
            Some(end) => {
                !s.is_empty()
                    && s[0] != '/'
                    && class_matches(&p[1..end], s[0])
                    && glob(&p[end + 1..], &s[1..])
            }
            None => !s.is_empty() && s[0] == '[' && glob(&p[1..], &s[1..]),
        },
        c => !s.is_empty() && s[0] == c && glob(&p[1..], &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(matches("*.md", "docs/a/readme.md"));
        assert!(matches("*.md", "readme.md"));
        assert!(!matches("*.md", "readme.rs"));
        assert!(matches("docs/**", "docs/a/b.rs"));
        assert!(!matches("docs/**", "src/docs/b.rs"));
        assert!(matches("src/*.rs", "src/a.rs"));
        assert!(!matches("src/*.rs", "src/x/a.rs"));
        assert!(matches("src/**/*.rs", "src/a.rs"));
        assert!(matches("src/**/*.rs", "src/x/y/a.rs"));
        assert!(matches("gen/", "gen/x/y.c"));
        assert!(matches("src/[ab].rs", "src/b.rs"));
        assert!(!matches("src/[!ab].rs", "src/b.rs"));
        assert!(matches("src/?.rs", "src/c.rs"));
        assert!(validate("a[").is_err());
        assert!(validate("a[x]").is_ok());
    }
}
