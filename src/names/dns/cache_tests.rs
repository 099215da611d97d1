use super::cache::{
    MAX_ANSWERS_PER_BINDING, MAX_BINDINGS, MAX_CLIENTS_PER_ADDRESS, MAX_HELD_NAME_BYTES,
};
use super::*;
use crate::flow::PacketRef;
use crate::timestamp::Timestamp;
use std::net::Ipv4Addr;

fn ip(last: u32) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + last))
}

const SERVER: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 80));
const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 168, 1, 10));
const OTHER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 168, 1, 11));

fn binding(name: &str, address: IpAddr) -> Binding {
    Binding {
        name: name.to_string(),
        chain: vec![format!("{name}.cdn.example")],
        address,
        ttl: 60,
        kind: RecordKind::A,
    }
}

fn t(secs: i64) -> Timestamp {
    Timestamp::from_nanos(secs * 1_000_000_000)
}

fn at(number: u64) -> PacketRef {
    PacketRef { input: 0, number }
}

/// CLIENT was told SERVER is a.example at 10 s, b.example at 20 s, c.example at 40 s.
fn three_answers() -> AnswerCache {
    let mut cache = AnswerCache::new();
    for (i, (name, secs)) in [("a.example", 10), ("b.example", 20), ("c.example", 40)]
        .into_iter()
        .enumerate()
    {
        cache.insert(CLIENT, &binding(name, SERVER), at(i as u64 + 1), t(secs));
    }
    cache
}

fn chosen_name<'a>(r: &Resolution<'a>) -> Option<&'a str> {
    r.chosen.map(|a| a.name.as_str())
}

#[test]
fn latest_answer_before_start() {
    let cache = three_answers();
    let r = cache.resolve(CLIENT, SERVER, t(30));
    assert_eq!(chosen_name(&r), Some("b.example"));
    let chosen = r.chosen.unwrap();
    assert_eq!(chosen.chain, vec!["b.example.cdn.example".to_string()]);
    assert_eq!(
        (chosen.at, chosen.ts, chosen.client),
        (at(2), t(20), CLIENT)
    );
    assert!(r.same_client && !r.after_start);
    assert_eq!(r.others, vec!["a.example", "c.example"]);
    // An answer at exactly the flow's start counts as before it.
    let r = cache.resolve(CLIENT, SERVER, t(40));
    assert_eq!(chosen_name(&r), Some("c.example"));
    assert!(!r.after_start);
}

#[test]
fn answer_after_start_resolves_earlier_flow() {
    let cache = three_answers();
    let r = cache.resolve(CLIENT, SERVER, t(5));
    assert_eq!(chosen_name(&r), Some("a.example"));
    assert!(r.same_client && r.after_start);
}

#[test]
fn other_clients_answers_when_own_has_none() {
    let mut cache = three_answers();
    let r = cache.resolve(OTHER, SERVER, t(30));
    assert_eq!(chosen_name(&r), Some("b.example"));
    assert!(!r.same_client && !r.after_start);
    // Once OTHER has its own answer, even a later one is preferred over CLIENT's.
    cache.insert(OTHER, &binding("z.example", SERVER), at(9), t(50));
    let r = cache.resolve(OTHER, SERVER, t(30));
    assert_eq!(chosen_name(&r), Some("z.example"));
    assert!(r.same_client && r.after_start);
    assert_eq!(r.others, vec!["a.example", "b.example", "c.example"]);
    // Nothing for an address no one resolved.
    let r = cache.resolve(CLIENT, ip(99), t(30));
    assert_eq!(r.chosen, None);
    assert!(r.others.is_empty());
}

#[test]
fn equal_times_break_by_insertion() {
    let mut cache = AnswerCache::new();
    cache.insert(CLIENT, &binding("first.example", SERVER), at(1), t(10));
    cache.insert(CLIENT, &binding("second.example", SERVER), at(2), t(10));
    assert_eq!(
        chosen_name(&cache.resolve(CLIENT, SERVER, t(10))),
        Some("second.example")
    );
    assert_eq!(
        chosen_name(&cache.resolve(CLIENT, SERVER, t(5))),
        Some("first.example")
    );
}

#[test]
fn answers_per_binding_keep_the_latest() {
    let mut cache = AnswerCache::new();
    for i in 0..10u64 {
        let name = format!("n{i}.example");
        cache.insert(CLIENT, &binding(&name, SERVER), at(i), t(i as i64));
    }
    let stats = cache.stats();
    assert_eq!(stats.bindings, 1);
    assert_eq!(stats.answers, MAX_ANSWERS_PER_BINDING);
    assert_eq!(stats.dropped_answers, 10 - MAX_ANSWERS_PER_BINDING as u64);
    // n0 and n1 were dropped: a flow before them gets the earliest kept answer.
    let r = cache.resolve(CLIENT, SERVER, t(-1));
    assert_eq!(chosen_name(&r), Some("n2.example"));
    assert_eq!(r.others.len(), MAX_ANSWERS_PER_BINDING - 1);
}

#[test]
fn bindings_evicted_first_in_first_out() {
    let mut cache = AnswerCache::new();
    let extra = 10u32;
    for i in 0..MAX_BINDINGS as u32 + extra {
        cache.insert(CLIENT, &binding("x.example", ip(i)), at(u64::from(i)), t(1));
    }
    let stats = cache.stats();
    assert_eq!(stats.bindings, MAX_BINDINGS);
    assert_eq!(stats.evicted_bindings, u64::from(extra));
    assert_eq!(stats.answers, MAX_BINDINGS);
    assert_eq!(cache.resolve(CLIENT, ip(extra - 1), t(2)).chosen, None);
    assert!(cache.resolve(CLIENT, ip(extra), t(2)).chosen.is_some());
}

#[test]
fn clients_per_address_are_bounded() {
    let mut cache = AnswerCache::new();
    for i in 0..MAX_CLIENTS_PER_ADDRESS as u32 + 1 {
        cache.insert(
            ip(i),
            &binding(&format!("c{i}.example"), SERVER),
            at(1),
            t(1),
        );
    }
    assert_eq!(cache.stats().unindexed_bindings, 1);
    // The unindexed client still gets its own answer.
    let last = ip(MAX_CLIENTS_PER_ADDRESS as u32);
    let r = cache.resolve(last, SERVER, t(2));
    assert_eq!(chosen_name(&r), Some("c64.example"));
    assert_eq!(r.others.len(), cache::MAX_OTHER_NAMES);
    assert_eq!(r.others[0], "c0.example");
}

#[test]
fn held_name_bytes_are_bounded() {
    let mut cache = AnswerCache::new();
    let long = "a".repeat(250);
    let heavy = Binding {
        name: long.clone(),
        chain: vec![long; MAX_CNAME_CHAIN],
        address: SERVER,
        ttl: 1,
        kind: RecordKind::Aaaa,
    };
    let per_answer = 250 * (MAX_CNAME_CHAIN + 1);
    let fit = MAX_HELD_NAME_BYTES / per_answer;
    for i in 0..fit as u32 + 100 {
        cache.insert(
            ip(i),
            &Binding {
                address: ip(i),
                ..heavy.clone()
            },
            at(1),
            t(1),
        );
    }
    let stats = cache.stats();
    assert_eq!(stats.bindings, fit);
    assert_eq!(stats.evicted_bindings, 100);
}

#[test]
fn same_input_same_output() {
    let run = || {
        let mut cache = AnswerCache::new();
        for i in 0..200u32 {
            let client = ip(i % 7);
            let server = ip(1000 + i % 5);
            let name = format!("s{}.example", i % 11);
            cache.insert(
                client,
                &binding(&name, server),
                at(u64::from(i)),
                t(i64::from(i)),
            );
        }
        (0..7u32)
            .flat_map(|c| (0..5u32).map(move |s| (c, s)))
            .map(|(c, s)| format!("{:?}", cache.resolve(ip(c), ip(1000 + s), t(100))))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}
