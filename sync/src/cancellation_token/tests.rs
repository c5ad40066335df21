//! Unit tests of the tree's bookkeeping (what the public API cannot see).

use super::*;

#[test]
fn dropped_children_free_their_nodes() {
    let root = CancellationToken::new();
    for _ in 0..10_000 {
        let child = root.child_token();
        let grandchild = child.child_token();
        drop(child);
        drop(grandchild);
    }
    assert_eq!(root.tree.len(), 1);
}

#[test]
fn a_dropped_middle_node_hands_its_children_to_its_parent() {
    let root = CancellationToken::new();
    let middle = root.child_token();
    let leaf = middle.child_token();
    drop(middle);
    assert_eq!(root.tree.len(), 2);
    root.cancel();
    assert!(leaf.is_cancelled());
}

#[test]
fn cancelled_subtrees_are_detached_and_freed() {
    let root = CancellationToken::new();
    let child = root.child_token();
    let kept: Vec<_> = (0..100).map(|_| child.child_token()).collect();
    child.cancel();
    drop(child);
    assert!(kept.iter().all(CancellationToken::is_cancelled));
    assert_eq!(root.tree.len(), 101);
    drop(kept);
    assert_eq!(root.tree.len(), 1);
}
