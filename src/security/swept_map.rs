//! A map of short-lived entries kept in memory (rate-limit counters, one-time-use values),
//! cleared of dead entries as it grows.
//!
//! A sweep runs only once the map has doubled since the last one. Sweeping whenever the map
//! was past a fixed size made every request scan the whole map once that many entries were
//! alive at the same time (e.g. DPoP proofs, which live two minutes): each request then cost
//! time in proportion to the traffic of the last minutes, which a flood of distinct keys could
//! drive up at will. Doubling keeps the cost of sweeping constant per insertion on average.

use std::collections::HashMap;

pub struct SweptMap<V> {
    entries: HashMap<String, V>,
    /// The size at which the next sweep runs; never below the floor given at creation.
    sweep_at: usize,
    floor: usize,
    sweeps: u64,
}

impl<V> SweptMap<V> {
    /// A map first swept when it holds `floor` entries.
    pub fn new(floor: usize) -> SweptMap<V> {
        SweptMap {
            entries: HashMap::new(),
            sweep_at: floor,
            floor,
            sweeps: 0,
        }
    }

    /// Drops the entries `alive` rejects, if the map has grown enough since the last sweep.
    pub fn sweep_if_due(&mut self, mut alive: impl FnMut(&V) -> bool) {
        if self.entries.len() < self.sweep_at {
            return;
        }
        self.entries.retain(|_, value| alive(value));
        self.sweep_at = (self.entries.len() * 2).max(self.floor);
        self.sweeps += 1;
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        self.entries.get(key)
    }

    pub fn insert(&mut self, key: String, value: V) {
        self.entries.insert(key, value);
    }

    pub fn entry(&mut self, key: String) -> std::collections::hash_map::Entry<'_, String, V> {
        self.entries.entry(key)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many sweeps have run (for tests of the sweeping policy).
    pub fn sweeps(&self) -> u64 {
        self.sweeps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 100,000 entries that all stay alive: the old policy swept on every insertion past the
    /// floor (99,001 full scans); doubling sweeps a handful of times.
    #[test]
    fn live_entries_do_not_make_every_insertion_scan_the_map() {
        let mut map = SweptMap::new(1_000);
        for n in 0..100_000u32 {
            map.sweep_if_due(|_| true);
            map.insert(n.to_string(), n);
        }
        assert_eq!(map.len(), 100_000);
        assert!(map.sweeps() <= 8, "{} sweeps", map.sweeps());
    }

    #[test]
    fn dead_entries_are_dropped_once_the_map_reaches_its_floor() {
        let mut map = SweptMap::new(10);
        for n in 0..10u32 {
            map.insert(n.to_string(), n);
        }
        map.sweep_if_due(|n| *n >= 8);
        assert_eq!(map.len(), 2);
        assert_eq!(map.sweeps(), 1);
        // Below the floor again: no sweep until it is reached.
        map.insert("late".into(), 0);
        map.sweep_if_due(|_| false);
        assert_eq!(map.len(), 3);
        assert!(map.get("late").is_some());
        assert!(!map.is_empty());
    }
}
