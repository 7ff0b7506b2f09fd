//! A bounded map of values that never change once stored, so that the requests of one end
//! user don't each read the same row (on SQLite a read is a round trip to a connection's
//! thread). When full it starts over, which only costs the next reads a database trip.

use std::collections::HashMap;
use std::sync::Mutex;

/// Most entries of a [`Memo`].
const MEMO_MAX: usize = 16_384;

#[derive(Debug)]
pub struct Memo<V> {
    map: Mutex<HashMap<String, V>>,
}

impl<V> Default for Memo<V> {
    fn default() -> Self {
        Memo {
            map: Default::default(),
        }
    }
}

impl<V: Clone> Memo<V> {
    pub fn get(&self, key: &str) -> Option<V> {
        self.map.lock().ok()?.get(key).cloned()
    }

    pub fn put(&self, key: String, value: V) {
        let Ok(mut map) = self.map.lock() else { return };
        if map.len() >= MEMO_MAX {
            map.clear();
        }
        map.insert(key, value);
    }
}
