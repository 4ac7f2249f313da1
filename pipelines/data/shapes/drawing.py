"""Drawn-object images for the embedded dataset: the class is the object's shape.

Colour, texture, background, position, scale, rotation and noise are drawn at random per image,
independently of the class, so a colour histogram cannot solve the task; a convnet must learn the
shape from edges and corners.
"""

import numpy as np

CLASS_NAMES = ("circle", "square", "triangle", "star", "cross", "ring", "crescent",
               "semicircle", "bar", "l_shape")


def _polygon(u, v, radii):
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


def shape_mask(name, u, v):
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


def _texture(rng, h, w):
    """A random RGB texture in [0, 1]: flat, gradient, stripes, checks or smooth noise."""
    y, x = np.mgrid[0:h, 0:w].astype("float32")
    a, b = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
    kind = rng.integers(5)
    if kind == 0:
        t = np.zeros((h, w), "float32")
    elif kind == 1:
        angle = rng.uniform(0, np.pi)
        t = (x * np.cos(angle) + y * np.sin(angle))
        t = (t - t.min()) / max(np.ptp(t), 1.0)
    elif kind == 2:
        angle, period = rng.uniform(0, np.pi), rng.uniform(6, 24)
        t = (np.sin((x * np.cos(angle) + y * np.sin(angle)) * 2 * np.pi / period) > 0)
    elif kind == 3:
        period = rng.uniform(8, 30)
        t = ((x // period + y // period) % 2)
    else:
        coarse = rng.uniform(0, 1, (rng.integers(3, 8), rng.integers(3, 8)))
        ys = np.linspace(0, coarse.shape[0] - 1, h)
        xs = np.linspace(0, coarse.shape[1] - 1, w)
        t = coarse[np.round(ys).astype(int)][:, np.round(xs).astype(int)]
    t = t.astype("float32")[..., None]
    return a * (1 - t) + b * t


def render(rng, label, min_side=128, max_side=320):
    """One uint8 RGB image of class `label`, of random size and aspect ratio."""
    h = int(rng.integers(min_side, max_side + 1))
    w = int(np.clip(h * rng.uniform(0.65, 1.55), min_side, max_side))
    image = _texture(rng, h, w)
    # A few clutter strokes, so that edges alone do not give the object away.
    y, x = np.mgrid[0:h, 0:w].astype("float32")
    for _ in range(rng.integers(0, 4)):
        angle, offset = rng.uniform(0, np.pi), rng.uniform(-0.5, 0.5) * min(h, w)
        dist = np.abs((x - w / 2) * np.sin(angle) - (y - h / 2) * np.cos(angle) - offset)
        image[dist < rng.uniform(1, 3)] = rng.uniform(0, 1, 3)
    size = rng.uniform(0.22, 0.42) * min(h, w)
    # Centre inside the central square (the crop AlexNet's training protocol keeps).
    side = min(h, w)
    cy = rng.uniform(size, side - size) + (h - side) / 2
    cx = rng.uniform(size, side - size) + (w - side) / 2
    angle = rng.uniform(0, 2 * np.pi)
    du, dv = (x - cx) / size, (y - cy) / size
    u = du * np.cos(angle) + dv * np.sin(angle)
    v = -du * np.sin(angle) + dv * np.cos(angle)
    mask = shape_mask(CLASS_NAMES[label], u, v)
    fill = _texture(rng, h, w)
    # Keep the object visible against the background: push its colour away from it.
    contrast = np.sign(fill.mean() - image[mask].mean() + 1e-3) * 0.25 if mask.any() else 0
    image[mask] = np.clip(fill[mask] + contrast, 0, 1)
    image = image * 255 + rng.uniform(2, 12) * rng.standard_normal(image.shape, "float32")
    return np.clip(image, 0, 255).astype("uint8")
