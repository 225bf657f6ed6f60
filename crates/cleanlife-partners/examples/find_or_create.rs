//! Find or create a contact by Saudi phone, then fetch it again.
//!
//! ```sh
//! CLEANLIFE_API_KEY=pk_sandbox_… CLEANLIFE_BASE_URL=https://apiv3.thecleanlife.dev/v1 \
//!     cargo run -p cleanlife-partners --example find_or_create -- "050 000 0000" "Ahmed Ali"
//! ```

use cleanlife_partners::{Client, ContactRequest};

fn main() -> cleanlife_partners::Result<()> {
    let mut args = std::env::args().skip(1);
    let phone = args.next().unwrap_or_else(|| "+966500000000".to_owned());
    let name = args.next().unwrap_or_else(|| "Ahmed Ali".to_owned());
    let client = Client::from_env()?;

    let r = client.contacts().find_or_create(&ContactRequest::new(phone, name))?;
    println!("{} {} {} ({})", r.id, r.name, r.phone, if r.is_new_contact { "created" } else { "existing" });

    let again = client.contacts().find_or_create(&ContactRequest::new(r.phone.clone(), r.name.clone()))?;
    println!("second call: same id {}, new: {}", again.id == r.id, again.is_new_contact);

    let c = client.contacts().get(r.id)?;
    println!("fetched {} {}", c.id, c.name);
    Ok(())
}
