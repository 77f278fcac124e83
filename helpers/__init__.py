"""Small, tested numpy helpers for the Beyond ReLU course.

Three kinds of module, and the rule for what goes where:

**The core** is a numpy neural-network toolkit. Each file reads like the formulas it implements
(forward and backward side by side, shapes in the docstrings); read them in this order:

- ``activations``  the activation functions, their derivatives, and ``ACTIVATIONS``: the one
  table that declares every activation (its defaults and matching initialisation)
- ``init``         weight initialisers (He, LeCun, Glorot)
- ``selu_theory``  SELU's moment map, its fixed point and Jacobian; alpha dropout's constants
- ``layers``       Linear, the activation layers, batch/layer norm, dropout, Sequential
- ``losses``       softmax cross-entropy
- ``optim``        SGD with momentum, Adam; weight decay that spares slopes and biases
- ``training``     the training loop (``fit``) and ``evaluate``
- ``models``       the multilayer perceptron builder the notebooks use
- ``data``, ``scalers``  the bundled data sets, split with a seed; input scaling
- ``gradcheck``    finite differences, to check every backward

**Shared course machinery** runs the experiments several notebooks use:
``experiments`` (train one network, repeat it over seeds, sweep settings), ``protocol``
(the one way every comparison is judged: early stopping, the learning-rate choice, paired
intervals), ``results`` and ``studies`` (the experiments too heavy for a notebook: declared
once, computed by `make results`, stored in results/), ``parallel``
(seeds on the CPUs the process may use), ``propagation`` (signals through deep random networks),
``diagnostics`` (dead units, per-layer statistics), ``plotting`` (figures that several
notebooks share), ``widgets`` (the plumbing of the sliders) and ``checking`` (what every
exercise checker shares).

**One module per notebook**, ``nb00`` to ``nb07``, holds everything behind that notebook and
nothing else: its own experiments, figures, explorer and exercise checkers. Notebook 01 uses
``helpers.nb01``.

Imports go downwards only: the core imports only the core (and ``_validation``, the shared input
checks); the shared machinery imports the core; a notebook module imports the core and the
shared machinery, never another notebook module. A new activation is one function pair and one
entry in ``activations.ACTIVATIONS``: the layers, the model builder, the figures and the tests
pick it up from there.
"""

__version__ = "0.1.0"

# numpy's BLAS starts one thread per core it sees; in a container (Binder: 1-2 CPUs of a big
# node) that is far more than the CPU quota allows. Use only the CPUs this process may use.
from .parallel import limit_blas_threads as _limit_blas_threads  # noqa: E402

_limit_blas_threads()
