"""Every study of the course, declared once: `make results` runs them, the notebooks load them.

A study (``helpers.results.Study``) is a set of configurations trained on one learning-rate
grid over paired seeds, up to a number of epochs with early stopping. Its results are stored in
``results/<name>.csv`` and analysed in the notebook named in its comment, under the course's
protocol (``helpers.protocol``). Changing a declaration makes its stored table stale: a test
then fails until `make results` has run it again.
"""

import numpy as np

from .results import Study

# Notebook 02: ReLU against the leaky family, with a fixed slope of 0.25 beside PReLU (which
# starts at 0.25), so that "learning the slope" is separated from "having a slope of 0.25".
# SGD with momentum 0.9 as in He et al. (2015); He initialisation with each slope.
RELU_FAMILY = Study(
    name="02-relu-family",
    data="digits",
    configs={"ReLU": {"activation": "relu"},
             "Leaky ReLU 0.01": {"activation": "leaky_relu"},
             "Leaky ReLU 0.25 (fixed)": {"activation": "leaky_relu",
                                         "activation_params": {"negative_slope": 0.25}},
             "PReLU channel-wise": {"activation": "prelu"},
             "PReLU shared": {"activation": "prelu",
                              "activation_params": {"channelwise": False}}},
    lrs=tuple(float(10**k) for k in np.arange(-3.0, 0.0, 0.5)),  # 0.001 ... 0.316
    seeds=tuple(range(20)),
    epochs=60,
    patience=10,
    common={"hidden": (64, 64, 64, 64), "optimizer": "sgd", "momentum": 0.9,
            "batch_size": 32},
)

# A grid of factor sqrt(10) from 1e-4 to 3e-2, for Adam.
ADAM_GRID = tuple(float(10**k) for k in np.arange(-4.0, -1.0, 0.5))

# Notebook 03: a deep network (16 hidden layers of 64 units) with SELU and LeCun's
# initialisation, against ReLU with He's, ReLU with batch norm before each activation, and
# ELU (alpha = 1, SELU without its two constants) with He's, as for the ReLU family.
DEEP_SELU = Study(
    name="03-deep-selu",
    data="digits",
    configs={"SELU (LeCun)": {"activation": "selu"},
             "ReLU (He)": {"activation": "relu"},
             "ReLU + batch norm": {"activation": "relu", "norm": "batch"},
             "ELU (He)": {"activation": "elu"}},
    lrs=ADAM_GRID,
    seeds=tuple(range(10)),
    epochs=60,
    patience=10,
    common={"hidden": (64,) * 16, "optimizer": "adam", "batch_size": 32},
)

# Notebook 04: the normalizations head to head (8 hidden layers of 64 units), SELU's
# internal normalization among them.
HEAD_TO_HEAD = Study(
    name="04-head-to-head",
    data="digits",
    configs={"ReLU": {"activation": "relu"},
             "ReLU + batch norm": {"activation": "relu", "norm": "batch"},
             "ReLU + layer norm": {"activation": "relu", "norm": "layer"},
             "ReLU + RMSNorm": {"activation": "relu", "norm": "rms"},
             "SELU (internal)": {"activation": "selu"}},
    lrs=ADAM_GRID,
    seeds=tuple(range(10)),
    epochs=60,
    patience=10,
    common={"hidden": (64,) * 8, "optimizer": "adam", "batch_size": 32},
)

# Notebook 05: Wu & He's (2018) batch-size experiment on MNIST-1D. The paper's CNN (ReLU)
# with batch norm or group norm (5 groups of 5 channels) after each convolution, trained at
# batch sizes 32 down to 2 for the same number of epochs (8: 256 steps at batch 100 ... 12,800
# at batch 2), each with its learning rate chosen on validation from a grid of factor sqrt(10).
BATCH_GRID = tuple(float(10**k) for k in np.arange(-4.0, -1.0, 0.5))  # 1e-4 ... 0.032
BATCH_SIZES = (2, 4, 8, 16, 32)
BATCH_SIZE = Study(
    name="05-batch-size",
    data="mnist1d",
    configs={f"{name}, batch {b}": {"norm": norm, "batch_size": b}
             for name, norm in {"batch norm": "batch", "group norm": "group"}.items()
             for b in BATCH_SIZES},
    lrs=BATCH_GRID,
    seeds=tuple(range(10)),
    epochs=8,
    common={"architecture": "cnn", "activation": "relu", "optimizer": "adam",
            "init": "matched"},
)

# Notebook 06 (the capstone, MNIST-1D): one designed set of comparisons, each changing one
# thing. Every activation at depth 4 without normalization; ReLU with each normalization at
# depth 4; at depth 16 ReLU and SiLU, plain and residual (so that architecture and activation
# are separated), and ReLU with batch norm; and the MNIST-1D paper's MLP (two layers of 256,
# the second residual) under the same protocol. Every activation's weights get its matched
# gain (``init.matched_gain``: He's for the ReLU family, LeCun's for SELU). Evaluated after
# every epoch of 32 steps, so that budgets of 250, 1,000 and 4,000 steps and convergence
# (early stopping, at most 4,800 steps) are read from the same runs.
MNIST1D_GRID = tuple(float(10**k) for k in np.arange(-3.5, -0.5, 0.5))  # 3.2e-4 ... 0.1
CAPSTONE_ACTIVATIONS = {"ReLU": "relu", "Leaky ReLU": "leaky_relu", "PReLU": "prelu",
                        "ELU": "elu", "SELU": "selu", "GELU": "gelu", "SiLU": "silu"}
CAPSTONE_NORMS = {"batch norm": "batch", "layer norm": "layer", "RMSNorm": "rms"}
CAPSTONE = Study(
    name="06-capstone",
    data="mnist1d",
    configs={
        **{f"{name}, depth 4": {"activation": act, "hidden": (64,) * 4}
           for name, act in CAPSTONE_ACTIVATIONS.items()},
        **{f"ReLU + {name}, depth 4": {"activation": "relu", "norm": norm, "hidden": (64,) * 4}
           for name, norm in CAPSTONE_NORMS.items()},
        "ReLU, depth 16": {"activation": "relu", "hidden": (64,) * 16},
        "ReLU, depth 16, residual": {"activation": "relu", "hidden": (64,) * 16,
                                     "residual": True},
        "SiLU, depth 16": {"activation": "silu", "hidden": (64,) * 16},
        "SiLU, depth 16, residual": {"activation": "silu", "hidden": (64,) * 16,
                                     "residual": True},
        "ReLU + batch norm, depth 16": {"activation": "relu", "norm": "batch",
                                        "hidden": (64,) * 16},
        "paper's MLP": {"activation": "relu", "hidden": (256, 256), "residual": True},
    },
    lrs=MNIST1D_GRID,
    seeds=tuple(range(10)),
    epochs=150,
    patience=20,
    common={"optimizer": "adam", "batch_size": 100, "init": "matched"},
)

# Notebook 06: the MNIST-1D paper's CNN (``models.cnn``: three convolutions of 25 channels,
# stride 2, a Linear layer) under the same protocol as the MLPs: the architecture against the
# MLPs of CAPSTONE, then activations and normalizations inside it (PReLU beside a slope fixed
# at its start, 0.25, as in notebook 02; group norm with 5 groups of 5 channels).
CNN_GRID = tuple(float(10**k) for k in np.arange(-3.0, -0.5, 0.5))  # 0.001 ... 0.1
CNN = Study(
    name="06-cnn",
    data="mnist1d",
    configs={"CNN, ReLU": {"activation": "relu"},
             "CNN, PReLU": {"activation": "prelu"},
             "CNN, Leaky ReLU 0.25 (fixed)": {"activation": "leaky_relu",
                                              "activation_params": {"negative_slope": 0.25}},
             "CNN, SiLU": {"activation": "silu"},
             "CNN, ReLU + batch norm": {"activation": "relu", "norm": "batch"},
             "CNN, ReLU + layer norm": {"activation": "relu", "norm": "layer"},
             "CNN, ReLU + group norm": {"activation": "relu", "norm": "group"}},
    lrs=CNN_GRID,
    seeds=tuple(range(10)),
    epochs=100,
    patience=15,
    common={"architecture": "cnn", "optimizer": "adam", "batch_size": 100, "init": "matched"},
)

# Notebook 06's calibration: the MNIST-1D paper's MLP with the paper's recipe (Adam 0.01,
# batches of 100, 6,000 steps, the last step reported) on the paper's split (4,000 training
# sequences as generated) and on the course's (3,200, scaled on the training split).
PAPER_MLP = Study(
    name="06-paper-mlp",
    data="mnist1d",
    configs={"paper's split": {"data": "mnist1d-paper", "epochs": 150},   # 40 steps an epoch
             "course's split": {"epochs": 188}},                        # 32 steps an epoch
    lrs=(0.01,),
    seeds=tuple(range(10)),
    epochs=150,
    common={"activation": "relu", "hidden": (256, 256), "residual": True, "optimizer": "adam",
            "batch_size": 100},
    calibration=True,
)

# Notebook 06's second calibration: the paper's CNN with the paper's recipe (as PAPER_MLP; the
# paper's CNN starts from PyTorch's default initialisation, this one from He's).
PAPER_CNN = Study(
    name="06-paper-cnn",
    data="mnist1d",
    configs={"paper's split": {"data": "mnist1d-paper", "epochs": 150},   # 40 steps an epoch
             "course's split": {"epochs": 188}},                        # 32 steps an epoch
    lrs=(0.01,),
    seeds=tuple(range(10)),
    epochs=150,
    common={"architecture": "cnn", "activation": "relu", "optimizer": "adam",
            "batch_size": 100},
    calibration=True,
)

STUDIES = {study.name: study for study in [RELU_FAMILY, DEEP_SELU, HEAD_TO_HEAD, BATCH_SIZE,
                                           CAPSTONE, CNN, PAPER_MLP, PAPER_CNN]}
