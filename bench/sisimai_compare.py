#!/usr/bin/env python3
"""Compares `fblctl parse` with Sisimai (the oracle) over the same files.

usage: bench/sisimai_compare.py FBL.jsonl SISIMAI.jsonl [--list]
  FBL.jsonl:      output of `fblctl parse PATH...`
  SISIMAI.jsonl:  output of `perl bench/sisimai_dump.pl PATH...`

A file is "decoded" by Sisimai when it returned at least one record other than
reason=delivered; by fbl when kind is bounce, feedback or auto-reply. Over the files both
decode it reports recipient-set agreement (lowercased) and hard/soft agreement per recipient,
and prints each disagreement with an automatic category.
"""
import json
import sys

PLACEHOLDER_WORDS = ("redacted", "hashed", "anonymous", "undisclosed", "libsisimai.org.invalid")


def is_placeholder(addr):
    local = addr.split("@", 1)[0]
    return any(w in addr for w in PLACEHOLDER_WORDS) or not local


def load_fbl(path):
    out = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            d = json.loads(line)
            out[d["source"]] = d
    return out


def load_sisimai(path):
    out = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            d = json.loads(line)
            recs = out.setdefault(d["source"], [])
            if d.get("decoded") and d.get("reason") != "delivered":
                recs.append(d)
    return out


def main():
    fbl = load_fbl(sys.argv[1])
    sis = load_sisimai(sys.argv[2])
    show = "--list" in sys.argv
    both = agree = 0
    class_total = class_agree = 0
    sis_only = fbl_only = 0
    disagreements = []
    for src in sorted(set(fbl) | set(sis)):
        f = fbl.get(src)
        s = sis.get(src, [])
        f_dec = f is not None and f["kind"] in ("bounce", "feedback", "auto-reply")
        s_dec = bool(s)
        if s_dec and not f_dec:
            sis_only += 1
            disagreements.append((src, "sisimai-only", sorted({r["recipient"] for r in s}), f["kind"] if f else None))
        if f_dec and not s_dec:
            fbl_only += 1
        if not (f_dec and s_dec):
            continue
        both += 1
        frec = {r.lower() for r in f["recipients"]}
        srec = {r["recipient"].lower() for r in s}
        if frec == srec:
            agree += 1
        else:
            cat = "differs"
            if {a for a in srec if not is_placeholder(a)} == frec:
                cat = "sisimai-placeholder"
            disagreements.append((src, cat, sorted(srec), sorted(frec)))
        fclass = {d["recipient"].lower(): d["class"] for d in f["deliveries"]}
        for r in s:
            if r["class"] in ("hard", "soft") and r["recipient"].lower() in fclass:
                class_total += 1
                if fclass[r["recipient"].lower()] == r["class"]:
                    class_agree += 1
                elif show:
                    print("class", src, r["recipient"], "sisimai", r["class"], r["reason"], r["status"],
                          "fbl", fclass[r["recipient"].lower()])
    print(f"files: fbl={len(fbl)} sisimai-decoded={sum(1 for v in sis.values() if v)} both-decoded={both} "
          f"sisimai-only={sis_only} fbl-only={fbl_only}")
    pct = 100.0 * agree / both if both else 0.0
    print(f"recipient agreement: {agree}/{both} = {pct:.1f}%")
    cpct = 100.0 * class_agree / class_total if class_total else 0.0
    print(f"hard/soft agreement: {class_agree}/{class_total} = {cpct:.1f}%")
    if show:
        for d in disagreements:
            print("DISAGREE", *d)


if __name__ == "__main__":
    main()
