use updraft_dynamo::{Dynamo, Model};

#[derive(Model)]
#[dynamo(table = "Movies")]
struct Movie {
    #[dynamo(hash)]
    title: String,
    #[dynamo(range)]
    year: i32,
}

fn query(dynamo: &Dynamo) {
    let _ = dynamo.table::<Movie>().query("Heat").range_begins_with(19);
}

fn main() {}
