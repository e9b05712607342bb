//! Writes one learner as an `OpiskelijanKaikkiTiedot` SOAP 1.1 response, the way VIRTA serialises
//! it (virta.md §2.7): `SOAP-ENV` envelope with an empty header, the `virtaluku` wrapper and
//! `virta:Virta`, namespaces declared locally, every element prefixed, attributes unprefixed.
//! The names of each institution go into an `OpiskelijanTiedot` answer of their own
//! ([`write_names`]), shaped like the KOSKI mocks' (`samples/virta-names/`).

use std::io::{self, Write};

use crate::catalogue::Institution;
use crate::record::{
    Arvosana, Laajuus, LearnerRecord, Muu, Opintosuoritus, Opiskelija, Opiskeluoikeus, Tenths,
};

const SOAP_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const LUKU_NS: &str = "http://tietovaranto.csc.fi/luku";
/// The VIRTA data namespace of interface version 1.06 (virta.md §2.3).
pub const VIRTA_NS: &str = "urn:mace:funet.fi:virta/2015/09/01";

/// Escapes text and attribute values (names may hold `&`, keys may hold anything).
fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"']) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out.into()
}

/// Writes elements at an indentation, two spaces a level.
struct W<'a, O: Write> {
    out: &'a mut O,
    depth: usize,
    inst: &'a Institution,
    /// `virta:`, or nothing for an answer in no namespace.
    prefix: &'static str,
}

impl<O: Write> W<'_, O> {
    fn indent(&mut self) -> io::Result<()> {
        for _ in 0..self.depth {
            self.out.write_all(b"  ")?;
        }
        Ok(())
    }

    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        self.indent()?;
        write!(self.out, "<{}{name}", self.prefix)?;
        for (k, v) in attrs {
            write!(self.out, " {k}=\"{}\"", esc(v))?;
        }
        self.out.write_all(b">\n")?;
        self.depth += 1;
        Ok(())
    }

    fn close(&mut self, name: &str) -> io::Result<()> {
        self.depth -= 1;
        self.indent()?;
        writeln!(self.out, "</{}{name}>", self.prefix)
    }

    fn leaf_attrs(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> io::Result<()> {
        self.indent()?;
        write!(self.out, "<{}{name}", self.prefix)?;
        for (k, v) in attrs {
            write!(self.out, " {k}=\"{}\"", esc(v))?;
        }
        writeln!(self.out, ">{}</{}{name}>", esc(text), self.prefix)
    }

    fn leaf(&mut self, name: &str, text: &str) -> io::Result<()> {
        self.leaf_attrs(name, &[], text)
    }

    /// An empty element with one attribute, `<virta:NAME key="value"/>`.
    fn empty(&mut self, name: &str, key: &str, value: &str) -> io::Result<()> {
        self.indent()?;
        writeln!(
            self.out,
            "<{}{name} {key}=\"{}\"/>",
            self.prefix,
            esc(value)
        )
    }

    /// virta.md §2.9: decimals come as `5`, `7.5` or `5.000000` depending on the sender.
    fn decimal(&self, v: Tenths) -> String {
        let (whole, tenth) = (v / 10, v % 10);
        match (self.inst.long_decimals, tenth) {
            (true, t) => format!("{whole}.{t}00000"),
            (false, 0) => whole.to_string(),
            (false, t) => format!("{whole}.{t}"),
        }
    }

    /// virta.md §2.9: booleans come as `0/1` or `true/false` depending on the sender.
    fn boolean(&self, v: bool) -> &'static str {
        match (self.inst.numeric_booleans, v) {
            (true, true) => "1",
            (true, false) => "0",
            (false, true) => "true",
            (false, false) => "false",
        }
    }
}

/// Writes the whole SOAP response for one learner; with `no_namespace`, only a bare `Virta` root
/// in no namespace (the CSC example files' data-only shape without its `xmlns`).
pub(crate) fn write_response<O: Write>(learner: &LearnerRecord, out: &mut O) -> io::Result<()> {
    if learner.no_namespace {
        writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(out, "<Virta>")?;
        for o in &learner.opiskelijat {
            let mut w = W {
                out,
                depth: 1,
                inst: o.institution,
                prefix: "",
            };
            write_opiskelija(&mut w, learner, o)?;
        }
        return writeln!(out, "</Virta>");
    }
    writeln!(out, "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"{SOAP_NS}\">")?;
    writeln!(out, "  <SOAP-ENV:Header/>")?;
    writeln!(out, "  <SOAP-ENV:Body>")?;
    writeln!(
        out,
        "    <virtaluku:OpiskelijanKaikkiTiedotResponse xmlns:virtaluku=\"{LUKU_NS}\">"
    )?;
    writeln!(out, "      <virta:Virta xmlns:virta=\"{VIRTA_NS}\">")?;
    for o in &learner.opiskelijat {
        let mut w = W {
            out,
            depth: 4,
            inst: o.institution,
            prefix: "virta:",
        };
        write_opiskelija(&mut w, learner, o)?;
    }
    writeln!(out, "      </virta:Virta>")?;
    writeln!(out, "    </virtaluku:OpiskelijanKaikkiTiedotResponse>")?;
    writeln!(out, "  </SOAP-ENV:Body>")?;
    writeln!(out, "</SOAP-ENV:Envelope>")
}

fn write_opiskelija<O: Write>(
    w: &mut W<'_, O>,
    l: &LearnerRecord,
    o: &Opiskelija,
) -> io::Result<()> {
    w.open("Opiskelija", &[("avain", &o.avain)])?;
    // Only the identifiers: names come from OpiskelijanTiedot (virta.md §2.7).
    w.leaf("Henkilotunnus", l.henkilotunnus.as_str())?;
    if let Some(oid) = &o.oppijanumero {
        w.leaf("KansallinenOppijanumero", oid)?;
    }
    if !o.opiskeluoikeudet.is_empty() {
        w.open("Opiskeluoikeudet", &[])?;
        for r in &o.opiskeluoikeudet {
            write_opiskeluoikeus(w, &o.avain, r)?;
        }
        w.close("Opiskeluoikeudet")?;
    }
    if !o.ilmoittautumiset.is_empty() {
        w.open("LukukausiIlmoittautumiset", &[])?;
        for i in &o.ilmoittautumiset {
            let attrs = [
                ("opiskelijaAvain", o.avain.as_str()),
                ("opiskeluoikeusAvain", i.opiskeluoikeus_avain.as_str()),
            ];
            w.open("LukukausiIlmoittautuminen", &attrs)?;
            w.leaf("Myontaja", i.myontaja)?;
            w.leaf("Tila", i.tila)?;
            w.leaf("IlmoittautumisPvm", &i.ilmoittautumis_pvm.to_string())?;
            w.leaf("AlkuPvm", &i.alku_pvm.to_string())?;
            w.leaf("LoppuPvm", &i.loppu_pvm.to_string())?;
            if let Some(j) = i.ylioppilaskunta_jasen {
                let b = w.boolean(j);
                w.leaf("YlioppilaskuntaJasen", b)?;
            }
            w.close("LukukausiIlmoittautuminen")?;
        }
        w.close("LukukausiIlmoittautumiset")?;
    }
    // A person with no attainments gets no section at all: an empty one is a real quirk
    // (virta.md §2.7) but schema-invalid, and our data stays valid.
    if !o.suoritukset.is_empty() {
        w.open("Opintosuoritukset", &[])?;
        for s in &o.suoritukset {
            write_suoritus(w, &o.avain, s)?;
        }
        w.close("Opintosuoritukset")?;
    }
    if !o.liikkuvuusjaksot.is_empty() {
        w.open("Liikkuvuusjaksot", &[])?;
        for j in &o.liikkuvuusjaksot {
            let attrs = [
                ("avain", j.avain.as_str()),
                ("opiskelijaAvain", o.avain.as_str()),
                ("opiskeluoikeusAvain", j.opiskeluoikeus_avain.as_str()),
            ];
            w.open("Liikkuvuusjakso", &attrs)?;
            w.leaf("Myontaja", j.myontaja)?;
            w.leaf("AlkuPvm", &j.alku_pvm.to_string())?;
            w.leaf("LoppuPvm", &j.loppu_pvm.to_string())?;
            w.leaf("Suunta", "1")?;
            w.leaf("Maa", j.maa)?;
            w.leaf("Tyyppi", "1")?;
            w.leaf("Liikkuvuusohjelma", "101")?;
            w.close("Liikkuvuusjakso")?;
        }
        w.close("Liikkuvuusjaksot")?;
    }
    w.close("Opiskelija")
}

fn write_opiskeluoikeus<O: Write>(
    w: &mut W<'_, O>,
    opiskelija: &str,
    r: &Opiskeluoikeus,
) -> io::Result<()> {
    w.open(
        "Opiskeluoikeus",
        &[("avain", &r.avain), ("opiskelijaAvain", opiskelija)],
    )?;
    if !r.no_alku_pvm {
        w.leaf("AlkuPvm", &r.alku_pvm.to_string())?;
    }
    if let Some(d) = r.loppu_pvm {
        w.leaf("LoppuPvm", &d.to_string())?;
    }
    for (alku, loppu, koodi) in &r.tilat {
        w.open("Tila", &[])?;
        w.leaf("AlkuPvm", &alku.to_string())?;
        if let Some(d) = loppu {
            w.leaf("LoppuPvm", &d.to_string())?;
        }
        w.leaf("Koodi", koodi)?;
        w.close("Tila")?;
    }
    w.leaf("Tyyppi", r.tyyppi)?;
    w.leaf("Myontaja", r.myontaja)?;
    w.open(
        "Jakso",
        &[("koulutusmoduulitunniste", &r.koulutusmoduulitunniste)],
    )?;
    w.leaf("AlkuPvm", &r.alku_pvm.to_string())?;
    if let Some(d) = r.loppu_pvm {
        w.leaf("LoppuPvm", &d.to_string())?;
    }
    if let Some(k) = r.koulutuskoodi {
        w.leaf("Koulutuskoodi", k)?;
    }
    w.leaf("Koulutuskunta", r.koulutuskunta)?;
    w.leaf("Koulutuskieli", r.koulutuskieli)?;
    w.leaf("Rahoituslahde", "1")?;
    if let Some(l) = r.jakso_luokittelu {
        w.leaf("Luokittelu", l)?;
    }
    w.close("Jakso")?;
    if let Some((versio, koodi)) = r.koulutusala {
        w.leaf_attrs("Koulutusala", &[("versio", versio)], koodi)?;
    }
    if let Some(avain) = &r.liittyvyys {
        w.empty("Liittyvyys", "liittyvaOpiskeluoikeusAvain", avain)?;
    }
    if let Some(l) = r.laajuus {
        w.open("Laajuus", &[])?;
        let v = w.decimal(l);
        w.leaf("Opintopiste", &v)?;
        w.close("Laajuus")?;
    }
    w.close("Opiskeluoikeus")
}

fn write_suoritus<O: Write>(
    w: &mut W<'_, O>,
    opiskelija: &str,
    s: &Opintosuoritus,
) -> io::Result<()> {
    let mut attrs = vec![
        ("avain", s.avain.as_str()),
        ("opiskelijaAvain", opiskelija),
        (
            "koulutusmoduulitunniste",
            s.koulutusmoduulitunniste.as_str(),
        ),
    ];
    if let Some(r) = &s.opiskeluoikeus_avain {
        attrs.push(("opiskeluoikeusAvain", r));
    }
    w.open("Opintosuoritus", &attrs)?;
    w.leaf("SuoritusPvm", &s.suoritus_pvm.to_string())?;
    if s.laajuus != Laajuus::Missing {
        w.open("Laajuus", &[])?;
        if s.laajuus == Laajuus::Both {
            let v = w.decimal(s.opintopiste);
            w.leaf("Opintopiste", &v)?;
        }
        if let Some(ov) = s.opintoviikko {
            let v = w.decimal(ov);
            w.leaf("Opintoviikko", &v)?;
        }
        w.close("Laajuus")?;
    }
    w.open("Arvosana", &[])?;
    write_arvosana(w, &s.arvosana)?;
    w.close("Arvosana")?;
    w.leaf("Myontaja", s.myontaja)?;
    for (rooli, koodi) in &s.organisaatiot {
        w.open("Organisaatio", &[])?;
        w.leaf("Rooli", rooli)?;
        w.leaf("Koodi", koodi)?;
        w.close("Organisaatio")?;
    }
    w.leaf("Laji", s.laji)?;
    for (kieli, nimi) in &s.nimet {
        match kieli {
            Some(k) => w.leaf_attrs("Nimi", &[("kieli", k)], nimi)?,
            None => w.leaf("Nimi", nimi)?,
        }
    }
    if let Some(k) = s.kieli {
        w.leaf("Kieli", k)?;
    }
    if let Some(k) = s.koulutuskoodi {
        w.leaf("Koulutuskoodi", k)?;
    }
    if let Some((versio, koodi, osuus)) = s.koulutusala {
        w.open("Koulutusala", &[])?;
        w.leaf_attrs("Koodi", &[("versio", versio)], koodi)?;
        if osuus {
            let v = if w.inst.long_decimals {
                "1.000000"
            } else {
                "1"
            };
            w.leaf("Osuus", v)?;
        }
        w.close("Koulutusala")?;
    }
    for (avain, op) in &s.sisaltyvyys {
        w.open("Sisaltyvyys", &[("sisaltyvaOpintosuoritusAvain", avain)])?;
        let v = w.decimal(*op);
        w.leaf("Opintopiste", &v)?;
        w.close("Sisaltyvyys")?;
    }
    if let Some(d) = s.hyvaksiluku_pvm {
        w.leaf("HyvaksilukuPvm", &d.to_string())?;
    }
    if let Some(t) = s.tki_laajuus {
        w.open("TKILaajuus", &[])?;
        let v = w.decimal(t);
        w.leaf("Opintopiste", &v)?;
        w.close("TKILaajuus")?;
    }
    if let Some(b) = s.opinnaytetyo {
        let v = w.boolean(b);
        w.leaf("Opinnaytetyo", v)?;
    }
    if let Some(b) = s.hankkeistettu {
        let v = w.boolean(b);
        w.leaf("Hankkeistettu", v)?;
    }
    if let Some(p) = s.patevyys {
        w.leaf("Patevyys", p)?;
    }
    for l in &s.luokittelu {
        w.leaf("Luokittelu", l)?;
    }
    for (kieli, text) in &s.julkinen_lisatieto {
        match kieli {
            Some(k) => w.leaf_attrs("JulkinenLisatieto", &[("kieli", k)], text)?,
            None => w.leaf("JulkinenLisatieto", text)?,
        }
    }
    w.close("Opintosuoritus")
}

fn write_arvosana<O: Write>(w: &mut W<'_, O>, a: &Arvosana) -> io::Result<()> {
    match a {
        Arvosana::Viisiportainen(v) => w.leaf("Viisiportainen", v),
        Arvosana::ToinenKotimainen(v) => w.leaf("ToinenKotimainen", v),
        Arvosana::Hyvaksytty => w.leaf("Hyvaksytty", "HYV"),
        Arvosana::Naytetyo(v) => w.leaf("Naytetyo", v),
        Arvosana::Tutkielma(v) => w.leaf("Tutkielma", v),
        Arvosana::EiKaytossa => w.leaf("EiKaytossa", "Arvosana ei kaytossa"),
        Arvosana::Muu(m) => {
            w.open("Muu", &[])?;
            match m {
                Muu::NameAndAwarded {
                    asteikko,
                    nimi,
                    arvosana_avain,
                    koodi,
                    arvosana_nimi,
                } => {
                    w.open("Asteikko", &[("avain", asteikko)])?;
                    w.leaf("Nimi", nimi)?;
                    w.open("AsteikkoArvosana", &[("avain", arvosana_avain)])?;
                    w.leaf("Koodi", koodi)?;
                    if let Some(n) = arvosana_nimi {
                        w.leaf("Nimi", n)?;
                    }
                    w.close("AsteikkoArvosana")?;
                    w.close("Asteikko")?;
                    w.leaf("Koodi", arvosana_avain)?;
                }
                Muu::WholeScale {
                    asteikko,
                    nimi,
                    arvosanat,
                    koodi,
                } => {
                    w.open("Asteikko", &[("avain", asteikko)])?;
                    w.leaf("Nimi", nimi)?;
                    for g in arvosanat.iter() {
                        w.open("AsteikkoArvosana", &[("avain", g.avain)])?;
                        w.leaf("Koodi", g.koodi)?;
                        w.leaf("Nimi", g.nimi)?;
                        w.leaf("LaskennallinenArvo", g.arvo)?;
                        w.close("AsteikkoArvosana")?;
                    }
                    w.close("Asteikko")?;
                    w.leaf("Koodi", koodi)?;
                }
                Muu::Bare { asteikko, koodi } => {
                    w.empty("Asteikko", "avain", asteikko)?;
                    w.leaf("Koodi", koodi)?;
                }
            }
            w.close("Muu")
        }
    }
}

/// Writes the `OpiskelijanTiedot` answer of one institution (`organisaatio` = `o`'s code): the
/// learner as that institution knows them, under its own `avain`, with the person fields in
/// `HenkiloTyyppi` order, then `KirjoihintuloPvm` (the first study right's start there) and the
/// learner number (Opiskelijat.xsd). Shaped like `samples/virta-names/*-OpiskelijanTiedot.xml`.
pub(crate) fn write_names<O: Write>(
    learner: &LearnerRecord,
    o: &Opiskelija,
    out: &mut O,
) -> io::Result<()> {
    writeln!(out, "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"{SOAP_NS}\">")?;
    writeln!(out, "  <SOAP-ENV:Header/>")?;
    writeln!(out, "  <SOAP-ENV:Body>")?;
    writeln!(
        out,
        "    <virtaluku:OpiskelijanTiedotResponse xmlns:virtaluku=\"{LUKU_NS}\">"
    )?;
    writeln!(out, "      <virta:Opiskelijat xmlns:virta=\"{VIRTA_NS}\">")?;
    let mut w = W {
        out,
        depth: 4,
        inst: o.institution,
        prefix: "virta:",
    };
    w.open("Opiskelija", &[("avain", &o.avain)])?;
    w.leaf("Henkilotunnus", learner.henkilotunnus.as_str())?;
    if let Some(p) = &learner.person {
        w.leaf("Sukunimi", p.sukunimi)?;
        w.leaf("Etunimet", &p.etunimet)?;
        w.leaf("Sukupuoli", p.sukupuoli)?;
        w.leaf("Kansalaisuus", "246")?;
        w.leaf("Aidinkieli", p.aidinkieli)?;
        w.leaf("Asuinkunta", p.asuinkunta)?;
    }
    if let Some(first) = o.opiskeluoikeudet.iter().map(|r| r.alku_pvm).min() {
        w.leaf("KirjoihintuloPvm", &first.to_string())?;
    }
    if let Some(oid) = &o.oppijanumero {
        w.leaf("KansallinenOppijanumero", oid)?;
    }
    w.close("Opiskelija")?;
    writeln!(out, "      </virta:Opiskelijat>")?;
    writeln!(out, "    </virtaluku:OpiskelijanTiedotResponse>")?;
    writeln!(out, "  </SOAP-ENV:Body>")?;
    writeln!(out, "</SOAP-ENV:Envelope>")
}
