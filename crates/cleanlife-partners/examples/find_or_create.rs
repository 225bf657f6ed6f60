//! Find or create a contact by Saudi phone, then fetch it again.
//!
//! Without credentials in the environment it runs against a local sandbox.
//!
//! ```sh
//! CLEANLIFE_API_KEY=pk_sandbox_… CLEANLIFE_BASE_URL=https://apiv3.thecleanlife.dev/v1 \
//!     cargo run -p cleanlife-partners --example find_or_create -- "050 000 0000" "Ahmed Ali"
//! ```

use cleanlife_partners::{Client, NewContact};
use contacts_sandbox::{Sandbox, credentials};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let phone = args.next().unwrap_or_else(|| "+966500000000".to_owned());
    let name = args.next().unwrap_or_else(|| "Ahmed Ali".to_owned());
    let (client, _sandbox) = connect()?;

    let found = client.contacts().find_or_create(&NewContact::new(phone, name))?;
    let r = &found.contact;
    println!("{} {} {} ({})", r.id, r.name, r.phone, if found.created { "created" } else { "existing" });

    let again = client.contacts().find_or_create(&NewContact::new(r.phone.clone(), r.name.clone()))?;
    println!("second call: same id {}, created: {}", again.contact.id == r.id, again.created);

    let c = client.contacts().get(&r.id)?;
    println!("fetched {} {}", c.id, c.name);
    Ok(())
}

/// The real API when `CLEANLIFE_API_KEY` is set; otherwise a local sandbox, so the example runs anywhere.
fn connect() -> Result<(Client, Option<Sandbox>), Box<dyn std::error::Error>> {
    let Some(sandbox) = Sandbox::for_example(&["CLEANLIFE_API_KEY"])? else { return Ok((Client::from_env()?, None)) };
    let client = Client::builder().api_key(credentials::CLEANLIFE_API_KEY).base_url(sandbox.cleanlife_base_url());
    Ok((client.build()?, Some(sandbox)))
}
