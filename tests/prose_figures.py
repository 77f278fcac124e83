"""Figures the notebooks' text may quote without a cell backing them (tests/test_prose_figures.py).

Declare a figure here only if it is not a measurement, under one of these categories:

    math     an exact constant or a derivation (0.25, the maximum of sigmoid')
    paper    a published value; the reason cites it (authors, year)
    setting  a value the course chose: a hyperparameter, a convention, a value to try
    article  a number quoted from the source article in order to discuss it

A measured figure is never declared: assert it in a cell, or print it in a cell whose output nbval
compares. Write each figure as the test reports it (no spaces or braces: 34%, 10^-16, 5×10^-3,
×2). A declaration covers every occurrence of the figure in its notebook, so each must still occur
there, once declared.
"""

CATEGORIES = {"math", "paper", "setting", "article"}

DECLARED = {
    "05-convolutions.ipynb": [
        ("94%", "paper", "MNIST-1D's CNN accuracy, Greydanus & Kobak (2024)"),
        ("68%", "paper", "MNIST-1D's MLP accuracy (either order), Greydanus & Kobak (2024)"),
        ("56%", "paper", "the CNN on shuffled positions, Greydanus & Kobak (2024)"),
        ("23.6%", "paper", "Wu & He (2018), batch norm's ResNet-50 top-1 error at 32 per GPU"),
        ("24.8%", "paper", "Wu & He (2018), batch norm's error at 8 images per GPU"),
        ("34.7%", "paper", "Wu & He (2018), batch norm's error at 2 images per GPU"),
        ("24.1%", "paper", "Wu & He (2018), group norm's error, about the same at every size"),
        ("0.5", "paper", "Wu & He (2018): group norm 24.1 % against batch norm 23.6 % at 32"),
        ("0.0001", "setting", "studies.BATCH_GRID's smallest rate, 10^-4"),
        ("0.032", "setting", "studies.BATCH_GRID's largest rate, 10^-1.5"),
        ("0.596", "paper", "He et al. (2015), Table 1: channel-wise PReLU's first-layer mean"),
        ("0.152", "paper", "He et al. (2015), Table 1: channel-wise mean of conv3_2"),
        ("0.464", "paper", "He et al. (2015), Table 1: channel-wise mean of conv2_4"),
        ("1.2", "paper", "He et al. (2015), Table 2: PReLU's drop in top-1 error, 33.82 -> 32.64"),
    ],
    "06-choosing.ipynb": [
        ("68%", "paper", "MNIST-1D's MLP accuracy reported by Greydanus & Kobak (2024)"),
        ("0.0625", "math", "2/32: the smallest two-sided sign-flip p-value with 5 paired seeds"),
        ("0.044715", "paper", "the constant of GELU's tanh approximation, Hendrycks & Gimpel 2016"),
        ("0.999", "setting", "Adam's beta_2 (Kingma & Ba's default, helpers.optim.Adam's)"),
        ("10^-8", "setting", "Adam's epsilon (Kingma & Ba's default, helpers.optim.Adam's)"),
        ("10^4", "math", "(1 / 0.01)^2: the ratio of the squared gradients before and after"),
        ("33.82%", "paper", "ReLU's top-1 error, 14-layer ImageNet net: He et al. 2015, Table 2"),
        ("32.64%", "paper", "PReLU's top-1 error, 14-layer ImageNet net: He et al. 2015, Table 2"),
        ("1.2", "paper", "PReLU's gain in top-1 error on ImageNet: He et al. 2015, Table 2"),
        ("0.012", "paper", "He et al. 2015, Table 2: the 1.2 points of top-1 error as accuracy"),
        ("5.5", "paper", "Xu et al. 2015: the very leaky ReLU's a = 5.5 (slope 1/a)"),
        ("0.18", "math", "1/5.5, the slope of Xu et al.'s (2015) very leaky ReLU"),
        ("0.845", "paper", "a single SNN's Tox21 AUC, Klambauer et al. 2017"),
        ("0.846", "paper", "the Tox21 winning ensemble's AUC, as Klambauer et al. 2017 quote it"),
        ("0.98", "paper", "the SNN's HTRU2 AUC (0.9803), Klambauer et al. 2017, Table 3"),
    ],
    "07-pytorch.ipynb": [
        ("0.0032", "setting", "CAPSTONE_BEST's learning rate, 10^-2.5, a point of 06's grid"),
        ("1.56", "math", "SiLU's matched gain: g with E[silu(g z)^2] = 1 (init.matched_gain)"),
        ("10^-5", "setting", "the normalisations' epsilon in the course (PyTorch's LayerNorm's)"),
        ("2×10^-16", "math", "float64's machine epsilon, 2^-52 ≈ 2.2e-16: nn.RMSNorm's default "
         "for float64 inputs"),
        ("0.75", "math", "calculate_gain('selu') = 3/4, a weight std of 0.75/sqrt(n)"),
        ("0.5625", "math", "the variance (3/4)² = 0.5625 of that gain"),
        ("0.99", "setting", "Keras' default batch-norm momentum (the weight of the old average)"),
        ("1.46", "math", "ln(1 + 9/e): the least loss when probabilities are fed as logits"),
    ],
    "00-start-here.ipynb": [
        ("3.0", "setting", "Try it 2: the bias shift (−3.0) the reader is asked to try"),
        ("0.001", "setting", "the Adam learning rate of the residual-connection training run"),
        ("0.75", "setting", "Try it 1's solution: a position of the explorer's gain slider"),
        ("1e-16", "math", "glossary: float64's rounding error, the nudge of notebook 01's aside"),
        ("0.9", "setting", "the usual SGD momentum, named where SGD is defined"),
        ("95%", "setting", "glossary: the confidence level of the protocol's intervals"),
        ("5%", "setting", "glossary: the protocol's familywise error rate (Holm's alpha)"),
    ],
    "01-dying-relu.ipynb": [
        ("10^-16", "math", "float64's relative rounding error, 2^-53 ≈ 1.1e-16"),
        ("0.6007", "paper", "RAI's standard deviation, from Lu et al. 2020"),
        ("0.3", "setting", "the plain-SGD revival control's learning rate"),
    ],
    "02-leaky-and-parametric-relu.ipynb": [
        ("1.0625", "math", "the factor 1 + a² for the initial slope a = 0.25"),
        ("4.06", "math", "exercise 4's solution: a² + b² for a = 0.25, b = 2"),
        ("0.9", "setting", "SGD momentum, as in He et al. 2015"),
        ("0.681", "paper", "He et al. 2015, Table 1: the shared slope of the first conv layer"),
        ("0.596", "paper", "He et al. 2015, Table 1: the channel-wise first-layer mean"),
        ("0.09", "paper", "He et al. 2015, Table 1: conv2_1-conv3_2 shared, mostly 0.09 to 0.23"),
        ("0.23", "paper", "He et al. 2015, Table 1: conv2_1-conv3_2 shared, mostly 0.09 to 0.23"),
        ("0.15", "paper", "He et al. 2015, Table 1: conv2_1-conv3_2 channel-wise, 0.15 to 0.46"),
        ("0.46", "paper", "He et al. 2015, Table 1: conv2_1-conv3_2 channel-wise, 0.15 to 0.46"),
        ("1.2", "paper", "PReLU's gain in top-1 error on ImageNet: He et al. 2015, Table 2"),
        ("33.82%", "paper", "ReLU's top-1 error, 14-layer ImageNet net: He et al. 2015, Table 2"),
        ("32.64%", "paper", "PReLU's top-1 error, 14-layer ImageNet net: He et al. 2015, Table 2"),
    ],
    "03-selu-self-normalization.ipynb": [
        ("1.6732", "article", "the article's alpha, compared with the exact 1.6733 printed above"),
        ("0.95", "paper", "the domain of Theorem 1, tau in [0.95, 1.1], Klambauer et al. 2017"),
        ("1.1", "paper", "the domain of Theorem 1, tau in [0.95, 1.1], Klambauer et al. 2017"),
        ("0.64", "math", "exercise 3's solution: tau = scale² for the scale 0.8"),
        ("1.44", "math", "exercise 3's solution: tau = scale² for the scale 1.2"),
        ("1.97690", "paper", "getSELUparameters of the SNN authors (Klambauer et al. 2017 code)"),
        ("1.07385", "paper", "getSELUparameters of the SNN authors (Klambauer et al. 2017 code)"),
    ],
    "04-normalization-types.ipynb": [
        ("10^-5", "setting", "batch norm's epsilon: PyTorch's default, which the course follows"),
        ("0.99", "setting", "Keras' default batch-norm momentum (the weight of the old average)"),
        ("0.999", "math", "1 - momentum for the explorer's momentum 0.001"),
        ("0.9", "setting", "1 - momentum in the running-mean update, momentum 0.1 (PyTorch's)"),
        ("0.58", "math", "std of max(0, z) for z ~ N(0, 1): sqrt(1/2 - 1/(2 pi)) = 0.5838"),
        ("1.10", "math", "cross-entropy of a uniform guess over 3 classes: ln 3 = 1.0986"),
    ],
}
