//! Decoding micro-benchmarks (criterion): our typed, lenient decoding of a provider's answer
//! vs plain serde_json into a `serde_json::Value`, on the same bytes, through the client's
//! whole response path (a canned transport stands in for the network).

use std::hint::black_box;

use contacts_core::{Error, HttpRequest, HttpResponse, Transport};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;

/// Answers every request with the same bytes.
#[derive(Debug)]
struct Canned(Vec<u8>);

impl Transport for Canned {
    fn send(&self, _: &HttpRequest) -> Result<HttpResponse, Error> {
        Ok(HttpResponse::new(200, self.0.clone()))
    }
}

/// A portal list answer with `n` entities shaped like the document's example.
fn portal_list(n: usize) -> Vec<u8> {
    let entity = |i: usize| {
        json!({"email": format!("c{i}@example.com"), "tel": "123456789", "tel1": "1234567890", "fax": "", "mobile": "",
            "role": "User Role", "department": "Department name", "milestone": "1", "cost_center_id": "0", "email2": "",
            "email3": "", "customer_portal_profile_id": "1", "customer_name": "Name of the Customer",
            "customer_account": "Customer account number", "customer_id": 1, "portal_profile": "Portal profile id",
            "name": format!("Contact {i}"), "cost_center_name": "", "customer_custom_identifier": "", "portal_fullname": "",
            "portal_branch_id": "", "vendor_account": "", "vendor_id": "", "vendor_name": "", "vendor_type": 1,
            "id": i.to_string(), "created_at": "2024-01-01 00:00:00", "updated_at": "2024-01-01 00:00:00", "is_active": "1",
            "portal_active": "1", "locale": "en_US", "customer_portal_profile_name": ""})
    };
    json!({"entities": (0..n).map(entity).collect::<Vec<_>>(), "result": true}).to_string().into_bytes()
}

fn portal(c: &mut Criterion) {
    let body = portal_list(1000);
    let client = portal_contacts::Client::builder()
        .base_url("https://portal.example")
        .authorization("a")
        .transport(Canned(body.clone()))
        .build()
        .expect("client");
    let customers = portal_contacts::ListContacts::new().customer(1);
    let mut group = c.benchmark_group("portal-list-1000");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("typed", |b| b.iter(|| black_box(client.contacts().list(&customers).expect("decode"))));
    // The canned transport copies the body on every call: the baseline pays the same copy.
    group.bench_function("value", |b| {
        b.iter(|| {
            let copy = body.clone();
            black_box(serde_json::from_slice::<serde_json::Value>(&copy).expect("value"))
        })
    });
    group.finish();
}

criterion_group!(benches, portal);
criterion_main!(benches);
