//! Every customer-portal contacts operation, in order.
//!
//! Without credentials in the environment it runs against a local sandbox.
//!
//! ```sh
//! PORTAL_BASE_URL=https://… PORTAL_AUTHORIZATION=… cargo run -p portal-contacts --example portal_contacts -- 1
//! ```
//! The argument is a customer id whose contacts are listed.

use contacts_sandbox::{Sandbox, credentials};
use portal_contacts::{Client, ContactUpdate, ListContacts, NewContact};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let customer: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1);
    let (client, _sandbox) = connect()?;
    let contacts = client.contacts();

    let id = contacts.create(&NewContact::new("Jane Doe").email("jane@example.com").is_active(true))?;
    println!("created {id}");
    let jane = contacts.get(&id)?;
    println!("fetched {} {:?}", jane.name, jane.email);
    contacts.update(&id, &ContactUpdate::new("Jane Doe").tel("+4512345678"))?;
    println!("updated {id}");
    let all = contacts.list(&ListContacts::new().customer(customer))?;
    println!("customer {customer} has {} contacts", all.len());
    contacts.delete(&id)?;
    println!("deleted {id}");
    match contacts.delete(&id) {
        Err(e) if e.is_not_found() => println!("deleting again: not found, as expected"),
        other => println!("deleting again: {other:?}"),
    }
    Ok(())
}

/// The real API when `PORTAL_AUTHORIZATION` is set; otherwise a local sandbox, so the example runs anywhere.
fn connect() -> Result<(Client, Option<Sandbox>), Box<dyn std::error::Error>> {
    let Some(sandbox) = Sandbox::for_example(&["PORTAL_AUTHORIZATION"])? else {
        return Ok((Client::from_env()?, None));
    };
    let client = Client::builder().authorization(credentials::PORTAL_AUTHORIZATION).base_url(sandbox.portal_base_url());
    Ok((client.build()?, Some(sandbox)))
}
