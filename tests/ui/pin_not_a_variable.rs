async fn value() -> u32 {
    1
}

async fn run() {
    runtime::pin!(value());
}

fn main() {
    let _ = run();
}
