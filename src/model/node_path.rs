//! A path to one node of an object, kept with the object for as long as
//! the build holds it (`Resource::untagged`, `Resource::quoted`).
//!
//! A build keeps one for every image the images transformer rewrites, so
//! a big tree holds one per container, most of them the same path. As a
//! list of owned strings each cost about 300 bytes in six allocations (10
//! MB of the 100k-resource benchmark's peak); interned, like mapping keys
//! (`key`), a path is stored once per thread that meets it and a kept one
//! is a pointer. Paths are never freed: they are bounded by the nodes of
//! the input the build's budget admits.

use std::cell::RefCell;

use hashbrown::{HashMap, HashSet};

use super::key::Key;
use super::value::{PathStep, Value};

/// The steps from an object's root to one of its nodes. Two paths are
/// equal when their steps are, wherever each was interned.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodePath(&'static [Step]);

/// One step: a mapping key (interned) or a list index.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Key(Key),
    Index(usize),
}

thread_local! {
    static INTERNED: RefCell<HashSet<&'static [Step]>> = RefCell::new(HashSet::new());
    static INTERNED_LISTS: RefCell<HashMap<&'static [NodePath], &'static &'static [NodePath]>> =
        RefCell::new(HashMap::new());
}

/// Paths an object keeps as one list (`Resource::quoted`), interned as a
/// whole: objects written alike (every ConfigMap of a chart quoting the
/// same fields) keep the same list, so each holds a pointer. An empty
/// list is no pointer at all.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct NodePaths(Option<&'static &'static [NodePath]>);

impl NodePaths {
    pub fn new(paths: Vec<NodePath>) -> NodePaths {
        if paths.is_empty() {
            return NodePaths(None);
        }
        INTERNED_LISTS.with(|table| {
            let mut table = table.borrow_mut();
            if let Some(kept) = table.get(&paths[..]) {
                return NodePaths(Some(*kept));
            }
            let list: &'static [NodePath] = Box::leak(paths.into_boxed_slice());
            // A word to the list, so that an object keeping it holds one.
            let kept: &'static &'static [NodePath] = Box::leak(Box::new(list));
            table.insert(list, kept);
            NodePaths(Some(kept))
        })
    }

    pub fn as_slice(&self) -> &'static [NodePath] {
        self.0.copied().unwrap_or(&[])
    }
}

impl std::fmt::Debug for NodePaths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl NodePath {
    pub fn new(steps: impl IntoIterator<Item = Step>) -> NodePath {
        let steps: Vec<Step> = steps.into_iter().collect();
        INTERNED.with(|table| {
            let mut table = table.borrow_mut();
            if let Some(kept) = table.get(&steps[..]) {
                return NodePath(kept);
            }
            let kept: &'static [Step] = Box::leak(steps.into_boxed_slice());
            table.insert(kept);
            NodePath(kept)
        })
    }

    /// The path `steps` names, its keys interned.
    pub fn of(steps: &[PathStep]) -> NodePath {
        NodePath::new(steps.iter().map(|step| match step {
            PathStep::Key(k) => Step::Key(Key::new(k)),
            PathStep::Index(i) => Step::Index(*i),
        }))
    }

    /// Whether this is the path `steps` names.
    pub fn is(&self, steps: &[PathStep]) -> bool {
        self.0.len() == steps.len()
            && self.0.iter().zip(steps).all(|pair| match pair {
                (Step::Key(k), PathStep::Key(s)) => k.as_str() == s,
                (Step::Index(i), PathStep::Index(j)) => i == j,
                _ => false,
            })
    }

    /// Whether this is the path `steps` names or one of its beginnings
    /// (the node there is `steps`' node or holds it).
    pub fn leads_to(&self, steps: &[PathStep]) -> bool {
        steps
            .get(..self.0.len())
            .is_some_and(|beginning| self.is(beginning))
    }

    /// The node this path names in `root`, if there is one.
    pub fn find<'v>(&self, root: &'v Value) -> Option<&'v Value> {
        self.0
            .iter()
            .try_fold(root, |node, step| match (step, node) {
                (Step::Key(k), Value::Object(map)) => map.get(k.as_str()),
                (Step::Index(i), Value::Array(items)) => items.get(*i),
                _ => None,
            })
    }

    /// The key of its last step, if that step is a key.
    pub fn last_key(&self) -> Option<&'static str> {
        match self.0.last() {
            Some(Step::Key(k)) => Some(k.as_str()),
            _ => None,
        }
    }

    pub fn to_steps(&self) -> Vec<PathStep> {
        self.0
            .iter()
            .map(|step| match step {
                Step::Key(k) => PathStep::Key(k.as_str().to_string()),
                Step::Index(i) => PathStep::Index(*i),
            })
            .collect()
    }
}

impl std::fmt::Debug for NodePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.to_steps()).finish()
    }
}

/// The steps of a `/`-joined path, a number being an index (for tests).
#[cfg(test)]
pub fn steps(text: &str) -> Vec<PathStep> {
    text.split('/')
        .map(|s| match s.parse() {
            Ok(i) => PathStep::Index(i),
            Err(_) => PathStep::Key(s.to_string()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_the_steps_it_was_made_from_and_no_others() {
        let path = NodePath::of(&steps("spec/containers/0/image"));
        assert!(path.is(&steps("spec/containers/0/image")));
        assert_eq!(path.to_steps(), steps("spec/containers/0/image"));
        for other in [
            "spec/containers/1/image",
            "spec/containers/0",
            "spec/containers/0/image/x",
            "spec/containers/x/image",
            "spec/initContainers/0/image",
        ] {
            assert!(!path.is(&steps(other)), "{other}");
        }
        assert_eq!(path.last_key(), Some("image"));
        assert_eq!(NodePath::of(&steps("a/0")).last_key(), None);
    }

    #[test]
    fn a_key_that_looks_like_an_index_is_still_a_key() {
        let path = NodePath::of(&[PathStep::Key("0".into())]);
        assert!(!path.is(&[PathStep::Index(0)]));
        assert!(path.is(&[PathStep::Key("0".into())]));
    }
}
