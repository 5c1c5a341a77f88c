//! Behaviour of the classifiers on hand-made messages (the figures on real text are in
//! `benches/RESULTS.md`, from `hyperseg bench enrich --eval`).

use super::*;

fn c(text: &str) -> Classified {
    Classifier::get().classify(text, None, &mut Scratch::default())
}

#[test]
fn negation_flips_sentiment_in_each_language() {
    assert_eq!(c("gostei muito do produto").sentiment(), Sentiment::Positive);
    assert_eq!(c("não gostei do produto").sentiment(), Sentiment::Negative);
    assert_eq!(c("el producto es bueno").sentiment(), Sentiment::Positive);
    assert_eq!(c("el producto no es bueno").sentiment(), Sentiment::Negative);
    assert_eq!(c("the product is good").sentiment(), Sentiment::Positive);
    assert_eq!(c("the product is not good").sentiment(), Sentiment::Negative);
}

#[test]
fn intensifiers_capitals_and_exclamations_raise_the_score() {
    let plain = c("o produto é bom").score;
    assert!(c("o produto é muito bom").score > plain);
    assert!(c("o produto é BOM").score > plain);
    assert!(c("o produto é bom!!!").score > plain);
    assert!(c("la comida es muy buena").score > c("la comida es buena").score);
    assert!(c("this is very good").score > c("this is good").score);
}

#[test]
fn chat_spelling_and_emoji_count() {
    assert_eq!(c("vc é mt legal 😍").sentiment(), Sentiment::Positive);
    assert_eq!(c("pq vc n respondeu?? 😡").sentiment(), Sentiment::Negative);
    assert_eq!(c("adoreiiii").sentiment(), Sentiment::Positive);
    assert_eq!(c("👍").sentiment(), Sentiment::Positive);
    assert_eq!(c("ok").lang, Lang::Unknown);
}

#[test]
fn purchase_intent_from_price_stock_payment_and_delivery_questions() {
    assert!(c("oi, quanto custa esse tênis?").intent);
    assert!(c("vcs aceitam pix? quero comprar dois").intent);
    assert!(c("¿cuánto cuesta el envío a Lima?").intent);
    assert!(c("do you have this in size M?").intent);
    assert!(!c("meu pedido ainda não chegou, qual o código de rastreio?").intent);
    assert!(!c("não quero comprar, só olhando").intent);
    assert!(!c("what time do you open on sunday").intent);
}

#[test]
fn price_sensitivity_with_negation() {
    assert_eq!(c("achei muito caro").price(), Price::Sensitive);
    assert_eq!(c("muito carooo, faz um desconto?").price(), Price::Sensitive);
    assert_eq!(c("não é caro não, preço justo").price(), Price::Insensitive);
    assert_eq!(c("demasiado caro para mí").price(), Price::Sensitive);
    assert_eq!(c("vale la pena, buen precio").price(), Price::Insensitive);
    assert_eq!(c("too expensive, any discount?").price(), Price::Sensitive);
    assert_eq!(c("good price, I'll take it").price(), Price::Insensitive);
    assert_eq!(c("what colors do you have?").price(), Price::None);
}

#[test]
fn explanations_name_the_deciding_phrases() {
    let (class, evidence) = Classifier::get().explain("não gostei, muito caro", None);
    assert_eq!(class.sentiment(), Sentiment::Negative);
    // LeIA lists "nao gostei" as a phrase of its own; either way the negative comes from it.
    assert!(
        evidence.iter().any(|e| e.class == "sentiment" && e.phrase.contains("gostei") && e.valence < 0.0)
    );
    assert!(evidence.iter().any(|e| e.class == "sensitive" && e.phrase == "caro"));
}

#[test]
fn classification_is_deterministic_across_scratch_reuse() {
    let mut s = Scratch::default();
    let cl = Classifier::get();
    let first: Vec<Classified> =
        ["bom demais", "no me gusta", "too expensive"].iter().map(|t| cl.classify(t, None, &mut s)).collect();
    let again: Vec<Classified> =
        ["bom demais", "no me gusta", "too expensive"].iter().map(|t| cl.classify(t, None, &mut s)).collect();
    assert_eq!(first, again);
}

#[test]
fn a_bare_price_mention_asks_to_buy_only_in_a_question() {
    let en = |t| Classifier::get().classify(t, Some(Lang::En), &mut Scratch::default());
    assert!(en("what is the cost of the blue one?").intent);
    assert!(!en("the cost was fair").intent);
    let pt = |t| Classifier::get().classify(t, Some(Lang::Pt), &mut Scratch::default());
    assert!(pt("o valor do kit com 3?").intent);
    assert!(!pt("o valor do kit com 3 achei justo").intent);
}

#[test]
fn asking_for_a_discount_is_intent_and_price_sensitivity() {
    for (text, lang) in
        [("tem desconto no pix?", Lang::Pt), ("hay descuento?", Lang::Es), ("any discount?", Lang::En)]
    {
        let got = Classifier::get().classify(text, Some(lang), &mut Scratch::default());
        assert!(got.intent, "{text}");
        assert_eq!(got.price(), Price::Sensitive, "{text}");
    }
    let (_, evidence) = Classifier::get().explain("any discount?", Some(Lang::En));
    assert!(evidence.iter().any(|e| e.class == "intent" && e.phrase == "discount"), "{evidence:?}");
    // Complaining about a price is no request to buy.
    assert!(!Classifier::get().classify("too expensive", Some(Lang::En), &mut Scratch::default()).intent);
}

#[test]
fn general_intent_rules_read_questions_wishes_and_buying_verbs() {
    // A question naming something a buyer asks about, with or without a question mark.
    assert!(c("vcs fazem entrega em Niterói?").intent);
    assert!(c("o frete pra Curitiba sai quanto").intent);
    assert!(c("¿hacen envíos a Rosario?").intent);
    assert!(c("which colors does the lamp come in?").intent);
    // Asking whether the shop still has an item it points at.
    assert!(c("tem aquela jaqueta ainda?").intent);
    assert!(c("todavía tienen esa campera?").intent);
    assert!(c("do you still have that jacket?").intent);
    // A buying verb, or a wish with something to buy.
    assert!(c("vou pegar 3 pro aniversário").intent);
    assert!(c("me manda o catálogo de verão").intent);
    assert!(c("quiero 4 para la oficina").intent);
    assert!(c("send me the catalogue please").intent);
    // Not requests to buy: an order already made, a wish without an item, a wish taken back,
    // a negated verb, a complaint, a price opinion, small talk.
    assert!(!c("meu pagamento foi aprovado?").intent);
    assert!(!c("did my payment go through?").intent);
    assert!(!c("quero falar com um atendente").intent);
    assert!(!c("quero muito, mas o preço tá salgado").intent);
    assert!(!c("nunca mais compro aqui").intent);
    assert!(!c("what time do you close?").intent);
    assert!(!c("the shipping was terrible and slow, awful service?").intent);
}

#[test]
fn general_intent_rules_say_what_decided() {
    let (c, ev) = Classifier::get().explain("vcs fazem entrega em Niterói?", None);
    assert!(c.intent);
    assert!(ev.iter().any(|e| e.class == "intent" && e.phrase == "question about \"entrega\""), "{ev:?}");
    let (_, ev) = Classifier::get().explain("do you still have that jacket?", None);
    assert!(ev.iter().any(|e| e.class == "intent" && e.phrase.contains("have")), "{ev:?}");
}
