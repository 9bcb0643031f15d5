//! Scalars whose text as written the value does not keep
//! (`Resource::written`): a value written as nothing (`key:`), a null
//! written `~`, `Null` or `NULL`, a number or boolean written in a form
//! its value does not keep (`0x1F`, `1_000`, `017`, `5.`, `+.5`, `True`),
//! a folded block whose printed value is not the one read.
//!
//! kustomize holds go-yaml nodes, which keep their text until the object
//! is printed through JSON, and some steps read that text: a replacement
//! copies a source's text into a string (`"0x1F"`), `vars` convert it as
//! Go's `Atoi` or `ParseFloat` would (`017` is 17 to a var, 15 to YAML;
//! `0x1F` is no int to `Atoi`, so the var's field is not found), and a
//! null var is the text it was written as (`"~"`). A value written as
//! nothing is also what kustomize's strategic merge drops, where `null`
//! and `~` are kept. A null with no entry here was written `null`, as
//! every null that went through JSON was.

use super::node_path::NodePath;
use super::untagged::NullText;
use super::value::{PathStep, Value};

/// One scalar's text, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: NodePath,
    pub text: Text,
}

/// What a scalar's text was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// A null: `NullText::Empty` for a value written as nothing.
    Null(NullText),
    /// A number or a boolean, as written (`0x1F`, `True`).
    Scalar(Box<str>),
    /// A folded block (`>`) as read, where the value is what kustomize
    /// prints for it: go-yaml's folded writer and reader change it
    /// (`yaml::folded`). A step that reads the node's text reads this, and
    /// one that sets its style anew (`vars`) prints it.
    Folded(Box<str>),
}

impl Text {
    pub fn as_str(&self) -> &str {
        match self {
            Text::Null(text) => text.as_str(),
            Text::Scalar(text) | Text::Folded(text) => text,
        }
    }

    /// The text a value written `text` keeps here, when its value does not
    /// keep it (`None` for `null`, `5`, `1.50`, `true` and every string).
    pub fn of(text: &str, value: &Value) -> Option<Text> {
        match value {
            Value::Null => NullText::of(text)
                .filter(|t| *t != NullText::Lower)
                .map(Text::Null),
            Value::Number(n) => (n.as_str() != text).then(|| Text::Scalar(text.into())),
            Value::Bool(b) => {
                (text != if *b { "true" } else { "false" }).then(|| Text::Scalar(text.into()))
            }
            _ => None,
        }
    }
}

/// Whether the value at `steps` was written as nothing (`key:`).
pub fn is_bare(list: &[Written], steps: &[PathStep]) -> bool {
    list.iter()
        .any(|w| w.text == Text::Null(NullText::Empty) && w.path.is(steps))
}

/// The text `found`, a node of `root`, was written as, when its value does
/// not keep it. Found by identity: `found` is the node a lookup reached.
pub fn text_of<'a>(list: &'a [Written], root: &Value, found: &Value) -> Option<&'a Text> {
    list.iter().find_map(|w| {
        let node = w.path.find(root)?;
        std::ptr::eq(node, found).then_some(&w.text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn keeps_only_texts_the_value_loses() {
        let number = |text: &str| Value::Number(text.parse().unwrap());
        assert_eq!(
            Text::of("0x1F", &number("31")),
            Some(Text::Scalar("0x1F".into()))
        );
        assert_eq!(Text::of("1.50", &number("1.50")), None);
        assert_eq!(Text::of("null", &Value::Null), None);
        assert_eq!(
            Text::of("~", &Value::Null),
            Some(Text::Null(NullText::Tilde))
        );
        assert_eq!(
            Text::of("", &Value::Null),
            Some(Text::Null(NullText::Empty))
        );
        assert_eq!(Text::of("x", &json!("x")), None);
        assert_eq!(
            Text::of("True", &json!(true)),
            Some(Text::Scalar("True".into()))
        );
        assert_eq!(Text::of("false", &json!(false)), None);
    }

    #[test]
    fn finds_a_text_by_the_node_it_is_on() {
        let root = json!({"a": 31, "b": [null, 31]});
        let list = [
            Written {
                path: NodePath::of(&crate::model::node_path::steps("a")),
                text: Text::Scalar("0x1F".into()),
            },
            Written {
                path: NodePath::of(&crate::model::node_path::steps("b/0")),
                text: Text::Null(NullText::Empty),
            },
        ];
        let at = |p: &str| root.at(&crate::model::node_path::steps(p)).unwrap();
        assert_eq!(
            text_of(&list, &root, at("a")).map(Text::as_str),
            Some("0x1F")
        );
        assert_eq!(text_of(&list, &root, at("b/1")), None);
        assert!(is_bare(&list, &crate::model::node_path::steps("b/0")));
        assert!(!is_bare(&list, &crate::model::node_path::steps("a")));
    }
}
