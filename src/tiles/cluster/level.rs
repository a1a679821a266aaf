//! One zoom of the cluster pyramid: its clusters sorted by tile then cell, in shared
//! chunks (a tile's clusters never straddle two), so the next snapshot's pyramid copies
//! only the chunks a delta touches and the list of chunk pointers, not a million cells.

use std::sync::Arc;

use super::Cluster;

/// Clusters per chunk when built; a chunk that grows past twice this is cut in two.
const CHUNK: usize = 512;

#[derive(Clone, Default)]
pub(super) struct Level {
    chunks: Vec<Arc<Vec<Cluster>>>,
}

type Order = ((u32, u32), u32, u32);

fn order(c: &Cluster) -> Order {
    (c.tile_key(), c.cx, c.cy)
}

fn order_of(cx: u32, cy: u32) -> Order {
    (super::tile_of_cell(cx, cy), cx, cy)
}

impl Level {
    /// From clusters sorted by tile then cell.
    pub(super) fn from_sorted(all: Vec<Cluster>) -> Self {
        let mut chunks = Vec::with_capacity(all.len() / CHUNK + 1);
        let mut chunk: Vec<Cluster> = Vec::with_capacity(CHUNK);
        for c in all {
            if chunk.len() >= CHUNK && chunk.last().is_some_and(|l| l.tile_key() != c.tile_key()) {
                chunks.push(Arc::new(std::mem::replace(
                    &mut chunk,
                    Vec::with_capacity(CHUNK),
                )));
            }
            chunk.push(c);
        }
        if !chunk.is_empty() {
            chunks.push(Arc::new(chunk));
        }
        Self { chunks }
    }

    /// The chunk that holds, or would hold, the clusters of tile `key`.
    fn chunk_for(&self, key: (u32, u32)) -> usize {
        self.chunks
            .partition_point(|c| c.first().is_some_and(|f| f.tile_key() <= key))
            .saturating_sub(1)
    }

    pub(super) fn in_tile(&self, key: (u32, u32)) -> &[Cluster] {
        let Some(chunk) = self.chunks.get(self.chunk_for(key)) else {
            return &[];
        };
        let start = chunk.partition_point(|c| c.tile_key() < key);
        let end = start + chunk[start..].partition_point(|c| c.tile_key() == key);
        &chunk[start..end]
    }

    pub(super) fn get(&self, (cx, cy): (u32, u32)) -> Option<&Cluster> {
        let key = order_of(cx, cy);
        let chunk = self.chunks.get(self.chunk_for(key.0))?;
        chunk
            .binary_search_by(|c| order(c).cmp(&key))
            .ok()
            .map(|n| &chunk[n])
    }

    /// Puts `new` in the cell (or empties it), copying only the chunk it falls in (once
    /// per delta: a chunk this level already owns alone is changed in place).
    pub(super) fn set(&mut self, (cx, cy): (u32, u32), new: Option<Cluster>) {
        let key = order_of(cx, cy);
        if self.chunks.is_empty() {
            self.chunks.extend(new.map(|c| Arc::new(vec![c])));
            return;
        }
        let i = self.chunk_for(key.0);
        let chunk = Arc::make_mut(&mut self.chunks[i]);
        match (chunk.binary_search_by(|c| order(c).cmp(&key)), new) {
            (Ok(n), Some(c)) => chunk[n] = c,
            (Ok(n), None) => {
                chunk.remove(n);
            }
            (Err(n), Some(c)) => chunk.insert(n, c),
            (Err(_), None) => {}
        }
        if chunk.is_empty() {
            self.chunks.remove(i);
        } else if chunk.len() > 2 * CHUNK {
            // Cut at the tile boundary nearest the middle (a tile holds at most 256).
            let mid = chunk.len() / 2;
            let cut = (mid..chunk.len())
                .find(|&n| chunk[n].tile_key() != chunk[n - 1].tile_key())
                .or_else(|| {
                    (1..mid)
                        .rev()
                        .find(|&n| chunk[n].tile_key() != chunk[n - 1].tile_key())
                });
            if let Some(cut) = cut {
                let tail = chunk.split_off(cut);
                self.chunks.insert(i + 1, Arc::new(tail));
            }
        }
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &Cluster> {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.chunks
            .iter()
            .map(|c| c.capacity() * std::mem::size_of::<Cluster>())
            .sum::<usize>()
            + self.chunks.capacity() * std::mem::size_of::<usize>()
    }

    #[cfg(test)]
    pub(super) fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// Chunks this level shares with `other` (the same allocation), for tests.
    #[cfg(test)]
    pub(super) fn shared_chunks(&self, other: &Level) -> usize {
        self.chunks
            .iter()
            .filter(|c| other.chunks.iter().any(|o| Arc::ptr_eq(c, o)))
            .count()
    }
}
