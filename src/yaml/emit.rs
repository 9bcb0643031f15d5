//! The document (`model::value::Value`) -> YAML text, byte-compatible with `kubectl kustomize`.
//!
//! Kustomize prints each resource by marshalling it to JSON and converting
//! that JSON to YAML with go-yaml v2 (`sigs.k8s.io/yaml.JSONToYAML`). So the
//! output rules are go-yaml v2's: map keys in its "natural" order, strings
//! that would read back as another type double-quoted, plain scalars folded
//! past column 80, multi-line strings as literal blocks, sequences not
//! indented under their key. This module reproduces that emitter's decisions.

use super::scalars::{is_base60_float, is_go_float, is_timestamp, split_go_int};
use crate::model::value::{Key, Map, Number, Value};

pub(super) const BEST_WIDTH: usize = 80;
const BEST_INDENT: i32 = 2;

/// Renders one document (no leading `---`), ending in a newline.
pub fn emit_document(value: &Value) -> String {
    let mut out = String::new();
    append_document(&mut out, value);
    out
}

/// Renders one document with its mappings' keys in the order they hold
/// them (as an encoder of a YAML node tree writes them), not sorted: for
/// YAML kept inside a string that a step rewrote.
pub fn emit_document_in_order(value: &Value) -> String {
    let mut e = Emitter {
        whitespace: true,
        indention: true,
        in_order: true,
        ..Emitter::default()
    };
    e.node(value, -1, Context::Root);
    e.write_indent(-1);
    e.out
}

/// Appends one document's text to `out`.
fn append_document(out: &mut String, value: &Value) {
    let mut e = Emitter {
        out: std::mem::take(out),
        ..Emitter::default()
    };
    e.document(value);
    *out = e.out;
}

/// Renders documents joined by `---` separators, as `kustomize build` does.
pub fn emit_stream<'a>(values: impl IntoIterator<Item = &'a Value>) -> String {
    let mut out = String::new();
    for (i, v) in values.into_iter().enumerate() {
        push_document(&mut out, v, i == 0);
    }
    out
}

/// Documents formatted per task when the stream is printed on every core.
const CHUNK: usize = 256;

/// Documents formatted before their text is written: bounds the text held
/// in memory while keeping every core busy.
const BATCH: usize = 16 * CHUNK;

/// Streams the documents to `out` joined by `---` separators. Documents
/// are formatted on every core a batch at a time and written in order, so
/// the bytes are those of formatting them one by one, and the output never
/// sits whole in memory.
pub fn write_stream(out: &mut dyn std::io::Write, values: &[Value]) -> std::io::Result<()> {
    use rayon::prelude::*;
    if values.len() <= CHUNK {
        // One task's worth: no threads for a small build. The text goes
        // out as it is made, so a document with one huge value is never
        // held whole a second time.
        let mut e = Emitter {
            sink: Some(out),
            ..Emitter::default()
        };
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                e.out.push_str("---\n");
            }
            e.document(v);
        }
        e.flush();
        return e.failed.map_or(Ok(()), Err);
    }
    for (b, batch) in values.chunks(BATCH).enumerate() {
        let texts: Vec<String> = batch
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(c, chunk)| {
                let mut text = String::new();
                for (i, v) in chunk.iter().enumerate() {
                    push_document(&mut text, v, b == 0 && c == 0 && i == 0);
                }
                text
            })
            .collect();
        for text in texts {
            out.write_all(text.as_bytes())?;
        }
    }
    Ok(())
}

/// Appends one document to a stream, after a `---` separator unless it
/// comes first.
fn push_document(out: &mut String, value: &Value, first: bool) {
    if !first {
        out.push_str("---\n");
    }
    append_document(out, value);
}

#[derive(Clone, Copy, PartialEq)]
enum Context {
    Root,
    MappingValue,
    SequenceItem,
}

/// Text a streaming emitter holds before writing it out.
const FLUSH_BYTES: usize = 64 << 10;

#[derive(Default)]
pub(super) struct Emitter<'w> {
    pub(super) out: String,
    /// Where the text goes once `out` holds [`FLUSH_BYTES`], at a line
    /// break; none to keep it all in `out`.
    sink: Option<&'w mut dyn std::io::Write>,
    /// The sink's first error: later text is dropped, and the stream
    /// reports it at the end.
    failed: Option<std::io::Error>,
    pub(super) column: usize,
    pub(super) whitespace: bool,
    pub(super) indention: bool,
    /// Keys in the mapping's own order rather than go-yaml v2's sort.
    in_order: bool,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

impl Emitter<'_> {
    /// Emits one document, starting at column 0.
    fn document(&mut self, value: &Value) {
        // libyaml starts a stream at column 0 "after whitespace, at an indentation".
        self.column = 0;
        self.whitespace = true;
        self.indention = true;
        self.node(value, -1, Context::Root);
        // kustomize's output never closes a document with `...`, even after a
        // `|+` block, so the emitter's open-ended state is not tracked.
        self.write_indent(-1);
    }

    /// Writes the text so far to the sink, if there is one.
    fn flush(&mut self) {
        let Some(sink) = self.sink.as_mut() else {
            return;
        };
        if self.failed.is_none()
            && let Err(e) = sink.write_all(self.out.as_bytes())
        {
            self.failed = Some(e);
        }
        self.out.clear();
    }

    pub(super) fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    pub(super) fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
        if self.sink.is_some() && self.out.len() >= FLUSH_BYTES {
            self.flush();
        }
    }

    /// go-yaml's `write_break`: `\n` becomes a line break; other break
    /// characters (U+0085, U+2028, U+2029, CR) are written as themselves.
    pub(super) fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    pub(super) fn write_indent(&mut self, indent: i32) {
        let indent = indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    pub(super) fn write_indicator(
        &mut self,
        text: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in text.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    /// Emits `value` whose parent block sits at `parent_indent`.
    fn node(&mut self, value: &Value, parent_indent: i32, ctx: Context) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                self.block_mapping(map, next_indent(parent_indent, false))
            }
            Value::Array(items) if !items.is_empty() => {
                // go-yaml v2 writes a sequence that is a mapping value without indenting it.
                let indentless = ctx == Context::MappingValue && !self.indention;
                self.block_sequence(items, next_indent(parent_indent, indentless))
            }
            Value::Object(_) => self.flow_empty("{", "}"),
            Value::Array(_) => self.flow_empty("[", "]"),
            scalar => {
                let indent = if parent_indent < 0 {
                    BEST_INDENT
                } else {
                    parent_indent + BEST_INDENT
                };
                match scalar {
                    Value::String(s) => self.string_scalar(s, indent, false),
                    other => self.write_plain(&non_string_text(other), indent, true),
                }
            }
        }
    }

    fn flow_empty(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    fn block_mapping(&mut self, map: &Map, indent: i32) {
        let mut entries: Vec<(&Key, &Value)> = map.iter().collect();
        if !self.in_order {
            crate::model::key_order::sort_keys(&mut entries, |e| e.0);
        }
        for (key, value) in entries {
            self.write_indent(indent);
            if is_simple_key(key) {
                self.string_scalar(key, indent + BEST_INDENT, true);
                self.write_indicator(":", false, false, false);
            } else {
                // go-yaml v2 writes other keys as complex keys: `? key`,
                // then `: value` on the next line at the same indent.
                self.write_indicator("?", true, false, true);
                self.string_scalar(key, indent + BEST_INDENT, false);
                self.write_indent(indent);
                self.write_indicator(":", true, false, true);
            }
            self.node(value, indent, Context::MappingValue);
        }
    }

    fn block_sequence(&mut self, items: &[Value], indent: i32) {
        for item in items {
            self.write_indent(indent);
            self.write_indicator("-", true, false, true);
            self.node(item, indent, Context::SequenceItem);
        }
    }

    fn string_scalar(&mut self, s: &str, indent: i32, simple_key: bool) {
        if is_plain_word(s) {
            // What the general path below writes for such a word, without
            // looking at it character by character.
            if !self.whitespace {
                self.put(' ');
            }
            self.out.push_str(s);
            self.column += s.len();
            self.whitespace = false;
            self.indention = false;
            return;
        }
        let folded = fold_raw_nel(s);
        let s = folded.as_ref();
        match select_style(s, simple_key) {
            Style::Plain => self.write_plain(s, indent, !simple_key),
            Style::Single => self.write_single_quoted(s, indent, !simple_key),
            Style::Double => self.write_double_quoted(s, indent, !simple_key),
            Style::Literal => self.write_literal(s, indent, None),
        }
    }

    pub(super) fn write_plain(&mut self, s: &str, indent: i32, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let mut spaces = false;
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c == ' ' {
                let next_is_space = chars.peek() == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_is_space {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                self.indention = false;
                spaces = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    pub(super) fn write_single_quoted(&mut self, s: &str, indent: i32, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let (mut spaces, mut breaks) = (false, false);
        let mut chars = s.chars().peekable();
        let mut first = true;
        while let Some(c) = chars.next() {
            let at_start = std::mem::take(&mut first);
            if c == ' ' {
                let next = chars.peek().copied();
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && !at_start
                    && next.is_some()
                    && next != Some(' ')
                {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    pub(super) fn write_double_quoted(&mut self, s: &str, indent: i32, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let mut spaces = false;
        // go-yaml v2's `is_bom` looks at the first bytes of the string, not
        // at position i: after a leading BOM every character is escaped.
        let leading_bom = s.starts_with('\u{FEFF}');
        let mut chars = s.chars().peekable();
        let mut first = true;
        while let Some(c) = chars.next() {
            let at_start = std::mem::take(&mut first);
            if leading_bom
                || !is_printable(c)
                || c == '\u{FEFF}'
                || is_break(c)
                || c == '"'
                || c == '\\'
            {
                self.put('\\');
                match escape_letter(c) {
                    Some(letter) => self.put(letter),
                    None => {
                        let (prefix, width) = match c as u32 {
                            0..=0xFF => ('x', 2),
                            0x100..=0xFFFF => ('u', 4),
                            _ => ('U', 8),
                        };
                        self.put(prefix);
                        for ch in format!("{:0width$X}", c as u32, width = width).chars() {
                            self.put(ch);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                let next = chars.peek().copied();
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && !at_start
                    && next.is_some()
                {
                    self.write_indent(indent);
                    if next == Some(' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// The indentation and chomping hints after `|` or `>`.
    pub(super) fn block_hints(&mut self, s: &str) {
        if s.starts_with(|c: char| c == ' ' || is_break(c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        let mut from_end = s.chars().rev();
        let chomp = match (from_end.next(), from_end.next()) {
            (None, _) => Some("-"),
            (Some(last), _) if !is_break(last) => Some("-"),
            (Some(_), None) => Some("+"),
            (Some(_), Some(prev)) if is_break(prev) => Some("+"),
            _ => None,
        };
        if let Some(hint) = chomp {
            self.write_indicator(hint, false, false, false);
        }
    }

    /// A comment after a block scalar's header, on the header's line.
    pub(super) fn header_comment(&mut self, comment: Option<&str>) {
        if let Some(text) = comment {
            self.put(' ');
            for c in text.chars() {
                self.put(c);
            }
        }
    }

    /// A literal block scalar; `comment` ends its header's line.
    pub(super) fn write_literal(&mut self, s: &str, indent: i32, comment: Option<&str>) {
        self.write_indicator("|", true, false, false);
        self.block_hints(s);
        self.header_comment(comment);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        let mut rest = s;
        while !rest.is_empty() {
            // A line is written whole: its characters need no escaping.
            let line_len = next_break(rest).unwrap_or(rest.len());
            if line_len > 0 {
                if breaks {
                    self.write_indent(indent);
                }
                let line = &rest[..line_len];
                self.out.push_str(line);
                self.column += line.chars().count();
                self.indention = false;
                breaks = false;
                rest = &rest[line_len..];
            }
            if let Some(c) = rest.chars().next() {
                self.write_break(c);
                self.indention = true;
                breaks = true;
                rest = &rest[c.len_utf8()..];
            }
        }
    }
}

/// Where the first line break of `s` is: found by bytes, since a break is
/// `\n`, `\r`, or a character whose UTF-8 starts with 0xC2 (U+0085) or
/// 0xE2 (U+2028, U+2029).
fn next_break(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(i) = bytes[from..]
        .iter()
        .position(|b| matches!(b, b'\n' | b'\r' | 0xC2 | 0xE2))
    {
        let at = from + i;
        if s[at..].chars().next().is_some_and(is_break) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// What kustomize's JSON-to-YAML round trip does to a string: Go's JSON
/// encoder leaves U+0085 (NEL) raw, and go-yaml v2 then reads it inside a
/// double-quoted scalar as a line break and folds it. A run of spaces and
/// NELs becomes one space when it holds one NEL, else one newline per NEL
/// after the first. (Tabs and newlines are JSON escapes and never fold.)
pub fn fold_raw_nel(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('\u{85}') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != ' ' && c != '\u{85}' {
            out.push(c);
            continue;
        }
        // A run of spaces and NELs: kept as it is when it holds no NEL.
        let (mut spaces, mut breaks) = (usize::from(c == ' '), usize::from(c != ' '));
        while let Some(&c) = chars.peek().filter(|&&c| c == ' ' || c == '\u{85}') {
            spaces += usize::from(c == ' ');
            breaks += usize::from(c != ' ');
            chars.next();
        }
        match breaks {
            0 => out.extend(std::iter::repeat_n(' ', spaces)),
            1 => out.push(' '),
            n => out.extend(std::iter::repeat_n('\n', n - 1)),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A character go-yaml v2's reader refuses when it meets it raw in the JSON
/// kustomize converts to YAML ("control characters are not allowed"): Go's
/// JSON encoder escapes C0 controls but passes these through.
pub fn is_unprintable_after_json(c: char) -> bool {
    matches!(c as u32, 0x7F..=0x84 | 0x86..=0x9F | 0xFFFE | 0xFFFF)
}

/// go-yaml v2's simple-key test for a string key: at most 128 bytes and on
/// one line (longer or multi-line keys are written as `? key`).
fn is_simple_key(key: &str) -> bool {
    key.len() <= 128 && !key.contains(is_break)
}

/// Most scalars in Kubernetes objects: ASCII letters, digits and `._/:-`,
/// no indicator at the start or end, read back as a string. go-yaml writes
/// them plain and as they are (no spaces, so no folding).
fn is_plain_word(s: &str) -> bool {
    let b = s.as_bytes();
    let Some((&last, _)) = b.split_last() else {
        return false;
    };
    b.iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'/' | b':' | b'-'))
        && last != b':'
        && s != "-"
        && !s.starts_with("---")
        && !s.starts_with("...")
        && reads_back_as_string(s)
}

fn next_indent(parent: i32, indentless: bool) -> i32 {
    if parent < 0 {
        0
    } else if indentless {
        parent
    } else {
        parent + BEST_INDENT
    }
}

fn escape_letter(c: char) -> Option<char> {
    Some(match c {
        '\0' => '0',
        '\u{7}' => 'a',
        '\u{8}' => 'b',
        '\t' => 't',
        '\n' => 'n',
        '\u{b}' => 'v',
        '\u{c}' => 'f',
        '\r' => 'r',
        '\u{1b}' => 'e',
        '"' => '"',
        '\\' => '\\',
        '\u{85}' => 'N',
        '\u{a0}' => '_',
        '\u{2028}' => 'L',
        '\u{2029}' => 'P',
        _ => return None,
    })
}

pub(super) fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

pub(super) fn is_blank_or_end(c: Option<char>) -> bool {
    c.is_none_or(|c| c == ' ' || c == '\t' || is_break(c) || c == '\0')
}

/// libyaml's `is_printable`: note that TAB and astral-plane characters are not.
pub(super) fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

/// A printable ASCII character that, past a scalar's first character, is
/// no indicator, blank or break: [`analyze`] learns nothing from it.
fn is_plain_ascii(b: u8) -> bool {
    (0x21..=0x7E).contains(&b)
        && !matches!(b, b',' | b'?' | b'[' | b']' | b'{' | b'}' | b':' | b'#')
}

#[cfg_attr(test, derive(Debug, PartialEq))]
pub(super) struct Analysis {
    pub(super) multiline: bool,
    pub(super) flow_plain_allowed: bool,
    pub(super) block_plain_allowed: bool,
    pub(super) single_quoted_allowed: bool,
    pub(super) block_allowed: bool,
}

/// libyaml's `yaml_emitter_analyze_scalar` as go-yaml ports it: v2 counts a
/// tab as a special character (no plain, quoted or block style but
/// double quotes); v3 rules out only plain and single-quoted text for it.
pub(super) fn analyze(s: &str, go_yaml_v3: bool) -> Analysis {
    if s.is_empty() {
        return EMPTY_ANALYSIS;
    }
    let mut scan = Scan::new(s);
    let bytes = s.as_bytes();
    let char_at = |i: usize| match bytes.get(i) {
        Some(&b) if b.is_ascii() => Some(char::from(b)),
        Some(_) => s[i..].chars().next(),
        None => None,
    };
    let mut at = 0;
    while at < bytes.len() {
        // Runs past the first character are skipped a byte at a time rather
        // than decoded (a generated dashboard's megabyte of JSON): plain
        // ASCII changes nothing but the "previous" flags, and a run of
        // spaces only what its first and last space would.
        let run_of = |pred: fn(u8) -> bool| {
            if at > 0 {
                bytes[at..].iter().take_while(|&&b| pred(b)).count()
            } else {
                0
            }
        };
        let plain = run_of(is_plain_ascii);
        if plain > 0 {
            at += plain;
            scan.previous = Previous::Other;
            continue;
        }
        let spaces = run_of(|b| b == b' ');
        if spaces > 0 {
            at += spaces;
            scan.break_space |= scan.previous == Previous::Break;
            scan.trailing_space |= at == bytes.len();
            scan.previous = Previous::Space;
            continue;
        }
        let Some(c) = char_at(at) else { break };
        let at_start = at == 0;
        at += c.len_utf8();
        scan.char(c, at_start, char_at(at), go_yaml_v3);
    }
    scan.analysis()
}

/// What [`analyze`] makes of the empty text.
const EMPTY_ANALYSIS: Analysis = Analysis {
    multiline: false,
    flow_plain_allowed: false,
    block_plain_allowed: true,
    single_quoted_allowed: true,
    block_allowed: false,
};

/// What the character before the one being read was, as libyaml's
/// `previous_space`, `previous_break` and `preceded_by_whitespace` flags
/// tell it (the first character counts as preceded by whitespace).
#[derive(Clone, Copy, PartialEq)]
enum Previous {
    Start,
    Space,
    Break,
    /// A tab, NUL or other blank that is neither space nor break.
    OtherBlank,
    Other,
}

/// libyaml's flags over the characters [`analyze`] has read so far.
struct Scan {
    flow_indicators: bool,
    block_indicators: bool,
    line_breaks: bool,
    special: bool,
    tabs: bool,
    leading_space: bool,
    leading_break: bool,
    trailing_space: bool,
    trailing_break: bool,
    break_space: bool,
    space_break: bool,
    previous: Previous,
}

impl Scan {
    fn new(s: &str) -> Scan {
        let document_marker = s.starts_with("---") || s.starts_with("...");
        Scan {
            flow_indicators: document_marker,
            block_indicators: document_marker,
            line_breaks: false,
            special: false,
            tabs: false,
            leading_space: false,
            leading_break: false,
            trailing_space: false,
            trailing_break: false,
            break_space: false,
            space_break: false,
            previous: Previous::Start,
        }
    }

    /// Reads `c`, the text's first character or not, followed by `next`.
    fn char(&mut self, c: char, at_start: bool, next: Option<char>, go_yaml_v3: bool) {
        let followed_by_whitespace = next.is_none_or(|n| n == ' ' || n == '\t' || is_break(n));
        let preceded_by_whitespace = self.previous != Previous::Other;
        match (at_start, c) {
            (true, '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>')
            | (true, '\'' | '"' | '%' | '@' | '`') => {
                self.flow_indicators = true;
                self.block_indicators = true;
            }
            (true, '?' | ':') => {
                self.flow_indicators = true;
                self.block_indicators |= followed_by_whitespace;
            }
            (true, '-') if followed_by_whitespace => {
                self.flow_indicators = true;
                self.block_indicators = true;
            }
            (false, ',' | '?' | '[' | ']' | '{' | '}') => self.flow_indicators = true,
            (false, ':') => {
                self.flow_indicators = true;
                self.block_indicators |= followed_by_whitespace;
            }
            (false, '#') if preceded_by_whitespace => {
                self.flow_indicators = true;
                self.block_indicators = true;
            }
            _ => {}
        }
        if c == '\t' && go_yaml_v3 {
            self.tabs = true;
        } else if !is_printable(c) {
            self.special = true;
        }
        let last = next.is_none();
        self.previous = if c == ' ' {
            self.leading_space |= at_start;
            self.trailing_space |= last;
            self.break_space |= self.previous == Previous::Break;
            Previous::Space
        } else if is_break(c) {
            self.line_breaks = true;
            self.leading_break |= at_start;
            self.trailing_break |= last;
            self.space_break |= self.previous == Previous::Space;
            Previous::Break
        } else if is_blank_or_end(Some(c)) {
            Previous::OtherBlank
        } else {
            Previous::Other
        };
    }

    fn analysis(&self) -> Analysis {
        let mut a = Analysis {
            multiline: self.line_breaks,
            flow_plain_allowed: true,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: true,
        };
        if self.leading_space || self.leading_break || self.trailing_space || self.trailing_break {
            a.flow_plain_allowed = false;
            a.block_plain_allowed = false;
        }
        if self.trailing_space {
            a.block_allowed = false;
        }
        if self.break_space {
            a.flow_plain_allowed = false;
            a.block_plain_allowed = false;
            a.single_quoted_allowed = false;
        }
        if self.space_break || self.tabs || self.special {
            a.flow_plain_allowed = false;
            a.block_plain_allowed = false;
            a.single_quoted_allowed = false;
        }
        if self.space_break || self.special {
            a.block_allowed = false;
        }
        if self.line_breaks {
            a.flow_plain_allowed = false;
            a.block_plain_allowed = false;
        }
        if self.flow_indicators {
            a.flow_plain_allowed = false;
        }
        if self.block_indicators {
            a.block_plain_allowed = false;
        }
        a
    }
}

/// go-yaml v2's `stringv` request followed by the emitter's style fallback.
fn select_style(s: &str, simple_key: bool) -> Style {
    let requested = if s.contains('\n') {
        Style::Literal
    } else if reads_back_as_string(s) {
        Style::Plain
    } else {
        Style::Double
    };
    let a = analyze(s, false);
    let mut style = requested;
    if simple_key && a.multiline {
        style = Style::Double;
    }
    if style == Style::Plain && (!a.block_plain_allowed || (s.is_empty() && simple_key)) {
        style = Style::Single;
    }
    if style == Style::Single && !a.single_quoted_allowed {
        style = Style::Double;
    }
    if style == Style::Literal && (!a.block_allowed || simple_key) {
        style = Style::Double;
    }
    style
}

/// True when go-yaml v2 would resolve the plain text `s` back to a string
/// (its YAML 1.1 resolver: yes/no/on/off are booleans, base-60 floats exist).
pub fn reads_back_as_string(s: &str) -> bool {
    const NON_STRINGS: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF", "<<",
    ];
    // Every entry is at most five bytes long and starts with one of these.
    let may_be_listed = s.len() <= 5
        && matches!(
            s.as_bytes().first(),
            None | Some(b'~' | b'n' | b'N' | b'y' | b'Y' | b't' | b'T' | b'f' | b'F')
                | Some(b'o' | b'O' | b'.' | b'+' | b'-' | b'<')
        );
    if may_be_listed && NON_STRINGS.contains(&s) {
        return false;
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return true;
    }
    let plain: String = s.chars().filter(|c| *c != '_').collect();
    !(split_go_int(&plain).is_some()
        || is_go_float(&plain)
        || is_timestamp(s)
        || is_base60_float(s))
}

fn non_string_text(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_text(n),
        _ => String::new(),
    }
}

/// JSON numbers as go-yaml v2 prints them after a JSON round trip: an
/// integer as written; a float as `encoding/json` wrote it when go-yaml
/// reads that text back as an int64 or uint64 (`12345678901234567000`),
/// everything else through Go's `strconv.FormatFloat(f, 'g', -1, 64)`.
pub fn number_text(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let Some(f) = n.as_f64() else {
        // Out of float range (`1e400`): go-yaml keeps such a scalar's text,
        // and kustomize prints it as written.
        return n.to_string();
    };
    let json = crate::model::go_format::json_float(f);
    // Read back as an int, `-0` is 0.
    if let Ok(i) = json.parse::<i64>() {
        return i.to_string();
    }
    if let Ok(u) = json.parse::<u64>() {
        return u.to_string();
    }
    crate::model::go_format::float_g(f)
}

/// A number read into a Go float64 and printed by go-yaml v2: integral
/// values that fit an int64 as ints, everything else through
/// `strconv.FormatFloat(f, 'g', -1, 64)` (`12345678901234567890` prints
/// `1.2345678901234567e+19`).
pub fn float64_text(n: &Number) -> String {
    let Some(f) = n.as_f64() else {
        return n.to_string();
    };
    if f.fract() == 0.0 && f.abs() < 1e21 && f >= i64::MIN as f64 && f < i64::MAX as f64 {
        return (f as i64).to_string();
    }
    crate::model::go_format::float_g(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn sorts_keys_naturally_and_quotes_ambiguous_strings() {
        let v = json!({"z":"yes","a10":"x","a9":"y","star":"*","colon":"a: b","date":"2001-12-14","n":"0x1F"});
        assert_eq!(
            emit_document(&v),
            "a9: \"y\"\na10: x\ncolon: 'a: b'\ndate: \"2001-12-14\"\n\"n\": \"0x1F\"\nstar: '*'\nz: \"yes\"\n"
        );
    }

    #[test]
    fn folds_long_plain_scalars_at_eighty_columns() {
        let v = json!({"data": {"LONG": "this is a very long string value that goes on and on and on and on past the eighty column limit surely"}});
        assert_eq!(
            emit_document(&v),
            "data:\n  LONG: this is a very long string value that goes on and on and on and on past the\n    eighty column limit surely\n"
        );
    }

    #[test]
    fn sequences_sit_under_their_key_unindented() {
        let v = json!({"spec": {"args": ["on", "", null, 12, 1.5], "e": [], "m": {}, "l": [[1, 2], {"a": 1, "b": 2}]}});
        assert_eq!(
            emit_document(&v),
            "spec:\n  args:\n  - \"on\"\n  - \"\"\n  - null\n  - 12\n  - 1.5\n  e: []\n  l:\n  - - 1\n    - 2\n  - a: 1\n    b: 2\n  m: {}\n"
        );
    }

    #[test]
    fn literal_blocks_carry_chomping_hints() {
        let v = json!({"a": "x\ny\n", "b": "x\ny", "c": " lead\n"});
        assert_eq!(
            emit_document(&v),
            "a: |\n  x\n  y\nb: |-\n  x\n  y\nc: |2\n   lead\n"
        );
    }

    #[test]
    fn raw_nel_folds_like_kustomize() {
        // Outputs recorded from `kubectl kustomize` v5.5.0.
        assert_eq!(fold_raw_nel("a\u{85}b"), "a b");
        assert_eq!(fold_raw_nel("a \u{85} b"), "a b");
        assert_eq!(fold_raw_nel("a\u{85}\u{85}\u{85}b"), "a\n\nb");
        assert_eq!(fold_raw_nel("a\u{85} \u{85}b"), "a\nb");
        assert_eq!(fold_raw_nel("a\t\u{85}\tb"), "a\t \tb");
        assert_eq!(fold_raw_nel("\u{85}x"), " x");
    }

    #[test]
    fn leading_bom_escapes_every_character() {
        assert_eq!(
            emit_document(&json!({"b": "\u{feff}xy"})),
            "b: \"\\uFEFF\\x78\\x79\"\n"
        );
        assert_eq!(
            emit_document(&json!({"b": "a\u{feff}bc"})),
            "b: \"a\\uFEFFbc\"\n"
        );
    }

    /// Printed by kubectl kustomize v5.5.0 for these resource values.
    #[test]
    fn json_numbers_print_as_kustomize_prints_them() {
        for (text, printed) in [
            ("1e-7", "1e-07"),
            ("0.000001", "1e-06"),
            ("1e20", "1e+20"),
            ("12345678901234567890.0", "12345678901234567000"),
            ("12345678901234567890", "12345678901234567890"),
            ("123456789012345678901234", "1.2345678901234569e+23"),
            ("1.0", "1"),
            ("0.0000001234", "1.234e-07"),
            ("-0.0", "0"),
            ("-0.0e0", "0"),
        ] {
            let n: Number = serde_json::from_str(text).unwrap();
            assert_eq!(number_text(&n), printed, "{text}");
        }
    }

    /// The byte-run fast paths of [`analyze`] against reading every
    /// character with [`Scan::char`], as the scan did before them, on text
    /// dense in indicators, blanks and breaks.
    mod analyze_runs {
        use super::super::*;
        use proptest::prelude::*;

        fn analyze_by_char(s: &str, go_yaml_v3: bool) -> Analysis {
            if s.is_empty() {
                return EMPTY_ANALYSIS;
            }
            let mut scan = Scan::new(s);
            let mut chars = s.chars().peekable();
            let mut at_start = true;
            while let Some(c) = chars.next() {
                scan.char(
                    c,
                    std::mem::take(&mut at_start),
                    chars.peek().copied(),
                    go_yaml_v3,
                );
            }
            scan.analysis()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(20000))]
            #[test]
            fn same_as_the_character_scan(
                s in proptest::collection::vec(proptest::sample::select(vec![
                    "a", "Z", "0", " ", "  ", "\t", "\n", "\r", "#", ",", "?", ":", "-", "[", "]",
                    "{", "}", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`", ".", "\u{85}",
                    "\u{2028}", "é", "\u{feff}", "\u{1f600}", "\u{7f}", "\0", "---", "...",
                ]), 0..12).prop_map(|parts| parts.concat()),
                v3 in any::<bool>(),
            ) {
                prop_assert_eq!(analyze(&s, v3), analyze_by_char(&s, v3), "{:?}", s);
            }
        }
    }
}
