//! Key Vault (KV) checks: one file each.

use super::*;

pub(super) mod az_kv_001;
pub(super) mod az_kv_002;
pub(super) mod az_kv_003;
pub(super) mod az_kv_004;
pub(super) mod az_kv_005;
pub(super) mod az_kv_006;
pub(super) mod az_kv_007;
pub(super) mod az_kv_008;
