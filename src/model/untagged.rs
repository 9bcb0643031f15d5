//! Scalars kustomize holds without a type tag (`Resource::untagged`): a
//! field a replacement creates, the `v` of an element `[k=v]` it creates,
//! an image the images transformer rewrites. Their type comes from their
//! text wherever kustomize reads them again, so one whose text reads as
//! null (`""`, `~`, `null`) is held as null and keeps that text here: it
//! is still there to a replacement that reads it, and `vars` make it the
//! string it was written as.

use super::node_path::NodePath;
use super::value::{PathStep, Value};

/// One untagged scalar: where it is, and its text when that reads as null.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Untagged {
    pub path: NodePath,
    pub null_text: Option<NullText>,
}

impl Untagged {
    pub fn at(path: NodePath) -> Untagged {
        Untagged {
            path,
            null_text: None,
        }
    }
}

/// The texts YAML reads as null (go-yaml v3's resolver).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullText {
    Empty,
    Tilde,
    Lower,
    Title,
    Upper,
}

impl NullText {
    pub fn of(text: &str) -> Option<NullText> {
        Some(match text {
            "" => NullText::Empty,
            "~" => NullText::Tilde,
            "null" => NullText::Lower,
            "Null" => NullText::Title,
            "NULL" => NullText::Upper,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NullText::Empty => "",
            NullText::Tilde => "~",
            NullText::Lower => "null",
            NullText::Title => "Null",
            NullText::Upper => "NULL",
        }
    }
}

/// The text `found`, a node of `root`, holds when it is an untagged
/// scalar whose text reads as null. Found by identity: `found` is the node
/// a lookup reached.
pub fn null_text_of(list: &[Untagged], root: &Value, found: &Value) -> Option<&'static str> {
    list.iter().find_map(|u| {
        let text = u.null_text?;
        std::ptr::eq(u.path.find(root)?, found).then(|| text.as_str())
    })
}

/// Whether `list` holds the scalar at `steps`.
pub fn contains(list: &[Untagged], steps: &[PathStep]) -> bool {
    list.iter().any(|u| u.path.is(steps))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_null_text_reads_back() {
        for text in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(NullText::of(text).map(NullText::as_str), Some(text));
        }
        for text in ["nULL", "Nil", " ", "~~", "none"] {
            assert_eq!(NullText::of(text), None, "{text:?}");
        }
    }
}
