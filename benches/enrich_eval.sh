#!/usr/bin/env bash
# Measures the chat classifiers on labelled real text and on hyperseg's labelled chat sets.
#
#   benches/enrich_eval.sh [HYPERSEG_BINARY]
#
# - pt sentiment: ../shared/samples/olist_reviews_dev.csv (Olist reviews, CC BY-NC-SA 4.0: read
#   in place, never copied into the repository), stars 1-2 negative, 3 neutral, 4-5 positive.
# - en sentiment: VADER's ground truth (tweets, Amazon review snippets) from the sdist of PyPI
#   vaderSentiment 3.3.2 (MIT), fetched with pip into $CACHE (default target/enrich-eval).
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
if [ -f "$OLIST" ]; then
    "$BIN" bench enrich --eval "$OLIST" --format olist --lang pt
else
    echo "skipped: $OLIST not found" >&2
fi
for set in tweets amazonReviewSnippets; do
    "$BIN" bench enrich --eval "$CACHE/hutto_ICWSM_2014/${set}_GroundTruth.txt" --format vader --lang en
done
for lang in pt es en; do
    "$BIN" bench enrich --eval "tests/fixtures/enrich/chat_$lang.csv" --format chat --lang "$lang"
done
