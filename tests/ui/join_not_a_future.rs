async fn run() {
    let _ = runtime::join!(async { 1 }, 2);
}

fn main() {
    let _ = run();
}
