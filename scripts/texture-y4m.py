#!/usr/bin/env python3
"""Writes a Y4M camera file for Chromium's --use-file-for-fake-video-capture: a textured
picture drifting across the frame, 640x360 at 20 fps (about 1.7 Mbit/s once encoded, see
docs/video.md). Pure noise would make the encoder drop resolution; a still picture would
compress to nothing. Pure Python, no download.

    scripts/texture-y4m.py /tmp/texture.y4m [seconds]
"""
import random
import sys

WIDTH, HEIGHT, FPS = 640, 360, 20


def texture(width, height):
    """A luma texture twice the frame's size: blobs, stripes and some grain, rows of bytes."""
    rng = random.Random(7)
    blobs = [(rng.randrange(width), rng.randrange(height), rng.randrange(8, 60), rng.randrange(256))
             for _ in range(400)]
    rows = []
    for y in range(height):
        row = bytearray(((x * 3 + y * 5) // 4 + ((x // 16 + y // 16) % 2) * 40) % 256 for x in range(width))
        rows.append(row)
    for cx, cy, r, value in blobs:
        for y in range(max(0, cy - r), min(height, cy + r)):
            row = rows[y]
            for x in range(max(0, cx - r), min(width, cx + r), 2):
                if (x - cx) ** 2 + (y - cy) ** 2 < r * r:
                    row[x] = value
                    row[x + 1 if x + 1 < width else x] = value
    for row in rows:
        for _ in range(width // 8):
            x = rng.randrange(width)
            row[x] = (row[x] + rng.randrange(-30, 30)) % 256
    return rows


def main():
    path = sys.argv[1]
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    big_w, big_h = WIDTH * 2, HEIGHT * 2
    luma = texture(big_w, big_h)
    chroma_u = [bytes((128 + (x + y) % 64 - 32) for x in range(big_w // 2)) for y in range(big_h // 2)]
    chroma_v = [bytes((128 + (x - y) % 48 - 24) for x in range(big_w // 2)) for y in range(big_h // 2)]
    with open(path, 'wb') as out:
        out.write(f'YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n'.encode())
        for n in range(seconds * FPS):
            # Drift right and down, a few pixels a frame (even, for the chroma planes).
            dx = (n * 6) % WIDTH // 2 * 2
            dy = (n * 2) % HEIGHT // 2 * 2
            out.write(b'FRAME\n')
            for y in range(HEIGHT):
                out.write(luma[dy + y][dx:dx + WIDTH])
            for plane in (chroma_u, chroma_v):
                for y in range(HEIGHT // 2):
                    out.write(plane[dy // 2 + y][dx // 2:dx // 2 + WIDTH // 2])


if __name__ == '__main__':
    main()
