//! One generated learner: identity, person fields and institutions, from (seed, index) alone.

use std::io::{self, Write};

use rikastin_sinks::{Identity, LearnerKey, LearnerSecret};

use crate::hetu::Henkilotunnus;
use crate::person::{bulk_capacity, bulk_identity, marker_style, oppijanumero, person};
use crate::quirks::{self, Quirks};
use crate::record::LearnerRecord;
use crate::rng::Rng;
use crate::scenario::Scenario;
use crate::{Error, Result, bulk, xml};

/// Mixed into the seed for a learner's quirk stream.
const QUIRK_STREAM: u64 = 0x0051_0117_C0DE_5EED;

/// The most learners one seed can produce: the fixed scenarios plus every distinct bulk
/// identity code.
pub fn max_learners() -> u64 {
    Scenario::ALL.len() as u64 + bulk_capacity()
}

/// One synthetic learner and their `OpiskelijanKaikkiTiedot` answer.
#[derive(Debug)]
pub struct Learner {
    index: u64,
    scenario: Option<Scenario>,
    record: LearnerRecord,
}

impl Learner {
    /// Learner `index` of the set generated from `seed`. The same (seed, index) always gives the
    /// same learner, whatever else is generated.
    pub fn generate(seed: u64, index: u64) -> Result<Learner> {
        Self::generate_with(seed, index, Quirks::NONE, 0)
    }

    /// Like [`Learner::generate`], and a random learner also shows each of `quirks` with a
    /// chance of `percent` in 100 (drawn from a stream of its own, so the learner is otherwise
    /// the same). The fixed scenarios always show their own [`Scenario::quirks`], whatever is
    /// asked.
    pub fn generate_with(seed: u64, index: u64, quirks: Quirks, percent: u32) -> Result<Learner> {
        let mut rng = Rng::for_learner(seed, index);
        let scenario = Scenario::for_index(index);
        let (hetu, birth, with_person, with_oid) = match scenario {
            Some(s) => {
                let birth = s.birth(&mut rng);
                // Scenario learners own individual numbers 002..; bulk ones start at 020.
                let hetu = Henkilotunnus::new(birth, s.marker_style(&mut rng), 2 + index as u16);
                // VIRTA knows every person's names: OpiskelijanTiedot always carries them.
                (hetu, birth, true, s.has_oppijanumero())
            }
            None => {
                let k = index - Scenario::ALL.len() as u64;
                if k >= bulk_capacity() {
                    return Err(Error::TooManyLearners {
                        requested: index + 1,
                        max: max_learners(),
                    });
                }
                let (birth, individual) = bulk_identity(seed, k);
                let hetu = Henkilotunnus::new(birth, marker_style(&mut rng), individual);
                // VIRTA knows every person's names (OpiskelijanTiedot); the draw that once left
                // 15 % without them is kept, so the other learners stay as they were.
                let _ = rng.chance(85);
                (hetu, birth, true, rng.chance(30))
            }
        };
        let mut person = with_person.then(|| person(&mut rng, &hetu));
        let oppijanumero = with_oid.then(|| oppijanumero(&mut rng));
        let mut opiskelijat = match scenario {
            Some(s) => s.build(&mut rng),
            None => bulk::build(&mut rng, birth),
        };
        for o in &mut opiskelijat {
            o.oppijanumero.clone_from(&oppijanumero);
        }
        if let (Some(p), Some(o)) = (&mut person, opiskelijat.first()) {
            p.asuinkunta = o.institution.kunta;
        }
        let mut record = LearnerRecord {
            henkilotunnus: hetu,
            oppijanumero,
            person,
            opiskelijat,
            no_namespace: false,
        };
        let mut quirk_rng = Rng::for_learner(seed ^ QUIRK_STREAM, index);
        let shown = match scenario {
            Some(s) => s.quirks(),
            None => Quirks::of(
                &quirks
                    .iter()
                    .filter(|_| quirk_rng.chance(percent))
                    .collect::<Vec<_>>(),
            ),
        };
        quirks::apply(shown, &mut record, &mut quirk_rng);
        Ok(Learner {
            index,
            scenario,
            record,
        })
    }

    /// The learner's index in its set.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The fixed case this learner shows, if it is one of the first [`Scenario::ALL`].
    pub fn scenario(&self) -> Option<Scenario> {
        self.scenario
    }

    /// The identity code (never print it; its `Debug` is masked).
    pub fn henkilotunnus(&self) -> &Henkilotunnus {
        &self.record.henkilotunnus
    }

    /// The national learner OID, for the learners that have one.
    pub fn oppijanumero(&self) -> Option<&str> {
        self.record.oppijanumero.as_deref()
    }

    /// The Myontaja codes of the institutions where the learner has records, in answer order.
    pub fn myontajat(&self) -> Vec<&'static str> {
        self.record
            .opiskelijat
            .iter()
            .map(|o| o.institution.code)
            .collect()
    }

    /// Number of attainments (Opintosuoritus) over all institutions.
    pub fn attainments(&self) -> usize {
        self.record
            .opiskelijat
            .iter()
            .map(|o| o.suoritukset.len())
            .sum()
    }

    /// The learner's cache key, which is also the recording's file stem (STYLE.md §15).
    pub fn key(&self, secret: &LearnerSecret) -> LearnerKey {
        LearnerKey::derive(
            secret,
            Identity::Henkilotunnus(self.record.henkilotunnus.as_str()),
        )
    }

    /// Writes the SOAP 1.1 `OpiskelijanKaikkiTiedotResponse` envelope (or, for the
    /// `no-namespace` quirk, a bare `Virta` root).
    pub fn write_response<W: Write>(&self, out: &mut W) -> io::Result<()> {
        xml::write_response(&self.record, out)
    }

    /// The institutions an `OpiskelijanTiedot` call goes to, each once, in answer order: every
    /// Myontaja of [`Learner::myontajat`], LAB's re-reporting included.
    pub fn names_institutions(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for code in self.myontajat() {
            if !out.contains(&code) {
                out.push(code);
            }
        }
        out
    }

    /// Writes the SOAP 1.1 `OpiskelijanTiedotResponse` of institution `code`: the learner under
    /// that institution's `avain`, with name, sex, nationality, mother tongue, home municipality
    /// and enrolment date. Nothing is written for an institution the learner has no records at.
    pub fn write_names<W: Write>(&self, code: &str, out: &mut W) -> io::Result<()> {
        match self
            .record
            .opiskelijat
            .iter()
            .find(|o| o.institution.code == code)
        {
            Some(o) => xml::write_names(&self.record, o, out),
            None => Ok(()),
        }
    }
}
