//! Every Previsto contacts operation, in order.
//!
//! Without credentials in the environment it runs against a local sandbox.
//!
//! ```sh
//! PREVISTO_API_KEY=sk_… [PREVISTO_BASE_URL=…] cargo run -p previsto --example previsto_contacts
//! ```

use contacts_sandbox::{Sandbox, credentials};
use previsto::{Client, ContactUpdate, ListContacts, Location, NewContact};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _sandbox) = connect()?;
    let contacts = client.contacts();

    let anna = contacts.create(
        &NewContact::new("Anna Jensen")
            .location(Location::new(10.5286863, 56.8039035))
            .email("anna@jensen.dk")
            .meta("hairColor", "Brown"),
    )?;
    println!("created  {} {}", anna.id, anna.name);

    let anna = contacts.get(&anna.id)?;
    println!("fetched  {} {:?}", anna.id, anna.email);

    let anna = contacts.update(&anna.id, &ContactUpdate::new().phone("+4522123456"))?;
    println!("updated  {} {:?}", anna.id, anna.phone);

    let page = contacts.list_page(&ListContacts::new().search("anna").size(10))?;
    println!("searched {} on the first page (total {:?})", page.contacts.len(), page.total);

    let all = contacts.iter(&ListContacts::new()).collect::<previsto::Result<Vec<_>>>()?;
    println!("listed   {} in all", all.len());

    contacts.delete(&anna.id)?;
    println!("deleted  {}", anna.id);
    Ok(())
}

/// The real API when `PREVISTO_API_KEY` is set; otherwise a local sandbox, so the example runs anywhere.
fn connect() -> Result<(Client, Option<Sandbox>), Box<dyn std::error::Error>> {
    let started =
        Sandbox::for_example(&["PREVISTO_API_KEY"]).map_err(|e| previsto::Error::config(format!("sandbox: {e}")));
    let Some(sandbox) = started? else { return Ok((Client::from_env()?, None)) };
    let client = Client::builder().api_key(credentials::PREVISTO_SECRET_KEY).base_url(sandbox.previsto_base_url());
    Ok((client.build()?, Some(sandbox)))
}
