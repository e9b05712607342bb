//! One generated learner: identity, person fields and institutions, from (seed, index) alone.

use std::io::{self, Write};

use rikastin_sinks::{Identity, LearnerKey, LearnerSecret};

use crate::hetu::Henkilotunnus;
use crate::person::{bulk_capacity, bulk_identity, marker_style, oppijanumero, person};
use crate::record::LearnerRecord;
use crate::rng::Rng;
use crate::scenario::Scenario;
use crate::{Error, Result, bulk, xml};

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
        let mut rng = Rng::for_learner(seed, index);
        let scenario = Scenario::for_index(index);
        let (hetu, birth, with_person, with_oid) = match scenario {
            Some(s) => {
                let birth = s.birth(&mut rng);
                // Scenario learners own individual numbers 002..; bulk ones start at 020.
                let hetu = Henkilotunnus::new(birth, s.marker_style(&mut rng), 2 + index as u16);
                (hetu, birth, s.has_person(), s.has_oppijanumero())
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
                (hetu, birth, rng.chance(85), rng.chance(30))
            }
        };
        let person = with_person.then(|| person(&mut rng, &hetu));
        let oppijanumero = with_oid.then(|| oppijanumero(&mut rng));
        let opiskelijat = match scenario {
            Some(s) => s.build(&mut rng),
            None => bulk::build(&mut rng, birth),
        };
        let record = LearnerRecord {
            henkilotunnus: hetu,
            oppijanumero,
            person,
            opiskelijat,
        };
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

    /// Writes the SOAP 1.1 `OpiskelijanKaikkiTiedotResponse` envelope.
    pub fn write_response<W: Write>(&self, out: &mut W) -> io::Result<()> {
        xml::write_response(&self.record, out)
    }
}
