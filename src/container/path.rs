//! Entry names: normalisation and the path refusals shared by tar and directory input.
//!
//! A name is checked in raw bytes first (UTF-8, absolute, `..`, forbidden characters)
//! and only then normalised, so no refusal can be dodged by a spelling variant.

use super::Code;

/// Why a name was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathRefusal {
    /// The code to report.
    pub code: Code,
    /// What was wrong, for the message.
    pub why: String,
}

/// A checked entry name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Checked {
    /// The archive root itself (`.`, `./`): only acceptable for directory entries.
    Root,
    /// `payload` itself (a directory entry for it is fine).
    PayloadDir,
    /// A path strictly under `payload/`, normalised (`payload/a/b`).
    Payload(String),
}

/// Lossy, printable rendering of a raw name for messages (non-UTF-8 bytes as `\xNN`).
pub fn display_bytes(name: &[u8]) -> String {
    let mut s = String::new();
    for chunk in name.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() {
                s.push_str(&format!("\\u{{{:x}}}", c as u32));
            } else {
                s.push(c);
            }
        }
        for b in chunk.invalid() {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    s
}

/// Checks and normalises a raw entry name (`/`-separated, as stored in the archive).
///
/// Rules, in order: the name must be UTF-8 (`container.path.not_utf8`); must not
/// be empty, contain a control character (U+0000–U+001F, U+007F) or a backslash
/// (`container.path.invalid`); must not start with `/` (`container.path.absolute`);
/// must not have a `..` component (`container.path.dotdot`). Normalisation then drops
/// empty and `.` components (so `./payload//a` is `payload/a`), and the result must be
/// the root, `payload`, or under `payload/` (`container.path.outside_payload`).
pub fn check(name: &[u8]) -> Result<Checked, PathRefusal> {
    let s = std::str::from_utf8(name).map_err(|_| PathRefusal {
        code: Code::PathNotUtf8,
        why: "name is not valid UTF-8".into(),
    })?;
    if s.is_empty() {
        return Err(PathRefusal {
            code: Code::PathInvalid,
            why: "empty name".into(),
        });
    }
    if let Some(c) = s.chars().find(|c| c.is_ascii_control() || *c == '\\') {
        return Err(PathRefusal {
            code: Code::PathInvalid,
            why: format!("name contains the forbidden character U+{:04X}", c as u32),
        });
    }
    if s.starts_with('/') {
        return Err(PathRefusal {
            code: Code::PathAbsolute,
            why: "absolute name".into(),
        });
    }
    let parts: Vec<&str> = s
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.contains(&"..") {
        return Err(PathRefusal {
            code: Code::PathDotDot,
            why: "name has a `..` component".into(),
        });
    }
    match parts.as_slice() {
        [] => Ok(Checked::Root),
        ["payload"] => Ok(Checked::PayloadDir),
        ["payload", ..] => Ok(Checked::Payload(parts.join("/"))),
        _ => Err(PathRefusal {
            code: Code::PathOutsidePayload,
            why: format!("`{}` is outside payload/", parts.join("/")),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_refuses() {
        assert_eq!(
            check(b"./payload//a/./b.json").unwrap(),
            Checked::Payload("payload/a/b.json".into())
        );
        assert_eq!(check(b"./").unwrap(), Checked::Root);
        assert_eq!(check(b"payload/").unwrap(), Checked::PayloadDir);
        assert_eq!(check(b"/payload/a").unwrap_err().code, Code::PathAbsolute);
        assert_eq!(check(b"payload/../x").unwrap_err().code, Code::PathDotDot);
        assert_eq!(check(b"payload/a/..").unwrap_err().code, Code::PathDotDot);
        assert_eq!(check(b"x.txt").unwrap_err().code, Code::PathOutsidePayload);
        assert_eq!(
            check(b"payloadx/a").unwrap_err().code,
            Code::PathOutsidePayload
        );
        assert_eq!(check(b"payload/\xff").unwrap_err().code, Code::PathNotUtf8);
        assert_eq!(check(b"payload/a\\b").unwrap_err().code, Code::PathInvalid);
        assert_eq!(check(b"payload/a\nb").unwrap_err().code, Code::PathInvalid);
        assert_eq!(check(b"").unwrap_err().code, Code::PathInvalid);
        assert_eq!(display_bytes(b"a\xffb\n"), "a\\xffb\\u{a}");
    }
}

/// Normalised paths seen so far, to refuse duplicates and file/directory conflicts.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    files: std::collections::BTreeSet<String>,
    dirs: std::collections::BTreeSet<String>,
}

fn ancestors(p: &str) -> impl Iterator<Item = &str> {
    p.match_indices('/').map(move |(i, _)| &p[..i])
}

impl Seen {
    /// Records a regular file; `Err` says why it clashes with an earlier entry.
    pub fn add_file(&mut self, p: &str) -> Result<(), String> {
        if self.files.contains(p) {
            return Err(format!("a second entry for `{p}`"));
        }
        if self.dirs.contains(p) {
            return Err(format!("`{p}` is both a directory and a file"));
        }
        self.check_ancestors(p)?;
        self.add_ancestors(p);
        self.files.insert(p.to_string());
        Ok(())
    }

    /// Records a directory; repeating a directory entry is harmless.
    pub fn add_dir(&mut self, p: &str) -> Result<(), String> {
        if self.files.contains(p) {
            return Err(format!("`{p}` is both a file and a directory"));
        }
        self.check_ancestors(p)?;
        self.add_ancestors(p);
        self.dirs.insert(p.to_string());
        Ok(())
    }

    fn check_ancestors(&self, p: &str) -> Result<(), String> {
        match ancestors(p).find(|a| self.files.contains(*a)) {
            Some(a) => Err(format!("`{a}` is both a file and a directory")),
            None => Ok(()),
        }
    }

    fn add_ancestors(&mut self, p: &str) {
        for a in ancestors(p) {
            if !self.dirs.contains(a) {
                self.dirs.insert(a.to_string());
            }
        }
    }
}

#[cfg(test)]
mod seen_tests {
    use super::*;

    #[test]
    fn duplicates_and_conflicts() {
        let mut s = Seen::default();
        s.add_dir("payload").unwrap();
        s.add_file("payload/a").unwrap();
        s.add_dir("payload").unwrap();
        assert!(s.add_file("payload/a").is_err());
        assert!(s.add_dir("payload/a").is_err());
        assert!(s.add_file("payload/a/b").is_err());
        s.add_file("payload/d/e").unwrap();
        assert!(s.add_file("payload/d").is_err());
    }
}
