"""Drawn-object images for the embedded dataset: the class is the object's shape.

Colour, texture, background, position, scale, rotation and noise are drawn at random per image,
independently of the class, so a colour histogram cannot solve the task; a convnet must learn the
shape from edges and corners.
"""

from collections.abc import Sequence

import numpy as np

CLASS_NAMES = ("circle", "square", "triangle", "star", "cross", "ring", "crescent",
               "semicircle", "bar", "l_shape")


def _polygon(u: np.ndarray, v: np.ndarray, radii: Sequence[float]) -> np.ndarray:
    """Inside test for a star-shaped polygon with vertices at equal angles and given radii."""
    n = len(radii)
    angles = np.arange(n) * 2 * np.pi / n
    theta = np.mod(np.arctan2(v, u), 2 * np.pi)
    k = np.floor(theta / (2 * np.pi / n)).astype(int) % n
    r0, r1 = np.asarray(radii)[k], np.asarray(radii)[(k + 1) % n]
    a0, a1 = angles[k], angles[(k + 1) % n]
    x0, y0, x1, y1 = r0 * np.cos(a0), r0 * np.sin(a0), r1 * np.cos(a1), r1 * np.sin(a1)
    cross = (x1 - x0) * (v - y0) - (y1 - y0) * (u - x0)
    return cross >= 0


def shape_mask(name: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Mask of a unit-size shape in object coordinates (u, v) (about [-1, 1]^2)."""
    r = np.hypot(u, v)
    if name == "circle":
        return r <= 1
    if name == "square":
        return np.maximum(np.abs(u), np.abs(v)) <= 0.8
    if name == "triangle":
        return _polygon(u, v, [1.0] * 3)
    if name == "star":
        return _polygon(u, v, [1.0, 0.42] * 5)
    if name == "cross":
        return ((np.abs(u) < 0.3) & (np.abs(v) < 0.95)) | ((np.abs(v) < 0.3) & (np.abs(u) < 0.95))
    if name == "ring":
        return (r <= 1) & (r >= 0.6)
    if name == "crescent":
        return (r <= 1) & (np.hypot(u - 0.55, v) >= 0.8)
    if name == "semicircle":
        return (r <= 1) & (v >= 0)
    if name == "bar":
        return (np.abs(u) <= 1) & (np.abs(v) <= 0.3)
    if name == "l_shape":
        return ((np.abs(u + 0.6) <= 0.3) & (np.abs(v) <= 0.95)) | (
            (np.abs(v - 0.65) <= 0.3) & (u >= -0.9) & (u <= 0.6))
    raise ValueError(f"unknown shape {name!r}")


def _texture(rng: np.random.Generator, ys: np.ndarray, xs: np.ndarray, h: int,
             w: int) -> np.ndarray:
    """A random RGB texture in [0, 1] at the sample points ys (rows) x xs (columns) of an h x w
    scene: flat, gradient, stripes, checks or smooth noise. Periods are in scene pixels."""
    y, x = ys[:, None], xs[None, :]
    a, b = rng.uniform(0, 1, 3).astype("float32"), rng.uniform(0, 1, 3).astype("float32")
    kind = rng.integers(5)
    if kind == 0:
        t = np.zeros((len(ys), len(xs)), "float32")
    elif kind == 1:
        angle = rng.uniform(0, np.pi)
        t = x * np.float32(np.cos(angle)) + y * np.float32(np.sin(angle))
        t = (t - t.min()) / max(np.ptp(t), 1.0)
    elif kind == 2:
        angle, period = rng.uniform(0, np.pi), rng.uniform(6, 24)
        t = (x * np.float32(np.cos(angle)) + y * np.float32(np.sin(angle))) * np.float32(
            2 * np.pi / period)
        t = np.sin(t) > 0
    elif kind == 3:
        period = np.float32(rng.uniform(8, 30))
        t = (y // period + x // period) % 2
    else:
        coarse = rng.uniform(0, 1, (rng.integers(3, 8), rng.integers(3, 8))).astype("float32")
        rows = np.clip(np.round(ys * ((coarse.shape[0] - 1) / max(h - 1, 1))), 0,
                       coarse.shape[0] - 1).astype(int)
        cols = np.clip(np.round(xs * ((coarse.shape[1] - 1) / max(w - 1, 1))), 0,
                       coarse.shape[1] - 1).astype(int)
        t = coarse[rows][:, cols]
    t = np.broadcast_to(t, (len(ys), len(xs))).astype("float32")[..., None]
    return a + (b - a) * t


# Rendering below the scene's own size: each output pixel averages SUPERSAMPLE x SUPERSAMPLE
# samples of the scene, so that stripes and thin strokes are not aliased away.
SUPERSAMPLE = 2


def _sample_points(h: int, w: int,
                   side: int | None) -> tuple[np.ndarray, np.ndarray, int, float]:
    """(rows, columns, samples per pixel, pixels per scene pixel): the scene coordinates where an
    h x w scene is sampled when rendered with its shorter side at `side` pixels (None: the
    scene's own pixels)."""
    if side is None:
        return np.arange(h, dtype="float32"), np.arange(w, dtype="float32"), 1, 1.0
    scale = side / min(h, w)
    out_h, out_w = (side, max(side, round(w * scale))) if h <= w else (
        max(side, round(h * scale)), side)
    k = SUPERSAMPLE if scale < 1 else 1
    rows = (np.arange(out_h * k, dtype="float32") + 0.5) / np.float32(scale * k) - 0.5
    cols = (np.arange(out_w * k, dtype="float32") + 0.5) / np.float32(scale * k) - 0.5
    return rows, cols, k, scale


def render(rng: np.random.Generator, label: int, min_side: int = 128, max_side: int = 320,
           side: int | None = None) -> np.ndarray:
    """One uint8 RGB image of class `label`: a scene of random size (shorter side in
    [min_side, max_side] scene pixels) and aspect ratio, drawn at one pixel per scene pixel, or,
    with `side`, the same scene rendered with its shorter side at `side` pixels (what a camera
    with fewer pixels would see: textures, strokes and the object keep their size relative to
    the image, and the pixel noise is that of the scene's pixels averaged over the output pixel,
    as an area downscale of the full-size image would give)."""
    h = int(rng.integers(min_side, max_side + 1))
    w = int(np.clip(h * rng.uniform(0.65, 1.55), min_side, max_side))
    ys, xs, k, scale = _sample_points(h, w, side)
    y, x = ys[:, None], xs[None, :]
    image = _texture(rng, ys, xs, h, w)
    # A few clutter strokes, so that edges alone do not give the object away.
    for _ in range(rng.integers(0, 4)):
        angle, offset = rng.uniform(0, np.pi), rng.uniform(-0.5, 0.5) * min(h, w)
        dist = np.abs((x - w / 2) * np.float32(np.sin(angle))
                      - (y - h / 2) * np.float32(np.cos(angle)) - np.float32(offset))
        image[dist < rng.uniform(1, 3)] = rng.uniform(0, 1, 3)
    size = rng.uniform(0.22, 0.42) * min(h, w)
    # Centre inside the central square (the crop AlexNet's training protocol keeps).
    short = min(h, w)
    cy = rng.uniform(size, short - size) + (h - short) / 2
    cx = rng.uniform(size, short - size) + (w - short) / 2
    angle = rng.uniform(0, 2 * np.pi)
    du, dv = (x - np.float32(cx)) / np.float32(size), (y - np.float32(cy)) / np.float32(size)
    c, s = np.float32(np.cos(angle)), np.float32(np.sin(angle))
    u, v = du * c + dv * s, -du * s + dv * c
    mask = shape_mask(CLASS_NAMES[label], u, v)
    fill = _texture(rng, ys, xs, h, w)
    # Keep the object visible against the background: push its colour away from it.
    contrast = np.sign(fill.mean() - image[mask].mean() + 1e-3) * 0.25 if mask.any() else 0
    image[mask] = np.clip(fill[mask] + np.float32(contrast), 0, 1)
    if k > 1:
        image = image.reshape(len(ys) // k, k, len(xs) // k, k, 3).mean(axis=(1, 3))
    # Pixel noise: an average of n x n independent scene pixels has 1/n of their deviation.
    noise = np.float32(rng.uniform(2, 12) * min(scale, 1.0))
    image = image * 255 + noise * rng.standard_normal(image.shape, "float32")
    return np.clip(image, 0, 255).astype("uint8")
