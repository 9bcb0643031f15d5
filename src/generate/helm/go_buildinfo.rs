//! The main module a Go executable was built from, read from the build
//! information the Go linker writes into it (the `.go.buildinfo` section
//! that `go version -m` prints), without running it.
//!
//! Why: kustomize asks helm `helm version` before every inflation and
//! refuses a helm that is not version 3 (or 4, from v5.8). helm's module
//! path carries its major version (`helm.sh/helm/v3`, `helm.sh/helm/v4`),
//! so a helm binary that says it is an accepted major needs no second
//! process beside `helm template`: on 2 cores the check cost a cold build
//! 0.3x of helm's own time. Whatever this reader cannot decide (not a
//! 64-bit little-endian ELF file, build information in the pre-Go 1.18
//! pointer form, a wrapper script, a major the release refuses) is left
//! to the real `helm version`, so every refusal keeps kustomize's message.
//!
//! The file is the operator's helm (`--helm-command`), never a path from a
//! repository. Every read is bounded: a malformed file costs a few small
//! reads and yields `None`.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Where the ELF header keeps the section table, and its bounds.
const ELF_HEADER_LEN: usize = 64;
const SECTION_HEADER_LEN: usize = 64;
const MAX_SECTIONS: usize = 1024;
const MAX_SECTION_NAMES: u64 = 1 << 16;
/// The build information: a 32-byte header, then two length-prefixed
/// strings (the Go version and the module information).
const BUILDINFO_MAGIC: &[u8] = b"\xff Go buildinf:";
const BUILDINFO_HEADER_LEN: usize = 32;
/// Flag bit: the strings follow the header inline (Go 1.18 and later).
const INLINE_STRINGS: u8 = 0x2;
const MAX_MODINFO: u64 = 1 << 20;
/// `runtime/debug` frames the module information with 16 bytes each side.
const MODINFO_FRAME: usize = 16;

/// The path of the main module `path` was built from
/// (`helm.sh/helm/v3`), when the file is a Go executable this reader
/// understands.
pub fn main_module(path: &Path) -> Option<String> {
    let file = File::open(path).ok()?;
    let section = find_section(&file, b".go.buildinfo")?;
    let modinfo = read_modinfo(&file, section)?;
    main_module_of(&modinfo)
}

/// The major version of helm the executable at `path` is, from its main
/// module (`helm.sh/helm` is 1 or 2 by Go's rules, `helm.sh/helm/vN` N).
pub fn helm_major(path: &Path) -> Option<u64> {
    let module = main_module(path)?;
    let rest = module.strip_prefix("helm.sh/helm")?;
    match rest.strip_prefix("/v") {
        Some(major) if major.bytes().all(|b| b.is_ascii_digit()) => major.parse().ok(),
        _ => None,
    }
}

/// A section's place in the file: offset and size.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Section {
    offset: u64,
    size: u64,
}

fn read_at(file: &File, offset: u64, len: usize) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; len];
    file.read_exact_at(&mut buf, offset).ok()?;
    Some(buf)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The section named `name` of a 64-bit little-endian ELF file.
fn find_section(file: &File, name: &[u8]) -> Option<Section> {
    let header = read_at(file, 0, ELF_HEADER_LEN)?;
    // Magic, 64-bit class, little-endian data.
    if header.get(..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let table = u64_at(&header, 0x28)?;
    let entry_len = usize::from(u16_at(&header, 0x3a)?);
    let count = usize::from(u16_at(&header, 0x3c)?);
    let names_index = usize::from(u16_at(&header, 0x3e)?);
    if entry_len != SECTION_HEADER_LEN || count > MAX_SECTIONS || names_index >= count {
        return None;
    }
    let headers = read_at(file, table, count * SECTION_HEADER_LEN)?;
    let section = |i: usize| -> Option<(u32, Section)> {
        let at = i * SECTION_HEADER_LEN;
        let offset = u64_at(&headers, at + 24)?;
        let size = u64_at(&headers, at + 32)?;
        Some((u32_at(&headers, at)?, Section { offset, size }))
    };
    let (_, names) = section(names_index)?;
    if names.size > MAX_SECTION_NAMES {
        return None;
    }
    let names = read_at(file, names.offset, usize::try_from(names.size).ok()?)?;
    (0..count).find_map(|i| {
        let (name_at, found) = section(i)?;
        let start = usize::try_from(name_at).ok()?;
        let rest = names.get(start..)?;
        let end = memchr::memchr(0, rest)?;
        (&rest[..end] == name).then_some(found)
    })
}

/// A Go `uvarint` at the start of `b`, and the bytes it took.
fn uvarint(b: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, byte) in b.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// The module information text, without its frame.
fn read_modinfo(file: &File, section: Section) -> Option<Vec<u8>> {
    // The header and both varints fit in the first 64 bytes.
    let head_len = usize::try_from(section.size.min(64)).ok()?;
    let head = read_at(file, section.offset, head_len)?;
    if head.get(..BUILDINFO_MAGIC.len())? != BUILDINFO_MAGIC {
        return None;
    }
    if head.get(BUILDINFO_MAGIC.len() + 1)? & INLINE_STRINGS == 0 {
        return None;
    }
    let (go_len, go_took) = uvarint(head.get(BUILDINFO_HEADER_LEN..)?)?;
    let after_go = (BUILDINFO_HEADER_LEN as u64)
        .checked_add(go_took as u64)?
        .checked_add(go_len)?;
    let varint = read_at(file, section.offset.checked_add(after_go)?, 10)?;
    let (mod_len, mod_took) = uvarint(&varint)?;
    if mod_len > MAX_MODINFO || after_go + mod_took as u64 + mod_len > section.size {
        return None;
    }
    let text = read_at(
        file,
        section.offset + after_go + mod_took as u64,
        usize::try_from(mod_len).ok()?,
    )?;
    unframe(text)
}

/// `runtime/debug`'s framing: 16 bytes, the text ending in a newline, 16
/// bytes.
fn unframe(text: Vec<u8>) -> Option<Vec<u8>> {
    let len = text.len();
    if len < 2 * MODINFO_FRAME + 1 || text[len - MODINFO_FRAME - 1] != b'\n' {
        return None;
    }
    Some(text[MODINFO_FRAME..len - MODINFO_FRAME].to_vec())
}

/// The path on the `mod` line: `mod\t<path>\t<version>\t<sum>`.
fn main_module_of(modinfo: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(modinfo).ok()?;
    let line = text.lines().find_map(|l| l.strip_prefix("mod\t"))?;
    let path = line.split('\t').next()?;
    (!path.is_empty()).then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A minimal ELF64 file: the header, the sections' data, the section
    /// names and the section table, with the build information of `module`.
    fn elf(module: &str, flags: u8) -> Vec<u8> {
        let mut modinfo = vec![0x30u8; MODINFO_FRAME];
        modinfo.extend_from_slice(
            format!("path\t{module}/cmd/x\nmod\t{module}\tv3.1.0\t\n").as_bytes(),
        );
        modinfo.extend_from_slice(&[0x31u8; MODINFO_FRAME]);
        let mut info = BUILDINFO_MAGIC.to_vec();
        info.extend_from_slice(&[8, flags]);
        info.resize(BUILDINFO_HEADER_LEN, 0);
        info.push(6);
        info.extend_from_slice(b"go1.23");
        info.extend_from_slice(&varint(modinfo.len() as u64));
        info.extend_from_slice(&modinfo);
        let names = b"\0.shstrtab\0.go.buildinfo\0".to_vec();
        let info_at = ELF_HEADER_LEN as u64;
        let names_at = info_at + info.len() as u64;
        let table_at = names_at + names.len() as u64;
        let mut out = b"\x7fELF\x02\x01\x01".to_vec();
        out.resize(ELF_HEADER_LEN, 0);
        out[0x28..0x30].copy_from_slice(&table_at.to_le_bytes());
        out[0x3a..0x3c].copy_from_slice(&(SECTION_HEADER_LEN as u16).to_le_bytes());
        out[0x3c..0x3e].copy_from_slice(&3u16.to_le_bytes());
        out[0x3e..0x40].copy_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&info);
        out.extend_from_slice(&names);
        let header = |name: u32, offset: u64, size: u64| {
            let mut h = vec![0u8; SECTION_HEADER_LEN];
            h[..4].copy_from_slice(&name.to_le_bytes());
            h[24..32].copy_from_slice(&offset.to_le_bytes());
            h[32..40].copy_from_slice(&size.to_le_bytes());
            h
        };
        out.extend(header(0, 0, 0));
        out.extend(header(1, names_at, names.len() as u64));
        out.extend(header(11, info_at, info.len() as u64));
        out
    }

    fn varint(mut v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
        out
    }

    fn file_of(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(bytes).expect("write");
        f
    }

    #[test]
    fn reads_the_main_module_and_helms_major() {
        let f = file_of(&elf("helm.sh/helm/v3", INLINE_STRINGS));
        assert_eq!(main_module(f.path()).as_deref(), Some("helm.sh/helm/v3"));
        assert_eq!(helm_major(f.path()), Some(3));
        let f = file_of(&elf("helm.sh/helm/v4", INLINE_STRINGS));
        assert_eq!(helm_major(f.path()), Some(4));
    }

    #[test]
    fn other_programs_and_forms_decide_nothing() {
        for module in ["example.com/helm/v3", "helm.sh/helm", "helm.sh/helm/v3x"] {
            let f = file_of(&elf(module, INLINE_STRINGS));
            assert_eq!(helm_major(f.path()), None, "{module}");
        }
        // The pre-1.18 pointer form, a script, a cut file, an empty file.
        let f = file_of(&elf("helm.sh/helm/v3", 0));
        assert_eq!(helm_major(f.path()), None);
        let f = file_of(b"#!/bin/sh\necho v3.17.0\n");
        assert_eq!(helm_major(f.path()), None);
        let whole = elf("helm.sh/helm/v3", INLINE_STRINGS);
        for cut in [0, 10, ELF_HEADER_LEN + 20, whole.len() - 1] {
            let f = file_of(&whole[..cut]);
            assert_eq!(helm_major(f.path()), None, "cut at {cut}");
        }
    }

    #[test]
    fn a_section_table_past_its_bound_is_not_read() {
        let mut bytes = elf("helm.sh/helm/v3", INLINE_STRINGS);
        bytes[0x3c..0x3e].copy_from_slice(&u16::MAX.to_le_bytes());
        let f = file_of(&bytes);
        assert_eq!(helm_major(f.path()), None);
    }
}
