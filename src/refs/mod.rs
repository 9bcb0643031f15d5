//! References between objects, resolved once names are final:
//! `namereference` rewrites fields that name a renamed object, `vars`
//! expands `$(VAR)` from other objects' fields, and `replacements` copies a
//! source field into target fields.
//!
//! These steps read the whole `ResMap` at once; they never load files
//! beyond a replacement's `path:`.
pub mod namereference;
pub mod replacements;
pub mod vars;
