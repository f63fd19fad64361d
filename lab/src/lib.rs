//! azward's lab tools, kept out of the product (which ships no server):
//!
//! - [`emulator`]: serves a recording on loopback as Resource Manager would
//!   (read quotas, latency, faults, a request log);
//! - [`generate`]: estate recordings: synthetic estates of any size, and the
//!   named scenarios (the demo estate and the test recordings derived from it);
//! - [`bench`]: a live scan of a generated estate through the emulator,
//!   against the throttle bound, and the offline replay's time and memory.

pub mod bench;
pub mod emulator;
pub mod generate;
