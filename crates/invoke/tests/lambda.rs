//! `LambdaInvoker` against cargo-lambda's emulator running the `invoke-sum` example through the
//! real Invoke API, and against the testkit's fake endpoint (named so) for what cargo-lambda
//! does not emulate: `FunctionError`, unknown functions, throttling and the Event type.
#![allow(clippy::unwrap_used, reason = "tests")]

use serde::{Deserialize, Serialize};
use serde_json::json;
use updraft_core::error::{Kind, Surface};
use updraft_core::{Env, Session};
use updraft_invoke::lambda::ASYNC_PAYLOAD_LIMIT;
use updraft_invoke::{Error, Function, LambdaInvoker};
use updraft_testkit::{Canned, Emulator, FakeEndpoint, workspace_binary};

#[derive(Serialize)]
struct Numbers {
    a: i64,
    b: i64,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Sum {
    sum: i64,
}

/// Not what `invoke-sum` answers.
#[derive(Debug, Deserialize)]
#[allow(dead_code, reason = "only the decode error is wanted")]
struct Product {
    product: i64,
}

async fn invoker_for(endpoint: &str) -> LambdaInvoker {
    let config = updraft_core::aws::ConfigLoader::new()
        .env(Env::from_pairs([
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
        ]))
        .endpoint_url(endpoint)
        .load()
        .await
        .unwrap();
    LambdaInvoker::new(&config)
}

#[tokio::test]
async fn invoke_reaches_the_invoke_sum_example_under_the_emulator() {
    let binary = workspace_binary("invoke-sum");
    let lambda = Emulator::start_named("invoke-sum", binary.to_str().unwrap(), &[]).await;
    let invoker = invoker_for(&lambda.lambda_endpoint()).await;

    Session::with_state("ohio")
        .scope(async {
            let sum: Sum = invoker
                .invoke("invoke-sum", &Numbers { a: 2, b: 40 })
                .await
                .unwrap();
            assert_eq!(sum, Sum { sum: 42 });

            // The function validates its input: its envelope error comes back typed.
            let refused = invoker
                .invoke::<_, Sum>("invoke-sum", &json!({"a": 1}))
                .await
                .unwrap_err();
            match &refused {
                Error::Envelope { function, message } => {
                    assert_eq!(function.name(), "invoke-sum");
                    assert!(message.contains("missing field `b`"), "{message}");
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(refused.kind(), Kind::Internal);
            assert_eq!(refused.public_message(), "internal server error");

            // The data is not the type asked for.
            let wrong = invoker
                .invoke::<_, Product>("invoke-sum", &Numbers { a: 1, b: 1 })
                .await
                .unwrap_err();
            assert!(matches!(wrong, Error::Decode { .. }), "{wrong:?}");

            // The raw form sends the payload as it is, and returns the answer as it is.
            let raw = invoker
                .invoke_raw(
                    "invoke-sum",
                    &json!({"session": {"state": "ct"}, "data": {"a": -5, "b": 5}}),
                )
                .await
                .unwrap();
            assert_eq!(raw, json!({"success": true, "data": {"sum": 0}}));
        })
        .await;

    // Outside any session the callee refuses the event, as the invoke context does.
    let no_session = invoker
        .invoke::<_, Sum>("invoke-sum", &Numbers { a: 1, b: 2 })
        .await
        .unwrap_err();
    assert!(
        matches!(&no_session, Error::Envelope { message, .. } if message.contains("no session")),
        "{no_session:?}"
    );
}

#[tokio::test]
async fn fake_endpoint_function_errors_keep_type_message_and_qualifier() {
    let fake = FakeEndpoint::start(vec![
        Canned::ok(
            "application/json",
            r#"{"errorType": "ValueError", "errorMessage": "b must be positive", "trace": []}"#,
        )
        .with_header("x-amz-function-error", "Unhandled"),
    ])
    .await;
    let invoker = invoker_for(&fake.url()).await;
    let error = Session::with_state("ohio")
        .scope(invoker.invoke::<_, Sum>("pricing:live", &Numbers { a: 1, b: -1 }))
        .await
        .unwrap_err();
    match &error {
        Error::Function {
            function,
            function_error,
            error_type,
            error_message,
        } => {
            assert_eq!(
                (function.name(), function.qualifier()),
                ("pricing", Some("live"))
            );
            assert_eq!(function_error, "Unhandled");
            assert_eq!(error_type.as_deref(), Some("ValueError"));
            assert_eq!(error_message.as_deref(), Some("b must be positive"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "function `pricing:live` raised an error (Unhandled)"
    );
    let request = &fake.requests()[0];
    assert_eq!(
        request.target,
        "/2015-03-31/functions/pricing/invocations?Qualifier=live"
    );
    assert_eq!(
        request.header("x-amz-invocation-type"),
        Some("RequestResponse")
    );
    let sent: serde_json::Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(sent["session"]["state"], "ohio");
    assert_eq!(sent["data"], json!({"a": 1, "b": -1}));
}

#[tokio::test]
async fn fake_endpoint_unknown_function_and_throttling_are_invocation_errors() {
    let not_found = Canned::status(
        404,
        "application/json",
        r#"{"Type": "User", "message": "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"}"#,
    )
    .with_header("x-amzn-errortype", "ResourceNotFoundException");
    let throttled = Canned::status(
        429,
        "application/json",
        r#"{"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded", "message": "Rate exceeded"}"#,
    )
    .with_header("x-amzn-errortype", "TooManyRequestsException");
    let fake = FakeEndpoint::start(vec![not_found, throttled]).await;
    // The fake endpoint's configuration makes one attempt per call.
    let invoker = LambdaInvoker::new(&fake.aws_config().await);
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:nope";
    let missing = invoker.invoke_raw(arn, &json!({})).await.unwrap_err();
    assert!(matches!(missing, Error::Invocation { .. }), "{missing:?}");
    assert_eq!(
        missing.kind(),
        Kind::Config,
        "an unknown function is configuration"
    );
    assert!(
        !missing.to_string().contains("123456789012"),
        "no account id in the message: {missing}"
    );
    assert_eq!(missing.function().unwrap().name(), "nope");
    let busy = invoker.invoke_raw("busy", &json!({})).await.unwrap_err();
    assert_eq!(busy.kind(), Kind::Throttled, "{busy:?}");
    assert!(busy.kind().is_transient());
}

#[tokio::test]
async fn fake_endpoint_async_invocations_send_the_event_type_and_check_the_202() {
    let fake = FakeEndpoint::start(vec![
        Canned::status(202, "application/json", ""),
        Canned::status(200, "application/json", ""),
    ])
    .await;
    let invoker = invoker_for(&fake.url()).await;
    Session::with_state("ohio")
        .scope(invoker.invoke_async("audit", &json!({"order": 7})))
        .await
        .unwrap();
    let request = &fake.requests()[0];
    assert_eq!(request.header("x-amz-invocation-type"), Some("Event"));
    let sent: serde_json::Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(
        sent,
        json!({"session": {"state": "ohio", "user": null}, "data": {"order": 7}})
    );
    let odd = invoker
        .invoke_async_raw("audit", &json!({}))
        .await
        .unwrap_err();
    assert!(
        matches!(odd, Error::NotAccepted { status: 200, .. }),
        "{odd:?}"
    );
}

#[tokio::test]
async fn fake_endpoint_flat_payloads_carry_the_session_at_the_top() {
    let fake = FakeEndpoint::start(vec![Canned::ok(
        "application/json",
        r#"{"success": true, "data": [{"id": 1}]}"#,
    )])
    .await;
    let invoker = invoker_for(&fake.url()).await;
    let rows: Vec<serde_json::Value> = Session::with_state("new_jersey")
        .scope(invoker.invoke_flat(
            "orders-model-query",
            &json!({"collection": "orders", "filter": {"status": "pending"}, "limit": 100}),
        ))
        .await
        .unwrap();
    assert_eq!(rows, [json!({"id": 1})]);
    let sent: serde_json::Value = serde_json::from_str(&fake.requests()[0].body).unwrap();
    assert_eq!(sent["session"]["state"], "new_jersey");
    assert_eq!(sent["collection"], "orders");
}

#[tokio::test]
async fn malformed_input_fails_before_any_call() {
    let fake = FakeEndpoint::start(Vec::new()).await;
    let invoker = invoker_for(&fake.url()).await;
    let too_big = "x".repeat(ASYNC_PAYLOAD_LIMIT);
    let error = invoker
        .invoke_async("audit", &json!({"blob": too_big}))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::PayloadTooLarge {
                asynchronous: true,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.kind(), Kind::BadInput);
    for bad in ["", "a b", "x:y:z", "arn:aws:lambda:x:1:function:f"] {
        let error = invoker.invoke_raw(bad, &json!({})).await.unwrap_err();
        assert!(
            matches!(error, Error::InvalidFunction(_)),
            "{bad:?}: {error:?}"
        );
    }
    let flat = invoker
        .invoke_flat::<_, serde_json::Value>("q", &json!({"session": {"state": "evil"}}))
        .await
        .unwrap_err();
    assert!(matches!(flat, Error::FlatInput { .. }), "{flat:?}");
    let function = Function::new("q").unwrap().at("$LATEST").unwrap();
    let not_json = invoker
        .invoke::<_, serde_json::Value>(function, &std::collections::BTreeMap::from([((1, 2), 3)]))
        .await
        .unwrap_err();
    assert!(matches!(not_json, Error::Encode { .. }), "{not_json:?}");
    assert!(fake.requests().is_empty(), "nothing was sent");
}
