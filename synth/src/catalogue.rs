//! The static world the generator draws from: institutions, their degree programmes and a small
//! course catalogue per institution, so that later catalogue joins on (Myontaja,
//! koulutusmoduulitunniste) hit (virta.md §6.4).

/// A course or module name in Finnish, Swedish and English.
pub type Names = [&'static str; 3];

/// Whether an institution is a university or a university of applied sciences (UAS, AMK).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sector {
    /// Yliopisto: bachelor (Tyyppi 2) and master (Tyyppi 4) study rights.
    University,
    /// Ammattikorkeakoulu: UAS bachelor (Tyyppi 1).
    Uas,
}

/// How an institution's student information system writes keys (`avain`), names and values
/// (virta.md §2.9: formats differ per HEI/SIS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyStyle {
    /// Plain sequence numbers (`1114082124`).
    Numeric,
    /// Sisu style with a prefix (`hy-hlo-…`, `hy-att-…`).
    Sisu(&'static str),
    /// `K373315`.
    KPrefixed,
    /// `02470_1502434_MI00BB13_3_1`: institution, person, module, counter.
    Underscored,
    /// `TY¤59374¤83368¤Y`, with the non-ASCII `¤`.
    Currency,
}

/// Which `Nimi` elements an institution sends (virta.md §5: `en` on about 2/3, some Finnish only,
/// some without `kieli`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameStyle {
    FiSvEn,
    FiEn,
    FiOnly,
    /// One `Nimi` without `kieli` (Aalto in the KOSKI mocks).
    NoLang,
}

/// A degree programme an institution offers.
#[derive(Debug)]
pub struct Programme {
    /// `Jakso/@koulutusmoduulitunniste` and the degree attainment's module id.
    pub code: &'static str,
    /// Programme name.
    pub names: Names,
    /// Degree title, the `Nimi` of the `Laji` 1 attainment.
    pub degree: Names,
    /// Statistics Finland education code (Koulutuskoodi), checked against koodistot.xsd.
    pub koulutuskoodi: &'static str,
    /// Opiskeluoikeus Tyyppi: 1 UAS degree, 2 lower (bachelor), 4 higher (master) degree.
    pub tyyppi: &'static str,
    /// Degree credits (op = ECTS).
    pub credits: u32,
    /// Which topic list the major's courses come from.
    pub(crate) field: Field,
    /// Which topic list a minor-subject module comes from, if the programme has one.
    pub(crate) minor: Option<Field>,
    /// Qualification (Patevyys) the degree gives, if any.
    pub(crate) patevyys: Option<&'static str>,
}

/// A field's topic list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Computing,
    Mathematics,
    Business,
    Health,
    /// Languages, training, theses: every institution has them.
    General,
}

impl Field {
    pub(crate) fn topics(self) -> &'static [Topic] {
        match self {
            Field::Computing => COMPUTING,
            Field::Mathematics => MATHEMATICS,
            Field::Business => BUSINESS,
            Field::Health => HEALTH,
            Field::General => GENERAL,
        }
    }
}

/// A course topic shared by institutions of one field; each institution gives it its own code.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Topic {
    pub names: Names,
    pub credits: u32,
    /// Koulutusala, `ohjausala` version (virta.md §4).
    pub ohjausala: &'static str,
}

/// An institution as the generator knows it.
#[derive(Debug)]
pub struct Institution {
    /// VIRTA Myontaja code; `mappings/institutions.yaml` has the rest.
    pub code: &'static str,
    /// University or UAS.
    pub sector: Sector,
    /// Municipality (Koulutuskunta) where it teaches.
    pub(crate) kunta: &'static str,
    pub(crate) keys: KeyStyle,
    pub(crate) names: NameStyle,
    /// Decimals as `5.000000` (true) or `5`.
    pub(crate) long_decimals: bool,
    /// Booleans as `1`/`0` (true) or `true`/`false`.
    pub(crate) numeric_booleans: bool,
    /// `Koulutusala` as (`versio`, code) instead of the topic's ohjausala.
    pub(crate) koulutusala: Option<(&'static str, &'static str)>,
    /// The institution's code for topic slot `n` (topic index + 50 × variant) of a field.
    pub(crate) course_code: fn(Field, usize) -> String,
    /// Degree programmes.
    pub programmes: &'static [Programme],
}

impl Institution {
    /// The institution's code (`koulutusmoduulitunniste`) for variant `variant` (0 = the basic
    /// course, 1 = "II", ...) of topic `topic` of a field.
    pub(crate) fn course_code(&self, field: Field, topic: usize, variant: usize) -> String {
        (self.course_code)(field, topic + VARIANT_STRIDE * variant)
    }
}

/// One course as a catalogue would list it: for generating matching catalogue fixtures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueCourse {
    /// Myontaja.
    pub myontaja: &'static str,
    /// koulutusmoduulitunniste.
    pub code: String,
    /// Finnish, Swedish and English names.
    pub names: [String; 3],
    /// Nominal credits.
    pub credits: u32,
}

/// Every course code the generator can emit for an institution's topic lists, including the
/// open-university (`AY`) variants of University of Helsinki courses.
pub fn catalogue() -> Vec<CatalogueCourse> {
    let mut out = Vec::new();
    for inst in INSTITUTIONS {
        let mut fields: Vec<Field> = Vec::new();
        for p in inst.programmes {
            for f in std::iter::once(p.field).chain(p.minor) {
                if !fields.contains(&f) {
                    fields.push(f);
                }
            }
        }
        for f in fields {
            for variant in 0..CATALOGUE_VARIANTS {
                for (i, t) in f.topics().iter().enumerate() {
                    let code = inst.course_code(f, i, variant);
                    out.push(CatalogueCourse {
                        myontaja: inst.code,
                        code,
                        names: variant_names(&t.names, variant),
                        credits: t.credits,
                    });
                }
            }
        }
        for (i, g) in GENERAL.iter().enumerate() {
            let code = inst.course_code(Field::General, i, 0);
            out.push(CatalogueCourse {
                myontaja: inst.code,
                code,
                names: variant_names(&g.names, 0),
                credits: g.credits,
            });
        }
    }
    for (i, t) in COMPUTING.iter().take(OPEN_UNIVERSITY_TOPICS).enumerate() {
        let code = open_university_code(i);
        out.push(CatalogueCourse {
            myontaja: "01901",
            code,
            names: variant_names(&t.names, 0),
            credits: t.credits,
        });
    }
    out
}

/// Topic slots per variant: variant `v` of topic `i` is slot `i + 50 v`.
pub(crate) const VARIANT_STRIDE: usize = 50;
/// Variants listed in [`catalogue`]; the generator only goes beyond them for very long careers.
pub(crate) const CATALOGUE_VARIANTS: usize = 3;

/// Names of a course variant: the basic course, then "II", "III", ...
pub(crate) fn variant_names(names: &Names, variant: usize) -> [String; 3] {
    const SUFFIX: &[&str] = &["", " II", " III", " IV", " V", " VI"];
    let suffix = SUFFIX.get(variant).copied().unwrap_or(" (jatko)");
    names.map(|n| format!("{n}{suffix}"))
}

/// University of Helsinki open-university code of a computing topic (`AY` + the degree code).
pub(crate) fn open_university_code(topic: usize) -> String {
    format!("AY{}", helsinki_code(Field::Computing, topic))
}

/// How many of the first computing topics the open university offers.
pub(crate) const OPEN_UNIVERSITY_TOPICS: usize = 8;

/// Indexes into [`GENERAL`].
pub(crate) mod general {
    pub const SWEDISH_WRITTEN: usize = 0;
    pub const SWEDISH_ORAL: usize = 1;
    pub const ENGLISH: usize = 2;
    pub const MATURITY_TEST: usize = 3;
    pub const TRAINING: usize = 4;
    pub const STUDY_PLAN: usize = 5;
    pub const BACHELOR_THESIS: usize = 6;
    pub const MASTER_THESIS: usize = 7;
    pub const UAS_THESIS: usize = 8;
    pub const PROSEMINAR: usize = 9;
    pub const SEMINAR: usize = 10;
    pub const LAB_PART: usize = 11;
    pub const DI_THESIS: usize = 12;
}

/// Studies every institution has. Credits are nominal; the builder may adjust training.
pub(crate) const GENERAL: &[Topic] = &[
    t(
        [
            "Ruotsin kieli, kirjallinen taito",
            "Svenska, skriftlig färdighet",
            "Swedish, written skills",
        ],
        2,
        "1",
    ),
    t(
        [
            "Ruotsin kieli, suullinen taito",
            "Svenska, muntlig färdighet",
            "Swedish, oral skills",
        ],
        1,
        "1",
    ),
    t(
        [
            "Englannin kieli ja viestintä",
            "Engelska och kommunikation",
            "English for Academic Purposes",
        ],
        3,
        "1",
    ),
    t(["Kypsyysnäyte", "Mognadsprov", "Maturity Test"], 0, "1"),
    t(["Harjoittelu", "Praktik", "Practical Training"], 30, "12"),
    t(
        [
            "Henkilökohtainen opintosuunnitelma",
            "Personlig studieplan",
            "Personal Study Plan",
        ],
        1,
        "1",
    ),
    t(
        [
            "Kandidaatintutkielma",
            "Kandidatavhandling",
            "Bachelor's Thesis",
        ],
        10,
        "7",
    ),
    t(
        [
            "Pro gradu -tutkielma",
            "Pro gradu-avhandling",
            "Master's Thesis",
        ],
        30,
        "7",
    ),
    t(
        ["Opinnäytetyö", "Examensarbete", "Bachelor's Thesis"],
        15,
        "5",
    ),
    t(["Proseminaari", "Proseminarium", "Proseminar"], 5, "7"),
    t(
        [
            "Syventävien opintojen seminaari",
            "Seminarium för fördjupade studier",
            "Master's Seminar",
        ],
        5,
        "7",
    ),
    t(
        ["Laboratoriotyöt", "Laborationer", "Laboratory Work"],
        5,
        "7",
    ),
    t(["Diplomityö", "Diplomarbete", "Master's Thesis"], 30, "8"),
];

/// Module kinds a degree is built from.
pub(crate) const MODULES_UNIVERSITY: &[Names] = &[
    ["Perusopinnot", "Grundstudier", "Basic Studies"],
    ["Aineopinnot", "Ämnesstudier", "Intermediate Studies"],
    ["Sivuaineopinnot", "Biämnesstudier", "Minor Subject Studies"],
    ["Valinnaiset opinnot", "Valfria studier", "Optional Studies"],
    [
        "Syventävät opinnot",
        "Fördjupade studier",
        "Advanced Studies",
    ],
];
pub(crate) const MODULES_UAS: &[Names] = &[
    ["Perusopinnot", "Grundstudier", "Basic Studies"],
    ["Ammattiopinnot", "Yrkesstudier", "Professional Studies"],
    [
        "Syventävät ammattiopinnot",
        "Fördjupade yrkesstudier",
        "Advanced Professional Studies",
    ],
    [
        "Vapaasti valittavat opinnot",
        "Fritt valbara studier",
        "Elective Studies",
    ],
];

const fn t(names: Names, credits: u32, ohjausala: &'static str) -> Topic {
    Topic {
        names,
        credits,
        ohjausala,
    }
}

pub(crate) const COMPUTING: &[Topic] = &[
    t(
        [
            "Ohjelmoinnin perusteet",
            "Grunderna i programmering",
            "Introduction to Programming",
        ],
        5,
        "7",
    ),
    t(
        [
            "Ohjelmoinnin jatkokurssi",
            "Fortsättningskurs i programmering",
            "Advanced Course in Programming",
        ],
        5,
        "7",
    ),
    t(
        [
            "Tietokantojen perusteet",
            "Grunderna i databaser",
            "Introduction to Databases",
        ],
        5,
        "7",
    ),
    t(
        [
            "Tietokoneen toiminta",
            "Datorns funktion",
            "Computer Organization",
        ],
        5,
        "7",
    ),
    t(
        [
            "Tietorakenteet ja algoritmit",
            "Datastrukturer och algoritmer",
            "Data Structures and Algorithms",
        ],
        10,
        "7",
    ),
    t(
        [
            "Tietoliikenteen perusteet",
            "Grunderna i datakommunikation",
            "Computer Networks",
        ],
        5,
        "7",
    ),
    t(
        ["Käyttöjärjestelmät", "Operativsystem", "Operating Systems"],
        5,
        "7",
    ),
    t(
        [
            "Ohjelmistotuotanto",
            "Programvaruproduktion",
            "Software Engineering",
        ],
        5,
        "7",
    ),
    t(
        [
            "Ohjelmistotuotantoprojekti",
            "Programvaruprojekt",
            "Software Engineering Project",
        ],
        10,
        "7",
    ),
    t(
        [
            "Laskennan mallit",
            "Beräkningsmodeller",
            "Models of Computation",
        ],
        5,
        "7",
    ),
    t(
        [
            "Tekoälyn perusteet",
            "Grunderna i artificiell intelligens",
            "Introduction to Artificial Intelligence",
        ],
        5,
        "7",
    ),
    t(
        ["Koneoppiminen", "Maskininlärning", "Machine Learning"],
        5,
        "7",
    ),
    t(
        [
            "Tietoturvan perusteet",
            "Grunderna i informationssäkerhet",
            "Introduction to Information Security",
        ],
        5,
        "7",
    ),
    t(
        [
            "Web-palvelinohjelmointi",
            "Webbserverprogrammering",
            "Web Server Programming",
        ],
        5,
        "7",
    ),
    t(
        [
            "Käyttöliittymien suunnittelu",
            "Design av användargränssnitt",
            "User Interface Design",
        ],
        5,
        "7",
    ),
    t(
        [
            "Hajautetut järjestelmät",
            "Distribuerade system",
            "Distributed Systems",
        ],
        5,
        "7",
    ),
    t(
        [
            "Johdatus datatieteeseen",
            "Introduktion till datavetenskap",
            "Introduction to Data Science",
        ],
        5,
        "7",
    ),
    t(
        [
            "Funktionaalinen ohjelmointi",
            "Funktionell programmering",
            "Functional Programming",
        ],
        5,
        "7",
    ),
    t(
        ["Kääntäjätekniikka", "Kompilatorteknik", "Compilers"],
        5,
        "7",
    ),
    t(["Pilvipalvelut", "Molntjänster", "Cloud Computing"], 5, "7"),
    t(
        [
            "Ohjelmistoarkkitehtuurit",
            "Programvaruarkitekturer",
            "Software Architectures",
        ],
        5,
        "7",
    ),
    t(["Tiedonlouhinta", "Datautvinning", "Data Mining"], 5, "7"),
    t(["Syväoppiminen", "Djupinlärning", "Deep Learning"], 5, "7"),
    t(
        [
            "Tutkimusmenetelmät",
            "Forskningsmetoder",
            "Research Methods",
        ],
        5,
        "7",
    ),
];

pub(crate) const MATHEMATICS: &[Topic] = &[
    t(
        [
            "Johdatus yliopistomatematiikkaan",
            "Introduktion till universitetsmatematik",
            "Introduction to University Mathematics",
        ],
        5,
        "6",
    ),
    t(["Raja-arvot", "Gränsvärden", "Limits"], 5, "6"),
    t(
        [
            "Differentiaalilaskenta",
            "Differentialkalkyl",
            "Differential Calculus",
        ],
        5,
        "6",
    ),
    t(
        ["Integraalilaskenta", "Integralkalkyl", "Integral Calculus"],
        5,
        "6",
    ),
    t(
        [
            "Lineaarialgebra ja matriisilaskenta I",
            "Linjär algebra och matriser I",
            "Linear Algebra and Matrices I",
        ],
        5,
        "6",
    ),
    t(
        [
            "Lineaarialgebra ja matriisilaskenta II",
            "Linjär algebra och matriser II",
            "Linear Algebra and Matrices II",
        ],
        5,
        "6",
    ),
    t(
        [
            "Todennäköisyyslaskenta I",
            "Sannolikhetskalkyl I",
            "Probability I",
        ],
        5,
        "6",
    ),
    t(
        [
            "Tilastotieteen johdantokurssi",
            "Introduktion till statistik",
            "Introduction to Statistics",
        ],
        5,
        "6",
    ),
    t(
        [
            "Diskreetti matematiikka",
            "Diskret matematik",
            "Discrete Mathematics",
        ],
        5,
        "6",
    ),
    t(["Logiikka I", "Logik I", "Logic I"], 5, "6"),
    t(
        [
            "Numeeriset menetelmät",
            "Numeriska metoder",
            "Numerical Methods",
        ],
        5,
        "6",
    ),
    t(["Graafiteoria", "Grafteori", "Graph Theory"], 5, "6"),
    t(["Optimointi", "Optimering", "Optimization"], 5, "6"),
    t(
        [
            "Fysiikan perusteet",
            "Grunderna i fysik",
            "Basics of Physics",
        ],
        5,
        "6",
    ),
];

pub(crate) const BUSINESS: &[Topic] = &[
    t(
        [
            "Liiketoimintaosaaminen",
            "Affärskompetens",
            "Business Competence",
        ],
        5,
        "5",
    ),
    t(
        [
            "Markkinoinnin perusteet",
            "Grunderna i marknadsföring",
            "Principles of Marketing",
        ],
        5,
        "5",
    ),
    t(
        [
            "Kirjanpidon perusteet",
            "Grunderna i bokföring",
            "Basics of Accounting",
        ],
        5,
        "5",
    ),
    t(
        [
            "Johtaminen ja organisaatiot",
            "Ledarskap och organisationer",
            "Management and Organisations",
        ],
        5,
        "5",
    ),
    t(
        [
            "Talousmatematiikka",
            "Ekonomisk matematik",
            "Business Mathematics",
        ],
        5,
        "5",
    ),
    t(["Liikejuridiikka", "Affärsjuridik", "Business Law"], 5, "5"),
    t(
        ["Kansantaloustiede", "Nationalekonomi", "Economics"],
        5,
        "5",
    ),
    t(
        [
            "Myynti ja asiakkuudet",
            "Försäljning och kundrelationer",
            "Sales and Customer Relationships",
        ],
        5,
        "5",
    ),
    t(
        [
            "Digitaalinen markkinointi",
            "Digital marknadsföring",
            "Digital Marketing",
        ],
        5,
        "5",
    ),
    t(
        [
            "Budjetointi ja kustannuslaskenta",
            "Budgetering och kostnadskalkylering",
            "Budgeting and Cost Accounting",
        ],
        5,
        "5",
    ),
    t(
        [
            "Henkilöstöjohtaminen",
            "Personalledning",
            "Human Resource Management",
        ],
        5,
        "5",
    ),
    t(
        ["Projektityöskentely", "Projektarbete", "Project Work"],
        5,
        "5",
    ),
    t(["Tilinpäätös", "Bokslut", "Financial Statements"], 5, "5"),
    t(["Verotus", "Beskattning", "Taxation"], 5, "5"),
    t(
        [
            "Yritysrahoitus",
            "Företagsfinansiering",
            "Corporate Finance",
        ],
        5,
        "5",
    ),
    t(
        [
            "Kansainvälinen kauppa",
            "Internationell handel",
            "International Trade",
        ],
        5,
        "5",
    ),
    t(["Logistiikka", "Logistik", "Logistics"], 5, "5"),
    t(
        [
            "Tietojärjestelmät liiketoiminnassa",
            "Informationssystem i affärsverksamhet",
            "Business Information Systems",
        ],
        5,
        "7",
    ),
    t(
        ["Yrittäjyys", "Entreprenörskap", "Entrepreneurship"],
        5,
        "5",
    ),
    t(
        [
            "Strateginen johtaminen",
            "Strategiskt ledarskap",
            "Strategic Management",
        ],
        5,
        "5",
    ),
    t(
        ["Palvelumuotoilu", "Tjänstedesign", "Service Design"],
        5,
        "5",
    ),
    t(
        [
            "Tutkimus- ja kehittämismenetelmät",
            "Forsknings- och utvecklingsmetoder",
            "Research and Development Methods",
        ],
        5,
        "5",
    ),
    t(
        [
            "Tilastollinen analyysi",
            "Statistisk analys",
            "Statistical Analysis",
        ],
        5,
        "5",
    ),
    t(
        [
            "Vastuullinen liiketoiminta",
            "Ansvarsfull affärsverksamhet",
            "Responsible Business",
        ],
        5,
        "5",
    ),
    t(
        [
            "Asiakaskokemuksen johtaminen",
            "Ledning av kundupplevelse",
            "Customer Experience Management",
        ],
        5,
        "5",
    ),
    t(["Hankintatoimi", "Inköp", "Purchasing"], 5, "5"),
    t(
        [
            "Sähköinen liiketoiminta",
            "Elektronisk affärsverksamhet",
            "E-business",
        ],
        5,
        "5",
    ),
    t(
        [
            "Taloushallinnon ohjelmistot",
            "Ekonomiförvaltningens programvaror",
            "Accounting Software",
        ],
        5,
        "5",
    ),
    t(["Esimiestyö", "Förmanskap", "Supervisory Work"], 5, "5"),
    t(
        [
            "Kuluttajakäyttäytyminen",
            "Konsumentbeteende",
            "Consumer Behaviour",
        ],
        5,
        "5",
    ),
];

pub(crate) const HEALTH: &[Topic] = &[
    t(
        [
            "Hoitotyön perusteet",
            "Grunderna i vårdarbete",
            "Fundamentals of Nursing",
        ],
        5,
        "11",
    ),
    t(
        [
            "Anatomia ja fysiologia",
            "Anatomi och fysiologi",
            "Anatomy and Physiology",
        ],
        5,
        "11",
    ),
    t(
        ["Lääkehoito", "Läkemedelsbehandling", "Pharmacotherapy"],
        5,
        "11",
    ),
    t(
        ["Lääkelaskenta", "Läkemedelsräkning", "Drug Calculation"],
        2,
        "11",
    ),
    t(
        ["Kliininen hoitotyö", "Klinisk vård", "Clinical Nursing"],
        5,
        "11",
    ),
    t(
        [
            "Sisätautien hoitotyö",
            "Internmedicinsk vård",
            "Medical Nursing",
        ],
        5,
        "11",
    ),
    t(
        ["Kirurginen hoitotyö", "Kirurgisk vård", "Surgical Nursing"],
        5,
        "11",
    ),
    t(
        [
            "Mielenterveys- ja päihdehoitotyö",
            "Mentalvård och missbrukarvård",
            "Mental Health and Substance Abuse Nursing",
        ],
        5,
        "11",
    ),
    t(
        [
            "Lasten ja nuorten hoitotyö",
            "Vård av barn och unga",
            "Paediatric Nursing",
        ],
        5,
        "11",
    ),
    t(
        [
            "Ikääntyneiden hoitotyö",
            "Äldreomsorg",
            "Gerontological Nursing",
        ],
        5,
        "11",
    ),
    t(
        [
            "Terveyden edistäminen",
            "Hälsofrämjande",
            "Health Promotion",
        ],
        5,
        "11",
    ),
    t(
        [
            "Näyttöön perustuva hoitotyö",
            "Evidensbaserad vård",
            "Evidence-Based Nursing",
        ],
        5,
        "11",
    ),
    t(
        [
            "Ensihoito ja akuuttihoitotyö",
            "Prehospital och akut vård",
            "Emergency and Acute Nursing",
        ],
        5,
        "11",
    ),
    t(["Hoitotyön etiikka", "Vårdetik", "Nursing Ethics"], 3, "11"),
    t(
        [
            "Mikrobiologia ja infektioiden torjunta",
            "Mikrobiologi och infektionsbekämpning",
            "Microbiology and Infection Control",
        ],
        5,
        "11",
    ),
    t(["Patologia", "Patologi", "Pathology"], 3, "11"),
    t(["Kotihoito", "Hemvård", "Home Care Nursing"], 5, "11"),
    t(
        [
            "Perioperatiivinen hoitotyö",
            "Perioperativ vård",
            "Perioperative Nursing",
        ],
        5,
        "11",
    ),
    t(["Ravitsemus", "Nutrition", "Nutrition"], 3, "11"),
    t(
        ["Potilasturvallisuus", "Patientsäkerhet", "Patient Safety"],
        3,
        "11",
    ),
    t(
        [
            "Vuorovaikutus hoitotyössä",
            "Interaktion i vårdarbete",
            "Communication in Nursing",
        ],
        5,
        "11",
    ),
    t(
        [
            "Sosiaali- ja terveydenhuollon järjestelmä",
            "Social- och hälsovårdssystemet",
            "Social and Health Care System",
        ],
        3,
        "11",
    ),
    t(
        [
            "Hoitotyön johtaminen",
            "Ledarskap i vårdarbete",
            "Leadership in Nursing",
        ],
        5,
        "11",
    ),
    t(
        [
            "Tutkimus- ja kehittämistyön menetelmät",
            "Forsknings- och utvecklingsmetoder",
            "Research and Development Methods",
        ],
        5,
        "11",
    ),
];

const LUK: Names = [
    "Luonnontieteiden kandidaatti",
    "Naturvetenskaplig kandidat",
    "Bachelor of Science",
];
const FM: Names = [
    "Filosofian maisteri",
    "Filosofie magister",
    "Master of Science",
];
const DI: Names = [
    "Diplomi-insinööri",
    "Diplomingenjör",
    "Master of Science (Technology)",
];
const TRADENOMI: Names = [
    "Tradenomi (AMK)",
    "Tradenom (YH)",
    "Bachelor of Business Administration",
];
const SAIRAANHOITAJA: Names = [
    "Sairaanhoitaja (AMK)",
    "Sjukskötare (YH)",
    "Bachelor of Health Care, Nursing",
];
const TERVEYDENHOITAJA: Names = [
    "Terveydenhoitaja (AMK)",
    "Hälsovårdare (YH)",
    "Bachelor of Health Care, Public Health Nursing",
];

const fn bachelor(code: &'static str, names: Names, field: Field, minor: Field) -> Programme {
    Programme {
        code,
        names,
        degree: LUK,
        koulutuskoodi: "642101",
        tyyppi: "2",
        credits: 180,
        field,
        minor: Some(minor),
        patevyys: None,
    }
}
const fn master(code: &'static str, names: Names, field: Field) -> Programme {
    Programme {
        code,
        names,
        degree: FM,
        koulutuskoodi: "742101",
        tyyppi: "4",
        credits: 120,
        field,
        minor: None,
        patevyys: None,
    }
}
const fn di(code: &'static str, names: Names) -> Programme {
    Programme {
        code,
        names,
        degree: DI,
        koulutuskoodi: "751101",
        tyyppi: "4",
        credits: 120,
        field: Field::Computing,
        minor: Some(Field::Mathematics),
        patevyys: None,
    }
}
const fn tradenomi(code: &'static str) -> Programme {
    Programme {
        code,
        names: [
            "Liiketalouden koulutus",
            "Utbildning i företagsekonomi",
            "Degree Programme in Business Administration",
        ],
        degree: TRADENOMI,
        koulutuskoodi: "631101",
        tyyppi: "1",
        credits: 210,
        field: Field::Business,
        minor: None,
        patevyys: None,
    }
}
const fn sairaanhoitaja(code: &'static str) -> Programme {
    Programme {
        code,
        names: [
            "Sairaanhoitajakoulutus",
            "Utbildning för sjukskötare",
            "Degree Programme in Nursing",
        ],
        degree: SAIRAANHOITAJA,
        koulutuskoodi: "671101",
        tyyppi: "1",
        credits: 210,
        field: Field::Health,
        minor: None,
        // koodistot.xsd PatevyysKoodiTyyppi 12: sairaanhoitaja (AMK).
        patevyys: Some("12"),
    }
}

const CS_BSC: Names = [
    "Tietojenkäsittelytieteen kandiohjelma",
    "Kandidatprogrammet i datavetenskap",
    "Bachelor's Programme in Computer Science",
];
const CS_MSC: Names = [
    "Tietojenkäsittelytieteen maisteriohjelma",
    "Magisterprogrammet i datavetenskap",
    "Master's Programme in Computer Science",
];
const MATH_BSC: Names = [
    "Matematiikan kandiohjelma",
    "Kandidatprogrammet i matematik",
    "Bachelor's Programme in Mathematics",
];
const MATH_MSC: Names = [
    "Matematiikan maisteriohjelma",
    "Magisterprogrammet i matematik",
    "Master's Programme in Mathematics",
];

fn helsinki_code(f: Field, n: usize) -> String {
    match f {
        Field::Computing => format!("TKT{}", 10_002 + n),
        Field::Mathematics => format!("MAT{}", 11_001 + n),
        _ => format!("HY-YL{}", 101 + n),
    }
}

/// Every institution the generator uses, in a fixed order (bulk learners index into it).
pub static INSTITUTIONS: &[Institution] = &[
    Institution {
        code: "01901",
        sector: Sector::University,
        kunta: "091",
        keys: KeyStyle::Sisu("hy"),
        names: NameStyle::FiSvEn,
        long_decimals: false,
        numeric_booleans: false,
        koulutusala: None,
        course_code: helsinki_code,
        programmes: &[
            bachelor("KH50_009", CS_BSC, Field::Computing, Field::Mathematics),
            master("MH50_009", CS_MSC, Field::Computing),
        ],
    },
    Institution {
        code: "10122",
        sector: Sector::University,
        kunta: "837",
        keys: KeyStyle::Sisu("tuni"),
        names: NameStyle::FiEn,
        long_decimals: true,
        numeric_booleans: true,
        koulutusala: None,
        course_code: |f, n| match f {
            Field::Computing => format!("COMP.CS.{}", 100 + n * 10),
            Field::Mathematics => format!("MAT-{}", 11_100 + n * 10),
            _ => format!("TUNI-YL{}", 101 + n),
        },
        programmes: &[
            bachelor("TUNI-KH-TKT", CS_BSC, Field::Computing, Field::Mathematics),
            master("TUNI-MH-TKT", CS_MSC, Field::Computing),
        ],
    },
    Institution {
        code: "10076",
        sector: Sector::University,
        kunta: "049",
        keys: KeyStyle::Numeric,
        names: NameStyle::NoLang,
        long_decimals: true,
        numeric_booleans: true,
        koulutusala: Some(("opm95opa", "89")),
        course_code: |f, n| match f {
            Field::Computing if n < 12 => format!("CS-A{}", 1110 + n * 10),
            Field::Computing => format!("CS-E{}", 4000 + (n - 12) * 10),
            Field::Mathematics => format!("MS-A{:04}", 1 + n * 10),
            _ => format!("LC-{}", 1000 + n),
        },
        programmes: &[di(
            "SCI3042",
            [
                "Tietotekniikan maisteriohjelma",
                "Magisterprogrammet i datateknik",
                "Master's Programme in Computer Science",
            ],
        )],
    },
    Institution {
        code: "10088",
        sector: Sector::University,
        kunta: "167",
        keys: KeyStyle::Numeric,
        names: NameStyle::FiEn,
        long_decimals: true,
        numeric_booleans: false,
        koulutusala: None,
        course_code: |f, n| match f {
            Field::Computing => format!("3621{:03}", 100 + n),
            Field::Mathematics => format!("3622{:03}", 100 + n),
            _ => format!("3620{:03}", 100 + n),
        },
        programmes: &[
            bachelor("UEF-KH-TKT", CS_BSC, Field::Computing, Field::Mathematics),
            master("UEF-MH-TKT", CS_MSC, Field::Computing),
        ],
    },
    Institution {
        code: "01906",
        sector: Sector::University,
        kunta: "179",
        keys: KeyStyle::Sisu("jy"),
        names: NameStyle::FiSvEn,
        long_decimals: false,
        numeric_booleans: false,
        koulutusala: None,
        course_code: |f, n| match f {
            Field::Mathematics => format!("MATA{}", 101 + n),
            Field::Computing => format!("TJTA{}", 101 + n),
            _ => format!("JY-YL{}", 101 + n),
        },
        programmes: &[
            bachelor("JY-KH-MAT", MATH_BSC, Field::Mathematics, Field::Computing),
            master("JY-MH-MAT", MATH_MSC, Field::Mathematics),
        ],
    },
    Institution {
        code: "10089",
        sector: Sector::University,
        kunta: "853",
        keys: KeyStyle::Currency,
        names: NameStyle::FiEn,
        long_decimals: false,
        numeric_booleans: true,
        koulutusala: None,
        course_code: |f, n| match f {
            Field::Mathematics => format!("MATE{:04}", 1001 + n),
            Field::Computing => format!("TKO_{:04}", 2001 + n),
            _ => format!("UTU-YL{}", 101 + n),
        },
        programmes: &[
            bachelor("UTU-KH-MAT", MATH_BSC, Field::Mathematics, Field::Computing),
            master("UTU-MH-MAT", MATH_MSC, Field::Mathematics),
        ],
    },
    Institution {
        code: "01914",
        sector: Sector::University,
        kunta: "405",
        keys: KeyStyle::Numeric,
        names: NameStyle::FiEn,
        long_decimals: true,
        numeric_booleans: true,
        koulutusala: None,
        course_code: |f, n| match f {
            Field::Computing => format!("CT60A{:04}", 100 + n),
            Field::Mathematics => format!("BM20A{:04}", 100 + n),
            _ => format!("LUT-YL{}", 101 + n),
        },
        programmes: &[di(
            "LUT-DI-SE",
            [
                "Ohjelmistotuotannon DI-ohjelma",
                "DI-programmet i programvaruteknik",
                "Master's Programme in Software Engineering",
            ],
        )],
    },
    Institution {
        code: "10056",
        sector: Sector::Uas,
        kunta: "091",
        keys: KeyStyle::Numeric,
        names: NameStyle::FiEn,
        long_decimals: false,
        numeric_booleans: false,
        koulutusala: None,
        course_code: |f, n| match f {
            Field::General => format!("HH-YL{}", 101 + n),
            _ => format!("BUS{}", 1000 + n),
        },
        programmes: &[tradenomi("HH-LIIKETALOUS")],
    },
    Institution {
        code: "02470",
        sector: Sector::Uas,
        kunta: "398",
        keys: KeyStyle::Underscored,
        names: NameStyle::FiOnly,
        long_decimals: false,
        numeric_booleans: true,
        koulutusala: Some(("opmala", "3")),
        course_code: |f, n| match f {
            Field::General => format!("LAMK-YL{}", 101 + n),
            _ => format!("LT00BB{n:03}"),
        },
        programmes: &[tradenomi("LAMK-LT")],
    },
    Institution {
        code: "02504",
        sector: Sector::Uas,
        kunta: "179",
        keys: KeyStyle::Numeric,
        names: NameStyle::FiEn,
        long_decimals: false,
        numeric_booleans: false,
        koulutusala: None,
        course_code: |f, n| match f {
            Field::General => format!("ZZPP{:04}", 9000 + n),
            _ => format!("ZZPP{:04}", 1000 + n),
        },
        programmes: &[tradenomi("JAMK-LIIKETALOUS")],
    },
    Institution {
        code: "02472",
        sector: Sector::Uas,
        kunta: "743",
        keys: KeyStyle::KPrefixed,
        names: NameStyle::FiSvEn,
        long_decimals: false,
        numeric_booleans: true,
        koulutusala: None,
        course_code: |f, n| match f {
            Field::General => format!("SH-YL-{:03}", 1 + n),
            _ => format!(
                "SH-{}-{:03}",
                1 + n / VARIANT_STRIDE,
                n % VARIANT_STRIDE + 1
            ),
        },
        programmes: &[sairaanhoitaja("SEAMK-SH")],
    },
    Institution {
        code: "10065",
        sector: Sector::Uas,
        kunta: "091",
        keys: KeyStyle::Numeric,
        names: NameStyle::FiEn,
        long_decimals: false,
        numeric_booleans: false,
        koulutusala: None,
        course_code: |f, n| match f {
            Field::Health => format!("TX00{}", 1200 + n),
            Field::Business => format!("TX00{}", 2200 + n),
            _ => format!("TX00{}", 3200 + n),
        },
        programmes: &[sairaanhoitaja("METROPOLIA-SH"), tradenomi("METROPOLIA-LT")],
    },
    Institution {
        code: "02536",
        sector: Sector::Uas,
        kunta: "272",
        keys: KeyStyle::Numeric,
        names: NameStyle::FiOnly,
        long_decimals: false,
        numeric_booleans: false,
        koulutusala: None,
        course_code: |f, n| match f {
            Field::General => format!("TH-YL{}", 101 + n),
            _ => format!("TH{:04}", 100 + n),
        },
        programmes: &[Programme {
            code: "671103TH Terveydenhoitajakoulutus",
            names: [
                "Terveydenhoitajakoulutus",
                "Utbildning för hälsovårdare",
                "Degree Programme in Public Health Nursing",
            ],
            degree: TERVEYDENHOITAJA,
            koulutuskoodi: "671103",
            tyyppi: "1",
            credits: 240,
            field: Field::Health,
            minor: None,
            // koodistot.xsd PatevyysKoodiTyyppi 13: terveydenhoitaja (AMK).
            patevyys: Some("13"),
        }],
    },
];

/// The institution with this Myontaja code (only codes from [`INSTITUTIONS`]).
pub(crate) fn institution(code: &str) -> &'static Institution {
    INSTITUTIONS
        .iter()
        .find(|i| i.code == code)
        .unwrap_or(&INSTITUTIONS[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_codes_are_unique_per_institution() {
        let cat = catalogue();
        let mut keys: Vec<(&str, &str)> =
            cat.iter().map(|c| (c.myontaja, c.code.as_str())).collect();
        let n = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(
            keys.len(),
            n,
            "a course code repeats within one institution"
        );
        assert!(
            cat.iter()
                .any(|c| c.myontaja == "01901" && c.code == "TKT10002")
        );
        assert!(
            cat.iter()
                .any(|c| c.myontaja == "10122" && c.code == "MAT-11100")
        );
    }
}
