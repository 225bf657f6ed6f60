//! Create, update, fetch and list Levers contacts, in Arabic and English.
//!
//! Without credentials in the environment it runs against a local sandbox.
//!
//! ```sh
//! LEVERS_TOKEN=eyJ… cargo run -p levers-client --example levers_contacts
//! # or LEVERS_CLIENT_ID=… LEVERS_CLIENT_SECRET=… [LEVERS_BASE_URL=…]
//! ```

use contacts_sandbox::{Sandbox, credentials};
use levers_client::{Client, ContactUpdate, EmailLanguage, EmailTone, ListContacts, NewContact, SecondaryContact};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _sandbox) = connect()?;
    let contacts = client.contacts();

    let acme = contacts.create(
        &NewContact::new("Acme Trading")
            .name_ar("شركة أكمي للتجارة")
            .city("Riyadh")
            .city_ar("الرياض")
            .email("ap@acme.sa")
            .email_tone(EmailTone::Friendly)
            .send_email_notif_lang(EmailLanguage::EnglishArabic)
            .secondary_contact(SecondaryContact::new("Sara").name_ar("سارة").email("sara@acme.sa")),
    )?;
    println!("created {} {} / {}", acme.id, acme.name, acme.name_ar.as_deref().unwrap_or("-"));

    let acme = contacts.update(&acme.id, &ContactUpdate::new().phone_number("+966500000000"))?;
    println!("updated {} {:?}", acme.id, acme.phone_number);

    let acme = contacts.get(&acme.id)?;
    println!("fetched {} risk {:?} outstanding {:?}", acme.id, acme.risk, acme.outstanding_amount);

    let mut n = 0;
    for contact in contacts.iter(&ListContacts::new()) {
        contact?;
        n += 1;
    }
    println!("listed {n} contacts");
    Ok(())
}

/// The real API when `LEVERS_TOKEN` is set; otherwise a local sandbox, so the example runs anywhere.
fn connect() -> Result<(Client, Option<Sandbox>), Box<dyn std::error::Error>> {
    let Some(sandbox) = Sandbox::for_example(&["LEVERS_TOKEN", "LEVERS_CLIENT_ID"])? else {
        return Ok((Client::from_env()?, None));
    };
    let client = Client::builder()
        .client_credentials(credentials::LEVERS_CLIENT_ID, credentials::LEVERS_CLIENT_SECRET)
        .base_url(sandbox.levers_base_url());
    Ok((client.build()?, Some(sandbox)))
}
