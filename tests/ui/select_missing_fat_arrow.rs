async fn run() -> u32 {
    runtime::select! {
        v = async { 1 } v,
    }
}

fn main() {
    let _ = run();
}
