//! A bounded in-memory cache of signed response bodies, keyed by learner and ETag.
//!
//! Signing is most of a response's cost (parse, cut, C14N, RSA: 3 to 4 ms of CPU for a large
//! document) and deterministic: the same ETag always gives the same bytes (see `etag`). So a
//! body made once is kept and sent again for the next request of the same shape, which is the
//! NCP's pattern: the student's full document, then their selection, each asked for more than
//! once while they pick. A new snapshot has a new content hash, hence a new ETag; entries for
//! the old one are never asked for again and age out.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;

/// Signed bodies up to a total size; the least recently used go first.
pub struct SignedCache {
    capacity: usize,
    inner: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    by_key: HashMap<String, (Bytes, u64)>,
    bytes: usize,
    clock: u64,
}

impl SignedCache {
    /// A cache holding at most `capacity` bytes of bodies; 0 keeps nothing.
    pub fn new(capacity: usize) -> SignedCache {
        SignedCache {
            capacity,
            inner: Mutex::new(Entries::default()),
        }
    }

    /// The body signed earlier for this learner and ETag, if it is still here.
    pub fn get(&self, learner: &str, etag: &str) -> Option<Bytes> {
        let mut entries = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        entries.clock += 1;
        let now = entries.clock;
        let (body, used) = entries.by_key.get_mut(&cache_key(learner, etag))?;
        *used = now;
        Some(body.clone())
    }

    /// Keeps `body`, dropping the least recently used bodies until it fits. A body larger
    /// than the whole cache is not kept.
    pub fn put(&self, learner: &str, etag: &str, body: Bytes) {
        if body.len() > self.capacity {
            return;
        }
        let mut entries = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        entries.clock += 1;
        let now = entries.clock;
        let size = body.len();
        if let Some((old, _)) = entries.by_key.insert(cache_key(learner, etag), (body, now)) {
            entries.bytes -= old.len();
        }
        entries.bytes += size;
        // A scan per eviction: the cache holds hundreds of documents, not millions, and a
        // scan of them costs far less than the signature an entry saves.
        while entries.bytes > self.capacity {
            let Some(oldest) = entries
                .by_key
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((gone, _)) = entries.by_key.remove(&oldest) {
                entries.bytes -= gone.len();
            }
        }
    }

    /// Bodies held and their total size, for `/metrics`.
    pub fn usage(&self) -> (usize, usize) {
        let entries = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        (entries.by_key.len(), entries.bytes)
    }
}

fn cache_key(learner: &str, etag: &str) -> String {
    format!("{learner}{etag}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(n: usize, fill: u8) -> Bytes {
        Bytes::from(vec![fill; n])
    }

    #[test]
    fn a_kept_body_comes_back_for_the_same_learner_and_etag_only() {
        let cache = SignedCache::new(1000);
        cache.put("a", "\"t1\"", body(10, 1));
        assert_eq!(cache.get("a", "\"t1\""), Some(body(10, 1)));
        assert_eq!(cache.get("a", "\"t2\""), None);
        assert_eq!(cache.get("b", "\"t1\""), None);
        assert_eq!(cache.usage(), (1, 10));
    }

    #[test]
    fn the_least_recently_used_bodies_go_first_and_the_total_stays_within_capacity() {
        let cache = SignedCache::new(300);
        cache.put("a", "1", body(100, 1));
        cache.put("b", "1", body(100, 2));
        cache.put("c", "1", body(100, 3));
        // `a` is used, so `b` is now the oldest.
        assert!(cache.get("a", "1").is_some());
        cache.put("d", "1", body(100, 4));
        assert!(cache.get("b", "1").is_none());
        for kept in ["a", "c", "d"] {
            assert!(cache.get(kept, "1").is_some(), "{kept}");
        }
        assert_eq!(cache.usage(), (3, 300));
        // Replacing an entry counts its size once.
        cache.put("d", "1", body(50, 5));
        assert_eq!(cache.usage(), (3, 250));
    }

    #[test]
    fn a_body_larger_than_the_cache_and_a_zero_cache_keep_nothing() {
        let cache = SignedCache::new(100);
        cache.put("a", "1", body(101, 1));
        assert_eq!(cache.usage(), (0, 0));
        let off = SignedCache::new(0);
        off.put("a", "1", body(1, 1));
        assert_eq!(off.get("a", "1"), None);
    }
}
