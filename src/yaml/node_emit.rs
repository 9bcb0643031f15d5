//! go-yaml v3 nodes ([`super::node`]) -> YAML text, as kyaml's
//! `RNode.String()` prints them (go-yaml v3, indent 2, sequences not
//! indented under their key, and no width: lines are never folded).
//!
//! The main output goes through JSON and go-yaml v2 ([`super::emit`]); this
//! printer differs where go-yaml v3's encoder does: a scalar keeps the
//! style it was written in, a tag its text no longer resolves to is
//! written (`!!int abc`), text that would resolve to another type is
//! quoted only when its tag is `!!str`, flow collections stay flow, tabs
//! rule out plain and single-quoted text, and YAML 1.1's `yes`/`no` are
//! plain strings. The low-level writers are go-yaml's own, shared with v2.

use super::emit::{Emitter, analyze, is_break};
use super::node::{Kind, Node, Style, resolved_tag};

/// Where a node sits, as libyaml's emitter tracks it.
#[derive(Clone, Copy, Default)]
struct Context {
    /// The node is a mapping's key or value.
    mapping: bool,
    /// The node is a mapping key written `key:`.
    simple_key: bool,
    /// The node is an item of a block sequence (its content skips `- `).
    block_item: bool,
}

impl Context {
    /// A mapping's value.
    const VALUE: Context = Context {
        mapping: true,
        simple_key: false,
        block_item: false,
    };
}

/// The longest key go-yaml writes as `key:` rather than `? key`.
const MAX_SIMPLE_KEY: usize = 128;

/// The text of `node` as kyaml prints it, or `None` for a node this
/// printer would not write as go-yaml does (a key that is not a short
/// one-line scalar).
pub fn emit(node: &Node) -> Option<String> {
    let mut e = Emitter::default();
    // libyaml starts a stream at column 0 "after whitespace, at an indentation".
    e.whitespace = true;
    e.indention = true;
    let mut printer = Printer {
        e,
        flow_level: 0,
        foot_indent: None,
        header_comment: None,
    };
    if !node.head.is_empty() {
        // A document's head comment, then a blank line.
        printer.indent(-1);
        printer.comment(&node.head, 0);
        printer.line_break();
    }
    printer.node(node, -1, Context::default())?;
    if !node.foot.is_empty() {
        // go-yaml sets a document's foot comment apart by a blank line.
        printer.foot_indent = Some(0);
        printer.indent(-1);
        printer.comment(&node.foot, 0);
    }
    printer.foot_indent = None;
    printer.indent(-1);
    Some(printer.e.out)
}

struct Printer<'w> {
    e: Emitter<'w>,
    flow_level: usize,
    /// The indentation of the foot comment just written: the next line at
    /// that indentation gets a blank line before it.
    foot_indent: Option<usize>,
    /// The line comment of the value being written: a block scalar writes
    /// it after its header (`key: | # note`), as go-yaml's writer of block
    /// scalars does; any other node leaves it for after the node.
    header_comment: Option<String>,
}

/// libyaml's indentation step for a block collection or a scalar's
/// continuation lines below a parent at `parent`.
fn increase(parent: i32, flow: bool, ctx: Context) -> i32 {
    if parent < 0 {
        return if flow { 2 } else { 0 };
    }
    if ctx.block_item {
        return parent + 2;
    }
    2 * ((parent + 2) / 2)
}

impl Printer<'_> {
    fn node(&mut self, node: &Node, parent: i32, ctx: Context) -> Option<()> {
        if !node.anchor.is_empty() {
            self.e
                .write_indicator(&format!("&{}", node.anchor), true, false, false);
        }
        let tag = printed_tag(node);
        match &node.kind {
            Kind::Alias(name) => {
                self.e
                    .write_indicator(&format!("*{name}"), true, false, false);
                Some(())
            }
            Kind::Scalar(text) => self.scalar(text, node.style, tag.0, tag.1, parent, ctx),
            Kind::Mapping(entries) => {
                self.tag(tag.0);
                match node.flow || self.flow_level > 0 || entries.is_empty() {
                    true => self.flow_mapping(entries, !node.foot.is_empty(), parent, ctx),
                    false => self.block_mapping(entries, increase(parent, false, ctx)),
                }
            }
            Kind::Sequence(items) => {
                self.tag(tag.0);
                match node.flow || self.flow_level > 0 || items.is_empty() {
                    true => self.flow_sequence(items, parent, ctx),
                    false => {
                        // kyaml's compact sequences: under a key, `- ` is
                        // part of the indentation.
                        let compact = ctx.mapping && (self.e.column == 0 || !self.e.indention);
                        let indent = increase(parent, false, ctx) - if compact { 2 } else { 0 };
                        let indent = if parent < 0 { 0 } else { indent };
                        self.block_sequence(items, indent)
                    }
                }
            }
        }
    }

    /// go-yaml v3's `write_indent`: a line break unless at the start of an
    /// indentation, another after a foot comment at this indentation, then
    /// spaces.
    fn indent(&mut self, indent: i32) {
        let at = indent.max(0) as usize;
        let e = &mut self.e;
        if !e.indention || e.column > at || (e.column == at && !e.whitespace) {
            self.line_break();
        }
        if self.foot_indent == Some(at) {
            self.line_break();
        }
        while self.e.column < at {
            self.e.put(' ');
        }
        self.e.whitespace = true;
        self.foot_indent = None;
    }

    /// go-yaml v3's `put_break`, which also marks an indentation.
    fn line_break(&mut self) {
        self.e.put_break();
        self.e.indention = true;
    }

    /// Comment lines at `indent`, each ending its line.
    fn comment(&mut self, lines: &[String], indent: i32) {
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                self.line_break();
                // A blank line inside a comment is written empty.
                if line.is_empty() {
                    continue;
                }
                self.indent(indent);
            }
            for c in line.chars() {
                self.e.put(c);
            }
            self.e.indention = false;
        }
        self.line_break();
        self.e.whitespace = true;
    }

    /// A comment ending the current line.
    fn line_comment(&mut self, text: &str) {
        if !self.e.whitespace {
            self.e.put(' ');
        }
        self.comment(&[text.to_string()], 0);
    }

    /// `node`, then `comment` ending its line; a block scalar writes the
    /// comment after its header instead.
    fn node_then_comment(
        &mut self,
        node: &Node,
        comment: Option<&String>,
        indent: i32,
        ctx: Context,
    ) -> Option<()> {
        if matches!(node.kind, Kind::Scalar(_)) {
            self.header_comment = comment.cloned();
            self.node(node, indent, ctx)?;
            if let Some(text) = self.header_comment.take() {
                self.line_comment(&text);
            }
            return Some(());
        }
        self.node(node, indent, ctx)?;
        if let Some(text) = comment {
            self.line_comment(text);
        }
        Some(())
    }

    /// A foot comment after an entry, at the entry's indentation.
    fn foot(&mut self, lines: &[String], indent: i32) {
        if lines.is_empty() {
            return;
        }
        self.indent(indent);
        self.comment(lines, indent);
        self.foot_indent = Some(indent.max(0) as usize);
    }

    fn head(&mut self, lines: &[String], indent: i32) {
        if !lines.is_empty() {
            self.indent(indent);
            self.comment(lines, indent);
        }
    }

    /// A mapping key written `key:`; `None` for one go-yaml would write as
    /// `? key`.
    fn key(&mut self, key: &Node, indent: i32) -> Option<()> {
        if !is_simple_key(key) {
            return self.complex_key(key, indent);
        }
        let ctx = Context {
            mapping: true,
            simple_key: true,
            block_item: false,
        };
        self.node(key, indent, ctx)?;
        self.e.write_indicator(":", false, false, false);
        Some(())
    }

    /// A scalar key too long (or spanning lines) to write as `key:`:
    /// libyaml writes `? key`, then `:` on a line of its own before the
    /// value. Only a one-line scalar key without comments is written so.
    fn complex_key(&mut self, key: &Node, indent: i32) -> Option<()> {
        let Kind::Scalar(text) = &key.kind else {
            return None;
        };
        let comments = !key.head.is_empty() || key.line_comment.is_some();
        if comments || text.contains(is_break) {
            return None;
        }
        self.e.write_indicator("?", true, false, true);
        let ctx = Context {
            mapping: true,
            simple_key: false,
            block_item: false,
        };
        self.node(key, indent, ctx)?;
        self.indent(indent);
        self.e.write_indicator(":", true, false, true);
        Some(())
    }

    fn block_mapping(&mut self, entries: &[(Node, Node)], indent: i32) -> Option<()> {
        for (key, value) in entries {
            self.head(&key.head, indent);
            self.indent(indent);
            self.key(key, indent)?;
            // A key's line comment: written now before a block below it,
            // else after a scalar value that has none of its own.
            let mut carried = None;
            if let Some(text) = &key.line_comment {
                match value.is_block_collection() {
                    true => self.line_comment(text),
                    false => carried = Some(text),
                }
            }
            let comment = value.line_comment.as_ref().or(carried);
            self.node_then_comment(value, comment, indent, Context::VALUE)?;
            self.foot(&key.foot, indent);
        }
        Some(())
    }

    fn block_sequence(&mut self, items: &[Node], indent: i32) -> Option<()> {
        for item in items {
            self.head(&item.head, indent);
            self.indent(indent);
            self.e.write_indicator("-", true, false, true);
            let ctx = Context {
                block_item: true,
                ..Context::default()
            };
            self.node_then_comment(item, item.line_comment.as_ref(), indent, ctx)?;
            self.foot(&item.foot, indent);
        }
        Some(())
    }

    /// A flow mapping; one carrying a foot comment (a sequence item's)
    /// ends with a `,`, as libyaml writes a mapping end with comments.
    fn flow_mapping(
        &mut self,
        entries: &[(Node, Node)],
        has_foot: bool,
        parent: i32,
        ctx: Context,
    ) -> Option<()> {
        self.e.write_indicator("{", true, true, false);
        let indent = increase(parent, true, ctx);
        self.flow_level += 1;
        for (i, (key, value)) in entries.iter().enumerate() {
            self.flow_separator(i, indent);
            self.key(key, indent)?;
            self.node(value, indent, Context::VALUE)?;
        }
        if has_foot && !entries.is_empty() {
            self.e.write_indicator(",", false, false, false);
        }
        self.flow_level -= 1;
        self.e.write_indicator("}", false, false, false);
        Some(())
    }

    fn flow_sequence(&mut self, items: &[Node], parent: i32, ctx: Context) -> Option<()> {
        self.e.write_indicator("[", true, true, false);
        let indent = increase(parent, true, ctx);
        self.flow_level += 1;
        for (i, item) in items.iter().enumerate() {
            self.flow_separator(i, indent);
            self.node(item, indent, Context::default())?;
        }
        self.flow_level -= 1;
        if self.e.column == 0 {
            self.indent(parent);
        }
        self.e.write_indicator("]", false, false, false);
        Some(())
    }

    /// The `,` before a flow item.
    fn flow_separator(&mut self, i: usize, indent: i32) {
        if i > 0 {
            self.e.write_indicator(",", false, false, false);
        }
        if self.e.column == 0 {
            self.indent(indent);
        }
    }

    fn tag(&mut self, tag: Option<&str>) {
        let Some(tag) = tag else {
            return;
        };
        if !self.e.whitespace {
            self.e.put(' ');
        }
        for c in tag.chars() {
            self.e.put(c);
        }
        self.e.whitespace = false;
        self.e.indention = false;
    }

    fn scalar(
        &mut self,
        text: &str,
        style: Style,
        tag: Option<&str>,
        force_quoting: bool,
        parent: i32,
        ctx: Context,
    ) -> Option<()> {
        let requested = match style {
            Style::Plain if text.contains('\n') => Style::Literal,
            Style::Plain if force_quoting => Style::Double,
            other => other,
        };
        let style = self.select_style(text, requested, ctx);
        self.tag(tag);
        let indent = increase(parent, true, ctx);
        // go-yaml v3's encoder sets no width, so no line is folded.
        let breaks = false;
        match style {
            Style::Plain if text.is_empty() => {}
            Style::Plain => self.e.write_plain(text, indent, breaks),
            Style::Single => self.e.write_single_quoted(text, indent, breaks),
            Style::Double => self.e.write_double_quoted(text, indent, breaks),
            Style::Literal => {
                let comment = self.header_comment.take();
                self.e.write_literal(text, indent, comment.as_deref());
            }
            Style::Folded => self.write_folded(text, indent),
        }
        Some(())
    }

    /// libyaml's `select_scalar_style` for an event whose tag is printed or
    /// implicit.
    fn select_style(&self, text: &str, requested: Style, ctx: Context) -> Style {
        let a = analyze(text, true);
        let flow = self.flow_level > 0;
        let mut style = requested;
        if ctx.simple_key && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain {
            let allowed = match flow {
                true => a.flow_plain_allowed,
                false => a.block_plain_allowed,
            };
            if !allowed || (text.is_empty() && (flow || ctx.simple_key)) {
                style = Style::Single;
            }
        }
        if style == Style::Single && !a.single_quoted_allowed {
            style = Style::Double;
        }
        if matches!(style, Style::Literal | Style::Folded)
            && (!a.block_allowed || flow || ctx.simple_key)
        {
            style = Style::Double;
        }
        style
    }

    /// libyaml's folded block scalar, including go-yaml's check for a
    /// blank after a line break, which looks at the text's start rather
    /// than at the break.
    fn write_folded(&mut self, s: &str, indent: i32) {
        self.e.write_indicator(">", true, false, false);
        self.e.block_hints(s);
        let comment = self.header_comment.take();
        self.e.header_comment(comment.as_deref());
        self.e.put_break();
        self.e.indention = true;
        self.e.whitespace = true;
        let starts_blank = s
            .chars()
            .find(|c| !is_break(*c))
            .is_none_or(|c| c == ' ' || c == '\t');
        let (mut breaks, mut leading_spaces) = (true, true);
        for c in s.chars() {
            if is_break(c) {
                if !breaks && !leading_spaces && c == '\n' && !starts_blank {
                    self.e.put_break();
                }
                self.e.write_break(c);
                self.e.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.indent(indent);
                    leading_spaces = c == ' ' || c == '\t';
                }
                self.e.put(c);
                self.e.indention = false;
                breaks = false;
            }
        }
    }
}

/// go-yaml v3's encoder: the tag printed (none when the text resolves to
/// it anyway) and whether a plain `!!str` must be quoted because its text
/// would resolve to another type.
fn printed_tag(node: &Node) -> (Option<&str>, bool) {
    let tag = node.tag.as_str();
    if tag.is_empty() {
        return (None, false);
    }
    if node.tagged {
        return (Some(tag), false);
    }
    match &node.kind {
        Kind::Scalar(text) => {
            if tag == "!!str" && node.style != Style::Plain {
                return (None, false);
            }
            let resolved = match text.as_str() {
                // kyaml's go-yaml writes a merge key's tag: `!!merge <<`.
                "<<" => "!!str",
                t => resolved_tag(t),
            };
            match (resolved == tag, tag == "!!str") {
                (true, _) => (None, false),
                (false, true) => (None, true),
                (false, false) => (Some(tag), false),
            }
        }
        Kind::Alias(_) => (None, false),
        Kind::Mapping(_) if tag == "!!map" => (None, false),
        Kind::Sequence(_) if tag == "!!seq" => (None, false),
        _ => (Some(tag), false),
    }
}

fn is_simple_key(key: &Node) -> bool {
    match &key.kind {
        Kind::Scalar(text) => {
            // libyaml counts the anchor and tag it writes, not a resolved one.
            let tag = if key.tagged { key.tag.len() } else { 0 };
            text.len() + tag + key.anchor.len() <= MAX_SIMPLE_KEY && !text.contains(is_break)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::node::parse;

    fn round_trip(text: &str) -> String {
        emit(&parse(text).unwrap()).unwrap()
    }

    /// Checked against the v5.8 oracle: a key past 128 characters.
    #[test]
    fn writes_a_long_key_as_libyaml_does() {
        let key = format!("(length({}) >= 0)", "x".repeat(130));
        let text = format!("c:\n  {key}: true # c\n  {key}x:\n    d: 1\n    e: 2\n  z: 1\n");
        let printed =
            format!("c:\n  ? {key}\n  : true # c\n  ? {key}x\n  : d: 1\n    e: 2\n  z: 1\n");
        assert_eq!(round_trip(&text), printed);
        // 128 characters is still simple; a tag written on it counts.
        let key = "k".repeat(125);
        let text = format!("{key}abc: 1\n!!str {key}: 2\n");
        assert_eq!(
            round_trip(&text),
            format!("{key}abc: 1\n? !!str {key}\n: 2\n")
        );
    }

    #[test]
    fn prints_as_kyaml_does() {
        assert_eq!(
            round_trip("server:\n    host: \"x\"\n    port: '8080'\n    n: !!int 5\n    y: yes\n"),
            "server:\n  host: \"x\"\n  port: '8080'\n  n: !!int 5\n  y: yes\n"
        );
        assert_eq!(
            round_trip("a: {b: c, d: [1, 2]}\nlist:\n    - x\n    - - y\n"),
            "a: {b: c, d: [1, 2]}\nlist:\n- x\n- - y\n"
        );
        assert_eq!(round_trip("a:\nb: []\nc: {}\n"), "a:\nb: []\nc: {}\n");
        assert_eq!(
            round_trip("d: &d\n  x: !!int \"5\"\ne:\n  <<: *d\n  l: &l [1]\n"),
            "d: &d\n  x: !!int \"5\"\ne:\n  !!merge <<: *d\n  l: &l [1]\n"
        );
        // go-yaml writes a folded text's last line break as a blank line.
        assert_eq!(round_trip("fold: >\n  a b\n  c\n"), "fold: >\n  a b c\n\n");
    }

    #[test]
    fn writes_a_tag_the_text_no_longer_resolves_to() {
        let mut node = parse("a: 1\nb: x\n").unwrap();
        let Kind::Mapping(entries) = &mut node.kind else {
            panic!("not a mapping")
        };
        entries[0].1.kind = Kind::Scalar("abc".into());
        entries[1].1.kind = Kind::Scalar("8080".into());
        assert_eq!(emit(&node).unwrap(), "a: !!int abc\nb: \"8080\"\n");
    }
}
