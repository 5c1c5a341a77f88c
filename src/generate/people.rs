//! Persons and the identity plan of their records.
//!
//! A [`Person`] is rebuilt on demand from `(seed, person index)` with its own
//! random stream, so any thread formatting any of the person's records sees
//! the same person. Identifiers are handed out through keyed bijections of
//! the person index ([`permute`]), so two persons can never share a phone,
//! e-mail or CPF key, whatever the thread count.
//!
//! The record plan guarantees the ground-truth invariant: the `ok` records of
//! a person are chained, each consecutive pair sharing a valid, non-hub phone,
//! e-mail or CPF.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::data::{CITIES, City, DOMAINS, FEMALE, LAST, MALE, STREETS};
use super::plan::{HUB_EMAIL, HUB_PHONE, MAX_RECORDS, OK, OPTOUT, Plan, REJECT, STATUS_MASK, permute};

/// Size of each subscriber space: 8-digit numbers with a fixed leading
/// digit range of four values (mobile 6–9 after the ninth digit, landline 2–5).
const SUBSCRIBER_SPACE: u64 = 40_000_000;
/// First mobile subscriber (the 8 digits after the leading `9`).
const MOBILE_BASE: u32 = 60_000_000;
/// First landline subscriber.
const LANDLINE_BASE: u32 = 20_000_000;
/// Phone numbers per person at most.
pub(crate) const MAX_PHONES: usize = 3;
/// Area code of the call-centre hub phone.
pub(crate) const HUB_DDD: u8 = 11;
/// Landline subscriber of the call-centre hub phone.
pub(crate) const HUB_SUBSCRIBER: u32 = 30_030_000;

/// Import status of a record, as written in the truth file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Status {
    /// Imported.
    #[default]
    Ok,
    /// Negative opt-in.
    Optout,
    /// Empty phone or wrong field count.
    Reject,
}

impl Status {
    /// The truth-file spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Optout => "optout",
            Status::Reject => "reject",
        }
    }

    fn from_flags(flags: u8) -> Self {
        match flags & STATUS_MASK {
            OK => Status::Ok,
            OPTOUT => Status::Optout,
            REJECT => Status::Reject,
            _ => unreachable!("unknown status bits"),
        }
    }
}

/// What a record's phone column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum PhoneUse {
    /// Not decided yet (only while planning).
    #[default]
    Unset,
    /// The person's phone number with this index.
    Number(u8),
    /// The call-centre hub number.
    Hub,
    /// An impossible or malformed number (not a key).
    Bad,
    /// Nothing: the record is rejected.
    Empty,
}

/// What a record's e-mail column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum EmailUse {
    /// Not decided yet (only while planning).
    #[default]
    Unset,
    /// Empty.
    None,
    /// The person's address, in some spelling.
    Valid,
    /// A malformed spelling of the person's address (not a key).
    Malformed,
    /// The `teste@teste.com` hub.
    Hub,
}

/// What a record's CPF column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum CpfUse {
    /// Not decided yet (only while planning).
    #[default]
    Unset,
    /// Empty.
    None,
    /// The person's CPF, in some spelling.
    Valid,
    /// The person's CPF with a wrong check digit (not a key).
    BadCheck,
    /// `000.000.000-00` or another repeated-digit CPF (not a key).
    Repeated,
}

/// The identity plan of one record.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RecordPlan {
    /// Truth status.
    pub status: Status,
    /// Phone column.
    pub phone: PhoneUse,
    /// E-mail column.
    pub email: EmailUse,
    /// CPF column.
    pub cpf: CpfUse,
    /// A rejected record with one field too many.
    pub extra_field: bool,
    /// An ok record with an empty `Aceite` (counts as opted in).
    pub blank_optin: bool,
}

/// A phone number: area code and 8-digit subscriber. Mobiles carry the
/// ninth digit `9` in front of `subscriber`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Phone {
    /// Area code.
    pub ddd: u8,
    /// The 8 subscriber digits (after the `9` for mobiles).
    pub subscriber: u32,
    /// Whether this is a mobile (9 + 8 digits).
    pub mobile: bool,
}

/// One synthetic person and the plan of all their records.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    /// First name.
    pub first: &'static str,
    /// Optional middle (family) name.
    pub middle: Option<&'static str>,
    /// Family name.
    pub last: &'static str,
    /// Home city.
    pub city: &'static City,
    /// Street of the address.
    pub street: &'static str,
    /// House number.
    pub house: u16,
    /// Apartment number, when the address has one.
    pub apartment: Option<u16>,
    /// Age in years (16–90).
    pub age: u8,
    /// Phone numbers (records use the first few).
    pub phones: [Phone; MAX_PHONES],
    /// Unique number of the e-mail address.
    pub email_number: u64,
    /// Shape of the e-mail local part.
    pub email_style: u8,
    /// E-mail domain.
    pub email_domain: &'static str,
    /// CPF digits (valid check digits, never all equal).
    pub cpf: [u8; 11],
    /// Plans of the person's records, in the person's own order.
    pub records: [RecordPlan; MAX_RECORDS],
}

impl Person {
    /// Rebuilds person `index` of `plan`.
    pub(crate) fn build(plan: &Plan, index: usize) -> Self {
        let mut rng = ChaCha8Rng::from_seed(plan.keys.person_seed);
        rng.set_stream(index as u64);
        let female = rng.random_bool(0.5);
        let first = pick(&mut rng, if female { FEMALE } else { MALE });
        let middle = rng.random_bool(0.35).then(|| pick(&mut rng, LAST));
        let last = pick(&mut rng, LAST);
        let city = pick_city(&mut rng);
        let street = pick(&mut rng, STREETS);
        let house = rng.random_range(1..3000);
        let apartment = rng.random_bool(0.2).then(|| rng.random_range(1..400));
        let age = (16 + (rng.random_range(0..=37u8) + rng.random_range(0..=37u8))).min(90);
        let flags = plan.person_flags(index);
        let n_phones = phone_count(&mut rng, flags.len());
        let mut phones = [Phone::default(); MAX_PHONES];
        for (slot, phone) in phones.iter_mut().enumerate() {
            *phone = make_phone(&mut rng, plan, city, index * MAX_PHONES + slot);
        }
        let email_number = permute(index as u64, plan.keys.email_space, plan.keys.email);
        let email_style = rng.random_range(0..10);
        let email_domain = pick_weighted(&mut rng, DOMAINS);
        let cpf = make_cpf(&mut rng, plan, index);
        let records = plan_records(&mut rng, flags, n_phones);
        Person {
            first,
            middle,
            last,
            city,
            street,
            house,
            apartment,
            age,
            phones,
            email_number,
            email_style,
            email_domain,
            cpf,
            records,
        }
    }
}

/// Picks one element uniformly.
pub(crate) fn pick<T: Copy>(rng: &mut impl Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// Picks one value by weight.
fn pick_weighted<T: Copy>(rng: &mut impl Rng, items: &[(T, u16)]) -> T {
    let total: u32 = items.iter().map(|&(_, w)| u32::from(w)).sum();
    let mut roll = rng.random_range(0..total);
    for &(item, w) in items {
        if roll < u32::from(w) {
            return item;
        }
        roll -= u32::from(w);
    }
    items[items.len() - 1].0
}

/// Picks a city by weight.
fn pick_city(rng: &mut impl Rng) -> &'static City {
    let total: u32 = CITIES.iter().map(|c| u32::from(c.weight)).sum();
    let mut roll = rng.random_range(0..total);
    for city in CITIES {
        if roll < u32::from(city.weight) {
            return city;
        }
        roll -= u32::from(city.weight);
    }
    &CITIES[0]
}

/// How many distinct phone numbers a person with `records` records has.
fn phone_count(rng: &mut impl Rng, records: usize) -> u8 {
    if records == 1 {
        return 1;
    }
    match rng.random_range(0..10) {
        0..5 => 1,
        5..8 => 2,
        _ => 3,
    }
}

/// The phone in `slot` (unique over all persons): mostly a mobile in the
/// person's area code, sometimes a landline or another area code.
fn make_phone(rng: &mut impl Rng, plan: &Plan, city: &City, slot: usize) -> Phone {
    let ddd = if rng.random_bool(0.9) { city.ddd } else { pick(rng, CITIES).ddd };
    let slot = slot as u64;
    let landline = Phone {
        ddd,
        subscriber: LANDLINE_BASE + permute(slot, SUBSCRIBER_SPACE, plan.keys.landline) as u32,
        mobile: false,
    };
    let is_hub = landline.ddd == HUB_DDD && landline.subscriber == HUB_SUBSCRIBER;
    if rng.random_bool(0.18) && !is_hub {
        return landline;
    }
    Phone {
        ddd,
        subscriber: MOBILE_BASE + permute(slot, SUBSCRIBER_SPACE, plan.keys.mobile) as u32,
        mobile: true,
    }
}

/// The person's CPF: 8 digits from a bijection of the person index, a random
/// ninth digit (never making all nine equal) and the two check digits.
fn make_cpf(rng: &mut impl Rng, plan: &Plan, index: usize) -> [u8; 11] {
    let base8 = permute(index as u64, 100_000_000, plan.keys.cpf);
    let mut digits = [0u8; 11];
    for (i, d) in digits[..8].iter_mut().enumerate() {
        *d = ((base8 / 10u64.pow(7 - i as u32)) % 10) as u8;
    }
    digits[8] = rng.random_range(0..10);
    if digits[..8].iter().all(|&d| d == digits[0]) && digits[8] == digits[0] {
        digits[8] = (digits[8] + 1) % 10;
    }
    digits[9] = cpf_check(&digits[..9]);
    digits[10] = cpf_check(&digits[..10]);
    digits
}

/// The CPF check digit over `digits` (9 digits for the first, 10 for the second).
pub(crate) fn cpf_check(digits: &[u8]) -> u8 {
    let weight_top = digits.len() as u32 + 1;
    let sum: u32 = digits.iter().enumerate().map(|(i, &d)| u32::from(d) * (weight_top - i as u32)).sum();
    ((sum * 10 % 11) % 10) as u8
}

/// Plans the identifiers of a person's records so that the ok records are
/// connected through valid, non-hub keys.
fn plan_records(rng: &mut impl Rng, flags: &[u8], n_phones: u8) -> [RecordPlan; MAX_RECORDS] {
    let mut recs = [RecordPlan::default(); MAX_RECORDS];
    for (rec, &f) in recs.iter_mut().zip(flags) {
        *rec = seed_record(rng, f);
    }
    let recs_live = &mut recs[..flags.len()];
    let mut has_email = rng.random_bool(0.6);
    let mut has_cpf = rng.random_bool(0.45);
    link_ok_records(rng, recs_live, n_phones, &mut has_email, &mut has_cpf);
    for rec in recs_live.iter_mut() {
        fill_record(rng, rec, n_phones, has_email, has_cpf);
    }
    recs
}

/// The decisions fixed before linking: status, hubs, reject kind, bad phone.
fn seed_record(rng: &mut impl Rng, flags: u8) -> RecordPlan {
    let status = Status::from_flags(flags);
    let mut rec = RecordPlan { status, ..RecordPlan::default() };
    if status == Status::Reject {
        rec.extra_field = rng.random_bool(0.5);
        if !rec.extra_field {
            rec.phone = PhoneUse::Empty;
        }
    }
    if flags & HUB_PHONE != 0 {
        rec.phone = PhoneUse::Hub;
    }
    if flags & HUB_EMAIL != 0 {
        rec.email = EmailUse::Hub;
    }
    if rec.phone == PhoneUse::Unset && rng.random_bool(0.01) {
        rec.phone = PhoneUse::Bad;
    }
    rec.blank_optin = status == Status::Ok && rng.random_bool(0.002);
    rec
}

/// Chains the ok records: each consecutive pair shares the same phone
/// number, the e-mail or the CPF (always valid, never a hub). A record that
/// is not linked by phone sometimes gets the person's next phone number, so
/// transitive chains (A–B by e-mail, B–C by CPF) appear.
fn link_ok_records(
    rng: &mut impl Rng,
    recs: &mut [RecordPlan],
    n_phones: u8,
    has_email: &mut bool,
    has_cpf: &mut bool,
) {
    let mut ok = [0usize; MAX_RECORDS];
    let mut m = 0;
    for (j, rec) in recs.iter().enumerate() {
        if rec.status == Status::Ok {
            ok[m] = j;
            m += 1;
        }
    }
    let ok = &ok[..m];
    let Some(&first) = ok.first() else { return };
    if recs[first].phone == PhoneUse::Unset {
        recs[first].phone = PhoneUse::Number(0);
    }
    let mut current = 0u8;
    for pair in ok.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let phone_ok = matches!(recs[a].phone, PhoneUse::Number(_)) && recs[b].phone == PhoneUse::Unset;
        let email_ok = recs[a].email != EmailUse::Hub && recs[b].email != EmailUse::Hub;
        let roll = rng.random_range(0..100);
        if phone_ok && roll < 55 {
            recs[b].phone = recs[a].phone;
            continue;
        }
        if email_ok && roll < 85 {
            recs[a].email = EmailUse::Valid;
            recs[b].email = EmailUse::Valid;
            *has_email = true;
        } else {
            recs[a].cpf = CpfUse::Valid;
            recs[b].cpf = CpfUse::Valid;
            *has_cpf = true;
        }
        if recs[b].phone == PhoneUse::Unset {
            if rng.random_bool(0.5) {
                current = (current + 1) % n_phones;
            }
            recs[b].phone = PhoneUse::Number(current);
        }
    }
}

/// Fills the columns linking left open: extra (always intra-person) valid
/// identifiers, invalid spellings, or nothing.
fn fill_record(rng: &mut impl Rng, rec: &mut RecordPlan, n_phones: u8, email: bool, cpf: bool) {
    if rec.phone == PhoneUse::Unset {
        rec.phone = PhoneUse::Number(rng.random_range(0..n_phones));
    }
    if rec.email == EmailUse::Unset {
        let roll = rng.random_range(0..1000);
        rec.email = match (email, roll) {
            (true, 0..700) => EmailUse::Valid,
            (true, 700..730) | (false, 0..15) => EmailUse::Malformed,
            _ => EmailUse::None,
        };
    }
    if rec.cpf == CpfUse::Unset {
        let roll = rng.random_range(0..1000);
        rec.cpf = match (cpf, roll) {
            (true, 0..650) => CpfUse::Valid,
            (true, 650..700) | (false, 0..10) => CpfUse::BadCheck,
            (false, 10..25) => CpfUse::Repeated,
            _ => CpfUse::None,
        };
    }
}
