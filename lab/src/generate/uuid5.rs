//! Name-based GUIDs (RFC 9562 version 5: SHA-1 of a namespace and a name),
//! so a scenario's ids are stable and readable in the source: each is the
//! UUIDv5 of a label such as `principal:alice`. SHA-1 comes from aws-lc-rs,
//! already in the build (rustls's crypto provider).

use aws_lc_rs::digest::{digest, SHA1_FOR_LEGACY_USE_ONLY};

/// A UUID as its 16 bytes.
pub type Uuid = [u8; 16];

/// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
pub const fn parse(s: &str) -> Uuid {
    let b = s.as_bytes();
    let mut out = [0u8; 16];
    let (mut i, mut n) = (0, 0);
    while i < b.len() {
        if b[i] == b'-' {
            i += 1;
            continue;
        }
        out[n / 2] = (out[n / 2] << 4) | hex(b[i]);
        n += 1;
        i += 1;
    }
    assert!(n == 32, "a UUID has 32 hex digits");
    out
}

const fn hex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => panic!("not a hex digit"),
    }
}

/// The version 5 UUID of `name` in `namespace`.
pub fn uuid5(namespace: &Uuid, name: &str) -> Uuid {
    let mut data = Vec::with_capacity(16 + name.len());
    data.extend_from_slice(namespace);
    data.extend_from_slice(name.as_bytes());
    let hash = digest(&SHA1_FOR_LEGACY_USE_ONLY, &data);
    let mut u = [0u8; 16];
    u.copy_from_slice(&hash.as_ref()[..16]);
    u[6] = (u[6] & 0x0f) | 0x50;
    u[8] = (u[8] & 0x3f) | 0x80;
    u
}

/// Lower-case hex in the 8-4-4-4-12 form.
pub fn format(u: &Uuid) -> String {
    let mut s = String::with_capacity(36);
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_rfc_and_python() {
        // uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") == 886313e1-3b8a-5372-9b90-0c9aee199e5d
        let dns = parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
        assert_eq!(
            format(&uuid5(&dns, "python.org")),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d"
        );
        assert_eq!(format(&dns), "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    }
}
