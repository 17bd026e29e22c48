#!/usr/bin/env python3
"""Reference values for tests/metrics.test.ts, computed with scikit-image.

    apt-get install -y python3-skimage      # Debian: scikit-image 0.x with numpy/scipy
    /usr/bin/python3 tests/reference/skimage_metrics.py

The image pairs are defined by formulas that tests/metrics.test.ts repeats exactly
(`pairImages`): integer arithmetic or smooth functions of the pixel coordinates.
"""
import json
import numpy as np
import skimage
from skimage.metrics import mean_squared_error, peak_signal_noise_ratio, structural_similarity


def smooth_pair():
    """Grey 32 x 32: a smooth pattern and a perturbed copy, range [0, 1]."""
    y, x = np.mgrid[0:32, 0:32].astype(np.float64)
    a = 0.5 + 0.4 * np.sin(0.3 * x) * np.cos(0.2 * y)
    b = 0.5 + 0.3 * np.sin(0.3 * x + 0.4) * np.cos(0.2 * y) + 0.08 * np.cos(0.7 * x + 1.1 * y)
    return a[..., None], b[..., None], 1.0


def shifted_pair():
    """RGB 24 x 40: a periodic colour pattern and the same moved one pixel right (wrapping), range [0, 1]."""
    y, x = np.mgrid[0:24, 0:40]
    c = np.arange(3)
    a = ((x[..., None] + 2 * y[..., None] + 7 * c) % 17) / 16.0
    b = np.roll(a, 1, axis=1)
    return a, b, 1.0


def integer_pair():
    """Grey 28 x 28 with integer values 0..255 (data range 255): pseudo-random and a mixture."""
    i = np.arange(28 * 28, dtype=np.int64)
    a = (i * 7919 + 13) * 104729 % 256
    c = (i * 31 + 7) * 613 % 256
    b = (7 * a + 3 * c) // 10
    return a.reshape(28, 28, 1).astype(np.float64), b.reshape(28, 28, 1).astype(np.float64), 255.0


def main():
    out = {'skimage': skimage.__version__}
    for name, make in [('smooth', smooth_pair), ('shifted', shifted_pair), ('integer', integer_pair)]:
        a, b, r = make()
        out[name] = {
            'mse': mean_squared_error(a, b),
            'psnr': peak_signal_noise_ratio(a, b, data_range=r),
            'ssim': structural_similarity(
                a, b, data_range=r, channel_axis=-1,
                gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
            ),
        }
    print(json.dumps(out, indent=2))


if __name__ == '__main__':
    main()
