//! Small text helpers shared by the checks and the renderers.

/// `s`, or its first `max` − 1 characters and `…` when it is longer than `max`.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// RFC 3339 UTC timestamp of a system time.
pub fn rfc3339(t: std::time::SystemTime) -> String {
    let dt = time::OffsetDateTime::from(t);
    dt.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "unknown".into())
}

/// The one `&'static str` for a text. The ids and titles of property rules
/// must outlive the results that name them; interning them means loading a
/// profile again (tests, `bench`, a long-lived caller of the library)
/// allocates nothing new: memory grows only with distinct texts, and a
/// profile's size is bounded when it is read.
pub fn intern(s: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static TABLE: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut table = TABLE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(v) = table.get(s) {
        return v;
    }
    let v: &'static str = Box::leak(s.into());
    table.insert(v);
    v
}

#[cfg(test)]
mod intern_tests {
    use super::intern;

    #[test]
    fn interning_the_same_text_twice_gives_the_same_str() {
        let a = intern(&String::from("ORG-INTERN-1"));
        let b = intern(&format!("ORG-{}-1", "INTERN"));
        assert_eq!(a, "ORG-INTERN-1");
        assert!(std::ptr::eq(a, b), "a second load must not allocate again");
        assert!(!std::ptr::eq(a, intern("ORG-INTERN-2")));
    }
}
