"""The leakage plot: test segment accuracy per split policy (each seed a dot, the mean a bar),
and the 10-fold cross-validation's mean and standard deviation. matplotlib, SVG.
usage: leakage_plot.py RESULTS.tsv "CV_MEAN\tCV_SD\tCV_TRACK\tCV_TRACK_SD" OUT.svg"""
import sys

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402

rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
order = ["segment", "track", "fault-filtered", "artist"]
values = {p: [float(r[2]) * 100 for r in rows if r[0] == p] for p in order}
cv = [float(x) * 100 for x in sys.argv[2].split("\t")] if sys.argv[2].strip() else None

plt.rcParams["svg.hashsalt"] = "genrekit"  # the same inputs, the same SVG
fig, ax = plt.subplots(figsize=(7, 3.6))
labels = order + (["artist\n10-fold CV"] if cv else [])
for i, p in enumerate(order):
    v = values[p]
    if v:
        ax.bar(i, sum(v) / len(v), color="#9ecae1", width=0.6)
        ax.scatter([i] * len(v), v, color="#08519c", zorder=3, s=14)
if cv:
    ax.bar(len(order), cv[0], yerr=cv[1], color="#fdae6b", width=0.6, capsize=4)
ax.set_xticks(range(len(labels)), labels)
ax.set_ylabel("test segment accuracy (%)")
ax.set_title("What each split lets leak (higher = more leak, not a better model)")
ax.set_ylim(0, 100)
ax.grid(axis="y", alpha=0.3)
fig.tight_layout()
fig.savefig(sys.argv[3], metadata={"Date": None})
