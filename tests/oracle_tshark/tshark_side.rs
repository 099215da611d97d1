//! tshark's side: per-frame classification (clean, damaged, non-IP) and the per-tuple sums,
//! with non-first fragments attributed to their first fragment.

use crate::keys::{AddrPair, Counts, TupleKey};
use crate::layers::{Frag, FragId, damaged_addresses, ip_view, tunnel_chain_of};
use crate::tshark::{
    LINK_IP_ERRORS, LINK_IP_LAYERS, Row, TRANSPORT_ERRORS, TRANSPORT_LAYERS, Tshark,
    exception_layers, parse_bool, parse_uint, tshark_fields,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

#[derive(Default)]
pub struct TsharkSide {
    pub frames: u64,
    pub non_ip: u64,
    /// (frame, reason) of frames skipped for link/IP-level damage.
    pub unclean_ip: Vec<(u64, String)>,
    /// (frame, reason) of frames whose transport header is damaged.
    pub unclean_transport: Vec<(u64, String)>,
    /// Non-first fragments without a first fragment in the file.
    pub unattributed_fragments: Vec<u64>,
    /// Non-first fragments whose first fragment was skipped as damaged.
    pub fragments_of_skipped: Vec<u64>,
    /// Fragment ids that several first fragments (with different tuples) share.
    pub reused_fragment_ids: Vec<String>,
    pub counts: BTreeMap<TupleKey, Counts>,
    pub tainted_tuples: BTreeSet<TupleKey>,
    pub tainted_pairs: BTreeSet<AddrPair>,
    pub warnings: String,
}

impl TsharkSide {
    pub fn tainted(&self, key: &TupleKey) -> bool {
        self.tainted_tuples.contains(key) || self.tainted_pairs.contains(&key.addresses())
    }

    pub fn skipped_anything(&self) -> bool {
        !(self.unclean_ip.is_empty()
            && self.unclean_transport.is_empty()
            && self.unattributed_fragments.is_empty()
            && self.fragments_of_skipped.is_empty())
    }

    /// A non-first fragment belongs to the latest first fragment of the same id before it
    /// (an id may be reused later in a capture), else to the first one after it.
    fn attribute_fragments(&mut self, firsts: &FirstFragments, laters: Vec<(u64, FragId, u64)>) {
        for (frame, id, bytes) in laters {
            let candidates = firsts.get(&id).map(Vec::as_slice).unwrap_or(&[]);
            let owner = candidates
                .iter()
                .rev()
                .find(|(f, _)| *f < frame)
                .or_else(|| candidates.iter().find(|(f, _)| *f > frame));
            match owner {
                None => self.unattributed_fragments.push(frame),
                Some((_, None)) => self.fragments_of_skipped.push(frame),
                Some((_, Some((key, a_to_b)))) => {
                    self.counts.entry(*key).or_default().add(*a_to_b, 1, bytes);
                }
            }
        }
    }

    /// Notes the fragment ids that several first fragments share.
    fn note_reused_fragment_ids(&mut self, firsts: &FirstFragments) {
        for (id, list) in firsts {
            let distinct: BTreeSet<_> = list.iter().filter_map(|(_, k)| k.map(|k| k.0)).collect();
            if list.len() > 1 {
                self.reused_fragment_ids.push(format!(
                    "{} -> {} proto {} id {:#x}: {} first fragments (frames {:?}), {} distinct \
                     tuples",
                    id.src,
                    id.dst,
                    id.proto,
                    id.id,
                    list.len(),
                    list.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
                    distinct.len()
                ));
            }
        }
        self.reused_fragment_ids.sort();
    }
}

/// The tuple a first fragment opened, and whether it travelled A→B.
type Owner = (TupleKey, bool);
/// First fragments by id, in file order: (frame, key and direction if known).
type FirstFragments = HashMap<FragId, Vec<(u64, Option<Owner>)>>;

/// Runs tshark over `capture` and sums its clean frames per tuple.
pub fn run_tshark(capture: &Path, ts: &Tshark) -> Result<TsharkSide, String> {
    let (stdout, warnings) = tshark_fields(capture, ts)?;
    let mut side = TsharkSide {
        warnings,
        ..TsharkSide::default()
    };
    let mut firsts = FirstFragments::new();
    // Clean non-first fragments: (frame, id, bytes).
    let mut laters: Vec<(u64, FragId, u64)> = Vec::new();

    for line in stdout.lines().filter(|l| !l.is_empty()) {
        let row = Row::parse(line, &ts.fields)
            .ok_or_else(|| format!("tshark line with the wrong field count: {line:?}"))?;
        side.frames += 1;
        let frame = row.nth("frame.number", 0).and_then(parse_uint).unwrap_or(0);
        let tokens: Vec<&str> = row
            .nth("frame.protocols", 0)
            .map(|p| p.split(':').collect())
            .unwrap_or_default();
        let exceptions = exception_layers(&row);
        let marked = |markers: &[&str], layers: &[&str]| -> Vec<String> {
            let mut found: Vec<String> = markers
                .iter()
                .filter(|m| !row.all(m).is_empty())
                .map(|m| m.to_string())
                .collect();
            found.extend(
                exceptions
                    .iter()
                    .filter(|e| layers.contains(&e.as_str()))
                    .map(|e| format!("exception in {e}")),
            );
            found
        };
        let link_ip_damage = marked(LINK_IP_ERRORS, LINK_IP_LAYERS);
        let transport_damage = marked(TRANSPORT_ERRORS, TRANSPORT_LAYERS);

        let capwap_fragment = row
            .all("capwap.header.flags.f")
            .iter()
            .any(|f| parse_bool(f) == Some(true));
        let chain = tunnel_chain_of(&tokens, capwap_fragment);
        if chain.is_empty() {
            if link_ip_damage.is_empty() {
                side.non_ip += 1;
            } else {
                side.unclean_ip.push((frame, link_ip_damage.join(", ")));
            }
            continue;
        }
        // Descend the tunnels, but not into a fragment: its payload is incomplete, so a
        // fragmented outer header is the flow (tshark dissects a first fragment's payload
        // even with defragmentation off).
        let mut picked = None;
        for layer in chain {
            let view = ip_view(&row, &tokens, &layer);
            let stop = view.as_ref().map_or(true, |v| v.frag != Frag::Whole);
            picked = Some((layer, view));
            if stop {
                break;
            }
        }
        let (layer, view) = picked.expect("chain is not empty");
        if !link_ip_damage.is_empty() || view.is_err() {
            let mut reasons = link_ip_damage;
            if let Err(e) = &view {
                reasons.push(e.clone());
            }
            side.unclean_ip.push((frame, reasons.join(", ")));
            // Whatever addresses tshark did read are not compared.
            if let Some((proto, src, dst)) = damaged_addresses(&row, &layer) {
                side.tainted_pairs.insert(AddrPair::new(proto, src, dst));
            }
            if let Ok(v) = &view
                && let Frag::First(id) = v.frag
            {
                firsts.entry(id).or_default().push((frame, None));
            }
            continue;
        }
        let view = view.expect("checked above");
        if !transport_damage.is_empty() {
            side.unclean_transport
                .push((frame, transport_damage.join(", ")));
            let key = view.ports.map(|p| view.key(Some(p)));
            match key {
                Some((k, _)) => {
                    side.tainted_tuples.insert(k);
                }
                None => {
                    side.tainted_pairs
                        .insert(AddrPair::new(view.proto, view.src, view.dst));
                }
            }
            if let Frag::First(id) = view.frag {
                firsts.entry(id).or_default().push((frame, key));
            }
            continue;
        }
        match view.frag {
            Frag::Later(id) => laters.push((frame, id, view.bytes)),
            Frag::First(_) | Frag::Whole => {
                let (key, a_to_b) = view.key(view.ports);
                side.counts
                    .entry(key)
                    .or_default()
                    .add(a_to_b, 1, view.bytes);
                if let Frag::First(id) = view.frag {
                    firsts
                        .entry(id)
                        .or_default()
                        .push((frame, Some((key, a_to_b))));
                }
            }
        }
    }

    side.attribute_fragments(&firsts, laters);
    side.note_reused_fragment_ids(&firsts);
    Ok(side)
}
