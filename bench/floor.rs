//! The floor `bench/bench.py` measures nest-kz against: read every YAML file
//! of a tree, parse it with the parser nest-kz uses (saphyr-parser) and
//! write it back out as block YAML straight from the parser's events. No
//! object model, no kustomize logic: the least any tool that reads and
//! prints these trees must do.
//!
//! `floor events DIR` is that floor. `floor model DIR` parses into nest-kz's
//! object model and prints with its go-yaml-compatible emitter instead (the
//! model's own share of the cost, still without kustomize logic).
//!
//! Output goes to stdout; its bytes are counted, not compared.

use saphyr_parser::{Event, Parser, ScalarStyle};
use std::io::Write;
use std::path::{Path, PathBuf};

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// Where the writer is: inside a mapping (expecting a key or a value) or a
/// sequence, and how deep.
enum Frame {
    Map { key_next: bool },
    Seq,
}

struct Writer<'w> {
    out: &'w mut Vec<u8>,
    stack: Vec<Frame>,
}

impl Writer<'_> {
    fn indent(&mut self) {
        self.out.push(b'\n');
        for _ in 1..self.stack.len() {
            self.out.extend_from_slice(b"  ");
        }
    }

    /// Writes what precedes a node in the current frame; true when the node
    /// is a mapping key.
    fn before_node(&mut self) -> bool {
        match self.stack.last_mut() {
            Some(Frame::Map { key_next }) => {
                let is_key = *key_next;
                *key_next = !*key_next;
                if is_key {
                    self.indent();
                }
                is_key
            }
            Some(Frame::Seq) => {
                self.indent();
                self.out.extend_from_slice(b"-");
                false
            }
            None => false,
        }
    }

    fn scalar(&mut self, text: &str, style: ScalarStyle) {
        let is_key = self.before_node();
        if !is_key {
            self.out.push(b' ');
        }
        if matches!(style, ScalarStyle::Plain) && !text.contains(['\n', ':', '#']) {
            self.out.extend_from_slice(text.as_bytes());
        } else {
            self.out.push(b'"');
            for c in text.chars() {
                match c {
                    '"' => self.out.extend_from_slice(b"\\\""),
                    '\\' => self.out.extend_from_slice(b"\\\\"),
                    '\n' => self.out.extend_from_slice(b"\\n"),
                    c => {
                        let mut buf = [0u8; 4];
                        self.out
                            .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                }
            }
            self.out.push(b'"');
        }
        if is_key {
            self.out.push(b':');
        }
    }

    fn open(&mut self, frame: Frame) {
        self.before_node();
        self.stack.push(frame);
    }
}

fn events(text: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let mut w = Writer {
        out,
        stack: Vec::new(),
    };
    for next in Parser::new_from_str(text) {
        let (event, _) = next.map_err(|e| e.to_string())?;
        match event {
            Event::DocumentStart(_) => w.out.extend_from_slice(b"---"),
            Event::DocumentEnd => w.out.push(b'\n'),
            Event::Scalar(text, style, ..) => w.scalar(&text, style),
            Event::MappingStart(..) => w.open(Frame::Map { key_next: true }),
            Event::SequenceStart(..) => w.open(Frame::Seq),
            Event::MappingEnd | Event::SequenceEnd => {
                w.stack.pop();
            }
            Event::Alias(_) => w.scalar("*alias", ScalarStyle::Plain),
            _ => {}
        }
    }
    Ok(())
}

fn model(text: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let docs = nest_kz::yaml::parse_documents(text).map_err(|e| e.message)?;
    let values: Vec<nest_kz::model::value::Value> = docs.into_iter().map(|d| d.value).collect();
    nest_kz::yaml::emit::write_stream(out, &values).map_err(|e| e.to_string())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (mode, dir) = match args.as_slice() {
        [_, mode, dir] if mode == "events" || mode == "model" => (mode.as_str(), dir),
        _ => {
            eprintln!("usage: floor events|model DIR");
            std::process::exit(2);
        }
    };
    let mut files = Vec::new();
    yaml_files(Path::new(dir), &mut files);
    let mut out = Vec::new();
    for file in &files {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                std::process::exit(1);
            }
        };
        let done = match mode {
            "events" => events(&text, &mut out),
            _ => model(&text, &mut out),
        };
        if let Err(e) = done {
            eprintln!("{}: {e}", file.display());
            std::process::exit(1);
        }
    }
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    if lock.write_all(&out).and_then(|_| lock.flush()).is_err() {
        std::process::exit(1);
    }
    // As nest-kz does: no teardown at exit.
    std::mem::forget(out);
}
