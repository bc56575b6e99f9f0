//! Where each key's entry sits in a replay-store shard: an open-addressing table of 8-byte slots.
//!
//! Every notification of the day adds a key, so this table outgrows the caches and a claim's cost
//! is the cache lines it misses. A slot holds 32 bits of the key's hash (the tag) beside the
//! entry's position, so a probe reads one line; hashbrown's layout (control bytes apart from the
//! slots) reads two, which measured about twice as slow under the load benchmark. Linear probing
//! at most half full; removal shifts the following slots back, so there are no tombstones.

/// A slot: the tag in the high half, the entry's position + 1 in the low half; 0 is empty.
type Slot = u64;

/// The result of [`Positions::probe`].
pub(super) enum Probe {
    /// The key is at this position, held in slot `slot`.
    Found { slot: usize, position: usize },
    /// The key is absent; `slot` is where it goes.
    Vacant { slot: usize },
}

/// Positions of entries, found by the entries' 64-bit hashes.
#[derive(Default)]
pub(super) struct Positions {
    /// A power of two long (or empty), at most half used.
    slots: Vec<Slot>,
}

fn tag(hash: u64) -> u64 {
    hash >> 32
}

fn position(slot: Slot) -> usize {
    // The low half is position + 1, and positions fit in 32 bits (see `Positions::fill`).
    ((slot & 0xffff_ffff) as usize).wrapping_sub(1)
}

impl Positions {
    /// A table of the positions `0..` whose hashes `hashes` gives in order, with room for `room`.
    pub(super) fn rebuilt(room: usize, hashes: impl Iterator<Item = u64>) -> Self {
        let mut table = Self {
            slots: vec![0; Self::slots_for(room)],
        };
        for (position, hash) in hashes.enumerate() {
            if let Probe::Vacant { slot } = table.probe(hash, |_| false) {
                table.fill(slot, hash, position);
            }
        }
        table
    }

    fn slots_for(len: usize) -> usize {
        (len.max(8) * 2).next_power_of_two()
    }

    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// Makes room for one more position: when the table would be over half full, it is rebuilt
    /// twice as large from `hashes`, the hash of every held position in order.
    pub(super) fn reserve_one(&mut self, len: usize, hashes: impl Iterator<Item = u64>) {
        if (len + 1) * 2 <= self.slots.len() {
            return;
        }
        *self = Self::rebuilt(len + 1, hashes);
    }

    /// Finds the position whose hash is `hash` and that `is_key` accepts, or the empty slot for it.
    /// Call [`Positions::reserve_one`] first: an empty table has no slot to offer.
    pub(super) fn probe(&self, hash: u64, mut is_key: impl FnMut(usize) -> bool) -> Probe {
        let mask = self.mask();
        let mut at = (hash as usize) & mask;
        // At most half full, so an empty slot ends every probe; the bound only guards an empty table.
        for _ in 0..self.slots.len() {
            let slot = self.slots.get(at).copied().unwrap_or(0);
            if slot == 0 {
                return Probe::Vacant { slot: at };
            }
            if slot >> 32 == tag(hash) && is_key(position(slot)) {
                return Probe::Found {
                    slot: at,
                    position: position(slot),
                };
            }
            at = (at + 1) & mask;
        }
        Probe::Vacant { slot: at }
    }

    /// Stores `position` (below 2^32 - 1) for `hash` in the vacant slot `slot`.
    pub(super) fn fill(&mut self, slot: usize, hash: u64, position: usize) {
        if let Some(s) = self.slots.get_mut(slot) {
            *s = (tag(hash) << 32) | (position as u64 + 1);
        }
    }

    /// Points slot `slot` at another position (an entry that moved).
    pub(super) fn repoint(&mut self, slot: usize, position: usize) {
        if let Some(s) = self.slots.get_mut(slot) {
            *s = (*s & !0xffff_ffff) | (position as u64 + 1);
        }
    }

    /// Empties slot `slot`, moving back the slots after it that would no longer be found.
    /// `hash_at` gives the hash of the entry at a position.
    pub(super) fn remove(&mut self, slot: usize, hash_at: impl Fn(usize) -> u64) {
        let mask = self.mask();
        let mut hole = slot;
        let mut next = slot;
        loop {
            next = (next + 1) & mask;
            let moved = self.slots.get(next).copied().unwrap_or(0);
            if moved == 0 || next == slot {
                break;
            }
            let home = (hash_at(position(moved)) as usize) & mask;
            // The slot stays when its home lies cyclically in (hole, next]: probes from there
            // never cross the hole.
            let stays = if hole <= next {
                hole < home && home <= next
            } else {
                hole < home || home <= next
            };
            if !stays {
                if let Some(h) = self.slots.get_mut(hole) {
                    *h = moved;
                }
                hole = next;
            }
        }
        if let Some(h) = self.slots.get_mut(hole) {
            *h = 0;
        }
    }
}
