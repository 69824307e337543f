"""The networks of the reinforcement-learning agents (``tinynet.rl``): small MLPs from an
observation vector to one output per action (a policy's logits, or Q values), and to one
output (a state value).

    build_policy((4,), 2)        # CartPole: 4 -> 64 -> 64 -> 2 logits, tanh between
    build_q_network((4,), 2)     # 4 -> 128 -> 128 -> 2 Q values, ReLU between
"""

from __future__ import annotations

import itertools
import math

from tinynet import nn


def mlp(sizes, activation=nn.Tanh, output_gain: float | None = None) -> nn.Sequential:
    """Linear layers of the given ``sizes`` with ``activation`` between them (none after the
    last). With ``output_gain``, weights are orthogonal (gain sqrt(2) for hidden layers,
    ``output_gain`` for the last) and biases zero: the usual start of policy-gradient agents,
    whose small last gain makes the first policy close to uniform."""
    layers = []
    for index, (inputs, outputs) in enumerate(itertools.pairwise(sizes)):
        linear = nn.Linear(inputs, outputs)
        last = index == len(sizes) - 2
        if output_gain is not None:
            nn.init.orthogonal_(linear.weight, output_gain if last else math.sqrt(2))
            nn.init.zeros_(linear.bias)
        layers.append(linear)
        if not last:
            layers.append(activation())
    return nn.Sequential(*layers)


def _size(input_shape) -> int:
    return math.prod(tuple(input_shape))


def build_policy(input_shape, num_classes: int, hidden: int = 64) -> nn.Sequential:
    """The policy of REINFORCE, A2C and PPO: observation -> ``num_classes`` action logits,
    two tanh hidden layers, orthogonal start with a last gain of 0.01."""
    return mlp((_size(input_shape), hidden, hidden, num_classes), output_gain=0.01)


def build_value(input_shape, hidden: int = 64) -> nn.Sequential:
    """The critic (state value, or REINFORCE's baseline): observation -> one value."""
    return mlp((_size(input_shape), hidden, hidden, 1), output_gain=1.0)


def build_q_network(input_shape, num_classes: int, hidden: int = 128) -> nn.Sequential:
    """DQN's Q network: observation -> one Q value per action, two ReLU hidden layers."""
    return mlp((_size(input_shape), hidden, hidden, num_classes), activation=nn.ReLU)
