use updraft_dynamo::{Dynamo, Model};

#[derive(Model)]
#[dynamo(table = "Movies")]
struct Movie {
    #[dynamo(hash)]
    year: i32,
    #[dynamo(range)]
    title: String,
}

async fn read(dynamo: Dynamo) {
    let _ = dynamo.table::<Movie>().get(("1999", "Heat")).await;
}

fn main() {}
