//! The events of plain block YAML, without saphyr's general scanner.
//!
//! Most manifests, patches and kustomization files are block mappings and
//! sequences of one-line plain or quoted scalars with comments. saphyr
//! reads them at about 150 instructions a byte, character by character
//! through its token queue, and parsing is close to half of a small build
//! (a Nest overlay parses some 40 such files). This scanner reads them a
//! line at a time and produces the events saphyr would produce for the
//! same text (what `parse::Builder` builds documents from), each with the
//! line saphyr gives it.
//!
//! It declines whatever is outside that subset, and the text then goes to
//! saphyr: tabs, carriage returns and non-ASCII bytes; anchors, aliases,
//! tags and directives; block scalars (`|`, `>`); flow collections other
//! than `{}` and `[]`; escapes in double-quoted scalars; scalars continued
//! on a further line; `?` keys, `- - ` compact sequences, `...` markers;
//! any indentation it does not expect, which includes every YAML error. So
//! an error is always saphyr's. It declines up front (`events` returns
//! `None`) what a byte search shows, and otherwise part-way (`Declined`),
//! after which the reader starts the text again with saphyr. Events are
//! scanned a document at a time, so only one document's are held. Tests
//! check the events against saphyr's on every YAML file of the repository
//! and of `../shared`, and on generated documents.

use saphyr_parser::{Event, Marker, ScalarStyle, Span};
use std::borrow::Cow;
use std::collections::VecDeque;

/// Larger texts go to saphyr: a document's events are held until the
/// builder reads them, and in a big document the builder's own work
/// dominates anyway.
const MAX_BYTES: usize = 256 << 10;

/// saphyr refuses longer implicit keys; such keys go to it for its error.
const MAX_KEY: usize = 1000;

/// The events of `text`, one document at a time, or `None` when `text` is
/// visibly not plain block YAML (see the module documentation). A text
/// can still turn out not to be further on: `Events::next` then says so
/// (`Declined`), and the reader starts again with saphyr.
pub fn events(text: &str) -> Option<Events<'_>> {
    if text.len() > MAX_BYTES || !printable_ascii(text.as_bytes()) || visibly_unsupported(text) {
        return None;
    }
    let (lines, feeds) = lines(text)?;
    // Up to about three events a line (a `- key: value` line opens a
    // mapping, and collections end), and one document's are held at a
    // time: room for the longest document, so the queue does not grow.
    let room = 3 * longest_document(&lines) + 8;
    let mut scan = Scan {
        text,
        end: end_of(text, feeds),
        lines,
        at: 0,
        depth: 0,
        out: VecDeque::with_capacity(room),
        ended: false,
        first_done: false,
    };
    scan.push(Event::StreamStart, Marker::new(0, 1, 0));
    Some(Events { scan, done: false })
}

/// The scanner declined the rest of the text after giving some events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declined;

/// A text's events, scanned a document at a time, so that only one
/// document's events are ever held.
pub struct Events<'a> {
    scan: Scan<'a>,
    /// The stream's end was scanned, or the scanner declined.
    done: bool,
}

impl<'a> Events<'a> {
    /// The next event; `None` after the stream's end.
    pub fn next(&mut self) -> Option<Result<(Event<'a>, Span), Declined>> {
        loop {
            if let Some(event) = self.scan.out.pop_front() {
                return Some(Ok(event));
            }
            if self.done {
                return None;
            }
            match self.scan.document() {
                Some(()) => self.done = self.scan.ended,
                None => {
                    self.done = true;
                    self.scan.out.clear();
                    return Some(Err(Declined));
                }
            }
        }
    }
}

/// Constructs the scanner declines, found with a byte search before any
/// scanning: block scalars, anchors, aliases and tags, and flow
/// collections with content, after a key or a `- `. Finding them up front
/// spares reading half a file before declining it (a false alarm, such
/// as one in a comment, only sends the text to saphyr).
fn visibly_unsupported(text: &str) -> bool {
    let bytes = text.as_bytes();
    positions(bytes, b':', b'-').any(|at| {
        bytes.get(at + 1) == Some(&b' ')
            && match bytes.get(at + 2) {
                Some(b'|' | b'>' | b'&' | b'*' | b'!') => true,
                Some(b'[') => bytes.get(at + 3) != Some(&b']'),
                Some(b'{') => bytes.get(at + 3) != Some(&b'}'),
                _ => false,
            }
    })
}

/// Every offset of `one` or `other` in `bytes`, in order.
///
/// On x86-64 this calls memchr's SSE2 routine itself. memchr's general
/// entry point first asks the standard library which vector extensions
/// the CPU has, and that asks the CPU with seven `cpuid` instructions;
/// on a virtual machine each traps to the hypervisor (about 8 us apiece,
/// 2% of a small build). SSE2 is part of x86-64, so there is nothing to ask.
fn positions(bytes: &[u8], one: u8, other: u8) -> impl Iterator<Item = usize> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        let rest = bytes.get(from..)?;
        let at = from + find_either(rest, one, other)?;
        from = at + 1;
        Some(at)
    })
}

fn find_either(bytes: &[u8], one: u8, other: u8) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if let Some(sse2) = memchr::arch::x86_64::sse2::memchr::Two::new(one, other) {
        return sse2.find(bytes);
    }
    memchr::memchr2(one, other, bytes)
}

/// Offsets of the line feeds in `text`.
fn line_feeds(text: &str) -> impl Iterator<Item = usize> + '_ {
    positions(text.as_bytes(), b'\n', b'\n')
}

/// A line that is not blank or only a comment.
#[derive(Clone, Copy)]
struct Line {
    /// 1-based, as saphyr counts.
    no: usize,
    /// Byte offset of the line's first character.
    start: usize,
    /// Leading spaces.
    indent: usize,
    /// Byte offset of the line break (or the text's end).
    end: usize,
    /// A `---` line: a document starts.
    marker: bool,
}

/// The most lines any one document of `lines` has.
fn longest_document(lines: &[Line]) -> usize {
    lines
        .split(|l| l.marker)
        .map(<[Line]>::len)
        .max()
        .unwrap_or(0)
}

/// Where saphyr places the end of `text`, which has `feeds` line feeds:
/// at the start of the line after the last, as if a text without a final
/// line break had one.
fn end_of(text: &str, feeds: usize) -> Marker {
    let unended = !text.is_empty() && !text.ends_with('\n');
    Marker::new(text.len(), feeds + 1 + usize::from(unended), 0)
}

/// Printable ASCII and line feeds only.
fn printable_ascii(bytes: &[u8]) -> bool {
    // Without an early exit the compiler checks many bytes at a time.
    bytes.iter().fold(true, |ok, &b| {
        ok & ((b' '..=b'~').contains(&b) | (b == b'\n'))
    })
}

/// The lines with content, and how many line feeds `text` has (for
/// `end_of`, so the text is searched for them once).
fn lines(text: &str) -> Option<(Vec<Line>, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut feeds = 0;
    let breaks = line_feeds(text).chain([text.len()]);
    for (i, end) in breaks.enumerate() {
        // The last `end` is the text's own, not a line feed.
        feeds = i;
        let raw = &text[start..end];
        let indent = raw.len() - raw.trim_start_matches(' ').len();
        let rest = &raw[indent..];
        let line = Line {
            no: i + 1,
            start,
            indent,
            end,
            marker: false,
        };
        start = end + 1;
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        if indent == 0 && (rest.starts_with("---") || rest.starts_with("...")) {
            // Only `---` alone or before a comment; `...`, or content after
            // the marker, goes to saphyr.
            let after = &rest[3..];
            let is_marker = rest.starts_with("---")
                && (after.is_empty() || (after.starts_with(' ') && ends_line(after)));
            if !is_marker {
                return None;
            }
            out.push(Line {
                marker: true,
                ..line
            });
            continue;
        }
        if indent == 0 && rest.starts_with('%') {
            return None;
        }
        out.push(line);
    }
    Some((out, feeds))
}

struct Scan<'a> {
    text: &'a str,
    /// Where the text ends.
    end: Marker,
    lines: Vec<Line>,
    /// The next line to read.
    at: usize,
    /// Open collections, bounded as the builder bounds them.
    depth: usize,
    /// Events scanned and not yet read: one document's at most.
    out: VecDeque<(Event<'a>, Span)>,
    /// The stream's end was scanned.
    ended: bool,
    /// A document was scanned (the next content must start another).
    first_done: bool,
}

impl<'a> Scan<'a> {
    fn marker_at(&self, line: &Line, offset: usize) -> Marker {
        // ASCII only: a character index is a byte offset.
        Marker::new(offset, line.no, offset - line.start)
    }

    fn push(&mut self, event: Event<'a>, at: Marker) {
        self.out.push_back((event, Span::new(at, at)));
    }

    /// Where the next line starts (or the text ends).
    fn next_marker(&self) -> Marker {
        match self.lines.get(self.at) {
            Some(l) => Marker::new(l.start, l.no, 0),
            None => self.end,
        }
    }

    /// The next line when it holds content (not a document marker).
    fn content(&self) -> Option<Line> {
        self.lines.get(self.at).copied().filter(|l| !l.marker)
    }

    /// Scans the next document (or the stream's end).
    fn document(&mut self) -> Option<()> {
        let Some(line) = self.lines.get(self.at).copied() else {
            self.push(Event::StreamEnd, self.end);
            self.ended = true;
            return Some(());
        };
        if line.marker {
            self.push(
                Event::DocumentStart(true),
                self.marker_at(&line, line.start),
            );
            self.at += 1;
            match self.content() {
                Some(root) => self.block_node(&root, None)?,
                None => self.push(
                    Event::Scalar(Cow::Borrowed(""), ScalarStyle::Plain, 0, None),
                    self.next_marker(),
                ),
            }
        } else if !self.first_done {
            let at = self.marker_at(&line, line.start + line.indent);
            self.push(Event::DocumentStart(false), at);
            self.block_node(&line, None)?;
        } else {
            // Content after a document's root: an error, saphyr's to report.
            return None;
        }
        self.first_done = true;
        if self.content().is_some() {
            return None;
        }
        self.push(Event::DocumentEnd, self.next_marker());
        Some(())
    }

    /// The block collection starting at `line` (the next line), which must
    /// be indented more than `parent`.
    fn block_node(&mut self, line: &Line, parent: Option<usize>) -> Option<()> {
        if parent.is_some_and(|p| line.indent <= p) {
            return None;
        }
        let rest = &self.text[line.start + line.indent..line.end];
        if is_entry(rest) {
            self.sequence(line.indent)
        } else {
            self.mapping(line.start + line.indent)
        }
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= super::parse::MAX_DEPTH).then_some(())
    }

    /// A block sequence whose `-` indicators sit at column `col`.
    fn sequence(&mut self, col: usize) -> Option<()> {
        self.enter()?;
        let first = self.content()?;
        self.push(
            Event::SequenceStart(0, None),
            self.marker_at(&first, first.start + col),
        );
        while let Some(line) = self.content() {
            if line.indent != col {
                break;
            }
            let rest = &self.text[line.start + col..line.end];
            if !is_entry(rest) {
                break;
            }
            let after_dash = line.start + col + 1;
            let item = after_dash + spaces(&self.text[after_dash..line.end]);
            let item_text = &self.text[item..line.end];
            if item_text.is_empty() || item_text.starts_with('#') {
                // After `- ` the empty item is where the item would start.
                let empty = self.marker_at(&line, item.min(after_dash + 1).min(line.end));
                self.at += 1;
                self.value_below(col, empty, false)?;
            } else if is_entry(item_text) {
                return None;
            } else if key_end(item_text).is_some() {
                self.mapping(item)?;
            } else {
                self.inline_value(&line, item)?;
                self.at += 1;
                self.no_continuation(col)?;
            }
            match self.content() {
                Some(next) if next.indent > col => return None,
                _ => {}
            }
        }
        self.push(Event::SequenceEnd, self.next_marker());
        self.depth -= 1;
        Some(())
    }

    /// A block mapping whose first key starts at byte `first_key` of the
    /// next line; later keys start their own lines at the same column.
    fn mapping(&mut self, first_key: usize) -> Option<()> {
        self.enter()?;
        let first = self.content()?;
        let col = first_key - first.start;
        self.push(
            Event::MappingStart(0, None),
            self.marker_at(&first, first_key),
        );
        let mut key_at = first_key;
        loop {
            let line = self.content()?;
            self.entry(&line, key_at, col)?;
            match self.content() {
                Some(next) if next.indent == col => {
                    let rest = &self.text[next.start + col..next.end];
                    if is_entry(rest) {
                        return None;
                    }
                    key_at = next.start + col;
                }
                Some(next) if next.indent > col => return None,
                _ => break,
            }
        }
        self.push(Event::MappingEnd, self.next_marker());
        self.depth -= 1;
        Some(())
    }

    /// One `key: value` of a mapping at column `col`, the key at byte `at`
    /// of `line`; leaves the next line after the value.
    fn entry(&mut self, line: &Line, at: usize, col: usize) -> Option<()> {
        let text = &self.text[at..line.end];
        let colon = self.key(line, at, text)?;
        let value = at + colon + 1;
        let value = value + spaces(&self.text[value..line.end]);
        let value_text = &self.text[value..line.end];
        if value_text.is_empty() || value_text.starts_with('#') {
            let empty = self.marker_at(line, at + colon + 1);
            self.at += 1;
            return self.value_below(col, empty, true);
        }
        self.inline_value(line, value)?;
        self.at += 1;
        self.no_continuation(col)
    }

    /// A key's scalar event; returns the offset of its `:` in `text`.
    fn key(&mut self, line: &Line, at: usize, text: &'a str) -> Option<usize> {
        let mark = self.marker_at(line, at);
        let (event, colon) = match text.as_bytes()[0] {
            b'"' | b'\'' => {
                let (value, style, len) = quoted(text)?;
                let after = &text[len..];
                let gap = spaces(after);
                if !is_separator(&after[gap..]) {
                    return None;
                }
                (Event::Scalar(value, style, 0, None), len + gap)
            }
            _ => {
                let colon = key_end(text)?;
                let key = text[..colon].trim_end_matches(' ');
                (
                    Event::Scalar(Cow::Borrowed(key), ScalarStyle::Plain, 0, None),
                    colon,
                )
            }
        };
        if colon > MAX_KEY {
            return None;
        }
        self.push(event, mark);
        Some(colon)
    }

    /// What follows a key or `-` with nothing after it on its line: a
    /// block collection indented more than `col` (or, under a key, a
    /// sequence at `col`), else an empty scalar at `empty`.
    fn value_below(&mut self, col: usize, empty: Marker, indentless: bool) -> Option<()> {
        match self.content() {
            Some(next) if next.indent > col => self.block_node(&next, Some(col)),
            Some(next)
                if indentless
                    && next.indent == col
                    && is_entry(&self.text[next.start + col..next.end]) =>
            {
                self.sequence(col)
            }
            _ => {
                self.push(
                    Event::Scalar(Cow::Borrowed(""), ScalarStyle::Plain, 0, None),
                    empty,
                );
                Some(())
            }
        }
    }

    /// A value that starts at byte `at` of `line` and ends on it: a plain
    /// or quoted scalar, `{}` or `[]`.
    fn inline_value(&mut self, line: &Line, at: usize) -> Option<()> {
        let text = &self.text[at..line.end];
        let mark = self.marker_at(line, at);
        let (event, len) = match text.as_bytes()[0] {
            b'"' | b'\'' => {
                let (value, style, len) = quoted(text)?;
                (Event::Scalar(value, style, 0, None), len)
            }
            b'{' | b'[' => {
                let (open, close) = match text.as_bytes()[0] {
                    b'{' => (Event::MappingStart(0, None), Event::MappingEnd),
                    _ => (Event::SequenceStart(0, None), Event::SequenceEnd),
                };
                if !(text.starts_with("{}") || text.starts_with("[]")) {
                    return None;
                }
                if !ends_line(&text[2..]) {
                    return None;
                }
                // Its span covers the `{` or `[`, as saphyr's does: the
                // reader tells flow collections by it.
                let after = self.marker_at(line, at + 1);
                self.out.push_back((open, Span::new(mark, after)));
                self.push(close, after);
                return Some(());
            }
            _ => {
                let len = plain_end(text)?;
                let value = &text[..len];
                (
                    Event::Scalar(Cow::Borrowed(value), ScalarStyle::Plain, 0, None),
                    len,
                )
            }
        };
        if !ends_line(&text[len..]) {
            return None;
        }
        self.push(event, mark);
        Some(())
    }

    /// After a value that ended on its line, a more indented line would
    /// continue it (or be an error): saphyr's to read.
    fn no_continuation(&self, col: usize) -> Option<()> {
        match self.content() {
            Some(next) if next.indent > col => None,
            _ => Some(()),
        }
    }
}

/// `-` followed by a space or the line's end: a sequence entry.
fn is_entry(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

fn spaces(text: &str) -> usize {
    text.len() - text.trim_start_matches(' ').len()
}

/// `:` followed by a space or the line's end.
fn is_separator(text: &str) -> bool {
    text == ":" || text.starts_with(": ")
}

/// Nothing but spaces and perhaps a comment (after at least one space).
fn ends_line(text: &str) -> bool {
    let gap = spaces(text);
    text.len() == gap || (gap > 0 && text.as_bytes()[gap] == b'#')
}

/// Whether a plain scalar may start with `text` (YAML's indicators may
/// not, except `-`, `?` and `:` before a non-space).
fn plain_start(text: &str) -> bool {
    match text.as_bytes() {
        [] => false,
        [b'-' | b'?' | b':', next, ..] => *next != b' ',
        [b'-' | b'?' | b':'] => false,
        [first, ..] => !b"[]{},#&*!|>'\"%@`".contains(first),
    }
}

/// The offset of the `:` that ends a plain key starting `text`: the first
/// `:` followed by a space or the line's end, before any comment.
fn key_end(text: &str) -> Option<usize> {
    if !plain_start(text) {
        return None;
    }
    let bytes = text.as_bytes();
    for i in 0..bytes.len() {
        match bytes[i] {
            b':' if is_separator(&text[i..]) => return (i > 0).then_some(i),
            b'#' if bytes[i - 1] == b' ' => return None,
            _ => {}
        }
    }
    None
}

/// The length of a plain value starting `text` on one line, trailing
/// spaces and any comment left out; `None` where YAML would read more (a
/// `: ` or a final `:` makes it a key, which is an error here).
fn plain_end(text: &str) -> Option<usize> {
    if !plain_start(text) {
        return None;
    }
    let bytes = text.as_bytes();
    let mut end = bytes.len();
    for i in 1..bytes.len() {
        if bytes[i] == b'#' && bytes[i - 1] == b' ' {
            end = i;
            break;
        }
        if bytes[i] == b':' && is_separator(&text[i..]) {
            return None;
        }
    }
    Some(text[..end].trim_end_matches(' ').len())
}

/// A quoted scalar that ends on its line, without escapes in double
/// quotes: its value, style and length in `text` (quotes included).
fn quoted(text: &str) -> Option<(Cow<'_, str>, ScalarStyle, usize)> {
    let bytes = text.as_bytes();
    match bytes[0] {
        b'"' => {
            let close = 1 + text[1..].find(['"', '\\'])?;
            (bytes[close] == b'"').then(|| {
                (
                    Cow::Borrowed(&text[1..close]),
                    ScalarStyle::DoubleQuoted,
                    close + 1,
                )
            })
        }
        _ => {
            let mut i = 1;
            let mut doubled = false;
            loop {
                match (bytes.get(i)?, bytes.get(i + 1)) {
                    (b'\'', Some(b'\'')) => {
                        doubled = true;
                        i += 2;
                    }
                    (b'\'', _) => break,
                    _ => i += 1,
                }
            }
            let inner = &text[1..i];
            let value = match doubled {
                true => Cow::Owned(inner.replace("''", "'")),
                false => Cow::Borrowed(inner),
            };
            Some((value, ScalarStyle::SingleQuoted, i + 1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::Strategy;
    use saphyr_parser::Parser;

    /// saphyr's events, each with the line the builder reads from it; `None`
    /// when saphyr fails.
    fn saphyr(text: &str) -> Option<Vec<(Event<'_>, usize)>> {
        let mut parser = Parser::new_from_str(text);
        let mut out = Vec::new();
        while let Some(next) = parser.next_event() {
            let (event, span) = next.ok()?;
            out.push((event, span.start.line()));
        }
        Some(out)
    }

    /// Every event of `text`, or `None` where the scanner declines it
    /// (up front or part-way).
    fn collect(text: &str) -> Option<Vec<(Event<'_>, Span)>> {
        let mut events = events(text)?;
        let mut out = Vec::new();
        while let Some(next) = events.next() {
            out.push(next.ok()?);
        }
        Some(out)
    }

    /// Where the fast scanner answers, it answers as saphyr does: the same
    /// events, and the same line for every node the builder records one
    /// for (scalars and collection starts).
    pub(crate) fn agrees(text: &str) -> bool {
        let Some(fast) = collect(text) else {
            return true;
        };
        let Some(slow) = saphyr(text) else {
            eprintln!("fast scanner accepted what saphyr refuses:\n{text}");
            return false;
        };
        let lines_matter = |e: &Event| {
            matches!(
                e,
                Event::Scalar(..) | Event::MappingStart(..) | Event::SequenceStart(..)
            )
        };
        let same = fast.len() == slow.len()
            && fast.iter().zip(&slow).all(|((fe, fs), (se, sl))| {
                fe == se && (!lines_matter(fe) || fs.start.line() == *sl)
            });
        if !same {
            eprintln!("fast scanner differs from saphyr on:\n{text}");
            let fast: Vec<_> = fast.iter().map(|(e, s)| (e, s.start.line())).collect();
            eprintln!("fast:   {fast:?}\nsaphyr: {slow:?}");
        }
        same
    }

    #[test]
    fn reads_plain_block_yaml_as_saphyr_does() {
        let accepted = [
            "",
            "# only a comment\n",
            "---\n",
            "a: 1\n",
            "a: 1",
            "  a: 1\n  b: 2\n",
            "a:\nb: 1\nc:\n- \n-\n- x\nd:\n  - \ne: 1",
            "k:\n  - a\n  -\n# c\n\n  - b\nz: 1\n",
            "a: 'x''y'\nb: \"q\"\n\"c d\": 'e' # c\n'f': \"\"\n",
            "# c\n---\na: 1\n---\n# x\n---\nb: 2\n---\n",
            "items:\n- name: a\n  v: 1\n- b\n-\n  - c\nmeta:\n  x: {}\n  y: []\n  z:\n",
            "a: b:c\nd: http://x # y\ne: a#b\nf: -1\ng: :x\nh: ?y\n",
            "- a: 1\n  b:\n  - x\n  c: {} # c\n-   d: 2\n    e: 3\n",
            "a:\n    b:\n      - c\n    d: e   \n",
            "--- # c\na: 1\n",
            "---\n ",
            "a:\n# c",
            "a: 1\n---",
        ];
        for text in accepted {
            assert!(collect(text).is_some(), "declined {text:?}");
            assert!(agrees(text), "{text:?}");
        }
    }

    #[test]
    fn declines_what_it_does_not_read() {
        let declined = [
            "a: |\n  x\n",
            "a: >-\n  x\n",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: {b: 1}\n",
            "a: [1, 2]\n",
            "a: \"x\\ty\"\n",
            "a: x\n  y\n",
            "a: 'x\n  y'\n",
            "? a\n: b\n",
            "- - a\n",
            "a: 1\n...\n",
            "%YAML 1.2\n---\na: 1\n",
            "a:\tb\n",
            "a: b\r\n",
            "a: caf\u{e9}\n",
            "just a scalar\n",
            "a: b: c\n",
            "a: 1\n b: 2\n",
            "- a\nb: 1\n",
            "a: 1\n- b\n",
            "a:\n  - b\n c: 1\n",
            "--- a: 1\n",
        ];
        for text in declined {
            assert!(collect(text).is_none(), "accepted {text:?}");
        }
    }

    /// Scalars and keys the scanner reads, and some it declines.
    const SCALARS: &[&str] = &[
        "a",
        "b c",
        "-1",
        ":x",
        "a:b",
        "a#b",
        "x # c",
        "'q''t'",
        "'s'",
        "\"d\"",
        "\"\"",
        "{}",
        "[]",
        "~",
        "null",
        "yes",
        "0x1F",
        "1.50",
        "",
        "http://x/y",
        "?x",
        "<<",
        "a  ",
    ];
    const DECLINED: &[&str] = &[
        "&a", "*a", "!t", "|", "[1]", "{a: 1}", "\"e\\n\"", "- x", "x: y", "-",
    ];
    const KEYS: &[&str] = &[
        "a", "b", "k-1", "x.y/z", "a b", "1", "true", "<<", "\"q k\"", "'s k'", "\"\"",
    ];
    const ODD_KEYS: &[&str] = &["-k", ":k", "? k", "&k", "k #c"];

    #[derive(Debug, Clone)]
    enum Node {
        Scalar(&'static str),
        Map(Vec<(&'static str, Node)>),
        Seq(Vec<Node>),
    }

    fn node() -> impl Strategy<Value = Node> {
        use proptest::collection::vec;
        use proptest::sample::select;
        let key = proptest::prop_oneof![20 => select(KEYS), 1 => select(ODD_KEYS)];
        proptest::prop_oneof![30 => select(SCALARS), 1 => select(DECLINED)]
            .prop_map(Node::Scalar)
            .prop_recursive(4, 32, 4, move |inner| {
                proptest::prop_oneof![
                    vec((key.clone(), inner.clone()), 1..4).prop_map(Node::Map),
                    vec(inner, 1..4).prop_map(Node::Seq),
                ]
            })
    }

    /// How a tree is written out.
    #[derive(Debug, Clone, Copy)]
    struct Style {
        step: usize,
        indentless: bool,
        comments: bool,
    }

    fn lines_of(node: &Node, indent: usize, style: Style, out: &mut Vec<String>) {
        let pad = " ".repeat(indent);
        match node {
            Node::Scalar(s) => out.push(format!("{pad}{s}")),
            Node::Map(entries) => {
                for (key, value) in entries {
                    match value {
                        Node::Scalar(s) => out.push(format!("{pad}{key}: {s}")),
                        Node::Seq(_) if style.indentless => {
                            out.push(format!("{pad}{key}:"));
                            lines_of(value, indent, style, out);
                        }
                        _ => {
                            out.push(format!("{pad}{key}:"));
                            lines_of(value, indent + style.step, style, out);
                        }
                    }
                    if style.comments {
                        out.push(format!("{pad}  # after {key}"));
                    }
                }
            }
            Node::Seq(items) => {
                for item in items {
                    match item {
                        Node::Scalar(s) => out.push(format!("{pad}- {s}")),
                        Node::Map(_) => {
                            // A compact mapping: its first key on the dash's line.
                            let mut inner = Vec::new();
                            lines_of(item, indent + 2, style, &mut inner);
                            let first = inner.remove(0);
                            out.push(format!("{pad}- {}", &first[indent + 2..]));
                            out.extend(inner);
                        }
                        Node::Seq(_) => {
                            out.push(format!("{pad}-"));
                            lines_of(item, indent + style.step, style, out);
                        }
                    }
                }
            }
        }
    }

    /// A text from trees, with one line perhaps disturbed.
    fn text() -> impl Strategy<Value = String> {
        use proptest::sample::select;
        (
            proptest::collection::vec(node(), 1..3),
            (1usize..4, proptest::bool::ANY, proptest::bool::ANY),
            proptest::option::weighted(
                0.2,
                (0usize..64, select(&["", " ", ": x", " # c", "#", "- "][..])),
            ),
            proptest::option::weighted(0.2, 0usize..64),
            select(&["", "\n"][..]),
        )
            .prop_map(
                |(docs, (step, indentless, comments), append, dedent, end)| {
                    let style = Style {
                        step,
                        indentless,
                        comments,
                    };
                    let mut lines = Vec::new();
                    for (i, doc) in docs.iter().enumerate() {
                        if i > 0 || step == 3 {
                            lines.push("---".to_string());
                        }
                        lines_of(doc, 0, style, &mut lines);
                    }
                    let n = lines.len();
                    if let Some((at, extra)) = append {
                        lines[at % n].push_str(extra);
                    }
                    if let Some(at) = dedent {
                        let line = &mut lines[at % n];
                        if line.starts_with(' ') {
                            line.remove(0);
                        } else {
                            line.insert(0, ' ');
                        }
                    }
                    format!("{}{end}", lines.join("\n"))
                },
            )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        #[test]
        fn generated_texts_read_as_saphyr_reads_them(text in text()) {
            proptest::prop_assert!(agrees(&text), "{text:?}");
        }
    }

    #[test]
    fn agrees_with_saphyr_on_the_repository_yaml() {
        // This repository, `../shared` (kustomize's scenarios and trees
        // from public repositories) where it exists, and any directories
        // named in NEST_KZ_YAML_CORPUS (colon-separated).
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut roots = vec![root.to_path_buf(), root.join("../shared")];
        if let Ok(more) = std::env::var("NEST_KZ_YAML_CORPUS") {
            roots.extend(more.split(':').map(std::path::PathBuf::from));
        }
        let (mut read, mut declined) = (0, 0);
        for entry in roots.iter().flat_map(|r| {
            walkdir::WalkDir::new(r)
                .into_iter()
                .filter_entry(|e| e.file_name() != "target" && e.file_name() != ".git")
                .filter_map(|e| e.ok())
        }) {
            let path = entry.path();
            let yaml = path.extension().is_some_and(|x| x == "yaml" || x == "yml");
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            if yaml {
                assert!(agrees(&text), "{}", path.display());
                match collect(&text) {
                    Some(_) => read += 1,
                    None => declined += 1,
                }
            }
        }
        eprintln!("fast scanner: {read} files read, {declined} declined");
        // The Nest tree and the golden files are plain block YAML.
        assert!(read > 50, "only {read} files read by the fast scanner");
    }
}
