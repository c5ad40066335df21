async fn run() {
    runtime::select! {}
}

fn main() {
    let _ = run();
}
