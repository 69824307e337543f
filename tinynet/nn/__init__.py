"""Neural-network building blocks: functional ops (tinynet.nn.functional) and, later, modules."""

from tinynet.nn import functional
