//! English stemming that remembers: the same Snowball stems as tantivy's
//! `Stemmer`, each word worked out once per analyzer and then looked up.
//!
//! Words follow Zipf's law, so a few thousand distinct words make up most of
//! what is indexed; stemming was the largest part of indexing a post after
//! the postings themselves. The memory is per analyzer (an indexing thread's
//! segment has its own), starts empty on every clone (searches clone the
//! analyzer and analyse a few words), and stops growing at [`MAX_WORDS`].

use std::collections::HashMap;

use frostem::{Algorithm, Stemmer};
use rustc_hash::FxBuildHasher;
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Words remembered per analyzer; about 2 MB when full. Later new words are
/// still stemmed, just not remembered.
pub const MAX_WORDS: usize = 50_000;

/// The filter: put it after lower-casing and accent folding, as tantivy's `Stemmer`.
#[derive(Clone, Copy, Default)]
pub struct RememberingStemmer;

impl TokenFilter for RememberingStemmer {
    type Tokenizer<T: Tokenizer> = RememberingStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> RememberingStemmerFilter<T> {
        RememberingStemmerFilter {
            inner: tokenizer,
            stems: Stems::default(),
        }
    }
}

pub struct RememberingStemmerFilter<T> {
    inner: T,
    stems: Stems,
}

/// A clone starts with an empty memory: cloning stays cheap for searches.
impl<T: Clone> Clone for RememberingStemmerFilter<T> {
    fn clone(&self) -> Self {
        RememberingStemmerFilter {
            inner: self.inner.clone(),
            stems: Stems::default(),
        }
    }
}

impl<T: Tokenizer> Tokenizer for RememberingStemmerFilter<T> {
    type TokenStream<'a> = RememberingStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        RememberingStemmerStream {
            tail: self.inner.token_stream(text),
            stems: &mut self.stems,
        }
    }
}

pub struct RememberingStemmerStream<'a, T> {
    tail: T,
    stems: &'a mut Stems,
}

impl<T: TokenStream> TokenStream for RememberingStemmerStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        self.stems.stem_in_place(&mut self.tail.token_mut().text);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

struct Stems {
    stemmer: Stemmer,
    /// Word → stem, both packed into 16 bytes: 32 bytes an entry and no
    /// pointer to follow on a hit.
    known: HashMap<Packed, Packed, FxBuildHasher>,
}

/// A word of up to 16 bytes, zero-padded: a token never holds a zero byte,
/// so the padding also gives the length.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Packed(u128);

impl Packed {
    fn of(word: &str) -> Option<Packed> {
        let mut bytes = [0u8; 16];
        bytes.get_mut(..word.len())?.copy_from_slice(word.as_bytes());
        Some(Packed(u128::from_le_bytes(bytes)))
    }

    fn write_to(self, word: &mut String) {
        let bytes = self.0.to_le_bytes();
        let len = 16 - (self.0.leading_zeros() / 8) as usize;
        word.clear();
        // Packed from a `&str`, so the bytes are UTF-8.
        word.push_str(std::str::from_utf8(&bytes[..len]).unwrap_or_default());
    }
}

impl Default for Stems {
    fn default() -> Self {
        Stems {
            stemmer: Stemmer::new(Algorithm::English),
            known: HashMap::default(),
        }
    }
}

impl Stems {
    fn stem_in_place(&mut self, word: &mut String) {
        let Some(packed) = Packed::of(word) else {
            // Longer words are rare: stemmed every time.
            if let std::borrow::Cow::Owned(stem) = self.stemmer.stem(word) {
                *word = stem;
            }
            return;
        };
        if let Some(stem) = self.known.get(&packed) {
            stem.write_to(word);
            return;
        }
        let stem = self.stemmer.stem(word).into_owned();
        if self.known.len() < MAX_WORDS
            && let Some(packed_stem) = Packed::of(&stem)
        {
            self.known.insert(packed, packed_stem);
        }
        *word = stem;
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{LowerCaser, SimpleTokenizer, Stemmer as TantivyStemmer, TextAnalyzer};

    use super::*;
    use crate::search::schema::analyzed as tokens;

    fn remembering() -> TextAnalyzer {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(RememberingStemmer)
            .build()
    }

    const TEXT: &str = "Councils meeting councils; the council met and meets, running runners ran. \
        Generously generous generalisations: general generalise. Internationalisation's \
        institutionalisations ζωή Ærøskøbing naïvetés. Communities' community \
        COMMUNITY communal. Fruitlessly fruitless. Sky skies skiing. News newsletters";

    #[test]
    fn stems_as_tantivy_does_the_first_time_and_every_time_after() {
        let mut reference = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(TantivyStemmer::default())
            .build();
        let expected = tokens(&mut reference, TEXT);
        assert!(expected.contains(&"council".to_owned()) && expected.contains(&"communiti".to_owned()));
        let mut ours = remembering();
        // Twice through the same analyzer: the second time every word is remembered.
        assert_eq!(tokens(&mut ours, TEXT), expected);
        assert_eq!(tokens(&mut ours, TEXT), expected);
        // A clone starts afresh and still agrees.
        assert_eq!(tokens(&mut ours.clone(), TEXT), expected);
    }

    #[test]
    fn memory_stops_growing_at_its_limit_and_stemming_goes_on() {
        let mut stems = Stems::default();
        for i in 0..MAX_WORDS + 10 {
            let mut word = format!("meet{i}s");
            stems.stem_in_place(&mut word);
        }
        assert_eq!(stems.known.len(), MAX_WORDS);
        let mut word = "councils".to_owned();
        stems.stem_in_place(&mut word);
        assert_eq!(word, "council");
        assert_eq!(stems.known.len(), MAX_WORDS);
    }
}
