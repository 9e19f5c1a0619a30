//! `NS secrets-cache-hit`: one read of a cached secret, as a handler makes it
//! (`cache.get("/app/api-key")`), from a cache holding 100 keys. For scale, the same lookup in
//! a bare `RwLock<HashMap<String, Arc<String>>>` is measured beside it (not a peer the figure
//! is compared with: it has no expiry, counters or redaction).
#![allow(clippy::unwrap_used, reason = "a benchmark")]

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::{Arc, RwLock};

use criterion::Criterion;
use updraft::secrets::{Cache, Error, Provider, Request, Secret};

/// Answers every read with the same value, in memory: the cache is what is measured.
struct InMemory;

impl Provider for InMemory {
    fn provider_name(&self) -> &'static str {
        "in-memory"
    }

    async fn fetch(&self, request: &Request) -> Result<Secret, Error> {
        Ok(Secret::from_text(
            request.name(),
            "a-secret-value".to_owned(),
        ))
    }
}

fn cache_hit(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cache = Cache::new(InMemory);
    let names: Vec<String> = (0..100).map(|i| format!("/app/prod/key-{i:03}")).collect();
    runtime.block_on(async {
        for name in &names {
            cache.get(name.as_str()).await.unwrap();
        }
    });
    let name = names[42].as_str();
    let request = Request::new(name);
    let mut group = c.benchmark_group("secrets");
    group.bench_function("cache-hit", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(cache.get(black_box(name)).await.unwrap()) });
    });
    group.bench_function("cache-hit-request", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(cache.fetch(black_box(&request)).await.unwrap()) });
    });
    let bare: RwLock<HashMap<String, Arc<String>>> = RwLock::new(
        names
            .iter()
            .map(|n| (n.clone(), Arc::new("v".to_owned())))
            .collect(),
    );
    group.bench_function("bare-map", |b| {
        b.iter(|| black_box(bare.read().unwrap().get(black_box(name)).cloned()));
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    cache_hit(&mut criterion);
    criterion.final_summary();
}
