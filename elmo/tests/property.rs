//! Property-style round trips: a deterministic generator builds varied models (every element,
//! awkward text), and each must survive write → read unchanged, byte-stable and XSD-valid.

mod common;

use elmo::*;

/// A small deterministic generator (64-bit LCG), so failures reproduce from the seed.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self) -> bool {
        self.next().is_multiple_of(2)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn string(&mut self) -> String {
        const PIECES: &[&str] = &[
            "Ohjelmointi",
            "a & b",
            "<p>x</p>",
            "]]>",
            "\"quoted\" 'single'",
            "line\nbreak",
            "tab\there",
            "cr\r\nlf",
            "  spaced  ",
            "",
            "Åbo Akademi",
            "日本語",
            "🙂",
            "&amp;",
            "x > y",
            "5,5",
        ];
        (0..1 + self.below(3))
            .map(|_| self.pick(PIECES))
            .collect::<Vec<_>>()
            .join(" ")
    }
    fn opt_string(&mut self) -> Option<String> {
        self.chance().then(|| self.string())
    }
    fn strings(&mut self, max: usize) -> Vec<String> {
        (0..self.below(max + 1)).map(|_| self.string()).collect()
    }
    fn lang(&mut self) -> Option<String> {
        self.chance()
            .then(|| self.pick(&["fi", "sv", "en", "en-GB", "se"]).to_owned())
    }
    fn texts(&mut self, min: usize, max: usize) -> Vec<Text> {
        (0..min + self.below(max - min + 1))
            .map(|_| Text {
                lang: self.lang(),
                value: self.string(),
            })
            .collect()
    }
    fn identifiers(&mut self, max: usize) -> Vec<Identifier> {
        (0..self.below(max + 1))
            .map(|_| Identifier::new(self.pick(&["local", "schac", "a\tb\nc", ""]), self.string()))
            .collect()
    }
    fn date(&mut self) -> Date {
        let zone = self.pick(&["", "Z", "+02:00", "-05:30"]);
        format!(
            "{}-{:02}-{:02}{zone}",
            1990 + self.below(40),
            1 + self.below(12),
            1 + self.below(28)
        )
        .parse()
        .expect("date")
    }
    fn datetime(&mut self) -> DateTime {
        let fraction = self.pick(&["", ".5", ".123"]);
        let zone = self.pick(&["", "Z", "+02:00"]);
        format!(
            "2025-0{}-1{}T{:02}:{:02}:00{fraction}{zone}",
            1 + self.below(9),
            self.below(10),
            self.below(24),
            self.below(60)
        )
        .parse()
        .expect("datetime")
    }
    fn decimal(&mut self) -> Decimal {
        self.pick(&[
            "0",
            "5",
            "7.5",
            "-1.25",
            "120",
            "0.001",
            "99999999999999999999.5",
        ])
        .parse()
        .expect("decimal")
    }
    fn extension(&mut self) -> Option<Extension> {
        self.chance().then(|| {
            let xml = self.pick(&[
                r#"<fi:laji xmlns:fi="urn:example:fi">1</fi:laji>"#,
                r#"<x xmlns="urn:example:x" a="&quot;1&quot;"><y>t &amp; u</y></x><!-- note -->"#,
                r#"<a:b xmlns:a="urn:a"><![CDATA[<raw>]]></a:b>"#,
            ]);
            Extension::from_xml(xml).expect("well-formed")
        })
    }
    fn attachment(&mut self) -> Attachment {
        Attachment {
            identifiers: self.identifiers(2),
            titles: self.texts(0, 2),
            kind: self
                .chance()
                .then(|| AttachmentType::ALL[self.below(AttachmentType::ALL.len())]),
            descriptions: self.texts(0, 2),
            contents: self.texts(0, 2),
            extension: self.extension(),
        }
    }
    fn section(&mut self, depth: usize) -> DiplomaSupplementSection {
        DiplomaSupplementSection {
            number: self.pick(&["1", "4.2", "8"]).to_owned(),
            title: self.string(),
            content: self.chance().then(|| SectionContent {
                media_type: self
                    .chance()
                    .then(|| self.pick(&["text/html", "text/plain", "html"]).to_owned()),
                value: self.string(),
            }),
            additional_information: self.strings(2),
            attachments: (0..self.below(2)).map(|_| self.attachment()).collect(),
            sections: if depth < 2 {
                (0..self.below(3))
                    .map(|_| self.section(depth + 1))
                    .collect()
            } else {
                vec![]
            },
        }
    }
    fn loi(&mut self) -> Loi {
        Loi {
            identifiers: self.identifiers(2),
            start: self.chance().then(|| self.date()),
            date: self.chance().then(|| self.date()),
            academic_term: self.chance().then(|| AcademicTerm { titles: self.texts(1, 2), start: self.date(), end: self.date() }),
            status: self.chance().then(|| [Status::Passed, Status::Failed, Status::InProgress][self.below(3)]),
            grading_scheme_local_id: self.opt_string(),
            result_label: self.opt_string(),
            shortened_grading: self.chance().then(|| ShortenedGrading {
                percentage_lower: self.decimal(),
                percentage_equal: self.decimal(),
                percentage_higher: self.decimal(),
            }),
            result_distribution: self.chance().then(|| ResultDistribution {
                categories: (0..1 + self.below(3)).map(|i| ResultCategory { label: self.string(), count: i as u64 * 7 }).collect(),
                descriptions: self.texts(0, 2),
            }),
            credits: (0..self.below(3))
                .map(|_| Credit {
                    scheme: self.pick(&["ects", "ECTS", "osp"]).to_owned(),
                    level: self.chance().then(|| [CreditLevel::Bachelor, CreditLevel::Master, CreditLevel::Phd][self.below(3)]),
                    value: self.chance().then(|| self.decimal()),
                })
                .collect(),
            levels: (0..self.below(3))
                .map(|_| Level {
                    kind: self.pick(&["EQF", "NQF"]).to_owned(),
                    descriptions: self.texts(0, 1),
                    value: self.opt_string(),
                })
                .collect(),
            language_of_instruction: self.chance().then(|| self.pick(&["fi", "sv", "en"]).to_owned()),
            engagement_hours: self.chance().then(|| self.decimal()),
            attachment_refs: self.strings(2),
            grouping: self.chance().then(|| Grouping { typeref: self.opt_string(), idref: self.opt_string(), value: self.string() }),
            extension: self.extension(),
            diploma_supplement: self.chance().then(|| DiplomaSupplement {
                lang: self.lang(),
                version: "2018".to_owned(),
                issue_date: self.date(),
                introduction: if self.chance() {
                    Extension::text(&self.string())
                } else {
                    Extension::from_xml(r#"Text and <b xmlns="urn:html">markup</b>."#).expect("well-formed")
                },
                sections: (0..1 + self.below(2)).map(|_| self.section(0)).collect(),
                signature: self.chance().then(|| {
                    Extension::from_xml(r#"<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/><SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><Reference URI=""><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue>AA==</DigestValue></Reference></SignedInfo><SignatureValue>AA==</SignatureValue></Signature>"#)
                        .expect("well-formed")
                }),
            }),
        }
    }
    fn los(&mut self, depth: usize) -> Los {
        Los {
            identifiers: self.identifiers(3),
            titles: self.texts(1, 3),
            los_type: self.chance().then(|| LosType::ALL[self.below(4)]),
            subject_area: self.opt_string(),
            isced_code: self.opt_string(),
            url: self.opt_string(),
            descriptions: self.texts(0, 2),
            descriptions_html: self.texts(0, 2),
            specifies: Specifies {
                instance: self.loi(),
                extension: self.extension(),
            },
            has_part: if depth < 3 {
                (0..self.below(3)).map(|_| self.los(depth + 1)).collect()
            } else {
                vec![]
            },
            extension: self.extension(),
        }
    }
    fn elmo(&mut self) -> Elmo {
        let learner = Learner {
            citizenship: self
                .chance()
                .then(|| self.pick(&["FI", "SE", "PL"]).to_owned()),
            identifiers: self.identifiers(2),
            given_names: self.string(),
            family_name: self.string(),
            bday: self.chance().then(|| self.date().with_zone(None)),
            place_of_birth: self.opt_string(),
            birth_name: self.opt_string(),
            current_address: self.chance().then(|| {
                let lines = self.chance();
                FlexibleAddress {
                    recipient_names: self.strings(2),
                    address_lines: if lines { self.strings(4) } else { vec![] },
                    building_number: (!lines).then(|| self.opt_string()).flatten(),
                    street_name: (!lines).then(|| self.opt_string()).flatten(),
                    delivery_point_codes: if lines { vec![] } else { self.strings(2) },
                    postal_code: self.opt_string(),
                    locality: self.opt_string(),
                    country: self.chance().then(|| "FI".to_owned()),
                    ..Default::default()
                }
            }),
            gender: self.chance().then(|| {
                [
                    Gender::Unknown,
                    Gender::Male,
                    Gender::Female,
                    Gender::NotApplicable,
                ][self.below(4)]
            }),
        };
        let mut doc = Elmo::new(self.datetime(), learner);
        for _ in 0..1 + self.below(2) {
            let issuer = Issuer {
                country: self.chance().then(|| "FI".to_owned()),
                identifiers: (0..1 + self.below(2))
                    .map(|_| Identifier::new("schac", self.string()))
                    .collect(),
                titles: self.texts(1, 2),
                url: self.string(),
            };
            let mut report = Report::new(issuer, self.datetime());
            report.los = (0..self.below(3)).map(|_| self.los(0)).collect();
            report.grading_schemes = (0..self.below(3))
                .map(|_| GradingScheme {
                    local_id: self.string(),
                    descriptions: self.texts(0, 2),
                })
                .collect();
            report.attachments = (0..self.below(3)).map(|_| self.attachment()).collect();
            doc.reports.push(report);
        }
        doc.attachments = (0..self.below(3)).map(|_| self.attachment()).collect();
        doc.groups = self.chance().then(|| Groups {
            group_types: (0..self.below(3))
                .map(|_| GroupType {
                    id: self.opt_string(),
                    titles: self.texts(1, 2),
                    groups: (0..self.below(3))
                        .map(|_| Group {
                            id: self.opt_string(),
                            sorting_key: self.opt_string(),
                            titles: self.texts(1, 2),
                        })
                        .collect(),
                })
                .collect(),
        });
        doc.extension = self.extension();
        doc
    }
}

#[test]
fn generated_models_round_trip_exactly() {
    for seed in 0..200 {
        let model = Gen(seed).elmo();
        let xml = elmo::write(&model);
        let back = elmo::read(&xml)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{}", String::from_utf8_lossy(&xml)));
        assert_eq!(back, model, "seed {seed}");
        assert_eq!(elmo::write(&back), xml, "seed {seed}: not byte-stable");
    }
}

#[test]
fn writing_is_deterministic() {
    let model = Gen(7).elmo();
    let mut streamed = Vec::new();
    elmo::write_to(&model, &mut streamed).expect("write to a Vec");
    assert_eq!(elmo::write(&model), streamed);
    assert_eq!(elmo::write(&model.clone()), streamed);
}

#[test]
fn generated_documents_pass_the_xsd() {
    for seed in 0..25 {
        let xml = elmo::write(&Gen(seed).elmo());
        match common::validate(&format!("generated-{seed}.xml"), &xml) {
            None => return,
            Some(result) => assert_eq!(result, Ok(()), "seed {seed}"),
        }
    }
}

#[test]
fn characters_xml_cannot_carry_are_replaced_and_reported() {
    let mut model = Gen(1).elmo();
    model.learner.given_names = "A\u{0}B".into();
    let back = elmo::read(&elmo::write(&model)).expect("still well-formed");
    assert_eq!(back.learner.given_names, "A\u{FFFD}B");
    assert!(elmo::lint(&model).iter().any(|f| f.code == "E-XML-CHAR"));
}
