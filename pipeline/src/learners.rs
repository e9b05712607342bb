//! Who a recording is about: its `Opiskelija` elements grouped into learners.
//!
//! A real `OpiskelijanKaikkiTiedot` answer is one person with one `Opiskelija` per institution
//! (virta.md §2.7), but CSC's examples hold several people in one `Virta`, and a flat
//! `Opintosuoritukset` answer knows people only by the institution's own key. So a learner is
//! identified by the identity code, else the national learner OID, else (Myontaja, avain).

use rikastin_sinks::Identity;
use rikastin_sources::virta::{Opiskelija, Virta};

/// The records of one learner in a recording.
pub struct LearnerRecords<'a> {
    /// What the learner key is derived from.
    pub identity: Identity<'a>,
    /// One element per institution, in document order.
    pub records: Vec<&'a Opiskelija>,
}

/// Groups the recording's `Opiskelija` elements by person, in order of first appearance.
pub fn group(virta: &Virta) -> Vec<LearnerRecords<'_>> {
    let mut out: Vec<LearnerRecords<'_>> = Vec::new();
    for o in &virta.opiskelijat {
        let hetu = o.henkilotunnus.as_ref().map(|h| h.expose());
        let oid = o.kansallinen_oppijanumero.as_deref();
        let same = out.iter_mut().find(|l| {
            l.records.iter().any(|r| {
                (hetu.is_some() && r.henkilotunnus.as_ref().map(|h| h.expose()) == hetu)
                    || (oid.is_some() && r.kansallinen_oppijanumero.as_deref() == oid)
            })
        });
        match same {
            Some(learner) => learner.records.push(o),
            None => out.push(LearnerRecords {
                identity: identity(o),
                records: vec![o],
            }),
        }
    }
    out
}

fn identity(o: &Opiskelija) -> Identity<'_> {
    if let Some(h) = &o.henkilotunnus {
        return Identity::Henkilotunnus(h.expose());
    }
    if let Some(oid) = &o.kansallinen_oppijanumero {
        return Identity::Oppijanumero(oid);
    }
    let myontaja = o
        .opintosuoritukset
        .first()
        .map(|a| a.myontaja.as_str())
        .or_else(|| o.opiskeluoikeudet.first().map(|r| r.myontaja.as_str()))
        .unwrap_or("");
    Identity::VirtaOpiskelija {
        myontaja,
        avain: &o.avain,
    }
}
