//! Runtime identity and introspection: `Builder::name` / `Handle::name`, `Handle::id` and
//! `runtime::Id`, `LocalSet::id`, the ordering of task ids.

use std::collections::BTreeSet;

use runtime::runtime::Builder;
use runtime::task::LocalSet;
use runtime_tests::both_flavors;

both_flavors! {
    fn a_runtime_has_no_name_unless_the_builder_gives_it_one() {
        let rt = rt();
        assert_eq!(rt.handle().name(), None);
        let named = builder().name("ingest").build().unwrap();
        assert_eq!(named.handle().name(), Some("ingest"));
        // Inside the runtime, the current handle carries the name too.
        let inside = named.block_on(async {
            runtime::runtime::Handle::current().name().map(str::to_owned)
        });
        assert_eq!(inside.as_deref(), Some("ingest"));
    }

    fn handles_of_one_runtime_share_its_id_and_other_runtimes_differ() {
        let rt1 = rt();
        let rt2 = rt();
        let h1 = rt1.handle().clone();
        assert_eq!(h1.id(), rt1.handle().id());
        let inside = rt1.block_on(async { runtime::runtime::Handle::current().id() });
        assert_eq!(inside, h1.id());
        assert_ne!(rt1.handle().id(), rt2.handle().id());
        assert_eq!(h1.id().to_string(), rt1.handle().id().to_string());
    }
}

#[test]
#[should_panic(expected = "runtime name shouldn't be empty")]
fn an_empty_runtime_name_panics() {
    Builder::new_current_thread().name("  ");
}

#[test]
fn local_sets_have_their_own_ids() {
    let rt = Builder::new_current_thread().build().unwrap();
    let a = LocalSet::new();
    let b = LocalSet::new();
    assert_ne!(a.id(), b.id());
    assert_ne!(a.id(), rt.handle().id());
    assert_eq!(a.id(), a.id());
}

#[test]
fn task_ids_are_ordered() {
    let rt = Builder::new_current_thread().build().unwrap();
    let ids: BTreeSet<runtime::task::Id> = rt.block_on(async {
        let mut ids = BTreeSet::new();
        for _ in 0..10 {
            ids.insert(runtime::spawn(async { runtime::task::id() }).await.unwrap());
        }
        ids
    });
    assert_eq!(ids.len(), 10);
    let v: Vec<_> = ids.into_iter().collect();
    assert!(v.windows(2).all(|w| w[0] < w[1]));
}
