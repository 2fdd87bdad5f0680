//! A small language detector for workflow conditions: counts common function words of each
//! language it knows. It answers only when one language clearly leads; otherwise "not detected".

/// Words read at most.
const MAX_WORDS: usize = 2000;
/// Hits the leader needs.
const MIN_HITS: usize = 3;

const WORDS: [(&str, &[&str]); 7] = [
    (
        "en",
        &[
            "the", "and", "is", "are", "you", "your", "with", "for", "this", "that", "have", "not",
            "please", "thank", "would", "was", "of", "to", "my", "it",
        ],
    ),
    (
        "de",
        &[
            "der", "die", "das", "und", "ist", "nicht", "ich", "sie", "mit", "für", "ein", "eine",
            "bitte", "danke", "mein", "meine", "wir", "auf", "zu", "von",
        ],
    ),
    (
        "fr",
        &[
            "le", "la", "les", "et", "est", "vous", "je", "pas", "une", "des", "pour", "avec",
            "merci", "mon", "ma", "nous", "que", "qui", "dans", "du",
        ],
    ),
    (
        "es",
        &[
            "el", "los", "las", "y", "es", "usted", "yo", "una", "por", "para", "con", "gracias",
            "mi", "que", "del", "pero", "como", "está", "muy", "hola",
        ],
    ),
    (
        "it",
        &[
            "il", "gli", "e", "è", "sono", "non", "io", "una", "per", "con", "grazie", "mio",
            "mia", "che", "della", "del", "ciao", "questo", "come", "ho",
        ],
    ),
    (
        "nl",
        &[
            "de", "het", "een", "en", "is", "niet", "ik", "u", "met", "voor", "van", "bedankt",
            "mijn", "wij", "op", "dat", "graag", "zijn", "dank", "ook",
        ],
    ),
    (
        "pt",
        &[
            "o", "os", "as", "e", "é", "não", "eu", "você", "uma", "para", "com", "obrigado",
            "obrigada", "meu", "minha", "que", "do", "da", "em", "por",
        ],
    ),
];

/// The language of `text` as an ISO 639-1 code, when one clearly leads.
pub fn detect(text: &str) -> Option<&'static str> {
    let mut counts = [0usize; WORDS.len()];
    for w in text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
    {
        let w = w.to_lowercase();
        for (i, (_, list)) in WORDS.iter().enumerate() {
            if list.contains(&w.as_str()) {
                counts[i] += 1;
            }
        }
    }
    let mut order: Vec<usize> = (0..WORDS.len()).collect();
    order.sort_by(|a, b| counts[*b].cmp(&counts[*a]));
    let (best, second) = (counts[order[0]], counts[order[1]]);
    // The leader needs a few hits and a clear margin (a third more than the runner-up).
    (best >= MIN_HITS && best * 3 > second * 4).then(|| WORDS[order[0]].0)
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn common_languages_are_told_apart() {
        assert_eq!(
            detect("Hello, I would like to know the status of my order. Thank you for your help."),
            Some("en")
        );
        assert_eq!(
            detect(
                "Guten Tag, ich habe die Rechnung nicht bekommen. Bitte schicken Sie mir eine Kopie. Danke!"
            ),
            Some("de")
        );
        assert_eq!(
            detect(
                "Bonjour, je n'ai pas reçu ma commande. Merci de vérifier pour moi, avec les détails."
            ),
            Some("fr")
        );
        assert_eq!(
            detect("Hola, no he recibido mi pedido. Gracias por su ayuda, es muy urgente para mi."),
            Some("es")
        );
        assert_eq!(detect("ok"), None);
    }
}
