#!/usr/bin/env python3
"""Writes Sturm's GTZAN index (artist and title of each excerpt) into the GTZAN manifest, in the
manifest's own format: `artists.excerpts` maps an id to `[artist, title]`, "" where Sturm's index
has none. Run once when the index changes:

    python3 scripts/manifests/import_sturm_index.py gtzan-sturm-index.txt manifests/datasets/gtzan.json

The index is `<genre>.<5 digits>.wav ::: <artist> ::: <title>` per line, `##` lines a header
(GTZAN-Bind's copy of Sturm's GTZANindex.txt). The script checks the counts the index's README
states before it writes anything.
"""
import json
import re
import sys


def parse(path):
    excerpts = {}
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("##"):
            continue
        name, artist, title = (part.strip() for part in line.split(":::"))
        assert name.endswith(".wav"), line
        excerpts[name[: -len(".wav")]] = [artist, title]
    return excerpts


def counts(excerpts):
    artists = {a for a, _ in excerpts.values() if a}
    genres = {}
    for id_, (artist, _) in excerpts.items():
        if artist:
            genres.setdefault(artist, set()).add(id_.split(".")[0])
    songs = {}
    for id_, (artist, title) in excerpts.items():
        if artist and title:
            songs.setdefault((artist, title), []).append(id_)
    return {
        "excerpts": len(excerpts),
        "withArtist": sum(1 for a, _ in excerpts.values() if a),
        "artists": len(artists),
        "artistsInTwoGenres": sorted(a for a, g in genres.items() if len(g) > 1),
        "repeatedSongs": sum(1 for ids in songs.values() if len(ids) > 1),
    }


def main(index_path, manifest_path):
    excerpts = parse(index_path)
    c = counts(excerpts)
    expected = {"excerpts": 1000, "withArtist": 919, "artists": 244, "repeatedSongs": 66}
    assert all(c[k] == v for k, v in expected.items()), c
    assert c["artistsInTwoGenres"] == ["Guns N' Roses", "Leonard Bernstein", "Queen"], c
    manifest = json.load(open(manifest_path, encoding="utf-8"))
    manifest["artists"] = {
        "name": "Sturm's index",
        "description": "Artist and title of each excerpt as Bob L. Sturm identified them; \"\" where "
        "he could not. Excerpts by one artist, or of one song, leak between partitions unless the "
        "split keeps them together.",
        "source": "Sturm's GTZANindex.txt, as copied unchanged in GTZAN-Bind "
        "(seungheondoh/gtzan-bind, dataset/metadata/sturm2013faults/GTZANindex.txt), with the "
        "corrections it credits (Cynthia Liem: classical.00080, 00081, 00097; Clemens Hage: "
        "classical.00000-00002; Dan Ellis: pop.00069, pop.00085)",
        "cite": [
            "B. L. Sturm, 'An Analysis of the GTZAN Music Genre Dataset', Proc. ACM Workshop MIRUM, "
            "Nara, Japan, 2012",
            "B. L. Sturm, 'The GTZAN dataset: Its contents, its faults, their effects on evaluation, "
            "and its future use', arXiv:1306.1461, 2013",
        ],
        "excerpts": dict(sorted(excerpts.items())),
    }
    text = json.dumps(manifest, indent=2, ensure_ascii=False)
    # One excerpt per line: `"blues.00000": ["John Lee Hooker", "..."]`.
    text = re.sub(r'\[\n\s+("(?:[^"\\]|\\.)*"),\n\s+("(?:[^"\\]|\\.)*")\n\s+\]', r"[\1, \2]", text)
    assert json.loads(text) == manifest
    with open(manifest_path, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    print(f"wrote {len(excerpts)} excerpts into {manifest_path}: {c}")


if __name__ == "__main__":
    main(*sys.argv[1:])
