"""Caffe's forward pass in numpy, NCHW, transcribed from Caffe's layers (an independent check of
the converted Keras net): grouped convolution (base_conv_layer.cpp), LRN ACROSS_CHANNELS
(lrn_layer.cpp: scale = k + alpha / size * window sum of squares), max pooling with ceil rounding
and clipped windows (pooling_layer.cpp), InnerProduct over the (C, H, W) flattening
(inner_product_layer.cpp), softmax."""

import numpy as np


def conv(x, w, b, stride=1, pad=0, group=1):
    n, c, h, wd = x.shape
    out, cin, kh, kw = w.shape
    assert cin * group == c and out % group == 0
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (x.shape[2] - kh) // stride + 1, (x.shape[3] - kw) // stride + 1
    y = np.zeros((n, out, oh, ow))
    per = out // group
    for g in range(group):
        xs = x[:, g * cin:(g + 1) * cin]
        ws = w[g * per:(g + 1) * per]
        for i in range(oh):
            for j in range(ow):
                patch = xs[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                y[:, g * per:(g + 1) * per, i, j] = np.einsum("nchw,ochw->no", patch, ws)
    return y + b[None, :, None, None]


def lrn(x, local_size=5, alpha=1.0, beta=0.75, k=1.0):
    pre = (local_size - 1) // 2
    sq = np.pad(x ** 2, ((0, 0), (pre, local_size - 1 - pre), (0, 0), (0, 0)))
    scale = k + alpha / local_size * sum(sq[:, i:i + x.shape[1]] for i in range(local_size))
    return x * scale ** -beta


def max_pool(x, kernel=3, stride=2):
    n, c, h, w = x.shape
    oh = int(np.ceil((h - kernel) / stride)) + 1
    ow = int(np.ceil((w - kernel) / stride)) + 1
    y = np.empty((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            y[:, :, i, j] = x[:, :, i * stride:min(i * stride + kernel, h),
                              j * stride:min(j * stride + kernel, w)].max(axis=(2, 3))
    return y


def alexnet(x, blobs):
    """bvlc_alexnet's deploy.prototxt on an NCHW batch; returns (fc7, probabilities)."""
    relu = lambda a: np.maximum(a, 0)
    x = max_pool(lrn(relu(conv(x, *blobs["conv1"], stride=4)), 5, 1e-4, 0.75))
    x = max_pool(lrn(relu(conv(x, *blobs["conv2"], pad=2, group=2)), 5, 1e-4, 0.75))
    x = relu(conv(x, *blobs["conv3"], pad=1))
    x = relu(conv(x, *blobs["conv4"], pad=1, group=2))
    x = max_pool(relu(conv(x, *blobs["conv5"], pad=1, group=2)))
    x = x.reshape(len(x), -1)
    fc6 = relu(x @ blobs["fc6"][0].T + blobs["fc6"][1])
    fc7 = relu(fc6 @ blobs["fc7"][0].T + blobs["fc7"][1])
    logits = fc7 @ blobs["fc8"][0].T + blobs["fc8"][1]
    e = np.exp(logits - logits.max(-1, keepdims=True))
    return fc7, e / e.sum(-1, keepdims=True)
