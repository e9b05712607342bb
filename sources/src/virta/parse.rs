//! Bytes to [`Virta`] records: a streaming, namespace-checked reader of VIRTA responses.
//!
//! Accepts a SOAP 1.1 envelope, the response wrapper alone, a bare `Virta` or a bare
//! `Opintosuoritukset` (virta.md §2.7). Lenient where real responses differ from the schema
//! (§2.9: empty sections, unknown elements, any child order); strict where data would be lost or
//! guessed (missing required parts, malformed values, wrong namespaces). No DOM is built.

use super::cursor::{El, Ns, Parser, position};
use super::records::{
    Aikajakso, Arvosana, Asteikko, AsteikkoArvosana, Henkilotunnus, Jakso, KoulutusalaOsuus,
    KoulutusalaVersio, Laajuus, Lukukausikertyma, LukuvuosiMaksu, MuuArvosana, Nimi,
    Opintosuoritus, Opiskelija, Opiskeluoikeus, OpiskeluoikeusTila, OrganisaatioRooli, Quirk,
    QuirkKind, Rejected, SiirtoOpiskelija, Sisaltyvyys, Virta,
};
use crate::error::{Error, ErrorKind, Result};

/// SOAP 1.1 envelope namespace.
pub const SOAP_ENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// VIRTA request/response wrapper namespace (`virtaluku`).
pub const LUKU_NS: &str = "http://tietovaranto.csc.fi/luku";
/// VIRTA data namespace, interface version 1.06 (virta.md §2.3).
pub const VIRTA_NS: &str = "urn:mace:funet.fi:virta/2015/09/01";

/// Parses a VIRTA response into records.
///
/// `origin` labels the input in errors (usually the file name). A SOAP fault gives
/// [`ErrorKind::Fault`]; "nobody found" (a wrapper without `Virta`, or an empty `Virta`) gives
/// `Virta { opiskelijat: vec![] }`. A flat `Opintosuoritukset` list becomes one [`Opiskelija`]
/// per (`myontaja`, `opiskelija_avain`), with no person fields.
pub fn parse(bytes: &[u8], origin: &str) -> Result<Virta> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let src = match std::str::from_utf8(bytes) {
        Ok(src) => src,
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or("");
            let (line, column) = position(valid, valid.len());
            let kind = ErrorKind::Xml {
                message: "invalid UTF-8".to_owned(),
            };
            return Err(Error::new(kind, origin, String::new(), line, column));
        }
    };
    Parser::new(src, origin).document()
}

/// Sets a single-valued field, rejecting a second occurrence.
macro_rules! set_once {
    ($self:ident, $slot:expr, $child:expr, $name:literal, $value:expr) => {{
        $self.once(&$slot, $child, $name)?;
        $slot = Some($value);
    }};
}

impl<'i> Parser<'i> {
    // ---- documents and envelopes -------------------------------------------------------------

    fn document(mut self) -> Result<Virta> {
        let Some(root) = self.next_child()? else {
            let kind = ErrorKind::Xml {
                message: "no root element".to_owned(),
            };
            return Err(self.fail(kind, self.src.len()));
        };
        let virta = match (root.ns, root.name) {
            (Ns::Soap, "Envelope") => self.envelope(&root)?,
            (Ns::Luku, _) => self.wrapper(&root)?,
            (Ns::Virta, "Virta") => self.virta(&root)?,
            (Ns::Virta, "Opintosuoritukset") => self.flat(&root)?,
            // Issue 17: a bare `Virta` or `Opintosuoritukset` that declares no namespace at all
            // is VIRTA's data written without it; read it so, and say so.
            (Ns::None, "Virta" | "Opintosuoritukset") => {
                self.data_ns = Ns::None;
                let line = self.line_of(root.offset);
                let mut virta = if root.name == "Virta" {
                    self.virta(&root)?
                } else {
                    self.flat(&root)?
                };
                for o in &mut virta.opiskelijat {
                    o.quirks.push(Quirk {
                        kind: QuirkKind::NoNamespace,
                        line,
                    });
                }
                virta
            }
            (_, "Envelope") => return Err(self.wrong_ns(&root, SOAP_ENV_NS)),
            (_, "Virta" | "Opintosuoritukset") => return Err(self.wrong_ns(&root, VIRTA_NS)),
            (_, name) if name.ends_with("Response") => return Err(self.wrong_ns(&root, LUKU_NS)),
            (_, name) => {
                let kind = ErrorKind::Unexpected {
                    expected: "a SOAP Envelope, a VIRTA response wrapper, Virta or Opintosuoritukset",
                    found: name.to_owned(),
                };
                return Err(self.fail(kind, root.offset));
            }
        };
        if let Some(extra) = self.next_child()? {
            let kind = ErrorKind::Unexpected {
                expected: "the end of the document",
                found: extra.name.to_owned(),
            };
            return Err(self.fail(kind, extra.offset));
        }
        let mut virta = virta;
        if self.older_version {
            for o in &mut virta.opiskelijat {
                o.quirks.push(Quirk {
                    kind: QuirkKind::OlderInterfaceVersion,
                    line: o.line,
                });
            }
        }
        Ok(virta)
    }

    fn envelope(&mut self, el: &El<'i>) -> Result<Virta> {
        let mut body = None;
        while let Some(child) = self.next_child()? {
            match (child.ns, child.name) {
                (Ns::Soap, "Body") => set_once!(self, body, &child, "Body", self.body(&child)?),
                (_, "Body") => return Err(self.wrong_ns(&child, SOAP_ENV_NS)),
                // The Header is empty in practice (virta.md §2.7) and carries nothing we use.
                _ => self.skip()?,
            }
        }
        let body = self.required(body, el, "Body")?;
        self.close();
        Ok(body)
    }

    fn body(&mut self, el: &El<'i>) -> Result<Virta> {
        let mut answer = None;
        while let Some(child) = self.next_child()? {
            match (child.ns, child.name) {
                (Ns::Soap, "Fault") => return Err(self.fault(&child)?),
                (Ns::Luku, _) => set_once!(self, answer, &child, "Response", self.wrapper(&child)?),
                (_, "Fault") => return Err(self.wrong_ns(&child, SOAP_ENV_NS)),
                (_, name) if name.ends_with("Response") => {
                    return Err(self.wrong_ns(&child, LUKU_NS));
                }
                _ => self.skip()?,
            }
        }
        let answer = self.required(answer, el, "OpiskelijanKaikkiTiedotResponse")?;
        self.close();
        Ok(answer)
    }

    /// Reads a SOAP fault into an error. The `detail` is skipped unread: it quotes the request,
    /// identity code included (virta.md §2.8).
    fn fault(&mut self, el: &El<'i>) -> Result<Error> {
        let (mut code, mut string) = (String::new(), String::new());
        while let Some(child) = self.next_child()? {
            match child.name {
                "faultcode" => code = self.string()?,
                "faultstring" => string = self.string()?,
                _ => self.skip()?,
            }
        }
        Ok(self.fail(ErrorKind::Fault { code, string }, el.offset))
    }

    fn wrapper(&mut self, el: &El<'i>) -> Result<Virta> {
        if !matches!(
            el.name,
            "OpiskelijanKaikkiTiedotResponse"
                | "OpiskelijanKaikkiTiedotListaResponse"
                | "OpintosuorituksetResponse"
                | "TutkinnotResponse"
                | "OpiskelijanTiedotResponse"
        ) {
            let kind = ErrorKind::Unexpected {
                expected: "OpiskelijanKaikkiTiedot(Lista)Response, OpintosuorituksetResponse, TutkinnotResponse or OpiskelijanTiedotResponse",
                found: el.name.to_owned(),
            };
            return Err(self.fail(kind, el.offset));
        }
        let mut data = None;
        while let Some(child) = self.next_child()? {
            match (child.ns, child.name) {
                (Ns::Virta, "Virta") => set_once!(self, data, &child, "Virta", self.virta(&child)?),
                // `OpiskelijanTiedot` (virta.md §2.4): the person fields, one per institution.
                (Ns::Virta, "Opiskelijat") => {
                    set_once!(self, data, &child, "Opiskelijat", self.virta(&child)?)
                }
                (Ns::Virta, "Opintosuoritukset") => {
                    set_once!(self, data, &child, "Opintosuoritukset", self.flat(&child)?)
                }
                (_, "Virta" | "Opintosuoritukset") => return Err(self.wrong_ns(&child, VIRTA_NS)),
                _ => self.skip()?,
            }
        }
        self.close();
        // virta.md §2.7: "nobody found" may come as a wrapper with no Virta child at all.
        Ok(data.unwrap_or_default())
    }

    // ---- students ----------------------------------------------------------------------------

    fn virta(&mut self, _el: &El<'i>) -> Result<Virta> {
        let mut opiskelijat = Vec::new();
        while let Some(child) = self.next_child()? {
            match self.data(&child) {
                Some("Opiskelija") => opiskelijat.push(self.opiskelija(&child)?),
                _ => self.skip_unknown(&child)?,
            }
        }
        self.close();
        Ok(Virta { opiskelijat })
    }

    /// A flat attainment list (`Opintosuoritukset` operation, virta.md §2.4) has no `Opiskelija`
    /// grouping; group by (`Myontaja`, `opiskelijaAvain`), since keys are only unique per HEI.
    fn flat(&mut self, _el: &El<'i>) -> Result<Virta> {
        let mut opiskelijat: Vec<Opiskelija> = Vec::new();
        while let Some(child) = self.next_child()? {
            match self.data(&child) {
                Some("Opintosuoritus") => {
                    let opiskelija_avain = self.opt_attr(&child, "opiskelijaAvain")?;
                    let read = self.record(&child, "Opintosuoritus", Self::opintosuoritus)?;
                    let (avain, myontaja) = match &read {
                        Ok(s) => (Some(s.opiskelija_avain.clone()), Some(s.myontaja.clone())),
                        Err(r) => (opiskelija_avain, r.myontaja.clone()),
                    };
                    let avain = avain.unwrap_or_default();
                    let line = match &read {
                        Ok(s) => s.line,
                        Err(r) => r.line,
                    };
                    let at = opiskelijat
                        .iter()
                        .position(|o| o.avain == avain && o.myontaja() == myontaja.as_deref());
                    let group = match at {
                        Some(i) => &mut opiskelijat[i],
                        None => {
                            opiskelijat.push(Opiskelija::new(avain, line));
                            opiskelijat.last_mut().expect("just pushed")
                        }
                    };
                    match read {
                        Ok(suoritus) => group.opintosuoritukset.push(suoritus),
                        Err(rejected) => group.rejected.push(rejected),
                    }
                }
                _ => self.skip_unknown(&child)?,
            }
        }
        self.close();
        Ok(Virta { opiskelijat })
    }

    fn opiskelija(&mut self, el: &El<'i>) -> Result<Opiskelija> {
        let line = self.line_of(el.offset);
        let mut o = Opiskelija::new(self.required_attr(el, "avain")?, line);
        let quirks_before = self.quirks.len();
        while let Some(c) = self.next_child()? {
            match self.data(&c) {
                Some("Henkilotunnus") => {
                    self.once(&o.henkilotunnus, &c, "Henkilotunnus")?;
                    let value = self.string()?;
                    if !value.is_empty() {
                        self.hetus.push(value.clone());
                        o.henkilotunnus = Some(Henkilotunnus::new(value));
                    }
                }
                Some("KansallinenOppijanumero") => {
                    self.once(&o.kansallinen_oppijanumero, &c, "KansallinenOppijanumero")?;
                    o.kansallinen_oppijanumero = self.opt_string()?;
                }
                Some("Sukunimi") => {
                    self.once(&o.sukunimi, &c, "Sukunimi")?;
                    o.sukunimi = self.opt_string()?;
                }
                Some("Etunimet") => {
                    self.once(&o.etunimet, &c, "Etunimet")?;
                    o.etunimet = self.opt_string()?;
                }
                Some("Sukupuoli") => {
                    self.once(&o.sukupuoli, &c, "Sukupuoli")?;
                    o.sukupuoli = self.opt_string()?;
                }
                Some("Kansalaisuus") => o.kansalaisuus.extend(self.opt_string()?),
                Some("Aidinkieli") => {
                    self.once(&o.aidinkieli, &c, "Aidinkieli")?;
                    o.aidinkieli = self.opt_string()?;
                }
                Some("Asuinkunta") => {
                    self.once(&o.asuinkunta, &c, "Asuinkunta")?;
                    o.asuinkunta = self.opt_string()?;
                }
                Some("KirjoihintuloPvm") => {
                    set_once!(
                        self,
                        o.kirjoihintulo_pvm,
                        &c,
                        "KirjoihintuloPvm",
                        self.pvm(&c)?
                    )
                }
                Some("Opiskeluoikeudet") => {
                    while let Some(r) = self.next_child()? {
                        match self.data(&r) {
                            Some("Opiskeluoikeus") => {
                                match self.record(&r, "Opiskeluoikeus", Self::opiskeluoikeus)? {
                                    Ok(oikeus) => o.opiskeluoikeudet.push(oikeus),
                                    Err(rejected) => o.rejected.push(rejected),
                                }
                            }
                            _ => self.skip_unknown(&r)?,
                        }
                    }
                    self.close();
                }
                Some("Opintosuoritukset") => {
                    while let Some(s) = self.next_child()? {
                        match self.data(&s) {
                            Some("Opintosuoritus") => {
                                match self.record(&s, "Opintosuoritus", Self::opintosuoritus)? {
                                    Ok(suoritus) => o.opintosuoritukset.push(suoritus),
                                    Err(rejected) => o.rejected.push(rejected),
                                }
                            }
                            _ => self.skip_unknown(&s)?,
                        }
                    }
                    self.close();
                }
                // Term registrations and mobility periods are not used downstream yet.
                Some("LukukausiIlmoittautumiset" | "Liikkuvuusjaksot") => self.skip()?,
                _ => self.skip_unknown(&c)?,
            }
        }
        self.close();
        o.quirks.extend(self.quirks.drain(quirks_before..));
        Ok(o)
    }

    // ---- attainments -------------------------------------------------------------------------

    fn opintosuoritus(&mut self, el: &El<'i>) -> Result<Opintosuoritus> {
        let line = self.line_of(el.offset);
        let avain = self.required_attr(el, "avain")?;
        let opiskelija_avain = self.required_attr(el, "opiskelijaAvain")?;
        let koulutusmoduulitunniste = self.required_attr(el, "koulutusmoduulitunniste")?;
        let valtakunnallinen = self.opt_attr(el, "valtakunnallinenKoulutusmoduulitunniste")?;
        let opiskeluoikeus_avain = self.opt_attr(el, "opiskeluoikeusAvain")?;
        let (mut suoritus_pvm, mut laajuus, mut arvosana, mut myontaja, mut laji) =
            (None, None, None, None, None);
        let (mut kieli, mut koulutuskoodi, mut hyvaksiluku_pvm) = (None, None, None);
        let (mut tki, mut tki_harjoittelu, mut tki_muu) = (None, None, None);
        let (mut opetusharjoittelu, mut opinnaytetyo, mut hankkeistettu) = (None, None, None);
        let (mut organisaatio, mut nimi, mut koulutusala, mut sisaltyvyys) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut patevyys, mut luokittelu, mut lisatieto) = (Vec::new(), Vec::new(), Vec::new());
        while let Some(c) = self.next_child()? {
            match self.data(&c) {
                Some("SuoritusPvm") => {
                    set_once!(self, suoritus_pvm, &c, "SuoritusPvm", self.pvm(&c)?)
                }
                Some("Laajuus") => set_once!(self, laajuus, &c, "Laajuus", self.laajuus()?),
                Some("Arvosana") => set_once!(self, arvosana, &c, "Arvosana", self.arvosana(&c)?),
                Some("Myontaja") => {
                    set_once!(self, myontaja, &c, "Myontaja", self.myontaja(&c)?)
                }
                Some("Organisaatio") => organisaatio.push(self.organisaatio(&c)?),
                Some("Laji") => set_once!(self, laji, &c, "Laji", self.code(&c)?),
                Some("Nimi") => nimi.push(self.nimi(&c)?),
                Some("Kieli") => {
                    self.once(&kieli, &c, "Kieli")?;
                    kieli = self.opt_string()?;
                }
                Some("Koulutuskoodi") => {
                    self.once(&koulutuskoodi, &c, "Koulutuskoodi")?;
                    koulutuskoodi = self.opt_string()?;
                }
                Some("Koulutusala") => koulutusala.push(self.koulutusala_osuus(&c)?),
                Some("Sisaltyvyys") => sisaltyvyys.push(self.sisaltyvyys(&c)?),
                Some("HyvaksilukuPvm") => {
                    set_once!(self, hyvaksiluku_pvm, &c, "HyvaksilukuPvm", self.pvm(&c)?)
                }
                Some("TKILaajuus") => set_once!(self, tki, &c, "TKILaajuus", self.laajuus()?),
                Some("TKILaajuusHarjoittelu") => set_once!(
                    self,
                    tki_harjoittelu,
                    &c,
                    "TKILaajuusHarjoittelu",
                    self.laajuus()?
                ),
                Some("TKILaajuusMuu") => {
                    set_once!(self, tki_muu, &c, "TKILaajuusMuu", self.laajuus()?)
                }
                Some("OpetusharjoitteluTyyppi") => {
                    self.once(&opetusharjoittelu, &c, "OpetusharjoitteluTyyppi")?;
                    opetusharjoittelu = self.opt_string()?;
                }
                Some("Opinnaytetyo") => {
                    set_once!(self, opinnaytetyo, &c, "Opinnaytetyo", self.boolean(&c)?)
                }
                Some("Hankkeistettu") => {
                    set_once!(self, hankkeistettu, &c, "Hankkeistettu", self.boolean(&c)?)
                }
                Some("Patevyys") => patevyys.extend(self.opt_string()?),
                Some("Luokittelu") => luokittelu.extend(self.opt_string()?),
                Some("JulkinenLisatieto") => lisatieto.push(self.nimi(&c)?),
                _ => self.skip_unknown(&c)?,
            }
        }
        let suoritus = Opintosuoritus {
            avain,
            opiskelija_avain,
            koulutusmoduulitunniste,
            valtakunnallinen_koulutusmoduulitunniste: valtakunnallinen,
            opiskeluoikeus_avain,
            suoritus_pvm: self.required(suoritus_pvm, el, "SuoritusPvm")?,
            // Issue 17: a result without an extent is kept, without a credit.
            laajuus: laajuus
                .filter(|l: &Laajuus| l.opintopiste.is_some() || l.opintoviikko.is_some()),
            arvosana: self.required(arvosana, el, "Arvosana")?,
            myontaja: self.required(myontaja, el, "Myontaja")?,
            organisaatio,
            laji: self.required(laji, el, "Laji")?,
            nimi,
            kieli,
            koulutuskoodi,
            koulutusala,
            sisaltyvyys,
            hyvaksiluku_pvm,
            tki_laajuus: tki,
            tki_laajuus_harjoittelu: tki_harjoittelu,
            tki_laajuus_muu: tki_muu,
            opetusharjoittelu_tyyppi: opetusharjoittelu,
            opinnaytetyo,
            hankkeistettu,
            patevyys,
            luokittelu,
            julkinen_lisatieto: lisatieto,
            line,
        };
        self.close();
        Ok(suoritus)
    }

    /// Either part may be missing: pre-2005 results carry study weeks only (issue 17).
    fn laajuus(&mut self) -> Result<Laajuus> {
        let (mut opintopiste, mut opintoviikko) = (None, None);
        while let Some(c) = self.next_child()? {
            match self.data(&c) {
                Some("Opintopiste") => {
                    set_once!(self, opintopiste, &c, "Opintopiste", self.decimal(&c)?)
                }
                Some("Opintoviikko") => {
                    set_once!(self, opintoviikko, &c, "Opintoviikko", self.decimal(&c)?)
                }
                _ => self.skip_unknown(&c)?,
            }
        }
        self.close();
        Ok(Laajuus {
            opintopiste,
            opintoviikko,
        })
    }

    /// virta.md §3.4: the scale element's name is the scale; exactly one must be present.
    fn arvosana(&mut self, el: &El<'i>) -> Result<Arvosana> {
        let mut arvosana = None;
        while let Some(c) = self.next_child()? {
            let scale: fn(String) -> Arvosana = match self.data(&c) {
                Some("Viisiportainen") => Arvosana::Viisiportainen,
                Some("ToinenKotimainen") => Arvosana::ToinenKotimainen,
                Some("Hyvaksytty") => Arvosana::Hyvaksytty,
                Some("Naytetyo") => Arvosana::Naytetyo,
                Some("Tutkielma") => Arvosana::Tutkielma,
                Some("EiKaytossa") => Arvosana::EiKaytossa,
                Some("Muu") => {
                    set_once!(
                        self,
                        arvosana,
                        &c,
                        "grade scale",
                        Arvosana::Muu(self.muu(&c)?)
                    );
                    continue;
                }
                _ => {
                    self.skip_unknown(&c)?;
                    continue;
                }
            };
            set_once!(self, arvosana, &c, "grade scale", scale(self.string()?));
        }
        let Some(arvosana) = arvosana else {
            let kind = ErrorKind::Missing {
                what: "grade scale element",
                name: "Viisiportainen, ToinenKotimainen, Hyvaksytty, Naytetyo, Tutkielma, EiKaytossa or Muu",
            };
            return Err(self.fail(kind, el.offset));
        };
        self.close();
        Ok(arvosana)
    }

    fn muu(&mut self, el: &El<'i>) -> Result<MuuArvosana> {
        let (mut asteikko, mut koodi) = (None, None);
        while let Some(c) = self.next_child()? {
            match self.data(&c) {
                Some("Asteikko") => set_once!(self, asteikko, &c, "Asteikko", self.asteikko(&c)?),
                Some("Koodi") => set_once!(self, koodi, &c, "Koodi", self.code(&c)?),
                _ => self.skip_unknown(&c)?,
            }
        }
        let asteikko = self.required(asteikko, el, "Asteikko")?;
        let koodi = self.required(koodi, el, "Koodi")?;
        self.close();
        Ok(MuuArvosana { asteikko, koodi })
    }

    fn asteikko(&mut self, el: &El<'i>) -> Result<Asteikko> {
        let avain = self.required_attr(el, "avain")?;
        let (mut nimi, mut arvosanat) = (None, Vec::new());
        while let Some(c) = self.next_child()? {
            match self.data(&c) {
                Some("Nimi") => {
                    self.once(&nimi, &c, "Nimi")?;
                    nimi = self.opt_string()?;
                }
                Some("AsteikkoArvosana") => arvosanat.push(self.asteikko_arvosana(&c)?),
                _ => self.skip_unknown(&c)?,
            }
        }
        self.close();
        Ok(Asteikko {
            avain,
            nimi,
            arvosanat,
        })
    }

    fn asteikko_arvosana(&mut self, el: &El<'i>) -> Result<AsteikkoArvosana> {
        let avain = self.required_attr(el, "avain")?;
        let (mut koodi, mut nimi, mut arvo) = (None, None, None);
        while let Some(c) = self.next_child()? {
            match self.data(&c) {
                Some("Koodi") => set_once!(self, koodi, &c, "Koodi", self.code(&c)?),
                Some("Nimi") => {
                    self.once(&nimi, &c, "Nimi")?;
                    nimi = self.opt_string()?;
                }
                Some("LaskennallinenArvo") => {
                    set_once!(self, arvo, &c, "LaskennallinenArvo", self.decimal(&c)?)
                }
                _ => self.skip_unknown(&c)?,
            }
        }
        let koodi = self.required(koodi, el, "Koodi")?;
        self.close();
        Ok(AsteikkoArvosana {
            avain,
            koodi,
            nimi,
            laskennallinen_arvo: arvo,
        })
    }

    /// `Nimi` and `JulkinenLisatieto`: text with an optional `kieli` (often absent, §2.9).
    fn nimi(&mut self, el: &El<'i>) -> Result<Nimi> {
        let kieli = self.opt_attr(el, "kieli")?;
        let teksti = self.string()?;
        Ok(Nimi { kieli, teksti })
    }

    /// `Myontaja`: the code as text (1.06), or, in interface version 1.05, an organisation with
    /// `Rooli`, `Koodi` and `Osuus` children whose `Koodi` is the code (virta.md §2.1).
    fn myontaja(&mut self, el: &El<'i>) -> Result<String> {
        let rest = self.src.get(self.position()..).unwrap_or("").trim_start();
        let nested = rest.starts_with('<') && !rest.starts_with("</");
        if !nested {
            return self.code(el);
        }
        let mut koodi = None;
        while let Some(c) = self.next_child()? {
            match self.data(&c) {
                Some("Koodi") => set_once!(self, koodi, &c, "Koodi", self.code(&c)?),
                _ => self.skip_unknown(&c)?,
            }
        }
        let koodi = self.required(koodi, el, "Koodi")?;
        self.close();
        Ok(koodi)
    }

    fn organisaatio(&mut self, el: &El<'i>) -> Result<OrganisaatioRooli> {
        let (mut rooli, mut koodi, mut osuus) = (None, None, None);
        while let Some(c) = self.next_child()? {
            match self.data(&c) {
                Some("Rooli") => set_once!(self, rooli, &c, "Rooli", self.code(&c)?),
                Some("Koodi") => set_once!(self, koodi, &c, "Koodi", self.code(&c)?),
                Some("Osuus") => set_once!(self, osuus, &c, "Osuus", self.decimal(&c)?),
                _ => self.skip_unknown(&c)?,
            }
        }
        let rooli = self.required(rooli, el, "Rooli")?;
        let koodi = self.required(koodi, el, "Koodi")?;
        self.close();
        Ok(OrganisaatioRooli {
            rooli,
            koodi,
            osuus,
        })
    }

    fn koulutusala_osuus(&mut self, el: &El<'i>) -> Result<KoulutusalaOsuus> {
        let (mut koodi, mut osuus) = (None, None);
        while let Some(c) = self.next_child()? {
            match self.data(&c) {
                Some("Koodi") => set_once!(self, koodi, &c, "Koodi", self.koulutusala(&c)?),
                Some("Osuus") => set_once!(self, osuus, &c, "Osuus", self.decimal(&c)?),
                _ => self.skip_unknown(&c)?,
            }
        }
        let KoulutusalaVersio { koodi, versio } = self.required(koodi, el, "Koodi")?;
        self.close();
        Ok(KoulutusalaOsuus {
            koodi,
            versio,
            osuus,
        })
    }

    /// A field-of-education code with its required `versio` attribute.
    fn koulutusala(&mut self, el: &El<'i>) -> Result<KoulutusalaVersio> {
        let versio = self.required_attr(el, "versio")?;
        let koodi = self.code(el)?;
        Ok(KoulutusalaVersio { koodi, versio })
    }

    fn sisaltyvyys(&mut self, el: &El<'i>) -> Result<Sisaltyvyys> {
        let avain = self.required_attr(el, "sisaltyvaOpintosuoritusAvain")?;
        let mut opintopiste = None;
        while let Some(c) = self.next_child()? {
            match self.data(&c) {
                Some("Opintopiste") => {
                    set_once!(self, opintopiste, &c, "Opintopiste", self.decimal(&c)?)
                }
                _ => self.skip_unknown(&c)?,
            }
        }
        self.close();
        Ok(Sisaltyvyys {
            sisaltyva_opintosuoritus_avain: avain,
            opintopiste,
        })
    }

    // ---- study rights ------------------------------------------------------------------------

    fn opiskeluoikeus(&mut self, el: &El<'i>) -> Result<Opiskeluoikeus> {
        let line = self.line_of(el.offset);
        let avain = self.required_attr(el, "avain")?;
        let opiskelija_avain = self.required_attr(el, "opiskelijaAvain")?;
        let (mut alku, mut loppu, mut tyyppi, mut myontaja) = (None, None, None, None);
        let (mut koulutusala, mut erikoistumis, mut siirto, mut laajuus, mut jotpa) =
            (None, None, None, None, None);
        let (mut tila, mut organisaatio, mut jakso, mut ensisijaisuus) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut liittyvyys, mut maksut) = (Vec::new(), Vec::new());
        while let Some(c) = self.next_child()? {
            match self.data(&c) {
                Some("AlkuPvm") => set_once!(self, alku, &c, "AlkuPvm", self.pvm(&c)?),
                Some("LoppuPvm") => set_once!(self, loppu, &c, "LoppuPvm", self.pvm(&c)?),
                Some("Tila") => tila.push(self.tila(&c)?),
                Some("Tyyppi") => set_once!(self, tyyppi, &c, "Tyyppi", self.code(&c)?),
                Some("Myontaja") => {
                    set_once!(self, myontaja, &c, "Myontaja", self.myontaja(&c)?)
                }
                Some("Organisaatio") => organisaatio.push(self.organisaatio(&c)?),
                Some("Jakso") => jakso.push(self.jakso(&c)?),
                Some("Ensisijaisuus") => ensisijaisuus.push(self.aikajakso(&c)?),
                Some("Koulutusala") => {
                    set_once!(self, koulutusala, &c, "Koulutusala", self.koulutusala(&c)?)
                }
                Some("Erikoistumiskoulutus") => {
                    self.once(&erikoistumis, &c, "Erikoistumiskoulutus")?;
                    erikoistumis = self.opt_string()?;
                }
                Some("Liittyvyys") => {
                    liittyvyys.push(self.required_attr(&c, "liittyvaOpiskeluoikeusAvain")?);
                    self.skip()?;
                }
                Some("SiirtoOpiskelija") => {
                    set_once!(self, siirto, &c, "SiirtoOpiskelija", self.siirto(&c)?)
                }
                Some("Laajuus") => set_once!(self, laajuus, &c, "Laajuus", self.laajuus()?),
                Some("LukuvuosiMaksu") => maksut.push(self.lukuvuosi_maksu(&c)?),
                Some("Jotpaasianumero") => {
                    self.once(&jotpa, &c, "Jotpaasianumero")?;
                    jotpa = self.opt_string()?;
                }
                _ => self.skip_unknown(&c)?,
            }
        }
        let tila = self.at_least_one(tila, el, "Tila")?;
        let alku_pvm = match alku {
            Some(alku) => alku,
            // Issue 17: a study right without AlkuPvm starts on its earliest status period.
            None => {
                let earliest = tila.iter().map(|t| t.alku_pvm).min();
                let alku = self.required(earliest, el, "AlkuPvm")?;
                self.quirks.push(Quirk {
                    kind: QuirkKind::StudyRightStartFromTila,
                    line,
                });
                alku
            }
        };
        let oikeus = Opiskeluoikeus {
            avain,
            opiskelija_avain,
            alku_pvm,
            loppu_pvm: loppu,
            tila,
            tyyppi: self.required(tyyppi, el, "Tyyppi")?,
            myontaja: self.required(myontaja, el, "Myontaja")?,
            organisaatio,
            jakso,
            ensisijaisuus,
            koulutusala,
            erikoistumiskoulutus: erikoistumis,
            liittyvyys,
            siirto_opiskelija: siirto,
            laajuus,
            lukuvuosi_maksu: maksut,
            jotpaasianumero: jotpa,
            line,
        };
        self.close();
        Ok(oikeus)
    }

    fn aikajakso(&mut self, el: &El<'i>) -> Result<Aikajakso> {
        let (mut alku, mut loppu) = (None, None);
        while let Some(c) = self.next_child()? {
            match self.data(&c) {
                Some("AlkuPvm") => set_once!(self, alku, &c, "AlkuPvm", self.pvm(&c)?),
                Some("LoppuPvm") => set_once!(self, loppu, &c, "LoppuPvm", self.pvm(&c)?),
                _ => self.skip_unknown(&c)?,
            }
        }
        let alku_pvm = self.required(alku, el, "AlkuPvm")?;
        self.close();
        Ok(Aikajakso {
            alku_pvm,
            loppu_pvm: loppu,
        })
    }

    fn tila(&mut self, el: &El<'i>) -> Result<OpiskeluoikeusTila> {
        let (mut alku, mut loppu, mut koodi) = (None, None, None);
        while let Some(c) = self.next_child()? {
            match self.data(&c) {
                Some("AlkuPvm") => set_once!(self, alku, &c, "AlkuPvm", self.pvm(&c)?),
                Some("LoppuPvm") => set_once!(self, loppu, &c, "LoppuPvm", self.pvm(&c)?),
                Some("Koodi") => set_once!(self, koodi, &c, "Koodi", self.code(&c)?),
                _ => self.skip_unknown(&c)?,
            }
        }
        let alku_pvm = self.required(alku, el, "AlkuPvm")?;
        let koodi = self.required(koodi, el, "Koodi")?;
        self.close();
        Ok(OpiskeluoikeusTila {
            alku_pvm,
            loppu_pvm: loppu,
            koodi,
        })
    }

    fn jakso(&mut self, el: &El<'i>) -> Result<Jakso> {
        let koulutusmoduulitunniste = self.required_attr(el, "koulutusmoduulitunniste")?;
        let valtakunnallinen = self.opt_attr(el, "valtakunnallinenKoulutusmoduulitunniste")?;
        let (mut alku, mut loppu, mut koulutuskoodi, mut kunta) = (None, None, None, None);
        let (mut kieli, mut rahoitus) = (None, None);
        let (mut patevyys, mut luokittelu, mut nimi) = (Vec::new(), Vec::new(), Vec::new());
        while let Some(c) = self.next_child()? {
            match self.data(&c) {
                Some("AlkuPvm") => set_once!(self, alku, &c, "AlkuPvm", self.pvm(&c)?),
                Some("LoppuPvm") => set_once!(self, loppu, &c, "LoppuPvm", self.pvm(&c)?),
                Some("Koulutuskoodi") => {
                    self.once(&koulutuskoodi, &c, "Koulutuskoodi")?;
                    koulutuskoodi = self.opt_string()?;
                }
                Some("Koulutuskunta") => {
                    set_once!(self, kunta, &c, "Koulutuskunta", self.code(&c)?)
                }
                Some("Koulutuskieli") => {
                    self.once(&kieli, &c, "Koulutuskieli")?;
                    kieli = self.opt_string()?;
                }
                Some("Rahoituslahde") => {
                    self.once(&rahoitus, &c, "Rahoituslahde")?;
                    rahoitus = self.opt_string()?;
                }
                Some("Patevyys") => patevyys.extend(self.opt_string()?),
                Some("Luokittelu") => luokittelu.extend(self.opt_string()?),
                Some("Nimi") => nimi.push(self.nimi(&c)?),
                _ => self.skip_unknown(&c)?,
            }
        }
        let jakso = Jakso {
            koulutusmoduulitunniste,
            valtakunnallinen_koulutusmoduulitunniste: valtakunnallinen,
            alku_pvm: self.required(alku, el, "AlkuPvm")?,
            loppu_pvm: loppu,
            koulutuskoodi,
            koulutuskunta: self.required(kunta, el, "Koulutuskunta")?,
            koulutuskieli: kieli,
            rahoituslahde: rahoitus,
            patevyys,
            luokittelu,
            nimi,
        };
        self.close();
        Ok(jakso)
    }

    fn siirto(&mut self, el: &El<'i>) -> Result<SiirtoOpiskelija> {
        let lahde = self.opt_attr(el, "lahdeOpiskeluoikeusAvain")?;
        let (mut siirto_pvm, mut kertymat) = (None, Vec::new());
        while let Some(c) = self.next_child()? {
            match self.data(&c) {
                Some("SiirtoPvm") => set_once!(self, siirto_pvm, &c, "SiirtoPvm", self.pvm(&c)?),
                Some("Lukukausikertyma") => kertymat.push(self.lukukausikertyma(&c)?),
                _ => self.skip_unknown(&c)?,
            }
        }
        let siirto = SiirtoOpiskelija {
            lahde_opiskeluoikeus_avain: lahde,
            siirto_pvm: self.required(siirto_pvm, el, "SiirtoPvm")?,
            // Tolerated when missing (virta.md §9): the transfer date is what is used.
            lukukausikertyma: kertymat,
        };
        self.close();
        Ok(siirto)
    }

    fn lukukausikertyma(&mut self, el: &El<'i>) -> Result<Lukukausikertyma> {
        let (mut tila, mut maara) = (None, None);
        while let Some(c) = self.next_child()? {
            match self.data(&c) {
                Some("IlmoittautuminenTila") => {
                    set_once!(self, tila, &c, "IlmoittautuminenTila", self.code(&c)?)
                }
                Some("Maara") => set_once!(self, maara, &c, "Maara", self.short(&c)?),
                _ => self.skip_unknown(&c)?,
            }
        }
        let ilmoittautuminen_tila = self.required(tila, el, "IlmoittautuminenTila")?;
        let maara = self.required(maara, el, "Maara")?;
        self.close();
        Ok(Lukukausikertyma {
            ilmoittautuminen_tila,
            maara,
        })
    }

    fn lukuvuosi_maksu(&mut self, el: &El<'i>) -> Result<LukuvuosiMaksu> {
        let (mut alku, mut loppu, mut summa) = (None, None, None);
        while let Some(c) = self.next_child()? {
            match self.data(&c) {
                Some("AlkuPvm") => set_once!(self, alku, &c, "AlkuPvm", self.pvm(&c)?),
                Some("LoppuPvm") => set_once!(self, loppu, &c, "LoppuPvm", self.pvm(&c)?),
                Some("Summa") => set_once!(self, summa, &c, "Summa", self.code(&c)?),
                _ => self.skip_unknown(&c)?,
            }
        }
        let maksu = LukuvuosiMaksu {
            alku_pvm: self.required(alku, el, "AlkuPvm")?,
            loppu_pvm: loppu,
            summa: self.required(summa, el, "Summa")?,
        };
        self.close();
        Ok(maksu)
    }
}

impl<'i> Parser<'i> {
    /// The local name of an element in the data namespace (VIRTA's, or none for a document
    /// that declares none).
    fn data(&self, el: &El<'i>) -> Option<&'i str> {
        (el.ns == self.data_ns).then_some(el.name)
    }

    /// Reads one record with `read`; a defect in its content leaves it out, with its reason, and
    /// reading goes on after it (issue 17). Broken XML still fails the document.
    fn record<T>(
        &mut self,
        el: &El<'i>,
        element: &'static str,
        read: impl FnOnce(&mut Self, &El<'i>) -> Result<T>,
    ) -> Result<std::result::Result<T, Rejected>> {
        let depth = self.depth() - 1;
        match read(self, el) {
            Ok(value) => Ok(Ok(value)),
            Err(e) if e.is_record_defect() => {
                self.recover(depth)?;
                let avain = self.opt_attr(el, "avain").ok().flatten();
                let myontaja =
                    sniff_myontaja(&self.src[el.offset..self.position().min(self.src.len())]);
                Ok(Err(Rejected {
                    element,
                    avain,
                    myontaja,
                    line: self.line_of(el.offset),
                    reason: e.kind().to_string(),
                    detail: e.to_string(),
                }))
            }
            Err(e) => Err(e),
        }
    }
}

/// The text of the first `Myontaja` element in a record's source, if it looks like a code.
fn sniff_myontaja(src: &str) -> Option<String> {
    let at = src.find("Myontaja>")? + "Myontaja>".len();
    let rest = &src[at..];
    let code = rest[..rest.find('<')?].trim();
    let plausible =
        !code.is_empty() && code.len() <= 16 && code.bytes().all(|b| b.is_ascii_alphanumeric());
    plausible.then(|| code.to_owned())
}
