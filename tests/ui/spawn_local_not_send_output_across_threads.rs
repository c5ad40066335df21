use std::rc::Rc;

fn main() {
    let local = runtime::task::LocalSet::new();
    let handle = local.spawn_local(async { Rc::new(1) });
    // The output is `!Send`, so the handle cannot leave the thread.
    std::thread::spawn(move || drop(handle));
}
