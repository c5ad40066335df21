//! The tree of tokens: one mutex-protected slab of nodes per tree (a root and everything
//! derived from it), and per node an atomic flag and a `Notify` that waiters use without the
//! lock.
//!
//! Invariants (under the tree lock):
//! - a node is in the slab while some handle (token) to it exists;
//! - a linked child sits at `children[idx_in_parent]` of its parent;
//! - a cancelled node has no parent and no children: cancelling detaches the whole subtree,
//!   so a later cancel of an ancestor never walks it again, and each node is freed as soon as
//!   its own handles are gone.

use std::mem;

use slab::Slab;

use crate::loom::{Arc, AtomicBool, AtomicUsize, Mutex, Ordering};
use crate::Notify;

/// The part of a node that tokens and waiters read without the tree lock.
#[derive(Debug)]
pub(super) struct NodeState {
    /// Set once, under the tree lock, before waiters are notified.
    cancelled: AtomicBool,
    /// Tokens pointing at this node.
    pub(super) handles: AtomicUsize,
    /// Woken (`notify_waiters`) when the node is cancelled. In a std `Arc` for
    /// `Notify::notified_owned`.
    pub(super) notify: std::sync::Arc<Notify>,
}

impl NodeState {
    fn new(cancelled: bool) -> Arc<NodeState> {
        Arc::new(NodeState {
            cancelled: AtomicBool::new(cancelled),
            handles: AtomicUsize::new(1),
            notify: std::sync::Arc::new(Notify::new()),
        })
    }

    /// Whether the node was cancelled.
    pub(super) fn is_cancelled(&self) -> bool {
        // Acquire pairs with the Release store in `Tree::cancel`: whatever the canceller did
        // before cancelling is visible to a task that sees the flag.
        self.cancelled.load(Ordering::Acquire)
    }
}

struct Node {
    parent: Option<usize>,
    idx_in_parent: usize,
    children: Vec<usize>,
    state: Arc<NodeState>,
}

/// One tree of tokens.
pub(super) struct Tree {
    nodes: Mutex<Slab<Node>>,
}

impl Tree {
    /// A new tree with one root node; returns the tree, the root's key and its state.
    pub(super) fn new_root() -> (Arc<Tree>, usize, Arc<NodeState>) {
        let state = NodeState::new(false);
        let mut nodes = Slab::new();
        let key = nodes.insert(Node {
            parent: None,
            idx_in_parent: 0,
            children: Vec::new(),
            state: state.clone(),
        });
        let tree = Arc::new(Tree {
            nodes: Mutex::new(nodes),
        });
        (tree, key, state)
    }

    /// Adds a child of `parent`; born cancelled (and unlinked) if `parent` is cancelled.
    pub(super) fn add_child(&self, parent: usize) -> (usize, Arc<NodeState>) {
        let mut nodes = self.nodes.lock();
        // Under the lock the flag cannot change: `cancel` sets it under the same lock.
        let cancelled = nodes[parent].state.cancelled.load(Ordering::Relaxed);
        let state = NodeState::new(cancelled);
        let (link, idx_in_parent) = if cancelled {
            (None, 0)
        } else {
            (Some(parent), nodes[parent].children.len())
        };
        let key = nodes.insert(Node {
            parent: link,
            idx_in_parent,
            children: Vec::new(),
            state: state.clone(),
        });
        if !cancelled {
            nodes[parent].children.push(key);
        }
        (key, state)
    }

    /// Cancels `key` and all its descendants (iteratively: no recursion, whatever the depth),
    /// then wakes their waiters outside the lock.
    pub(super) fn cancel(&self, key: usize) {
        let mut to_wake = Vec::new();
        {
            let mut nodes = self.nodes.lock();
            if nodes[key].state.cancelled.load(Ordering::Relaxed) {
                return;
            }
            unlink(&mut nodes, key);
            let mut stack = vec![key];
            while let Some(current) = stack.pop() {
                let node = &mut nodes[current];
                // Release pairs with `is_cancelled`'s Acquire.
                node.state.cancelled.store(true, Ordering::Release);
                to_wake.push(node.state.clone());
                let children = mem::take(&mut node.children);
                for child in children {
                    nodes[child].parent = None;
                    stack.push(child);
                }
            }
        }
        // The flag is set before each `notify_waiters`: a waiter whose `Notified` predates
        // the call is woken, and one created after it sees the flag.
        for state in to_wake {
            state.notify.notify_waiters();
        }
    }

    /// Frees `key` (its last handle is gone): its children move up to its parent, or become
    /// roots of their own if it had none.
    pub(super) fn remove(&self, key: usize) {
        let mut nodes = self.nodes.lock();
        let parent = nodes[key].parent;
        unlink(&mut nodes, key);
        let node = nodes.remove(key);
        for child in node.children {
            match parent {
                Some(parent) => {
                    let idx = nodes[parent].children.len();
                    nodes[parent].children.push(child);
                    let child = &mut nodes[child];
                    child.parent = Some(parent);
                    child.idx_in_parent = idx;
                }
                None => nodes[child].parent = None,
            }
        }
        // Give memory back after a burst of short-lived children.
        if nodes.is_empty() {
            *nodes = Slab::new();
        }
    }

    /// Live nodes in this tree, for tests of the memory bound.
    #[cfg(all(test, not(loom)))]
    pub(super) fn len(&self) -> usize {
        self.nodes.lock().len()
    }
}

/// Takes `key` out of its parent's children, if it has a parent.
fn unlink(nodes: &mut Slab<Node>, key: usize) {
    let Some(parent) = nodes[key].parent.take() else {
        return;
    };
    let idx = nodes[key].idx_in_parent;
    let children = &mut nodes[parent].children;
    children.swap_remove(idx);
    if let Some(&moved) = children.get(idx) {
        nodes[moved].idx_in_parent = idx;
    }
    let children = &mut nodes[parent].children;
    if children.capacity() > 8 && children.len() * 4 <= children.capacity() {
        children.shrink_to(children.len() * 2);
    }
}
