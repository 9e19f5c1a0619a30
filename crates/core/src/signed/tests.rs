use super::attempt::is_expired;
use super::*;
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_types::region::Region;
use std::time::SystemTime;

fn config() -> SdkConfig {
    SdkConfig::builder()
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
            None,
            "test",
        )))
        .build()
}

fn example() -> SignedClient {
    SignedClient::builder(&config(), "service")
        .endpoint("https://example.amazonaws.com")
        .build()
        .unwrap()
}

#[test]
#[allow(
    clippy::duration_suboptimal_units,
    reason = "the test vector's time is given in epoch seconds"
)]
fn signs_the_aws_get_vanilla_test_vector() {
    // From the AWS SigV4 test suite, case `get-vanilla`: GET / at 20150830T123600Z.
    let client = example();
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160);
    let credentials = Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        None,
        None,
        "test",
    );
    let uri = client.resolve("/").unwrap();
    let signed = client
        .sign(
            &Method::GET,
            &uri,
            &HeaderMap::new(),
            &Bytes::new(),
            &credentials,
            time,
        )
        .unwrap();
    assert_eq!(signed.headers()["x-amz-date"], "20150830T123600Z");
    assert_eq!(
        signed.headers()["authorization"],
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
         SignedHeaders=host;x-amz-date, \
         Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    );
}

#[test]
fn session_tokens_are_sent_and_secrets_are_not() {
    let client = example();
    let credentials = Credentials::new("AKID", "top-secret", Some("token-1".into()), None, "t");
    let uri = client.resolve("/").unwrap();
    let signed = client
        .sign(
            &Method::GET,
            &uri,
            &HeaderMap::new(),
            &Bytes::new(),
            &credentials,
            SystemTime::now(),
        )
        .unwrap();
    assert_eq!(signed.headers()["x-amz-security-token"], "token-1");
    assert!(!format!("{signed:?}").contains("top-secret"));
}

#[test]
fn paths_join_the_endpoint_base_path() {
    let api = SignedClient::builder(&config(), "execute-api")
        .endpoint("https://abc.execute-api.us-east-1.amazonaws.com/prod/")
        .build()
        .unwrap();
    assert_eq!(
        api.resolve("/orders?x=1").unwrap().to_string(),
        "https://abc.execute-api.us-east-1.amazonaws.com/prod/orders?x=1"
    );
    assert_eq!(
        api.resolve("orders").unwrap().to_string(),
        "https://abc.execute-api.us-east-1.amazonaws.com/prod/orders"
    );
    assert_eq!(
        api.resolve("https://other.example.com/x")
            .unwrap()
            .to_string(),
        "https://other.example.com/x"
    );
    assert!(api.resolve("/bad path").is_err());
    assert!(api.resolve("ftp://x/").is_err());
}

#[test]
fn endpoints_come_from_config_then_the_default() {
    let sqs = SignedClient::new(&config(), "sqs").unwrap();
    assert_eq!(
        sqs.endpoint().to_string(),
        "https://sqs.us-east-1.amazonaws.com/"
    );
    let configured = config()
        .to_builder()
        .endpoint_url("http://127.0.0.1:9")
        .build();
    assert_eq!(
        SignedClient::new(&configured, "sqs")
            .unwrap()
            .endpoint()
            .to_string(),
        "http://127.0.0.1:9/"
    );
    let china = SignedClient::builder(&config(), "sqs")
        .region("cn-north-1")
        .build()
        .unwrap();
    assert_eq!(
        china.endpoint().host(),
        Some("sqs.cn-north-1.amazonaws.com.cn")
    );
}

#[test]
fn builder_errors_are_typed() {
    let no_region = SdkConfig::builder().build();
    assert!(matches!(
        SignedClient::new(&no_region, "sqs"),
        Err(Error::MissingRegion { .. })
    ));
    let no_credentials = SdkConfig::builder()
        .region(Region::new("us-east-1"))
        .build();
    assert!(matches!(
        SignedClient::new(&no_credentials, "sqs"),
        Err(Error::Credentials { .. })
    ));
    assert!(matches!(
        SignedClient::builder(&config(), "sqs")
            .endpoint("not a url")
            .build(),
        Err(Error::InvalidRequest { .. })
    ));
}

#[test]
fn backoff_stays_under_its_ceiling() {
    let client = example();
    for attempt in 1..10 {
        assert!(client.backoff(attempt) <= client.inner.retry.max_backoff());
    }
}

#[test]
fn retries_follow_the_one_classifier() {
    let answer = |status, code: Option<&str>| Error::Service {
        service: "sqs".into(),
        status,
        code: code.map(str::to_owned),
        message: None,
        request_id: None,
    };
    let transient = |error: &Error| crate::Surface::kind(error).is_transient();
    assert!(transient(&answer(503, None)) && transient(&answer(429, None)));
    assert!(!transient(&answer(400, None)) && !transient(&answer(404, None)));
    assert!(transient(&answer(400, Some("ThrottlingException"))));
    assert!(transient(&answer(
        400,
        Some("ProvisionedThroughputExceededException")
    )));
    assert!(!transient(&answer(400, Some("ValidationException"))));
    assert!(is_expired(Some("ExpiredToken")));
}

#[tokio::test]
async fn an_unsigned_client_needs_no_credentials_and_sends_no_signature() {
    use updraft_testkit::{Canned, FakeEndpoint};
    let fake = FakeEndpoint::start(vec![
        Canned::ok("application/json", r#"{"ok": true}"#),
        Canned::status(
            400,
            "application/json",
            r#"{"__type": "ThrottlingException", "message": "slow down"}"#,
        ),
    ])
    .await;
    let no_credentials = SdkConfig::builder()
        .region(Region::new("us-east-1"))
        .retry_config(RetryConfig::disabled())
        .build();
    let client = SignedClient::builder(&no_credentials, "ssm")
        .endpoint(fake.url())
        .unsigned()
        .build()
        .unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("x-token", HeaderValue::from_static("t"));
    let answer = client
        .send(Method::GET, "/get?name=a", headers, Bytes::new())
        .await
        .unwrap();
    assert_eq!(answer.json::<serde_json::Value>().unwrap()["ok"], true);
    let sent = &fake.requests()[0];
    assert_eq!(sent.target, "/get?name=a");
    assert_eq!(sent.header("x-token"), Some("t"));
    assert_eq!(sent.header("authorization"), None);
    // A 400 whose code is a throttle is a throttle.
    let throttled = client.get("/again").await.unwrap_err();
    assert_eq!(
        crate::error::Surface::kind(&throttled),
        crate::error::Kind::Throttled
    );
    assert!(
        SignedClient::builder(&no_credentials, "ssm")
            .endpoint(fake.url())
            .build()
            .is_err(),
        "a signing client still needs credentials"
    );
}

#[tokio::test]
async fn sign_request_signs_an_absolute_request_and_refuses_a_relative_one() {
    let client = example();
    let request = http::Request::builder()
        .method(Method::POST)
        .uri("https://api.example.com/prod/orders?x=1")
        .header("constitution-state", "ohio")
        .body(Bytes::from_static(b"{}"))
        .unwrap();
    let signed = client.sign_request(request).await.unwrap();
    let authorization = signed.headers()["authorization"].to_str().unwrap();
    assert!(
        authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
            && authorization.contains("/us-east-1/service/aws4_request")
            && authorization.contains("constitution-state"),
        "{authorization}"
    );
    assert_eq!(signed.body().as_ref(), b"{}");
    let relative = http::Request::builder()
        .uri("/orders")
        .body(Bytes::new())
        .unwrap();
    assert!(matches!(
        client.sign_request(relative).await,
        Err(Error::InvalidRequest { .. })
    ));
}
