//! m-of-n signing policies ("councils").
//!
//! A [`Policy`] says: evidence for `role` is authentic when at least `m` of the `n`
//! named keys signed it. It can only be constructed valid — `1 <= m <= n`, no key
//! named twice, a non-empty role — so no check downstream has to wonder what
//! `m = 0` or a doubled key would mean (both would let fewer real signers through).

use crate::canon::Value;

/// Why a policy is not valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyError {
    /// `m` is not in `1..=n`.
    ThresholdOutOfRange {
        /// Required signatures as written.
        m: String,
        /// Number of named keys.
        n: usize,
    },
    /// A key id is listed more than once.
    DuplicateKey(String),
    /// The role is empty or not made of `a-z`, `0-9`, `_`, `.`, `-`.
    BadRole(String),
    /// A field is missing, of the wrong type, or unknown.
    Shape(String),
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolicyError::ThresholdOutOfRange { m, n } => {
                write!(f, "m = {m} is outside 1..={n} (n = number of keys)")
            }
            PolicyError::DuplicateKey(k) => write!(f, "key {k:?} is listed twice"),
            PolicyError::BadRole(r) => write!(
                f,
                "role {r:?} must be non-empty and use only a-z, 0-9, '_', '.', '-', ':'"
            ),
            PolicyError::Shape(s) => f.write_str(s),
        }
    }
}

/// True for a valid role name: non-empty, `a-z0-9_.-:` only (`:` scopes a role, as in
/// `pact_agent:buyer`).
pub fn valid_role(r: &str) -> bool {
    !r.is_empty()
        && r.bytes().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'.' | b'-' | b':')
        })
}

/// A valid m-of-n policy for one role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    role: String,
    m: usize,
    keys: Vec<String>,
}

impl Policy {
    /// Builds a policy; fails unless `1 <= m <= keys.len()`, no key id repeats and the
    /// role is a valid role name.
    pub fn new(role: impl Into<String>, m: u64, keys: Vec<String>) -> Result<Policy, PolicyError> {
        let role = role.into();
        if !valid_role(&role) {
            return Err(PolicyError::BadRole(role));
        }
        let n = keys.len();
        if m == 0 || m > n as u64 {
            return Err(PolicyError::ThresholdOutOfRange {
                m: m.to_string(),
                n,
            });
        }
        let mut sorted: Vec<&String> = keys.iter().collect();
        sorted.sort();
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(PolicyError::DuplicateKey(w[0].clone()));
        }
        Ok(Policy {
            role,
            m: m as usize,
            keys,
        })
    }

    /// Parses `{"role": STR, "m": INT, "keys": [STR, ...]}` (plus an optional
    /// `comment` string; any other member is refused).
    pub fn from_value(v: &Value) -> Result<Policy, PolicyError> {
        let o = v.as_object().ok_or_else(|| {
            PolicyError::Shape(format!("policy must be an object, not {}", v.type_name()))
        })?;
        if let Some(k) = o
            .keys()
            .find(|k| !matches!(*k, "role" | "m" | "keys" | "comment"))
        {
            return Err(PolicyError::Shape(format!("unknown member {k:?}")));
        }
        if o.get("comment").is_some_and(|c| c.as_str().is_none()) {
            return Err(PolicyError::Shape("comment must be a string".into()));
        }
        let role = o
            .get("role")
            .and_then(Value::as_str)
            .ok_or_else(|| PolicyError::Shape("role: missing or not a string".into()))?;
        let m_val = o
            .get("m")
            .and_then(Value::as_number)
            .filter(|n| n.is_int())
            .ok_or_else(|| PolicyError::Shape("m: missing or not an integer".into()))?;
        let keys = o
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| PolicyError::Shape("keys: missing or not an array".into()))?
            .iter()
            .map(|k| {
                k.as_str().map(str::to_string).ok_or_else(|| {
                    PolicyError::Shape("keys: every entry must be a key id string".into())
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let m = match m_val.as_u64() {
            Some(m) => m,
            // Negative or beyond u64: out of range by definition.
            None => {
                return Err(PolicyError::ThresholdOutOfRange {
                    m: crate::canon::number(m_val, crate::canon::Dialect::Python)
                        .unwrap_or_else(|_| "?".into()),
                    n: keys.len(),
                })
            }
        };
        Policy::new(role, m, keys)
    }

    /// The role the policy governs.
    pub fn role(&self) -> &str {
        &self.role
    }
    /// Required number of distinct valid signatures (`1..=n`).
    pub fn m(&self) -> usize {
        self.m
    }
    /// Number of named keys.
    pub fn n(&self) -> usize {
        self.keys.len()
    }
    /// The named key ids (distinct), in the order given.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }
    /// True if `id` is one of the named keys.
    pub fn names(&self, id: &str) -> bool {
        self.keys.iter().any(|k| k == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn valid_bounds() {
        let p = Policy::new("kry", 2, ids(&["a", "b", "c"])).unwrap();
        assert_eq!((p.m(), p.n(), p.role()), (2, 3, "kry"));
        assert!(p.names("b") && !p.names("d"));
        assert!(Policy::new("kry", 3, ids(&["a", "b", "c"])).is_ok());
        assert!(Policy::new("kry", 1, ids(&["a"])).is_ok());
    }

    #[test]
    fn invalid_policies_cannot_be_built() {
        assert!(matches!(
            Policy::new("kry", 0, ids(&["a"])),
            Err(PolicyError::ThresholdOutOfRange { .. })
        ));
        assert!(matches!(
            Policy::new("kry", 4, ids(&["a", "b", "c"])),
            Err(PolicyError::ThresholdOutOfRange { .. })
        ));
        assert!(matches!(
            Policy::new("kry", 1, vec![]),
            Err(PolicyError::ThresholdOutOfRange { .. })
        ));
        assert_eq!(
            Policy::new("kry", 2, ids(&["a", "b", "a"])),
            Err(PolicyError::DuplicateKey("a".into()))
        );
        assert!(matches!(
            Policy::new("", 1, ids(&["a"])),
            Err(PolicyError::BadRole(_))
        ));
        assert!(matches!(
            Policy::new("Kry", 1, ids(&["a"])),
            Err(PolicyError::BadRole(_))
        ));
    }

    #[test]
    fn from_value() {
        let ok = crate::canon::parse(br#"{"role":"trace","m":2,"keys":["a","b"]}"#).unwrap();
        assert_eq!(Policy::from_value(&ok).unwrap().m(), 2);
        for bad in [
            r#"{"role":"trace","m":-1,"keys":["a","b"]}"#,
            r#"{"role":"trace","m":99999999999999999999999,"keys":["a"]}"#,
            r#"{"role":"trace","m":1.0,"keys":["a"]}"#,
            r#"{"role":"trace","m":"1","keys":["a"]}"#,
            r#"{"role":"trace","m":1,"keys":[1]}"#,
            r#"{"role":"trace","m":1,"keys":["a"],"x":1}"#,
            r#"{"m":1,"keys":["a"]}"#,
            r#"[]"#,
        ] {
            let v = crate::canon::parse(bad.as_bytes()).unwrap();
            assert!(Policy::from_value(&v).is_err(), "{bad}");
        }
    }
}
