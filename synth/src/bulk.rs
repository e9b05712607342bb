//! Random-but-realistic learners for every index after the fixed scenarios: one to three
//! institutions, bachelor's and master's or UAS degrees, some in progress, some given up
//! (virta.md §5: a graduate has about 40–140 results).

use crate::build::{Builder, TODAY};
use crate::career::{Run, run};
use crate::catalogue::{INSTITUTIONS, Sector};
use crate::date::Date;
use crate::record::Opiskelija;
use crate::rng::Rng;

/// A graduation date `lo..=hi` years after `year`: end of spring term or of autumn term.
fn graduation(rng: &mut Rng, year: i32, lo: u32, hi: u32) -> Date {
    let y = year + rng.range(lo, hi) as i32;
    let month = rng.pick(&[5, 5, 6, 12]);
    Date::ymd(y, month, rng.range(1, 28))
}

/// Builds a bulk learner born on `birth`.
pub(crate) fn build(rng: &mut Rng, birth: Date) -> Vec<Opiskelija> {
    let how_many = match rng.below(100) {
        0..70 => 1,
        70..95 => 2,
        _ => 3,
    };
    // Electronic records are mostly from 1995 on (virta.md §1), so older learners start later.
    let first = birth.year() + 19 + rng.pick(&[0, 0, 0, 1, 1, 2, 3, 5, 8]);
    let mut year = first.clamp(1996, 2025);
    let mut out: Vec<Opiskelija> = Vec::new();
    let mut used: Vec<&str> = Vec::new();
    for _ in 0..how_many {
        if year > 2025 {
            break;
        }
        let mut inst = &INSTITUTIONS[rng.below(INSTITUTIONS.len() as u64) as usize];
        while used.contains(&inst.code) {
            inst = &INSTITUTIONS[rng.below(INSTITUTIONS.len() as u64) as usize];
        }
        used.push(inst.code);
        let start = Date::ymd(year, 8, 1);
        let gives_up = rng.chance(8);
        let mut b = Builder::new(rng, inst);
        let until = match (inst.sector, inst.programmes.len()) {
            (Sector::University, 2) => {
                let bsc_end = graduation(b.rng, year, 3, 4);
                let mut bachelor = Run::new(b.programme(0), start, bsc_end);
                if gives_up {
                    bachelor.gave_up = Some(start.plus(b.rng.range(200, 900) as i32));
                }
                let out = run(&mut b, bachelor);
                if out.graduated && b.rng.chance(75) {
                    let msc_end = graduation(b.rng, bsc_end.year(), 2, 3);
                    let mut master = Run::new(b.programme(1), start, msc_end);
                    master.courses_from = bsc_end.plus(1);
                    master.linked = Some(&out.right);
                    run(&mut b, master).until
                } else {
                    out.until
                }
            }
            _ => {
                let (lo, hi) = if inst.sector == Sector::Uas {
                    (3, 4)
                } else {
                    (2, 3)
                };
                let end = graduation(b.rng, year, lo, hi);
                let which = b.rng.below(inst.programmes.len() as u64) as usize;
                let mut r = Run::new(b.programme(which), start, end);
                if gives_up {
                    r.gave_up = Some(start.plus(b.rng.range(200, 900) as i32));
                }
                run(&mut b, r).until
            }
        };
        out.push(b.o);
        if until >= TODAY {
            break;
        }
        year = until.year() + rng.range(0, 2) as i32;
    }
    out
}
