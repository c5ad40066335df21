runtime::task_local! {
    pub REQUEST_ID: u64;
}

fn main() {}
