//! The JSON value model shared by every format.
//!
//! Unlike a general-purpose JSON library it keeps what canonical hashing needs: the
//! integer/float distinction as written (`1` vs `1.0`), integers of any size (as their
//! decimal digits), and objects free of duplicate keys. Objects are stored sorted by key
//! bytes (= Unicode code point order), which is the CPython and matrix-org order and
//! makes lookups a binary search.

/// A JSON number as the producer wrote it.
#[derive(Clone, Debug, PartialEq)]
pub enum Number {
    /// An integer literal (no fraction, no exponent), kept as its normalised decimal
    /// digits with an optional leading `-` (never `-0`).
    Int(Box<str>),
    /// A literal with a fraction or exponent, parsed to the nearest finite double.
    Float(f64),
}

impl Number {
    /// The value as `i64` if it is an integer literal that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Int(s) => s.parse().ok(),
            Number::Float(_) => None,
        }
    }
    /// The value as `u64` if it is a non-negative integer literal that fits.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Number::Int(s) => s.parse().ok(),
            Number::Float(_) => None,
        }
    }
    /// The value as a double (integers are rounded to the nearest double, as Python's
    /// `float(int)` and JavaScript's `Number` do).
    pub fn as_f64(&self) -> f64 {
        match self {
            Number::Int(s) => s.parse::<f64>().unwrap_or(f64::NAN),
            Number::Float(f) => *f,
        }
    }
    /// True for integer literals.
    pub fn is_int(&self) -> bool {
        matches!(self, Number::Int(_))
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Self {
        Number::Int(v.to_string().into())
    }
}
impl From<u64> for Number {
    fn from(v: u64) -> Self {
        Number::Int(v.to_string().into())
    }
}

/// A JSON object: keys unique, entries sorted by key bytes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Object {
    entries: Vec<(Key, Value)>,
}

/// An object key. Shared, so that the parser hands out one allocation for every
/// occurrence of a key in a document (an attestation repeats the same dozen keys in
/// each of its links): the tree is smaller and is built with fewer allocations.
pub(crate) type Key = std::sync::Arc<str>;

impl Object {
    /// An empty object.
    pub fn new() -> Self {
        Object {
            entries: Vec::new(),
        }
    }
    /// Builds from entries; `Err(key)` names the first duplicate key.
    pub fn from_entries(entries: Vec<(String, Value)>) -> Result<Self, String> {
        Self::from_keyed(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
    /// As [`Object::from_entries`], for keys that are already shared.
    pub(crate) fn from_keyed(mut entries: Vec<(Key, Value)>) -> Result<Self, String> {
        // Producers usually emit sorted keys: a strictly increasing run is already sorted
        // and duplicate-free, so one O(n) pass replaces sort + duplicate scan.
        if entries
            .windows(2)
            .all(|w| w[0].0.as_bytes() < w[1].0.as_bytes())
        {
            return Ok(Object { entries });
        }
        entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        for w in entries.windows(2) {
            if w[0].0 == w[1].0 {
                return Err(w[0].0.to_string());
            }
        }
        Ok(Object { entries })
    }
    /// Looks a key up.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .binary_search_by(|(k, _)| k.as_bytes().cmp(key.as_bytes()))
            .ok()
            .map(|i| &self.entries[i].1)
    }
    /// True if the key is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// Inserts or replaces; returns the previous value.
    pub fn insert(&mut self, key: impl Into<String>, v: impl Into<Value>) -> Option<Value> {
        let key: String = key.into();
        match self
            .entries
            .binary_search_by(|(k, _)| k.as_bytes().cmp(key.as_bytes()))
        {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, v.into())),
            Err(i) => {
                self.entries.insert(i, (key.into(), v.into()));
                None
            }
        }
    }
    /// Removes a key; returns its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        match self
            .entries
            .binary_search_by(|(k, _)| k.as_bytes().cmp(key.as_bytes()))
        {
            Ok(i) => Some(self.entries.remove(i).1),
            Err(_) => None,
        }
    }
    /// Entries in code-point order of their keys.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> + Clone {
        self.entries.iter().map(|(k, v)| (&**k, v))
    }
    /// Keys in code-point order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| &**k)
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// A copy without the named keys (for "hash of X without field Y" preimages).
    pub fn without(&self, keys: &[&str]) -> Object {
        Object {
            entries: self
                .entries
                .iter()
                .filter(|(k, _)| !keys.contains(&&**k))
                .cloned()
                .collect(),
        }
    }
}

/// A JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string (always valid Unicode scalar values: lone surrogates are rejected).
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object.
    Object(Object),
}

impl Value {
    /// Member of an object, or `None` for a missing key or a non-object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(o) => o.get(key),
            _ => None,
        }
    }
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// The number, if this is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }
    /// An integer literal that fits `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }
    /// A non-negative integer literal that fits `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number().and_then(Number::as_u64)
    }
    /// Any number as a double.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().map(Number::as_f64)
    }
    /// The array, if this is one.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }
    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }
    /// Mutable object access.
    pub fn as_object_mut(&mut self) -> Option<&mut Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }
    /// The JSON type name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Number(v.into())
    }
}
impl From<u64> for Value {
    fn from(v: u64) -> Self {
        Value::Number(v.into())
    }
}
impl From<usize> for Value {
    fn from(v: usize) -> Self {
        Value::Number((v as u64).into())
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Number((v as i64).into())
    }
}
impl From<f64> for Value {
    /// A float value; non-finite doubles become `null` is never done silently: they
    /// are kept and rejected by the serializers.
    fn from(v: f64) -> Self {
        Value::Number(Number::Float(v))
    }
}
impl From<Object> for Value {
    fn from(o: Object) -> Self {
        Value::Object(o)
    }
}
impl From<Vec<Value>> for Value {
    fn from(a: Vec<Value>) -> Self {
        Value::Array(a)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Self {
        o.map_or(Value::Null, Into::into)
    }
}

/// Builds an object from `key => value` pairs: `obj!{"a" => 1i64, "b" => "x"}`.
#[macro_export]
macro_rules! obj {
    ($($k:expr => $v:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut o = $crate::canon::Object::new();
        $( o.insert($k, $crate::canon::Value::from($v)); )*
        $crate::canon::Value::Object(o)
    }};
}
