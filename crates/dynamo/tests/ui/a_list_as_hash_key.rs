use updraft_dynamo::Model;

#[derive(Model)]
#[dynamo(table = "Bad")]
struct Bad {
    #[dynamo(hash)]
    tags: Vec<String>,
}

fn main() {}
