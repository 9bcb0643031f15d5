//! The kustomize releases nest-kz emulates, and every rule that differs
//! between them, each in the module of the release that changed it
//! (`v5_6`, `v5_7`, `v5_8`: a method on [`Release`] saying whether, or how,
//! the selected release does it). The stages ask the rule, never a version
//! number: `release::current().has_source_value()`, not `>= 5.7`.
//!
//! One release is emulated per run: the command line (or the environment,
//! or an ArgoCD Application's parameter) selects it once, before anything
//! is built ([`set`]); [`current`] reads it. The default is the newest,
//! the release ArgoCD 3.3 and later bundle.
//!
//! This is the bottom layer: it imports nothing of the crate.

mod v5_6;
mod v5_7;
mod v5_8;

pub use v5_6::{GoSort, LabelAdd};
pub use v5_7::ArgsSplitter;
pub use v5_8::EmptyPatch;

use std::sync::atomic::{AtomicU8, Ordering};

/// A kustomize release line, in order. Each stands for the newest release
/// of its line that nest-kz is measured against (see [`Release::version`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Release {
    V5_4,
    V5_5,
    V5_6,
    V5_7,
    V5_8,
}

impl Release {
    /// The release ArgoCD 3.3 and later bundle.
    pub const NEWEST: Release = Release::V5_8;
    pub const ALL: [Release; 5] = [
        Release::V5_4,
        Release::V5_5,
        Release::V5_6,
        Release::V5_7,
        Release::V5_8,
    ];

    /// The version `kustomize version` prints for this line's reference
    /// release. v5.8 is the v5.8 line as kustomize's API v0.21.3 builds
    /// (the newest available), which carries fixes made after v5.8.1.
    pub fn version(self) -> &'static str {
        match self {
            Release::V5_4 => "v5.4.3",
            Release::V5_5 => "v5.5.0",
            Release::V5_6 => "v5.6.0",
            Release::V5_7 => "v5.7.1",
            Release::V5_8 => "v5.8.1",
        }
    }

    /// Reads `v5.5`, `5.5`, `v5.5.0`, `kustomize/v5.8.1`: any patch release
    /// of a line selects the line.
    pub fn parse(text: &str) -> Result<Release, UnknownRelease> {
        let bad = || UnknownRelease(text.to_string());
        let t = text.trim();
        let t = t.strip_prefix("kustomize/").unwrap_or(t);
        let t = t.strip_prefix('v').unwrap_or(t);
        let mut parts = t.split('.');
        let major = parts.next().ok_or_else(bad)?;
        let minor = parts.next().ok_or_else(bad)?;
        if let Some(patch) = parts.next()
            && (patch.is_empty() || !patch.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad());
        }
        if parts.next().is_some() || major != "5" {
            return Err(bad());
        }
        Release::ALL
            .into_iter()
            .find(|r| r.minor() == minor)
            .ok_or_else(bad)
    }

    fn minor(self) -> &'static str {
        match self {
            Release::V5_4 => "4",
            Release::V5_5 => "5",
            Release::V5_6 => "6",
            Release::V5_7 => "7",
            Release::V5_8 => "8",
        }
    }
}

/// A release nest-kz does not emulate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "kustomize version {0:?} is not one nest-kz emulates (v5.4, v5.5, v5.6, v5.7 or v5.8; any patch release selects its line)"
)]
pub struct UnknownRelease(pub String);

static CURRENT: AtomicU8 = AtomicU8::new(Release::NEWEST as u8);

/// Selects the release this run emulates.
pub fn set(release: Release) {
    CURRENT.store(release as u8, Ordering::Relaxed);
}

/// The release this run emulates.
pub fn current() -> Release {
    let n = CURRENT.load(Ordering::Relaxed);
    Release::ALL
        .into_iter()
        .find(|r| *r as u8 == n)
        .unwrap_or(Release::NEWEST)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_spelling() {
        for (text, want) in [
            ("v5.5", Release::V5_5),
            ("5.5", Release::V5_5),
            ("v5.5.0", Release::V5_5),
            ("kustomize/v5.8.1", Release::V5_8),
            ("5.7.0", Release::V5_7),
            (" v5.4.3 ", Release::V5_4),
        ] {
            assert_eq!(Release::parse(text), Ok(want), "{text}");
        }
        for bad in [
            "", "v4.5", "5", "v5.9", "5.5.x", "5.5.0.1", "latest", "v5.5.",
        ] {
            assert!(Release::parse(bad).is_err(), "{bad}");
        }
        assert!(Release::V5_5 < Release::V5_8);
        assert_eq!(Release::NEWEST.version(), "v5.8.1");
    }
}
