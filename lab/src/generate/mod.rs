//! Estate recordings.

mod synthetic;

pub use synthetic::*;
