//! Transactions and optimistic locking against DynamoDB Local.
#![allow(clippy::unwrap_used, reason = "tests")]

mod support;

use support::{Account, Movie, dynamo};
use updraft_dynamo::testing::TempTable;
use updraft_dynamo::{Error, Transaction};

#[tokio::test]
async fn a_transaction_applies_all_or_names_the_failing_action() {
    let dynamo = dynamo().await;
    let accounts = TempTable::<Account>::new(&dynamo).await.unwrap();
    let movies = TempTable::<Movie>::new(&dynamo).await.unwrap();
    accounts.put(&Account::new("alice", 100)).await.unwrap();
    accounts.put(&Account::new("bob", 0)).await.unwrap();
    let balance = Account::fields().balance();

    let mut transfer = Transaction::new();
    transfer
        .update_if(
            &accounts,
            "alice",
            balance.set(&balance - 60),
            balance.ge(60),
        )
        .unwrap()
        .update(&accounts, "bob", balance.set(&balance + 60))
        .unwrap()
        .put(&movies, &Movie::new(2020, "Receipt"))
        .unwrap();
    assert_eq!(transfer.len(), 3);
    dynamo.transact(transfer).await.unwrap();
    assert_eq!(accounts.get("alice").await.unwrap().unwrap().balance, 40);
    assert_eq!(accounts.get("bob").await.unwrap().unwrap().balance, 60);
    assert!(movies.get((2020, "Receipt")).await.unwrap().is_some());

    let mut overdraw = Transaction::new();
    overdraw
        .check(&movies, (2020, "Receipt"), Movie::fields().title().exists())
        .unwrap()
        .update_if(
            &accounts,
            "alice",
            balance.set(&balance - 60),
            balance.ge(60),
        )
        .unwrap()
        .update(&accounts, "bob", balance.set(&balance + 60))
        .unwrap();
    let error = dynamo.transact(overdraw).await.unwrap_err();
    let Error::ConditionFailed { table, action, .. } = &error else {
        panic!("a failed condition surfaces as a single write's does: {error:?}");
    };
    assert_eq!((action, table.as_str()), (&Some(1), accounts.name()));
    let old = error.old_item::<Account>().unwrap().unwrap();
    assert_eq!(old.balance, 40);
    assert_eq!(
        accounts.get("bob").await.unwrap().unwrap().balance,
        60,
        "nothing applied"
    );
}

#[tokio::test]
async fn the_builder_refuses_what_dynamodb_would() {
    let dynamo = dynamo().await;
    let accounts = dynamo.table_named::<Account>("never-called");
    let balance = Account::fields().balance();
    let mut twice = Transaction::new();
    twice.update(&accounts, "alice", balance.set(1)).unwrap();
    let error = twice.delete(&accounts, "alice", None).unwrap_err();
    assert!(matches!(error, Error::InvalidTransaction(_)), "{error:?}");

    let mut many = Transaction::new();
    for i in 0..100 {
        many.put(&accounts, &Account::new(&format!("a{i}"), i))
            .unwrap();
    }
    assert!(matches!(
        many.put(&accounts, &Account::new("a100", 0)),
        Err(Error::InvalidTransaction(_))
    ));
    let error = dynamo.transact(Transaction::new()).await.unwrap_err();
    assert!(matches!(error, Error::InvalidTransaction(_)));
}

#[tokio::test]
async fn versions_guard_against_lost_updates() {
    let dynamo = dynamo().await;
    let accounts = TempTable::<Account>::new(&dynamo).await.unwrap();
    let mut mine = Account::new("carol", 10);
    accounts.save(&mut mine).await.unwrap();
    assert_eq!(mine.version, 1);
    assert!(mine.created.is_some() && mine.updated.is_some());
    let stored = accounts.get("carol").await.unwrap().unwrap();
    assert_eq!(stored, mine, "the saved item is what the struct now holds");

    let mut theirs = stored.clone();
    theirs.balance = 99;
    accounts.save(&mut theirs).await.unwrap();
    assert_eq!(theirs.version, 2);

    mine.balance = 11;
    let error = accounts.save(&mut mine).await.unwrap_err();
    let Error::VersionConflict {
        expected, found, ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!((*expected, *found), (1, Some(2)));
    assert_eq!(error.old_item::<Account>().unwrap().unwrap().balance, 99);
    assert_eq!(mine.version, 1, "a failed save leaves the struct as it was");

    let again = accounts.put(&Account::new("carol", 0)).await.unwrap_err();
    assert!(
        matches!(
            again,
            Error::VersionConflict {
                expected: 0,
                found: Some(2),
                ..
            }
        ),
        "a new item (version 0) may not overwrite a stored one: {again:?}"
    );

    let balance = Account::fields().balance();
    let updated = accounts
        .update("carol", balance.set(5))
        .version(2)
        .await
        .unwrap();
    assert_eq!((updated.balance, updated.version), (5, 3));
    assert!(updated.updated > theirs.updated);
    assert_eq!(updated.created, mine.created, "created-at is kept");
    let stale = accounts
        .update("carol", balance.set(6))
        .version(2)
        .await
        .unwrap_err();
    assert!(matches!(
        stale,
        Error::VersionConflict {
            expected: 2,
            found: Some(3),
            ..
        }
    ));
    let stale_delete = accounts.delete("carol").version(1).await.unwrap_err();
    assert!(matches!(stale_delete, Error::VersionConflict { .. }));
    let gone = accounts.delete("carol").version(3).await.unwrap();
    assert!(gone.is_some());

    let mut transaction = Transaction::new();
    transaction
        .put(
            &accounts,
            &Account {
                version: 7,
                ..Account::new("dave", 1)
            },
        )
        .unwrap();
    let error = dynamo.transact(transaction).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::VersionConflict {
                expected: 7,
                action: Some(0),
                ..
            }
        ),
        "{error:?}"
    );
}
