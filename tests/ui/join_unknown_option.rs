async fn run() {
    let _ = runtime::join!(fair; async { 1 }, async { 2 });
}

fn main() {
    let _ = run();
}
