//! What this server has read and keeps, each value beside the stamp it was
//! read at, up to a limit: the signed-in accounts (`signed_in`), the home
//! pages (`home_pages`), the channels' newest pages (`channel_pages`) and
//! the threads (`thread_pages`). The stamps live in the database and only grow,
//! so a kept value is served only while its stamp is still the one read
//! with the request's session.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

/// Values of type `V` by key `K`, each beside its stamp `S`.
pub struct Kept<K, S, V> {
    most: usize,
    inner: Mutex<Inner<K, S, V>>,
    /// One reading at a time per key (striped): requests that find the
    /// same value gone stale at once wait for the first to read it again,
    /// rather than each reading it.
    readers: [tokio::sync::Mutex<()>; STRIPES],
}

/// How many keys may be read afresh at once.
const STRIPES: usize = 64;

struct Inner<K, S, V> {
    by_id: HashMap<K, (S, u64, V)>,
    /// Counts keeps, to tell the oldest-kept apart.
    loads: u64,
}

impl<K: Hash + Eq, S: Clone, V: Clone> Kept<K, S, V> {
    /// Keeps at most `most` values; past it the oldest-kept half is let go.
    pub fn new(most: usize) -> Self {
        Self {
            most,
            inner: Mutex::new(Inner {
                by_id: HashMap::new(),
                loads: 0,
            }),
            readers: std::array::from_fn(|_| tokio::sync::Mutex::new(())),
        }
    }

    /// Wait for the turn to read the value for `id` afresh: while it is
    /// held, others reading the same key wait, then find it kept.
    pub async fn turn_to_read<Q: Hash + ?Sized>(&self, id: &Q) -> tokio::sync::MutexGuard<'_, ()> {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        let stripe = BuildHasherDefault::<DefaultHasher>::default().hash_one(id) as usize % STRIPES;
        self.readers[stripe].lock().await
    }

    /// The value kept for `id`, if `current` holds of the stamp it was read at.
    pub fn get<Q: Hash + Eq + ?Sized>(&self, id: &Q, current: impl FnOnce(&S) -> bool) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match inner.by_id.get(id) {
            Some((at, _, value)) if current(at) => Some(value.clone()),
            _ => None,
        }
    }

    /// Keep a value just read at `stamp`, unless `later` says the one kept
    /// already was read later (two requests reading at once).
    pub fn keep(&self, id: K, stamp: S, value: V, later: impl FnOnce(&S) -> bool) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if inner.by_id.len() >= self.most {
            let mut order: Vec<u64> = inner.by_id.values().map(|(_, load, _)| *load).collect();
            order.sort_unstable();
            let cut = order[order.len() / 2];
            inner.by_id.retain(|_, (_, load, _)| *load >= cut);
        }
        inner.loads += 1;
        let load = inner.loads;
        if !inner.by_id.get(&id).is_some_and(|(at, _, _)| later(at)) {
            inner.by_id.insert(id, (stamp, load, value));
        }
    }

    /// How many values are kept.
    #[cfg(test)]
    pub fn count(&self) -> usize {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).by_id.len()
    }
}
