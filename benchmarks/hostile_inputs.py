#!/usr/bin/env python3
"""The issue's large hostile archives, for benchmarks/hostile.sh (standard library only).

    python3 benchmarks/hostile_inputs.py OUT_DIR

Writes, in OUT_DIR:
- identical-8000.zip: 8,000 identical 0.05 s tracks in the Kaggle layout (their duplicate
  report grew as N^2: 2.6 GB of memory and an 864 MB report);
- identical-100000.zip: the same with 100,000 tracks (unpack was killed at 24 GB);
- ratio-800x6MiB.zip: 800 entries of 6 MiB of zeros at about 1000:1 (5 MB of zip; wrote 4.2 GB
  before the total limit stopped it).
The zips are written by hand (local headers, data, central directory), each compressed payload
deflated once and reused, so the 4.8 GB of the third never exist.
"""
import io
import os
import struct
import sys
import wave
import zlib

GENRES = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]


def tiny_wav():
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes(b"".join(struct.pack("<h", (i * 37) % 2000 - 1000) for i in range(1102)))
    return out.getvalue()


def write_zip(path, entries):
    """entries: (name, compressed bytes, crc32, uncompressed size, method) with deflate = 8."""
    directory = []
    with open(path, "wb") as f:
        for name, data, crc, size, method in entries:
            offset = f.tell()
            raw = name.encode()
            f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(data), size, len(raw), 0))
            f.write(raw)
            f.write(data)
            directory.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, crc, len(data),
                                         size, len(raw), 0, 0, 0, 0, 0, offset) + raw)
        start = f.tell()
        cd = b"".join(directory)
        f.write(cd)
        n = len(entries)
        if n > 0xFFFF:  # Zip64: the end record's 16-bit counts cannot hold it.
            zip64 = f.tell()
            f.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, len(cd), start))
            f.write(struct.pack("<IIQI", 0x07064B50, 0, zip64, 1))
            n = 0xFFFF
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(cd), start, 0))


def deflated(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def identical(path, count):
    wav = tiny_wav()
    packed, crc = deflated(wav), zlib.crc32(wav)
    entries = []
    for i in range(count):
        genre = GENRES[i % 10]
        entries.append((f"Data/genres_original/{genre}/{genre}.{i // 10:05d}.wav", packed, crc, len(wav), 8))
    write_zip(path, entries)


def ratio_bomb(path, count, size):
    zeros = bytes(size)
    packed, crc = deflated(zeros), zlib.crc32(zeros)
    entries = [(f"Data/genres_original/rock/rock.{i:05d}.wav", packed, crc, size, 8) for i in range(count)]
    write_zip(path, entries)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    identical(os.path.join(out, "identical-8000.zip"), 8000)
    identical(os.path.join(out, "identical-100000.zip"), 100000)
    ratio_bomb(os.path.join(out, "ratio-800x6MiB.zip"), 800, 6 << 20)


if __name__ == "__main__":
    main()
