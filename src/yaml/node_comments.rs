//! Where go-yaml v3 puts a document's comments, for [`super::node`]:
//!
//! - a comment after text on a line is the line comment of the last
//!   scalar or flow collection ending there before it (of a key, when the
//!   key's value starts on a later line; of a block scalar that is a
//!   sequence item, when it follows the item's header);
//! - comment lines in a row are one comment whatever their columns, until
//!   a line starts left of the indentation the scanner is in (and not in
//!   the comment's first column): the lines before it are a foot there
//!   (`place_run` follows go-yaml's scanner and parser for such a run);
//! - a block of comment lines at the top followed by a blank line is the
//!   document's head comment; one at the end after a blank line is its
//!   foot comment;
//! - a block before an entry that closes nested blocks, not in that
//!   entry's column, is a foot comment of the entry before it; with a
//!   blank line after it and none before, a block left of that entry goes
//!   with the collection in its column that closes, else with the entry
//!   before the next one;
//! - otherwise a block is the next entry's head comment, unless a blank
//!   line follows it, none precedes it and the entry has a previous
//!   sibling, when it is a foot comment of that sibling (after a key with
//!   nothing after its colon, only when the block is left of that key);
//! - blocks apart only by blank lines that head the same entry (or the
//!   document) are one head comment, one blank line between them;
//! - at the end of the document, a block at or right of the deepest
//!   entry's column is that entry's foot comment (the document's, after a
//!   key with nothing after its colon); one left of it goes with the
//!   collection go-yaml closes at it: the one in its column, else the
//!   outermost, or, when the text has no final line break, the deepest
//!   one its last line does not close.
//!
//! go-yaml keeps the blanks that end a comment's line. Comments go-yaml
//! places in ways these rules do not cover (inside a flow collection, a
//! second block as the same node's foot, a block before the first entry
//! that is neither the document's head nor that entry's, at the
//! document's end a block followed by more) make [`attach`] decline, and
//! the text is edited as values. A comment after the header of a block
//! scalar that is a mapping's value is the key's line comment, which the
//! printer writes after the header again.

use super::node::{Kind, Node, Spot, Spots, Step, Style};

/// One comment as written: where it starts and its text.
struct Comment {
    line: usize,
    col: usize,
    at: usize,
    text: String,
    whole_line: bool,
}

/// Consecutive whole-line comments.
struct Block {
    first: usize,
    last: usize,
    col: usize,
    lines: Vec<String>,
}

/// Puts the comments of `chars` on the nodes of `root`; `None` where the
/// rules above do not say where one goes.
pub fn attach(root: &mut Node, chars: &[char], spots: &Spots) -> Option<()> {
    let lines = Lines::new(chars);
    let comments = find(chars, spots, &lines)?;
    if comments.is_empty() {
        return Some(());
    }
    for c in comments.iter().filter(|c| !c.whole_line) {
        line_comment(root, spots, &lines, c)?;
    }
    // go-yaml's scanner reads comment lines that follow each other as one
    // comment, whatever their columns, until a line starts left of the
    // indentation it is in (and not in the first line's column): there
    // the comment so far ends, as a foot, and a run of blocks begins.
    let mut runs: Vec<Vec<Block>> = Vec::new();
    for c in comments.iter().filter(|c| c.whole_line) {
        let fresh = || Block {
            first: c.line,
            last: c.line,
            col: c.col,
            lines: vec![c.text.clone()],
        };
        let before = runs.last().and_then(|run| run.last());
        let Some((first, col)) = before
            .filter(|b| b.last + 1 == c.line)
            .map(|b| (b.first, b.col))
        else {
            runs.push(vec![fresh()]);
            continue;
        };
        let Some(run) = runs.last_mut() else { continue };
        if c.col != col && c.col < indent_at(&spots.entries, &lines, first) {
            run.push(fresh());
        } else if let Some(b) = run.last_mut() {
            b.last = c.line;
            b.lines.push(c.text.clone());
        }
    }
    let links = Links::new(&spots.entries);
    let mut previous_last = None;
    for mut run in runs {
        let last = run.last().map(|b| b.last);
        if run.len() > 1 {
            place_run(root, spots, &links, &lines, run)?;
        } else if let Some(block) = run.pop() {
            // Blank lines from the block before: go-yaml joins the two
            // when both head the same node, with one blank line between.
            let joined = previous_last.is_some_and(|l: usize| {
                l + 1 < block.first && (l + 1..block.first).all(|l| lines.is_blank(l))
            });
            place(root, spots, &links, &lines, block, joined)?;
        }
        previous_last = last;
    }
    Some(())
}

/// The indentation go-yaml's scanner is at on line `line`: the column of
/// the last entry before it, whose collection is the deepest open one
/// (0 before any).
fn indent_at(entries: &[Spot], lines: &Lines, line: usize) -> usize {
    let before = entries.partition_point(|s| lines.line_of(s.start) < line);
    before
        .checked_sub(1)
        .map_or(0, |i| lines.col_of(entries[i].start))
}

/// For each entry, the entry before it in the same collection and the
/// entry whose value holds its collection: found in one pass each, so
/// that placing many comments stays linear.
struct Links {
    previous: Vec<Option<usize>>,
    parent: Vec<Option<usize>>,
}

impl Links {
    fn new(entries: &[Spot]) -> Links {
        let mut last: std::collections::HashMap<&[Step], usize> = std::collections::HashMap::new();
        let previous = entries
            .iter()
            .enumerate()
            .map(|(i, e)| last.insert(&e.path[..e.path.len().saturating_sub(1)], i))
            .collect();
        // In text order, the last entry one level up is the one holding
        // this entry's collection.
        let mut by_depth: Vec<usize> = Vec::new();
        let parent = entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let depth = e.path.len();
                let parent = match depth {
                    2.. if by_depth.len() >= depth - 1 => Some(by_depth[depth - 2]),
                    _ => None,
                };
                by_depth.truncate(depth.saturating_sub(1));
                by_depth.push(i);
                parent
            })
            .collect();
        Links { previous, parent }
    }
}

struct Lines<'a> {
    chars: &'a [char],
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(chars: &'a [char]) -> Self {
        let mut starts = vec![0];
        starts.extend(
            chars
                .iter()
                .enumerate()
                .filter(|(_, c)| **c == '\n')
                .map(|(i, _)| i + 1),
        );
        Lines { chars, starts }
    }

    /// Where a block's first comment starts.
    fn start_of(&self, block: &Block) -> usize {
        self.starts[block.first] + block.col
    }

    /// How many characters the text's last line holds.
    fn last_line_len(&self) -> usize {
        let end = self.chars.len();
        end - self.starts[self.line_of(end.saturating_sub(1))]
    }

    /// Whether the text's last character is a line break.
    fn ends_with_break(&self) -> bool {
        self.chars.last() == Some(&'\n')
    }

    fn line_of(&self, at: usize) -> usize {
        self.starts.partition_point(|&s| s <= at) - 1
    }

    fn col_of(&self, at: usize) -> usize {
        at - self.starts[self.line_of(at)]
    }

    /// Whether the line holds only blanks (a line after the text's last
    /// line break does not count: nothing is there).
    fn is_blank(&self, line: usize) -> bool {
        let Some(&start) = self.starts.get(line) else {
            return false;
        };
        if start >= self.chars.len() {
            return false;
        }
        let end = self
            .starts
            .get(line + 1)
            .map_or(self.chars.len(), |e| e - 1);
        self.chars[start..end].iter().all(|c| c.is_whitespace())
    }
}

/// Every comment outside scalars; `None` for one inside a flow collection.
fn find(chars: &[char], spots: &Spots, lines: &Lines) -> Option<Vec<Comment>> {
    let mut out = Vec::new();
    let mut scalars = spots.scalars.iter().peekable();
    let mut i = 0;
    while i < chars.len() {
        while scalars.peek().is_some_and(|s| s.end <= i) {
            scalars.next();
        }
        let in_scalar = scalars.peek().is_some_and(|s| s.start <= i);
        let after_blank = i == 0 || chars[i - 1].is_whitespace();
        if chars[i] != '#' || !after_blank || in_scalar {
            i += 1;
            continue;
        }
        let open = spots.flows.partition_point(|f| f.start < i);
        if open > 0 && i < spots.flows[open - 1].end {
            return None;
        }
        let line = lines.line_of(i);
        let end = chars[i..]
            .iter()
            .position(|c| *c == '\n')
            .map_or(chars.len(), |n| i + n);
        let start = lines.starts[line];
        out.push(Comment {
            line,
            col: i - start,
            at: i,
            // go-yaml keeps the blanks that end a comment's line.
            text: chars[i..end].iter().collect(),
            whole_line: chars[start..i].iter().all(|c| *c == ' ' || *c == '\t'),
        });
        i = end;
    }
    Some(out)
}

/// The node a comment after text on its line belongs to.
fn line_comment(root: &mut Node, spots: &Spots, lines: &Lines, c: &Comment) -> Option<()> {
    // Scalars do not nest, nor do outermost flow collections: each list is
    // in text order by start and by end.
    let at = c.at;
    fn last_before(spots: &[Spot], at: usize) -> Option<&Spot> {
        let n = spots.partition_point(|s| s.end <= at);
        n.checked_sub(1).map(|i| &spots[i])
    }
    let ends_here = |s: &&Spot| {
        let last = s.end.saturating_sub(1).max(s.start);
        lines.line_of(last) == c.line
    };
    let owner = [
        last_before(&spots.scalars, at),
        last_before(&spots.flows, at),
    ]
    .into_iter()
    .flatten()
    .filter(ends_here)
    .max_by_key(|s| s.end);
    // A key whose value is a block scalar owns the comment after the
    // scalar's header, and the printer writes it there again.
    // A block scalar's span runs on to the next line with text, which
    // may be the next item's header line: that item owns the comment.
    let path = match (block_item_header(root, spots, lines, c), owner) {
        (Some(path), _) => path,
        (None, Some(owner)) => owner.path.clone(),
        (None, None) => return None,
    };
    let node = root.at_mut(&path)?;
    match node.line_comment {
        Some(_) => None,
        None => {
            node.line_comment = Some(c.text.clone());
            Some(())
        }
    }
}

/// A comment after the header of a block scalar that is a sequence item
/// (`- | # c`) is the scalar's line comment: the item's `-` is on the
/// comment's line and the scalar, whose span starts at its content, is
/// the next one.
fn block_item_header(
    root: &mut Node,
    spots: &Spots,
    lines: &Lines,
    c: &Comment,
) -> Option<Vec<Step>> {
    let next = spots
        .scalars
        .get(spots.scalars.partition_point(|s| s.start <= c.at))?;
    let dash = spots.entries.get(
        spots
            .entries
            .partition_point(|e| e.start < c.at)
            .checked_sub(1)?,
    )?;
    let item = dash.path == next.path && lines.line_of(dash.start) == c.line;
    let block = matches!(
        root.at_mut(&next.path)?.style,
        Style::Literal | Style::Folded
    );
    (item && block).then(|| next.path.clone())
}

/// Where a block of whole-line comments goes (see the module's rules).
fn place(
    root: &mut Node,
    spots: &Spots,
    links: &Links,
    lines: &Lines,
    block: Block,
    joined: bool,
) -> Option<()> {
    let entries = &spots.entries;
    // Entries are in text order: the first one past the block, by lines.
    let after = entries.partition_point(|s| lines.line_of(s.start) <= block.last);
    let before = entries[..after]
        .last()
        .filter(|s| lines.line_of(s.start) < block.first);
    let next = entries.get(after).map(|n| (after, n));
    let blank_before = block.first > 0 && lines.is_blank(block.first - 1);
    let blank_after = lines.is_blank(block.last + 1);
    let (path, head) = match (before, next) {
        (None, _) if blank_after && (root.head.is_empty() || joined) => {
            return join_head(&mut root.head, block.lines);
        }
        (None, Some((_, n))) if !blank_after => (n.path.clone(), true),
        (None, _) => return None,
        // Blocks apart by blank lines at the end are one comment, the
        // document's foot.
        (Some(_), None) if blank_before && (root.foot.is_empty() || joined) => {
            return join_head(&mut root.foot, block.lines);
        }
        (Some(_), None) if blank_before => return None,
        // More comments or blank lines after it at the end: go-yaml's
        // choice there is not settled here.
        (Some(_), None) if blank_after => return None,
        // A key with nothing after its colon: go-yaml keeps the block for
        // what follows, and at the end that is the document.
        (Some(b), None) if block.col >= lines.col_of(b.start) && ends_at_colon(root, b)? => {
            if !root.foot.is_empty() {
                return None;
            }
            root.foot = block.lines;
            return Some(());
        }
        (Some(b), None) if block.col >= lines.col_of(b.start) => (b.path.clone(), false),
        (Some(_), None) if block.col > 0 || !lines.ends_with_break() => {
            (end_owner(entries, links, lines, &block)?.path, false)
        }
        (Some(_), None) => {
            let top = entries.iter().rfind(|s| s.path.len() == 1)?;
            (top.path.clone(), false)
        }
        (Some(b), Some((at, n))) => {
            let gap = Gap {
                before: blank_before,
                after: blank_after,
            };
            between(
                root,
                &entries[..after],
                links,
                lines,
                &block,
                b,
                (at, n),
                gap,
            )?
        }
    };
    put(root, &path, head, block, joined)
}

/// Puts a block on the node at `path` as its head or foot comment. Blocks
/// of one run of comment lines that go to the same node are one comment
/// to go-yaml.
fn put(root: &mut Node, path: &[Step], head: bool, block: Block, joined: bool) -> Option<()> {
    let node = root.at_mut(path)?;
    match head {
        true if node.head.is_empty() || joined => join_head(&mut node.head, block.lines),
        false if node.foot.is_empty() => {
            node.foot = block.lines;
            Some(())
        }
        _ => None,
    }
}

/// Where the blocks of a run of comment lines that go-yaml split go
/// (see [`attach`]), worked out as go-yaml's scanner and parser do. The
/// run's first block is a foot tied to the content before it (the entry
/// before it takes it, unless that is a key with nothing after its
/// colon); each later
/// one is tied to its own start, and is a foot when it ends the run at a
/// blank line left of the indentation (with none before the run), or
/// where the next entry closes blocks out of its column, else the next
/// entry's head. Each block collection the next entry (or the end of the
/// text) closes ends at the earliest block in its column, else where the
/// previous one ended (before the run, or at the end of the text for
/// those left open to the end). A foot goes with the first end or entry
/// at or after what it is tied to; a head only with an entry.
fn place_run(
    root: &mut Node,
    spots: &Spots,
    links: &Links,
    lines: &Lines,
    run: Vec<Block>,
) -> Option<()> {
    let entries = &spots.entries;
    let first = run.first()?;
    let last = run.last()?;
    let after = entries.partition_point(|s| lines.line_of(s.start) <= last.last);
    let upto = &entries[..after];
    let b = upto
        .last()
        .filter(|s| lines.line_of(s.start) < first.first)?;
    let next = entries.get(after).map(|n| (after, n));
    let indent = lines.col_of(b.start);
    let open = open_collections(upto, links, lines)?;
    let ends = collection_ends(&open, &run, lines, next.map(|(_, n)| n))?;
    let blank_after = lines.is_blank(last.last + 1);
    let blank_before = first.first > 0 && lines.is_blank(first.first - 1);
    let last_is_foot = match next {
        Some((_, n)) => {
            let col_n = lines.col_of(n.start);
            (!blank_before && blank_after && last.col < indent)
                || (col_n < indent && col_n != last.col)
        }
        None => last.col < indent,
    };
    // Tokens in the order the parser meets them: the ends, then the next
    // entry (or the end of the text).
    let mut token = 0;
    let count = run.len();
    let at_colon = ends_at_colon(root, b)?;
    // Each block's token: `None` for the token before the run, else an
    // index into `ends` (one past them for the next entry or the end).
    // A sequence's end takes no comment: what it meets waits for the
    // next token.
    let is_sequence = |t: usize| {
        ends.get(t)
            .is_some_and(|&(level, _)| matches!(open[level].last.path.last(), Some(Step::Item(_))))
    };
    let mut groups: Vec<(Option<usize>, bool, Vec<String>)> = Vec::new();
    for (k, block) in run.into_iter().enumerate() {
        let head = k + 1 == count && !last_is_foot;
        // The first block is tied to the token before it: a value or item
        // read ahead of it takes it as its own foot.
        let mut at = None;
        if k > 0 || at_colon {
            let tie = match k {
                0 => b.start,
                _ => lines.start_of(&block),
            };
            while token < ends.len() && (head || ends[token].1 < tie) {
                token += 1;
            }
            while is_sequence(token) {
                token += 1;
            }
            at = Some(token);
        }
        match groups.last_mut() {
            Some((t, h, lines)) if *t == at && *h == head => lines.extend(block.lines),
            _ => groups.push((at, head, block.lines)),
        }
    }
    // One token's comments are one comment; a later token's foot on the
    // same node replaces the earlier one (go-yaml's decoder sets it).
    for (at, head, lines) in groups {
        let Some(t) = at else {
            put_foot(root, &b.path, lines, false)?;
            continue;
        };
        match (ends.get(t), next, head) {
            (Some(&(level, _)), _, false) => {
                put_foot(root, &collection_owner(&open, level)?.path, lines, true)?
            }
            (None, Some((_, n)), true) => join_head(&mut root.at_mut(&n.path)?.head, lines)?,
            (None, Some(next), false) => {
                let owner = next_token_owner(root, upto, links, next)?;
                put_foot(root, &owner, lines, true)?
            }
            (None, None, false) => root.foot = lines,
            _ => return None,
        }
    }
    Some(())
}

/// The block collections that close after a run of comment blocks,
/// deepest first, each with where its end is, as go-yaml's scanner
/// places the end: the next entry (or the end of the text) closes those
/// right of its column (right of the last line's length when the text
/// has no final line break, then the rest at the end). Each ends at the
/// run's earliest block in its column, else where the one before ended
/// (before the run at first, at the text's end for the rest).
fn collection_ends(
    open: &[Open],
    run: &[Block],
    lines: &Lines,
    next: Option<&Spot>,
) -> Option<Vec<(usize, usize)>> {
    let before_run = lines.starts[run.first()?.first].checked_sub(1)?;
    let mut ends: Vec<(usize, usize)> = Vec::new();
    let mut unroll = |above: Option<usize>, mut mark: usize| {
        for (i, level) in open.iter().enumerate().rev() {
            let Some(col) = level.column else { continue };
            if ends.iter().any(|(j, _)| *j == i) || above.is_some_and(|a| col <= a) {
                continue;
            }
            if let Some(block) = run.iter().find(|b| b.col == col) {
                mark = lines.start_of(block);
            }
            ends.push((i, mark));
        }
    };
    match next {
        Some(n) => unroll(Some(lines.col_of(n.start)), before_run),
        None => {
            let first = match lines.ends_with_break() {
                true => 0,
                false => lines.last_line_len(),
            };
            unroll(Some(first), before_run);
            unroll(None, lines.chars.len());
        }
    }
    Some(ends)
}

/// Sets a foot comment; over one already there only when `replace`.
fn put_foot(root: &mut Node, path: &[Step], lines: Vec<String>, replace: bool) -> Option<()> {
    let node = root.at_mut(path)?;
    if !node.foot.is_empty() && !replace {
        return None;
    }
    node.foot = lines;
    Some(())
}

/// Whether blank lines come right before and right after a block.
#[derive(Clone, Copy)]
struct Gap {
    before: bool,
    after: bool,
}

/// Where a block between entry `b` and the next entry `n` goes: a head
/// comment of `n`, or a foot comment. go-yaml's scanner ends the block
/// as a foot at a blank line after it when none is before it, unless it
/// follows a key with nothing after the colon and is not left of `b`;
/// else, as a foot where `n` closes nested blocks out of the block's
/// column; else it is `n`'s head. A foot tied to the block's own start
/// (one left of `b`) goes with the first collection closing at or after
/// it: one in its column among those `n` closes, else `n` itself, which
/// hands it to the entry before it.
#[allow(clippy::too_many_arguments)]
fn between(
    root: &mut Node,
    upto: &[Spot],
    links: &Links,
    lines: &Lines,
    block: &Block,
    b: &Spot,
    (at, n): (usize, &Spot),
    gap: Gap,
) -> Option<(Vec<Step>, bool)> {
    let col_b = lines.col_of(b.start);
    let col_n = lines.col_of(n.start);
    // By column: an entry of a sequence in its key's column opens no
    // indentation, so one after it closes none.
    let closes = col_n < col_b && block.col != col_n;
    let left = block.col < col_b;
    let at_blank = !gap.before && gap.after && (left || !ends_at_colon(root, b)?);
    match (at_blank, closes) {
        (true, _) if left => {
            let open = open_collections(upto, links, lines)?;
            match end_at_or_after(&open, block, lines, Some(n))? {
                Some(i) => Some((collection_owner(&open, i)?.path, false)),
                None => Some((next_token_owner(root, upto, links, (at, n))?, false)),
            }
        }
        // Tied to the token before it: the value or item read ahead of it.
        (true, _) | (false, true) => Some((b.path.clone(), false)),
        (false, false) => Some((n.path.clone(), true)),
    }
}

/// Who takes a foot comment that go-yaml's parser meets at the next
/// entry's own token. A key's goes to the key before it in the mapping
/// (go-yaml's decoder moves it there), or stays on a first key, printed
/// after its value. An item's waits for the item's
/// first event that carries comments: a scalar item's own, or a mapping
/// item's first key, which keeps it (no key before it).
fn next_token_owner(
    root: &mut Node,
    upto: &[Spot],
    links: &Links,
    (at, n): (usize, &Spot),
) -> Option<Vec<Step>> {
    match n.path.last()? {
        Step::Key(_) => match links.previous[at] {
            Some(s) => Some(upto.get(s)?.path.clone()),
            None => Some(n.path.clone()),
        },
        Step::Item(_) => {
            let item = root.at_mut(&n.path)?;
            match &item.kind {
                Kind::Scalar(_) => Some(n.path.clone()),
                Kind::Mapping(entries) if !item.flow && !entries.is_empty() => {
                    let mut path = n.path.clone();
                    path.push(Step::Key(0));
                    Some(path)
                }
                _ => None,
            }
        }
        Step::Value(_) => None,
    }
}

/// The entry whose foot a block gets at the end of the document when it
/// is left of the deepest entry: the owner of the first collection end
/// at or after it ([`collection_ends`]); at the end of the text every
/// collection ends, the outermost last, so there is one. A mapping's end
/// hands the block to its last key; a sequence's, to the key whose value
/// it is.
fn end_owner(entries: &[Spot], links: &Links, lines: &Lines, block: &Block) -> Option<Spot> {
    let open = open_collections(entries, links, lines)?;
    collection_owner(&open, end_at_or_after(&open, block, lines, None)??)
}

/// The collection whose end a foot tied to `block`'s own start goes with,
/// when the block stands alone: the first end at or after its start, or
/// `Some(None)` when none is and the next token takes it.
fn end_at_or_after(
    open: &[Open],
    block: &Block,
    lines: &Lines,
    next: Option<&Spot>,
) -> Option<Option<usize>> {
    let ends = collection_ends(open, std::slice::from_ref(block), lines, next)?;
    let start = lines.start_of(block);
    Some(
        ends.iter()
            .find(|(_, at)| *at >= start)
            .map(|(level, _)| *level),
    )
}

/// The entry a block collection's end hands its foot comment to: a
/// mapping's last key, or the key whose value a sequence is.
fn collection_owner(open: &[Open], at: usize) -> Option<Spot> {
    let closed = &open[at];
    match closed.last.path.last()? {
        Step::Key(_) => Some(closed.last.clone()),
        Step::Item(_) => {
            let parent = open.get(at.checked_sub(1)?)?;
            matches!(parent.last.path.last()?, Step::Key(_)).then(|| parent.last.clone())
        }
        Step::Value(_) => None,
    }
}

/// A block collection still open at the end of the text: its last entry,
/// and the column go-yaml's scanner indents it to (none for a sequence in
/// its key's column, which opens no level).
struct Open {
    last: Spot,
    column: Option<usize>,
}

/// The block collections open after the last of `entries`, outermost
/// first, each with the entry of that depth the last one is inside.
fn open_collections(entries: &[Spot], links: &Links, lines: &Lines) -> Option<Vec<Open>> {
    let mut found: Vec<&Spot> = Vec::new();
    let mut at = entries.len().checked_sub(1);
    while let Some(i) = at {
        found.push(&entries[i]);
        at = links.parent[i];
    }
    found.reverse();
    // Each depth from the top has its entry, or the chain is broken.
    if found.first()?.path.len() != 1 {
        return None;
    }
    let mut open: Vec<Open> = Vec::new();
    for spot in found {
        let col = lines.col_of(spot.start);
        let indentless = matches!(spot.path.last(), Some(Step::Item(_)))
            && open.last().is_some_and(|p| {
                matches!(p.last.path.last(), Some(Step::Key(_)))
                    && lines.col_of(p.last.start) == col
            });
        open.push(Open {
            last: spot.clone(),
            column: (!indentless).then_some(col),
        });
    }
    Some(open)
}

/// Adds a block to a head comment (or the document's foot): blocks one
/// blank line apart that go to the same place are one comment to go-yaml,
/// the blank line kept inside.
fn join_head(head: &mut Vec<String>, lines: Vec<String>) -> Option<()> {
    if !head.is_empty() {
        head.push(String::new());
    }
    head.extend(lines);
    Some(())
}

/// Whether an entry is a key with nothing written after its colon (no
/// value, or a block collection on the lines below): go-yaml's scanner
/// then last read the colon, which changes where a comment goes.
fn ends_at_colon(root: &mut Node, entry: &Spot) -> Option<bool> {
    let mut path = entry.path.clone();
    let Step::Key(i) = path.pop()? else {
        return Some(false);
    };
    path.push(Step::Value(i));
    let value = root.at_mut(&path)?;
    Some(match &value.kind {
        Kind::Scalar(text) => {
            text.is_empty()
                && !value.tagged
                && value.anchor.is_empty()
                && value.style == Style::Plain
        }
        Kind::Mapping(_) | Kind::Sequence(_) => !value.flow,
        Kind::Alias(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use crate::yaml::node::parse;
    use crate::yaml::node_emit::emit;

    fn round_trip(text: &str) -> Option<String> {
        emit(&parse(text)?)
    }

    /// Each pair: what go-yaml v3 read, and what kyaml printed (checked
    /// against the v5.8 oracle).
    #[test]
    fn places_comments_as_go_yaml() {
        for (text, printed) in [
            (
                "# top\n\nserver:\n  host: x\n",
                "# top\n\nserver:\n  host: x\n",
            ),
            (
                "server: # key\n  host: x # line\n  port: 1   # spaced\n",
                "server: # key\n  host: x # line\n  port: 1 # spaced\n",
            ),
            (
                "server:\n  host: x\n  # inner foot\nother: 1\n",
                "server:\n  host: x\n  # inner foot\nother: 1\n",
            ),
            (
                "server:\n  host: x\n# c\n\nother: 1\n",
                "server:\n  host: x\n# c\n\nother: 1\n",
            ),
            (
                "server:\n  host: x\n  # a\n\n  # b\n  port: 1\n",
                "server:\n  host: x\n  # a\n\n  # b\n  port: 1\n",
            ),
            (
                "server:\n  deep:\n    k: v\n  # c\nother: 1\n",
                "server:\n  deep:\n    k: v\n    # c\nother: 1\n",
            ),
            (
                "list:\n  - a # la\n  # between\n  - b\n",
                "list:\n- a # la\n# between\n- b\n",
            ),
            ("a:\n  b: x\n\n# end\n", "a:\n  b: x\n\n# end\n"),
            (
                "f: [a, b] # fc\nm: {a: 1} # mc\n",
                "f: [a, b] # fc\nm: {a: 1} # mc\n",
            ),
            (
                "server:\n  # one\n\n  # two\n\n  host: x\n",
                "server:\n  # one\n\n  # two\n  host: x\n",
            ),
            (
                "# one\n\n# two\n\nserver:\n  host: x\n",
                "# one\n\n# two\n\nserver:\n  host: x\n",
            ),
        ] {
            assert_eq!(round_trip(text).as_deref(), Some(printed), "{text}");
        }
    }

    #[test]
    fn a_block_scalar_keeps_its_header_comment() {
        for text in [
            "a: | # header\n  x\nb: 1\n",
            "a: >- # folded\n  x y\nb: 1\n",
        ] {
            assert_eq!(round_trip(text).as_deref(), Some(text));
        }
    }

    /// Placements met in public repositories' YAML (each checked against
    /// the v5.8 oracle).
    #[test]
    fn places_as_go_yaml_where_real_files_put_comments() {
        for (text, printed) in [
            // Unaligned, closing nested blocks, a blank line after only:
            // the collection in the block's column ends at it, else the
            // entry before the next one takes it.
            (
                "a:\n  b:\n    c: 1\n  # x\n\nd: 1\n",
                "a:\n  b:\n    c: 1\n  # x\nd: 1\n",
            ),
            (
                "a:\n  b:\n    c: 1\n # x\n\nd: 1\n",
                "a:\n  b:\n    c: 1\n# x\n\nd: 1\n",
            ),
            // After a key with no value, at the end: the document's foot.
            ("a:\n  b: 1\nk:\n  # end\n", "a:\n  b: 1\nk:\n\n# end\n"),
            // After a key with no value, before a blank line: its foot.
            ("a:\n  k:\n    # x\n\nb: 1\n", "a:\n  k:\n  # x\nb: 1\n"),
            // Blank lines before and after: the next entry's head.
            (
                "kind: C\n\n# one\n# two\n\npatches:\n- x\n",
                "kind: C\n# one\n# two\npatches:\n- x\n",
            ),
            // After the header of a block scalar that is a sequence item.
            (
                "a: 1\nb:\n- | # hc\n  text\n",
                "a: 1\nb:\n- | # hc\n  text\n",
            ),
            // A header's `-` chomping indicator is not the item's dash.
            (
                "k:\n  - >-\n    lit\n  # h\n\n  # j\n  - d\n",
                "k:\n- >-\n  lit\n# h\n\n# j\n- d\n",
            ),
            // At the end between columns: the collection in its column.
            (
                "top:\n  a: 1\nlist:\n  - name: n\n    sub:\n      - k: v\n        deep: x\n    #x\n",
                "top:\n  a: 1\nlist:\n- name: n\n  sub:\n  - k: v\n    deep: x\n  #x\n",
            ),
            // Without a final line break: the deepest collection the last
            // line does not close.
            (
                "top:\n  a: 1\nlist:\n  - name: n\n    sub:\n      - k: v\n        deep: x\n#x",
                "top:\n  a: 1\nlist:\n- name: n\n  sub:\n  - k: v\n    deep: x\n#x\n",
            ),
            // Blanks ending a comment's line are kept.
            ("# head  \na: 1 # line  \n", "# head  \na: 1 # line  \n"),
            // Comment lines in a row at other columns: one comment, split
            // where a line starts left of the indentation.
            (
                "w:\n  x:\n    matchLabels: {}\n      # key: value\n  # array of\n  ns: 1\n",
                "w:\n  x:\n    matchLabels: {}\n    # key: value\n  # array of\n  ns: 1\n",
            ),
            (
                "a: 1\nk2:\n  - x\n    # f19\n# end\n",
                "a: 1\nk2:\n- x\n# f19\n\n# end\n",
            ),
            (
                "a: 1\nk2:\n  b: x\n    # f19\n# end\n",
                "a: 1\nk2:\n  b: x\n  # f19\n# end\n",
            ),
            // Tied to its own start, a foot met at a sequence item goes to
            // the item, or to a mapping item's first key.
            (
                "x: 1\nl:\n  - a\n # c\n\n  - b\n",
                "x: 1\nl:\n- a\n- b\n# c\n",
            ),
            (
                "x: 1\nl:\n  - a: 1\n # c\n\n  - b: 2\n    d: 3\n",
                "x: 1\nl:\n- a: 1\n- b: 2\n  # c\n\n  d: 3\n",
            ),
            (
                "a: 1\nk:\n    b: x\n# f36\n  # f50\n   # end\n",
                "a: 1\nk:\n  b: x\n  # f36\n\n# f50\n# end\n",
            ),
        ] {
            assert_eq!(round_trip(text).as_deref(), Some(printed), "{text}");
        }
    }

    #[test]
    fn declines_placements_not_settled() {
        // Inside a flow collection.
        assert_eq!(round_trip("a: [1, # inside\n  2]\n"), None);
    }
}
