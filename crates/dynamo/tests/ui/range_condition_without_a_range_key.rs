use updraft_dynamo::{Dynamo, Model};

#[derive(Model)]
#[dynamo(table = "Accounts")]
struct Account {
    #[dynamo(hash)]
    id: String,
}

fn query(dynamo: &Dynamo) {
    let _ = dynamo.table::<Account>().query("alice").range_eq("x");
}

fn main() {}
