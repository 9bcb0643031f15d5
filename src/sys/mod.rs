//! What nest-kz asks of the host beyond reading files: child processes
//! (`child`: helm, git, plugins), each in its own process group, under the
//! run's deadline and an output cap, and never outliving the run; and
//! temporary directories and signal handling (`cleanup`): a SIGINT,
//! SIGTERM or SIGHUP ends every child and removes every temporary
//! directory before the process ends. And the CPU's SHA extensions
//! (`digest`), for the digests of generators and caches.
//!
//! This layer sits just above `model` (whose `limits` set the deadline and
//! caps); loading and every step that calls out go through it.
pub mod child;
pub mod cleanup;
pub mod digest;
