//! `WaitList`: a FIFO of waiters in a slab, linked by index.
//!
//! Every primitive that makes tasks wait (the semaphore, `Notify`, `broadcast`) keeps its
//! waiters in one of these, under the primitive's mutex. A waiting future owns a *key* to its
//! node, which holds whatever the primitive stores per waiter (its waker, the permits it still
//! needs). Being *linked* means "in the queue". Two ways to finish a wait:
//!
//! * The notifier unlinks the node and leaves it, marked; the future finds the mark on its
//!   next poll (under the lock) and removes the node (the semaphore, `broadcast`).
//! * The notifier removes the node outright and records the outcome in the future's
//!   `Signal` (`util/signal.rs`), so the future completes without the lock (`Notify`).
//!
//! Indices instead of intrusive pointers: no `unsafe`, no pinning protocol, O(1) insert,
//! unlink and removal. The slab keeps its capacity while waiters come and go, and is
//! released once it is empty after a burst, so a primitive's footprint follows its current
//! waiters, not its historical peak.

use slab::Slab;

/// Waiters kept with no queue around them (the slab's capacity) beyond which an empty list
/// gives its memory back.
const RETAINED_CAPACITY: usize = 32;

/// A queue of waiters, each carrying a `T`.
#[derive(Debug)]
pub(crate) struct WaitList<T> {
    nodes: Slab<Node<T>>,
    /// The oldest linked node.
    head: Option<usize>,
    /// The newest linked node.
    tail: Option<usize>,
    /// Linked nodes.
    linked: usize,
}

#[derive(Debug)]
struct Node<T> {
    value: T,
    prev: Option<usize>,
    next: Option<usize>,
    linked: bool,
}

impl<T> WaitList<T> {
    /// An empty list; allocates nothing until the first waiter.
    pub(crate) const fn new() -> WaitList<T> {
        WaitList {
            nodes: Slab::new(),
            head: None,
            tail: None,
            linked: 0,
        }
    }

    /// Adds a waiter at the back (newest) of the queue and returns its key.
    pub(crate) fn push_back(&mut self, value: T) -> usize {
        let key = self.nodes.insert(Node {
            value,
            prev: self.tail,
            next: None,
            linked: true,
        });
        match self.tail {
            Some(tail) => self.nodes[tail].next = Some(key),
            None => self.head = Some(key),
        }
        self.tail = Some(key);
        self.linked += 1;
        key
    }

    /// Unlinks the oldest waiter and returns its key; the node stays until `remove`.
    pub(crate) fn pop_front(&mut self) -> Option<usize> {
        let key = self.head?;
        self.unlink(key);
        Some(key)
    }

    /// Unlinks the newest waiter and returns its key; the node stays until `remove`.
    pub(crate) fn pop_back(&mut self) -> Option<usize> {
        let key = self.tail?;
        self.unlink(key);
        Some(key)
    }

    /// The oldest waiter, still linked.
    pub(crate) fn front(&self) -> Option<usize> {
        self.head
    }

    /// Takes `key` out of the queue (if it is in it); the node stays until `remove`.
    pub(crate) fn unlink(&mut self, key: usize) {
        let node = &mut self.nodes[key];
        if !node.linked {
            return;
        }
        node.linked = false;
        let (prev, next) = (node.prev.take(), node.next.take());
        match prev {
            Some(prev) => self.nodes[prev].next = next,
            None => self.head = next,
        }
        match next {
            Some(next) => self.nodes[next].prev = prev,
            None => self.tail = prev,
        }
        self.linked -= 1;
    }

    /// Unlinks (if needed) and frees `key`, returning its value. The key may be reused
    /// afterwards.
    pub(crate) fn remove(&mut self, key: usize) -> T {
        self.unlink(key);
        let value = self.nodes.remove(key).value;
        if self.nodes.is_empty() && self.nodes.capacity() > RETAINED_CAPACITY {
            self.nodes = Slab::new();
        }
        value
    }

    /// The value of `key`, linked or not.
    pub(crate) fn get(&self, key: usize) -> &T {
        &self.nodes[key].value
    }

    /// Whether `key` is still in the queue.
    #[allow(dead_code)] // For primitives that need it; the tests use it.
    pub(crate) fn is_linked(&self, key: usize) -> bool {
        self.nodes[key].linked
    }

    /// The value of `key`, linked or not.
    pub(crate) fn get_mut(&mut self, key: usize) -> &mut T {
        &mut self.nodes[key].value
    }

    /// Whether no waiter is queued (unlinked nodes do not count).
    pub(crate) fn is_empty(&self) -> bool {
        self.linked == 0
    }

    /// Queued waiters.
    #[allow(dead_code)] // For primitives that need it; the tests use it.
    pub(crate) fn len(&self) -> usize {
        self.linked
    }

    /// The slab's capacity, for tests of the memory bound.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.nodes.capacity()
    }
}

impl<T> Default for WaitList<T> {
    fn default() -> WaitList<T> {
        WaitList::new()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn drain(list: &mut WaitList<u32>) -> Vec<u32> {
        let mut out = Vec::new();
        while let Some(key) = list.pop_front() {
            out.push(list.remove(key));
        }
        out
    }

    #[test]
    fn fifo_order_and_unlinking_from_the_middle() {
        let mut list = WaitList::new();
        let keys: Vec<_> = (0..5).map(|v| list.push_back(v)).collect();
        assert_eq!(list.len(), 5);
        assert_eq!(list.front(), Some(keys[0]));
        list.unlink(keys[2]);
        assert!(!list.is_linked(keys[2]));
        assert_eq!(list.remove(keys[2]), 2);
        let back = list.pop_back().unwrap();
        assert_eq!(list.remove(back), 4);
        assert_eq!(drain(&mut list), [0, 1, 3]);
        assert!(list.is_empty());
    }

    #[test]
    fn an_unlinked_node_keeps_its_value_until_removed() {
        let mut list = WaitList::new();
        let a = list.push_back(1);
        let b = list.push_back(2);
        assert_eq!(list.pop_front(), Some(a));
        *list.get_mut(a) += 10;
        assert_eq!(*list.get(a), 11);
        assert_eq!(list.len(), 1);
        // Unlinking twice is harmless.
        list.unlink(a);
        assert_eq!(list.remove(a), 11);
        assert_eq!(list.front(), Some(b));
    }

    #[test]
    fn memory_is_released_once_a_burst_is_over() {
        let mut list = WaitList::new();
        let keys: Vec<_> = (0..10_000).map(|v| list.push_back(v)).collect();
        assert!(list.capacity() >= 10_000);
        for key in keys {
            list.remove(key);
        }
        assert_eq!(list.capacity(), 0);
        // Small lists keep their few nodes' worth.
        let k = list.push_back(1);
        list.remove(k);
        assert!(list.capacity() <= RETAINED_CAPACITY);
    }
}
