use std::sync::Mutex;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, SystemTime};

use super::*;

fn trace(n: u32) -> TraceHeader {
    TraceHeader::parse(&format!("Root=1-5759e988-{n:024x};Sampled=1")).unwrap()
}

#[tokio::test]
async fn each_concurrent_invocation_sees_its_own() {
    assert!(with_current(|i| i.is_none()));
    let tasks: Vec<_> = (0..50u32)
        .map(|n| {
            tokio::spawn(
                Invocation::new()
                    .with_request_id(format!("req-{n}"))
                    .with_trace(Some(trace(n)))
                    .scope(async move {
                        for _ in 0..5 {
                            tokio::task::yield_now().await;
                            assert_eq!(current_trace(), Some(trace(n)));
                        }
                        with_current(|i| i.and_then(Invocation::request_id).map(str::to_owned))
                    }),
            )
        })
        .collect();
    for (n, task) in tasks.into_iter().enumerate() {
        assert_eq!(task.await.unwrap(), Some(format!("req-{n}")));
    }
    assert_eq!(current_trace(), None);
}

#[tokio::test]
async fn the_deadline_and_slots_belong_to_the_invocation() {
    let deadline = SystemTime::now() + Duration::from_secs(30);
    let (left, count) = Invocation::new()
        .with_deadline(deadline)
        .scope(async {
            with_current(|i| {
                let i = i.unwrap();
                i.slot::<u32, _>(|n| *n += 2);
                i.slot::<u32, _>(|n| *n += 3);
                (i.remaining_time().unwrap(), i.take_slot::<u32>())
            })
        })
        .await;
    assert!(left > Duration::from_secs(25) && left <= Duration::from_secs(30));
    assert_eq!(count, Some(5));
    let past = Invocation::new().with_deadline(SystemTime::UNIX_EPOCH);
    assert_eq!(past.remaining_time(), Some(Duration::ZERO));
    assert_eq!(Invocation::new().remaining_time(), None);
}

static FINISHED: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn record_finish(invocation: &Invocation) {
    if let Some(id) = invocation
        .request_id()
        .filter(|id| id.starts_with("finish-"))
    {
        FINISHED.lock().unwrap().push(id.to_owned());
    }
}

static PANICS: AtomicUsize = AtomicUsize::new(0);

fn panicking_hook(invocation: &Invocation) {
    if invocation.request_id() == Some("finish-ok") {
        PANICS.fetch_add(1, Ordering::Relaxed);
        panic!("a broken hook");
    }
}

#[tokio::test]
async fn finish_hooks_run_once_whether_the_future_ends_or_is_dropped() {
    on_finish(panicking_hook);
    on_finish(record_finish);
    on_finish(record_finish);
    Invocation::new()
        .with_request_id("finish-ok")
        .scope(async {})
        .await;
    let dropped = Invocation::new()
        .with_request_id("finish-dropped")
        .scope(std::future::pending::<()>());
    drop(dropped);
    let made_inside = Invocation::new()
        .with_request_id("finish-made")
        .scope_with(|| {
            let id = with_current(|i| i.and_then(Invocation::request_id).map(str::to_owned));
            async move { id }
        })
        .await;
    assert_eq!(made_inside.as_deref(), Some("finish-made"));
    let finished = FINISHED.lock().unwrap().clone();
    assert_eq!(
        finished,
        ["finish-ok", "finish-dropped", "finish-made"],
        "each once, and the panicking hook did not stop the next"
    );
    assert_eq!(PANICS.load(Ordering::Relaxed), 1);
}
