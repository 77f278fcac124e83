"""Small, tested numpy helpers for the Beyond ReLU course.

Each module has one job; open any of them and read it:

- ``activations``  activation functions and their derivatives
- ``init``         weight initialisers (He, LeCun, Glorot)
- ``propagation``  signals and gradients through deep random networks
- ``plotting``     the course's figures (colour-blind-safe palette)
- ``widgets``      the interactive figures (ipywidgets around ``plotting``)
"""

__version__ = "0.1.0"
