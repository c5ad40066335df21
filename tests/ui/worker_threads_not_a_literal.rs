const THREADS: usize = 4;

#[runtime::main(worker_threads = THREADS)]
async fn main() {}
