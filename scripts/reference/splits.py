#!/usr/bin/env python3
"""Runs the split algorithms exactly as README.md writes them (its Python blocks under
"#### The split") on all 1000 GTZAN ids, grouped by Sturm's index from
manifests/datasets/gtzan.json, and writes Tests/Reference/splits/gtzan.json: for each case,
every id's partition or fold. A Swift test checks that GenreKit agrees, id by id.

Plain Python 3, no packages. From the project root:

    python3 scripts/reference/splits.py            # rewrite the fixture
    python3 scripts/reference/splits.py --check    # remake in memory and compare
"""

import json
import re
import sys

README = "README.md"
MANIFEST = "manifests/datasets/gtzan.json"
OUT = "Tests/Reference/splits/gtzan.json"


def readme_functions():
    text = open(README, encoding="utf-8").read()
    section = text[text.index("#### The split"):]
    section = section[: section.index("\n### ")]
    namespace = {}
    for block in re.findall(r"```python\n(.*?)```", section, re.S):
        exec(block, namespace)
    return namespace


def cases():
    f = readme_functions()
    manifest = json.load(open(MANIFEST, encoding="utf-8"))
    genres = manifest["genres"]
    ids = [f"{g}.{i:05d}" for g in genres for i in range(100)]
    excerpts = manifest["artists"]["excerpts"]

    def group(id):
        artist = excerpts.get(id, [""])[0]
        return artist if artist else id

    by_genre = {}
    for id in ids:
        by_genre.setdefault(id.split(".")[0], []).append(id)
    artists = [(id, id.split(".")[0], group(id)) for id in ids]
    singles = [(id, id.split(".")[0], id) for id in ids]
    return {
        "track seed 42": f["split"](by_genre, genres, seed=42),
        "artist seed 42": f["artist_split"](artists, genres, seed=42),
        "artist seed 7 70/15/15": f["artist_split"](artists, genres, seed=7, ratios=(0.7, 0.15, 0.15)),
        "artist 10 folds seed 42": f["folds"](artists, genres, 10, seed=42),
        "track 10 folds seed 42": f["folds"](singles, genres, 10, seed=42),
        "artist 5 folds seed 3": f["folds"](artists, genres, 5, seed=3),
    }


def main():
    made = json.dumps(cases(), sort_keys=True, indent=1) + "\n"
    if "--check" in sys.argv:
        same = open(OUT, encoding="utf-8").read() == made
        print(f"{OUT}: {'the same' if same else 'DIFFERS'}")
        sys.exit(0 if same else 1)
    open(OUT, "w", encoding="utf-8").write(made)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
