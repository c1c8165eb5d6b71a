"""The reference notebook's feature loop, for `make bench`: librosa.load each track, cut the
10 segments of 3 s, librosa.feature.mfcc each (n_mfcc 13, n_fft 2048, hop 512), as the notebook
does. Prints the segment count and seconds taken.

usage: python librosa_loop.py DATA_DIR [MAX_TRACKS]
"""
import os
import sys
import time

import librosa

SAMPLE_RATE = 22050
SAMPLES_PER_SEGMENT = SAMPLE_RATE * 30 // 10


def main():
    root = os.path.join(sys.argv[1], "genres")
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else None
    paths = []
    for genre in sorted(os.listdir(root)):
        for name in sorted(os.listdir(os.path.join(root, genre))):
            paths.append(os.path.join(root, genre, name))
    paths = paths[:limit]
    start = time.perf_counter()
    segments = 0
    failed = 0
    for path in paths:
        try:
            signal, sr = librosa.load(path, sr=SAMPLE_RATE)
        except Exception:
            failed += 1  # the notebook crashes here; count and go on
            continue
        for d in range(10):
            s, e = d * SAMPLES_PER_SEGMENT, (d + 1) * SAMPLES_PER_SEGMENT
            if e > len(signal):
                break
            mfcc = librosa.feature.mfcc(y=signal[s:e], sr=sr, n_mfcc=13, n_fft=2048, hop_length=512).T
            segments += 1
    elapsed = time.perf_counter() - start
    print(f"{len(paths)} tracks {segments} segments {failed} failed {elapsed:.3f} s")


if __name__ == "__main__":
    main()
