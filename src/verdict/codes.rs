//! Finding codes.
//!
//! Every check evv runs reports under a stable dotted code. Codes are typed: each
//! domain (container, manifest, trace, KRY, PACT, ...) owns an exhaustive enum declared
//! with [`define_codes!`], and [`Code`] is the closed union of those enums. There is no
//! catch-all and no string-prefix mapping: a code either exists here, with its class and
//! explanation, or it cannot be emitted.
//!
//! The `ALL` tables generated here mirror the code table in SPEC.md; a test walks both.

/// What a failing finding of this code says about the evidence, and therefore which
/// status it drives (see [`crate::verdict::Status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// A recomputed hash, chain link, Merkle root or signature disagrees with the
    /// evidence: the bytes were changed. Drives `TAMPERED`.
    Integrity,
    /// The outer container hash (tarball SHA-256 against `--expect-sha256`, a PACT
    /// transcript's `final_hash`) disagrees while inner evidence may still hold. Drives
    /// `TAMPERED`, but is the only class `--allow-compromised` may excuse.
    ContainerHash,
    /// Malformed input: parse error, missing field, unsupported version, schema
    /// violation. Drives `INVALID`.
    Malformed,
    /// Integrity holds but authenticity cannot be established (e.g. a signature valid
    /// only under a key carried inside the evidence). Drives `UNVERIFIED`.
    Unauthenticated,
}

impl Class {
    /// Stable lowercase name used in JSON output and SPEC.md.
    pub const fn as_str(self) -> &'static str {
        match self {
            Class::Integrity => "integrity",
            Class::ContainerHash => "container_hash",
            Class::Malformed => "malformed",
            Class::Unauthenticated => "unauthenticated",
        }
    }
}

/// Declares one domain's code enum.
///
/// ```ignore
/// define_codes! {
///     /// Codes of the manifest checks.
///     pub enum ManifestCode {
///         /// doc
///         FileHashMismatch = ("manifest.file.hash_mismatch", Integrity,
///             "What was checked. What failure means. What to do next."),
///     }
/// }
/// ```
#[macro_export]
macro_rules! define_codes {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = ($id:literal, $class:ident, $explain:literal)
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every code of this domain, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// The stable dotted identifier.
            pub const fn id(self) -> &'static str {
                match self { $( $name::$variant => $id, )+ }
            }

            /// Which status a failure of this code drives.
            pub const fn class(self) -> $crate::verdict::Class {
                match self { $( $name::$variant => $crate::verdict::Class::$class, )+ }
            }

            /// The explanation printed by `evv explain` (mirrored in SPEC.md).
            pub const fn explain(self) -> &'static str {
                match self { $( $name::$variant => $explain, )+ }
            }
        }
    };
}

/// Declares the closed union [`Code`] over the domain enums.
macro_rules! code_union {
    ($( $variant:ident($ty:path) ),+ $(,)?) => {
        /// Every finding code evv can emit: the union of the domain enums.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( #[doc = concat!("A code of the `", stringify!($variant), "` domain.")] $variant($ty), )+
        }

        impl Code {
            /// The stable dotted identifier, e.g. `manifest.file.hash_mismatch`.
            pub const fn id(self) -> &'static str {
                match self { $( Code::$variant(c) => c.id(), )+ }
            }
            /// Which status a failure of this code drives.
            pub const fn class(self) -> Class {
                match self { $( Code::$variant(c) => c.class(), )+ }
            }
            /// The explanation paragraph.
            pub const fn explain(self) -> &'static str {
                match self { $( Code::$variant(c) => c.explain(), )+ }
            }
            /// Every code, domain by domain, in declaration order.
            pub fn all() -> impl Iterator<Item = Code> {
                let mut v: Vec<Code> = Vec::new();
                $( v.extend(<$ty>::ALL.iter().map(|c| Code::$variant(*c))); )+
                v.into_iter()
            }
        }

        $(
            impl From<$ty> for Code {
                fn from(c: $ty) -> Code { Code::$variant(c) }
            }
        )+
    };
}

code_union! {
    Input(crate::verdict::InputCode),
    Container(crate::container::Code),
    Manifest(crate::manifest::Code),
    Json(crate::canon::Code),
    Sig(crate::crypto::Code),
    Bundle(crate::bundle::Code),
    Kry(crate::kry::Code),
    Pact(crate::pact::Code),
    Receipts(crate::receipts::Code),
}

impl Code {
    /// Looks a code up by its dotted identifier.
    pub fn from_id(id: &str) -> Option<Code> {
        Code::all().find(|c| c.id() == id)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

crate::define_codes! {
    /// Codes about the input as a whole, independent of its format.
    pub enum InputCode {
        /// The input was read and recognised.
        Read = ("input.read", Malformed,
            "evv opened the input and read it to the end. A failure means the input could not be read completely (I/O error, truncated stream); nothing about the evidence can be concluded. Re-obtain the file and check its transport."),
    }
}
