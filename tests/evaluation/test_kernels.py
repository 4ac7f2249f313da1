"""The conv1 structure index: it tells grey edges, colour blobs and noise apart."""

import numpy as np

from pipelines.evaluation import kernels as index


def grey_edges(n=8, size=11):
    x = np.linspace(-1, 1, size)
    edge = np.tanh(4 * x)[None, :] * np.ones((size, 1))
    return np.repeat(edge[:, :, None, None], 3, axis=2).repeat(n, axis=3)


def colour_blobs(n=8, size=11):
    x = np.linspace(-1, 1, size)
    blob = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) * 3)
    k = np.zeros((size, size, 3, n))
    k[..., 0, :] = blob[..., None]
    k[..., 1, :] = -blob[..., None]
    return k


def test_index_separates_edges_blobs_and_noise():
    noise = np.random.default_rng(0).standard_normal((11, 11, 3, 2000))
    assert abs(index.low_frequency_share(noise).mean() - 13 / 121) < 0.01
    assert abs(index.colour_share(noise).mean() - 2 / 3) < 0.01
    assert index.low_frequency_share(grey_edges()).min() > 0.8
    assert index.colour_share(grey_edges()).max() < 1e-9
    assert index.low_frequency_share(colour_blobs()).min() > 0.9
    assert index.colour_share(colour_blobs()).min() > 0.99


def test_report_measures_tower_specialisation_against_initialisation():
    rng = np.random.default_rng(1)
    trained = {"conv1_tower0": grey_edges() + 0.05 * rng.standard_normal((11, 11, 3, 8)),
               "conv1_tower1": colour_blobs() + 0.05 * rng.standard_normal((11, 11, 3, 8))}
    report = index.structure_report(trained, index.iid_like(trained))
    assert report["colour_separation_trained"] > 10 > report["colour_separation_initial"]
    tower0 = report["towers"]["conv1_tower0"]
    assert tower0["trained"]["low_frequency_share"][0] > 3 * tower0["initial"][
        "low_frequency_share"][0]
