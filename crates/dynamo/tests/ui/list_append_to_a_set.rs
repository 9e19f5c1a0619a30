use std::collections::BTreeSet;

use updraft_dynamo::Model;

#[derive(Model)]
#[dynamo(table = "Movies")]
struct Movie {
    #[dynamo(hash)]
    year: i32,
    genres: BTreeSet<String>,
}

fn main() {
    let _ = Movie::fields().genres().list_append(vec!["Drama".to_owned()]);
}
