//! An intrusive doubly linked list.
//!
//! The links live inside the elements (a [`Pointers`] field), so pushing and removing never
//! allocate and removal of a known element is O(1). The list owns its elements through a
//! handle type (for tasks, a reference-counted `Task`): pushing converts the handle into a raw
//! pointer, popping or removing converts it back.
//!
//! The list itself is not synchronised: callers keep it behind a lock.
//!
//! Users: the runtime's owned-task lists (handles are reference-counted tasks) and the timer
//! wheel's slots (handles are pointers to timers pinned inside their `Sleep`, which unlinks
//! itself before it goes away).

use std::fmt;
use std::marker::{PhantomData, PhantomPinned};
use std::ptr::NonNull;

use super::loom::UnsafeCell;

/// Describes how to link a type into a [`LinkedList`].
///
/// # Safety
///
/// `pointers` must return a pointer to a [`Pointers`] field that lives as long as the target
/// and is used for no other list at the same time. `as_raw` and `from_raw` must round-trip:
/// a handle converted to a pointer and back is the same handle, with the same ownership.
pub unsafe trait Link {
    /// The owning handle stored in the list.
    type Handle;

    /// The node type the pointers point at.
    type Target;

    /// Converts a handle into a raw pointer without giving up ownership.
    fn as_raw(handle: &Self::Handle) -> NonNull<Self::Target>;

    /// Rebuilds the handle from a raw pointer taken out of the list.
    ///
    /// # Safety
    ///
    /// `ptr` must come from `as_raw` of a handle whose ownership the list held.
    unsafe fn from_raw(ptr: NonNull<Self::Target>) -> Self::Handle;

    /// The links inside `target`.
    ///
    /// # Safety
    ///
    /// `target` must point at a live node.
    unsafe fn pointers(target: NonNull<Self::Target>) -> NonNull<Pointers<Self::Target>>;
}

/// The links of one node.
pub struct Pointers<T> {
    inner: UnsafeCell<PointersInner<T>>,
}

struct PointersInner<T> {
    prev: Option<NonNull<T>>,
    next: Option<NonNull<T>>,
    /// Linked nodes must not move: their neighbours point at them.
    _pin: PhantomPinned,
}

impl<T> Pointers<T> {
    /// Unlinked pointers.
    #[allow(clippy::new_without_default)] // A node's links are made with the node, never defaulted.
    pub fn new() -> Pointers<T> {
        Pointers {
            inner: UnsafeCell::new(PointersInner {
                prev: None,
                next: None,
                _pin: PhantomPinned,
            }),
        }
    }

    fn get_prev(&self) -> Option<NonNull<T>> {
        // SAFETY: the list that owns these pointers is behind its caller's lock, so no one
        // writes them concurrently.
        self.inner.with(|inner| unsafe { (*inner).prev })
    }

    fn get_next(&self) -> Option<NonNull<T>> {
        // SAFETY: as in `get_prev`.
        self.inner.with(|inner| unsafe { (*inner).next })
    }

    fn set_prev(&self, value: Option<NonNull<T>>) {
        // SAFETY: as in `get_prev`; the caller holds the list mutably.
        self.inner
            .with_mut(|inner| unsafe { (*inner).prev = value })
    }

    fn set_next(&self, value: Option<NonNull<T>>) {
        // SAFETY: as in `set_prev`.
        self.inner
            .with_mut(|inner| unsafe { (*inner).next = value })
    }
}

// SAFETY: the pointers are only touched by whoever holds the list, which the list's owner
// serialises with a lock; the raw pointers themselves carry no thread affinity.
unsafe impl<T: Send> Send for Pointers<T> {}
// SAFETY: as above.
unsafe impl<T: Sync> Sync for Pointers<T> {}

impl<T> fmt::Debug for Pointers<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pointers")
            .field("prev", &self.get_prev())
            .field("next", &self.get_next())
            .finish()
    }
}

/// An intrusive doubly linked list of `L::Handle`s.
pub struct LinkedList<L: Link> {
    head: Option<NonNull<L::Target>>,
    tail: Option<NonNull<L::Target>>,
    _marker: PhantomData<*const L>,
}

// SAFETY: the list owns its handles; sending the list sends them.
unsafe impl<L: Link> Send for LinkedList<L> where L::Handle: Send {}
// SAFETY: a shared list only allows reads of its head, which are pointer reads.
unsafe impl<L: Link> Sync for LinkedList<L> where L::Handle: Sync {}

impl<L: Link> LinkedList<L> {
    /// An empty list.
    pub const fn new() -> LinkedList<L> {
        LinkedList {
            head: None,
            tail: None,
            _marker: PhantomData,
        }
    }

    /// Whether the list has no element.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// Adds `handle` at the front. The list owns it until it is popped or removed.
    pub fn push_front(&mut self, handle: L::Handle) {
        let node = L::as_raw(&handle);
        std::mem::forget(handle);
        assert_ne!(
            self.head,
            Some(node),
            "node pushed twice into the same list"
        );
        // SAFETY: the node is live (we own it through the handle we just forgot) and, being
        // unlinked, its pointers belong to no list but this one from now on.
        unsafe {
            let ptrs = L::pointers(node).as_ref();
            ptrs.set_next(self.head);
            ptrs.set_prev(None);
            if let Some(head) = self.head {
                L::pointers(head).as_ref().set_prev(Some(node));
            }
        }
        self.head = Some(node);
        if self.tail.is_none() {
            self.tail = Some(node);
        }
    }

    /// Removes and returns the oldest element.
    pub fn pop_back(&mut self) -> Option<L::Handle> {
        let tail = self.tail?;
        // SAFETY: every node in the list is live and owned by the list.
        unsafe {
            let ptrs = L::pointers(tail).as_ref();
            self.tail = ptrs.get_prev();
            match self.tail {
                Some(prev) => L::pointers(prev).as_ref().set_next(None),
                None => self.head = None,
            }
            ptrs.set_prev(None);
            ptrs.set_next(None);
            Some(L::from_raw(tail))
        }
    }

    /// Removes and returns the newest element.
    pub fn pop_front(&mut self) -> Option<L::Handle> {
        let head = self.head?;
        // SAFETY: every node in the list is live and owned by the list.
        unsafe {
            let ptrs = L::pointers(head).as_ref();
            self.head = ptrs.get_next();
            match self.head {
                Some(next) => L::pointers(next).as_ref().set_prev(None),
                None => self.tail = None,
            }
            ptrs.set_prev(None);
            ptrs.set_next(None);
            Some(L::from_raw(head))
        }
    }

    /// Removes `node` if it is in this list, returning its handle; returns `None` if the node
    /// is in no list.
    ///
    /// # Safety
    ///
    /// `node` must be live and either in this list or in no list at all.
    pub unsafe fn remove(&mut self, node: NonNull<L::Target>) -> Option<L::Handle> {
        // SAFETY: the caller guarantees the node is live.
        let ptrs = unsafe { L::pointers(node).as_ref() };
        match ptrs.get_prev() {
            // SAFETY: a linked neighbour is a live node of this list.
            Some(prev) => unsafe { L::pointers(prev).as_ref().set_next(ptrs.get_next()) },
            None => {
                if self.head != Some(node) {
                    // Unlinked: not in this (or, by the contract, any) list.
                    return None;
                }
                self.head = ptrs.get_next();
            }
        }
        match ptrs.get_next() {
            // SAFETY: as above.
            Some(next) => unsafe { L::pointers(next).as_ref().set_prev(ptrs.get_prev()) },
            None => self.tail = ptrs.get_prev(),
        }
        ptrs.set_prev(None);
        ptrs.set_next(None);
        // SAFETY: the node was in this list, which owned its handle.
        Some(unsafe { L::from_raw(node) })
    }
}

impl<L: Link> Default for LinkedList<L> {
    fn default() -> Self {
        LinkedList::new()
    }
}

impl<L: Link> fmt::Debug for LinkedList<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkedList")
            .field("head", &self.head)
            .field("tail", &self.tail)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::pin::Pin;

    struct Entry {
        pointers: Pointers<Entry>,
        value: u32,
    }

    type Handle = Pin<Box<Entry>>;

    struct EntryLink;

    // SAFETY: `pointers` returns the entry's own field; handles round-trip through
    // `Box::into_raw`/`Box::from_raw`.
    unsafe impl Link for EntryLink {
        type Handle = Handle;
        type Target = Entry;

        fn as_raw(handle: &Handle) -> NonNull<Entry> {
            NonNull::from(&**handle)
        }

        unsafe fn from_raw(ptr: NonNull<Entry>) -> Handle {
            // SAFETY: the pointer came from a leaked `Pin<Box<Entry>>`.
            unsafe { Pin::new_unchecked(Box::from_raw(ptr.as_ptr())) }
        }

        unsafe fn pointers(target: NonNull<Entry>) -> NonNull<Pointers<Entry>> {
            // SAFETY: the caller guarantees `target` is live.
            unsafe { NonNull::new_unchecked(std::ptr::addr_of_mut!((*target.as_ptr()).pointers)) }
        }
    }

    fn entry(value: u32) -> Handle {
        Box::pin(Entry {
            pointers: Pointers::new(),
            value,
        })
    }

    #[test]
    fn push_pop_is_fifo_from_the_back() {
        let mut list = LinkedList::<EntryLink>::new();
        assert!(list.pop_back().is_none());
        for v in 0..5 {
            list.push_front(entry(v));
        }
        let popped: Vec<u32> = std::iter::from_fn(|| list.pop_back().map(|e| e.value)).collect();
        assert_eq!(popped, vec![0, 1, 2, 3, 4]);
        assert!(list.pop_back().is_none());
    }

    #[test]
    fn pop_front_takes_the_newest_and_keeps_both_ends_right() {
        let mut list = LinkedList::<EntryLink>::new();
        assert!(list.is_empty());
        for v in 0..3 {
            list.push_front(entry(v));
        }
        assert_eq!(list.pop_front().unwrap().value, 2);
        assert_eq!(list.pop_back().unwrap().value, 0);
        assert_eq!(list.pop_front().unwrap().value, 1);
        assert!(list.is_empty());
        assert!(list.pop_front().is_none() && list.pop_back().is_none());
        list.push_front(entry(7));
        assert_eq!(list.pop_back().unwrap().value, 7);
    }

    #[test]
    fn remove_middle_head_tail_and_unlinked() {
        let mut list = LinkedList::<EntryLink>::new();
        let nodes: Vec<NonNull<Entry>> = (0..4)
            .map(|v| {
                let e = entry(v);
                let ptr = EntryLink::as_raw(&e);
                list.push_front(e);
                ptr
            })
            .collect();
        // SAFETY: every node is live and in `list`.
        unsafe {
            assert_eq!(list.remove(nodes[1]).unwrap().value, 1);
            assert_eq!(list.remove(nodes[3]).unwrap().value, 3);
            assert_eq!(list.remove(nodes[0]).unwrap().value, 0);
        }
        let unlinked = entry(9);
        // SAFETY: `unlinked` is live and in no list.
        assert!(unsafe { list.remove(EntryLink::as_raw(&unlinked)) }.is_none());
        assert_eq!(list.pop_back().unwrap().value, 2);
        assert!(list.pop_back().is_none());
    }
}
