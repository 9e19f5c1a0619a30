use updraft_dynamo::Model;

#[derive(Model)]
#[dynamo(table = "Sessions")]
struct Session {
    #[dynamo(hash)]
    id: String,
    #[dynamo(ttl)]
    expires: String,
}

fn main() {}
