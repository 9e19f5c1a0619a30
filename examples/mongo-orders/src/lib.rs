//! The repositories of the orders service, declared once and shared by its functions.

use updraft::mongo_repo::bson::Document;
use updraft::mongo_repo::{Index, Mongo, Repository};

/// The collections the model-query proxy answers for.
pub const QUERYABLE: [&str; 2] = ["orders", "customers"];

/// Orders live in each state's database: indexed by customer, and by status then newest.
#[must_use]
pub fn orders(mongo: &Mongo) -> Repository<Document> {
    mongo
        .repository("orders")
        .named("OrdersRepository")
        .index(Index::asc("customer_id"))
        .index(Index::asc("status").then_desc("created_at"))
}

/// Users live in `core`, one per email.
#[must_use]
pub fn users(mongo: &Mongo) -> Repository<Document> {
    mongo
        .repository("users")
        .database("core")
        .named("UsersRepository")
        .index(Index::asc("email").unique())
}
