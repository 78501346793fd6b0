#!/usr/bin/env python3
"""Writes a small data set in the seed notebook's format into experiments/data/seed-notebook/:
labels.csv (`image,label label ...`, twelve attribute prefixes like the notebook's scraped file)
and images/*.png (24×24 RGB garments: one silhouette per clothing category, random colours,
background noise). Seeded: the same files on every run. Standard library only.

Usage: python3 scripts/seed-notebook-data.py [OUT_DIR]
"""
import os
import random
import struct
import sys
import zlib

CATEGORIES = ["shirt", "outerwear", "t-shirt", "dress", "tank_top", "suit", "sweater"]
OTHER_CATEGORIES = ["jacket"]  # outside the notebook's seven values: unlabelled for that group
COLOURS = {"red": (200, 40, 40), "blue": (40, 60, 200), "black": (20, 20, 20), "white": (235, 235, 235), "green": (40, 160, 60)}
SIZE = 24
PER_CATEGORY = 80

# Silhouettes on a 24×24 grid: lists of (x0, y0, x1, y1) rectangles.
SHAPES = {
    "shirt": [(6, 4, 18, 20), (2, 4, 6, 14), (18, 4, 22, 14)],
    "outerwear": [(4, 2, 20, 22), (0, 2, 4, 20), (20, 2, 24, 20)],
    "t-shirt": [(7, 5, 17, 19), (3, 5, 7, 9), (17, 5, 21, 9)],
    "dress": [(9, 2, 15, 10), (6, 10, 18, 22)],
    "tank_top": [(8, 4, 16, 20), (8, 2, 10, 4), (14, 2, 16, 4)],
    "suit": [(5, 3, 19, 21), (11, 3, 13, 21), (1, 3, 5, 21), (19, 3, 23, 21)],
    "sweater": [(5, 6, 19, 18), (1, 6, 5, 18), (19, 6, 23, 18), (5, 18, 19, 20)],
    "jacket": [(4, 4, 20, 20), (0, 4, 4, 18), (20, 4, 24, 18)],
}


def png(width, height, rows):
    """Encodes 8-bit RGB rows (bytes of width*3) as a PNG file."""
    raw = b"".join(b"\x00" + r for r in rows)
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def garment(rng, category, colour):
    pixels = [[tuple(rng.randrange(90, 170) for _ in range(3)) for _ in range(SIZE)] for _ in range(SIZE)]
    dx, dy = rng.randrange(-2, 3), rng.randrange(-2, 3)
    for x0, y0, x1, y1 in SHAPES[category]:
        for y in range(max(0, y0 + dy), min(SIZE, y1 + dy)):
            for x in range(max(0, x0 + dx), min(SIZE, x1 + dx)):
                pixels[y][x] = tuple(max(0, min(255, c + rng.randrange(-25, 26))) for c in colour)
    return png(SIZE, SIZE, [bytes(v for p in row for v in p) for row in pixels])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "experiments", "data", "seed-notebook")
    rng = random.Random(2018)
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    lines = ["image,labels"]
    n = 0
    for category in CATEGORIES + OTHER_CATEGORIES:
        count = PER_CATEGORY if category in CATEGORIES else 6
        for _ in range(count):
            colour = rng.choice(sorted(COLOURS))
            name = f"{n:04d}.png"
            with open(os.path.join(out, "images", name), "wb") as f:
                f.write(garment(rng, category, COLOURS[colour]))
            labels = [f"clothing_category_{category}", f"major_color_{colour}",
                      f"wearing_hat_{rng.choice(['yes', 'no'])}", f"sleeve_length_{rng.choice(['long', 'short', 'none'])}",
                      f"clothing_pattern_{rng.choice(['solid', 'striped', 'floral'])}", f"wearing_scarf_{rng.choice(['yes', 'no'])}",
                      f"wearing_jacket_{rng.choice(['yes', 'no'])}", f"wearing_glasses_{rng.choice(['yes', 'no'])}",
                      f"wearing_necktie_{rng.choice(['yes', 'no'])}", f"collar_presence_{rng.choice(['yes', 'no'])}",
                      f"neckline_shape_{rng.choice(['round', 'folded', 'v-shape'])}", f"multiple_layers_{rng.choice(['yes', 'no'])}"]
            if rng.random() < 0.05:  # a scraper's misspelt prefix, as in real files
                labels[1] = "colour_" + colour
            rng.shuffle(labels)
            lines.append(f"{name},{' '.join(labels)}")
            n += 1
    with open(os.path.join(out, "labels.csv"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {n} images and {os.path.join(out, 'labels.csv')}")


if __name__ == "__main__":
    main()
