//! Reports over the whole cache, for the people who operate Rikastin and the institutions that
//! feed it. [`coverage`]: how much of the cache the institutions' catalogues and Diploma
//! Supplement texts enrich (`rikastin report coverage`).

pub mod coverage;
